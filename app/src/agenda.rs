//! What the events screens work out from the documents on the device, with no browser in it:
//! where the member stands for an event ([`standing`]), how full it is ([`availability`]),
//! what to ask before they give up a seat ([`give_up_question`]), whether they were promoted
//! from the waiting list since they last looked ([`promoted`]), and which events an agenda
//! lists, in which order ([`agenda`]).
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

use std::collections::BTreeMap;

use tsunagu_core::event::{Event, Passes, Roster, Rsvp, Seat, SeatCount, SeatStatus};
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

/// How full an event is, as far as this device can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// No limit on seats.
    Unlimited,
    /// Seats are free.
    Open { left: u32 },
    /// Every seat is taken; `waiting` are on the list when the count is known (a member who
    /// only knows their own place knows the event is full, not how many wait).
    Full { waiting: Option<u32> },
    /// Seats are limited, and nothing on this device says how many are taken.
    Unknown,
}

impl Availability {
    pub fn is_full(self) -> bool {
        matches!(self, Availability::Full { .. })
    }
}

/// How full an event with `capacity` seats is, from the count of taken and waiting seats when
/// this device has one (the roster for staff, or what the relay publishes in the event) and
/// the member's own standing: a member on the waiting list knows the event is full.
pub fn availability(
    capacity: Option<u32>,
    count: Option<SeatCount>,
    standing: Standing,
) -> Availability {
    let Some(capacity) = capacity else {
        return Availability::Unlimited;
    };
    let own_place = match standing {
        Standing::Waiting { position } => Some(position),
        _ => None,
    };
    match count {
        Some(count) => {
            let waiting = count.waiting.max(own_place.unwrap_or(0));
            if count.taken >= capacity || waiting > 0 {
                Availability::Full {
                    waiting: Some(waiting),
                }
            } else {
                Availability::Open {
                    left: capacity - count.taken,
                }
            }
        }
        None if own_place.is_some() => Availability::Full { waiting: None },
        None => Availability::Unknown,
    }
}

/// Taken and waiting seats as an event's roster lists them (staff and admins have it).
pub fn roster_count(roster: &Roster) -> SeatCount {
    let count = |status: SeatStatus| {
        let n = roster
            .attendees
            .values()
            .filter(|a| a.status == status.key())
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    SeatCount {
        taken: count(SeatStatus::Confirmed),
        waiting: count(SeatStatus::Waiting),
    }
}

/// What a member is asked before saying "not going" after "going", which cannot be undone:
/// a seat given up goes to the next on the waiting list, a place on it is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// They hold a seat and others are known to wait for it.
    SeatToWaiting,
    /// They hold (or may be about to hold) a seat.
    Seat,
    /// They are on the waiting list.
    Place,
}

/// The question to ask before the member gives up their "going", if any.
pub fn give_up_question(standing: Standing, availability: Availability) -> Option<GiveUp> {
    match standing {
        Standing::Confirmed => Some(match availability {
            Availability::Full { waiting: Some(n) } if n > 0 => GiveUp::SeatToWaiting,
            _ => GiveUp::Seat,
        }),
        Standing::Unconfirmed { going: true } => Some(GiveUp::Seat),
        Standing::Waiting { .. } => Some(GiveUp::Place),
        _ => None,
    }
}

/// The seat status (its key) the member last saw for each event, by event document id.
pub type SeenSeats = BTreeMap<String, String>;

/// Brings `seen` up to date with the relay's decisions in `passes`, except a promotion from
/// the waiting list, which stays unseen until the member is told ([`acknowledge_seat`]). An
/// event seen for the first time (a new device, a first answer) is simply noted. Returns
/// whether anything changed.
pub fn note_seats(seen: &mut SeenSeats, passes: &Passes) -> bool {
    let mut changed = false;
    for (event, seat) in &passes.events {
        match seen.get(event) {
            Some(before) if is_promotion(before, seat) => {}
            Some(before) if *before == seat.status => {}
            _ => {
                seen.insert(event.clone(), seat.status.clone());
                changed = true;
            }
        }
    }
    changed
}

/// The events where the member was moved from the waiting list to a seat since they last
/// looked.
pub fn promoted(seen: &SeenSeats, passes: &Passes) -> Vec<String> {
    passes
        .events
        .iter()
        .filter(|(event, seat)| seen.get(*event).is_some_and(|s| is_promotion(s, seat)))
        .map(|(event, _)| event.clone())
        .collect()
}

/// The member was told of the seat they now hold for `event`.
pub fn acknowledge_seat(seen: &mut SeenSeats, passes: &Passes, event: &str) -> bool {
    let Some(seat) = passes.events.get(event) else {
        return false;
    };
    seen.insert(event.to_owned(), seat.status.clone()) != Some(seat.status.clone())
}

