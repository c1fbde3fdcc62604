//! The directory: every readable profile on this device, searched offline with
//! [`tsunagu_core::search`] (names in any script, skills, employers, departments), filtered by the
//! year people left and how they want to stay involved.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::profile::Interest;
use tsunagu_core::search::{Query, search};
use tsunagu_core::vocab::Role;

use super::avatar::Avatar;
use super::text::{current_role, interest_label, tenure};
use super::{icons, use_client};
use crate::i18n::*;
use crate::state::{Entry, Link};

/// The search survives visiting a profile and coming back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SearchState {
    text: RwSignal<String>,
    left_from: RwSignal<Option<u16>>,
    left_to: RwSignal<Option<u16>>,
    interests: RwSignal<Vec<Interest>>,
}

pub(crate) fn provide_search_state() {
    provide_context(SearchState {
        text: RwSignal::new(String::new()),
        left_from: RwSignal::new(None),
        left_to: RwSignal::new(None),
        interests: RwSignal::new(Vec::new()),
    });
}

#[component]
pub(crate) fn DirectoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let state = expect_context::<SearchState>();
    let SearchState {
        text,
        left_from,
        left_to,
        interests,
    } = state;

    let results = Memo::new(move |_| {
        let query = Query {
            text: text.get(),
            left_from: left_from.get(),
            left_to: left_to.get(),
            interests: interests.get(),
        };
        // A card with nothing beyond a name waits until it has more (admins see every card,
        // and one's own is always there).
        let (mine, admin) = signals.me.with(|me| {
            me.as_ref().map_or((None, false), |me| {
                (Some(me.profile_doc), me.roles.contains(&Role::Admin))
            })
        });
        signals.directory.with(|entries| {
            search(&query, entries)
                .into_iter()
                .filter(|(doc, profile, _)| {
                    admin || Some(*doc) == mine || profile.ready_for_directory()
                })
                .cloned()
                .collect::<Vec<Entry>>()
        })
    });
    let years = Memo::new(move |_| {
        let mut years: Vec<u16> = signals.directory.with(|entries| {
            entries
                .iter()
                .filter_map(|(_, p, _)| p.left_year())
                .collect()
        });
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        years
    });
    let filtered =
        move || left_from.get().is_some() || left_to.get().is_some() || !interests.get().is_empty();
    let clear = move |_| {
        left_from.set(None);
        left_to.set(None);
        interests.set(Vec::new());
        text.set(String::new());
    };
    let expected = move || {
        signals
            .me
            .with(|me| me.as_ref().map_or(0, |m| m.directory.len()))
    };

    view! {
        <section class="directory" aria-labelledby="directory-title">
            <h1 id="directory-title" class="page-title">{move || t_string!(i18n, directory.title)}</h1>
            <div class="search-box">
                <label class="visually-hidden" for="directory-search">{move || t_string!(i18n, directory.search_label)}</label>
                <icons::Search />
                <input
                    id="directory-search"
                    class="search-input"
                    type="search"
                    autocomplete="off"
                    enterkeyhint="search"
                    data-testid="directory-search"
                    placeholder=move || t_string!(i18n, directory.search_hint)
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                />
            </div>
            <div class="filters" role="group" aria-label=move || t_string!(i18n, directory.filters)>
                <div class="filter-row">
                    <span class="filter-label">{move || t_string!(i18n, directory.left_between)}</span>
                    <YearSelect value=left_from years=years testid="filter-left-from" label=Signal::derive(move || t_string!(i18n, directory.from)) />
                    <span class="filter-dash" aria-hidden="true">"–"</span>
                    <YearSelect value=left_to years=years testid="filter-left-to" label=Signal::derive(move || t_string!(i18n, directory.to)) />
                </div>
                <div class="filter-row filter-chips" role="group" aria-label=move || t_string!(i18n, directory.interests)>
                    {Interest::ALL
                        .into_iter()
                        .map(|interest| {
                            let on = move || interests.with(|list| list.contains(&interest));
                            view! {
                                <label class="chip chip-toggle" class:chip-on=on data-testid=format!("filter-interest-{}", interest.key())>
                                    <input
                                        type="checkbox"
                                        class="visually-hidden"
                                        prop:checked=on
                                        on:change=move |ev| {
                                            let checked = event_target_checked(&ev);
                                            interests.update(|list| {
                                                list.retain(|i| *i != interest);
                                                if checked {
                                                    list.push(interest);
                                                }
                                            });
                                        }
                                    />
                                    {move || interest_label(i18n.get_locale(), interest)}
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </div>
            <div class="results-bar">
                <p class="result-count" data-testid="result-count" data-count=move || results.with(Vec::len).to_string() aria-live="polite">
                    {t!(i18n, directory.count, count = move || results.with(Vec::len))}
                </p>
                <Show when=move || filtered() || !text.get().is_empty()>
                    <button type="button" class="button-link" on:click=clear data-testid="filter-clear">
                        {move || t_string!(i18n, directory.clear)}
                    </button>
                </Show>
            </div>
            <Show when=move || signals.link.get() == Link::Offline>
                <p class="note" data-testid="offline-note">{move || t_string!(i18n, directory.offline_note)}</p>
            </Show>
            {move || {
                if signals.directory.with(Vec::is_empty) {
                    let text = if expected() > 0 { t_string!(i18n, directory.loading) } else { t_string!(i18n, directory.empty) };
                    return view! { <p class="empty" data-testid="directory-empty">{text}</p> }.into_any();
                }
                if results.with(Vec::is_empty) {
                    return view! { <p class="empty" data-testid="directory-empty">{t_string!(i18n, directory.empty)}</p> }.into_any();
                }
                view! {
                    <ul class="cards" data-testid="result-list">
                        {results.get().into_iter().map(|entry| view! { <PersonCard entry=entry /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn YearSelect(
    value: RwSignal<Option<u16>>,
    years: Memo<Vec<u16>>,
    testid: &'static str,
    label: Signal<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select
            class="select"
            data-testid=testid
            aria-label=move || label.get()
            on:change=move |ev| value.set(event_target_value(&ev).parse().ok())
            prop:value=move || value.get().map(|y| y.to_string()).unwrap_or_default()
        >
            <option value="">{move || t_string!(i18n, directory.any_year)}</option>
            {move || {
                years
                    .get()
                    .into_iter()
                    .map(|y| view! { <option value=y.to_string() selected=move || value.get() == Some(y)>{y}</option> })
                    .collect_view()
            }}
        </select>
    }
}

#[component]
fn PersonCard(entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let (doc, profile, _) = entry;
    let mine = use_client()
        .signals
        .me
        .with_untracked(|me| me.as_ref().is_some_and(|m| m.profile_doc == doc));
    let href = format!("/people/{doc}");
    let role = {
        let profile = profile.clone();
        move || current_role(i18n.get_locale(), &profile)
    };
    let meta: Vec<String> = [
        tenure(&profile),
        Some(profile.location.clone()).filter(|l| !l.trim().is_empty()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let skills: Vec<String> = profile.skills.iter().take(4).cloned().collect();
    let more = profile.skills.len().saturating_sub(4);
    view! {
        <li>
            <A href=href attr:class="card person-card" attr:data-testid="person-card" attr:data-doc=doc.to_string()>
                <Avatar doc name=profile.name.clone() photo=profile.photo.clone() />
                <span class="card-body">
                    <span class="card-name">
                        <span data-testid="person-card-name">{profile.name.clone()}</span>
                        {(!profile.reading.is_empty()).then(|| view! { <span class="card-reading">{profile.reading.clone()}</span> })}
                        {mine.then(|| view! { <span class="badge">{move || t_string!(i18n, person.you)}</span> })}
                    </span>
                    <span class="card-role">{role}</span>
                    {(!meta.is_empty()).then(|| view! { <span class="card-meta">{meta.join(" · ")}</span> })}
                    {(!skills.is_empty()).then(|| view! {
                        <span class="chips">
                            {skills.into_iter().map(|s| view! { <span class="chip">{s}</span> }).collect_view()}
                            {(more > 0).then(|| view! { <span class="chip chip-more">{format!("+{more}")}</span> })}
                        </span>
                    })}
                </span>
            </A>
        </li>
    }
}
