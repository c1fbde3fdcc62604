//! The relay's reactions to accepted changes of events and answers (reached through
//! [`super::reactions`]): the seat orchestration.
//!
//! Seats are decided by [`tsunagu_core::seats`] in the order answers reach the relay and stored
//! in the `seats` table, which is the authority; each member's passes document
//! ([`super::passes`]) and each event's roster then show those decisions, written by the relay
//! in the same transaction ([`Scribe`]). An answer is applied once: the seat row remembers the answer (`going`, `at`) it
//! was decided on, so reading a member's whole RSVP document again (after another answer, or
//! at start after a crash) applies only what is new.
//!
//! - [`answers_changed`]: a member's RSVP document changed — apply each new answer;
//! - [`event_changed`]: an admin edited an event — copy it to the `events` row, promote when
//!   seats were added, let everyone go when it is cancelled, re-sign tickets when its times move,
//!   and hand the join link to confirmed seats when it goes online or offline;
//! - [`join_url_changed`]: an admin set an online event's join link — confirmed seats carry it;
//! - a member's RSVP document carries an arrival — [`super::arrivals`] admits a self check-in;
//! - [`release`]: staff or an admin give up a member's seat for them;
//! - [`member_left`]: a deleted account gives up its seats;
//! - [`settle`]: at start, whatever a crash left between an accepted change and its reaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use automerge::Automerge;
use tsunagu_core::api::AuditAction;
use tsunagu_core::event::{
    Attendee, Event, EventStatus, Going, Roster, Rsvp, Seat, SeatCount, SeatStatus,
};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{PassBody, Ticket};
use tsunagu_core::profile::Profile;
use tsunagu_core::seats::{self, Decision, Seating};
use tsunagu_core::vocab::DocKind;

use super::arrivals;
use super::passes::{edit_seat, pass_id, write_seat};
use super::store::{self, EventRow, SeatRow};
use crate::access;
use crate::db::{self, DocumentRecord};
use crate::error::Error;
use crate::scribe::Scribe;

/// Applies every answer in `owner`'s RSVP document `rsvps` that no seat was decided on yet,
/// event by event. Answers to events that do not exist, or that the member may not read, are
/// left alone: for them those events do not exist.
pub(crate) async fn answers_changed(
    s: &mut Scribe<'_>,
    rsvps: &DocumentId,
    owner: &str,
) -> Result<(), Error> {
    let answers = s.read(rsvps, read_answers).await?;
    // With the member's seats at hand, an answer already acted on costs nothing, however many
    // the document holds; what is left is looked up in batches, not one query per entry.
    let seats: HashMap<DocumentId, store::SeatRow> = store::seats_of(s.conn(), owner)
        .await?
        .into_iter()
        .collect();
    // Compared for equality, not order: a phone whose clock runs behind still changes its mind,
    // and the document holds only what its owner last wrote.
    let applied = |seats: &HashMap<DocumentId, store::SeatRow>, event: &DocumentId, rsvp: &Rsvp| {
        seats
            .get(event)
            .is_some_and(|seat| seat.going == rsvp.going && seat.answered_at == rsvp.at)
    };
    let pending: Vec<(DocumentId, Rsvp)> = answers
        .into_iter()
        .filter_map(|(event, rsvp)| {
            let event = event.parse::<DocumentId>().ok()?;
            let arrival = rsvp.arrived_at > 0
                && !rsvp.arrival_code.is_empty()
                && seats.get(&event).is_none_or(|seat| seat.arrived_at == 0);
            (!applied(&seats, &event, &rsvp) || arrival).then_some((event, rsvp))
        })
        .collect();
    let ids: Vec<DocumentId> = pending.iter().map(|(event, _)| *event).collect();
    let rows = store::events_among(s.conn(), &ids).await?;
    for (event, rsvp) in pending {
        let Some(row) = rows.get(&event) else {
            continue;
        };
        if !applied(&seats, &event, &rsvp) && may_read(s, &row.doc, owner).await? {
            answer(s, row, owner, &rsvp).await?;
        }
        if rsvp.arrived_at > 0 && !rsvp.arrival_code.is_empty() {
            arrivals::arrived(s, row, owner, &rsvp).await?;
        }
    }
    Ok(())
}

/// Every answer in an RSVP document, read entry by entry so one malformed entry (a client of a
/// newer version, a hand-made change) does not hide the others.
fn read_answers(doc: &Automerge) -> BTreeMap<String, Rsvp> {
    let Ok(value) = serde_json::to_value(automerge::AutoSerde::from(doc)) else {
        return BTreeMap::new();
    };
    let Some(events) = value.get("events").and_then(serde_json::Value::as_object) else {
        return BTreeMap::new();
    };
    events
        .iter()
        .filter_map(|(event, answer)| {
            let rsvp = serde_json::from_value::<Rsvp>(answer.clone()).ok()?;
            Some((event.clone(), rsvp))
        })
        .collect()
}

