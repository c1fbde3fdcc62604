-- Who opened which post (issue 13): the app reports the posts a member opened, so admins see how
-- many of the members a post reached read it. One row per member and post, the first opening.
CREATE TABLE news_opens (
    post      TEXT NOT NULL REFERENCES documents (id),
    user_id   TEXT NOT NULL REFERENCES users (id),
    opened_at BIGINT NOT NULL,
    PRIMARY KEY (post, user_id)
);
