//! One event, `/events/<document id>`, from the copy on this device: when and where, who hosts
//! it, how full it is, the description, the person's answer and where the relay put them (told
//! once when the waiting list gave them a seat), their ticket as a QR code once confirmed, what
//! changed since they last looked (old → new), and ways to pass it on.
//!
//! Who else is going is not shown: a member's phone holds no list of attendees (the roster is
//! for staff), and a member has not said whether others may see their name.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::event::{Event, EventChange, EventStatus, Going, SeatCount};
use tsunagu_core::ids::DocumentId;

use super::seats::{availability_for, availability_key, availability_text};
use super::{
    confirmed_seat, event_entry, is_admin, place, promotions, standing_for, standing_key,
    standing_text, status_label, use_client, use_event_param,
};
use crate::agenda::{GiveUp, Standing, give_up_question};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::state::{EventEntry, Link};
use crate::ui::icons;
use crate::ui::text::safe_url;
use crate::ui::time::{self, Style};

#[component]
pub(crate) fn EventPage() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_event_param();
    view! {
        <article class="event-page" data-testid="event-page">
            <A href="/events" attr:class="back-link" attr:data-testid="event-back">
                <icons::Back />
                <span>{move || t_string!(i18n, event.back)}</span>
            </A>
            // Keyed by the document: another event starts with its own "last seen" copy.
            {move || match doc.get() {
                Some(doc) => view! { <EventDetails doc=doc /> }.into_any(),
                None => view! { <p class="empty" data-testid="event-not-found">{t_string!(i18n, event.not_found)}</p> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn EventDetails(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let entry = event_entry(signals, doc);
    // The copy the person last saw. An edit that matters to attendees (time, place, title,
    // details, cancellation) stays announced until they say they saw it; then never again.
    // Anything else (capacity, a new host) just becomes the copy seen.
    let baseline = Memo::new(move |_| signals.seen_events.with(|s| s.get(&doc).cloned()));
    Effect::new(move |_| {
        if let Some(entry) = entry.get() {
            let quiet = baseline.with(|b| {
                b.as_ref()
                    .is_none_or(|before| entry.event.changes_since(before).is_empty())
            });
            if quiet {
                client.mark_event_seen(doc, &entry.event);
            }
        }
    });
    let known = move || {
        signals.me.with(|me| {
            me.as_ref()
                .is_some_and(|m| m.events.iter().any(|r| r.event == doc))
        })
    };
    move || match entry.get() {
        Some(entry) => view! { <EventBody entry=entry baseline=baseline /> }.into_any(),
        None => {
            let text = if known() {
                if signals.link.get() == Link::Offline {
                    t_string!(i18n, event.loading_offline)
                } else {
                    t_string!(i18n, event.loading)
                }
            } else {
                t_string!(i18n, event.not_found)
            };
            view! { <p class="empty" data-testid="event-not-found">{text}</p> }.into_any()
        }
    }
}

/// One line of "what changed": the label, and the old and new values where they read well
/// side by side (日時: 12/18(金) 19:00 → 12/19(土) 19:00).
fn change_line(
    locale: Locale,
    change: EventChange,
    before: &Event,
    after: &Event,
) -> (&'static str, Option<(String, String)>) {
    let when =
        |e: &Event| time::format_range_as(e.starts_at, e.ends_at, None, locale, Style::Short);
    let place_of = |e: &Event| {
        let address = e.venue.address.trim();
        let place = place(locale, e);
        if address.is_empty() || place.contains(address) {
            place
        } else {
            format!("{place}（{address}）")
        }
    };
    let values = match change {
        EventChange::Time => Some((when(before), when(after))),
        EventChange::Place => Some((place_of(before), place_of(after))),
        EventChange::Title => Some((before.title.clone(), after.title.clone())),
        EventChange::Description | EventChange::Cancelled => None,
    };
    (change_label(locale, change), values)
}

fn change_label(locale: Locale, change: EventChange) -> &'static str {
    match change {
        EventChange::Time => td_string!(locale, event.changed_time),
        EventChange::Place => td_string!(locale, event.changed_place),
        EventChange::Title => td_string!(locale, event.changed_title),
        EventChange::Description => td_string!(locale, event.changed_description),
        EventChange::Cancelled => td_string!(locale, event.changed_cancelled),
    }
}

#[component]
fn EventBody(entry: EventEntry, baseline: Memo<Option<Event>>) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let EventEntry {
        doc,
        event,
        roster,
        seats: published,
        going,
        ..
    } = entry;
    let status = event.status();
    let viewer_zone = time::viewer_zone();
    let zone = event.time_zone.clone();
    let other_zone =
        (!zone.is_empty() && zone != viewer_zone && time::is_zone(&zone)).then_some(zone);
    let (starts, ends) = (event.starts_at, event.ends_at);
    let admin = move || signals.me.with(|me| is_admin(me.as_ref()));
    let me_id = signals
        .me
        .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()).unwrap_or_default());
    let staff = event.staff.contains(&me_id);

    let changes = {
        let event = event.clone();
        move || {
            baseline.with(|b| {
                b.as_ref()
                    .map(|before| {
                        event
                            .changes_since(before)
                            .into_iter()
                            .map(|c| change_line(i18n.get_locale(), c, before, &event))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        }
    };
    let acknowledge = {
        let event = event.clone();
        move |_| client.mark_event_seen(doc, &event)
    };
    let capacity = event.seats();
    let availability = {
        let event = event.clone();
        Memo::new(move |_| {
            let standing = standing_for(signals, doc, &event);
            availability_for(signals, doc, capacity, published, standing)
        })
    };
    let map = safe_url(&event.venue.map_url).map(str::to_owned);
    let hosts = event
        .hosts
        .iter()
        .filter(|h| !h.trim().is_empty())
        .cloned()
        .collect::<Vec<_>>();
    let description = crate::markdown::to_html(&event.description);
    let has_description = !event.description.trim().is_empty();
    let closes_at = event.closes_at();
    let has_deadline = event.deadline > 0;
    let place_text = {
        let event = event.clone();
        move || place(i18n.get_locale(), &event)
    };
    let address = event.venue.address.trim().to_owned();
    let online = event.online;
    let venue_name = event.venue.name.trim().to_owned();

    view! {
        <header class="card section event-header" data-testid="event-header" data-status=status.key()>
            {(status != EventStatus::Published).then(|| view! {
                <span class=format!("status status-event-{}", status.key()) data-testid="event-status">{move || status_label(i18n.get_locale(), status)}</span>
            })}
            <h1 class="event-name" data-testid="event-title">{event.title.clone()}</h1>
            <dl class="facts event-facts">
                <div class="fact">
                    <dt>{move || t_string!(i18n, event.when)}</dt>
                    <dd data-testid="event-when">
                        {move || time::format_range(starts, ends, None, i18n.get_locale())}
                        {other_zone.clone().map(|zone| {
                            let shown = zone.clone();
                            view! {
                                <span class="event-zone" data-testid="event-zone">
                                    {move || time::format_range(starts, ends, Some(&zone), i18n.get_locale())}
                                    " (" {shown} ")"
                                </span>
                            }
                        })}
                    </dd>
                </div>
                <div class="fact">
                    <dt>{move || t_string!(i18n, event.where_)}</dt>
                    <dd data-testid="event-where">
                        {if venue_name.is_empty() && address.is_empty() && !online {
                            view! { <span class="muted">{move || t_string!(i18n, event.place_unknown)}</span> }.into_any()
                        } else {
                            view! {
                                <span>{place_text}</span>
                                {(!address.is_empty() && !venue_name.is_empty()).then(|| view! { <span class="event-address">{address.clone()}</span> })}
                                {map.clone().map(|url| view! {
                                    <a class="event-map" href=url target="_blank" rel="noopener noreferrer" data-testid="event-map">{move || t_string!(i18n, event.map)}</a>
                                })}
                            }.into_any()
                        }}
                    </dd>
                </div>
                {(!hosts.is_empty()).then(|| view! {
                    <div class="fact">
                        <dt>{move || t_string!(i18n, event.hosts)}</dt>
                        <dd data-testid="event-hosts">{move || hosts.join(match i18n.get_locale() { Locale::ja => "、", Locale::en => ", " })}</dd>
                    </div>
                })}
                <div class="fact">
                    <dt>{move || t_string!(i18n, event.capacity)}</dt>
                    <dd data-testid="event-capacity" data-availability=move || availability_key(availability.get())>
                        <span>
                            {move || match capacity {
                                None => t_string!(i18n, event.no_limit).to_owned(),
                                Some(1) => t_string!(i18n, event.seat_one).to_owned(),
                                Some(n) => t_string!(i18n, event.seats).replace("%n", &n.to_string()),
                            }}
                            {move || availability_text(i18n.get_locale(), availability.get()).map(|text| view! {
                                " "<span class=format!("status status-seats status-seats-{}", availability_key(availability.get())) data-testid="event-seats">{text}</span>
                            })}
                        </span>
                    </dd>
                </div>
                {has_deadline.then(|| view! {
                    <div class="fact">
                        <dt>{move || t_string!(i18n, event.deadline)}</dt>
                        <dd>{move || time::format(closes_at, None, i18n.get_locale(), Style::DayAndTime)}</dd>
                    </div>
                })}
            </dl>
        </header>
        {move || {
            let list = changes();
            (!list.is_empty()).then(|| view! {
                <div class="banner banner-warning event-changes" role="status" data-testid="event-changes">
                    <div>
                        <strong>{t_string!(i18n, event.changed_title_line)}</strong>
                        <ul class="change-list">
                            {list.into_iter().map(|(label, values)| view! {
                                <li data-testid="event-change">
                                    <span class="change-label">{label}</span>
                                    {match values {
                                        Some((old, new)) => view! {
                                            <del class="change-old">{old}</del>
                                            <span class="change-arrow" aria-hidden="true">" → "</span>
                                            <ins class="change-new">{new}</ins>
                                        }.into_any(),
                                        None => view! { <span>{t_string!(i18n, event.changed_updated)}</span> }.into_any(),
                                    }}
                                </li>
                            }).collect_view()}
                        </ul>
                    </div>
                    <button type="button" class="button button-small" data-testid="event-changes-ok" on:click=acknowledge.clone()>{t_string!(i18n, event.changed_ok)}</button>
                </div>
            })
        }}
        {(status == EventStatus::Cancelled).then(|| view! {
            <div class="banner banner-warning" role="status" data-testid="event-cancelled">
                <span>{move || t_string!(i18n, event.cancelled_note)}</span>
            </div>
        })}
        <Answer doc=doc event=event.clone() published=published />
        {has_description.then(|| view! {
            <section class="card section">
                <h2 class="section-title">{move || t_string!(i18n, event.about)}</h2>
                <div class="markdown" data-testid="event-description" inner_html=description></div>
            </section>
        })}
        {(status == EventStatus::Published).then(|| view! { <super::share::ShareEvent doc=doc title=event.title.clone() /> })}
        <WhoIsGoing going=going taken=published.map(|s| s.taken) />
        <super::attendees::AttendeeList doc=doc />
        <div class="edit-footer event-footer">
            <a class="button" href=api::event_ics(&doc) download=format!("{doc}.ics") data-testid="event-ics">
                {move || t_string!(i18n, event.add_to_calendar)}
            </a>
            <Show when=move || admin() || (staff && roster.is_some())>
                <a class="button button-quiet" href=move || super::attendees_csv(&doc, i18n.get_locale()) download="" data-testid="event-attendees-csv">
                    {move || t_string!(i18n, event.attendees_csv)}
                </a>
                <A href=format!("/events/{doc}/check-in") attr:class="button" attr:data-testid="event-checkin">
                    {move || t_string!(i18n, checkin.open)}
                </A>
                <A href=format!("/events/{doc}/venue-code") attr:class="button button-quiet" attr:data-testid="event-venue-code">
                    {move || t_string!(i18n, venue_code.open)}
                </A>
                <EventChatButton doc=doc />
            </Show>
            <Show when=admin>
                <A href=format!("/events/{doc}/edit") attr:class="button button-primary" attr:data-testid="event-edit">
                    {move || t_string!(i18n, event.edit)}
                </A>
            </Show>
        </div>
    }
}

/// Who is going, as connpass lists 参加者: the names of the confirmed who chose to be listed,
/// and how many more go unnamed (from the relay's count).
#[component]
fn WhoIsGoing(going: Going, taken: Option<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let named = u32::try_from(going.names.len()).unwrap_or(u32::MAX);
    let others = taken.map_or(0, |t| t.saturating_sub(named));
    (named > 0).then(|| {
        view! {
            <section class="card section who-is-going" data-testid="event-going">
                <h2 class="section-title">{move || t_string!(i18n, event.who_is_going)}</h2>
                <ul class="chips">
                    {going.names.into_iter().map(|name| view! { <li class="chip" data-testid="event-going-name">{name}</li> }).collect_view()}
                </ul>
                {(others > 0).then(|| view! {
                    <p class="muted" data-testid="event-going-others">
                        {move || t_string!(i18n, event.going_others).replace("%n", &others.to_string())}
                    </p>
                })}
            </section>
        }
    })
}

/// Going / not going (joining the waiting list when the event is full; asked first when a
/// seat or a place would be given up), where the relay put the person, and their ticket once
/// confirmed.
#[component]
fn Answer(doc: DocumentId, event: Event, published: Option<SeatCount>) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let error = RwSignal::new(None::<AppError>);
    let key = doc.to_string();
    let standing = {
        let event = event.clone();
        Memo::new(move |_| standing_for(signals, doc, &event))
    };
    let answered = {
        let key = key.clone();
        Memo::new(move |_| signals.rsvps.with(|r| r.events.get(&key).map(|a| a.going)))
    };
    let shows_name = {
        let key = key.clone();
        Memo::new(move |_| {
            signals
                .rsvps
                .with(|r| r.events.get(&key).is_some_and(|a| a.show_name))
        })
    };
    let ticket = {
        let key = key.clone();
        move || confirmed_seat(signals, &key, |s| s.ticket.clone()).filter(|t| !t.is_empty())
    };
    // An online event's link, which the relay gives confirmed attendees only.
    let join_url = {
        let key = key.clone();
        move || {
            confirmed_seat(signals, &key, |s| safe_url(&s.join_url).map(str::to_owned)).flatten()
        }
    };
    let status = event.status();
    let open_event = status == EventStatus::Published;
    let (closes_at, ends_at) = (event.closes_at(), event.ends_at.max(event.starts_at));
    let closed = move || crate::runtime::now() > closes_at;
    let over = move || crate::runtime::now() > ends_at;
    let capacity = event.seats();
    let availability =
        Memo::new(move |_| availability_for(signals, doc, capacity, published, standing.get()));
    let full = move || availability.get().is_full() && !standing.get().is_going();
    let answer = move |going: bool| {
        error.set(None);
        if !going
            && let Some(question) =
                give_up_question(standing.get_untracked(), availability.get_untracked())
        {
            let locale = i18n.get_locale_untracked();
            let text = match question {
                GiveUp::SeatToWaiting => td_string!(locale, event.give_up_seat_to_waiting),
                GiveUp::Seat => td_string!(locale, event.give_up_seat),
                GiveUp::Place => td_string!(locale, event.give_up_place),
            };
            if !crate::ui::confirm(text) {
                return;
            }
        }
        if let Err(e) = client.answer_rsvp(doc, going) {
            error.set(Some(e));
        }
    };
    let not_going_label = move || match standing.get() {
        Standing::Confirmed | Standing::Unconfirmed { going: true } => {
            t_string!(i18n, event.cancel_seat)
        }
        Standing::Waiting { .. } => t_string!(i18n, event.leave_waiting_list),
        _ => t_string!(i18n, event.not_going),
    };
    let promoted = Memo::new(move |_| promotions(signals).iter().any(|e| e.doc == doc));
    let title = event.title.clone();
    let place_text = place(i18n.get_locale_untracked(), &event);
    let (starts, ends) = (event.starts_at, event.ends_at);
    view! {
        <section class="card section rsvp" data-testid="rsvp" data-standing=move || standing_key(standing.get())>
            <h2 class="section-title">{move || t_string!(i18n, event.your_answer)}</h2>
            <p class="rsvp-standing" data-testid="rsvp-standing" role="status" aria-live="polite">
                <span class=move || format!("status status-standing-{}", standing_key(standing.get()))>
                    {move || standing_text(i18n.get_locale(), standing.get())}
                </span>
                {move || {
                    let hint = match standing.get() {
                        Standing::Unconfirmed { .. } if signals.link.get() == Link::Offline => Some(t_string!(i18n, event.hint_offline)),
                        Standing::Unconfirmed { .. } => Some(t_string!(i18n, event.hint_unconfirmed)),
                        Standing::Waiting { .. } => Some(t_string!(i18n, event.hint_waiting)),
                        Standing::Refused => Some(t_string!(i18n, event.hint_refused)),
                        _ => None,
                    };
                    hint.map(|h| view! { <span class="field-hint rsvp-hint">{h}</span> })
                }}
            </p>
            <Show when=move || promoted.get()>
                <div class="banner banner-success rsvp-promoted" role="status" data-testid="rsvp-promoted">
                    <span>
                        <strong>{move || t_string!(i18n, event.promoted_title)}</strong>" "
                        {move || t_string!(i18n, event.promoted_text)}
                    </span>
                    <button type="button" class="button button-small" data-testid="rsvp-promoted-ok"
                        on:click=move |_| client.acknowledge_seat(doc)>{move || t_string!(i18n, event.changed_ok)}</button>
                </div>
            </Show>
            <Show when=move || full() && open_event && !closed()>
                <p class="field-hint rsvp-full" data-testid="rsvp-full">{move || t_string!(i18n, event.hint_full)}</p>
            </Show>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="rsvp-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
            {if open_event {
                view! {
                    <div class="rsvp-buttons" role="group" aria-label=move || t_string!(i18n, event.your_answer)>
                        <button type="button" class="button rsvp-going" data-testid="rsvp-going"
                            class:rsvp-waiting-list=full
                            aria-pressed=move || (answered.get() == Some(true)).to_string()
                            disabled=move || closed() || answered.get() == Some(true)
                            on:click=move |_| answer(true)>
                            {move || if full() { t_string!(i18n, event.join_waiting_list) } else { t_string!(i18n, event.going) }}
                        </button>
                        <button type="button" class="button rsvp-not-going" data-testid="rsvp-not-going"
                            aria-pressed=move || (answered.get() == Some(false)).to_string()
                            disabled=move || over() || answered.get() == Some(false) || (closed() && answered.get().is_none())
                            on:click=move |_| answer(false)>
                            {not_going_label}
                        </button>
                    </div>
                    <Show when=move || closed() && !over()>
                        <p class="field-hint">{move || t_string!(i18n, event.registration_closed)}</p>
                    </Show>
                    <Show when=move || answered.get() == Some(true) && !over()>
                        <label class="rsvp-show-name">
                            <input type="checkbox" data-testid="rsvp-show-name"
                                prop:checked=move || shows_name.get()
                                on:change=move |ev| {
                                    if let Err(e) = client.show_name(doc, event_target_checked(&ev)) {
                                        error.set(Some(e));
                                    }
                                } />
                            <span>{move || t_string!(i18n, event.show_name)}</span>
                        </label>
                    </Show>
                }.into_any()
            } else {
                view! { <p class="field-hint" data-testid="rsvp-unavailable">{move || t_string!(i18n, event.answers_unavailable)}</p> }.into_any()
            }}
            {move || join_url().map(|url| view! {
                <a class="button button-primary button-block event-join" href=url target="_blank" rel="noopener noreferrer" data-testid="event-join">
                    {t_string!(i18n, event.join_online)}
                </a>
            })}
            <super::arrival::SelfCheckIn doc=doc event=event.clone() />
            {move || ticket().map(|text| view! {
                <h3 class="ticket-title">{move || t_string!(i18n, event.ticket)}</h3>
                <super::ticket::TicketCard text=text title=title.clone() starts=starts ends=ends place=place_text.clone() />
            })}
        </section>
    }
}

/// Staff and admins open the event's chat with its confirmed attendees (needs the relay); the
/// relay keeps who is in it as seats change hands.
#[component]
fn EventChatButton(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let navigate = leptos_router::hooks::use_navigate();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<&'static str>);
    let open = move |_| {
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match client.open_event_chat(doc).await {
                Ok(chat) => navigate(&format!("/messages/{chat}"), Default::default()),
                Err(e) => error.set(Some(crate::ui::error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="button button-quiet" data-testid="event-chat" disabled=move || busy.get() on:click=open>
            {move || t_string!(i18n, event.chat)}
        </button>
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert">{e}</p> })}
    }
}
