//! The devices a member's app syncs from, which they (or an admin) may revoke.

use serde::{Deserialize, Serialize};

/// A device a member's app syncs from (`GET /api/devices?current=<storage id>`); revoke one with
/// `DELETE /api/devices/<id>`. A revoked device is refused at its next connect with a protocol
/// `error` whose message starts with [`DEVICE_REVOKED`](super::DEVICE_REVOKED), and wipes its
/// local data.
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
