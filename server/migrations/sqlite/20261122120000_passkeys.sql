-- Passkeys (WebAuthn credentials) members sign in with instead of a password.

-- The user handle an authenticator stores with a discoverable credential and hands back at
-- sign-in, so the relay knows whose passkey it is before the member types anything. A random
-- UUID per member rather than their user id: the handle says nothing about them to anyone who
-- reads the authenticator.
CREATE TABLE passkey_handles (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    handle     TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- One row per registered credential. `passkey` is webauthn-rs's `Passkey` as JSON (public key,
-- signature counter, backup state), rewritten after each sign-in that changes it.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    credential_id BLOB NOT NULL UNIQUE,
    passkey       TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used     INTEGER
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);
