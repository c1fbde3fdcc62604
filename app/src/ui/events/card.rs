//! My ID card (`/card`): the relay's signed alumni ID card as a QR code, with the name and years
//! at the company, for staff at a venue to check offline. It is read from the passes document on
//! this device, so it opens with no signal.

use leptos::prelude::*;
use leptos_router::components::A;

use super::use_client;
use crate::i18n::*;
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
        profile
            .with(|p| p.as_ref().map(|p| p.name.clone()))
            .filter(|n| !n.trim().is_empty())
            .or_else(|| {
                signals
                    .me
                    .with(|m| m.as_ref().map(|m| m.display_name.clone()))
            })
            .unwrap_or_default()
    };
    let reading =
        move || profile.with(|p| p.as_ref().map(|p| p.reading.clone()).unwrap_or_default());
    let years = move || {
        profile
            .with(|p| p.as_ref().and_then(tenure))
            .unwrap_or_default()
    };
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
                    <div class="card id-card" data-testid="id-card">
                        <div class="id-card-band">
                            <span class="brand-mark" aria-hidden="true">"つ"</span>
                            <span class="id-card-org">{organisation}</span>
                            <span class="id-card-kind">{move || t_string!(i18n, card.kind)}</span>
                        </div>
                        <div class="id-card-body">
                            <p class="id-card-name" data-testid="id-card-name">{name}</p>
                            <p class="id-card-reading">{reading}</p>
                            {move || {
                                let y = years();
                                (!y.is_empty()).then(|| view! {
                                    <p class="id-card-years" data-testid="id-card-years">
                                        <span class="muted">{t_string!(i18n, card.years)}" "</span>{y}
                                    </p>
                                })
                            }}
                            <QrImage text=text.clone() label=Signal::derive(move || t_string!(i18n, card.qr_label).to_owned()) testid="id-card-qr" />
                            <p class="field-hint">{move || t_string!(i18n, card.hint)}</p>
                        </div>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
