//! Job openings (docs/design.md §13): `/jobs` lists the openings meant for the person — comeback
//! roles, part-time work, gigs and side work, referrals — from the copies on this device, so it
//! browses and filters offline; each opens at `/news/<document id>` like a post, with its
//! particulars. Admins and recruiters start openings at `/jobs/new` and write them in the news
//! editor, which shows the particulars' fields for an opening.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::news::{JobKind, Opening};
use tsunagu_core::vocab;

use super::{NewsCard, NotOutYet, now, out_posts};
use crate::i18n::*;
use crate::ui::time::{self, Style};
use crate::ui::use_client;

/// A kind of work, for people.
pub(crate) fn kind_label(locale: Locale, kind: JobKind) -> &'static str {
    match kind {
        JobKind::FullTime => td_string!(locale, jobs.kind_full_time),
        JobKind::PartTime => td_string!(locale, jobs.kind_part_time),
        JobKind::Gig => td_string!(locale, jobs.kind_gig),
        JobKind::Referral => td_string!(locale, jobs.kind_referral),
    }
}

/// Whether the person posts job openings: an admin or a recruiter (tracked).
pub(crate) fn writes_jobs(signals: crate::state::Signals) -> bool {
    signals
        .me
        .with(|me| me.as_ref().is_some_and(|me| vocab::writes_jobs(&me.roles)))
}

/// News or jobs: the two lists the news tab holds.
#[component]
pub(crate) fn NewsOrJobs(jobs: bool) -> impl IntoView {
    let i18n = use_i18n();
    let current = move |here: bool| (here == jobs).then_some("page");
    view! {
        <nav class="segmented news-switch" aria-label=move || t_string!(i18n, jobs.switch_label)>
            <A href="/news" attr:class="segment" attr:data-testid="news-switch-news" attr:aria-current=current(false)>
                {move || t_string!(i18n, jobs.tab_news)}
            </A>
            <A href="/jobs" attr:class="segment" attr:data-testid="news-switch-jobs" attr:aria-current=current(true)>
                {move || t_string!(i18n, jobs.tab_jobs)}
            </A>
        </nav>
    }
}

/// `/jobs`: the openings out for the person, filtered by kind; for their writers, also those not
/// out yet.
#[component]
pub(crate) fn JobsPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let kind = RwSignal::new(None::<JobKind>);
    let saved_only = RwSignal::new(false);
    let openings = Memo::new(move |_| out_posts(signals, true));
    let matching = Memo::new(move |_| {
        let wanted = kind.get();
        let saved_only = saved_only.get();
        openings.with(|all| {
            all.iter()
                .filter(|e| {
                    wanted.is_none() || e.post.job.as_ref().and_then(Opening::kind) == wanted
                })
                .filter(|e| !saved_only || super::apply::is_saved(signals, e.doc))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    // Openings still taking applications first; those closed after them, in the same order.
    let shown = Memo::new(move |_| {
        let at = now();
        let mut list = matching.get();
        list.sort_by_key(|e| e.post.job.as_ref().is_some_and(|j| j.is_closed(at)));
        list
    });
    let writer = move || writes_jobs(signals);
    let chip = move |choice: Option<JobKind>| {
        let key = choice.map_or("all", JobKind::key);
        view! {
            <button type="button" class="chip chip-toggle" class:chip-on=move || kind.get() == choice
                aria-pressed=move || (kind.get() == choice).to_string()
                data-testid=format!("jobs-kind-{key}") on:click=move |_| kind.set(choice)>
                {move || match choice {
                    Some(k) => kind_label(i18n.get_locale(), k),
                    None => t_string!(i18n, jobs.all),
                }}
            </button>
        }
    };
    view! {
        <section class="news-page jobs-page" data-testid="jobs-page">
            <div class="page-head">
                <h1 class="page-title">{move || t_string!(i18n, jobs.title)}</h1>
                <Show when=writer>
                    <div class="page-actions">
                        <A href="/talent" attr:class="button button-small" attr:data-testid="jobs-talent">
                            {move || t_string!(i18n, talent.open)}
                        </A>
                        <A href="/jobs/new" attr:class="button button-primary button-small" attr:data-testid="jobs-new">
                            {move || t_string!(i18n, jobs.new)}
                        </A>
                    </div>
                </Show>
            </div>
            <NewsOrJobs jobs=true />
            <p class="page-lead">{move || t_string!(i18n, jobs.lead)}</p>
            <Show when=writer>
                <NotOutYet jobs=true />
            </Show>
            <Show when=move || !openings.with(Vec::is_empty)
                fallback=move || view! { <p class="empty" data-testid="jobs-empty">{move || t_string!(i18n, jobs.empty)}</p> }>
                <div class="chips jobs-kinds" role="group" aria-label=move || t_string!(i18n, jobs.kind_label)>
                    {chip(None)}
                    {JobKind::ALL.into_iter().map(|k| chip(Some(k))).collect_view()}
                    <button type="button" class="chip chip-toggle" class:chip-on=move || saved_only.get()
                        aria-pressed=move || saved_only.get().to_string()
                        data-testid="jobs-saved" on:click=move |_| saved_only.update(|s| *s = !*s)>
                        {move || t_string!(i18n, jobs.saved_only)}
                    </button>
                </div>
                <Show when=move || !shown.with(Vec::is_empty)
                    fallback=move || view! { <p class="empty" data-testid="jobs-empty-kind">{move || t_string!(i18n, jobs.empty_kind)}</p> }>
                    <ul class="news-list" data-testid="jobs-list">
                        <For each=move || shown.get() key=|e| (e.doc, e.post.title.clone(), e.post.body.clone(), e.post.job.clone(), e.out_at) let:entry>
                            <NewsCard entry=entry />
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
}

/// An opening's particulars in one line of chips: its kind, place, remote, pay, duration and
/// when applications close (or that they have).
#[component]
pub(crate) fn Particulars(opening: Opening) -> impl IntoView {
    let i18n = use_i18n();
    let closed = opening.is_closed(now());
    let closes_at = opening.closes_at;
    let texts: Vec<String> = [
        &opening.department,
        &opening.location,
        &opening.rate,
        &opening.duration,
    ]
    .into_iter()
    .map(|t| t.trim().to_owned())
    .filter(|t| !t.is_empty())
    .collect();
    view! {
        <span class="job-facts" data-testid="job-facts" data-kind=opening.kind.clone() data-closed=closed.to_string()>
            {opening.kind().map(|k| view! { <span class="status status-job">{move || kind_label(i18n.get_locale(), k)}</span> })}
            {opening.remote.then(|| view! { <span class="chip">{move || t_string!(i18n, jobs.remote)}</span> })}
            {texts.into_iter().map(|t| view! { <span class="chip">{t}</span> }).collect_view()}
            {(closes_at > 0).then(|| if closed {
                view! { <span class="status status-closed" data-testid="job-closed">{move || t_string!(i18n, jobs.closed)}</span> }.into_any()
            } else {
                view! {
                    <span class="chip" data-testid="job-closes">{move || t_string!(i18n, jobs.closes)
                        .replace("%d", &time::format(closes_at, None, i18n.get_locale(), Style::Day))}</span>
                }.into_any()
            })}
        </span>
    }
}
