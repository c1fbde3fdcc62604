-- Signing in with an email no member has looks for an application with it (to tell a pending
-- or rejected applicant so, once they give its password): by email, as every sign-in may ask.
CREATE INDEX applications_by_email ON applications (email, status);

-- An application the relay did not store, because its email already belonged to a member or to
-- an application that waits. Its password is hashed with the salt of the hash a sign-in with
-- that email is checked against, so that the one argon2 computation of a sign-in also tells
-- whether it is this password: its sender is told that the application waits, exactly as if it
-- had been stored, and so cannot learn that the email was taken. Kept as long as a rejection.
CREATE TABLE application_attempts (
    email      TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX application_attempts_by_email ON application_attempts (email, created_at);
