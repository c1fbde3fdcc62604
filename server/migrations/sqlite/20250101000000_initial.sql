-- The first schema of the relay. Written to carry over to PostgreSQL: text ids, integer unix
-- seconds for times, BLOBs for Automerge bytes (BYTEA there), no SQLite-only column types.

-- Settings of this relay that are made once and never change (its storage id above all).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- One row per person. `password_hash` is an argon2id PHC string, or NULL for someone who cannot
-- sign in with a password (not yet invited, or signs in some other way later).
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    display_name    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'removed')),
    created_at      INTEGER NOT NULL
);

-- The roles a person holds (tsunagu_core::api::Role, kebab-case); one person may hold several.
CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL CHECK (role IN ('admin', 'event-staff', 'employee', 'alumni')),
    PRIMARY KEY (user_id, role)
);

-- Only a SHA-256 of the cookie's token is kept: a copy of this table opens no session.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Every Automerge document the relay serves. `kind` says which authorisation rules apply; more
-- kinds (event, check-in log, conversation, news, job) come with their features.
CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('profile')),
    owner_id   TEXT REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE INDEX documents_by_owner ON documents (owner_id, kind);

-- A document's stored bytes: incremental changes, or a snapshot that replaced every chunk
-- before it (the relay deletes those in the same transaction). `seq` orders them.
CREATE TABLE chunks (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents (id),
    bytes       BLOB NOT NULL,
    is_snapshot INTEGER NOT NULL CHECK (is_snapshot IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX chunks_by_document ON chunks (document_id, seq);

-- What the relay knows a device already has, per (device storage, document), so a reconnect
-- exchanges only what changed (DESIGN.md 3). `peer_storage_id` is scoped to the signed-in user
-- (`<user id>/<storage id the device announced>`), so no device can claim another's sync state.
CREATE TABLE sync_states (
    peer_storage_id TEXT NOT NULL,
    document_id     TEXT NOT NULL REFERENCES documents (id),
    bytes           BLOB NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (peer_storage_id, document_id)
);
