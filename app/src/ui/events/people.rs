//! Choosing people for an event in the editor: staff and invited members come from the
//! directory on this device (stored by user id), hosts are names as attendees should read them.

use leptos::prelude::*;
use tsunagu_core::search::{Query, search};

use super::editor::Form;
use super::use_client;
use crate::i18n::*;
use crate::ui::icons;

/// Suggestions shown under the search at most.
const SUGGESTIONS: usize = 6;

/// Which list of members a picker edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Which {
    Staff,
    Invited,
}

impl Which {
    fn list(self, form: &Form) -> &Vec<String> {
        match self {
            Which::Staff => &form.staff,
            Which::Invited => &form.invited,
        }
    }

    fn list_mut(self, form: &mut Form) -> &mut Vec<String> {
        match self {
            Which::Staff => &mut form.staff,
            Which::Invited => &mut form.invited,
        }
    }

    fn key(self) -> &'static str {
        match self {
            Which::Staff => "staff",
            Which::Invited => "invited",
        }
    }
}

/// Members chosen from the directory, shown by name, removable; a search adds more.
#[component]
pub(super) fn PeoplePicker(form: RwSignal<Form>, which: Which) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let query = RwSignal::new(String::new());
    let name_of = move |user: &str| {
        signals.directory.with(|d| {
            d.iter()
                .find(|(_, p, _)| p.owner == user)
                .map(|(_, p, _)| p.name.clone())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| user.to_owned())
        })
    };
    let suggestions = Memo::new(move |_| {
        let text = query.get();
        if text.trim().is_empty() {
            return Vec::new();
        }
        let chosen = form.with(|f| which.list(f).clone());
        signals.directory.with(|entries| {
            search(
                &Query {
                    text,
                    ..Query::default()
                },
                entries,
            )
            .into_iter()
            .filter(|(_, p, _)| !p.owner.is_empty() && !chosen.contains(&p.owner))
            .take(SUGGESTIONS)
            .map(|(_, p, _)| (p.owner.clone(), p.name.clone(), p.reading.clone()))
            .collect::<Vec<_>>()
        })
    });
    let (label, hint) = match which {
        Which::Staff => (
            Signal::derive(move || t_string!(i18n, edit_event.staff)),
            Signal::derive(move || t_string!(i18n, edit_event.staff_hint)),
        ),
        Which::Invited => (
            Signal::derive(move || t_string!(i18n, edit_event.invited)),
            Signal::derive(move || t_string!(i18n, edit_event.invited_hint)),
        ),
    };
    let id = format!("event-{}-search", which.key());
    view! {
        <div class="field people-picker" data-testid=format!("event-{}", which.key())>
            <label class="field-label" for=id.clone()>{move || label.get()}</label>
            <p class="field-hint">{move || hint.get()}</p>
            <ul class="chips">
                {move || form.with(|f| which.list(f).clone()).into_iter().map(|user| {
                    let name = name_of(&user);
                    let remove = {
                        let user = user.clone();
                        move |_| form.update(|f| which.list_mut(f).retain(|u| *u != user))
                    };
                    view! {
                        <li class="chip chip-removable" data-testid="picked-person">
                            {name.clone()}
                            <button type="button" class="chip-remove" on:click=remove
                                aria-label=move || format!("{} {}", t_string!(i18n, edit_event.remove), name)>
                                <icons::Close />
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <input class="input" type="search" id=id autocomplete="off" data-testid=format!("event-{}-search", which.key())
                placeholder=move || t_string!(i18n, edit_event.find_person)
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="people-suggestions">
                {move || suggestions.get().into_iter().map(|(user, name, reading)| {
                    let add = move |_| {
                        let user = user.clone();
                        form.update(|f| {
                            let list = which.list_mut(f);
                            if !list.contains(&user) {
                                list.push(user);
                            }
                        });
                        query.set(String::new());
                    };
                    view! {
                        <li>
                            <button type="button" class="button button-small button-quiet people-add" data-testid="person-suggestion" on:click=add>
                                "+ " {name} " " <span class="muted">{reading}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Hosts as attendees should read them (a name, a team, a partner company).
#[component]
pub(super) fn HostsField(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    let entry = RwSignal::new(String::new());
    let add = move || {
        let text = entry.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        form.update(|f| {
            if !f.hosts.contains(&text) {
                f.hosts.push(text);
            }
        });
        entry.set(String::new());
    };
    view! {
        <div class="field tag-field" data-testid="event-hosts-field">
            <label class="field-label" for="event-hosts-entry">{move || t_string!(i18n, edit_event.hosts)}</label>
            <ul class="chips">
                {move || form.with(|f| f.hosts.clone()).into_iter().map(|host| {
                    let remove = {
                        let host = host.clone();
                        move |_| form.update(|f| f.hosts.retain(|h| *h != host))
                    };
                    view! {
                        <li class="chip chip-removable">
                            {host.clone()}
                            <button type="button" class="chip-remove" on:click=remove
                                aria-label=move || format!("{} {}", t_string!(i18n, edit_event.remove), host)>
                                <icons::Close />
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="tag-entry-row">
                <input class="input" id="event-hosts-entry" data-testid="event-hosts-entry"
                    placeholder=move || t_string!(i18n, edit_event.hosts_hint)
                    prop:value=move || entry.get()
                    on:input=move |ev| entry.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            add();
                        }
                    } />
                <button type="button" class="button" data-testid="event-hosts-add" on:click=move |_| add()>{move || t_string!(i18n, edit_event.add)}</button>
            </div>
        </div>
    }
}
