//! Events: the agenda and the month calendar (`/events`), each event's page with the person's
//! answer, status and ticket (`/events/<doc>`), the admins' editor and everyone's proposal form
//! (`/events/new`, `/events/<doc>/edit`), self check-in at the venue and the venue's code for it
//! (`/events/<doc>/venue-code`), the person's tickets (`/tickets`) and the alumni ID card
//! (`/card`).
//!
//! Everything reads the documents on the device through [`crate::state::Signals`], so the
//! calendar, a ticket and the ID card open with no network; answers are written through
//! [`crate::runtime::Client::answer_rsvp`], offline too.

mod arrival;
mod attendees;
mod card;
mod checkin;
mod editor;
mod feed;
mod month;
mod page;
mod people;
mod seats;
mod share;
mod ticket;
mod tickets;
mod typed_code;
mod venue_code;
mod zone_picker;

pub(crate) use card::IdCardPage;
pub(crate) use checkin::CheckInPage;
pub(crate) use editor::{EditEventPage, NewEventPage};
pub(crate) use page::EventPage;
pub(crate) use tickets::TicketsPage;
pub(crate) use venue_code::VenueCodePage;
pub(crate) use zone_picker::ZonePicker;

use leptos::prelude::*;
use leptos_router::components::A;
use std::collections::{BTreeMap, BTreeSet};

use tsunagu_core::api::Me;
use tsunagu_core::event::{Event, EventStatus, Seat, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{Keyring, PassAuthority, VerifyingKey};
use tsunagu_core::vocab::Role;

use super::use_client;
use crate::agenda::{Filter, Standing, agenda, standing};
use crate::calendar::Date as Day;
use crate::i18n::*;
use crate::state::{EventEntry, Link, Signals};
use crate::ui::time::{self, Style};

/// How the events tab shows them; kept while visiting an event and coming back.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventsState {
    month_view: RwSignal<bool>,
    filter: RwSignal<Filter>,
    /// The month the calendar shows, once the person moved it; until then it opens on a month
    /// with events ([`crate::calendar::opening_month`]).
    shown: RwSignal<Option<(i32, u32)>>,
    /// The day picked in the calendar.
    day: RwSignal<Option<Day>>,
    /// The calendar feed's address made in this visit (the relay shows it only once).
    feed_url: RwSignal<Option<String>>,
}

/// What this device checks tickets, ID cards and venue codes with, offline: the organisation's
/// word on passes as it has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PassTrust {
    /// The keys a pass may be signed with.
    pub(super) keys: Keyring,
    /// Member id → their ID cards issued at or before then (unix seconds) are revoked.
    pub(super) revoked_cards: BTreeMap<String, i64>,
}

/// The organisation's word on passes as this device has it; re-read (in a reactive scope)
/// whenever the organisation's document or the signed-in member changes.
pub(super) fn pass_trust(signals: Signals) -> PassTrust {
    signals.me.with(|me| {
        let current = me.as_ref().map_or("", |m| m.pass_key.as_str());
        signals
            .pass_authority
            .with(|authority| trust(authority, current))
    })
}

/// The keys the organisation's document lists, and its revoked cards; while that document has
/// not reached the device (a first sync), the current key `Me` names. Never both: a key an
/// admin retired must stop verifying at once, also on a phone whose `Me` was fetched before the
/// retirement and still names it.
fn trust(authority: &PassAuthority, current_key: &str) -> PassTrust {
    let keys = if authority.keys.is_empty() {
        Keyring::new(current_key.parse::<VerifyingKey>().ok())
    } else {
        authority.keyring()
    };
    PassTrust {
        keys,
        revoked_cards: authority.revoked_cards.clone(),
    }
}

/// The event `doc` as it stands on this device.
pub(super) fn event_entry(signals: Signals, doc: DocumentId) -> Memo<Option<EventEntry>> {
    Memo::new(move |_| {
        signals
            .events
            .with(|events| events.iter().find(|e| e.doc == doc).cloned())
    })
}

/// The event document the route's `:doc` names, if it is a document id.
pub(super) fn use_event_param() -> Memo<Option<DocumentId>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .with(|p| p.get("doc"))
            .and_then(|id| id.parse::<DocumentId>().ok())
    })
}

