//! The relay's small JSON API, shared so the app and the relay cannot drift apart.
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/session` | [`SignIn`] | [`Me`], and the `tsunagu_session` cookie (HttpOnly, SameSite=Strict) |
//! | `DELETE /api/session` | — | 204; the session is revoked and the cookie cleared |
//! | `GET /api/me` | — | [`Me`] |
//! | `GET /sync` | — | WebSocket: the automerge-repo protocol ([`crate::wire`]) |
//!
//! Every failure is an [`ApiError`] body with a stable `error` code the app translates.

use serde::{Deserialize, Serialize};

use crate::ids::{DocumentId, StorageId};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tsunagu_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// A role a person holds in the organisation; one person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    EventStaff,
    Employee,
    Alumni,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::EventStaff, Role::Employee, Role::Alumni];

    /// The stable name stored by the relay and used on the wire.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::EventStaff => "event-staff",
            Role::Employee => "employee",
            Role::Alumni => "alumni",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// Who is signed in, and which documents they may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub organisation: String,
    /// Their own profile document, which they may edit.
    pub profile_doc: DocumentId,
    /// Every profile document they may read (their own included).
    pub directory: Vec<DocumentId>,
    /// The organisation's own document (its names), which every member reads and admins edit.
    #[serde(default)]
    pub organisation_doc: Option<DocumentId>,
    /// The relay's storage id: sync states for the relay are saved under it.
    pub relay_storage: StorageId,
}

/// A device a member's app syncs from (`GET /api/devices?current=<storage id>`); revoke one with
/// `DELETE /api/devices/<id>`. A revoked device is refused at its next connect with a protocol
/// `error` whose message starts with [`DEVICE_REVOKED`], and wipes its local data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    /// Browser and system, e.g. "Chrome · Android".
    pub label: String,
    /// Unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
    pub revoked: bool,
    /// The device asking (it named its storage id in `current`).
    pub this_device: bool,
}

/// How the relay's protocol `error` to a revoked device begins.
pub const DEVICE_REVOKED: &str = "device-revoked";

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
}
