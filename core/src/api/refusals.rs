//! How the relay says why it closed a sync connection or rejected a change: a stable prefix of
//! the protocol `error` message or of the `change-rejected` reason, which the app matches on.

/// How the relay's protocol `error` to a revoked device begins.
pub const DEVICE_REVOKED: &str = "device-revoked";

/// How the relay's protocol `error` begins when the session a socket was opened with ended
/// (expired, signed out, signed out everywhere, or it belongs to another device): the app asks
/// to sign in again, keeping unsent changes.
pub const SESSION_ENDED: &str = "session-ended";

/// How the relay's protocol `error` begins when what the member may read or write changed
/// (their roles): the app asks who it is again and reconnects.
pub const PERMISSIONS_CHANGED: &str = "permissions-changed";

/// How the reason of a `change-rejected` begins when a document reached the size the relay
/// keeps for one of its kind.
pub const DOCUMENT_FULL: &str = "document-full";

/// How the reason of a `change-rejected` begins when a member sent more bytes of changes within
/// the hour than the relay takes from one member.
pub const WRITING_TOO_FAST: &str = "writing-too-fast";

/// How the reason of a `change-rejected` begins when the relay rewrote a document it alone
/// writes (a deleted member's name gone from a roster's history): the device drops its copy and
/// fetches the new one, and nobody needs to be told.
pub const DOCUMENT_RESET: &str = "document-reset";

/// How the relay's protocol `error` to the devices of a deleted account begins; they wipe
/// themselves as a revoked device does.
pub const ACCOUNT_DELETED: &str = "account-deleted";

/// How the reason of the close frame begins when the relay shuts down (code 1012, service
/// restart): everything it acknowledged is committed, and the app reconnects at once, to the
/// relay that replaces it or to another one.
pub const RELAY_RESTARTING: &str = "relay-restarting";