pub(crate) fn provide_events_state() {
    provide_context(EventsState {
        month_view: RwSignal::new(false),
        filter: RwSignal::new(Filter::All),
        shown: RwSignal::new(None),
        day: RwSignal::new(None),
        feed_url: RwSignal::new(None),
    });
}

/// The events the person was moved to a seat for from the waiting list and was not told of
/// yet (tracked), soonest first.
pub(super) fn promotions(signals: Signals) -> Vec<EventEntry> {
    let promoted = signals.seen_seats.with(|seen| {
        signals
            .passes
            .with(|passes| crate::agenda::promoted(seen, passes))
    });
    if promoted.is_empty() {
        return Vec::new();
    }
    signals.events.with(|events| {
        events
            .iter()
            .filter(|e| promoted.contains(&e.doc.to_string()))
            .cloned()
            .collect()
    })
}

/// The name a pass or profile gives (`given`), or failing that the name the member goes by
/// (tracked).
pub(super) fn name_or_own(signals: Signals, given: Option<String>) -> String {
    given
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            signals
                .me
                .with(|m| m.as_ref().map(|m| m.display_name.clone()))
        })
        .unwrap_or_default()
}

/// Whether `event` is news to the person (tracked): published, not over, and never opened on
/// this device. Its card says 新着 until then.
pub(super) fn is_new(signals: Signals, doc: DocumentId, event: &Event) -> bool {
    event.status() == EventStatus::Published
        && crate::runtime::now() < event.ends_at
        && signals.seen_events.with(|seen| !seen.contains_key(&doc))
}

/// The events that are news on the events tab (tracked): seats the person got from the waiting
/// list and was not told of yet, events they go to that changed since they last opened them,
/// and new events that came since they last looked at their list.
fn tab_news(signals: Signals) -> BTreeSet<DocumentId> {
    let mut news: BTreeSet<DocumentId> = promotions(signals).iter().map(|e| e.doc).collect();
    let me = signals.me.get();
    signals.events.with(|events| {
        for entry in events.iter().filter(|e| shown_to(me.as_ref(), &e.event)) {
            let (doc, event) = (entry.doc, &entry.event);
            let changed = changed_since_seen(signals, doc, event)
                && standing_for(signals, doc, event).is_going();
            let arrived = is_new(signals, doc, event)
                && signals.known_events.with(|known| !known.contains(&doc));
            if changed || arrived {
                news.insert(doc);
            }
        }
    });
    news
}

/// The count on the events tab: what [`tab_news`] holds.
#[component]
pub(crate) fn EventsBadge() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let count = Memo::new(move |_| tab_news(signals).len());
    view! {
        <super::TabBadge count=count label=Signal::derive(move || t_string!(i18n, events.nav_badge)) testid="events-badge" />
    }
}

/// The nav entry's icon: a calendar page.
#[component]
pub(crate) fn EventsIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <rect x="3.5" y="5" width="17" height="15" rx="2.5" />
            <path d="M3.5 10h17M8 3v4M16 3v4" />
            <circle cx="8.5" cy="14.5" r="1" fill="currentColor" stroke="none" />
        </svg>
    }
}

pub(super) fn is_admin(me: Option<&Me>) -> bool {
    me.is_some_and(|m| m.roles.contains(&Role::Admin))
}

/// Whether the person sees this event: published and cancelled ones are for their audience
/// (the relay sends no other); drafts and proposals for admins and the event's staff, marked.
fn shown_to(me: Option<&Me>, event: &Event) -> bool {
    event.status().is_public()
        || is_admin(me)
        || me.is_some_and(|m| event.staff.contains(&m.user_id))
}

/// Where the person stands for `doc` (tracked: answers and passes).
pub(super) fn standing_for(signals: Signals, doc: DocumentId, event: &Event) -> Standing {
    let key = doc.to_string();
    let closed = crate::runtime::now() > event.closes_at();
    signals.rsvps.with(|rsvps| {
        signals
            .passes
            .with(|passes| standing(rsvps.events.get(&key), passes.events.get(&key), closed))
    })
}

/// What `read` makes of the person's seat at the event `key` while the relay confirms it (tracked:
/// passes): the ticket, the online link and self check-in are for confirmed attendees only.
pub(super) fn confirmed_seat<T>(
    signals: Signals,
    key: &str,
    read: impl FnOnce(&Seat) -> T,
) -> Option<T> {
    signals.passes.with(|p| {
        p.events
            .get(key)
            .filter(|s| s.status() == Some(SeatStatus::Confirmed))
            .map(read)
    })
}

