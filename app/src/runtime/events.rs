//! The runtime's part for events: it keeps every event document the person may read (and the
//! rosters and check-in logs of those they work at) on the device like the profiles, reads them
//! into [`Signals`](crate::state::Signals) as they change, and writes the person's answers and
//! self check-ins into their own RSVP document — one change each, offline too, synced through
//! the outbox. It also keeps the venue codes staff fetched, so the door shows one offline.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::api::{EventRef, Me, NewEvent};
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::event::{DocError, Event, Going, Passes, Roster, Rsvps, SeatCount};
use tsunagu_core::ids::DocumentId;

use super::{Runtime, log};
use crate::agenda;
use crate::api;
use crate::error::AppError;
use crate::state::EventEntry;
use crate::store::{MetaKey, Write};

/// What an event-related document is to the person.
#[derive(Debug, Clone, Copy)]
enum EventDoc {
    Event(EventRef),
    /// The roster of this event.
    Roster(DocumentId),
    /// The check-in log of this event.
    Checkins(DocumentId),
    Rsvps,
    Passes,
}

fn index(me: &Me) -> HashMap<DocumentId, EventDoc> {
    let mut index = HashMap::new();
    for r in &me.events {
        index.insert(r.event, EventDoc::Event(*r));
        if let Some(roster) = r.roster {
            index.insert(roster, EventDoc::Roster(r.event));
        }
        if let Some(checkins) = r.checkins {
            index.insert(checkins, EventDoc::Checkins(r.event));
        }
    }
    if let Some(doc) = me.rsvps_doc {
        index.insert(doc, EventDoc::Rsvps);
    }
    if let Some(doc) = me.passes_doc {
        index.insert(doc, EventDoc::Passes);
    }
    index
}

/// Every event-related document the person may read.
pub(super) fn readable(me: &Me) -> impl Iterator<Item = DocumentId> + '_ {
    me.events
        .iter()
        .flat_map(|r| [Some(r.event), r.roster, r.checkins])
        .flatten()
        .chain(me.rsvps_doc)
        .chain(me.passes_doc)
}

/// Seconds since 1970 by this device's clock.
pub(crate) fn now() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

impl Runtime {
    /// Forgets what was read from event documents (the person or their grants changed).
    pub(super) fn reset_events(&self) {
        self.events.borrow_mut().clear();
        self.signals.events.set(Vec::new());
        self.signals.rsvps.set(Rsvps::default());
        self.signals.passes.set(Passes::default());
        self.signals.rosters.set(BTreeMap::new());
        self.signals.checkins.set(BTreeMap::new());
    }

    /// Reads again the event-related documents among `docs`; returns the others.
    pub(super) fn refresh_events(&self, docs: Vec<DocumentId>) -> Vec<DocumentId> {
        let Some(index) = self.signals.me.with_untracked(|me| me.as_ref().map(index)) else {
            return docs;
        };
        let mut rest = Vec::new();
        let mut events_changed = false;
        let engine = self.docs.engine();
        for doc in docs {
            let Some(kind) = index.get(&doc) else {
                rest.push(doc);
                continue;
            };
            let held = super::documents::arrived(&engine, &doc);
            match *kind {
                EventDoc::Event(r) => {
                    let read = held.map(|d| (Event::read(d), SeatCount::read(d), Going::read(d)));
                    let mut cache = self.events.borrow_mut();
                    match read {
                        Some((Ok(event), seats, going)) => {
                            cache.insert(
                                doc,
                                EventEntry {
                                    doc,
                                    event,
                                    roster: r.roster,
                                    checkins: r.checkins,
                                    seats,
                                    going: going.unwrap_or_default(),
                                },
                            );
                        }
                        Some((Err(e), _, _)) => log(&format!("{doc} is not a readable event: {e}")),
                        None => {
                            cache.remove(&doc);
                        }
                    }
                    events_changed = true;
                }
                EventDoc::Roster(event) => {
                    if let Some(roster) = held.and_then(|d| read_or_log(doc, Roster::read(d))) {
                        self.signals.rosters.update(|m| {
                            m.insert(event, roster);
                        });
                    }
                }
                EventDoc::Checkins(event) => {
                    if let Some(log) = held.and_then(|d| read_or_log(doc, CheckinLog::read(d))) {
                        self.signals.checkins.update(|m| {
                            m.insert(event, log);
                        });
                    }
                }
                EventDoc::Rsvps => {
                    if let Some(rsvps) = held.and_then(|d| read_or_log(doc, Rsvps::read(d))) {
                        self.signals.rsvps.set(rsvps);
                    }
                }
                EventDoc::Passes => {
                    if let Some(passes) = held.and_then(|d| read_or_log(doc, Passes::read(d))) {
                        let noted = self
                            .signals
                            .seen_seats
                            .try_update(|seen| agenda::note_seats(seen, &passes))
                            .unwrap_or(false);
                        if noted {
                            self.store_seen_seats();
                        }
                        self.signals.passes.set(passes);
                    }
                }
            }
        }
        if events_changed {
            self.publish_events();
        }
        rest
    }

