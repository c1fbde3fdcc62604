-- Conversations (issue 11): who is in each and its pages of messages. The documents hold the
-- messages; these rows are what the relay decides access by (docs/design.md §7).
CREATE TABLE conversations (
    doc        TEXT PRIMARY KEY REFERENCES documents (id),
    kind       TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX conversations_by_creator ON conversations (created_by, created_at);

CREATE TABLE conversation_members (
    conversation TEXT NOT NULL REFERENCES conversations (doc),
    user_id      TEXT NOT NULL REFERENCES users (id),
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (conversation, user_id)
);
CREATE INDEX conversation_members_by_user ON conversation_members (user_id);

CREATE TABLE conversation_pages (
    page         TEXT PRIMARY KEY REFERENCES documents (id),
    conversation TEXT NOT NULL REFERENCES conversations (doc),
    seq          INTEGER NOT NULL,
    UNIQUE (conversation, seq)
);