/// Whether the event is one of "my events": going, waiting, or working at it.
fn is_mine(me: Option<&Me>, event: &Event, standing: Standing) -> bool {
    standing.is_going() || me.is_some_and(|m| event.staff.contains(&m.user_id))
}

/// What changed since the person last saw the event (tracked).
pub(super) fn changed_since_seen(signals: Signals, doc: DocumentId, event: &Event) -> bool {
    signals.seen_events.with(|seen| {
        seen.get(&doc)
            .is_some_and(|before| !event.changes_since(before).is_empty())
    })
}

pub(super) fn standing_label(locale: Locale, standing: Standing) -> &'static str {
    match standing {
        Standing::Open => td_string!(locale, events.standing_open),
        Standing::Closed => td_string!(locale, events.standing_closed),
        Standing::Unconfirmed { going: true } => td_string!(locale, events.standing_unconfirmed),
        Standing::Unconfirmed { going: false } => {
            td_string!(locale, events.standing_unconfirmed_not_going)
        }
        Standing::Confirmed => td_string!(locale, events.standing_confirmed),
        Standing::Waiting { .. } => td_string!(locale, events.standing_waiting),
        Standing::Declined => td_string!(locale, events.standing_declined),
        Standing::Refused => td_string!(locale, events.standing_refused),
    }
}

/// A stable name for styles and tests.
pub(super) fn standing_key(standing: Standing) -> &'static str {
    match standing {
        Standing::Open => "open",
        Standing::Closed => "closed",
        Standing::Unconfirmed { .. } => "unconfirmed",
        Standing::Confirmed => "confirmed",
        Standing::Waiting { .. } => "waiting",
        Standing::Declined => "declined",
        Standing::Refused => "refused",
    }
}

/// The standing as a badge; "waiting list (#3)" names the place.
pub(super) fn standing_text(locale: Locale, standing: Standing) -> String {
    let label = standing_label(locale, standing);
    match standing {
        Standing::Waiting { position } => label.replace("%n", &position.to_string()),
        _ => label.to_owned(),
    }
}

pub(super) fn status_label(locale: Locale, status: EventStatus) -> &'static str {
    match status {
        EventStatus::Draft => td_string!(locale, events.status_draft),
        EventStatus::Proposed => td_string!(locale, events.status_proposed),
        EventStatus::Published => td_string!(locale, events.status_published),
        EventStatus::Cancelled => td_string!(locale, events.status_cancelled),
    }
}

/// The attendee list as CSV, in the reader's language; the relay names the file after the
/// event and its date.
pub(super) fn attendees_csv(doc: &DocumentId, locale: Locale) -> String {
    let lang = crate::ui::text::download_language(locale);
    format!("{}?lang={lang}", crate::api::attendees_csv(doc))
}

/// Where it happens, in a few words: the venue's name, or "online".
pub(super) fn place(locale: Locale, event: &Event) -> String {
    let venue = event.venue.name.trim();
    match (event.online, venue.is_empty()) {
        (true, true) => td_string!(locale, events.online).to_owned(),
        (true, false) => format!("{venue} · {}", td_string!(locale, events.online)),
        (false, true) => event.venue.address.trim().to_owned(),
        (false, false) => venue.to_owned(),
    }
}

