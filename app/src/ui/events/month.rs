//! The month calendar: a grid of days in the viewer's zone, Saturdays blue and Sundays and
//! Japan's holidays red as Japanese calendars print them, each event day with its titles (on a
//! desktop) or their count (on a phone), and the events of the day picked (or of the month)
//! below it. It opens on a month with events ([`opening_month`]); an empty month offers the
//! next event, or says how to propose one.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{EventCard, EventsState, is_mine, standing_for, use_client};
use crate::calendar::{
    Date as Day, add_months, holiday, month_grid, next_event_after, opening_month,
};
use crate::i18n::*;
use crate::state::EventEntry;
use crate::ui::time::{self, Style};

/// Titles written in one day at most; more show as "+n".
const MAX_TITLES: usize = 2;

/// `unix` at noon UTC on the 15th of (`year`, `month`): in that month in every zone.
fn mid_month(year: i32, month: u32) -> i64 {
    Day::new(year, month, 15).days() * 86_400 + 43_200
}

#[component]
pub(super) fn MonthView(state: EventsState, events: Memo<Vec<EventEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let today = time::today();
    // Each event with its day on the viewer's calendar and whether it is the person's.
    let placed = Memo::new(move |_| {
        let me = signals.me.get();
        events.with(|events| {
            events
                .iter()
                .map(|e| {
                    let mine = is_mine(
                        me.as_ref(),
                        &e.event,
                        standing_for(signals, e.doc, &e.event),
                    );
                    (time::viewer_day(e.event.starts_at), mine, e.clone())
                })
                .collect::<Vec<_>>()
        })
    });
    let shown = Memo::new(move |_| {
        state
            .shown
            .get()
            .unwrap_or_else(|| placed.with(|p| opening_month(today, p.iter().map(|(d, _, _)| *d))))
    });
    let title = move || {
        let (year, month) = shown.get();
        time::format(
            mid_month(year, month),
            Some("UTC"),
            i18n.get_locale(),
            Style::Month,
        )
    };
    let step = move |delta: i32| {
        let (year, month) = shown.get_untracked();
        state.shown.set(Some(add_months(year, month, delta)));
        state.day.set(None);
    };
    let weekdays = move || match i18n.get_locale() {
        Locale::ja => ["日", "月", "火", "水", "木", "金", "土"],
        Locale::en => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    };
    let below = Memo::new(move |_| {
        let (year, month) = shown.get();
        let day = state.day.get();
        placed.with(|placed| {
            placed
                .iter()
                .filter(|(d, _, _)| match day {
                    Some(day) => *d == day,
                    None => d.year == year && d.month == month,
                })
                .map(|(_, _, e)| e.clone())
                .collect::<Vec<_>>()
        })
    });
    // The first event after the month shown, for an empty month.
    let next = Memo::new(move |_| {
        let (year, month) = shown.get();
        placed.with(|placed| {
            let day = next_event_after(year, month, placed.iter().map(|(d, _, _)| *d))?;
            placed
                .iter()
                .find(|(d, _, _)| *d == day)
                .map(|(d, _, e)| (*d, e.event.starts_at, e.event.title.clone()))
        })
    });
    let day_names = move |day: Day| -> (bool, Option<&'static str>) {
        let name = holiday(day).map(|h| match i18n.get_locale() {
            Locale::ja => h.name_ja(),
            Locale::en => h.name_en(),
        });
        (name.is_some(), name)
    };

    view! {
        <div class="month card" data-testid="month-view">
            <div class="month-head">
                <button type="button" class="button button-small button-quiet" data-testid="month-prev"
                    aria-label=move || t_string!(i18n, events.month_prev) on:click=move |_| step(-1)>"‹"</button>
                <h2 class="month-title" data-testid="month-title" aria-live="polite"
                    data-month=move || { let (y, m) = shown.get(); format!("{y}-{m:02}") }>{title}</h2>
                <button type="button" class="button button-small button-quiet" data-testid="month-next"
                    aria-label=move || t_string!(i18n, events.month_next) on:click=move |_| step(1)>"›"</button>
            </div>
            <table class="month-grid">
                <thead>
                    <tr>{move || weekdays().into_iter().enumerate().map(|(i, w)| view! {
                        <th scope="col" class:month-sun=i == 0 class:month-sat=i == 6>{w}</th>
                    }).collect_view()}</tr>
                </thead>
                <tbody>
                    {move || {
                        let (year, month) = shown.get();
                        month_grid(year, month).into_iter().map(|week| view! {
                            <tr>
                                {week.into_iter().map(|cell| match cell {
                                    None => view! { <td class="month-blank"></td> }.into_any(),
                                    Some(n) => {
                                        let day = Day::new(year, month, n);
                                        let on_day = placed.with(|p| p.iter().filter(|(d, _, _)| *d == day).map(|(_, mine, e)| (*mine, e.event.title.clone())).collect::<Vec<_>>());
                                        let count = on_day.len();
                                        let more = count.saturating_sub(MAX_TITLES);
                                        let weekday = day.weekday();
                                        let (is_holiday, holiday_name) = day_names(day);
                                        view! {
                                            <td class:month-sun=weekday == 0 class:month-sat=weekday == 6 class:month-holiday=is_holiday>
                                                <button type="button" class="month-day"
                                                    class:month-today={day == today}
                                                    class:month-has={count > 0}
                                                    title=holiday_name
                                                    aria-pressed=move || (state.day.get() == Some(day)).to_string()
                                                    data-testid="month-day" data-day=n data-count=count
                                                    data-holiday=holiday_name
                                                    on:click=move |_| state.day.update(|d| *d = if *d == Some(day) { None } else { Some(day) })>
                                                    <span class="month-day-number">{n}</span>
                                                    {holiday_name.map(|name| view! { <span class="month-holiday-name">{name}</span> })}
                                                    {(count > 0).then(|| view! {
                                                        <span class="month-count" aria-hidden="true">{count}</span>
                                                    })}
                                                    <span class="month-titles" aria-hidden="true">
                                                        {on_day.into_iter().take(MAX_TITLES).map(|(mine, title)| view! {
                                                            <span class="month-event" class:month-event-mine=mine data-testid="month-event">{title}</span>
                                                        }).collect_view()}
                                                        {(more > 0).then(|| view! { <span class="month-more">{format!("+{more}")}</span> })}
                                                    </span>
                                                    {(count > 0).then(|| view! { <span class="visually-hidden">{t!(i18n, events.day_count, count = move || count)}</span> })}
                                                </button>
                                            </td>
                                        }.into_any()
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()
                    }}
                </tbody>
            </table>
        </div>
        {move || {
            let list = below.get();
            if !list.is_empty() {
                return view! {
                    <ul class="event-list" data-testid="month-events">
                        {list.into_iter().map(|e| view! { <EventCard entry=e /> }).collect_view()}
                    </ul>
                }.into_any();
            }
            if state.day.get().is_some() {
                return view! { <p class="empty" data-testid="month-empty">{t_string!(i18n, events.none_on_day)}</p> }.into_any();
            }
            view! {
                <div class="empty month-empty" data-testid="month-empty">
                    <p>{t_string!(i18n, events.none_in_month)}</p>
                    {match next.get() {
                        Some((day, starts, title)) => view! {
                            <button type="button" class="button button-small month-next-event" data-testid="month-next-event"
                                on:click=move |_| { state.shown.set(Some((day.year, day.month))); state.day.set(None); }>
                                <span class="muted">{t_string!(i18n, events.next_event)}</span>
                                <span>{time::format(starts, None, i18n.get_locale(), Style::Day)}" "{title}</span>
                                <span aria-hidden="true">"→"</span>
                            </button>
                        }.into_any(),
                        None => view! {
                            <p class="muted">{t_string!(i18n, events.none_planned)}" "{t_string!(i18n, events.propose_hint)}</p>
                            <p><A href="/events/new" attr:class="button button-small">{t_string!(i18n, events.propose)}</A></p>
                        }.into_any(),
                    }}
                </div>
            }.into_any()
        }}
    }
}