    fn publish_events(&self) {
        let mut entries: Vec<EventEntry> = self.events.borrow().values().cloned().collect();
        entries.sort_by(|a, b| {
            (a.event.starts_at, a.doc.to_string()).cmp(&(b.event.starts_at, b.doc.to_string()))
        });
        self.signals.events.set(entries);
    }

    /// Records the person's answer to an event: one change to their RSVP document, on this
    /// device at once and synced when the relay is reachable.
    pub fn answer_rsvp(&self, event: DocumentId, going: bool) -> Result<(), AppError> {
        self.change_rsvp(event, |tx, key, at| Rsvps::answer(tx, key, going, at))
    }

    /// Chooses whether the person's name is listed among who is going to `event` (answered).
    pub fn show_name(&self, event: DocumentId, show: bool) -> Result<(), AppError> {
        self.change_rsvp(event, |tx, key, at| Rsvps::show_name(tx, key, show, at))
    }

    /// One change to the person's answer to `event`, as a new answer the relay takes up.
    fn change_rsvp(
        &self,
        event: DocumentId,
        write: impl FnOnce(
            &mut automerge::transaction::Transaction<'_>,
            &str,
            i64,
        ) -> Result<(), DocError>,
    ) -> Result<(), AppError> {
        let doc = self.own_doc(|m| m.rsvps_doc)?;
        let key = event.to_string();
        // The relay's decision names the answer it is about by its time: a later answer must
        // have a later time, even when given twice in one second.
        let previous = self
            .signals
            .rsvps
            .with_untracked(|r| r.events.get(&key).map(|a| a.at));
        let at = previous.map_or(now(), |p| now().max(p + 1));
        self.commit(doc, |tx| write(tx, &key, at))
    }

    /// Records a self check-in: the venue code the person scanned (already judged valid on
    /// this phone), one change to their RSVP document. The relay checks the code again and
    /// admits them to the event's check-in log when the change reaches it.
    pub fn arrive(&self, event: DocumentId, code: &str) -> Result<(), AppError> {
        let doc = self.own_doc(|m| m.rsvps_doc)?;
        let key = event.to_string();
        self.commit(doc, |tx| Rsvps::arrive(tx, &key, code, now()))
    }

    /// Fetches the venue code of `event` (staff and admins) and keeps it on the device.
    pub async fn fetch_venue_code(&self, event: DocumentId) -> Result<String, AppError> {
        let code = api::venue_code(&event).await?;
        let known = self
            .signals
            .venue_codes
            .with_untracked(|codes| codes.get(&event) == Some(&code));
        if !known {
            self.signals.venue_codes.update(|codes| {
                codes.insert(event, code.clone());
            });
            let json = self
                .signals
                .venue_codes
                .with_untracked(|codes| serde_json::to_string(codes).unwrap_or_default());
            self.docs.write(Write::Meta {
                key: MetaKey::VenueCodes,
                value: json,
            });
        }
        Ok(code)
    }

    /// Writes an event (admins; the relay refuses anyone else): only what differs, as one change.
    pub fn save_event(&self, doc: DocumentId, event: &Event) -> Result<(), AppError> {
        if !self.docs.arrived(&doc) {
            return Err(AppError::NotSynced);
        }
        self.commit(doc, |tx| event.write_to(tx))
    }

