//! Company news (docs/design.md §13): the feed at `/news` and one post at `/news/<document id>`,
//! read from the copies on this device, so both open offline. Only the posts meant for the
//! person ever reach it (the relay judges each post's segment), pinned first, then the newest;
//! a post not opened on this device is marked unread and counted on the tab.
//!
//! Admins also see their drafts, scheduled and unpublished posts here, and write them in the
//! editor ([`editor`], in the admins' chunk). Job openings are posts too; they are listed apart,
//! at `/jobs` ([`jobs`]).

mod apply;
pub(crate) mod board;
pub(crate) mod editor;
pub(crate) mod jobs;
mod responses;
pub(crate) mod talent;

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::news::{JobKind, PostStatus};
use tsunagu_core::vocab;

use crate::i18n::*;
use crate::runtime::NewsEntry;
use crate::state::{Link, Signals};
use crate::ui::icons;
use crate::ui::time::{self, Style};
use crate::ui::use_client;

/// Characters of a post's text the feed shows.
const EXCERPT_CHARS: usize = 90;

/// Whether the person writes news: an admin or an editor (tracked).
fn writes_news(signals: Signals) -> bool {
    signals
        .me
        .with(|me| me.as_ref().is_some_and(|me| vocab::writes_news(&me.roles)))
}

/// Whether the person writes posts of the kind of `entry`: news, or job openings (tracked).
pub(crate) fn writes(signals: Signals, entry: &NewsEntry) -> bool {
    if entry.is_job() {
        jobs::writes_jobs(signals)
    } else {
        writes_news(signals)
    }
}

fn now() -> i64 {
    crate::runtime::now()
}

/// The posts out for their readers (tracked), in the feed's order: the job openings, or news.
fn out_posts(signals: Signals, jobs: bool) -> Vec<NewsEntry> {
    let now = now();
    signals.news.with(|news| {
        news.iter()
            .filter(|e| e.is_out(now) && e.is_job() == jobs)
            .cloned()
            .collect()
    })
}

/// Whether the person has not opened `doc` on this device (tracked).
fn is_unread(signals: Signals, doc: DocumentId) -> bool {
    signals.seen_news.with(|seen| !seen.contains(&doc))
}

/// The count on the news tab: posts out and not opened here.
#[component]
pub(crate) fn NewsBadge() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let count = Memo::new(move |_| {
        let now = now();
        signals.news.with(|news| {
            news.iter()
                .filter(|e| e.is_out(now) && is_unread(signals, e.doc))
                .count()
        })
    });
    view! {
        <super::TabBadge count=count label=Signal::derive(move || t_string!(i18n, news.nav_badge)) testid="news-badge" />
    }
}

/// The nav entry's icon: a megaphone.
#[component]
pub(crate) fn NewsIcon() -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d="M4 10v4a1 1 0 0 0 1 1h2l7 4V5L7 9H5a1 1 0 0 0-1 1z" />
            <path d="M7 15l1.5 4.5M17.5 9a4 4 0 0 1 0 6" />
        </svg>
    }
}

/// When a post came out, for people (empty for a post just published here whose time the relay
/// has not said yet).
fn out_date(locale: Locale, entry: &NewsEntry) -> String {
    entry
        .out_at
        .map(|at| time::format(at, None, locale, Style::Day))
        .unwrap_or_default()
}

/// `/news`: the feed, and for admins their posts not out.
#[component]
pub(crate) fn NewsPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let posts = Memo::new(move |_| out_posts(signals, false));
    let admin = move || writes_news(signals);
    view! {
        <section class="news-page" data-testid="news-page">
            <div class="page-head">
                <h1 class="page-title">{move || t_string!(i18n, news.title)}</h1>
                <Show when=admin>
                    <A href="/news/new" attr:class="button button-primary button-small" attr:data-testid="news-new">
                        {move || t_string!(i18n, news.new_post)}
                    </A>
                </Show>
            </div>
            <jobs::NewsOrJobs jobs=false />
            <p class="page-lead">{move || t_string!(i18n, news.lead)}</p>
            <Show when=admin>
                <NotOutYet jobs=false />
            </Show>
            <Show when=move || !posts.with(Vec::is_empty)
                fallback=move || view! { <p class="empty" data-testid="news-empty">{move || t_string!(i18n, news.empty)}</p> }>
                <ul class="news-list" data-testid="news-list">
                    <For each=move || posts.get() key=|e| (e.doc, e.post.title.clone(), e.post.body.clone(), e.post.pinned, e.out_at) let:entry>
                        <NewsCard entry=entry />
                    </For>
                </ul>
            </Show>
            <MailChoice />
        </section>
    }
}

