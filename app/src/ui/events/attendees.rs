//! The attendee list on an event's page, for its staff and admins (whose devices hold the
//! roster): who is confirmed — and who of them has arrived — and who waits, in reading order;
//! staff can give up someone's seat or place for them, asked first (the seat goes to the next
//! in line). Members' phones hold no roster, so they never see it.

use leptos::prelude::*;
use tsunagu_core::event::{Attendee, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::search::fold;

use super::use_client;
use crate::api;
use crate::error::AppError;
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
    let error = RwSignal::new(None::<AppError>);
    let release = move |user: String, name: String, status: SeatStatus| {
        let locale = i18n.get_locale_untracked();
        let question = match status {
            SeatStatus::Waiting => td_string!(locale, event.release_waiting_confirm),
            _ => td_string!(locale, event.release_seat_confirm),
        }
        .replace("%s", &name);
        if !crate::ui::confirm(&question) {
            return;
        }
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = api::release_seat(&doc, &user).await {
                error.set(Some(e));
            }
        });
    };
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
                    let name = a.name.clone();
                    view! {
                        <li class="attendee" data-testid="attendee" data-arrived=here.to_string()>
                            <span><strong>{a.name}</strong>" "<span class="muted">{a.reading}</span></span>
                            <span class="attendee-actions">
                                {here.then(|| view! { <span class="status status-standing-confirmed">{move || t_string!(i18n, checkin.arrived)}</span> })}
                                <button type="button" class="button button-small button-quiet" data-testid="attendee-release"
                                    on:click=move |_| release(user.clone(), name.clone(), status)>
                                    {move || t_string!(i18n, event.release)}
                                </button>
                            </span>
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
                {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="attendee-release-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
                {move || group(SeatStatus::Confirmed, "attendees-confirmed")}
                {move || group(SeatStatus::Waiting, "attendees-waiting")}
            </details>
        </Show>
    }
}
