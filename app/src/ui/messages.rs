//! Messages: the list of conversations (`/messages`) and one conversation (`/messages/<id>`),
//! both read from the copies on this device, so they open offline; a message written offline
//! shows "sending" until the relay has it. The nav's icon and unread badge live in the main
//! module; the screens in the messages chunk ([`super::lazy`]).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use tsunagu_core::api::{MAX_CONVERSATION_NAME_CHARS, NewConversation};
use tsunagu_core::conversation::{Message, find, read_by};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::photo::PHOTOS_PER_MESSAGE;
use tsunagu_core::search::{Query, search};
use tsunagu_core::vocab::Role;

use super::avatar::{Avatar, name_of, photo_of, remember};
use super::photos::{Fit, Photo, Picked, release, shrink};
use super::time::{Style, format};
use super::{error_text, icons, use_client};
use crate::i18n::*;
use crate::runtime::ConversationEntry;
use crate::state::Signals;

/// How often "typing…" is sent while the person types.
const TYPING_EVERY_MS: i64 = 3000;

/// The emoji a member reacts with, one tap each.
const REACTIONS: [&str; 5] = ["👍", "❤️", "😂", "🙏", "🎉"];

/// The unread messages over every conversation, for the tab.
fn total_unread(signals: Signals) -> usize {
    let me = signals
        .me
        .with(|me| me.as_ref().map(|m| m.user_id.clone()))
        .unwrap_or_default();
    signals
        .conversations
        .with(|all| all.iter().map(|c| c.unread(&me)).sum())
}

/// The nav entry's badge: unread messages.
#[component]
pub(crate) fn MessagesBadge() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let count = Memo::new(move |_| total_unread(signals));
    view! {
        <super::TabBadge count=count label=Signal::derive(move || t_string!(i18n, messages.unread_badge)) testid="messages-badge" />
    }
}

/// The nav entry's icon: a speech bubble.
#[component]
pub(crate) fn MessagesIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d="M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.5 4v-4h0A1.5 1.5 0 0 1 4 14.5z" />
        </svg>
    }
}

/// What a conversation is called: a group's name, or the other member's.
fn title(signals: Signals, entry: &ConversationEntry, me: &str, locale: Locale) -> String {
    if !entry.conversation.name.is_empty() {
        return entry.conversation.name.clone();
    }
    let others: Vec<String> = entry
        .conversation
        .members
        .keys()
        .filter(|m| *m != me)
        .map(|m| {
            name_of(signals, m).map_or_else(
                || td_string!(locale, messages.someone).to_owned(),
                |(_, n)| n,
            )
        })
        .collect();
    if others.is_empty() {
        td_string!(locale, messages.untitled).to_owned()
    } else {
        others.join("、")
    }
}

fn my_id(signals: Signals) -> String {
    signals
        .me
        .with(|me| me.as_ref().map(|m| m.user_id.clone()))
        .unwrap_or_default()
}

/// What a message says in its bubble: its text, or that it was unsent or hidden.
fn shown_text(message: &Message, locale: Locale) -> String {
    if message.hidden {
        td_string!(locale, messages.hidden).to_owned()
    } else if message.unsent {
        td_string!(locale, messages.unsent).to_owned()
    } else {
        message.text.clone()
    }
}

/// A message as one line in the list: its first line, that it is a photo, or that it was
/// unsent or hidden.
fn preview(message: &Message, locale: Locale) -> String {
    if message.unsent || message.hidden {
        shown_text(message, locale)
    } else if message.text.trim().is_empty() && !message.photos.is_empty() {
        format!("📷 {}", td_string!(locale, messages.photo))
    } else {
        message.text.lines().next().unwrap_or_default().to_owned()
    }
}

/// `/messages`: every conversation, the most recently active first, and a search over the
/// messages on this device.
#[component]
pub(crate) fn ConversationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let me = Memo::new(move |_| my_id(signals));
    let query = RwSignal::new(String::new());
    view! {
        <section class="messages" data-testid="conversations">
            <div class="page-head">
                <h1 class="page-title">{move || t_string!(i18n, messages.title)}</h1>
                <A href="/messages/new" attr:class="button button-small" attr:data-testid="new-group">{move || t_string!(i18n, messages.new_group)}</A>
            </div>
            <Show when=move || signals.conversations.with(|c| !c.is_empty())>
                <input
                    type="search"
                    class="input"
                    data-testid="messages-search"
                    aria-label=move || t_string!(i18n, messages.search)
                    placeholder=move || t_string!(i18n, messages.search)
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </Show>
            {move || {
                if query.with(|q| q.trim().is_empty()) {
                    return view! { <ConversationList me=me /> }.into_any();
                }
                view! { <SearchResults me=me query=query /> }.into_any()
            }}
            <PushSettings />
        </section>
    }
}

