-- What readers say to a post (いいね and comments) lives in a document of its own, made with the
-- post and read by the post's readers (docs/design.md §13); NULL for a post made before.
ALTER TABLE news_posts ADD COLUMN responses TEXT REFERENCES documents (id);
