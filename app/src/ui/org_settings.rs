//! The organisation's default field visibility, which admins set: whom each profile field is
//! shown to until its owner chooses. It lives in the organisation's document, so it syncs like
//! any other edit (offline too) and the relay refuses it from anyone but an admin.

use leptos::prelude::*;
use tsunagu_core::profile::Visibility;
use tsunagu_core::vocab::{Audience, Field};

use super::fields::audience_label;
use super::use_client;
use crate::i18n::*;

pub(crate) fn field_label(locale: Locale, field: Field) -> &'static str {
    match field {
        Field::Positions => td_string!(locale, edit.positions),
        Field::Employer => td_string!(locale, edit.employer),
        Field::Title => td_string!(locale, edit.job_title),
        Field::Location => td_string!(locale, edit.location),
        Field::Skills => td_string!(locale, edit.skills),
        Field::Certifications => td_string!(locale, edit.certifications),
        Field::Bio => td_string!(locale, edit.bio),
        Field::Links => td_string!(locale, edit.links),
        Field::Interests => td_string!(locale, edit.interests),
    }
}

#[component]
pub(crate) fn DefaultVisibility() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let defaults = RwSignal::new(client.default_visibility());
    let saved = RwSignal::new(false);
    // The organisation's document may arrive (or change) after the page opened.
    Effect::new(move |_| {
        client.signals.docs_version.track();
        let current = client.default_visibility();
        if defaults.with_untracked(|d| *d != current) {
            defaults.set(current);
        }
    });
    let choose = move |field: Field, audience: Audience| {
        defaults.update(|d| {
            d.0.insert(field.key().to_owned(), audience);
        });
        saved.set(
            client
                .save_default_visibility(&defaults.get_untracked())
                .is_ok(),
        );
    };
    view! {
        <section class="card section" data-testid="default-visibility">
            <h2 class="section-title">{move || t_string!(i18n, visibility.defaults.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, visibility.defaults.lead)}</p>
            <table class="settings-table">
                <tbody>
                    {Field::ALL.into_iter().map(|field| view! {
                        <tr>
                            <th scope="row">{move || field_label(i18n.get_locale(), field)}</th>
                            <td>
                                <select class="select" data-testid=format!("default-visibility-{}", field.key())
                                    aria-label=move || field_label(i18n.get_locale(), field)
                                    on:change=move |ev| {
                                        if let Some(a) = Audience::from_key(&event_target_value(&ev)) {
                                            choose(field, a);
                                        }
                                    }>
                                    {Audience::ALL.into_iter().map(|audience| view! {
                                        <option value=audience.key()
                                            selected=move || defaults.with(|d| d.of(field, &Visibility::default()) == audience)>
                                            {move || audience_label(i18n.get_locale(), audience)}
                                        </option>
                                    }).collect_view()}
                                </select>
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || saved.get()>
                <p class="field-hint" role="status">{move || t_string!(i18n, visibility.defaults.saved)}</p>
            </Show>
        </section>
    }
}
