//! Events in scenarios: creating them over the API, editing them and answering over sync as
//! the app does, and reading what the relay decided.

use automerge::Automerge;
use reqwest::StatusCode;
use tsunagu_core::api::{EventRef, Me, NewEvent};
use tsunagu_core::event::{Event, Passes, Roster, Rsvps, Seat, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::wire::Message;

use super::{Device, TestRelay, get_json, sign_in};

/// 2030-01-15 10:00 UTC (19:00 in Tokyo): far enough ahead that registration is open.
pub const JAN_15_2030: i64 = 1_894_701_600;

/// `POST /api/events` as the member with `cookie`.
pub async fn create_event(
    relay: &TestRelay,
    cookie: &str,
    title: &str,
    starts_at: i64,
) -> EventRef {
    let response = reqwest::Client::new()
        .post(relay.url("/api/events"))
        .header("cookie", cookie)
        .json(&NewEvent {
            title: title.into(),
            description: String::new(),
            starts_at,
            ends_at: starts_at + 2 * 3600,
            time_zone: String::new(),
        })
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::OK, "creating {title}");
    response.json().await.expect("an EventRef")
}

/// `GET /api/me`.
pub async fn me(relay: &TestRelay, cookie: &str) -> Me {
    get_json(relay, "/api/me", cookie).await
}

/// A signed-in member's device holding `docs` (every one must reach it).
pub async fn member_device(
    relay: &TestRelay,
    email: &str,
    docs: &[DocumentId],
) -> (Device, Me, String) {
    let (cookie, me) = sign_in(relay.addr(), email).await;
    let device = device_with(relay, &cookie, docs).await;
    (device, me, cookie)
}

/// The member with `email` answers "going" to `event` at `at` from a new phone, which holds their
/// RSVP and passes documents, until their passes show a seat of status `expect`.
pub async fn going(
    relay: &TestRelay,
    email: &str,
    event: DocumentId,
    at: i64,
    expect: SeatStatus,
) -> (Device, Me) {
    let (cookie, me) = sign_in(relay.addr(), email).await;
    let (rsvps, passes) = (me.rsvps_doc.expect("rsvps"), me.passes_doc.expect("passes"));
    let mut phone = device_with(relay, &cookie, &[rsvps, passes]).await;
    phone.answer(rsvps, event, true, at).await;
    phone.wait_for_seat(passes, event, expect).await;
    (phone, me)
}

/// A new device of the member with `cookie`, holding `docs`.
pub async fn device_with(relay: &TestRelay, cookie: &str, docs: &[DocumentId]) -> Device {
    let mut device = Device::connect(relay.addr(), cookie, docs).await;
    let wanted = docs.to_vec();
    device
        .pump_until("the documents", move |d| {
            wanted
                .iter()
                .all(|doc| d.engine.doc(doc).is_some_and(|d| !d.get_heads().is_empty()))
        })
        .await;
    device
}

impl Device {
    /// Makes one change to `doc` and sends it, until the relay holds it or refuses it
    /// ([`Device::send_change`]).
    pub async fn change(
        &mut self,
        doc: DocumentId,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), String>,
    ) {
        let effects = self.engine.change(doc, edit).expect("the edit applies");
        self.send_change(doc, effects).await;
    }

    /// Edits an event document as the app's editor does (only what differs is written).
    pub async fn edit_event(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Event)) {
        let mut event = self.event(&doc).expect("the event is here");
        edit(&mut event);
        self.change(doc, |tx| event.write_to(tx).map_err(|e| e.to_string()))
            .await;
    }

    /// Answers an event in this member's RSVP document, as the app does.
    pub async fn answer(&mut self, rsvps: DocumentId, event: DocumentId, going: bool, at: i64) {
        self.change(rsvps, |tx| {
            Rsvps::answer(tx, &event.to_string(), going, at).map_err(|e| e.to_string())
        })
        .await;
    }

    pub async fn show_name(&mut self, rsvps: DocumentId, event: DocumentId, show: bool, at: i64) {
        self.change(rsvps, |tx| {
            Rsvps::show_name(tx, &event.to_string(), show, at).map_err(|e| e.to_string())
        })
        .await;
    }

    pub fn event(&self, doc: &DocumentId) -> Option<Event> {
        Event::read(self.engine.doc(doc)?).ok()
    }

    pub fn passes(&self, doc: &DocumentId) -> Passes {
        self.engine
            .doc(doc)
            .and_then(|d| Passes::read(d).ok())
            .unwrap_or_default()
    }

    pub fn roster(&self, doc: &DocumentId) -> Roster {
        self.engine
            .doc(doc)
            .and_then(|d| Roster::read(d).ok())
            .unwrap_or_default()
    }

    /// The seat this device's passes document `passes` shows for `event`.
    pub fn seat(&self, passes: &DocumentId, event: &DocumentId) -> Option<Seat> {
        self.passes(passes).events.get(&event.to_string()).cloned()
    }

    /// Waits until the passes document shows `status` for `event`.
    pub async fn wait_for_seat(
        &mut self,
        passes: DocumentId,
        event: DocumentId,
        status: SeatStatus,
    ) -> Seat {
        self.pump_until(&format!("a {status:?} seat"), move |d| {
            d.seat(&passes, &event)
                .is_some_and(|s| s.status() == Some(status))
        })
        .await;
        self.seat(&passes, &event).expect("the seat")
    }

    /// Waits until the relay refuses a change to `doc`.
    pub async fn wait_rejected(&mut self, doc: DocumentId) -> String {
        self.pump_until("change-rejected", move |d| {
            d.received.iter().any(
                |m| matches!(m, Message::ChangeRejected { doc: rejected, .. } if *rejected == doc),
            )
        })
        .await;
        self.received
            .iter()
            .find_map(|m| match m {
                Message::ChangeRejected {
                    doc: rejected,
                    reason,
                    ..
                } if *rejected == doc => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// The relay's copy of a document, as a fresh device of the member with `cookie` fetches it.
pub async fn relay_copy(relay: &TestRelay, cookie: &str, doc: DocumentId) -> Automerge {
    let device = device_with(relay, cookie, &[doc]).await;
    device.engine.doc(&doc).expect("held").clone()
}