/// Whether `user` may read the event document `event`, by the grant table.
async fn may_read(s: &mut Scribe<'_>, event: &DocumentId, user: &str) -> Result<bool, Error> {
    let roles = db::roles(s.conn(), user).await?;
    let record = DocumentRecord {
        kind: DocKind::Event.key().into(),
        owner: None,
        owner_listed: false,
        event: store::facts(s.conn(), event, user).await?,
        conversation: None,
        news: None,
    };
    Ok(access::access(user, &roles, Some(&record)).is_some())
}

/// Applies one member's new answer to one event.
async fn answer(s: &mut Scribe<'_>, row: &EventRow, user: &str, rsvp: &Rsvp) -> Result<(), Error> {
    let rows = store::seats(s.conn(), &row.doc).await?;
    let mut seating = seating_of(&rows, row.event.seats());
    let standing = seating.standing(user);
    let mut decisions = if rsvp.going && standing.is_some() {
        // Going again (from another phone, or a retry): they keep their place.
        Vec::new()
    } else if let Err(why) = seats::taken(&row.event, rsvp, s.now()) {
        tracing::info!(event = %row.doc, %user, ?why, "refused an answer");
        vec![Decision {
            user: user.to_owned(),
            status: SeatStatus::Refused,
            position: 0,
        }]
    } else {
        seating.answer(user, rsvp.going)
    };
    if !decisions.iter().any(|d| d.user == user)
        && let Some((status, position)) = seating.standing(user)
    {
        // Nothing changed for them, but their answer was seen.
        decisions.push(Decision {
            user: user.to_owned(),
            status,
            position,
        });
    }
    let answering = Answering {
        user,
        going: rsvp.going,
        at: rsvp.at,
        arrived: rsvp.going && standing.is_none(),
        show_name: rsvp.show_name,
    };
    apply(s, row, &decisions, Some(&answering)).await
}

/// The answer a set of decisions is about, if any.
#[derive(Debug)]
struct Answering<'a> {
    user: &'a str,
    going: bool,
    at: i64,
    /// A "going" that joined the queue now (its place is after everyone else's).
    arrived: bool,
    /// They chose to be listed by name among who is going.
    show_name: bool,
}

/// The seats of an event as stored: the confirmed and the waiting list, each in arrival order.
fn seating_of(rows: &[SeatRow], capacity: Option<u32>) -> Seating {
    let with = |status: SeatStatus| {
        rows.iter()
            .filter(move |r| r.status == status)
            .map(|r| r.user.clone())
            .collect::<Vec<_>>()
    };
    Seating::from_parts(
        capacity,
        with(SeatStatus::Confirmed),
        with(SeatStatus::Waiting),
    )
}

/// Stores `decisions` for the event in `row`: seat rows, tickets issued or revoked, each
/// member's passes, and the roster (in one change).
async fn apply(
    s: &mut Scribe<'_>,
    row: &EventRow,
    decisions: &[Decision],
    answering: Option<&Answering<'_>>,
) -> Result<(), Error> {
    if decisions.is_empty() {
        return Ok(());
    }
    let now = s.now();
    let mut attendees = BTreeMap::new();
    let mut revoked = Vec::new();
    for decision in decisions {
        let old = store::seat(s.conn(), &row.doc, &decision.user).await?;
        let was_attending = old.as_ref().is_some_and(|o| attends(o.status));
        let mut seat = old.unwrap_or_else(|| SeatRow {
            user: decision.user.clone(),
            status: decision.status,
            seq: 0,
            going: false,
            ticket: None,
            answered_at: 0,
            arrived_at: 0,
            show_name: false,
        });
        if let Some(a) = answering.filter(|a| a.user == decision.user) {
            seat.going = a.going;
            seat.answered_at = a.at;
            seat.show_name = a.show_name;
            if a.arrived {
                seat.seq = store::next_seq(s.conn(), &row.doc).await?;
            }
        }
        seat.status = decision.status;
        if decision.status == SeatStatus::Confirmed {
            if seat.ticket.is_none() {
                let id = pass_id();
                store::insert_ticket(s.conn(), &id, &row.doc, &seat.user, now).await?;
                seat.ticket = Some(id);
            }
        } else if let Some(ticket) = seat.ticket.take() {
            store::revoke_ticket(s.conn(), &ticket, now).await?;
            revoked.push(ticket);
        }
        store::put_seat(s.conn(), &row.doc, &seat, now).await?;
        let member = member(s, &seat.user).await?;
        let text = match &seat.ticket {
            Some(id) => sign_ticket(s, row, &seat.user, &member.name, id),
            None => String::new(),
        };
        let pass = Seat {
            status: decision.status.key().into(),
            position: decision.position,
            ticket: text,
            answered_at: seat.answered_at,
            join_url: row.join_url_for(decision.status),
            arrived_at: seat.arrived_at,
        };
        write_seat(s, &seat.user, &row.doc, pass).await?;
        super::chat::seat_changed(
            s,
            &row.doc,
            &seat.user,
            decision.status == SeatStatus::Confirmed,
        )
        .await?;
        if was_attending || attends(decision.status) {
            attendees.insert(
                seat.user.clone(),
                Attendee {
                    status: decision.status.key().into(),
                    ticket: seat.ticket.clone().unwrap_or_default(),
                    ..member
                },
            );
        }
    }
    if !attendees.is_empty() || !revoked.is_empty() {
        s.edit(row.roster, |tx| {
            let mut roster = Roster::read(&*tx)?;
            roster.attendees.extend(attendees);
            roster
                .revoked
                .extend(revoked.into_iter().map(|ticket| (ticket, now)));
            roster.write_to(tx)
        })
        .await?;
    }
    publish_seats(s, row).await
}

