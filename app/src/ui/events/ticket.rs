//! A ticket as its holder shows it at the door: the QR code, and under it what a person at the
//! desk reads — the event, the holder's name as signed, and a short ticket number to read out
//! when a scanner fails. The event page and the ticket list (`/tickets`) show the same card.

use leptos::prelude::*;
use tsunagu_core::pass::{PassBody, read};

use super::pass_trust;
use super::use_client;
use crate::i18n::*;
use crate::ui::qr::QrImage;
use crate::ui::time;

/// A ticket's id as people read it: the first eight characters in two groups, `1A2B-3C4D`.
/// (The id is 32 random hex digits; eight tell a hall's tickets apart.)
pub(super) fn short_number(id: &str) -> String {
    let head: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match head.len() {
        0..=4 => head,
        _ => format!("{}-{}", &head[..4], &head[4..]),
    }
}

/// The signed ticket `text` for the event `title` (from `starts` to `ends`, at `place`).
#[component]
pub(super) fn TicketCard(
    text: String,
    title: String,
    starts: i64,
    ends: i64,
    place: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    // What the signature covers, if the organisation's keys on this phone verify it; the name
    // the member goes by otherwise (a key not synced yet).
    let signed = {
        let text = text.clone();
        Memo::new(move |_| match read(&text, &pass_trust(signals).keys) {
            Ok(PassBody::Ticket(ticket)) => Some((ticket.name, short_number(&ticket.id))),
            _ => None,
        })
    };
    let name = move || {
        super::name_or_own(
            signals,
            signed.with(|s| s.as_ref().map(|(name, _)| name.clone())),
        )
    };
    let number = move || signed.with(|s| s.as_ref().map(|(_, number)| number.clone()));
    let label_title = title.clone();
    view! {
        <div class="ticket" data-testid="ticket">
            <QrImage text=text.clone() label=Signal::derive(move || format!("{} — {}", t_string!(i18n, event.ticket), label_title)) testid="ticket-qr" />
            <div class="ticket-stub">
                <p class="ticket-event" data-testid="ticket-event">{title}</p>
                <p class="ticket-when">
                    {move || time::format_range(starts, ends, None, i18n.get_locale())}
                    {(!place.is_empty()).then(|| view! { <span class="ticket-place">" · "{place.clone()}</span> })}
                </p>
                <p class="ticket-name" data-testid="ticket-name">{name}</p>
                {move || number().map(|n| view! {
                    <p class="ticket-number">
                        <span class="muted">{t_string!(i18n, event.ticket_number)}" "</span>
                        <span class="ticket-number-value" data-testid="ticket-number">{n}</span>
                    </p>
                })}
            </div>
            <p class="field-hint">{move || t_string!(i18n, event.ticket_hint)}</p>
            <details class="ticket-text">
                <summary>{move || t_string!(i18n, event.ticket_text)}</summary>
                <code data-testid="ticket-text">{text}</code>
            </details>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn ticket_numbers_are_short_and_read_aloud_easily() {
        assert_eq!(
            short_number("3fa85f6457174562b3fc2c963f66afa6"),
            "3FA8-5F64"
        );
        assert_eq!(short_number("ab"), "AB");
        assert_eq!(short_number(""), "");
        assert_eq!(
            short_number("t-12345678"),
            "T123-4567",
            "punctuation skipped"
        );
    }
}
