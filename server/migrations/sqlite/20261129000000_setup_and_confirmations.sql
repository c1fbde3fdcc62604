-- Issue 8: a real deployment is set up once (no demo data unless asked), and a match with HR's
-- records never lets an applicant in by itself.

-- The organisation's defaults, chosen at first-run setup: the language mails and new members
-- start in, and the time zone new events are held in.
ALTER TABLE organisations ADD COLUMN language TEXT NOT NULL DEFAULT 'ja';
ALTER TABLE organisations ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Tokyo';

-- The imported record an application matched when it arrived, and how: a hint for the admin
-- who decides it, and the record the member is linked to once approved or confirmed.
ALTER TABLE applications ADD COLUMN hr_record_id TEXT REFERENCES hr_records (id);
ALTER TABLE applications ADD COLUMN matched_by TEXT NOT NULL DEFAULT '';

-- A single-use link mailed to the address HR has on record for an applicant who matched it:
-- opening it proves they hold that address, and only then does the application become a
-- member. Only the SHA-256 of the token is kept, as for invitations.
CREATE TABLE application_confirmations (
    token_hash     BLOB PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    email          TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX application_confirmations_by_application ON application_confirmations (application_id);

-- A session belongs to one device: the first device (storage) that syncs with it. Revoking the
-- device revokes its sessions, so neither the socket nor the HTTP API keeps answering it.
ALTER TABLE sessions ADD COLUMN device_id TEXT REFERENCES devices (id);
CREATE INDEX sessions_by_device ON sessions (device_id);
