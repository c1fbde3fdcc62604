//! Self check-in on the relay: an attendee scanned the venue's signed code with their own
//! phone, offline ([`tsunagu_core::event::Rsvps::arrive`]); when that reaches the relay it is
//! admitted into the event's check-in log like a scan at a gate, as the relay, once.
//!
//! The phone's word is not taken for it: the seat must be confirmed, and the code must be this
//! event's, signed with the organisation's key, and valid at the arrival — the phone's clock,
//! but never later than the relay received it — and not long expired when it was received.
//! Anything else is logged and left out; the member's RSVP document keeps what they scanned.

use tsunagu_core::checkin::{CheckinLog, Method, Scan};
use tsunagu_core::event::{Rsvp, SeatStatus};
use tsunagu_core::pass::{VenueVerdict, judge_venue};
use tsunagu_core::seats::LATE_ANSWER_GRACE_SECS;

use super::scribe::Scribe;
use super::seating::edit_seat;
use super::store::{self, EventRow};
use crate::error::Error;

/// How long after a venue code expires an arrival made while it was valid may still reach the
/// relay (a phone that stayed offline until the way home): the same grace as late answers.
pub(crate) const LATE_ARRIVAL_GRACE_SECS: i64 = LATE_ANSWER_GRACE_SECS;

/// The check-in log's nonce for `user`'s self check-in: one per member and event, so however
/// often their arrival is read it is admitted once.
fn nonce(user: &str) -> String {
    format!("self-{user}")
}

/// Admits `user` to the event in `row` if `rsvp` carries an arrival not yet recorded, with a
/// venue code that holds, and they hold a confirmed seat.
pub(super) async fn arrived(
    s: &mut Scribe<'_>,
    row: &EventRow,
    user: &str,
    rsvp: &Rsvp,
) -> Result<(), Error> {
    let Some(mut seat) = store::seat(s.conn(), &row.doc, user).await? else {
        tracing::info!(event = %row.doc, %user, "a self check-in without a seat");
        return Ok(());
    };
    if seat.arrived_at > 0 {
        return Ok(());
    }
    let (SeatStatus::Confirmed, Some(ticket)) = (seat.status, seat.ticket.clone()) else {
        tracing::info!(event = %row.doc, %user, status = ?seat.status, "a self check-in without a confirmed seat");
        return Ok(());
    };
    let now = s.now();
    let at = rsvp.arrived_at.min(now);
    let verdict = judge_venue(
        &rsvp.arrival_code,
        &s.key().verifying_key(),
        &row.doc.to_string(),
        at,
    );
    match verdict {
        VenueVerdict::Here(code) if now <= code.not_after + LATE_ARRIVAL_GRACE_SECS => {}
        verdict => {
            tracing::info!(event = %row.doc, %user, ?verdict, "a self check-in refused");
            return Ok(());
        }
    }
    let scan = Scan {
        ticket,
        attendee: user.to_owned(),
        device: "self".into(),
        by: user.to_owned(),
        at,
        method: Method::SelfCheckIn.key().into(),
    };
    let nonce = nonce(user);
    s.edit(row.checkins, |tx| {
        CheckinLog::record(tx, &nonce, &scan).map(|_| ())
    })
    .await?;
    seat.arrived_at = at;
    store::put_seat(s.conn(), &row.doc, &seat, now).await?;
    edit_seat(s, user, &row.doc, |shown| shown.arrived_at = at).await?;
    tracing::info!(event = %row.doc, %user, "self check-in admitted");
    Ok(())
}
