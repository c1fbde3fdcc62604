//! My ID card (`/card`): the relay's signed alumni ID card as a QR code, with the name, years at
//! the company and membership it vouches for, for staff at a venue to check offline. It is read
//! from the passes document on this device and judged as a venue's staff would
//! ([`tsunagu_core::pass::judge_card`], with the organisation's keys and revoked cards from its
//! document), so it opens with no signal, shows only what the signature covers, and says so
//! when the card on this device is no longer good.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::pass::{Card, CardVerdict, judge_card};
use tsunagu_core::vocab::Role;

use super::{pass_trust, use_client};
use crate::i18n::*;
use crate::runtime::now;
use crate::state::Link;
use crate::ui::icons;
use crate::ui::qr::QrImage;
use crate::ui::text::tenure;

#[component]
pub(crate) fn IdCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let card = move || signals.passes.with(|p| p.card.clone()).trim().to_owned();
    // The profile is re-read when documents change (its name or HR's years may be corrected).
    let profile = Memo::new(move |_| {
        signals.docs_version.track();
        client.my_profile()
    });
    let name = move || {
        super::name_or_own(
            signals,
            profile.with(|p| p.as_ref().map(|p| p.name.clone())),
        )
    };
    let reading =
        move || profile.with(|p| p.as_ref().map(|p| p.reading.clone()).unwrap_or_default());
    let years = move || {
        profile
            .with(|p| p.as_ref().and_then(tenure))
            .unwrap_or_default()
    };
    // What staff would make of it now.
    let verdict = Memo::new(move |_| {
        let trust = pass_trust(signals);
        judge_card(&card(), &trust.keys, now(), &trust.revoked_cards)
    });
    // What the card itself says, if the organisation's keys verify it.
    let signed = move || -> Option<Card> {
        match verdict.get() {
            CardVerdict::Valid(card)
            | CardVerdict::Revoked(card)
            | CardVerdict::Expired(card)
            | CardVerdict::NotYetValid(card) => Some(card),
            CardVerdict::Forged | CardVerdict::Unreadable => None,
        }
    };
    let revoked = move || matches!(verdict.get(), CardVerdict::Revoked(_));
    let organisation = move || {
        signals.me.with(|m| {
            m.as_ref()
                .map(|m| m.organisation.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="id-card-page" data-testid="id-card-page">
            <A href="/events" attr:class="back-link"><icons::Back /><span>{move || t_string!(i18n, event.back)}</span></A>
            <h1 class="page-title">{move || t_string!(i18n, card.title)}</h1>
            <p class="page-lead">{move || t_string!(i18n, card.lead)}</p>
            {move || {
                let text = card();
                if text.is_empty() {
                    let note = if signals.link.get() == Link::Offline { t_string!(i18n, card.missing_offline) } else { t_string!(i18n, card.missing) };
                    return view! { <p class="empty" data-testid="id-card-missing">{note}</p> }.into_any();
                }
                view! {
                    <Show when=revoked>
                        <p class="form-error" role="status" data-testid="id-card-revoked">{move || t_string!(i18n, card.revoked)}</p>
                    </Show>
                    <div class="card id-card" data-testid="id-card">
                        <div class="id-card-band">
                            <span class="brand-mark" aria-hidden="true">"つ"</span>
                            <span class="id-card-org">{organisation}</span>
                            <span class="id-card-kind">{move || t_string!(i18n, card.kind)}</span>
                        </div>
                        <div class="id-card-body">
                            <p class="id-card-name" data-testid="id-card-name">{move || signed().map(|c| c.name).filter(|n| !n.is_empty()).unwrap_or_else(name)}</p>
                            <p class="id-card-reading">{reading}</p>
                            {move || {
                                let y = signed().and_then(|c| card_years(&c.joined, &c.left)).unwrap_or_else(years);
                                (!y.is_empty()).then(|| view! {
                                    <p class="id-card-years" data-testid="id-card-years">
                                        <span class="muted">{t_string!(i18n, card.years)}" "</span>{y}
                                    </p>
                                })
                            }}
                            {move || signed().map(|c| {
                                let role = Role::from_key(&c.status);
                                let until = c.not_after;
                                view! {
                                    <p class="id-card-status" data-testid="id-card-status">
                                        {role.map(|r| view! { <span class="status status-standing-confirmed">{move || crate::ui::role_name(i18n.get_locale(), r)}</span> })}
                                        " "
                                        <span class="muted">{move || t_string!(i18n, card.valid_until).replace("%s", &crate::ui::time::format(until, None, i18n.get_locale(), crate::ui::time::Style::Day))}</span>
                                    </p>
                                }
                            })}
                            <QrImage text=text.clone() label=Signal::derive(move || t_string!(i18n, card.qr_label).to_owned()) testid="id-card-qr" />
                            <p class="field-hint">{move || t_string!(i18n, card.hint)}</p>
                        </div>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// `2012–2019` from the card's `YYYY-MM` months (`2012–` for someone still at the company).
fn card_years(joined: &str, left: &str) -> Option<String> {
    fn year(month: &str) -> Option<&str> {
        month
            .get(..4)
            .filter(|y| y.chars().all(|c| c.is_ascii_digit()))
    }
    match (year(joined), year(left)) {
        (Some(from), Some(to)) => Some(format!("{from}–{to}")),
        (Some(from), None) => Some(format!("{from}–")),
        (None, Some(to)) => Some(format!("–{to}")),
        (None, None) => None,
    }
}
