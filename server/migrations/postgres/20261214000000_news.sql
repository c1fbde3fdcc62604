-- Company news (issue 13, docs/design.md §13): one row per post, kept by the relay from the
-- post's document on every change to it, so who may read a post is decided without loading it.
-- `segment` is the post's segment as JSON; `out_at` is when it came out (0 while it is not out).
CREATE TABLE news_posts (
    doc        TEXT PRIMARY KEY REFERENCES documents (id),
    status     TEXT NOT NULL,
    publish_at BIGINT NOT NULL DEFAULT 0,
    out_at     BIGINT NOT NULL DEFAULT 0,
    pinned     BOOLEAN NOT NULL DEFAULT FALSE,
    segment    TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
