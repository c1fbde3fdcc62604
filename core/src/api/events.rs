//! Creating events, and the calendar feed and venue code around them.

use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;

/// An event a member may read (see [`Me::events`](super::Me::events)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub event: DocumentId,
    /// Its attendees and revoked tickets ([`crate::event::Roster`]): for its staff and admins.
    #[serde(default)]
    pub roster: Option<DocumentId>,
    /// Its check-in log ([`crate::checkin`]): for its staff and admins.
    #[serde(default)]
    pub checkins: Option<DocumentId>,
}

/// `POST /api/events`: a new event. An admin's starts as a draft they then edit and publish;
/// anyone else's is a proposal that an admin publishes or drops. Answered with [`EventRef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Unix seconds, UTC.
    pub starts_at: i64,
    pub ends_at: i64,
    /// IANA zone; empty for the default (`Asia/Tokyo`).
    #[serde(default)]
    pub time_zone: String,
}

/// `POST /api/me/calendar`: a new personal calendar feed address (any earlier one stops
/// working); `DELETE /api/me/calendar` revokes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// The feed's full URL, holding a secret token; calendar apps poll it.
    pub url: String,
}

/// `GET /api/events/{event}/venue-code`, for admins and the event's staff: the signed code the
/// venue shows for self check-in ([`crate::pass::VenueCode`]), to print or show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCodeResponse {
    pub code: String,
}