    /// Remembers an event as the person saw it now.
    pub fn mark_event_seen(&self, doc: DocumentId, event: &Event) {
        let unchanged = self
            .signals
            .seen_events
            .with_untracked(|seen| seen.get(&doc) == Some(event));
        if unchanged {
            return;
        }
        self.signals.seen_events.update(|seen| {
            seen.insert(doc, event.clone());
        });
        let json = self
            .signals
            .seen_events
            .with_untracked(|seen| serde_json::to_string(seen).unwrap_or_default());
        self.docs.write(Write::Meta {
            key: MetaKey::SeenEvents,
            value: json,
        });
    }

    /// The person looked at their list of events: every event in it is no longer new.
    pub fn note_events_known(&self) {
        let listed: BTreeSet<DocumentId> = self
            .signals
            .events
            .with_untracked(|events| events.iter().map(|e| e.doc).collect());
        let known = self.signals.known_events.get_untracked();
        if listed.is_subset(&known) {
            return;
        }
        let json = serde_json::to_string(&listed).unwrap_or_default();
        self.signals.known_events.set(listed);
        self.docs.write(Write::Meta {
            key: MetaKey::KnownEvents,
            value: json,
        });
    }

    /// The person was told of the seat they now hold for `event` (a promotion from the waiting
    /// list is news until then).
    pub fn acknowledge_seat(&self, event: DocumentId) {
        let changed = self.signals.passes.with_untracked(|passes| {
            self.signals
                .seen_seats
                .try_update(|seen| agenda::acknowledge_seat(seen, passes, &event.to_string()))
                .unwrap_or(false)
        });
        if changed {
            self.store_seen_seats();
        }
    }

    fn store_seen_seats(&self) {
        let json = self
            .signals
            .seen_seats
            .with_untracked(|seen| serde_json::to_string(seen).unwrap_or_default());
        self.docs.write(Write::Meta {
            key: MetaKey::SeenSeats,
            value: json,
        });
    }

    /// Asks the relay to create an event (a draft for admins, a proposal from anyone else),
    /// then asks who we are so the new document is fetched and kept.
    pub async fn create_event(self: Rc<Self>, new: NewEvent) -> Result<EventRef, AppError> {
        let created = api::create_event(&new).await?;
        match api::me().await {
            Ok(me) => self.adopt_me(me),
            Err(e) => log(&format!("could not refresh the session: {e}")),
        }
        Ok(created)
    }
}

/// The events the person saw before, as stored by [`Runtime::mark_event_seen`].
pub(super) fn parse_seen(json: &str) -> BTreeMap<DocumentId, Event> {
    serde_json::from_str(json).unwrap_or_else(|e| {
        log(&format!("forgetting the events seen before: {e}"));
        BTreeMap::new()
    })
}

/// The seat statuses seen before, as stored by [`Runtime::acknowledge_seat`].
pub(super) fn parse_seen_seats(json: &str) -> agenda::SeenSeats {
    serde_json::from_str(json).unwrap_or_else(|e| {
        log(&format!("forgetting the seats seen before: {e}"));
        agenda::SeenSeats::new()
    })
}

/// The events kept by [`Runtime::note_events_known`].
pub(super) fn parse_known_events(json: &str) -> BTreeSet<DocumentId> {
    serde_json::from_str(json).unwrap_or_else(|e| {
        log(&format!("forgetting the events listed before: {e}"));
        BTreeSet::new()
    })
}

/// The venue codes kept by [`Runtime::fetch_venue_code`].
pub(super) fn parse_venue_codes(json: &str) -> BTreeMap<DocumentId, String> {
    serde_json::from_str(json).unwrap_or_else(|e| {
        log(&format!("forgetting the venue codes fetched before: {e}"));
        BTreeMap::new()
    })
}

fn read_or_log<T>(doc: DocumentId, read: Result<T, tsunagu_core::event::DocError>) -> Option<T> {
    read.map_err(|e| log(&format!("{doc} could not be read: {e}")))
        .ok()
}
