-- Job openings (issue 13): posts admins and recruiters aim at a segment, kept and delivered as
-- news posts are; `kind` is the document's kind ('news-post' or 'job-post').
ALTER TABLE news_posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'news-post'
    CHECK (kind IN ('news-post', 'job-post'));

-- The `recruiter` role: members who post job openings as admins do. SQLite cannot change a
-- CHECK constraint in place, so the table is made again with the wider one.
CREATE TABLE user_roles_new (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL
        CHECK (role IN ('admin', 'event-staff', 'employee', 'alumni', 'editor', 'recruiter')),
    PRIMARY KEY (user_id, role)
);
INSERT INTO user_roles_new (user_id, role) SELECT user_id, role FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
