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
use tsunagu_core::pass::{VenueVerdict, VerifyingKey, judge_venue};
use tsunagu_core::seats::LATE_ANSWER_GRACE_SECS;

use super::passes::edit_seat;
use super::store::{self, EventRow};
use crate::error::Error;
use crate::scribe::Scribe;

/// How long after a venue code expires an arrival made while it was valid may still reach the
/// relay (a phone that stayed offline until the way home): the same grace as late answers.
pub(crate) const LATE_ARRIVAL_GRACE_SECS: i64 = LATE_ANSWER_GRACE_SECS;

/// The check-in log's nonce for `user`'s self check-in: one per member and event, so however
/// often their arrival is read it is admitted once.
fn nonce(user: &str) -> String {
    format!("self-{user}")
}

/// Why an arrival is not admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refused {
    /// The code is forged, another event's, not a venue code, or not valid at the arrival.
    Code(VenueVerdict),
    /// Made while the code was valid, but received long after it expired.
    TooLate,
}

/// When an arrival with venue code `code` at `arrived_at` (the phone's clock) and received at
/// `received_at` counts as made — never after it was received — if it is admitted at `event`.
fn arrival(
    code: &str,
    key: &VerifyingKey,
    event: &str,
    arrived_at: i64,
    received_at: i64,
) -> Result<i64, Refused> {
    let at = arrived_at.min(received_at);
    match judge_venue(code, key, event, at) {
        VenueVerdict::Here(code) if received_at <= code.not_after + LATE_ARRIVAL_GRACE_SECS => {
            Ok(at)
        }
        VenueVerdict::Here(_) => Err(Refused::TooLate),
        verdict => Err(Refused::Code(verdict)),
    }
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
    let event = row.doc.to_string();
    let key = s.key().verifying_key();
    let at = match arrival(&rsvp.arrival_code, &key, &event, rsvp.arrived_at, now) {
        Ok(at) => at,
        Err(refused) => {
            tracing::info!(event = %row.doc, %user, ?refused, "a self check-in refused");
            return Ok(());
        }
    };
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

#[cfg(test)]
mod tests {
    use tsunagu_core::pass::{PassBody, SigningKey, VenueCode};

    use super::*;

    const OPENS: i64 = 1_894_680_000;
    const CLOSES: i64 = OPENS + 14 * 3600;

    fn code(key: &SigningKey, event: &str) -> String {
        let body = PassBody::Venue(VenueCode {
            event: event.into(),
            not_before: OPENS,
            not_after: CLOSES,
        });
        key.sign(&body).unwrap_or_default()
    }

    #[test]
    fn an_arrival_counts_at_the_phones_time_but_never_after_it_reached_the_relay() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let public = key.verifying_key();
        let text = code(&key, "e1");
        // Synced an hour later.
        assert_eq!(
            arrival(&text, &public, "e1", OPENS + 60, OPENS + 3660),
            Ok(OPENS + 60)
        );
        // A phone whose clock runs ahead is not believed beyond the relay's.
        assert_eq!(
            arrival(&text, &public, "e1", CLOSES + 86_400, OPENS + 60),
            Ok(OPENS + 60)
        );
        // Synced on the way home, within the grace; then far too late.
        let late = CLOSES + LATE_ARRIVAL_GRACE_SECS;
        assert_eq!(arrival(&text, &public, "e1", OPENS, late), Ok(OPENS));
        assert_eq!(
            arrival(&text, &public, "e1", OPENS, late + 1),
            Err(Refused::TooLate)
        );
        // Received before the doors open, however the phone's clock reads.
        assert_eq!(
            arrival(&text, &public, "e1", OPENS, OPENS - 1),
            Err(Refused::Code(VenueVerdict::NotYetValid))
        );
    }

    #[test]
    fn another_events_or_a_forged_code_admits_no_one() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let public = key.verifying_key();
        assert_eq!(
            arrival(&code(&key, "e2"), &public, "e1", OPENS, OPENS),
            Err(Refused::Code(VenueVerdict::WrongEvent))
        );
        let forger = SigningKey::from_bytes(&[4; 32]);
        assert_eq!(
            arrival(&code(&forger, "e1"), &public, "e1", OPENS, OPENS),
            Err(Refused::Code(VenueVerdict::Forged))
        );
    }
}