/// Notifications on this device when the app is closed: on or off, and whether they show what
/// a message says or only that one came.
#[component]
fn PushSettings() -> impl IntoView {
    use crate::push::{self, PushState};
    let i18n = use_i18n();
    let state = LocalResource::new(push::state);
    let preview = RwSignal::new(push::preview());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<&'static str>);
    let run = move |on: bool| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = if on {
                push::enable(preview.get_untracked()).await
            } else {
                push::disable().await
            };
            match result {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
            }
            state.refetch();
            busy.set(false);
        });
    };
    let set_preview = move |ev| {
        let on = event_target_checked(&ev);
        preview.set(on);
        if state.get() == Some(PushState::On) {
            run(true);
        }
    };
    view! {
        <section class="card section push-settings" data-testid="push-settings">
            <h2 class="section-title">{move || t_string!(i18n, messages.push_title)}</h2>
            {move || match state.get() {
                None => None,
                Some(PushState::Unsupported) => Some(view! { <p class="muted" data-testid="push-state" data-state="unsupported">{move || t_string!(i18n, messages.push_unsupported)}</p> }.into_any()),
                Some(PushState::Denied) => Some(view! { <p class="muted" data-testid="push-state" data-state="denied">{move || t_string!(i18n, messages.push_denied)}</p> }.into_any()),
                Some(on_or_off) => {
                    let on = on_or_off == PushState::On;
                    Some(view! {
                        <p class="muted" data-testid="push-state" data-state=if on { "on" } else { "off" }>
                            {move || if on { t_string!(i18n, messages.push_on) } else { t_string!(i18n, messages.push_off) }}
                        </p>
                        <label class="switch-row">
                            <input type="checkbox" class="switch" data-testid="push-preview" prop:checked=move || preview.get() on:change=set_preview />
                            <span><span class="switch-label">{move || t_string!(i18n, messages.push_preview)}</span></span>
                        </label>
                        <button type="button" class="button button-small" class:button-primary=!on data-testid="push-toggle"
                            disabled=move || busy.get() on:click=move |_| run(!on)>
                            {move || if on { t_string!(i18n, messages.push_disable) } else { t_string!(i18n, messages.push_enable) }}
                        </button>
                    }.into_any())
                }
            }}
            {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
        </section>
    }
}

