-- Every device a member's app has synced from: its storage (one IndexedDB), scoped to the member
-- as the relay stores sync states (`<user id>/<storage id>`). A revoked device is refused at its
-- next connect and told to wipe itself (DESIGN.md 4).
CREATE TABLE devices (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    storage_id TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX devices_by_user ON devices (user_id);
