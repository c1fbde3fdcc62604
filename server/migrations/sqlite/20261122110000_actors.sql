-- Write authorisation (DESIGN.md 4): the actor ids each member's devices write with, and document
-- kinds decided by tsunagu_core::grants::DocKind rather than a CHECK list that every feature
-- would have to rebuild (an unknown kind is readable by no one).

-- SQLite cannot drop a CHECK constraint in place, and migrations run inside a transaction where
-- `foreign_keys = OFF` has no effect: defer the checks to the commit, by when every document
-- the chunks and sync states refer to is back.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE documents_copy AS SELECT id, kind, owner_id, created_at FROM documents;
DROP TABLE documents;
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner_id   TEXT REFERENCES users (id),
    created_at INTEGER NOT NULL
);
INSERT INTO documents (id, kind, owner_id, created_at)
    SELECT id, kind, owner_id, created_at FROM documents_copy;
DROP TABLE documents_copy;
CREATE INDEX documents_by_owner ON documents (owner_id, kind);

-- An Automerge actor id (hex) belongs to the member whose device first wrote with it; a NULL
-- member reserves it for the relay itself. The relay refuses changes by anyone else's actor.
CREATE TABLE actors (
    actor      TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id),
    first_seen INTEGER NOT NULL
);
