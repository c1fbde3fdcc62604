//! Who gets a seat: the relay's decision, in the order answers reach it.
//!
//! Members answer offline, so more may say "going" than there are seats. Only the relay
//! decides: it confirms answers in the order it receives them while seats remain, puts the rest
//! on a waiting list, and promotes from the head of the list whenever a seat frees up (someone
//! cancels, or an admin adds seats). Lowering the capacity never unseats anyone already
//! confirmed.
//!
//! ```
//! use tsunagu_core::event::SeatStatus;
//! use tsunagu_core::seats::Seating;
//!
//! let mut seating = Seating::new(Some(1));
//! seating.answer("hanako", true);
//! seating.answer("ken", true); // offline earlier, but reached the relay second
//! assert_eq!(seating.standing("ken"), Some((SeatStatus::Waiting, 1)));
//! let changed = seating.answer("hanako", false);
//! assert_eq!(seating.standing("ken"), Some((SeatStatus::Confirmed, 0)));
//! assert_eq!(changed.len(), 2); // hanako declined, ken promoted
//! ```

use std::collections::VecDeque;

use crate::event::{Event, EventStatus, Rsvp, SeatStatus};

/// How long after registration closes an answer made before it may still arrive: a phone that
/// answered on the train before the deadline and came online after it.
pub const LATE_ANSWER_GRACE_SECS: i64 = 12 * 3600;

/// One member's new standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub user: String,
    pub status: SeatStatus,
    /// Place on the waiting list, from 1; 0 unless waiting.
    pub position: u32,
}

/// The seats of one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seating {
    capacity: Option<u32>,
    /// In the order they were confirmed.
    confirmed: Vec<String>,
    /// In the order their answers arrived.
    waiting: VecDeque<String>,
}

impl Seating {
    /// An empty event with `capacity` seats (`None`: no limit).
    pub fn new(capacity: Option<u32>) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    /// Seating as stored: confirmed members and the waiting list, each in order.
    pub fn from_parts(
        capacity: Option<u32>,
        confirmed: impl IntoIterator<Item = String>,
        waiting: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            capacity,
            confirmed: confirmed.into_iter().collect(),
            waiting: waiting.into_iter().collect(),
        }
    }

    pub fn confirmed(&self) -> &[String] {
        &self.confirmed
    }

    pub fn waiting(&self) -> impl Iterator<Item = &String> {
        self.waiting.iter()
    }

    /// Where `user` stands: status and place on the waiting list; `None` if they hold no seat
    /// and are not waiting.
    pub fn standing(&self, user: &str) -> Option<(SeatStatus, u32)> {
        if self.confirmed.iter().any(|u| u == user) {
            return Some((SeatStatus::Confirmed, 0));
        }
        self.waiting
            .iter()
            .position(|u| u == user)
            .map(|i| (SeatStatus::Waiting, place(i)))
    }

    /// Applies one answer as it reaches the relay; returns every member whose standing changed
    /// (the one who answered, anyone promoted, and anyone who moved up the waiting list).
    pub fn answer(&mut self, user: &str, going: bool) -> Vec<Decision> {
        let before = self.snapshot();
        if going {
            if self.standing(user).is_none() {
                self.waiting.push_back(user.to_owned());
            }
        } else {
            self.confirmed.retain(|u| u != user);
            self.waiting.retain(|u| u != user);
        }
        self.fill();
        let mut changed = self.changes_since(&before);
        if !going && !changed.iter().any(|d| d.user == user) {
            changed.insert(0, declined(user));
        }
        changed
    }

    /// Changes the number of seats, promoting from the waiting list if it grew.
    pub fn set_capacity(&mut self, capacity: Option<u32>) -> Vec<Decision> {
        let before = self.snapshot();
        self.capacity = capacity;
        self.fill();
        self.changes_since(&before)
    }

    /// The event was cancelled: everyone is let go.
    pub fn cancel(&mut self) -> Vec<Decision> {
        let everyone: Vec<Decision> = self
            .confirmed
            .drain(..)
            .chain(self.waiting.drain(..))
            .map(|u| declined(&u))
            .collect();
        everyone
    }

    fn fill(&mut self) {
        while self
            .capacity
            .is_none_or(|c| self.confirmed.len() < c as usize)
        {
            let Some(next) = self.waiting.pop_front() else {
                break;
            };
            self.confirmed.push(next);
        }
    }

    fn snapshot(&self) -> Vec<Decision> {
        self.confirmed
            .iter()
            .map(|u| Decision {
                user: u.clone(),
                status: SeatStatus::Confirmed,
                position: 0,
            })
            .chain(self.waiting.iter().enumerate().map(|(i, u)| Decision {
                user: u.clone(),
                status: SeatStatus::Waiting,
                position: place(i),
            }))
            .collect()
    }

    /// Standings now that differ from `before`; members who left are reported as declined.
    fn changes_since(&self, before: &[Decision]) -> Vec<Decision> {
        let now = self.snapshot();
        let mut changed: Vec<Decision> = before
            .iter()
            .filter(|b| !now.iter().any(|n| n.user == b.user))
            .map(|b| declined(&b.user))
            .collect();
        changed.extend(now.into_iter().filter(|n| !before.contains(n)));
        changed
    }
}

