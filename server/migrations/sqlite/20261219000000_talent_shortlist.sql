-- The talent pool's shortlist (issue 13): alumni a recruiter marked to follow up, shared by
-- everyone who posts job openings. `added_by` is emptied when that recruiter's account is erased.
CREATE TABLE talent_shortlist (
    user_id  TEXT NOT NULL PRIMARY KEY REFERENCES users (id),
    added_by TEXT REFERENCES users (id),
    added_at BIGINT NOT NULL
);
