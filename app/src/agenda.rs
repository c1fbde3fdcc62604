//! What the events screens work out from the documents on the device, with no browser in it:
//! where the member stands for an event ([`standing`]), and which events an agenda lists, in
//! which order ([`agenda`]).
//!
//! The relay is the authority on seats, and members answer offline: an answer stays "waiting
//! for confirmation" until the relay's [`Seat`] for it arrives. A seat says which answer it
//! decided (`answered_at`, the answer's own time), so a newer answer made on the train is never
//! shown with the decision about an older one.
//!
//! ```
//! use tsunagu_app::agenda::{Standing, standing};
//! use tsunagu_core::event::{Rsvp, Seat};
//!
//! let answer = Rsvp { going: true, at: 100, ..Rsvp::default() };
//! assert_eq!(standing(Some(&answer), None, false), Standing::Unconfirmed { going: true });
//! let seat = Seat { status: "confirmed".into(), answered_at: 100, ..Seat::default() };
//! assert_eq!(standing(Some(&answer), Some(&seat), false), Standing::Confirmed);
//! ```

use tsunagu_core::event::{Event, Rsvp, Seat, SeatStatus};
use tsunagu_core::ids::DocumentId;

/// Where the member stands for one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No answer, and answers are still taken.
    Open,
    /// No answer, and registration has closed.
    Closed,
    /// Answered (going or not); the relay has not decided on this answer yet.
    Unconfirmed { going: bool },
    /// A seat: the ticket is in the member's passes.
    Confirmed,
    /// On the waiting list, at this place (from 1).
    Waiting { position: u32 },
    /// Not going, as the relay recorded.
    Declined,
    /// The answer came after registration closed, or from someone who may not attend.
    Refused,
}

impl Standing {
    /// The member said they are going and has not taken it back.
    pub fn is_going(self) -> bool {
        matches!(
            self,
            Standing::Unconfirmed { going: true } | Standing::Confirmed | Standing::Waiting { .. }
        )
    }
}

/// Where the member stands, from their latest answer (`rsvp`), the relay's decision (`seat`)
/// and whether answers are still taken.
pub fn standing(rsvp: Option<&Rsvp>, seat: Option<&Seat>, closed: bool) -> Standing {
    let Some(rsvp) = rsvp else {
        // A seat without an answer on this device: the answers have not synced yet; trust
        // the relay's word.
        return match seat.and_then(Seat::status) {
            Some(status) => decided(status, seat.map_or(0, |s| s.position)),
            None if closed => Standing::Closed,
            None => Standing::Open,
        };
    };
    match seat {
        Some(seat) if seat.answered_at >= rsvp.at => match seat.status() {
            Some(status) => decided(status, seat.position),
            // A status from a newer relay: say what we know, that it was received.
            None => Standing::Unconfirmed { going: rsvp.going },
        },
        _ => Standing::Unconfirmed { going: rsvp.going },
    }
}

fn decided(status: SeatStatus, position: u32) -> Standing {
    match status {
        SeatStatus::Confirmed => Standing::Confirmed,
        SeatStatus::Waiting => Standing::Waiting {
            position: position.max(1),
        },
        SeatStatus::Declined => Standing::Declined,
        SeatStatus::Refused => Standing::Refused,
    }
}

/// Which events an agenda shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    All,
    /// Those the member is going to (or waits for), hosts or works at.
    Mine,
    /// Those that start in this month of the viewer's calendar.
    Month {
        year: i32,
        month: u32,
    },
}

/// An agenda: upcoming events soonest first, past ones most recent first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Agenda {
    pub upcoming: Vec<DocumentId>,
    pub past: Vec<DocumentId>,
}