#[component]
fn ConversationList(me: Memo<String>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    view! {
        <Show
            when=move || signals.conversations.with(|c| !c.is_empty())
            fallback=move || view! {
                <div class="empty card" data-testid="conversations-empty">
                    <p>{move || t_string!(i18n, messages.empty)}</p>
                    <A href="/" attr:class="button">{move || t_string!(i18n, messages.find_people)}</A>
                </div>
            }
        >
            <ul class="conversation-list card">
                {move || signals.conversations.get().into_iter().map(|entry| {
                    let doc = entry.doc;
                    let locale = i18n.get_locale();
                    let name = title(signals, &entry, &me.get(), locale);
                    let unread = entry.unread(&me.get());
                    let last = entry.messages.last().cloned();
                    // A one-to-one conversation shows the other member's face; a group, its name's.
                    let photo = other(Some(&entry), &me.get())
                        .and_then(|user| photo_of(signals, &user))
                        .unwrap_or_default();
                    view! {
                        <li>
                            <a class="conversation-row" href=format!("/messages/{doc}") data-testid="conversation-row" data-unread=unread>
                                <Avatar doc name=name.clone() photo />
                                <span class="conversation-text">
                                    <span class="conversation-name" data-testid="conversation-name">
                                        {name.clone()}
                                        {entry.conversation.official.then(|| view! { <span class="badge badge-official">{move || t_string!(i18n, messages.official)}</span> })}
                                    </span>
                                    <span class="conversation-preview muted">{last.as_ref().map(|m| preview(m, locale))}</span>
                                </span>
                                <span class="conversation-meta">
                                    <span class="muted conversation-time">{last.map(|m| format(m.at / 1000, None, locale, Style::Short))}</span>
                                    {(unread > 0).then(|| view! { <span class="unread-count" data-testid="conversation-unread">{unread}</span> })}
                                </span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

/// Messages on this device that match the query, newest first, each with its conversation.
#[component]
fn SearchResults(me: Memo<String>, query: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let hits = Memo::new(move |_| {
        let q = query.get();
        let mut hits: Vec<(ConversationEntry, Message)> = signals.conversations.with(|all| {
            all.iter()
                .flat_map(|c| find(&c.messages, &q).map(move |m| (c.clone(), m.clone())))
                .collect()
        });
        hits.sort_by_key(|(_, m)| std::cmp::Reverse(m.at));
        hits
    });
    // Older pages stay on the relay until asked for: the search says so and offers them.
    let older_elsewhere = Memo::new(move |_| {
        signals
            .conversations
            .with(|all| all.iter().any(|c| c.older.is_some()))
    });
    let client = use_client();
    view! {
        <p class="result-count muted" data-testid="messages-search-count" data-count=move || hits.with(Vec::len).to_string() aria-live="polite">
            {move || t_string!(i18n, messages.search_count).replace("%n", &hits.with(Vec::len).to_string())}
        </p>
        <Show when=move || older_elsewhere.get()>
            <p class="muted search-older">
                {move || t_string!(i18n, messages.search_kept)}
                " "
                <button type="button" class="button-link" data-testid="messages-search-older"
                    on:click=move |_| client.load_every_page()>
                    {move || t_string!(i18n, messages.search_older)}
                </button>
            </p>
        </Show>
        <Show when=move || hits.with(|h| !h.is_empty())>
            <ul class="conversation-list card">
                {move || hits.get().into_iter().map(|(entry, message)| {
                    let locale = i18n.get_locale();
                    let name = title(signals, &entry, &me.get(), locale);
                    view! {
                        <li>
                            <a class="conversation-row" href=format!("/messages/{}", entry.doc) data-testid="messages-search-hit">
                                <span class="conversation-text">
                                    <span class="conversation-name">{name}</span>
                                    <span class="conversation-preview">{message.text.clone()}</span>
                                </span>
                                <span class="muted conversation-time">{format(message.at / 1000, None, locale, Style::Short)}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

/// `/messages/new`: a group, with a name and members picked from the directory (starting it
/// needs the relay).
#[component]
pub(crate) fn NewGroupPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let navigate = use_navigate();
    let me = Memo::new(move |_| my_id(signals));
    let name = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let official = RwSignal::new(false);
    let admin = Memo::new(move |_| {
        signals
            .me
            .with(|me| me.as_ref().is_some_and(|m| m.roles.contains(&Role::Admin)))
    });
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let ready = move || {
        !busy.get() && !name.with(|n| n.trim().is_empty()) && picked.with(|p| !p.is_empty())
    };
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !ready() {
            return;
        }
        busy.set(true);
        let new = NewConversation {
            members: picked.with_untracked(|p| p.iter().map(|(u, _)| u.clone()).collect()),
            name: name.get_untracked().trim().to_owned(),
            official: official.get_untracked(),
        };
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match client.start_conversation(new).await {
                Ok(doc) => navigate(&format!("/messages/{doc}"), Default::default()),
                Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="new-group" data-testid="new-group-page">
            <A href="/messages" attr:class="back-link">
                <icons::Back />
                <span>{move || t_string!(i18n, messages.back)}</span>
            </A>
            <h1 class="page-title">{move || t_string!(i18n, messages.new_group)}</h1>
            <form class="card section form" on:submit=create>
                <label class="field">
                    <span class="label">{move || t_string!(i18n, messages.group_name)}</span>
                    <input class="input" data-testid="group-name" required
                        maxlength=MAX_CONVERSATION_NAME_CHARS.to_string()
                        placeholder=move || t_string!(i18n, messages.group_name_example)
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <MemberPicker picked exclude=Signal::derive(move || vec![me.get()]) />
                <Show when=move || admin.get()>
                    <label class="switch-row">
                        <input type="checkbox" class="switch" data-testid="group-official" prop:checked=move || official.get()
                            on:change=move |ev| official.set(event_target_checked(&ev)) />
                        <span>
                            <span class="switch-label">{move || t_string!(i18n, messages.official_group)}</span>
                            <span class="field-hint">{move || t_string!(i18n, messages.official_hint)}</span>
                        </span>
                    </label>
                </Show>
                {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="new-group-error">{e}</p> })}
                <button type="submit" class="button button-primary" data-testid="create-group" disabled=move || !ready()>
                    {move || t_string!(i18n, messages.create_group)}
                </button>
            </form>
        </section>
    }
}

/// Members picked from the directory on this device (a search narrows the list), but for
/// `exclude` (user ids).
#[component]
fn MemberPicker(
    picked: RwSignal<Vec<(String, String)>>,
    #[prop(into)] exclude: Signal<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let query = RwSignal::new(String::new());
    /// How many people the picker lists at once; the search narrows it.
    const SHOWN: usize = 50;
    let candidates = Memo::new(move |_| {
        let exclude = exclude.get();
        let q = Query::text(&query.get());
        signals.directory.with(|entries| {
            search(&q, entries)
                .into_iter()
                .filter(|(_, p, _)| !exclude.contains(&p.owner) && p.has_name())
                .take(SHOWN)
                .map(|(_, p, _)| (p.owner.clone(), p.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let toggle = move |(user, person): (String, String)| {
        picked.update(|all| match all.iter().position(|(u, _)| *u == user) {
            Some(i) => {
                all.remove(i);
            }
            None => all.push((user, person)),
        });
    };
    view! {
        <div class="field">
            <span class="label">{move || t_string!(i18n, messages.members).replace("%n", &picked.with(Vec::len).to_string())}</span>
            <ul class="chips" data-testid="group-picked">
                {move || picked.get().into_iter().map(|(user, person)| view! {
                    <li>
                        <button type="button" class="chip chip-accent" on:click=move |_| toggle((user.clone(), person.clone()))>
                            {person.clone()}" ×"
                        </button>
                    </li>
                }).collect_view()}
            </ul>
            <input type="search" class="input" data-testid="group-search"
                aria-label=move || t_string!(i18n, messages.find_members)
                placeholder=move || t_string!(i18n, messages.find_members)
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <ul class="pick-list">
                {move || candidates.get().into_iter().map(|(user, person)| {
                    let on = picked.with(|p| p.iter().any(|(u, _)| *u == user));
                    let shown = person.clone();
                    view! {
                        <li>
                            <label class="pick" data-testid="group-candidate">
                                <input type="checkbox" prop:checked=on on:change=move |_| toggle((user.clone(), person.clone())) />
                                <span>{shown}</span>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

/// The conversation a `/messages/<id>…` route names, and its entry on this device.
fn routed_conversation(
    signals: Signals,
) -> (Memo<Option<DocumentId>>, Memo<Option<ConversationEntry>>) {
    let params = use_params_map();
    let doc = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|id| id.parse::<DocumentId>().ok())
    });
    let entry = Memo::new(move |_| {
        let doc = doc.get()?;
        signals
            .conversations
            .with(|all| all.iter().find(|c| c.doc == doc).cloned())
    });
    (doc, entry)
}

/// `/messages/<id>/add`: members added to a group, picked from the directory (needs the relay).
#[component]
pub(crate) fn AddMembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let navigate = use_navigate();
    let (doc, entry) = routed_conversation(signals);
    let members = Signal::derive(move || {
        entry.with(|e| {
            e.as_ref()
                .map(|e| e.conversation.members.keys().cloned().collect())
                .unwrap_or_default()
        })
    });
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(doc) = doc.get_untracked() else {
            return;
        };
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            // One at a time: each is added or says why not, and is taken off the list.
            for (user, _) in picked.get_untracked() {
                if let Err(e) = client.add_member(doc, &user).await {
                    error.set(Some(error_text(i18n.get_locale_untracked(), &e)));
                    busy.set(false);
                    return;
                }
                picked.update(|all| all.retain(|(u, _)| *u != user));
            }
            busy.set(false);
            navigate(&format!("/messages/{doc}"), Default::default());
        });
    };
    view! {
        <section class="new-group" data-testid="add-members-page">
            <A href=move || doc.get().map(|d| format!("/messages/{d}")).unwrap_or_default() attr:class="back-link">
                <icons::Back />
                <span>{move || entry.with(|e| e.as_ref().map(|e| e.conversation.name.clone()).unwrap_or_default())}</span>
            </A>
            <h1 class="page-title">{move || t_string!(i18n, messages.add_members)}</h1>
            <form class="card section form" on:submit=add>
                <MemberPicker picked exclude=members />
                {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="add-members-error">{e}</p> })}
                <button type="submit" class="button button-primary" data-testid="add-members"
                    disabled=move || busy.get() || picked.with(Vec::is_empty)>
                    {move || t_string!(i18n, messages.add)}
                </button>
            </form>
        </section>
    }
}

/// `/messages/<id>`: one conversation.
#[component]
pub(crate) fn ChatPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let (_, entry) = routed_conversation(signals);
    let me = Memo::new(move |_| my_id(signals));
    // Shown is read: the mark follows the newest message while the chat is open.
    Effect::new(move |_| {
        let unread = entry.with(|e| {
            e.as_ref()
                .filter(|e| e.unread(&me.get()) > 0)
                .map(|e| e.doc)
        });
        if let Some(doc) = unread {
            client.mark_conversation_read(doc);
        }
    });
    let selected = RwSignal::new(None::<String>);
    let reply_to = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<String>);
    // What the chat shows changes rarely; its log is rebuilt only then, not with every message.
    let shown = Memo::new(move |_| {
        entry.with(|e| match e {
            None => Shown::NotHere,
            Some(e)
                if e.page().is_none()
                    || e.messages.is_empty() && e.conversation.members.is_empty() =>
            {
                Shown::Loading
            }
            Some(_) => Shown::Log,
        })
    });
    let other_member = Memo::new(move |_| entry.with(|e| other(e.as_ref(), &me.get())));
    view! {
        <section class="chat" data-testid="chat">
            <header class="chat-head">
                <A href="/messages" attr:class="back-link" attr:data-testid="chat-back">
                    <icons::Back />
                    <span>{move || t_string!(i18n, messages.back)}</span>
                </A>
                <h1 class="chat-title" data-testid="chat-title">
                    {move || entry.get().map(|e| title(signals, &e, &me.get(), i18n.get_locale()))}
                    <OfficialBadge entry />
                </h1>
                <ChatControls entry=entry />
                {move || other_member.get().map(|user| view! { <BlockButton user=user /> })}
            </header>
            {move || match shown.get() {
                Shown::NotHere => view! { <p class="empty" data-testid="chat-not-here">{move || t_string!(i18n, messages.not_here)}</p> }.into_any(),
                Shown::Loading => {
                    view! { <p class="empty muted" data-testid="chat-loading">{move || t_string!(i18n, messages.loading)}</p> }.into_any()
                }
                Shown::Log => view! {
                    <Show when=move || entry.with(|e| e.as_ref().is_some_and(|e| e.older.is_some()))>
                        <button type="button" class="button button-quiet button-small chat-older" data-testid="older-messages"
                            on:click=move |_| {
                                if let Some(doc) = entry.with_untracked(|e| e.as_ref().map(|e| e.doc)) {
                                    client.load_older(doc);
                                }
                            }>
                            {move || t_string!(i18n, messages.older)}
                        </button>
                    </Show>
                    <ol class="chat-log" data-testid="chat-log" aria-live="polite">
                        <For
                            each=move || entry.get().map(|e| e.messages).unwrap_or_default()
                            key=|m| m.id.clone()
                            let:message
                        >
                            <Bubble id=message.id.clone() entry=entry me=me selected=selected />
                        </For>
                    </ol>
                }.into_any(),
            }}
            <TypingNote entry=entry />
            <Actions entry=entry me=me selected=selected reply_to=reply_to editing=editing />
            <Composer entry=entry reply_to=reply_to editing=editing />
        </section>
    }
}

/// Notifications on or off for this conversation (on every device of the person's), and for a
/// group, leaving it. Both need the relay.
#[component]
fn ChatControls(entry: Memo<Option<ConversationEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<&'static str>);
    let muted = Memo::new(move |_| entry.with(|e| e.as_ref().is_some_and(|e| e.muted)));
    let group = Memo::new(move |_| {
        entry.with(|e| {
            e.as_ref().is_some_and(|e| {
                !e.conversation.name.is_empty() || e.conversation.members.len() > 2
            })
        })
    });
    // Any member adds to a group; only admins to an official one.
    let can_add = Memo::new(move |_| {
        let admin = client
            .signals
            .me
            .with(|me| me.as_ref().is_some_and(|m| m.roles.contains(&Role::Admin)));
        group.get()
            && entry.with(|e| {
                e.as_ref()
                    .is_some_and(|e| !e.conversation.official || admin)
            })
    });
    let failed = move |e: crate::error::AppError| {
        error.set(Some(error_text(i18n.get_locale_untracked(), &e)));
    };
    let toggle_mute = move |_| {
        let Some(doc) = entry.with_untracked(|e| e.as_ref().map(|e| e.doc)) else {
            return;
        };
        let mute = !muted.get_untracked();
        leptos::task::spawn_local(async move {
            match client.set_muted(doc, mute).await {
                Ok(()) => error.set(None),
                Err(e) => failed(e),
            }
        });
    };
    let leave = move |_| {
        let Some(doc) = entry.with_untracked(|e| e.as_ref().map(|e| e.doc)) else {
            return;
        };
        if !super::confirm(t_string!(i18n, messages.leave_confirm)) {
            return;
        }
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match client.leave_conversation(doc).await {
                Ok(()) => navigate("/messages", Default::default()),
                Err(e) => failed(e),
            }
        });
    };
    view! {
        <div class="chat-controls">
            <button type="button" class="button button-small button-quiet" data-testid="mute"
                data-muted=move || muted.get().to_string() aria-pressed=move || muted.get().to_string() on:click=toggle_mute>
                {move || if muted.get() { t_string!(i18n, messages.unmute) } else { t_string!(i18n, messages.mute) }}
            </button>
            <Show when=move || can_add.get()>
                <A href=move || entry.with(|e| e.as_ref().map(|e| format!("/messages/{}/add", e.doc)).unwrap_or_default())
                    attr:class="button button-small button-quiet" attr:data-testid="add-members-link">
                    {move || t_string!(i18n, messages.add_members)}
                </A>
            </Show>
            <Show when=move || group.get()>
                <button type="button" class="button button-small button-quiet" data-testid="leave" on:click=leave.clone()>
                    {move || t_string!(i18n, messages.leave)}
                </button>
            </Show>
        </div>
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
    }
}

/// "公式" beside an official group's name.
#[component]
fn OfficialBadge(entry: Memo<Option<ConversationEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        entry
            .with(|e| e.as_ref().is_some_and(|e| e.conversation.official))
            .then(|| view! { <span class="badge badge-official" data-testid="official">{move || t_string!(i18n, messages.official)}</span> })
    }
}

/// The other member of a one-to-one conversation.
fn other(entry: Option<&ConversationEntry>, me: &str) -> Option<String> {
    let entry = entry?;
    if !entry.conversation.name.is_empty() || entry.conversation.members.len() != 2 {
        return None;
    }
    entry
        .conversation
        .members
        .keys()
        .find(|m| *m != me)
        .cloned()
}

/// What a chat shows: the conversation is not on this device, is on its way, or its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    NotHere,
    Loading,
    Log,
}

/// Blocks the other member of a one-to-one conversation (their messages stop showing, and no
/// new conversation starts between the two), or lifts the block; needs the relay.
#[component]
fn BlockButton(user: String) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let error = RwSignal::new(None::<&'static str>);
    let blocked = {
        let user = user.clone();
        Memo::new(move |_| {
            client
                .signals
                .me
                .with(|me| me.as_ref().is_some_and(|m| m.blocked.contains(&user)))
        })
    };
    let toggle = move |_| {
        let block = !blocked.get_untracked();
        if block && !super::confirm(t_string!(i18n, messages.block_confirm)) {
            return;
        }
        let user = user.clone();
        leptos::task::spawn_local(async move {
            match client.set_blocked(&user, block).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <button type="button" class="button button-small button-quiet chat-block"
            data-testid="block" data-blocked=move || blocked.get().to_string() on:click=toggle>
            {move || if blocked.get() { t_string!(i18n, messages.unblock) } else { t_string!(i18n, messages.block) }}
        </button>
        <Show when=move || blocked.get()>
            <p class="notice chat-blocked" data-testid="chat-blocked">{move || t_string!(i18n, messages.blocked_note)}</p>
        </Show>
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
    }
}

/// One message, kept current by id (an edit, a reaction, a read mark re-render it in place).
#[component]
fn Bubble(
    id: String,
    entry: Memo<Option<ConversationEntry>>,
    me: Memo<String>,
    selected: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let state = {
        let id = id.clone();
        // Read in place: a hundred bubbles each cloning the whole conversation made opening a
        // chat quadratic.
        Memo::new(move |_| {
            entry.with(|e| {
                let e = e.as_ref()?;
                let message = e.messages.iter().find(|m| m.id == id)?.clone();
                let quoted = message
                    .reply_to
                    .as_ref()
                    .and_then(|r| e.messages.iter().find(|m| &m.id == r))
                    .cloned();
                let seen = read_by(&message, &e.read);
                let group = e.conversation.members.len() > 2;
                let sending = e.sending.contains(&message.id);
                Some((message, quoted, seen, group, sending))
            })
        })
    };
    let toggle = {
        let id = id.clone();
        move |_| {
            selected.update(|s| {
                *s = if s.as_deref() == Some(id.as_str()) {
                    None
                } else {
                    Some(id.clone())
                }
            })
        }
    };
    let is_selected = {
        let id = id.clone();
        move || selected.with(|s| s.as_deref() == Some(id.as_str()))
    };
    move || {
        let (toggle, is_selected) = (toggle.clone(), is_selected.clone());
        let (message, quoted, seen, group, sending) = state.get()?;
        let mine = message.author == me.get();
        let locale = i18n.get_locale();
        let author = (!mine && group).then(|| {
            name_of(signals, &message.author).map_or_else(
                || td_string!(locale, messages.someone).to_owned(),
                |(_, n)| n,
            )
        });
        let status = if !mine {
            None
        } else if sending {
            Some(td_string!(locale, messages.sending).to_owned())
        } else if seen == 0 {
            None
        } else if group {
            Some(td_string!(locale, messages.read_by).replace("%n", &seen.to_string()))
        } else {
            Some(td_string!(locale, messages.read).to_owned())
        };
        let reactions: Vec<String> = message.reactions.values().cloned().collect();
        // A photo alone still has a bubble: the place to tap for replying, reacting, unsending.
        let only_photos = message.text.trim().is_empty() && !message.photos.is_empty();
        let photos = message.photos.clone();
        Some(view! {
            <li class="bubble-row" class:mine=mine data-testid="message" data-author=message.author.clone() data-id=message.id.clone()>
                {author.map(|a| view! { <span class="bubble-author muted">{a}</span> })}
                {(!photos.is_empty()).then(|| view! {
                    <div class="bubble-photos" data-testid="message-photos">
                        {photos.into_iter().map(|id| view! { <Photo id /> }).collect_view()}
                    </div>
                })}
                <button type="button" class="bubble" class:unsent=message.unsent || message.hidden class:bubble-label=only_photos
                    aria-pressed=move || is_selected().to_string() on:click=toggle>
                    {quoted.map(|q| view! { <span class="bubble-quote" data-testid="message-quote">{preview(&q, locale)}</span> })}
                    <span class="bubble-text" data-testid="message-text">
                        {if only_photos { preview(&message, locale) } else { shown_text(&message, locale) }}
                    </span>
                </button>
                <span class="bubble-meta muted">
                    {(!reactions.is_empty()).then(|| view! { <span class="bubble-reactions" data-testid="message-reactions">{reactions.join("")}</span> })}
                    {message.edited_at.filter(|_| !message.unsent && !message.hidden).map(|_| view! { <span>{td_string!(locale, messages.edited)}</span> })}
                    <span>{format(message.at / 1000, None, locale, Style::Time)}</span>
                    {status.map(|s| view! { <span class="bubble-status" data-testid="message-status">{s}</span> })}
                </span>
            </li>
        })
    }
}

/// "山田 花子 が入力中…" while another member types (for a few seconds after each sign).
#[component]
fn TypingNote(entry: Memo<Option<ConversationEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    // Expiry needs a clock: a tick each second while the chat is open (dropped with it).
    let tick = RwSignal::new(0_u32);
    StoredValue::new_local(gloo_timers::callback::Interval::new(1000, move || {
        tick.update(|t| *t = t.wrapping_add(1));
    }));
    let typing = Memo::new(move |_| {
        tick.track();
        let doc = entry.with(|e| e.as_ref().map(|e| e.doc))?;
        let now = crate::runtime::now_ms();
        let names: Vec<String> = signals.typing.with(|all| {
            all.get(&doc)
                .map(|who| {
                    who.iter()
                        .filter(|(_, until)| **until > now)
                        .map(|(user, _)| {
                            name_of(signals, user).map_or_else(
                                || {
                                    td_string!(i18n.get_locale_untracked(), messages.someone)
                                        .to_owned()
                                },
                                |(_, n)| n,
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        });
        (!names.is_empty()).then(|| names.join("、"))
    });
    move || {
        typing.get().map(|names| {
            view! {
                <p class="typing muted" data-testid="typing" aria-live="polite">
                    {t_string!(i18n, messages.typing).replace("%s", &names)}
                </p>
            }
        })
    }
}

/// What can be done with the selected message: reply, react, and for one's own, edit or unsend.
#[component]
fn Actions(
    entry: Memo<Option<ConversationEntry>>,
    me: Memo<String>,
    selected: RwSignal<Option<String>>,
    reply_to: RwSignal<Option<String>>,
    editing: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let error = RwSignal::new(None::<&'static str>);
    let notice = RwSignal::new(None::<&'static str>);
    let target = Memo::new(move |_| {
        let id = selected.get()?;
        let e = entry.get()?;
        let message = e.messages.iter().find(|m| m.id == id)?.clone();
        // Reported on the page it is on, which an older message shares with no newer one.
        Some((e.doc, e.page_of.get(&id).copied(), message))
    });
    let report = move |page: DocumentId, id: String| {
        let Some(reason) = web_sys::window()
            .and_then(|w| {
                w.prompt_with_message(t_string!(i18n, messages.report_prompt))
                    .ok()
            })
            .flatten()
        else {
            return;
        };
        selected.set(None);
        leptos::task::spawn_local(async move {
            match client.report_message(page, &id, &reason).await {
                Ok(()) => {
                    error.set(None);
                    notice.set(Some(t_string!(i18n, messages.reported)));
                }
                Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    let done = move |result: Result<(), crate::error::AppError>| match result {
        Ok(()) => {
            error.set(None);
            selected.set(None);
        }
        Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
    };
    view! {
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
        {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="message-notice">{n}</p> })}
        {move || target.get().map(|(doc, page, message)| {
            let gone = message.unsent || message.hidden;
            let mine = message.author == me.get() && !gone;
            let reportable = message.author != me.get() && !gone;
            let id = message.id.clone();
            let mine_reaction = message.reactions.get(&me.get()).cloned();
            view! {
                <div class="message-actions card" data-testid="message-actions" role="toolbar">
                    <div class="reaction-picker">
                        {REACTIONS.into_iter().map(|emoji| {
                            let id = id.clone();
                            let chosen = mine_reaction.as_deref() == Some(emoji);
                            view! {
                                <button type="button" class="reaction" aria-pressed=chosen.to_string() data-testid="react"
                                    on:click=move |_| done(client.react(doc, &id, if chosen { None } else { Some(emoji) }))>
                                    {emoji}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                    <div class="action-buttons">
                        <button type="button" class="button button-small" data-testid="reply"
                            on:click={
                                let id = id.clone();
                                move |_| { reply_to.set(Some(id.clone())); editing.set(None); selected.set(None); }
                            }>
                            {move || t_string!(i18n, messages.reply)}
                        </button>
                        {mine.then(|| {
                            let (edit_id, unsend_id) = (id.clone(), id.clone());
                            view! {
                                <button type="button" class="button button-small" data-testid="edit-message"
                                    on:click=move |_| { editing.set(Some(edit_id.clone())); reply_to.set(None); selected.set(None); }>
                                    {move || t_string!(i18n, messages.edit)}
                                </button>
                                <button type="button" class="button button-small button-danger" data-testid="unsend"
                                    on:click=move |_| {
                                        if super::confirm(t_string!(i18n, messages.unsend_confirm)) {
                                            done(client.unsend_message(doc, &unsend_id));
                                        }
                                    }>
                                    {move || t_string!(i18n, messages.unsend_button)}
                                </button>
                            }
                        })}
                        {page.filter(|_| reportable).map(|page| {
                            let id = id.clone();
                            view! {
                                <button type="button" class="button button-small button-quiet button-danger" data-testid="report"
                                    on:click=move |_| report(page, id.clone())>
                                    {move || t_string!(i18n, messages.report)}
                                </button>
                            }
                        })}
                    </div>
                </div>
            }
        })}
    }
}

/// Where a message is written (or one's own is edited, or a reply composed).
#[component]
fn Composer(
    entry: Memo<Option<ConversationEntry>>,
    reply_to: RwSignal<Option<String>>,
    editing: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let attached = RwSignal::new_local(Vec::<Picked>::new());
    on_cleanup(move || {
        if let Some(picked) = attached.try_get_untracked() {
            picked.iter().for_each(release);
        }
    });
    // Editing starts from the message's text.
    Effect::new(move |_| {
        if let Some(id) = editing.get() {
            let current = entry.with_untracked(|e| {
                e.as_ref().and_then(|e| {
                    e.messages
                        .iter()
                        .find(|m| m.id == id)
                        .map(|m| m.text.clone())
                })
            });
            text.set(current.unwrap_or_default());
        }
    });
    let quoted = Memo::new(move |_| {
        let id = reply_to.get()?;
        entry.with(|e| {
            e.as_ref()
                .and_then(|e| e.messages.iter().find(|m| m.id == id).cloned())
        })
    });
    // "Typing…" goes out at most every few seconds while the person types.
    let last_typing = StoredValue::new(0_i64);
    let typed = move |ev| {
        text.set(event_target_value(&ev));
        let now = crate::runtime::now_ms();
        if now - last_typing.get_value() > TYPING_EVERY_MS
            && let Some(doc) = entry.with_untracked(|e| e.as_ref().map(|e| e.doc))
        {
            last_typing.set_value(now);
            client.send_typing(doc);
        }
    };
    // Picked pictures are shrunk on the phone at once; at most PHOTOS_PER_MESSAGE wait.
    let pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // The same picture can be picked again after it was removed.
        input.set_value("");
        let room = PHOTOS_PER_MESSAGE.saturating_sub(attached.with_untracked(Vec::len));
        if files.len() > room {
            error.set(Some(
                t_string!(i18n, messages.photo_limit)
                    .replace("%n", &PHOTOS_PER_MESSAGE.to_string()),
            ));
        }
        leptos::task::spawn_local(async move {
            for file in files.into_iter().take(room) {
                match shrink(&file, Fit::Message).await {
                    Ok(picked) => attached.update(|all| all.push(picked)),
                    Err(_) => {
                        error.set(Some(t_string!(i18n, messages.photo_unreadable).to_owned()))
                    }
                }
            }
        });
    };
    let unpick = move |id: String| {
        attached.update(|all| {
            all.retain(|p| {
                let keep = p.id != id;
                if !keep {
                    release(p);
                }
                keep
            })
        });
    };
    let done = move |result: Result<(), crate::error::AppError>| match result {
        Ok(()) => {
            text.set(String::new());
            reply_to.set(None);
            editing.set(None);
            error.set(None);
            // Sent: their bubbles show them from the URLs they were picked with.
            attached.update(|all| all.drain(..).for_each(|p| remember(&p.id, &p.url)));
            // The next word typed says "typing…" again at once.
            last_typing.set_value(0);
        }
        Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e).to_owned())),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(doc) = entry.with_untracked(|e| e.as_ref().map(|e| e.doc)) else {
            return;
        };
        let body = text.get_untracked().trim().to_owned();
        if let Some(id) = editing.get_untracked() {
            if !body.is_empty() {
                done(client.edit_message(doc, &id, &body));
            }
            return;
        }
        let photos: Vec<(String, web_sys::Blob)> = attached
            .with_untracked(|all| all.iter().map(|p| (p.id.clone(), p.blob.clone())).collect());
        if body.is_empty() && photos.is_empty() {
            return;
        }
        let reply = reply_to.get_untracked();
        leptos::task::spawn_local(async move {
            done(client.send_message(doc, &body, reply, photos).await);
        });
    };
    let cancel = move |_| {
        reply_to.set(None);
        if editing.get_untracked().is_some() {
            text.set(String::new());
        }
        editing.set(None);
    };
    view! {
        <form class="composer" data-testid="composer" on:submit=submit>
            {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="composer-error">{e}</p> })}
            <Show when=move || attached.with(|a| !a.is_empty())>
                <ul class="composer-photos" data-testid="attached-photos">
                    {move || attached.get().into_iter().map(|picked| {
                        let id = picked.id.clone();
                        view! {
                            <li>
                                <img src=picked.url.clone() alt="" />
                                <button type="button" class="composer-photo-remove" data-testid="remove-photo"
                                    aria-label=move || t_string!(i18n, messages.remove_photo)
                                    on:click=move |_| unpick(id.clone())>
                                    <icons::Close />
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            <Show when=move || quoted.get().is_some() || editing.get().is_some()>
                <div class="composer-context">
                    <span class="muted" data-testid="composer-context">
                        {move || match (editing.get(), quoted.get()) {
                            (Some(_), _) => t_string!(i18n, messages.editing).to_owned(),
                            (None, Some(q)) => format!("{} {}", t_string!(i18n, messages.replying_to), preview(&q, i18n.get_locale())),
                            (None, None) => String::new(),
                        }}
                    </span>
                    <button type="button" class="button button-quiet button-small" on:click=cancel>{move || t_string!(i18n, messages.cancel)}</button>
                </div>
            </Show>
            <div class="composer-row">
                <Show when=move || editing.get().is_none()>
                    <label class="button button-quiet composer-attach" title=move || t_string!(i18n, messages.attach_photo)>
                        <icons::Camera />
                        <input type="file" accept="image/*" multiple class="visually-hidden" data-testid="attach-photo"
                            aria-label=move || t_string!(i18n, messages.attach_photo) on:change=pick />
                    </label>
                </Show>
                <textarea
                    class="input composer-input"
                    rows="1"
                    data-testid="composer-input"
                    aria-label=move || t_string!(i18n, messages.write)
                    placeholder=move || t_string!(i18n, messages.write)
                    prop:value=move || text.get()
                    on:input=typed
                ></textarea>
                <button type="submit" class="button button-primary" data-testid="send"
                    disabled=move || text.with(|t| t.trim().is_empty()) && attached.with(Vec::is_empty)>
                    {move || if editing.get().is_some() { t_string!(i18n, messages.save) } else { t_string!(i18n, messages.send) }}
                </button>
            </div>
        </form>
    }
}

/// "メッセージ" on a person's page: opens the one-to-one conversation with them (starting it
/// needs the relay; opening one that exists does not).
#[component]
pub(crate) fn MessageButton(user: String) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let navigate = use_navigate();
    let error = RwSignal::new(None::<&'static str>);
    let busy = RwSignal::new(false);
    let existing = {
        let user = user.clone();
        Memo::new(move |_| {
            client.signals.conversations.with(|all| {
                all.iter()
                    .find(|c| {
                        c.conversation.name.is_empty()
                            && c.conversation.members.len() == 2
                            && c.conversation.members.contains_key(&user)
                    })
                    .map(|c| c.doc)
            })
        })
    };
    let open = move |_| {
        if let Some(doc) = existing.get_untracked() {
            navigate(&format!("/messages/{doc}"), Default::default());
            return;
        }
        busy.set(true);
        let (user, navigate) = (user.clone(), navigate.clone());
        leptos::task::spawn_local(async move {
            let new = NewConversation {
                members: vec![user],
                name: String::new(),
                official: false,
            };
            match client.start_conversation(new).await {
                Ok(doc) => navigate(&format!("/messages/{doc}"), Default::default()),
                Err(e) => error.set(Some(error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="button button-primary button-small" data-testid="person-message"
            disabled=move || busy.get() on:click=open>
            <MessagesIcon />
            <span>{move || t_string!(i18n, messages.message)}</span>
        </button>
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="person-message-error">{e}</p> })}
    }
}
