//! The venue's code for self check-in, `/events/<doc>/venue-code` (admins and the event's
//! staff): fetched from the relay, which signs it, and shown as a large QR code to put on a
//! screen at the door or print. The phone keeps the last code it fetched, so once opened online
//! the page shows it with no signal.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{self, PassBody};

use super::{pass_trust, use_client, use_event_param};
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::icons;
use crate::ui::qr::QrImage;
use crate::ui::time::{self, Style};

#[component]
pub(crate) fn VenueCodePage() -> impl IntoView {
    let doc = use_event_param();
    move || doc.get().map(|doc| view! { <VenueCode doc=doc /> })
}

#[component]
fn VenueCode(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let code = Memo::new(move |_| signals.venue_codes.with(|c| c.get(&doc).cloned()));
    let error = RwSignal::new(None::<AppError>);
    let fetching = RwSignal::new(true);
    // A fresh code each visit (the relay may have moved the event); the kept one meanwhile.
    leptos::task::spawn_local(async move {
        if let Err(e) = client.fetch_venue_code(doc).await {
            error.set(Some(e));
        }
        fetching.set(false);
    });
    let title = move || {
        signals.events.with(|events| {
            events
                .iter()
                .find(|e| e.doc == doc)
                .map(|e| e.event.title.clone())
                .unwrap_or_default()
        })
    };
    // When the shown code is good, read from the code itself.
    let window = move || match pass::read(&code.get()?, &pass_trust(signals).keys) {
        Ok(PassBody::Venue(v)) => Some((v.not_before, v.not_after)),
        _ => None,
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            window.print().ok();
        }
    };

    view! {
        <article class="venue-code-page" data-testid="venue-code-page">
            <A href=format!("/events/{doc}") attr:class="back-link">
                <icons::Back />
                <span>{move || t_string!(i18n, checkin.back)}</span>
            </A>
            <section class="card section venue-code">
                <p class="eyebrow">{move || t_string!(i18n, venue_code.title)}</p>
                <h1 class="event-name" data-testid="venue-code-event">{title}</h1>
                <p class="venue-code-lead">{move || t_string!(i18n, venue_code.lead)}</p>
                {move || match code.get() {
                    Some(text) => {
                        let label = Signal::derive(move || format!("{} — {}", t_string!(i18n, venue_code.title), title()));
                        view! {
                            <QrImage text=text.clone() label=label testid="venue-qr" />
                            {move || window().map(|(from, until)| {
                                let locale = i18n.get_locale();
                                let text = t_string!(i18n, venue_code.valid)
                                    .replace("%from", &time::format(from, None, locale, Style::DayAndTime))
                                    .replace("%until", &time::format(until, None, locale, Style::DayAndTime));
                                view! { <p class="venue-code-valid" data-testid="venue-code-valid">{text}</p> }
                            })}
                            <details class="ticket-text venue-code-text">
                                <summary>{move || t_string!(i18n, venue_code.text)}</summary>
                                <code data-testid="venue-code-text">{text}</code>
                            </details>
                        }.into_any()
                    }
                    None if fetching.get() => view! {
                        <p class="empty" data-testid="venue-code-loading">{move || t_string!(i18n, venue_code.loading)}</p>
                    }.into_any(),
                    None => view! { <span></span> }.into_any(),
                }}
                {move || error.get().map(|e| {
                    let has_code = code.with(Option::is_some);
                    let text = match (&e, has_code) {
                        (AppError::Offline, true) => t_string!(i18n, venue_code.offline_saved),
                        (AppError::Offline, false) => t_string!(i18n, venue_code.offline_none),
                        _ => crate::ui::error_text(i18n.get_locale(), &e),
                    };
                    let class = if has_code { "note venue-code-note" } else { "form-error venue-code-note" };
                    view! { <p class=class role="status" data-testid="venue-code-error">{text}</p> }
                })}
                <Show when=move || code.with(Option::is_some)>
                    <button type="button" class="button venue-code-print" data-testid="venue-code-print" on:click=print>
                        {move || t_string!(i18n, venue_code.print)}
                    </button>
                </Show>
            </section>
        </article>
    }
}
