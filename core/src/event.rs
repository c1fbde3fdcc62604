//! Events and everything around them, as documents (docs/design.md §1 and §5):
//!
//! - [`Event`]: one document per event, written by admins, read by its audience once published;
//! - [`Rsvps`]: one document per member, where only they say which events they are going to —
//!   it works offline, and the relay reads it to allocate seats ([`crate::seats`]);
//! - [`Passes`]: one document per member that only the relay writes: where they stand for each
//!   event (confirmed, waiting), their signed tickets and their alumni ID card;
//! - [`Roster`]: one document per event that only the relay writes, for its staff: who is coming
//!   (to check people in by name) and which tickets were revoked, so a phone at a venue without
//!   signal judges every ticket itself.
//!
//! Check-ins live in their own document per event ([`crate::checkin`]), which staff append to.
//!
//! ```
//! use automerge::AutoCommit;
//! use tsunagu_core::event::{Event, EventStatus, Rsvps};
//!
//! let mut doc = AutoCommit::new();
//! let mut event = Event::draft("OB・OG会 2026", 1_796_000_000);
//! event.capacity = 40;
//! event.status = EventStatus::Published.key().into();
//! event.write_to(&mut doc).unwrap();
//! assert_eq!(Event::read(&doc).unwrap().title, "OB・OG会 2026");
//!
//! let mut mine = AutoCommit::new();
//! Rsvps::default().write_to(&mut mine).unwrap();
//! Rsvps::answer(&mut mine, "event-doc-id", true, 1_795_000_000).unwrap();
//! assert!(Rsvps::read(&mine).unwrap().events["event-doc-id"].going);
//! ```

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use autosurgeon::Reconcile;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::vocab::EventAudience;

/// The time zone an event is in when its admin does not say otherwise.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Tokyo";

/// Tickets and the venue's code are good from this long before an event starts (doors, a
/// reception)...
pub const ADMISSION_OPENS_BEFORE_SECS: i64 = 6 * 3600;
/// ...until this long after it ends (an after-party at the same venue).
pub const ADMISSION_CLOSES_AFTER_SECS: i64 = 6 * 3600;

/// Where an event is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventStatus {
    /// Being prepared: only admins see it.
    Draft,
    /// An alumnus proposed it; an admin publishes or drops it.
    Proposed,
    Published,
    /// Called off: attendees still see it, marked cancelled, and their tickets are revoked.
    Cancelled,
}

impl EventStatus {
    pub const ALL: [EventStatus; 4] = [
        EventStatus::Draft,
        EventStatus::Proposed,
        EventStatus::Published,
        EventStatus::Cancelled,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Proposed => "proposed",
            EventStatus::Published => "published",
            EventStatus::Cancelled => "cancelled",
        }
    }

    /// An unknown status reads as a draft: shown to admins only.
    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| s.key() == key)
            .unwrap_or(EventStatus::Draft)
    }

    /// Whether the event's audience sees it.
    pub fn is_public(self) -> bool {
        matches!(self, EventStatus::Published | EventStatus::Cancelled)
    }
}

/// A venue's name, address and a link to a map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Venue {
    pub name: String,
    pub address: String,
    pub map_url: String,
}

/// One event. Times are unix seconds (UTC); `time_zone` is the zone the event happens in, used
/// for calendar files and shown beside times converted to the viewer's zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    pub title: String,
    /// Markdown, rendered without raw HTML.
    pub description: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// IANA zone name, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    pub venue: Venue,
    /// Held online: the join link is given to confirmed attendees only, with their ticket.
    pub online: bool,
    /// Seats; 0 means no limit.
    pub capacity: u32,
    /// Last moment to answer (unix seconds); 0 means until the event starts.
    pub deadline: i64,
    /// An [`EventAudience`] key.
    pub audience: String,
    /// Members invited by name when the audience is a list.
    pub invited: Vec<String>,
    /// Who hosts it, as shown to attendees.
    pub hosts: Vec<String>,
    /// Members who may check attendees in.
    pub staff: Vec<String>,
    /// An [`EventStatus`] key.
    pub status: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("the document does not hold what was expected: {0}")]
    Shape(#[from] serde_json::Error),
    #[error("the document could not be written: {0}")]
    Reconcile(Box<autosurgeon::ReconcileError>),
    #[error("the document could not be written: {0}")]
    Edit(#[from] automerge::AutomergeError),
}

impl From<autosurgeon::ReconcileError> for DocError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        Self::Reconcile(Box::new(e))
    }
}

