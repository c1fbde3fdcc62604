//! Passkeys (WebAuthn): signing in with one, and a member's list of theirs.

use serde::{Deserialize, Serialize};

/// The relay's half of a passkey ceremony (registration or sign-in), valid for a few minutes and
/// for one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    /// Names this ceremony in the [`PasskeyAnswer`].
    pub ceremony: String,
    /// The WebAuthn `publicKey` options in their JSON form (WebAuthn Level 3), as
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take them.
    pub options: serde_json::Value,
}

/// The browser's answer to a [`PasskeyChallenge`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    /// The `PublicKeyCredential` in its JSON form (`credential.toJSON()`).
    pub credential: serde_json::Value,
}

/// One of a member's passkeys (`GET /api/passkeys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    /// Where it was made, e.g. "Chrome · Android".
    pub label: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used: Option<i64>,
}
