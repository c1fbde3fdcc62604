//! My tickets (`/tickets`): every ticket in the person's passes document, soonest event first,
//! with the events they wait for below — all from the device, so the door works with no signal.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::event::SeatStatus;

use super::ticket::TicketCard;
use super::{place, standing_text, use_client};
use crate::agenda::Standing;
use crate::i18n::*;
use crate::runtime::now;
use crate::state::EventEntry;
use crate::ui::icons;

/// One of the person's events with where they stand.
#[derive(Debug, Clone, PartialEq)]
struct Held {
    entry: EventEntry,
    /// The signed ticket; empty while waiting.
    ticket: String,
    position: u32,
}

#[component]
pub(crate) fn TicketsPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    // (upcoming tickets, past tickets, waiting), each soonest first.
    let held = Memo::new(move |_| {
        let at = now();
        signals.events.with(|events| {
            signals.passes.with(|passes| {
                let mut upcoming = Vec::new();
                let mut past = Vec::new();
                let mut waiting = Vec::new();
                for entry in events {
                    let Some(seat) = passes.events.get(&entry.doc.to_string()) else {
                        continue;
                    };
                    let held = Held {
                        entry: entry.clone(),
                        ticket: seat.ticket.clone(),
                        position: seat.position,
                    };
                    match seat.status() {
                        Some(SeatStatus::Confirmed) if !seat.ticket.is_empty() => {
                            if entry.event.ends_at.max(entry.event.starts_at) < at {
                                past.push(held);
                            } else {
                                upcoming.push(held);
                            }
                        }
                        Some(SeatStatus::Waiting) => waiting.push(held),
                        _ => {}
                    }
                }
                // The events signal is soonest first; the past read best latest first.
                past.reverse();
                (upcoming, past, waiting)
            })
        })
    });
    let ticket = move |held: Held| {
        let Held { entry, ticket, .. } = held;
        let doc = entry.doc;
        let event = entry.event;
        view! {
            <li class="card section ticket-entry" data-testid="ticket-entry" data-doc=doc.to_string()>
                <TicketCard text=ticket title=event.title.clone() starts=event.starts_at ends=event.ends_at
                    place=place(i18n.get_locale_untracked(), &event) />
                <A href=format!("/events/{doc}") attr:class="button button-small button-quiet" attr:data-testid="ticket-event-link">
                    {move || t_string!(i18n, tickets.open_event)}
                </A>
            </li>
        }
    };
    view! {
        <section class="tickets-page" data-testid="tickets-page">
            <A href="/events" attr:class="back-link"><icons::Back /><span>{move || t_string!(i18n, event.back)}</span></A>
            <h1 class="page-title">{move || t_string!(i18n, tickets.title)}</h1>
            <p class="page-lead">{move || t_string!(i18n, tickets.lead)}</p>
            {move || {
                let (upcoming, past, waiting) = held.get();
                let past_count = past.len();
                view! {
                    {if upcoming.is_empty() {
                        view! {
                            <div class="empty" data-testid="tickets-empty">
                                <p>{t_string!(i18n, tickets.empty)}</p>
                                <p><A href="/events" attr:class="button button-small">{t_string!(i18n, tickets.browse)}</A></p>
                            </div>
                        }.into_any()
                    } else {
                        view! { <ul class="ticket-list">{upcoming.into_iter().map(ticket).collect_view()}</ul> }.into_any()
                    }}
                    {(!waiting.is_empty()).then(|| view! {
                        <section class="card section tickets-waiting" data-testid="tickets-waiting">
                            <h2 class="section-title">{t_string!(i18n, tickets.waiting_title)}</h2>
                            <ul class="plain-list">
                                {waiting.into_iter().map(|held| {
                                    let doc = held.entry.doc;
                                    let standing = Standing::Waiting { position: held.position.max(1) };
                                    view! {
                                        <li>
                                            <A href=format!("/events/{doc}")>{held.entry.event.title.clone()}</A>
                                            " "
                                            <span class="status status-standing-waiting">{move || standing_text(i18n.get_locale(), standing)}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {(past_count > 0).then(|| view! {
                        <details class="events-past">
                            <summary>{t!(i18n, tickets.past, count = move || past_count)}</summary>
                            <ul class="ticket-list">{past.into_iter().map(ticket).collect_view()}</ul>
                        </details>
                    })}
                }
            }}
        </section>
    }
}