fn is_promotion(before: &str, seat: &Seat) -> bool {
    before == SeatStatus::Waiting.key() && seat.status() == Some(SeatStatus::Confirmed)
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
    fn full_events_say_so_and_how_many_wait_when_known() {
        let count = |taken, waiting| Some(SeatCount { taken, waiting });
        assert_eq!(
            availability(None, count(100, 0), Standing::Open),
            Availability::Unlimited
        );
        assert_eq!(
            availability(Some(10), count(7, 0), Standing::Open),
            Availability::Open { left: 3 }
        );
        assert_eq!(
            availability(Some(1), count(1, 2), Standing::Open),
            Availability::Full { waiting: Some(2) }
        );
        assert_eq!(
            availability(Some(1), count(1, 0), Standing::Confirmed),
            Availability::Full { waiting: Some(0) }
        );
        // Capacity lowered below the seats already given: still full, never negative.
        assert_eq!(
            availability(Some(2), count(3, 0), Standing::Open),
            Availability::Full { waiting: Some(0) }
        );
        // Nothing published: the capacity alone says nothing of how full it is...
        assert_eq!(
            availability(Some(1), None, Standing::Open),
            Availability::Unknown
        );
        // ...but a member on the waiting list knows it is full.
        assert_eq!(
            availability(Some(1), None, Standing::Waiting { position: 3 }),
            Availability::Full { waiting: None }
        );
        // A count older than the member's own place counts at least up to it.
        assert_eq!(
            availability(Some(1), count(1, 1), Standing::Waiting { position: 2 }),
            Availability::Full { waiting: Some(2) }
        );
    }

    #[wasm_bindgen_test]
    fn a_roster_counts_confirmed_and_waiting_seats() {
        let mut roster = Roster::default();
        for (user, status) in [("a", "confirmed"), ("b", "waiting"), ("c", "declined")] {
            roster.attendees.insert(
                user.into(),
                tsunagu_core::event::Attendee {
                    status: status.into(),
                    ..Default::default()
                },
            );
        }
        assert_eq!(
            roster_count(&roster),
            SeatCount {
                taken: 1,
                waiting: 1
            }
        );
    }

    #[wasm_bindgen_test]
    fn giving_up_a_seat_or_a_place_is_asked_first() {
        let full = Availability::Full { waiting: Some(2) };
        assert_eq!(
            give_up_question(Standing::Confirmed, full),
            Some(GiveUp::SeatToWaiting)
        );
        assert_eq!(
            give_up_question(Standing::Confirmed, Availability::Unknown),
            Some(GiveUp::Seat)
        );
        assert_eq!(
            give_up_question(Standing::Confirmed, Availability::Full { waiting: Some(0) }),
            Some(GiveUp::Seat)
        );
        assert_eq!(
            give_up_question(Standing::Unconfirmed { going: true }, full),
            Some(GiveUp::Seat)
        );
        assert_eq!(
            give_up_question(Standing::Waiting { position: 1 }, full),
            Some(GiveUp::Place)
        );
        for nothing_to_lose in [
            Standing::Open,
            Standing::Declined,
            Standing::Unconfirmed { going: false },
        ] {
            assert_eq!(give_up_question(nothing_to_lose, full), None);
        }
    }

    #[wasm_bindgen_test]
    fn a_promotion_from_the_waiting_list_stays_news_until_told() {
        let passes = |status: &str| Passes {
            events: BTreeMap::from([("e1".to_owned(), seat(status, 100, 0))]),
            ..Passes::default()
        };
        let mut seen = SeenSeats::new();
        // First seen waiting: noted, nothing to tell.
        assert!(note_seats(&mut seen, &passes("waiting")));
        assert!(promoted(&seen, &passes("waiting")).is_empty());
        assert!(!note_seats(&mut seen, &passes("waiting")));
        // Someone cancelled: the seat is news, and stays news through later syncs.
        let now = passes("confirmed");
        assert!(!note_seats(&mut seen, &now));
        assert_eq!(promoted(&seen, &now), ["e1"]);
        assert!(acknowledge_seat(&mut seen, &now, "e1"));
        assert!(promoted(&seen, &now).is_empty());
        // A seat given at once (or first seen on a new device) is no news.
        let mut fresh = SeenSeats::new();
        note_seats(&mut fresh, &now);
        assert!(promoted(&fresh, &now).is_empty());
        // Leaving the list is noted; a later seat from a new answer is no promotion.
        let mut left = SeenSeats::from([("e1".to_owned(), "waiting".to_owned())]);
        note_seats(&mut left, &passes("declined"));
        note_seats(&mut left, &now);
        assert!(promoted(&left, &now).is_empty());
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
