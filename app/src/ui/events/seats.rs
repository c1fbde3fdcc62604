//! How full an event looks to the person, as connpass shows it: 残り n 席, or 満席・キャンセル待ち
//! n 人. Staff and admins count from the roster on their phone; members from the count the
//! relay publishes in the event document, when it does ([`tsunagu_core::event::SeatCount`]); a
//! member on the waiting list knows the event is full in any case ([`availability`]).

use leptos::prelude::*;
use tsunagu_core::event::SeatCount;
use tsunagu_core::ids::DocumentId;

use crate::agenda::{Availability, Standing, availability, roster_count};
use crate::i18n::*;
use crate::state::Signals;

/// The best count of taken and waiting seats on this device (tracked): the roster's, if the
/// person may read it, else what the relay published — which it does once anyone answered, so
/// none published is none taken.
pub(super) fn seat_count(
    signals: Signals,
    doc: DocumentId,
    published: Option<SeatCount>,
) -> SeatCount {
    signals
        .rosters
        .with(|r| r.get(&doc).map(roster_count))
        .or(published)
        .unwrap_or_default()
}

/// How full the event is for `standing` (tracked).
pub(super) fn availability_for(
    signals: Signals,
    doc: DocumentId,
    capacity: Option<u32>,
    published: Option<SeatCount>,
    standing: Standing,
) -> Availability {
    availability(
        capacity,
        Some(seat_count(signals, doc, published)),
        standing,
    )
}

/// 残り n 席 / 満席 / 満席・キャンセル待ち n 人; nothing when there is no limit or nothing is known.
pub(super) fn availability_text(locale: Locale, availability: Availability) -> Option<String> {
    match availability {
        Availability::Open { left } => {
            Some(td_string!(locale, event.seats_left).replace("%n", &left.to_string()))
        }
        Availability::Full { waiting: Some(n) } if n > 0 => {
            Some(td_string!(locale, event.full_waiting).replace("%n", &n.to_string()))
        }
        Availability::Full { .. } => Some(td_string!(locale, event.full).to_owned()),
        Availability::Unlimited | Availability::Unknown => None,
    }
}

/// A stable name for styles and tests.
pub(super) fn availability_key(availability: Availability) -> &'static str {
    match availability {
        Availability::Unlimited => "unlimited",
        Availability::Open { .. } => "open",
        Availability::Full { .. } => "full",
        Availability::Unknown => "unknown",
    }
}