/// Reads a whole document through serde, so text objects (as JS clients write strings) and
/// plain strings read alike, and missing fields take their defaults.
pub(crate) fn read_doc<T: DeserializeOwned>(doc: &impl ReadDoc) -> Result<T, DocError> {
    let value = serde_json::to_value(automerge::AutoSerde::from(doc))?;
    Ok(serde_json::from_value(value)?)
}

/// The map at `key` of `obj`, if a map is there (and not a value or another kind of object).
pub(crate) fn map_at(
    doc: &impl ReadDoc,
    obj: &automerge::ObjId,
    key: &str,
) -> Result<Option<automerge::ObjId>, DocError> {
    Ok(match doc.get(obj, key)? {
        Some((automerge::Value::Object(ObjType::Map), id)) => Some(id),
        _ => None,
    })
}

/// The value under `key` at the root of a document, if there is one and it reads as a `T`.
fn read_key<T: DeserializeOwned>(doc: &impl ReadDoc, key: &str) -> Option<T> {
    let value = serde_json::to_value(automerge::AutoSerde::from(doc)).ok()?;
    serde_json::from_value(value.get(key)?.clone()).ok()
}

impl Event {
    /// A new draft starting at `starts_at`, two hours long, in Tokyo, open to everyone.
    pub fn draft(title: &str, starts_at: i64) -> Self {
        Self {
            title: title.into(),
            starts_at,
            ends_at: starts_at + 2 * 3600,
            time_zone: DEFAULT_TIME_ZONE.into(),
            audience: EventAudience::Everyone.key().into(),
            status: EventStatus::Draft.key().into(),
            ..Self::default()
        }
    }

    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    /// Writes only what differs from what the document holds.
    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), DocError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }

    pub fn status(&self) -> EventStatus {
        EventStatus::from_key(&self.status)
    }

    pub fn audience(&self) -> EventAudience {
        EventAudience::from_key(&self.audience)
    }

    /// Seats, or `None` for no limit.
    pub fn seats(&self) -> Option<u32> {
        (self.capacity > 0).then_some(self.capacity)
    }

    /// Until when answers are taken.
    pub fn closes_at(&self) -> i64 {
        if self.deadline > 0 {
            self.deadline
        } else {
            self.starts_at
        }
    }

    /// When people are let in, with a ticket or the venue's code: from a while before the start
    /// to a while after the end. The relay signs tickets and codes for it; the app offers self
    /// check-in during it.
    pub fn admission_window(&self) -> (i64, i64) {
        (
            self.starts_at - ADMISSION_OPENS_BEFORE_SECS,
            self.ends_at.max(self.starts_at) + ADMISSION_CLOSES_AFTER_SECS,
        )
    }

    /// What an attendee would want to know changed between two versions of a published event,
    /// so an edit is shown as what changed rather than announced again.
    pub fn changes_since(&self, before: &Event) -> Vec<EventChange> {
        let mut changes = Vec::new();
        if self.starts_at != before.starts_at
            || self.ends_at != before.ends_at
            || self.time_zone != before.time_zone
        {
            changes.push(EventChange::Time);
        }
        if self.venue != before.venue || self.online != before.online {
            changes.push(EventChange::Place);
        }
        if self.title != before.title {
            changes.push(EventChange::Title);
        }
        if self.description != before.description {
            changes.push(EventChange::Description);
        }
        if self.status() != before.status() && self.status() == EventStatus::Cancelled {
            changes.push(EventChange::Cancelled);
        }
        changes
    }
}