/// Writes into the event document, as the relay, what its whole audience may know of the seats
/// (members who read the event but not its roster): how many are taken and wait (残り n 席,
/// 満席・キャンセル待ち n 人), and the names of the confirmed who chose to be listed, as the
/// roster has them. No one else is named. An event nobody answered carries no count: apps read
/// that as every seat free.
async fn publish_seats(s: &mut Scribe<'_>, row: &EventRow) -> Result<(), Error> {
    let rows = store::seats(s.conn(), &row.doc).await?;
    let with = |status| {
        u32::try_from(rows.iter().filter(|r| r.status == status).count()).unwrap_or(u32::MAX)
    };
    let count = SeatCount {
        taken: with(SeatStatus::Confirmed),
        waiting: with(SeatStatus::Waiting),
    };
    let shown: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == SeatStatus::Confirmed && r.show_name)
        .map(|r| r.user.as_str())
        .collect();
    let going = if shown.is_empty() {
        Going::default()
    } else {
        let roster = s
            .read(&row.roster, |d| Roster::read(d).unwrap_or_default())
            .await?;
        Going {
            names: shown
                .iter()
                .filter_map(|user| roster.attendees.get(*user).map(|a| a.name.clone()))
                .collect(),
        }
    };
    let (published_count, published_going) = s
        .read(&row.doc, |d| (SeatCount::read(d), Going::read(d)))
        .await?;
    if rows.is_empty() && published_count.is_none() {
        // No count is no seat taken; nothing to write.
        return Ok(());
    }
    let (count_moved, going_moved) = (
        published_count != Some(count),
        published_going.unwrap_or_default() != going,
    );
    if !count_moved && !going_moved {
        return Ok(());
    }
    s.edit(row.doc, |tx| {
        if count_moved {
            count.write_to(tx)?;
        }
        if going_moved {
            going.write_to(tx)?;
        }
        Ok(())
    })
    .await
}

pub(super) fn attends(status: SeatStatus) -> bool {
    matches!(status, SeatStatus::Confirmed | SeatStatus::Waiting)
}

/// The signed QR text of ticket `id`; empty (and logged) in the one case signing fails, a name
/// too long for a QR code.
fn sign_ticket(s: &Scribe<'_>, row: &EventRow, user: &str, name: &str, id: &str) -> String {
    let (not_before, not_after) = row.event.admission_window();
    let ticket = Ticket {
        id: id.to_owned(),
        event: row.doc.to_string(),
        attendee: user.to_owned(),
        name: name.to_owned(),
        not_before,
        not_after,
    };
    s.key().sign(&PassBody::Ticket(ticket)).unwrap_or_else(|e| {
        tracing::warn!(event = %row.doc, %user, error = %e, "could not sign a ticket");
        String::new()
    })
}

/// Gives every seat of the event in `row` the join link it should carry: confirmed seats of
/// an online event the link, everyone else none.
async fn hand_out_join_url(s: &mut Scribe<'_>, row: &EventRow) -> Result<(), Error> {
    for seat in store::seats(s.conn(), &row.doc).await? {
        let url = row.join_url_for(seat.status);
        edit_seat(s, &seat.user, &row.doc, |shown| shown.join_url = url).await?;
    }
    Ok(())
}