/// Whether the member receives posts by mail as well; shown while online on a relay that mails
/// (the choice lives on the relay, which sends the mails).
#[component]
fn MailChoice() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let choice = RwSignal::new(None::<bool>);
    let failed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    Effect::new(move |_| {
        if client.signals.link.get() == Link::Offline {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(said) = client.newsletter().await {
                choice.set(said.mail_server.then_some(said.receive));
            }
        });
    });
    let change = move |ev| {
        let receive = event_target_checked(&ev);
        busy.set(true);
        failed.set(false);
        leptos::task::spawn_local(async move {
            match client.set_newsletter(receive).await {
                Ok(said) => choice.set(Some(said.receive)),
                Err(_) => {
                    failed.set(true);
                    // Back to what the relay holds.
                    choice.set(choice.get_untracked());
                }
            }
            busy.set(false);
        });
    };
    move || {
        choice.get().map(|receive| {
            view! {
                <section class="card section mail-choice" data-testid="newsletter-choice" data-receive=receive.to_string()>
                    <h2 class="section-title">{move || t_string!(i18n, news.mail_title)}</h2>
                    <label class="switch-row">
                        <input type="checkbox" class="switch" data-testid="newsletter-receive"
                            prop:checked=receive disabled=move || busy.get() on:change=change />
                        <span class="field-label">{move || t_string!(i18n, news.mail_receive)}</span>
                    </label>
                    <p class="field-hint">{move || t_string!(i18n, news.mail_hint)}</p>
                    <Show when=move || failed.get()>
                        <p class="notice notice-error" role="alert">{move || t_string!(i18n, news.mail_failed)}</p>
                    </Show>
                </section>
            }
        })
    }
}

#[component]
fn NewsCard(entry: NewsEntry) -> impl IntoView {
    let opening = entry.post.job.clone();
    let i18n = use_i18n();
    let signals = use_client().signals;
    let doc = entry.doc;
    let unread = move || is_unread(signals, doc);
    let excerpt = crate::markdown::excerpt(&entry.post.body, EXCERPT_CHARS);
    let pinned = entry.post.pinned;
    let important = entry.post.important;
    let title = entry.post.title.clone();
    view! {
        <li>
            <A href=format!("/news/{doc}") attr:class="card news-card" attr:data-testid="news-card"
                attr:data-doc=doc.to_string() attr:data-unread=move || unread().to_string()>
                <span class="news-card-top">
                    {pinned.then(|| view! {
                        <span class="status status-pinned" data-testid="news-card-pinned">{move || t_string!(i18n, news.pinned)}</span>
                    })}
                    {important.then(|| view! {
                        <span class="status status-important">{move || t_string!(i18n, news.important_mark)}</span>
                    })}
                    <Show when=unread>
                        <span class="status status-fresh" data-testid="news-card-unread">{move || t_string!(i18n, news.unread)}</span>
                    </Show>
                    <time class="news-date">{move || out_date(i18n.get_locale(), &entry)}</time>
                </span>
                <span class="news-card-title" data-testid="news-card-title">{title}</span>
                {opening.map(|opening| view! {
                    <jobs::Particulars opening=opening />
                    <apply::MyStage post=doc />
                })}
                {(!excerpt.is_empty()).then(|| view! { <span class="news-excerpt">{excerpt}</span> })}
            </A>
        </li>
    }
}

/// What an admin's post is, when it is not out: a draft, scheduled, or taken back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    Draft,
    Scheduled(i64),
    Published,
    Unpublished,
}

impl Standing {
    pub(crate) fn of(entry: &NewsEntry, now: i64) -> Self {
        match entry.post.status() {
            PostStatus::Draft => Standing::Draft,
            PostStatus::Unpublished => Standing::Unpublished,
            PostStatus::Published if !entry.is_out(now) => {
                Standing::Scheduled(entry.post.publish_at)
            }
            PostStatus::Published => Standing::Published,
        }
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            Standing::Draft => "draft",
            Standing::Scheduled(_) => "scheduled",
            Standing::Published => "published",
            Standing::Unpublished => "unpublished",
        }
    }

    pub(crate) fn label(self, locale: Locale) -> String {
        match self {
            Standing::Draft => td_string!(locale, news.status_draft).to_owned(),
            Standing::Scheduled(at) => td_string!(locale, news.status_scheduled)
                .replace("%t", &time::format(at, None, locale, Style::DayAndTime)),
            Standing::Published => td_string!(locale, news.status_published).to_owned(),
            Standing::Unpublished => td_string!(locale, news.status_unpublished).to_owned(),
        }
    }
}