/// Sorts and filters `events` (document, event, whether it is the member's) at `now`;
/// `month_of` gives the viewer's (year, month) of an instant. An event is past once it ended.
pub fn agenda<'a>(
    events: impl IntoIterator<Item = (DocumentId, &'a Event, bool)>,
    filter: Filter,
    now: i64,
    month_of: impl Fn(i64) -> (i32, u32),
) -> Agenda {
    let mut upcoming = Vec::new();
    let mut past = Vec::new();
    for (doc, event, mine) in events {
        let keep = match filter {
            Filter::All => true,
            Filter::Mine => mine,
            Filter::Month { year, month } => month_of(event.starts_at) == (year, month),
        };
        if !keep {
            continue;
        }
        let end = event.ends_at.max(event.starts_at);
        if end < now {
            past.push((event.starts_at, doc));
        } else {
            upcoming.push((event.starts_at, doc));
        }
    }
    upcoming.sort();
    past.sort_by(|a, b| b.cmp(a));
    Agenda {
        upcoming: upcoming.into_iter().map(|(_, d)| d).collect(),
        past: past.into_iter().map(|(_, d)| d).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn seat(status: &str, answered_at: i64, position: u32) -> Seat {
        Seat {
            status: status.into(),
            position,
            ticket: String::new(),
            answered_at,
            ..Seat::default()
        }
    }

    #[wasm_bindgen_test]
    fn an_answer_waits_for_confirmation_until_the_relay_decides_on_it() {
        let going = Rsvp {
            going: true,
            at: 200,
            ..Rsvp::default()
        };
        assert_eq!(
            standing(Some(&going), None, false),
            Standing::Unconfirmed { going: true }
        );
        // The relay's decision is about an older answer (not going, at 100).
        let old = seat("declined", 100, 0);
        assert_eq!(
            standing(Some(&going), Some(&old), false),
            Standing::Unconfirmed { going: true }
        );
        assert_eq!(
            standing(Some(&going), Some(&seat("confirmed", 200, 0)), false),
            Standing::Confirmed
        );
        assert_eq!(
            standing(Some(&going), Some(&seat("waiting", 200, 3)), false),
            Standing::Waiting { position: 3 }
        );
        assert_eq!(
            standing(Some(&going), Some(&seat("refused", 200, 0)), true),
            Standing::Refused
        );
        // Cancelling offline: still confirmed on the relay, but that was the older answer.
        let cancel = Rsvp {
            going: false,
            at: 300,
            ..Rsvp::default()
        };
        assert_eq!(
            standing(Some(&cancel), Some(&seat("confirmed", 200, 0)), false),
            Standing::Unconfirmed { going: false }
        );
        assert_eq!(
            standing(Some(&cancel), Some(&seat("declined", 300, 0)), false),
            Standing::Declined
        );
    }

    #[wasm_bindgen_test]
    fn no_answer_is_open_or_closed() {
        assert_eq!(standing(None, None, false), Standing::Open);
        assert_eq!(standing(None, None, true), Standing::Closed);
        assert_eq!(
            standing(None, Some(&seat("confirmed", 5, 0)), false),
            Standing::Confirmed
        );
        assert!(Standing::Waiting { position: 1 }.is_going());
        assert!(!Standing::Declined.is_going());
    }

    #[wasm_bindgen_test]
    fn agendas_list_upcoming_soonest_first_and_past_latest_first() {
        let docs: Vec<DocumentId> = (0..4).map(|_| DocumentId::random()).collect();
        let at = |start: i64| Event::draft("e", start);
        let events = [at(500), at(100), at(900), at(300)];
        let month = |t: i64| if t < 400 { (2026, 5) } else { (2026, 6) };
        let list = |filter| {
            agenda(
                docs.iter()
                    .copied()
                    .zip(events.iter())
                    .enumerate()
                    .map(|(i, (d, e))| (d, e, i % 2 == 0)),
                filter,
                // Event 1 (100..7300) is still on; event 3 (300..) too. Now is 7400.
                7_400,
                month,
            )
        };
        let all = list(Filter::All);
        assert_eq!(all.upcoming, [docs[3], docs[0], docs[2]]);
        assert_eq!(all.past, [docs[1]]);
        let mine = list(Filter::Mine);
        assert_eq!(mine.upcoming, [docs[0], docs[2]]);
        assert!(mine.past.is_empty());
        let may = list(Filter::Month {
            year: 2026,
            month: 5,
        });
        assert_eq!(may.upcoming, [docs[3]]);
        assert_eq!(may.past, [docs[1]]);
    }
}