/// An admin set (or cleared) the link to join event `doc` online: it is stored, and reaches
/// the passes of its confirmed attendees in the same transaction.
pub(crate) async fn join_url_changed(
    s: &mut Scribe<'_>,
    doc: &DocumentId,
    url: &str,
    by: &str,
) -> Result<(), Error> {
    let now = s.now();
    store::set_join_url(s.conn(), doc, url, now).await?;
    let action = if url.is_empty() {
        AuditAction::ClearJoinUrl
    } else {
        AuditAction::SetJoinUrl
    };
    crate::joining::audit::record(s.conn(), Some(by), action, &doc.to_string(), "").await?;
    let Some(row) = store::event(s.conn(), doc).await? else {
        return Ok(());
    };
    hand_out_join_url(s, &row).await
}

/// The event's staff or an admin (`by`) gave up `user`'s seat or place on the waiting list for
/// them (a mistake, a no-show): as if they had declined — the next in line is promoted, their
/// ticket revoked. Their own answer stays as they gave it (the seat remembers it), so it is not
/// applied again; only a new "going" from them is a new answer. Audited. Nothing happens when
/// they hold no seat or place.
pub(crate) async fn release(
    s: &mut Scribe<'_>,
    event: &DocumentId,
    user: &str,
    by: &str,
) -> Result<(), Error> {
    let Some(row) = store::event(s.conn(), event).await? else {
        return Ok(());
    };
    let rows = store::seats(s.conn(), event).await?;
    if !rows.iter().any(|r| r.user == user && attends(r.status)) {
        return Ok(());
    }
    let decisions = seating_of(&rows, row.event.seats()).answer(user, false);
    apply(s, &row, &decisions, None).await?;
    let detail = event.to_string();
    crate::joining::audit::record(s.conn(), Some(by), AuditAction::ReleaseSeat, user, &detail).await
}

/// How staff see a member at the door: the name, reading and years everyone in the network
/// sees (never a field the member showed only to some), and their first department if that is
/// shown to everyone too.
async fn member(s: &mut Scribe<'_>, user: &str) -> Result<Attendee, Error> {
    let profile = match db::member_doc(s.conn(), user, DocKind::Profile).await? {
        Some(doc) => {
            s.read(&doc, |d| Profile::read(d).unwrap_or_default())
                .await?
        }
        None => Profile::default(),
    };
    // The name HR or an admin confirmed: what the ticket states, and what staff compare with
    // a face at the door.
    let name = db::confirmed_name(s.conn(), user).await?;
    Ok(Attendee {
        name,
        reading: profile.reading.clone(),
        description: describe(&profile),
        ..Attendee::default()
    })
}