/// How full an event is, for members who may not read its roster: the relay would write it
/// into the event document under [`SeatCount::KEY`] whenever a seat changes hands, as itself
/// (admins' edits leave it alone, since [`Event`] has no such field). An app shows 残り n 席 or
/// 満席・キャンセル待ち n 人 from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeatCount {
    /// Confirmed seats.
    pub taken: u32,
    /// Members on the waiting list.
    pub waiting: u32,
}

impl SeatCount {
    /// Where the count lives in an event document.
    pub const KEY: &'static str = "seats";

    /// The count in an event document, if the relay wrote one.
    pub fn read(doc: &impl ReadDoc) -> Option<Self> {
        read_key(doc, Self::KEY)
    }

    /// Writes the count into an event document (the relay), touching nothing else.
    pub fn write_to(&self, doc: &mut impl Transactable) -> Result<(), DocError> {
        let seats = match doc.get(ROOT, Self::KEY)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(ROOT, Self::KEY, ObjType::Map)?,
        };
        doc.put(&seats, "taken", i64::from(self.taken))?;
        doc.put(&seats, "waiting", i64::from(self.waiting))?;
        Ok(())
    }
}

/// Who is going, by name, for the event's whole audience (as connpass lists 参加者): the
/// confirmed attendees who chose to be shown ([`Rsvp::show_name`]), in the order their seats were
/// taken, written by the relay into the event document under [`Going::KEY`] beside
/// [`SeatCount`]. Everyone else going is only counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Going {
    pub names: Vec<String>,
}

impl Going {
    /// Where the names live in an event document.
    pub const KEY: &'static str = "going";

    /// The names in an event document, if the relay wrote them.
    pub fn read(doc: &impl ReadDoc) -> Option<Self> {
        read_key(doc, Self::KEY)
    }

    /// Writes the names into an event document (the relay), touching nothing else.
    pub fn write_to(&self, doc: &mut impl Transactable) -> Result<(), DocError> {
        let going = doc.put_object(ROOT, Self::KEY, ObjType::Map)?;
        let names = doc.put_object(&going, "names", ObjType::List)?;
        for (i, name) in self.names.iter().enumerate() {
            doc.insert(&names, i, name.as_str())?;
        }
        Ok(())
    }
}

/// What changed in an event, as attendees see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventChange {
    Time,
    Place,
    Title,
    Description,
    Cancelled,
}

/// A member's answer to one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Rsvp {
    pub going: bool,
    /// When they answered, by their device's clock (unix seconds).
    pub at: i64,
    /// Self check-in: when they scanned the venue's code (0: not yet), by their device's clock.
    pub arrived_at: i64,
    /// The venue code they scanned ([`crate::pass::VenueCode`]), which the relay checks before
    /// it records the admission.
    pub arrival_code: String,
    /// Whether their name may be listed among who is going ([`Going`]) while they hold a seat.
    pub show_name: bool,
}

/// A member's answers, by event document id. Only they write it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Rsvps {
    pub events: BTreeMap<String, Rsvp>,
}

