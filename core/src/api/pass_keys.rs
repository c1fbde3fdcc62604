//! The organisation's keys that sign tickets and ID cards ([`crate::pass`]), as admins manage them.

use serde::{Deserialize, Serialize};

/// One of the organisation's pass keys (`GET /api/admin/pass-keys`): passes signed by a listed
/// key are valid; `POST /api/admin/pass-keys` makes a new current one (everything live is signed
/// again with it), `DELETE /api/admin/pass-keys/<id>` retires an old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassKeyInfo {
    /// What passes name it by.
    pub id: String,
    /// The public key, base64url.
    pub key: String,
    /// The key passes are signed with now.
    pub current: bool,
}
