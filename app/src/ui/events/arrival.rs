//! Self check-in on the event page (docs/design.md §5): a confirmed attendee scans the code the venue
//! shows, with their own camera or by typing it, and the phone judges it at once, offline, with
//! the organisation's public key. A good code goes into their RSVP document; the relay checks it
//! again when the phone syncs, admits them to the check-in log and marks their seat.

use leptos::prelude::*;
use tsunagu_core::event::Event;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{self, VenueVerdict};

use super::checkin::Camera;
use super::typed_code::TypedCode;
use super::{confirmed_seat, pass_trust, use_client};
use crate::error::AppError;
use crate::i18n::*;
use crate::runtime::now;

/// Why a scanned code was not taken, as the attendee reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    WrongEvent,
    NotYet,
    Expired,
    Forged,
    Unreadable,
    /// The phone has no organisation key yet (never synced).
    NoKey,
}

impl Refusal {
    fn key(self) -> &'static str {
        match self {
            Refusal::WrongEvent => "wrong-event",
            Refusal::NotYet => "not-yet",
            Refusal::Expired => "expired",
            Refusal::Forged => "forged",
            Refusal::Unreadable => "unreadable",
            Refusal::NoKey => "not-synced",
        }
    }

    fn text(self, locale: Locale) -> &'static str {
        match self {
            Refusal::WrongEvent => td_string!(locale, arrival.wrong_event),
            Refusal::NotYet => td_string!(locale, arrival.not_yet),
            Refusal::Expired => td_string!(locale, arrival.expired),
            Refusal::Forged => td_string!(locale, arrival.forged),
            Refusal::Unreadable => td_string!(locale, arrival.unreadable),
            Refusal::NoKey => td_string!(locale, arrival.no_key),
        }
    }
}

/// What the attendee sees of a scan that was not taken.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    Refused(Refusal),
    NotSaved(AppError),
}

/// The self check-in part of the event page: shown to a confirmed attendee on the event's day.
#[component]
pub(super) fn SelfCheckIn(doc: DocumentId, event: Event) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let key = doc.to_string();
    let confirmed = {
        let key = key.clone();
        move || confirmed_seat(signals, &key, |_| ()).is_some()
    };
    // Recorded on this phone, and recorded by the relay.
    let arrived_here = {
        let key = key.clone();
        move || {
            signals
                .rsvps
                .with(|r| r.events.get(&key).is_some_and(|a| a.arrived_at > 0))
        }
    };
    let arrived_relay = move || {
        signals
            .passes
            .with(|p| p.events.get(&key).is_some_and(|s| s.arrived_at > 0))
    };
    let (opens, closes) = event.admission_window();
    let in_its_day = move || (opens..=closes).contains(&now());
    let at_a_place = !event.online
        || !event.venue.name.trim().is_empty()
        || !event.venue.address.trim().is_empty();

    let scanning = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let judge = move |text: String, _taken: f64| {
        let keys = untrack(|| pass_trust(signals)).keys;
        if keys.is_empty() {
            problem.set(Some(Problem::Refused(Refusal::NoKey)));
            return;
        }
        let refusal = match pass::judge_venue(text.trim(), &keys, &doc.to_string(), now()) {
            VenueVerdict::Here(_) => {
                match client.arrive(doc, text.trim()) {
                    Ok(()) => {
                        problem.set(None);
                        scanning.set(false);
                    }
                    Err(e) => problem.set(Some(Problem::NotSaved(e))),
                }
                return;
            }
            VenueVerdict::WrongEvent => Refusal::WrongEvent,
            VenueVerdict::NotYetValid => Refusal::NotYet,
            VenueVerdict::Expired => Refusal::Expired,
            VenueVerdict::Forged => Refusal::Forged,
            VenueVerdict::Unreadable => Refusal::Unreadable,
        };
        problem.set(Some(Problem::Refused(refusal)));
    };

    let state = Memo::new(move |_| {
        if arrived_relay() {
            Some("confirmed")
        } else if arrived_here() {
            Some("pending")
        } else {
            None
        }
    });
    let confirmed = Memo::new(move |_| confirmed());
    view! {
        <Show when=move || at_a_place && confirmed.get() && (state.get().is_some() || in_its_day())>
            <div class="arrival" data-testid="arrival" data-arrival=move || state.get().unwrap_or("none")>
                {move || match state.get() {
                    Some(s) => view! {
                        <p class="arrival-done" role="status" data-testid="arrival-done">
                            <span class="arrival-check" aria-hidden="true">"✓"</span>
                            {if s == "confirmed" { t_string!(i18n, arrival.confirmed) } else { t_string!(i18n, arrival.pending) }}
                        </p>
                    }.into_any(),
                    None => view! {
                        <Show when=move || scanning.get() fallback=move || view! {
                            <button type="button" class="button button-primary button-block" data-testid="self-checkin-open"
                                on:click=move |_| { problem.set(None); scanning.set(true); }>
                                {move || t_string!(i18n, arrival.open)}
                            </button>
                        }>
                            <div class="arrival-scan">
                                <p class="field-hint">{move || t_string!(i18n, arrival.lead)}</p>
                                {move || problem.get().map(|p| {
                                    let (verdict, text) = match &p {
                                        Problem::Refused(r) => (r.key(), r.text(i18n.get_locale())),
                                        Problem::NotSaved(e) => ("not-saved", crate::ui::error_text(i18n.get_locale(), e)),
                                    };
                                    view! { <p class="form-error arrival-refused" role="alert" data-testid="arrival-refused" data-verdict=verdict>{text}</p> }
                                })}
                                <Camera judge=judge />
                                <TypedCode judge=judge class="typed-code" id="venue-code" testid="venue-code-input"
                                    label=Signal::derive(move || t_string!(i18n, arrival.typed))
                                    check_label=Signal::derive(move || t_string!(i18n, arrival.check)) />
                                <button type="button" class="button button-quiet" data-testid="self-checkin-close"
                                    on:click=move |_| scanning.set(false)>{move || t_string!(i18n, arrival.cancel)}</button>
                            </div>
                        </Show>
                    }.into_any(),
                }}
            </div>
        </Show>
    }
}
