-- The newsletter (issue 13): a post can also go out by mail, once, when it comes out, to the
-- members of its segment who have not unsubscribed. `mailed_at` is when its mails were queued
-- (0: not yet).
ALTER TABLE news_posts ADD COLUMN newsletter BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE news_posts ADD COLUMN mailed_at BIGINT NOT NULL DEFAULT 0;

-- One mail of a post to one member: 'pending', 'sending' (since updated_at), 'sent', 'failed'
-- (the mail server refused it, or it kept failing: `error` says why) or 'cancelled' (the post
-- stopped being out, the member left or unsubscribed before it went).
CREATE TABLE news_mail (
    post       TEXT NOT NULL REFERENCES documents (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    state      TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    error      TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (post, user_id)
);
CREATE INDEX news_mail_waiting ON news_mail (state);

-- Each member's unsubscribe link (a random token that does only that, so it works without
-- signing in) and whether they unsubscribed (0: they receive the newsletter).
CREATE TABLE newsletter_links (
    user_id         TEXT PRIMARY KEY REFERENCES users (id),
    token           TEXT NOT NULL UNIQUE,
    unsubscribed_at BIGINT NOT NULL DEFAULT 0
);
