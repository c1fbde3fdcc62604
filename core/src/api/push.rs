//! Web Push (docs/design.md §8): a device subscribes, the relay notifies it of what it missed
//! while the app was closed.

use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;

/// `GET /api/push/key`: the relay's VAPID public key (RFC 8292), which the browser's
/// `pushManager.subscribe` takes as `applicationServerKey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushKey {
    /// The uncompressed P-256 point, unpadded base64url.
    pub key: String,
}

/// `PUT /api/push/subscription`: this device's subscription (`PushSubscription.toJSON()`'s
/// endpoint and keys), and whether its notifications may show what a message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushSubscription {
    pub endpoint: String,
    /// The device's P-256 public key, unpadded base64url.
    pub p256dh: String,
    /// The device's 16-byte authentication secret, unpadded base64url.
    pub auth: String,
    /// Show the sender's words on the lock screen; `false` says only that something came.
    #[serde(default = "yes")]
    pub preview: bool,
}

/// `DELETE /api/push/subscription`: this device stops being notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushUnsubscribe {
    pub endpoint: String,
}

/// `PUT /api/conversations/<id>/mute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    pub muted: bool,
}

fn yes() -> bool {
    true
}

/// What a push carries (encrypted for the device, RFC 8291); the service worker writes the
/// notification from it in the device's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum PushNotice {
    /// A new message in a conversation.
    Message {
        conversation: DocumentId,
        /// The writer's name.
        sender: String,
        /// A group's name; empty for a one-to-one conversation.
        group: String,
        /// The message's first words, or `None` when the device chose no preview.
        text: Option<String>,
        /// How many photos it carries (a photo alone is "sent a photo").
        #[serde(default, skip_serializing_if = "is_zero")]
        photos: usize,
    },
}

impl PushNotice {
    /// The same notice without what a message says, for a device that chose no preview.
    pub fn without_preview(mut self) -> Self {
        match &mut self {
            Self::Message { text, .. } => *text = None,
        }
        self
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
