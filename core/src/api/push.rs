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
    /// Something about an event the member has a seat at (or waits for).
    #[serde(rename_all = "camelCase")]
    Event {
        event: DocumentId,
        title: String,
        /// When it starts (unix seconds); the service worker writes it in the device's time.
        starts_at: i64,
        about: EventNotice,
    },
    /// A post of news an admin marked important came out.
    News { post: DocumentId, title: String },
    /// A recruiter moved the member's application for an opening (or the person they referred
    /// for it) to another stage ([`crate::job_application::Stage`] key).
    Application {
        post: DocumentId,
        /// The opening's title.
        title: String,
        stage: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        referral: bool,
    },
}

/// What an event notice says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventNotice {
    /// The reminder the day before (sent 24 hours before it starts).
    DayBefore,
    /// The reminder an hour before.
    HourBefore,
    /// Its time moved.
    TimeChanged,
    /// Its place changed (the venue, or online or not).
    PlaceChanged,
    /// Both its time and its place changed.
    TimeAndPlaceChanged,
    /// It was cancelled.
    Cancelled,
}

impl PushNotice {
    /// The same notice without what a message says, for a device that chose no preview.
    pub fn without_preview(mut self) -> Self {
        match &mut self {
            Self::Message { text, .. } => *text = None,
            // Its title and time are what the member signed up for, not someone's words; a
            // post's title is the company's.
            // An application's stage is the member's own news.
            Self::Event { .. } | Self::News { .. } | Self::Application { .. } => {}
        }
        self
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The service worker (`public/sw.js`) reads these names.
    #[test]
    fn notices_travel_as_the_service_worker_reads_them() {
        let event = DocumentId::random();
        let notice = PushNotice::Event {
            event,
            title: "新年会".into(),
            starts_at: 1_900_000_000,
            about: EventNotice::TimeAndPlaceChanged,
        };
        assert_eq!(
            serde_json::to_value(&notice).unwrap(),
            serde_json::json!({
                "kind": "event",
                "event": event.to_string(),
                "title": "新年会",
                "startsAt": 1_900_000_000,
                "about": "time-and-place-changed",
            })
        );
        let message = PushNotice::Message {
            conversation: event,
            sender: "山田 花子".into(),
            group: String::new(),
            text: Some(String::new()),
            photos: 2,
        };
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(
            (json["kind"].as_str(), json["photos"].as_u64()),
            (Some("message"), Some(2))
        );
        let PushNotice::Message { text, photos, .. } = message.without_preview() else {
            panic!("a message notice");
        };
        assert_eq!((text, photos), (None, 2));
        let news = PushNotice::News {
            post: event,
            title: "年末年始のお知らせ".into(),
        };
        assert_eq!(
            serde_json::to_value(&news).unwrap(),
            serde_json::json!({ "kind": "news", "post": event.to_string(), "title": "年末年始のお知らせ" })
        );
        let moved = PushNotice::Application {
            post: event,
            title: "営業企画の業務委託".into(),
            stage: "interview".into(),
            referral: false,
        };
        assert_eq!(
            serde_json::to_value(&moved).unwrap(),
            serde_json::json!({
                "kind": "application",
                "post": event.to_string(),
                "title": "営業企画の業務委託",
                "stage": "interview",
            })
        );
    }
}