#[component]
pub(crate) fn EventsPage() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let state = expect_context::<EventsState>();
    let admin = move || signals.me.with(|me| is_admin(me.as_ref()));
    let visible = Memo::new(move |_| {
        signals.me.with(|me| {
            signals.events.with(|events| {
                events
                    .iter()
                    .filter(|e| shown_to(me.as_ref(), &e.event))
                    .cloned()
                    .collect::<Vec<EventEntry>>()
            })
        })
    });
    let expected = move || {
        signals
            .me
            .with(|me| me.as_ref().map_or(0, |m| m.events.len()))
    };
    // Looking at the list is what makes its events no longer news on the tab (their cards keep
    // 新着 until opened).
    Effect::new(move |_| {
        visible.track();
        client.note_events_known();
    });

    view! {
        <section class="events" aria-labelledby="events-title" data-testid="events">
            <div class="events-head">
                <div>
                    <h1 id="events-title" class="page-title">{move || t_string!(i18n, events.title)}</h1>
                    <p class="page-lead">{move || t_string!(i18n, events.lead)}</p>
                </div>
                <div class="events-actions">
                    <A href="/tickets" attr:class="button button-small" attr:data-testid="open-tickets">{move || t_string!(i18n, events.my_tickets)}</A>
                    <A href="/card" attr:class="button button-small" attr:data-testid="open-id-card">{move || t_string!(i18n, card.open)}</A>
                    <A href="/events/new" attr:class="button button-small button-primary" attr:data-testid="new-event">
                        {move || if admin() { t_string!(i18n, events.new_event) } else { t_string!(i18n, events.propose) }}
                    </A>
                </div>
            </div>
            <div class="events-bar">
                <div class="segmented" role="group" aria-label=move || t_string!(i18n, events.view_label)>
                    <button type="button" class="segment" data-testid="events-view-list"
                        aria-pressed=move || (!state.month_view.get()).to_string()
                        on:click=move |_| state.month_view.set(false)>{move || t_string!(i18n, events.view_list)}</button>
                    <button type="button" class="segment" data-testid="events-view-month"
                        aria-pressed=move || state.month_view.get().to_string()
                        on:click=move |_| state.month_view.set(true)>{move || t_string!(i18n, events.view_month)}</button>
                </div>
                <Show when=move || !state.month_view.get()>
                    <FilterBar state=state events=visible />
                </Show>
            </div>
            <Show when=move || signals.link.get() == Link::Offline>
                <p class="note" data-testid="events-offline-note">{move || t_string!(i18n, events.offline_note)}</p>
            </Show>
            {move || {
                let promoted = promotions(signals);
                (!promoted.is_empty()).then(|| view! {
                    <div class="banner banner-success" role="status" data-testid="events-promoted">
                        <span>
                            <strong>{t_string!(i18n, events.promoted_banner)}</strong>" "
                            {promoted.into_iter().map(|e| view! {
                                <A href=format!("/events/{}", e.doc) attr:class="banner-link">{e.event.title.clone()}</A>
                            }).collect_view()}
                        </span>
                    </div>
                })
            }}
            {move || {
                if visible.with(Vec::is_empty) {
                    if expected() > 0 {
                        return view! { <p class="empty" data-testid="events-empty">{t_string!(i18n, events.loading)}</p> }.into_any();
                    }
                    return view! {
                        <div class="empty" data-testid="events-empty">
                            <p>{t_string!(i18n, events.empty)}</p>
                            <p class="muted">{t_string!(i18n, events.propose_hint)}</p>
                            <p><A href="/events/new" attr:class="button button-small">{t_string!(i18n, events.propose)}</A></p>
                        </div>
                    }.into_any();
                }
                if state.month_view.get() {
                    view! { <month::MonthView state=state events=visible /> }.into_any()
                } else {
                    view! { <AgendaList state=state events=visible /> }.into_any()
                }
            }}
            <feed::CalendarFeed />
        </section>
    }
}