impl Rsvps {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), DocError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }

    /// Records a self check-in: the venue code scanned at `at`. Touches only that event's entry.
    pub fn arrive(
        doc: &mut impl Transactable,
        event: &str,
        code: &str,
        at: i64,
    ) -> Result<(), DocError> {
        let entry = Self::entry(doc, event)?;
        doc.put(&entry, "arrival_code", code)?;
        doc.put(&entry, "arrived_at", at)?;
        Ok(())
    }

    /// The map of `event`'s entry, made if missing.
    fn entry(doc: &mut impl Transactable, event: &str) -> Result<automerge::ObjId, DocError> {
        let events = match doc.get(ROOT, "events")? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(ROOT, "events", ObjType::Map)?,
        };
        Ok(match doc.get(&events, event)? {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(&events, event, ObjType::Map)?,
        })
    }

    /// Records one answer, touching only that event's entry.
    pub fn answer(
        doc: &mut impl Transactable,
        event: &str,
        going: bool,
        at: i64,
    ) -> Result<(), DocError> {
        let entry = Self::entry(doc, event)?;
        doc.put(&entry, "going", going)?;
        doc.put(&entry, "at", at)?;
        Ok(())
    }

    /// Chooses whether the name may be listed among who is going ([`Going`]). Written as a new
    /// answer (`at`) so the relay takes it up; whether they go stays as answered, so it is for
    /// an event already answered.
    pub fn show_name(
        doc: &mut impl Transactable,
        event: &str,
        show: bool,
        at: i64,
    ) -> Result<(), DocError> {
        let entry = Self::entry(doc, event)?;
        doc.put(&entry, "show_name", show)?;
        doc.put(&entry, "at", at)?;
        Ok(())
    }
}

/// Where a member stands for an event, as the relay decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeatStatus {
    Confirmed,
    Waiting,
    /// They said they are not going (or cancelled); a ticket they had is revoked.
    Declined,
    /// They answered after registration closed, or for an event they may not attend.
    Refused,
}

impl SeatStatus {
    pub const ALL: [SeatStatus; 4] = [
        SeatStatus::Confirmed,
        SeatStatus::Waiting,
        SeatStatus::Declined,
        SeatStatus::Refused,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SeatStatus::Confirmed => "confirmed",
            SeatStatus::Waiting => "waiting",
            SeatStatus::Declined => "declined",
            SeatStatus::Refused => "refused",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The relay's answer for one event in a member's [`Passes`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Seat {
    /// A [`SeatStatus`] key.
    pub status: String,
    /// Place on the waiting list, from 1; 0 when not waiting.
    pub position: u32,
    /// The signed ticket ([`crate::pass`]) while confirmed; empty otherwise.
    pub ticket: String,
    /// The answer (its `at`) this decision is about, so the app knows whether its latest
    /// answer was seen.
    pub answered_at: i64,
    /// For an online event, the link to join it: given to confirmed attendees only.
    pub join_url: String,
    /// When the relay recorded their self check-in (0: not checked in that way).
    pub arrived_at: i64,
}

impl Seat {
    pub fn status(&self) -> Option<SeatStatus> {
        SeatStatus::from_key(&self.status)
    }
}

/// What the relay issued to one member. Only the relay writes it; only its member reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Passes {
    /// By event document id.
    pub events: BTreeMap<String, Seat>,
    /// The signed alumni ID card ([`crate::pass`]).
    pub card: String,
}

impl Passes {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), DocError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }
}

/// One attendee, as staff see them at the door.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Attendee {
    pub name: String,
    pub reading: String,
    /// Words that help staff recognise the right person without a photo, e.g. "営業部 2012–2019".
    pub description: String,
    /// A [`SeatStatus`] key.
    pub status: String,
    /// Their current ticket's id; empty unless confirmed.
    pub ticket: String,
}

/// An event's attendees and revoked tickets, for its staff. Only the relay writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Reconcile, Serialize, Deserialize)]
#[serde(default)]
pub struct Roster {
    /// By user id.
    pub attendees: BTreeMap<String, Attendee>,
    /// Revoked ticket ids, with when (unix seconds).
    pub revoked: BTreeMap<String, i64>,
    /// The check-in document of this event.
    pub checkins: String,
}

impl Roster {
    pub fn read(doc: &impl ReadDoc) -> Result<Self, DocError> {
        read_doc(doc)
    }

    pub fn write_to(&self, doc: &mut impl autosurgeon::Doc) -> Result<(), DocError> {
        Ok(autosurgeon::reconcile(doc, self)?)
    }

