-- A post marked important is announced by push once, when it comes out (issue 13):
-- `announced_at` is when that was done (0: not yet).
ALTER TABLE news_posts ADD COLUMN important BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE news_posts ADD COLUMN announced_at BIGINT NOT NULL DEFAULT 0;
