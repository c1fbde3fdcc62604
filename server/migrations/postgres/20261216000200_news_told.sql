-- Open apps are told when a post comes out, so it appears without reopening the app (issue 13):
-- `told_at` is when they were last told (a post out since before this column was told already).
ALTER TABLE news_posts ADD COLUMN told_at BIGINT NOT NULL DEFAULT 0;
UPDATE news_posts SET told_at = out_at WHERE out_at > 0;