/// A post's standing as a chip.
#[component]
pub(crate) fn StandingChip(standing: Standing) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class=format!("status status-post-{}", standing.key()) data-testid="post-standing" data-standing=standing.key()>
            {move || standing.label(i18n.get_locale())}
        </span>
    }
}

/// Admins: their posts that are not out (drafts, scheduled, taken back), each opening the
/// editor; the job openings', or the news'.
#[component]
fn NotOutYet(jobs: bool) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let posts = Memo::new(move |_| {
        let now = now();
        signals.news.with(|news| {
            news.iter()
                .filter(|e| !e.is_out(now) && e.is_job() == jobs)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || !posts.with(Vec::is_empty)>
            <section class="card section news-drafts" data-testid="news-drafts">
                <h2 class="section-title">{move || t_string!(i18n, news.not_out)}</h2>
                <ul class="plain-list">
                    <For each=move || posts.get() key=|e| (e.doc, e.post.title.clone(), e.post.status.clone(), e.post.publish_at) let:entry>
                        {
                            let standing = Standing::of(&entry, now());
                            let title = if entry.post.title.trim().is_empty() { t_string!(i18n, news.untitled).to_owned() } else { entry.post.title.clone() };
                            view! {
                                <li>
                                    <A href=format!("/news/{}/edit", entry.doc) attr:class="news-draft" attr:data-testid="news-draft">
                                        <span class="news-draft-title">{title}</span>
                                        <StandingChip standing=standing />
                                    </A>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
    }
}

/// The post document the route's `:doc` names, if it is a document id.
pub(crate) fn use_post_param() -> Memo<Option<DocumentId>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .with(|p| p.get("doc"))
            .and_then(|id| id.parse::<DocumentId>().ok())
    })
}

/// The post `doc` as it stands on this device (tracked).
pub(crate) fn post_entry(signals: Signals, doc: DocumentId) -> Memo<Option<NewsEntry>> {
    Memo::new(move |_| {
        signals
            .news
            .with(|news| news.iter().find(|e| e.doc == doc).cloned())
    })
}

/// Admins: how the post is doing, asked of the relay again as its responses change.
#[component]
fn Stats(post: DocumentId, entry: Memo<Option<NewsEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let stats = LocalResource::new(move || {
        // Tracked: a new いいね or comment, or coming back online, asks again.
        entry.with(|e| e.as_ref().map(|e| e.responses.clone()));
        let online = client.signals.link.get() != Link::Offline;
        async move {
            if online {
                client.post_stats(post).await.ok()
            } else {
                None
            }
        }
    });
    move || {
        stats.get().flatten().map(|s| {
            let mut text = t_string!(i18n, news.stats)
                .replace("%r", &s.reached.to_string())
                .replace("%o", &s.opened.to_string())
                .replace("%l", &s.likes.to_string())
                .replace("%c", &s.comments.to_string());
            if s.mailed + s.undelivered > 0 {
                text += &t_string!(i18n, news.stats_mail)
                    .replace("%m", &s.mailed.to_string())
                    .replace("%u", &s.undelivered.to_string());
            }
            view! {
                <p class="news-stats" data-testid="post-stats" data-opened=s.opened data-likes=s.likes
                    data-mailed=s.mailed data-undelivered=s.undelivered>{text}</p>
            }
        })
    }
}

/// `/news/<doc>`: one post.
#[component]
pub(crate) fn PostPage() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let doc = use_post_param();
    // An opening leads back to the openings.
    let job = Memo::new(move |_| {
        let doc = doc.get();
        signals
            .news
            .with(|news| news.iter().any(|e| Some(e.doc) == doc && e.is_job()))
    });
    view! {
        <article class="news-post-page" data-testid="post-page">
            <A href=move || if job.get() { "/jobs".to_owned() } else { "/news".to_owned() } attr:class="back-link" attr:data-testid="post-back">
                <icons::Back />
                <span>{move || if job.get() { t_string!(i18n, jobs.back) } else { t_string!(i18n, news.back) }}</span>
            </A>
            {move || match doc.get() {
                Some(doc) => view! { <Post doc=doc /> }.into_any(),
                None => view! { <p class="empty" data-testid="post-not-found">{t_string!(i18n, news.not_found)}</p> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn Post(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let entry = post_entry(signals, doc);
    // The post itself, apart from its responses: a いいね does not draw it again.
    let shown = Memo::new(move |_| {
        entry.with(|e| {
            e.as_ref().map(|e| NewsEntry {
                responses: Default::default(),
                ..e.clone()
            })
        })
    });
    let has_responses =
        Memo::new(move |_| entry.with(|e| e.as_ref().is_some_and(|e| e.responses_doc.is_some())));
    // Opened: no longer unread on this device.
    Effect::new(move |_| {
        if has_responses.get() || shown.with(Option::is_some) {
            client.mark_news_seen(doc);
        }
    });
    let listed = move || {
        signals.me.with(|me| {
            me.as_ref()
                .is_some_and(|m| m.news.iter().any(|r| r.post == doc))
        })
    };
    let entry_all = entry;
    // The post's photos, once its text is on screen, and again when the relay is back (a photo
    // never fetched cannot show offline).
    let body_ref = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        signals.link.track();
        if let Some(div) = body_ref.get() {
            crate::ui::avatar::fill_photos(client, &div);
        }
    });
    let body = move || match shown.get() {
        Some(entry) => {
            let admin = writes(signals, &entry);
            let standing = Standing::of(&entry, now());
            let opening = entry.post.job.clone();
            let body = crate::markdown::to_html(&entry.post.body);
            view! {
                <header class="news-post-head">
                    <div class="chips">
                        {entry.post.pinned.then(|| view! { <span class="status status-pinned">{move || t_string!(i18n, news.pinned)}</span> })}
                        {entry.post.important.then(|| view! { <span class="status status-important">{move || t_string!(i18n, news.important_mark)}</span> })}
                        {(admin && standing != Standing::Published).then(|| view! { <StandingChip standing=standing /> })}
                    </div>
                    <h1 class="page-title" data-testid="post-title">{entry.post.title.clone()}</h1>
                    {opening.map(|opening| view! {
                        <jobs::Particulars opening=opening />
                        <div class="job-actions"><apply::SaveJob post=doc /></div>
                    })}
                    <p class="news-date">{
                        let entry = entry.clone();
                        move || out_date(i18n.get_locale(), &entry)
                    }</p>
                </header>
                <div class="card section markdown news-body" data-testid="post-body" inner_html=body node_ref=body_ref></div>
                {match (admin, entry.post.job.clone()) {
                    // A referral opening asks alumni to refer others, not to apply.
                    (false, Some(opening)) if opening.kind() == Some(JobKind::Referral) => Some(view! {
                        <apply::ReferSection post=doc opening=opening />
                    }.into_any()),
                    (false, Some(opening)) => Some(view! {
                        <apply::ApplySection post=doc opening=opening.clone() />
                        <apply::ReferSection post=doc opening=opening />
                    }.into_any()),
                    _ => None,
                }}
                <Show when=move || admin>
                    <Stats post=doc entry=entry_all />
                    <div class="edit-footer">
                        <A href=format!("/news/{doc}/edit") attr:class="button" attr:data-testid="post-edit">
                            {move || t_string!(i18n, news.edit)}
                        </A>
                        {entry.is_job().then(|| view! {
                            <A href=format!("/jobs/{doc}/applicants") attr:class="button button-primary" attr:data-testid="post-applicants">
                                {move || t_string!(i18n, jobs.board_open)}
                            </A>
                        })}
                    </div>
                </Show>
            }
            .into_any()
        }
        None => {
            let text = if listed() {
                if signals.link.get() == Link::Offline {
                    t_string!(i18n, news.loading_offline)
                } else {
                    t_string!(i18n, news.loading)
                }
            } else {
                t_string!(i18n, news.not_found)
            };
            view! { <p class="empty" data-testid="post-not-found">{text}</p> }.into_any()
        }
    };
    view! {
        {body}
        <Show when=move || has_responses.get() && shown.with(Option::is_some)>
            <responses::Responses post=doc entry=entry />
        </Show>
    }
}
