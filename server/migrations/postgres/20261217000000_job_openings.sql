-- Job openings (issue 13): posts admins and recruiters aim at a segment, kept and delivered as
-- news posts are; `kind` is the document's kind ('news-post' or 'job-post').
ALTER TABLE news_posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'news-post'
    CHECK (kind IN ('news-post', 'job-post'));

-- The `recruiter` role: members who post job openings as admins do.
ALTER TABLE user_roles DROP CONSTRAINT user_roles_role_check;
ALTER TABLE user_roles ADD CONSTRAINT user_roles_role_check
    CHECK (role IN ('admin', 'event-staff', 'employee', 'alumni', 'editor', 'recruiter'));