    pub fn is_revoked(&self, ticket: &str) -> bool {
        self.revoked.contains_key(ticket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    #[test]
    fn unknown_keys_read_as_the_narrowest_choice() {
        assert_eq!(EventAudience::from_key("vip"), EventAudience::List);
        assert_eq!(EventStatus::from_key("archived"), EventStatus::Draft);
        assert!(!EventStatus::Draft.is_public());
        assert!(EventStatus::Cancelled.is_public());
    }

    #[test]
    fn an_event_round_trips_and_edits_write_only_what_changed() {
        let mut doc = AutoCommit::new();
        let mut event = Event::draft("アルムナイ交流会", 1_796_000_000);
        event.venue.name = "本社 10F".into();
        event.write_to(&mut doc).unwrap();
        assert_eq!(Event::read(&doc).unwrap(), event);
        let before = doc.get_heads();
        event.capacity = 30;
        event.write_to(&mut doc).unwrap();
        let change = doc.get_changes(&before);
        assert_eq!(change.len(), 1);
        assert_eq!(change[0].len(), 1, "one put: the capacity");
    }

    #[test]
    fn attendees_are_told_what_changed_not_everything() {
        let before = Event::draft("交流会", 1_796_000_000);
        let mut after = before.clone();
        after.venue.address = "東京都千代田区丸の内1-1".into();
        after.capacity = 50;
        assert_eq!(after.changes_since(&before), [EventChange::Place]);
        after.status = EventStatus::Cancelled.key().into();
        assert_eq!(
            after.changes_since(&before),
            [EventChange::Place, EventChange::Cancelled]
        );
        assert!(before.changes_since(&before).is_empty());
    }

    #[test]
    fn an_answer_touches_only_its_event() {
        let mut doc = AutoCommit::new();
        Rsvps::answer(&mut doc, "e1", true, 10).unwrap();
        Rsvps::answer(&mut doc, "e2", true, 11).unwrap();
        Rsvps::answer(&mut doc, "e1", false, 12).unwrap();
        let rsvps = Rsvps::read(&doc).unwrap();
        assert_eq!(
            rsvps.events["e1"],
            Rsvp {
                going: false,
                at: 12,
                ..Rsvp::default()
            }
        );
        assert!(rsvps.events["e2"].going);
        Rsvps::arrive(&mut doc, "e2", "TSU1.code", 20).unwrap();
        let arrived = &Rsvps::read(&doc).unwrap().events["e2"];
        assert_eq!(
            (
                arrived.going,
                arrived.arrived_at,
                arrived.arrival_code.as_str()
            ),
            (true, 20, "TSU1.code")
        );
    }

    #[test]
    fn the_relays_seat_count_survives_an_admins_edit() {
        let mut doc = AutoCommit::new();
        let mut event = Event::draft("交流会", 1_796_000_000);
        event.capacity = 1;
        event.write_to(&mut doc).unwrap();
        assert_eq!(SeatCount::read(&doc), None, "not published yet");
        let count = SeatCount {
            taken: 1,
            waiting: 2,
        };
        count.write_to(&mut doc).unwrap();
        assert_eq!(SeatCount::read(&doc), Some(count));
        event.title = "交流会（改）".into();
        event.write_to(&mut doc).unwrap();
        assert_eq!(SeatCount::read(&doc), Some(count), "the edit left it alone");
        assert_eq!(Event::read(&doc).unwrap(), event);

        assert_eq!(Going::read(&doc), None, "no names published yet");
        let going = Going {
            names: vec!["山田 花子".into(), "Emily Clarke".into()],
        };
        going.write_to(&mut doc).unwrap();
        event.write_to(&mut doc).unwrap();
        assert_eq!(Going::read(&doc), Some(going));
        assert_eq!(SeatCount::read(&doc), Some(count));
    }

    #[test]
    fn deadlines_default_to_the_start() {
        let mut event = Event::draft("x", 1000);
        assert_eq!(event.closes_at(), 1000);
        event.deadline = 500;
        assert_eq!(event.closes_at(), 500);
        assert_eq!(event.seats(), None);
    }
}
