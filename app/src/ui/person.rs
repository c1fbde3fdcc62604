//! A person's profile page, `/people/<document id>`, read from the copy on this device.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Interest, Profile};

use super::text::{current_role, hue, initial, interest_label, safe_url, tenure};
use super::{icons, use_client};
use crate::i18n::*;

#[component]
pub(crate) fn PersonPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let params = use_params_map();
    let doc = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|id| id.parse::<DocumentId>().ok())
    });
    let found = Memo::new(move |_| {
        let doc = doc.get()?;
        signals.directory.with(|entries| {
            entries
                .iter()
                .find(|(d, _, _)| *d == doc)
                .map(|(d, p, _)| (*d, p.clone()))
        })
    });
    view! {
        <article class="person" data-testid="person-page">
            <A href="/" attr:class="back-link" attr:data-testid="person-back">
                <icons::Back />
                <span>{move || t_string!(i18n, person.back)}</span>
            </A>
            {move || match found.get() {
                Some((doc, profile)) => view! { <PersonDetails doc=doc profile=profile /> }.into_any(),
                None => view! { <p class="empty" data-testid="person-not-found">{move || t_string!(i18n, person.not_found)}</p> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn PersonDetails(doc: DocumentId, profile: Profile) -> impl IntoView {
    let i18n = use_i18n();
    let mine = use_client()
        .signals
        .me
        .with_untracked(|me| me.as_ref().is_some_and(|m| m.profile_doc == doc));
    let role = {
        let profile = profile.clone();
        move || current_role(i18n.get_locale(), &profile)
    };
    let interests: Vec<Interest> = Interest::ALL
        .into_iter()
        .filter(|i| profile.has_interest(*i))
        .collect();
    let positions: Vec<_> = profile
        .positions
        .iter()
        .filter(|p| !(p.department.trim().is_empty() && p.role.trim().is_empty()))
        .cloned()
        .collect();
    let links: Vec<_> = profile
        .links
        .iter()
        .filter(|l| !l.url.trim().is_empty())
        .cloned()
        .collect();
    view! {
        <header class="person-header card">
            <span class="avatar avatar-large" style=format!("--hue: {}", hue(&doc)) aria-hidden="true">{initial(&profile)}</span>
            <div class="person-heading">
                <h1 class="person-name" data-testid="person-name">{profile.name.clone()}</h1>
                <p class="person-reading">
                    {profile.reading.clone()}
                    {(!profile.romaji.is_empty()).then(|| view! { <span class="person-romaji">{profile.romaji.clone()}</span> })}
                </p>
                <p class="person-role" data-testid="person-role">{role}</p>
                <dl class="facts">
                    {tenure(&profile).map(|t| view! {
                        <div class="fact">
                            <dt>{move || t_string!(i18n, person.tenure)}</dt>
                            <dd>{t}{profile.left.is_empty().then(|| view! { " "<span class="muted">{move || t_string!(i18n, person.current_employee)}</span> })}</dd>
                        </div>
                    })}
                    {(!profile.location.trim().is_empty()).then(|| view! {
                        <div class="fact">
                            <dt>{move || t_string!(i18n, person.location)}</dt>
                            <dd>{profile.location.clone()}</dd>
                        </div>
                    })}
                </dl>
                {mine.then(|| view! {
                    <A href="/me" attr:class="button button-small" attr:data-testid="person-edit">{move || t_string!(i18n, person.edit)}</A>
                })}
            </div>
        </header>
        {(!interests.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.interests)}</h2>
                <ul class="chips">
                    {interests.into_iter().map(|i| view! { <li class="chip chip-accent">{move || interest_label(i18n.get_locale(), i)}</li> }).collect_view()}
                </ul>
            </section>
        })}
        {(!profile.bio.trim().is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.bio)}</h2>
                <p class="bio">{profile.bio.clone()}</p>
            </section>
        })}
        {(!positions.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.positions)}</h2>
                <ul class="timeline">
                    {positions.into_iter().map(|p| view! {
                        <li><span class="timeline-dept">{p.department}</span>" "<span class="muted">{p.role}</span></li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        <ChipSection title=Signal::derive(move || t_string!(i18n, person.skills)) items=profile.skills.clone() testid="person-skills" />
        <ChipSection title=Signal::derive(move || t_string!(i18n, person.certifications)) items=profile.certifications.clone() testid="person-certifications" />
        {(!links.is_empty()).then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, person.links)}</h2>
                <ul class="links">
                    {links.into_iter().map(|l| {
                        let label = if l.label.trim().is_empty() { l.url.clone() } else { l.label.clone() };
                        match safe_url(&l.url) {
                            Some(url) => view! { <li><a href=url.to_owned() target="_blank" rel="noopener noreferrer">{label}</a></li> }.into_any(),
                            None => view! { <li>{label}" "<span class="muted">{l.url.clone()}</span></li> }.into_any(),
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn ChipSection(
    title: Signal<&'static str>,
    items: Vec<String>,
    testid: &'static str,
) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <section class="card section" data-testid=testid>
                <h2 class="section-title">{move || title.get()}</h2>
                <ul class="chips">{items.into_iter().map(|s| view! { <li class="chip">{s}</li> }).collect_view()}</ul>
            </section>
        }
    })
}