/// e.g. `営業部 2012–2019`.
fn describe(profile: &Profile) -> String {
    let years = match (profile.joined_year(), profile.left_year()) {
        (Some(j), Some(l)) => format!("{j}–{l}"),
        (Some(j), None) => format!("{j}–"),
        (None, Some(l)) => format!("–{l}"),
        (None, None) => String::new(),
    };
    let department = profile
        .positions
        .first()
        .map(|p| p.department.as_str())
        .unwrap_or_default();
    [department, years.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An admin's edit of event `doc` was accepted: store what the relay decides on, and carry out
/// what the edit means for seats and tickets. When who may read the event's documents changed
/// (status, audience, staff or invited), every connection holding one decides again.
pub(crate) async fn event_changed(s: &mut Scribe<'_>, doc: &DocumentId) -> Result<(), Error> {
    let event = match s.read(doc, Event::read).await? {
        Ok(event) => event,
        Err(e) => {
            tracing::warn!(%doc, error = %e, "an event document that does not read as an event");
            return Ok(());
        }
    };
    let Some(mut row) = store::event(s.conn(), doc).await? else {
        return Ok(());
    };
    let before = std::mem::replace(&mut row.event, event);
    let event = &row.event;
    if *event == before {
        return Ok(());
    }
    // Calendars that hold a published event replace it when its SEQUENCE grows.
    let status_changed = event.status() != before.status();
    if before.status().is_public() && (status_changed || !event.changes_since(&before).is_empty()) {
        row.sequence = row.sequence.saturating_add(1);
    }
    let now = s.now();
    store::update_event(s.conn(), doc, event, row.sequence, now).await?;

    let rows = store::seats(s.conn(), doc).await?;
    // Told before the seats change hands: a cancellation gives them all up.
    if let Some(about) = super::notices::notice_of(event, &before) {
        super::notices::changed(s, row.doc, event, about, &rows).await?;
    }
    let mut seating = seating_of(&rows, before.seats());
    let cancelled = event.status() == EventStatus::Cancelled;
    let decisions = if cancelled && before.status() != EventStatus::Cancelled {
        seating.cancel()
    } else if event.seats() != before.seats() {
        seating.set_capacity(event.seats())
    } else {
        Vec::new()
    };
    apply(s, &row, &decisions, None).await?;
    let moved = (event.starts_at, event.ends_at) != (before.starts_at, before.ends_at);
    if moved && !cancelled {
        resign_tickets(s, &row, &decisions).await?;
    }
    if event.online != before.online {
        hand_out_join_url(s, &row).await?;
    }
    let access = status_changed
        || event.audience() != before.audience()
        || set(&event.staff) != set(&before.staff)
        || set(&event.invited) != set(&before.invited);
    if access {
        s.readers_changed([row.doc, row.roster, row.checkins]);
    }
    Ok(())
}

fn set(people: &[String]) -> BTreeSet<&str> {
    people.iter().map(String::as_str).collect()
}

/// The event's times moved: every confirmed attendee's ticket is signed again for the new
/// window (same ticket id), except those `decided` just now, whose tickets are already new.
pub(crate) async fn resign_tickets(
    s: &mut Scribe<'_>,
    row: &EventRow,
    decided: &[Decision],
) -> Result<(), Error> {
    for seat in store::seats(s.conn(), &row.doc).await? {
        let Some(id) = &seat.ticket else { continue };
        if decided.iter().any(|d| d.user == seat.user) {
            continue;
        }
        let name = member(s, &seat.user).await?.name;
        let pass = Seat {
            status: seat.status.key().into(),
            position: 0,
            ticket: sign_ticket(s, row, &seat.user, &name, id),
            answered_at: seat.answered_at,
            join_url: row.join_url_for(seat.status),
            arrived_at: seat.arrived_at,
        };
        write_seat(s, &seat.user, &row.doc, pass).await?;
    }
    Ok(())
}

/// `user`'s account was deleted: their seats go to the next in line, their tickets are revoked,
/// and they leave every roster.
pub(crate) async fn member_left(s: &mut Scribe<'_>, user: &str) -> Result<(), Error> {
    for (event, seat) in store::seats_of(s.conn(), user).await? {
        let Some(row) = store::event(s.conn(), &event).await? else {
            continue;
        };
        if attends(seat.status) {
            let rows = store::seats(s.conn(), &event).await?;
            let decisions = seating_of(&rows, row.event.seats()).answer(user, false);
            apply(s, &row, &decisions, None).await?;
        }
        // Their name leaves the roster and its history: the roster starts afresh from what
        // it holds now, without them.
        let mut roster = s
            .read(&row.roster, |d| Roster::read(d).unwrap_or_default())
            .await?;
        roster.attendees.remove(user);
        s.rewrite(row.roster, |tx| roster.write_to(tx)).await?;
    }
    Ok(())
}

/// At start: applies whatever a crash (or a failed reaction) left between an accepted change
/// and the relay's reaction to it — events whose document moved past their row, seats deleted
/// members still hold, and answers no seat was decided on.
pub(crate) async fn settle(s: &mut Scribe<'_>) -> Result<(), Error> {
    for row in store::all_events(s.conn()).await? {
        event_changed(s, &row.doc).await?;
    }
    for user in store::departed_with_seats(s.conn()).await? {
        member_left(s, &user).await?;
    }
    for (rsvps, owner) in db::docs_of_kind(s.conn(), DocKind::Rsvps).await? {
        answers_changed(s, &rsvps, &owner).await?;
    }
    // Events whose seats were decided before the relay published them (an older version).
    for row in store::all_events(s.conn()).await? {
        publish_seats(s, &row).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_is_described_by_what_everyone_sees() {
        let profile = Profile {
            joined: "2012-04".into(),
            left: "2019-03".into(),
            positions: vec![tsunagu_core::profile::Position {
                department: "営業部".into(),
                role: String::new(),
            }],
            ..Profile::default()
        };
        assert_eq!(describe(&profile), "営業部 2012–2019");
        assert_eq!(describe(&Profile::default()), "");
    }

    #[test]
    fn answers_are_read_one_by_one() {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        tsunagu_core::event::Rsvps::answer(&mut doc, "e1", true, 5).unwrap_or_default();
        let events = doc
            .get(automerge::ROOT, "events")
            .ok()
            .flatten()
            .map(|(_, id)| id);
        if let Some(events) = events {
            doc.put(&events, "e2", "not an answer").ok();
        }
        let answers = read_answers(doc.document());
        assert_eq!(answers.len(), 1);
        assert!(answers["e1"].going);
    }
}
