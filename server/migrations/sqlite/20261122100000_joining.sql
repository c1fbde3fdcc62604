-- How people join: leavers imported from HR exports, invitations sent to them, applications from
-- people who were not invited, and the audit log of what admins did. Written to port to
-- PostgreSQL like the first schema: text ids, integer unix seconds. Months are `YYYY-MM` text;
-- the columns are `joined_month` / `left_month` because LEFT is a reserved word in SQL.

-- One leaver from an HR export. `user_id` is set once they have registered.
CREATE TABLE hr_records (
    id              TEXT PRIMARY KEY,
    employee_number TEXT UNIQUE,
    name            TEXT NOT NULL,
    reading         TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL UNIQUE,
    joined_month    TEXT NOT NULL DEFAULT '',
    left_month      TEXT NOT NULL DEFAULT '',
    department      TEXT NOT NULL DEFAULT '',
    imported_at     INTEGER NOT NULL,
    user_id         TEXT REFERENCES users (id)
);

-- A single-use link to register. Only the SHA-256 of the token is kept, as for sessions;
-- sending a new invitation deletes the unused ones before it.
CREATE TABLE invitations (
    token_hash   BLOB PRIMARY KEY,
    hr_record_id TEXT NOT NULL REFERENCES hr_records (id),
    email        TEXT NOT NULL,
    created_by   TEXT REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX invitations_by_record ON invitations (hr_record_id);

-- Someone who was not invited asked to join. The password hash waits here until an admin
-- decides; it is cleared when the application is rejected.
CREATE TABLE applications (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    reading         TEXT NOT NULL DEFAULT '',
    employee_number TEXT NOT NULL DEFAULT '',
    joined_month    TEXT NOT NULL DEFAULT '',
    left_month      TEXT NOT NULL DEFAULT '',
    department      TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    password_hash   TEXT,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at      INTEGER NOT NULL,
    decided_by      TEXT REFERENCES users (id),
    decided_at      INTEGER,
    user_id         TEXT REFERENCES users (id)
);
CREATE INDEX applications_by_status ON applications (status, created_at);

-- What admins did (and what the relay decided on its own, with no actor). Append-only.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor_id TEXT REFERENCES users (id),
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL DEFAULT ''
);
