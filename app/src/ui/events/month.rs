//! The month calendar: a grid of days in the viewer's zone with a dot for each event (filled
//! for the person's own), and the events of the day picked (or of the month) below it.

use leptos::prelude::*;

use super::time::{self, Style};
use super::{EventCard, EventsState, is_mine, standing_for, use_client};
use crate::calendar::{Date as Day, add_months, month_grid};
use crate::i18n::*;
use crate::state::EventEntry;

/// Dots drawn in one day at most; more show as "+n".
const MAX_DOTS: usize = 3;

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
    let title = move || {
        let (year, month) = state.shown.get();
        let mid = Day::new(year, month, 15).days() * 86_400 + 43_200;
        time::format(mid, Some("UTC"), i18n.get_locale(), Style::Month)
    };
    let step = move |delta: i32| {
        state
            .shown
            .update(|(y, m)| (*y, *m) = add_months(*y, *m, delta));
        state.day.set(None);
    };
    let weekdays = move || match i18n.get_locale() {
        Locale::ja => ["日", "月", "火", "水", "木", "金", "土"],
        Locale::en => ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
    };
    let below = Memo::new(move |_| {
        let (year, month) = state.shown.get();
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

    view! {
        <div class="month card" data-testid="month-view">
            <div class="month-head">
                <button type="button" class="button button-small button-quiet" data-testid="month-prev"
                    aria-label=move || t_string!(i18n, events.month_prev) on:click=move |_| step(-1)>"‹"</button>
                <h2 class="month-title" data-testid="month-title" aria-live="polite">{title}</h2>
                <button type="button" class="button button-small button-quiet" data-testid="month-next"
                    aria-label=move || t_string!(i18n, events.month_next) on:click=move |_| step(1)>"›"</button>
            </div>
            <table class="month-grid">
                <thead>
                    <tr>{move || weekdays().into_iter().map(|w| view! { <th scope="col">{w}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {move || {
                        let (year, month) = state.shown.get();
                        month_grid(year, month).into_iter().map(|week| view! {
                            <tr>
                                {week.into_iter().map(|cell| match cell {
                                    None => view! { <td class="month-blank"></td> }.into_any(),
                                    Some(n) => {
                                        let day = Day::new(year, month, n);
                                        let dots = placed.with(|p| p.iter().filter(|(d, _, _)| *d == day).map(|(_, mine, _)| *mine).collect::<Vec<bool>>());
                                        let count = dots.len();
                                        let more = count.saturating_sub(MAX_DOTS);
                                        view! {
                                            <td>
                                                <button type="button" class="month-day"
                                                    class:month-today={day == today}
                                                    class:month-has={count > 0}
                                                    aria-pressed=move || (state.day.get() == Some(day)).to_string()
                                                    data-testid="month-day" data-day=n data-count=count
                                                    on:click=move |_| state.day.update(|d| *d = if *d == Some(day) { None } else { Some(day) })>
                                                    <span class="month-day-number">{n}</span>
                                                    <span class="month-dots" aria-hidden="true">
                                                        {dots.into_iter().take(MAX_DOTS).map(|mine| view! { <span class="month-dot" class:month-dot-mine=mine></span> }).collect_view()}
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
            if list.is_empty() {
                let text = if state.day.get().is_some() { t_string!(i18n, events.none_on_day) } else { t_string!(i18n, events.none_in_month) };
                return view! { <p class="empty" data-testid="month-empty">{text}</p> }.into_any();
            }
            view! {
                <ul class="event-list" data-testid="month-events">
                    {list.into_iter().map(|e| view! { <EventCard entry=e /> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