/// All, my events, or one month.
#[component]
fn FilterBar(state: EventsState, events: Memo<Vec<EventEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let months = Memo::new(move |_| {
        let mut months: Vec<(i32, u32)> = events.with(|events| {
            events
                .iter()
                .map(|e| {
                    let d = time::viewer_day(e.event.starts_at);
                    (d.year, d.month)
                })
                .collect()
        });
        months.sort_unstable();
        months.dedup();
        months
    });
    let month_value = move || match state.filter.get() {
        Filter::Month { year, month } => format!("{year}-{month}"),
        _ => String::new(),
    };
    view! {
        <div class="filter-chips events-filters" role="group" aria-label=move || t_string!(i18n, events.filters)>
            <button type="button" class="chip chip-toggle" data-testid="events-filter-all"
                class:chip-on=move || state.filter.get() == Filter::All
                on:click=move |_| state.filter.set(Filter::All)>{move || t_string!(i18n, events.filter_all)}</button>
            <button type="button" class="chip chip-toggle" data-testid="events-filter-mine"
                class:chip-on=move || state.filter.get() == Filter::Mine
                on:click=move |_| state.filter.set(Filter::Mine)>{move || t_string!(i18n, events.filter_mine)}</button>
            <select class="select select-small" data-testid="events-filter-month"
                aria-label=move || t_string!(i18n, events.filter_month)
                prop:value=month_value
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let picked = value.split_once('-').and_then(|(y, m)| Some((y.parse().ok()?, m.parse().ok()?)));
                    state.filter.set(match picked {
                        Some((year, month)) => Filter::Month { year, month },
                        None => Filter::All,
                    });
                }>
                <option value="">{move || t_string!(i18n, events.filter_any_month)}</option>
                {move || months.get().into_iter().map(|(year, month)| {
                    let value = format!("{year}-{month}");
                    let option_value = value.clone();
                    let label = move || {
                        // The 15th at noon UTC is in that month in every zone.
                        let mid = Day::new(year, month, 15).days() * 86_400 + 43_200;
                        time::format(mid, Some("UTC"), i18n.get_locale(), Style::Month)
                    };
                    view! { <option value=option_value selected=move || month_value() == value>{label}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// Upcoming events soonest first; past ones folded away below.
#[component]
fn AgendaList(state: EventsState, events: Memo<Vec<EventEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let listed = Memo::new(move |_| {
        let filter = state.filter.get();
        let me = signals.me.get();
        events.with(|events| {
            let mine: Vec<bool> = events
                .iter()
                .map(|e| {
                    is_mine(
                        me.as_ref(),
                        &e.event,
                        standing_for(signals, e.doc, &e.event),
                    )
                })
                .collect();
            let found = agenda(
                events
                    .iter()
                    .zip(mine)
                    .map(|(e, mine)| (e.doc, &e.event, mine)),
                filter,
                crate::runtime::now(),
                |t| {
                    let d = time::viewer_day(t);
                    (d.year, d.month)
                },
            );
            let pick = |docs: Vec<DocumentId>| -> Vec<EventEntry> {
                docs.iter()
                    .filter_map(|d| events.iter().find(|e| e.doc == *d).cloned())
                    .collect()
            };
            (pick(found.upcoming), pick(found.past))
        })
    });
    view! {
        {move || {
            let (upcoming, past) = listed.get();
            if upcoming.is_empty() && past.is_empty() {
                return view! { <p class="empty" data-testid="events-empty">{t_string!(i18n, events.none_match)}</p> }.into_any();
            }
            let past_count = past.len();
            view! {
                {if upcoming.is_empty() {
                    view! { <p class="empty" data-testid="events-none-upcoming">{t_string!(i18n, events.none_upcoming)}</p> }.into_any()
                } else {
                    view! {
                        <ul class="event-list" data-testid="events-upcoming">
                            {upcoming.into_iter().map(|e| view! { <EventCard entry=e /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                {(past_count > 0).then(|| view! {
                    <details class="events-past" data-testid="events-past">
                        <summary>{t!(i18n, events.past, count = move || past_count)}</summary>
                        <ul class="event-list">
                            {past.into_iter().map(|e| view! { <EventCard entry=e /> }).collect_view()}
                        </ul>
                    </details>
                })}
            }.into_any()
        }}
    }
}

/// One event in a list: its day, title, time and place, and where the person stands.
#[component]
pub(super) fn EventCard(entry: EventEntry) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let EventEntry {
        doc,
        event,
        seats: published,
        ..
    } = entry;
    let status = event.status();
    let day = time::viewer_day(event.starts_at);
    let (starts, ends) = (event.starts_at, event.ends_at);
    let weekday = move || time::format(starts, None, i18n.get_locale(), Style::Day);
    let when = move || time::format_range(starts, ends, None, i18n.get_locale());
    let where_ = {
        let event = event.clone();
        move || place(i18n.get_locale(), &event)
    };
    let standing = {
        let event = event.clone();
        Memo::new(move |_| standing_for(signals, doc, &event))
    };
    let capacity = event.seats();
    let availability = Memo::new(move |_| {
        seats::availability_for(signals, doc, capacity, published, standing.get())
    });
    let open_event = status == EventStatus::Published && crate::runtime::now() <= event.closes_at();
    let promoted = Memo::new(move |_| promotions(signals).iter().any(|e| e.doc == doc));
    let changed = {
        let event = event.clone();
        move || standing.get().is_going() && changed_since_seen(signals, doc, &event)
    };
    let fresh = {
        let event = event.clone();
        move || is_new(signals, doc, &event)
    };
    let month_short = move || match i18n.get_locale() {
        Locale::ja => format!("{}月", day.month),
        Locale::en => [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][(day.month as usize).saturating_sub(1).min(11)]
        .to_owned(),
    };
    view! {
        <li>
            <A href=format!("/events/{doc}") attr:class="card event-card" attr:data-testid="event-card"
                attr:data-doc=doc.to_string() attr:data-status=status.key()>
                <span class="event-date" aria-hidden="true">
                    <span class="event-date-month">{month_short}</span>
                    <span class="event-date-day">{day.day}</span>
                </span>
                <span class="card-body">
                    <span class="card-name">
                        <span class="event-title" data-testid="event-card-title">{event.title.clone()}</span>
                    </span>
                    <span class="card-role"><span class="visually-hidden">{weekday}" "</span>{when}</span>
                    {(!where_().is_empty()).then(|| view! { <span class="card-meta">{where_.clone()}</span> })}
                    <span class="chips">
                        {(status != EventStatus::Published).then(|| view! {
                            <span class=format!("status status-event-{}", status.key()) data-testid="event-card-status">{move || status_label(i18n.get_locale(), status)}</span>
                        })}
                        {move || {
                            let s = standing.get();
                            (s.is_going() || matches!(s, crate::agenda::Standing::Refused)).then(|| view! {
                                <span class=format!("status status-standing-{}", standing_key(s)) data-testid="event-card-standing" data-standing=standing_key(s)>
                                    {standing_text(i18n.get_locale(), s)}
                                </span>
                            })
                        }}
                        <Show when=move || promoted.get()>
                            <span class="status status-promoted" data-testid="event-card-promoted">{move || t_string!(i18n, events.promoted_badge)}</span>
                        </Show>
                        {move || {
                            let a = availability.get();
                            // Seats left matter while one may still answer; a full event always.
                            let shown = a.is_full() || open_event;
                            shown.then(|| seats::availability_text(i18n.get_locale(), a)).flatten().map(|text| view! {
                                <span class=format!("status status-seats status-seats-{}", seats::availability_key(a))
                                    data-testid="event-card-seats" data-availability=seats::availability_key(a)>{text}</span>
                            })
                        }}
                        <Show when=fresh.clone()>
                            <span class="status status-fresh" data-testid="event-card-new">{move || t_string!(i18n, events.new_badge)}</span>
                        </Show>
                        <Show when=changed.clone()>
                            <span class="status status-changed" data-testid="event-card-changed">{move || t_string!(i18n, events.changed_badge)}</span>
                        </Show>
                    </span>
                </span>
            </A>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagu_core::pass::{Keys, SigningKey};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn listed(keys: &[&VerifyingKey]) -> PassAuthority {
        PassAuthority {
            keys: keys.iter().map(|k| (k.id(), k.to_string())).collect(),
            revoked_cards: BTreeMap::from([("u-ken".to_owned(), 1_767_225_600)]),
        }
    }

    #[wasm_bindgen_test]
    fn before_the_organisation_document_arrives_the_current_key_of_me_is_trusted() {
        let current = SigningKey::generate().verifying_key();
        let trust = trust(&PassAuthority::default(), &current.to_string());
        assert_eq!(trust.keys.all(), &[current]);
        assert!(trust.revoked_cards.is_empty());
    }

    #[wasm_bindgen_test]
    fn the_organisation_document_lists_every_key_still_valid_and_the_revoked_cards() {
        let (old, new) = (
            SigningKey::generate().verifying_key(),
            SigningKey::generate().verifying_key(),
        );
        let trust = trust(&listed(&[&old, &new]), &new.to_string());
        assert!(
            trust.keys.by_id(&old.id()).is_some(),
            "rotated, not yet retired"
        );
        assert!(trust.keys.by_id(&new.id()).is_some());
        assert_eq!(trust.revoked_cards.get("u-ken"), Some(&1_767_225_600));
    }

    #[wasm_bindgen_test]
    fn a_retired_key_is_not_trusted_even_if_a_stale_me_still_names_it() {
        let (retired, current) = (
            SigningKey::generate().verifying_key(),
            SigningKey::generate().verifying_key(),
        );
        let trust = trust(&listed(&[&current]), &retired.to_string());
        assert!(trust.keys.by_id(&retired.id()).is_none());
        assert_eq!(trust.keys.all(), &[current]);
    }

    #[wasm_bindgen_test]
    fn no_key_at_all_trusts_nothing() {
        assert!(
            trust(&PassAuthority::default(), "not a key")
                .keys
                .is_empty()
        );
    }
}