fn place(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

fn declined(user: &str) -> Decision {
    Decision {
        user: user.to_owned(),
        status: SeatStatus::Declined,
        position: 0,
    }
}

/// Why the relay would not take a "going" answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTaken {
    /// The event is not (or no longer) open: a draft, or cancelled.
    NotOpen,
    /// Registration had closed when the answer was made, or it arrived too late.
    Closed,
}

/// Whether a "going" answer made at `rsvp.at` (the device's clock, not trusted beyond
/// `received_at`) and reaching the relay at `received_at` is taken. Saying "not going" is always
/// taken: it only frees a seat.
pub fn taken(event: &Event, rsvp: &Rsvp, received_at: i64) -> Result<(), NotTaken> {
    if !rsvp.going {
        return Ok(());
    }
    if event.status() != EventStatus::Published {
        return Err(NotTaken::NotOpen);
    }
    let closes = event.closes_at();
    let made = rsvp.at.min(received_at);
    if made > closes || received_at > closes + LATE_ANSWER_GRACE_SECS {
        return Err(NotTaken::Closed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(s: &Seating, user: &str) -> Option<(SeatStatus, u32)> {
        s.standing(user)
    }

    #[test]
    fn seats_go_in_the_order_answers_reach_the_relay() {
        let mut s = Seating::new(Some(2));
        // Three phones answered offline; the relay hears them in this order.
        for user in ["c", "a", "b"] {
            s.answer(user, true);
        }
        assert_eq!(s.confirmed(), ["c", "a"]);
        assert_eq!(standing(&s, "b"), Some((SeatStatus::Waiting, 1)));
    }

    #[test]
    fn answering_going_twice_keeps_the_place() {
        let mut s = Seating::new(Some(1));
        s.answer("a", true);
        s.answer("b", true);
        assert!(s.answer("b", true).is_empty());
        assert!(s.answer("a", true).is_empty());
        assert_eq!(standing(&s, "b"), Some((SeatStatus::Waiting, 1)));
    }

    #[test]
    fn a_cancellation_promotes_the_head_of_the_list_and_moves_the_rest_up() {
        let mut s = Seating::new(Some(1));
        for user in ["a", "b", "c"] {
            s.answer(user, true);
        }
        let changed = s.answer("a", false);
        assert_eq!(
            changed,
            [
                declined("a"),
                Decision {
                    user: "b".into(),
                    status: SeatStatus::Confirmed,
                    position: 0
                },
                Decision {
                    user: "c".into(),
                    status: SeatStatus::Waiting,
                    position: 1
                },
            ]
        );
    }

    #[test]
    fn leaving_the_waiting_list_moves_those_behind_up_without_promoting() {
        let mut s = Seating::new(Some(1));
        for user in ["a", "b", "c", "d"] {
            s.answer(user, true);
        }
        let changed = s.answer("b", false);
        assert_eq!(
            changed.len(),
            3,
            "b declined, c and d moved up: {changed:?}"
        );
        assert_eq!(s.confirmed(), ["a"]);
        assert_eq!(standing(&s, "d"), Some((SeatStatus::Waiting, 2)));
    }

    #[test]
    fn declining_without_a_seat_is_still_answered() {
        let mut s = Seating::new(Some(1));
        assert_eq!(s.answer("a", false), [declined("a")]);
    }

    #[test]
    fn more_seats_promote_and_fewer_never_unseat() {
        let mut s = Seating::new(Some(1));
        for user in ["a", "b", "c"] {
            s.answer(user, true);
        }
        let changed = s.set_capacity(Some(2));
        assert_eq!(changed.len(), 2, "b promoted, c moved up");
        assert_eq!(s.confirmed(), ["a", "b"]);
        assert!(s.set_capacity(Some(1)).is_empty());
        assert_eq!(s.confirmed(), ["a", "b"]);
        // Nobody is promoted until the confirmed fall below the new capacity.
        s.answer("a", false);
        assert_eq!(s.confirmed(), ["b"]);
        assert_eq!(standing(&s, "c"), Some((SeatStatus::Waiting, 1)));
        s.set_capacity(None);
        assert_eq!(s.confirmed(), ["b", "c"]);
    }

    #[test]
    fn a_late_burst_of_offline_answers_never_overbooks() {
        let mut s = Seating::new(Some(10));
        let users: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
        // Interleaved: answers, changes of mind, answers again.
        for (i, u) in users.iter().enumerate() {
            s.answer(u, true);
            if i % 3 == 0 {
                s.answer(&users[i / 2], false);
            }
            if i % 7 == 0 {
                s.answer(&users[i / 3], true);
            }
            assert!(s.confirmed().len() <= 10);
            let waiting: Vec<&String> = s.waiting().collect();
            assert!(
                waiting.is_empty() || s.confirmed().len() == 10,
                "nobody waits while seats are free"
            );
            for w in &waiting {
                assert!(!s.confirmed().contains(w), "{w} both confirmed and waiting");
            }
        }
    }

    #[test]
    fn cancelling_the_event_lets_everyone_go() {
        let mut s = Seating::new(Some(1));
        s.answer("a", true);
        s.answer("b", true);
        assert_eq!(s.cancel(), [declined("a"), declined("b")]);
        assert_eq!(s.standing("a"), None);
    }

    #[test]
    fn answers_are_taken_until_registration_closes_with_grace_for_offline_phones() {
        let mut event = Event::draft("x", 10_000_000);
        event.status = EventStatus::Published.key().into();
        event.deadline = 5_000_000;
        let going = |at| Rsvp {
            going: true,
            at,
            ..Rsvp::default()
        };
        assert_eq!(taken(&event, &going(4_000_000), 4_000_001), Ok(()));
        // Made before the deadline offline, arrived an hour after it.
        assert_eq!(taken(&event, &going(4_999_000), 5_003_600), Ok(()));
        // Arrived long after.
        assert_eq!(
            taken(
                &event,
                &going(4_999_000),
                5_000_000 + LATE_ANSWER_GRACE_SECS + 1
            ),
            Err(NotTaken::Closed)
        );
        // A clock set back does not help: what counts is no later than the arrival.
        assert_eq!(
            taken(&event, &going(1), 5_000_100 + LATE_ANSWER_GRACE_SECS),
            Err(NotTaken::Closed)
        );
        assert_eq!(
            taken(&event, &going(5_000_001), 5_000_001),
            Err(NotTaken::Closed)
        );
        // Declining is always taken.
        let no = Rsvp {
            going: false,
            at: 9_999_999,
            ..Rsvp::default()
        };
        assert_eq!(taken(&event, &no, 9_999_999), Ok(()));
        event.status = EventStatus::Cancelled.key().into();
        assert_eq!(taken(&event, &going(1), 2), Err(NotTaken::NotOpen));
    }
}
