//! The attendee list on an event's page, for its staff and admins (whose devices hold the
//! roster): who is confirmed — and who of them has arrived — and who waits, in reading order.
//! Members' phones hold no roster, so they never see it.

use leptos::prelude::*;
use tsunagu_core::event::{Attendee, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::search::fold;

use super::use_client;
use crate::i18n::*;

/// The roster's attendees with `status`, by reading.
fn with_status(attendees: &[(String, Attendee)], status: SeatStatus) -> Vec<(String, Attendee)> {
    let mut found: Vec<_> = attendees
        .iter()
        .filter(|(_, a)| a.status == status.key())
        .cloned()
        .collect();
    found.sort_by_cached_key(|(_, a)| (fold(&a.reading), a.name.clone()));
    found
}

#[component]
pub(super) fn AttendeeList(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let attendees = Memo::new(move |_| {
        signals.rosters.with(|r| {
            r.get(&doc).map(|roster| {
                roster
                    .attendees
                    .iter()
                    .map(|(user, a)| (user.clone(), a.clone()))
                    .collect::<Vec<_>>()
            })
        })
    });
    let arrived = move |user: &str| {
        signals
            .checkins
            .with(|c| c.get(&doc).is_some_and(|log| log.attended(user)))
    };
    let group = move |status: SeatStatus, testid: &'static str| {
        let people = attendees.with(|a| {
            a.as_deref()
                .map(|a| with_status(a, status))
                .unwrap_or_default()
        });
        let count = people.len();
        let title = move || match status {
            SeatStatus::Waiting => t_string!(i18n, event.attendees_waiting),
            _ => t_string!(i18n, event.attendees_confirmed),
        };
        view! {
            <h3 class="attendees-group">{title}" "<span class="muted" data-testid=format!("{testid}-count")>{count}</span></h3>
            <ul class="attendees" data-testid=testid>
                {people.into_iter().map(|(user, a)| {
                    let here = status == SeatStatus::Confirmed && arrived(&user);
                    view! {
                        <li class="attendee" data-testid="attendee" data-arrived=here.to_string()>
                            <span><strong>{a.name}</strong>" "<span class="muted">{a.reading}</span></span>
                            {here.then(|| view! { <span class="status status-standing-confirmed">{move || t_string!(i18n, checkin.arrived)}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    };
    view! {
        <Show when=move || attendees.with(Option::is_some)>
            <details class="card section attendee-list" data-testid="event-attendees">
                <summary class="section-title">
                    {move || t_string!(i18n, event.attendees)}" "
                    <span class="muted">{move || attendees.with(|a| a.as_ref().map_or(0, |a| a.iter().filter(|(_, a)| a.status == SeatStatus::Confirmed.key()).count()))}</span>
                </summary>
                {move || group(SeatStatus::Confirmed, "attendees-confirmed")}
                {move || group(SeatStatus::Waiting, "attendees-waiting")}
            </details>
        </Show>
    }
}
