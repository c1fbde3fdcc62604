//! The one error body every call may answer with: a stable [`ErrorCode`] the app translates.

use serde::{Deserialize, Serialize};

/// Stable error codes; the app shows a translated message for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidCredentials,
    Unauthenticated,
    SessionExpired,
    TooManyAttempts,
    BadRequest,
    NotFound,
    Internal,
    /// Signed in, but this needs a role they do not hold (admin screens).
    Forbidden,
    /// The request contradicts what is stored (e.g. an application already decided).
    Conflict,
    /// An uploaded CSV file could not be read at all (encoding, missing column).
    InvalidCsv,
    /// No invitation has this link (never sent, or replaced by a newer one).
    InvitationNotFound,
    /// The invitation link is past its expiry; ask for a new one.
    InvitationExpired,
    /// The invitation link was already used to register; sign in instead.
    InvitationUsed,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`](super::MIN_PASSWORD_CHARS).
    PasswordTooShort,
    /// This email cannot be used to register (an account or application already has it).
    EmailUnavailable,
    /// This relay cannot offer passkeys where it is reached (WebAuthn needs a domain name, such
    /// as `localhost`, and a secure context): sign in with the password.
    PasskeysUnavailable,
    /// The passkey request is unknown, already used or past its time: start again.
    PasskeyCeremonyExpired,
    /// No member has this passkey (never registered here, or removed): sign in with the password.
    PasskeyNotRecognised,
    /// The authenticator's answer did not verify (wrong site, no user verification, bad signature).
    PasskeyRejected,
    /// The passkey is right, but the member is suspended.
    AccountSuspended,
    /// The first-run setup link is not this relay's (or the relay restarted and printed a new one).
    SetupLinkInvalid,
    /// The network is already set up: sign in instead.
    AlreadySetUp,
    /// The relay is busy (too many sign-ins at once): try again in a moment.
    Busy,
    /// This needs a recent sign-in (adding a passkey, changing the password, deleting the
    /// account): sign in again with the password or a passkey, then retry.
    ReauthenticationRequired,
    /// The email and password are those of an application that waits for an admin (or for the
    /// link mailed to the address HR has): they can sign in once it is approved, and hear by
    /// email. Only ever told to someone who gave the application's password.
    ApplicationPending,
    /// The application with this email (and, at sign-in, this password) was not approved:
    /// contact the alumni office. Only ever told to someone who gave the application's password
    /// or holds its confirmation link.
    ApplicationNotApproved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
}
