//! Writing news (admins). `/news/new` starts a post on the relay (`POST /api/news`, a draft);
//! the editor at `/news/<doc>/edit` writes the post's document over sync — one change per save,
//! offline too — and moves it from draft to published (at once, or at a time set ahead) to
//! taken back. Who it reaches is a segment of the network by what profiles say: years left and
//! joined, departments, places, interests and roles, with a live count from the relay of how many
//! members the segment reaches now. A job opening (`/jobs/new`, `POST /api/jobs`; admins and
//! recruiters) is written in the same editor, with its particulars' fields above the segment.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use tsunagu_core::api::{NewJob, NewPost};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::news::{JobKind, NewsPost, Opening, PostStatus, Segment};
use tsunagu_core::profile::Interest;
use tsunagu_core::vocab::Role;

use super::jobs::{kind_label, writes_jobs};
use super::{Standing, StandingChip, post_entry, use_post_param, writes, writes_news};
use crate::calendar::DateTime;
use crate::error::AppError;
use crate::i18n::*;
use crate::runtime::NewsEntry;
use crate::state::Link;
use crate::ui::form_input::FormInput;
use crate::ui::icons;
use crate::ui::text::interest_label;
use crate::ui::time;
use crate::ui::use_client;

/// What is wrong with the form; each is shown translated beside the buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    TitleMissing,
    YearInvalid,
    YearsBackwards,
    PublishAtInvalid,
    ClosesAtInvalid,
    TooLong,
}

pub(super) fn problem_text(locale: Locale, problem: Problem) -> &'static str {
    match problem {
        Problem::TitleMissing => td_string!(locale, news.error_title),
        Problem::YearInvalid => td_string!(locale, news.error_year),
        Problem::YearsBackwards => td_string!(locale, news.error_years_backwards),
        Problem::PublishAtInvalid => td_string!(locale, news.error_publish_at),
        Problem::ClosesAtInvalid => td_string!(locale, jobs.error_closes),
        Problem::TooLong => td_string!(locale, news.error_too_long),
    }
}

/// The form as typed: inputs hold text until saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Form {
    title: String,
    body: String,
    years: Years,
    departments: String,
    locations: String,
    interests: Vec<String>,
    roles: Vec<String>,
    pinned: bool,
    important: bool,
    newsletter: bool,
    /// `datetime-local`, in the admin's own time zone; empty: as soon as published.
    publish_at: String,
    /// A job opening's particulars, as typed (`None` for news).
    job: Option<OpeningForm>,
}

/// An opening's particulars as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct OpeningForm {
    kind: String,
    department: String,
    location: String,
    remote: bool,
    duration: String,
    rate: String,
    /// `datetime-local`, in the writer's own time zone; empty: open until taken back.
    closes_at: String,
}

/// A time as a `datetime-local` value in the writer's own time zone; empty for 0.
fn local_input(at: i64) -> String {
    if at > 0 {
        time::wall_in(&time::viewer_zone(), at)
            .map(DateTime::input_value)
            .unwrap_or_default()
    } else {
        String::new()
    }
}

/// A `datetime-local` value as a time; empty is 0.
fn parse_local(text: &str) -> Option<i64> {
    if text.trim().is_empty() {
        return Some(0);
    }
    DateTime::parse_input(text).and_then(|wall| time::to_unix(wall, &time::viewer_zone()))
}

impl OpeningForm {
    fn of(opening: &Opening) -> Self {
        Self {
            kind: opening.kind.clone(),
            department: opening.department.clone(),
            location: opening.location.clone(),
            remote: opening.remote,
            duration: opening.duration.clone(),
            rate: opening.rate.clone(),
            closes_at: local_input(opening.closes_at),
        }
    }

    fn opening(&self) -> Result<Opening, Problem> {
        let trimmed = |t: &str| t.trim().to_owned();
        Ok(Opening {
            kind: self.kind.clone(),
            department: trimmed(&self.department),
            location: trimmed(&self.location),
            remote: self.remote,
            duration: trimmed(&self.duration),
            rate: trimmed(&self.rate),
            closes_at: parse_local(&self.closes_at).ok_or(Problem::ClosesAtInvalid)?,
        })
    }
}

fn year_text(year: i32) -> String {
    if year == 0 {
        String::new()
    } else {
        year.to_string()
    }
}

/// The years of a segment (or of a talent search) as typed: left from–to, joined from–to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Years {
    left_from: String,
    left_to: String,
    joined_from: String,
    joined_to: String,
}

impl Years {
    fn of(segment: &Segment) -> Self {
        Self {
            left_from: year_text(segment.left_from),
            left_to: year_text(segment.left_to),
            joined_from: year_text(segment.joined_from),
            joined_to: year_text(segment.joined_to),
        }
    }

    /// The years typed, each a year or empty (0, any) and none running backwards, as the
    /// years of a segment (the rest of it empty).
    pub(super) fn parse(&self) -> Result<Segment, Problem> {
        let range = Segment {
            left_from: parse_year(&self.left_from)?,
            left_to: parse_year(&self.left_to)?,
            joined_from: parse_year(&self.joined_from)?,
            joined_to: parse_year(&self.joined_to)?,
            ..Segment::default()
        };
        let ordered = |from: i32, to: i32| from == 0 || to == 0 || from <= to;
        if !ordered(range.left_from, range.left_to) || !ordered(range.joined_from, range.joined_to)
        {
            return Err(Problem::YearsBackwards);
        }
        Ok(range)
    }
}

/// A form holding [`Years`].
pub(crate) trait WithYears {
    fn years(&self) -> &Years;
    fn years_mut(&mut self) -> &mut Years;
}

/// The four year fields of `form`, their test ids starting with `testid` (`segment-left-from`,
/// …).
#[component]
pub(super) fn YearFields<F>(form: RwSignal<F>, testid: &'static str) -> impl IntoView
where
    F: WithYears + Send + Sync + 'static,
{
    let i18n = use_i18n();
    type Field = (
        &'static str,
        fn(Locale) -> &'static str,
        fn(&Years) -> &String,
        fn(&mut Years) -> &mut String,
    );
    let fields: [Field; 4] = [
        (
            "left-from",
            |l| td_string!(l, news.left_from),
            |y| &y.left_from,
            |y| &mut y.left_from,
        ),
        (
            "left-to",
            |l| td_string!(l, news.left_to),
            |y| &y.left_to,
            |y| &mut y.left_to,
        ),
        (
            "joined-from",
            |l| td_string!(l, news.joined_from),
            |y| &y.joined_from,
            |y| &mut y.joined_from,
        ),
        (
            "joined-to",
            |l| td_string!(l, news.joined_to),
            |y| &y.joined_to,
            |y| &mut y.joined_to,
        ),
    ];
    view! {
        <div class="field-grid field-years">
            {fields.into_iter().map(|(key, label, get, set)| {
                let id = format!("input-{testid}-{key}");
                view! {
                    <div class="field">
                        <label class="field-label" for=id.clone()>{move || label(i18n.get_locale())}</label>
                        <input class="input" id=id type="number" data-testid=format!("{testid}-{key}")
                            prop:value=move || form.with(|f| get(f.years()).clone())
                            on:input=move |ev| form.update(|f| *set(f.years_mut()) = event_target_value(&ev)) />
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

impl WithYears for Form {
    fn years(&self) -> &Years {
        &self.years
    }

    fn years_mut(&mut self) -> &mut Years {
        &mut self.years
    }
}

/// A year as typed; empty is "any" (0).
fn parse_year(text: &str) -> Result<i32, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse::<i32>()
        .ok()
        .filter(|y| (1900..=2200).contains(y))
        .ok_or(Problem::YearInvalid)
}

impl Form {
    fn of(post: &NewsPost) -> Self {
        let s = &post.segment;
        Self {
            title: post.title.clone(),
            body: post.body.clone(),
            years: Years::of(s),
            departments: s.departments.join("、"),
            locations: s.locations.join("、"),
            interests: s.interests.clone(),
            roles: s.roles.clone(),
            pinned: post.pinned,
            important: post.important,
            newsletter: post.newsletter,
            publish_at: local_input(post.publish_at),
            job: post.job.as_ref().map(OpeningForm::of),
        }
    }

    fn segment(&self) -> Result<Segment, Problem> {
        Ok(Segment {
            departments: tsunagu_core::api::terms(&self.departments),
            locations: tsunagu_core::api::terms(&self.locations),
            interests: self.interests.clone(),
            roles: self.roles.clone(),
            ..self.years.parse()?
        })
    }

    fn publish_at(&self) -> Result<i64, Problem> {
        parse_local(&self.publish_at).ok_or(Problem::PublishAtInvalid)
    }

    /// The post as the form says, over `current` (with `status`, if given).
    fn apply(&self, current: &NewsPost, status: Option<PostStatus>) -> Result<NewsPost, Problem> {
        let mut post = NewsPost {
            title: self.title.trim().to_owned(),
            body: self.body.clone(),
            status: status.map_or_else(|| current.status.clone(), |s| s.key().to_owned()),
            publish_at: self.publish_at()?,
            pinned: self.pinned,
            important: self.important,
            newsletter: self.newsletter,
            segment: self.segment()?,
            job: self.job.as_ref().map(OpeningForm::opening).transpose()?,
        };
        if post.title.is_empty() {
            return Err(Problem::TitleMissing);
        }
        // Published with a time already past: out now, as it would be without one.
        if status == Some(PostStatus::Published) && post.publish_at <= crate::runtime::now() {
            post.publish_at = 0;
        }
        match post.problem() {
            None => Ok(post),
            Some(_) => Err(Problem::TooLong),
        }
    }
}

/// `/news/new`: the title of a new post, started as a draft on the relay.
#[component]
pub(crate) fn NewPostPage() -> impl IntoView {
    view! { <Start job=false /> }
}

/// `/jobs/new`: the kind and title of a new job opening, started as a draft on the relay.
#[component]
pub(crate) fn NewJobPage() -> impl IntoView {
    view! { <Start job=true /> }
}

/// Starting a post of news, or a job opening.
#[component]
fn Start(job: bool) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(JobKind::FullTime);
    let problem = RwSignal::new(None::<Problem>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let typed = title.get_untracked().trim().to_owned();
        if typed.is_empty() {
            problem.set(Some(Problem::TitleMissing));
            return;
        }
        problem.set(None);
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let created = if job {
                let new = NewJob {
                    title: typed,
                    segment: Segment::default(),
                    opening: Opening::of(kind.get_untracked()),
                };
                client.create_job(new).await
            } else {
                let new = NewPost {
                    title: typed,
                    segment: Segment::default(),
                };
                client.create_post(new).await
            };
            match created {
                Ok(created) => {
                    navigate(&format!("/news/{}/edit", created.post), Default::default())
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let back = if job { "/jobs" } else { "/news" };
    view! {
        <WritersOnly job=Some(job)>
            <section class="news-editor" data-testid="new-post-page">
                <A href=back attr:class="back-link"><icons::Back /><span>{move || if job { t_string!(i18n, jobs.back) } else { t_string!(i18n, news.back) }}</span></A>
                <h1 class="page-title">{move || if job { t_string!(i18n, jobs.new_title) } else { t_string!(i18n, news.new_title) }}</h1>
                <p class="page-lead">{move || if job { t_string!(i18n, jobs.new_lead) } else { t_string!(i18n, news.new_lead) }}</p>
                <form class="card section" on:submit=submit.clone() novalidate data-testid="new-post-form">
                    <Show when=move || job>
                        <KindSelect value=Signal::derive(move || kind.get().key().to_owned())
                            set=Callback::new(move |key: String| kind.set(JobKind::from_key(&key).unwrap_or(JobKind::FullTime)))
                            testid="new-job-kind" />
                    </Show>
                    <div class="field">
                        <label class="field-label" for="new-post-title">{move || t_string!(i18n, news.title_label)}</label>
                        <input class="input" id="new-post-title" data-testid="new-post-title"
                            prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    </div>
                    <Show when=move || signals.link.get() == Link::Offline>
                        <p class="note">{move || t_string!(i18n, news.needs_connection)}</p>
                    </Show>
                    {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="post-form-problem">{problem_text(i18n.get_locale(), p)}</p> })}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="post-form-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
                    <button type="submit" class="button button-primary" data-testid="new-post-submit" disabled=move || busy.get()>
                        {move || t_string!(i18n, news.create)}
                    </button>
                </form>
            </section>
        </WritersOnly>
    }
}

/// The kind of work, as a select.
#[component]
fn KindSelect(value: Signal<String>, set: Callback<String>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label class="field-label" for=testid>{move || t_string!(i18n, jobs.kind_label)}</label>
            <select class="select" id=testid data-testid=testid prop:value=move || value.get()
                on:change=move |ev| set.run(event_target_value(&ev))>
                {JobKind::ALL.into_iter().map(|k| view! {
                    <option value=k.key() selected=move || value.get() == k.key()>{move || kind_label(i18n.get_locale(), k)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// Only those who write posts of the kind (`Some(true)`: job openings, admins and recruiters;
/// `Some(false)`: news, admins and editors; `None`: either) see what is inside; anyone else who
/// opens an editor's address is told so.
#[component]
pub(super) fn WritersOnly(job: Option<bool>, children: ChildrenFn) -> impl IntoView {
    let signals = use_client().signals;
    let children = StoredValue::new(children);
    let allowed = move || match job {
        Some(true) => writes_jobs(signals),
        Some(false) => writes_news(signals),
        None => signals.me.with(|me| {
            me.as_ref()
                .is_some_and(|me| tsunagu_core::vocab::writes_posts(&me.roles))
        }),
    };
    view! {
        <Show when=allowed fallback=move || view! { <Forbidden job=job.unwrap_or(false) /> }>
            {children.read_value()()}
        </Show>
    }
}

#[component]
fn Forbidden(job: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="empty" role="alert" data-testid="post-editor-forbidden">
            <p><strong>{move || t_string!(i18n, admin.forbidden_title)}</strong></p>
            <p>{move || if job { t_string!(i18n, jobs.forbidden) } else { t_string!(i18n, news.forbidden) }}</p>
        </div>
    }
}

/// `/news/<doc>/edit`: the editor, for a post of news or a job opening.
#[component]
pub(crate) fn EditPostPage() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_post_param();
    view! {
        <WritersOnly job=None>
            <section class="news-editor" data-testid="edit-post-page">
                {move || match doc.get() {
                    Some(doc) => view! { <Editor doc=doc /> }.into_any(),
                    None => view! { <p class="empty">{t_string!(i18n, news.not_found)}</p> }.into_any(),
                }}
            </section>
        </WritersOnly>
    }
}

/// How many members the segment reaches, as the relay last said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    Counting,
    Members(usize),
    /// The relay cannot be asked (offline, or it failed).
    Unknown,
    /// The segment as typed is not one.
    Invalid,
}

#[component]
fn Editor(doc: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let entry = post_entry(signals, doc);
    let stored = Memo::new(move |_| entry.with(|e| e.as_ref().map(|e| e.post.clone())));
    let form = RwSignal::new(Form::default());
    // The document has arrived and the form shows it.
    let ready = RwSignal::new(false);
    // What the form was loaded from, to tell an edit here from a change arriving by sync: a
    // change from elsewhere replaces the form only while nothing was typed.
    let loaded = StoredValue::new(Form::default());
    Effect::new(move |_| {
        let Some(post) = stored.get() else {
            return;
        };
        let fresh = Form::of(&post);
        let untouched = !ready.get_untracked() || form.with_untracked(|f| *f == loaded.get_value());
        if untouched {
            loaded.set_value(fresh.clone());
            form.set(fresh);
            ready.set(true);
        }
    });
    let reach = live_reach(form);
    // Whether the relay has a mail server (asked once; unknown offline).
    let mail_server = RwSignal::new(None::<bool>);
    leptos::task::spawn_local(async move {
        if let Ok(said) = client.newsletter().await {
            mail_server.set(Some(said.mail_server));
        }
    });
    let problem = RwSignal::new(None::<Problem>);
    let error = RwSignal::new(None::<AppError>);
    // What the last save did, for the line under the form.
    let outcome = RwSignal::new(None::<Saved>);
    let save = move |status: Option<PostStatus>, then: Saved| {
        error.set(None);
        outcome.set(None);
        let Some(current) = stored.get_untracked() else {
            return;
        };
        let post = match form.with_untracked(|f| f.apply(&current, status)) {
            Ok(post) => post,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        problem.set(None);
        match client.save_post(doc, &post) {
            Ok(()) => {
                let fresh = Form::of(&post);
                loaded.set_value(fresh.clone());
                form.set(fresh);
                outcome.set(Some(then));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let standing = Memo::new(move |_| {
        entry.with(|e| e.as_ref().map(|e| Standing::of(e, crate::runtime::now())))
    });
    let scheduled_ahead = move || {
        form.with(|f| f.publish_at())
            .is_ok_and(|at| at > crate::runtime::now())
    };
    let publish = move |_| {
        let question = match reach.get_untracked() {
            Reach::Members(n) => {
                t_string!(i18n, news.publish_confirm_count).replace("%n", &n.to_string())
            }
            _ => t_string!(i18n, news.publish_confirm).to_owned(),
        };
        if crate::ui::confirm(&question) {
            save(Some(PostStatus::Published), Saved::Published);
        }
    };
    let unpublish = move |_| {
        if crate::ui::confirm(t_string!(i18n, news.unpublish_confirm)) {
            save(Some(PostStatus::Unpublished), Saved::Unpublished);
        }
    };
    let offline_note = move || signals.pending.get() > 0;
    view! {
        <A href=format!("/news/{doc}") attr:class="back-link" attr:data-testid="post-editor-back"><icons::Back /><span>{move || t_string!(i18n, news.back_to_post)}</span></A>
        <div class="edit-head">
            <h1 class="page-title">{move || t_string!(i18n, news.edit_title)}</h1>
            {move || standing.get().map(|s| view! { <StandingChip standing=s /> })}
        </div>
        {move || {
            if !ready.get() {
                let text = if signals.link.get() == Link::Offline { t_string!(i18n, news.loading_offline) } else { t_string!(i18n, news.loading) };
                return view! { <p class="empty" data-testid="post-editor-loading">{text}</p> }.into_any();
            }
            // An editor opening a job opening, or a recruiter a post of news: not theirs.
            if let Some(job) = entry.with(|e| e.as_ref().filter(|e| !writes(signals, e)).map(NewsEntry::is_job)) {
                return view! { <Forbidden job=job /> }.into_any();
            }
            view! {
                <form class="news-form" data-testid="post-form" novalidate on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); save(None, Saved::Kept); }>
                    <section class="card section">
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.title_label)) testid="post-title-input"
                            get=|f| f.title.as_str() set=|f, v| f.title = v />
                        <div class="field">
                            <label class="field-label" for="post-body">{move || t_string!(i18n, news.body_label)}</label>
                            <textarea class="input textarea" id="post-body" data-testid="post-body-input" rows="12"
                                prop:value=move || form.with(|f| f.body.clone())
                                on:input=move |ev| form.update(|f| f.body = event_target_value(&ev))></textarea>
                            <p class="field-hint">{move || t_string!(i18n, news.body_hint)}</p>
                            <PhotoButton form=form />
                        </div>
                    </section>
                    <Show when=move || form.with(|f| f.job.is_some())>
                        <OpeningFields form=form />
                    </Show>
                    <SegmentFields form=form reach=reach />
                    <section class="card section">
                        <h2 class="section-title">{move || t_string!(i18n, news.publishing)}</h2>
                        <label class="switch-row">
                            <input type="checkbox" class="switch" data-testid="post-pinned-input"
                                prop:checked=move || form.with(|f| f.pinned)
                                on:change=move |ev| form.update(|f| f.pinned = event_target_checked(&ev)) />
                            <span class="field-label">{move || t_string!(i18n, news.pin)}</span>
                        </label>
                        <label class="switch-row">
                            <input type="checkbox" class="switch" data-testid="post-important-input"
                                prop:checked=move || form.with(|f| f.important)
                                on:change=move |ev| form.update(|f| f.important = event_target_checked(&ev)) />
                            <span class="field-label">{move || t_string!(i18n, news.important)}</span>
                        </label>
                        <p class="field-hint">{move || t_string!(i18n, news.important_hint)}</p>
                        <label class="switch-row">
                            <input type="checkbox" class="switch" data-testid="post-newsletter-input"
                                prop:checked=move || form.with(|f| f.newsletter)
                                on:change=move |ev| form.update(|f| f.newsletter = event_target_checked(&ev)) />
                            <span class="field-label">{move || t_string!(i18n, news.newsletter)}</span>
                        </label>
                        <p class="field-hint">{move || t_string!(i18n, news.newsletter_hint)}</p>
                        <Show when=move || mail_server.get() == Some(false)>
                            <p class="notice" data-testid="post-newsletter-off">{move || t_string!(i18n, news.newsletter_no_server)}</p>
                        </Show>
                        <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.publish_at)) testid="post-publish-at-input"
                            get=|f| f.publish_at.as_str() set=|f, v| f.publish_at = v kind="datetime-local"
                            hint=Signal::derive(move || t_string!(i18n, news.publish_at_hint)) />
                    </section>
                    {move || problem.get().map(|p| view! { <p class="form-error" role="alert" data-testid="post-form-problem">{problem_text(i18n.get_locale(), p)}</p> })}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="post-form-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
                    {move || outcome.get().map(|o| view! {
                        <p class=if o == Saved::Kept { "field-hint" } else { "banner banner-success" } role="status" data-testid="post-saved" data-outcome=o.key()>
                            {move || o.text(i18n.get_locale())}" "
                            {move || if offline_note() { t_string!(i18n, news.saved_local) } else { "" }}
                        </p>
                    })}
                    <div class="edit-footer">
                        <button type="submit" class="button" data-testid="post-save">{move || t_string!(i18n, news.save)}</button>
                        <Show when=move || !matches!(standing.get(), Some(Standing::Published | Standing::Scheduled(_)))>
                            <button type="button" class="button button-primary" data-testid="post-publish" on:click=publish>
                                {move || if scheduled_ahead() { t_string!(i18n, news.schedule) } else { t_string!(i18n, news.publish) }}
                            </button>
                        </Show>
                        <Show when=move || matches!(standing.get(), Some(Standing::Published | Standing::Scheduled(_)))>
                            <button type="button" class="button button-quiet button-danger" data-testid="post-unpublish" on:click=unpublish>
                                {move || t_string!(i18n, news.unpublish)}
                            </button>
                        </Show>
                    </div>
                </form>
            }.into_any()
        }}
    }
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Saved {
    Kept,
    Published,
    Unpublished,
}

impl Saved {
    fn key(self) -> &'static str {
        match self {
            Saved::Kept => "saved",
            Saved::Published => "published",
            Saved::Unpublished => "unpublished",
        }
    }

    fn text(self, locale: Locale) -> &'static str {
        match self {
            Saved::Kept => td_string!(locale, news.saved),
            Saved::Published => td_string!(locale, news.published),
            Saved::Unpublished => td_string!(locale, news.unpublished),
        }
    }
}

/// The relay's count of the form's segment, asked again a moment after the segment last changed
/// (not on every key), and only for the newest segment.
fn live_reach(form: RwSignal<Form>) -> RwSignal<Reach> {
    let client = use_client();
    let reach = RwSignal::new(Reach::Counting);
    let segment = Memo::new(move |_| form.with(Form::segment));
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let Ok(segment) = segment.get() else {
            reach.set(Reach::Invalid);
            return;
        };
        // Tracked: coming back online counts again.
        if client.signals.link.get() == Link::Offline {
            reach.set(Reach::Unknown);
            return;
        }
        let this = asked.get_value() + 1;
        asked.set_value(this);
        reach.set(Reach::Counting);
        leptos::task::spawn_local(async move {
            gloo_timers::future::sleep(std::time::Duration::from_millis(350)).await;
            if asked.try_get_value() != Some(this) {
                return;
            }
            let counted = client.segment_reach(&segment).await;
            if asked.try_get_value() == Some(this) {
                reach.set(counted.map_or(Reach::Unknown, Reach::Members));
            }
        });
    });
    reach
}

impl Reach {
    fn key(self) -> &'static str {
        match self {
            Reach::Counting => "counting",
            Reach::Members(_) => "members",
            Reach::Unknown => "unknown",
            Reach::Invalid => "invalid",
        }
    }
}

/// Who the post reaches: the segment's fields and the live count.
/// Adds a photo to the post: shrunk on this device, kept here and uploaded when the relay is
/// reachable, and named at the end of the text (`![](photo:<id>)`), where the admin may move it
/// or describe it.
#[component]
fn PhotoButton(form: RwSignal<Form>) -> impl IntoView {
    use crate::ui::photos::{Fit, keep_picked, picked_file};
    let i18n = use_i18n();
    let client = use_client();
    let failed = RwSignal::new(None::<AppError>);
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = picked_file(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match keep_picked(client, &file, Fit::Message).await {
                Ok(picked) => {
                    failed.set(None);
                    form.update(|f| {
                        let body = f.body.trim_end();
                        let gap = if body.is_empty() { "" } else { "\n\n" };
                        f.body = format!("{body}{gap}![](photo:{})\n", picked.id);
                    });
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    view! {
        <div class="news-photo-row">
            <label class="button button-small">
                <icons::Camera />
                <span>{move || t_string!(i18n, news.add_photo)}</span>
                <input type="file" accept="image/*" class="visually-hidden" data-testid="post-photo-input" on:change=pick />
            </label>
            <span class="field-hint">{move || t_string!(i18n, news.add_photo_hint)}</span>
        </div>
        {move || failed.get().map(|e| view! {
            <p class="form-error" role="alert">{crate::ui::error_text(i18n.get_locale(), &e)}</p>
        })}
    }
}

/// A job opening's particulars.
#[component]
fn OpeningFields(form: RwSignal<Form>) -> impl IntoView {
    let i18n = use_i18n();
    /// One text field of the opening.
    fn field(f: &Form, get: fn(&OpeningForm) -> &str) -> String {
        f.job.as_ref().map(get).unwrap_or_default().to_owned()
    }
    let edit = move |set: fn(&mut OpeningForm, String), value: String| {
        form.update(|f| {
            if let Some(job) = f.job.as_mut() {
                set(job, value);
            }
        });
    };
    let text = move |label: Signal<String>,
                     testid: &'static str,
                     get: fn(&OpeningForm) -> &str,
                     set: fn(&mut OpeningForm, String),
                     hint: Option<Signal<String>>| {
        view! {
            <div class="field">
                <label class="field-label" for=testid>{move || label.get()}</label>
                <input class="input" id=testid data-testid=testid prop:value=move || form.with(|f| field(f, get))
                    on:input=move |ev| edit(set, event_target_value(&ev)) />
                {hint.map(|h| view! { <p class="field-hint">{move || h.get()}</p> })}
            </div>
        }
    };
    let label =
        |key: fn(Locale) -> &'static str| Signal::derive(move || key(i18n.get_locale()).to_owned());
    view! {
        <section class="card section" data-testid="post-opening">
            <h2 class="section-title">{move || t_string!(i18n, jobs.particulars)}</h2>
            <KindSelect value=Signal::derive(move || form.with(|f| field(f, |j| j.kind.as_str())))
                set=Callback::new(move |key| edit(|j, v| j.kind = v, key)) testid="opening-kind-input" />
            <div class="field-grid">
                {text(label(|l| td_string!(l, jobs.department_label)), "opening-department-input", |j| j.department.as_str(), |j, v| j.department = v, None)}
                {text(label(|l| td_string!(l, jobs.location_label)), "opening-location-input", |j| j.location.as_str(), |j, v| j.location = v, None)}
            </div>
            <label class="switch-row">
                <input type="checkbox" class="switch" data-testid="opening-remote-input"
                    prop:checked=move || form.with(|f| f.job.as_ref().is_some_and(|j| j.remote))
                    on:change=move |ev| form.update(|f| if let Some(j) = f.job.as_mut() { j.remote = event_target_checked(&ev) }) />
                <span class="field-label">{move || t_string!(i18n, jobs.remote_label)}</span>
            </label>
            <div class="field-grid">
                {text(label(|l| td_string!(l, jobs.rate_label)), "opening-rate-input", |j| j.rate.as_str(), |j, v| j.rate = v, Some(label(|l| td_string!(l, jobs.rate_hint))))}
                {text(label(|l| td_string!(l, jobs.duration_label)), "opening-duration-input", |j| j.duration.as_str(), |j, v| j.duration = v, Some(label(|l| td_string!(l, jobs.duration_hint))))}
            </div>
            <div class="field">
                <label class="field-label" for="opening-closes-input">{move || t_string!(i18n, jobs.closes_label)}</label>
                <input class="input" type="datetime-local" id="opening-closes-input" data-testid="opening-closes-input"
                    prop:value=move || form.with(|f| field(f, |j| j.closes_at.as_str()))
                    on:input=move |ev| edit(|j, v| j.closes_at = v, event_target_value(&ev)) />
                <p class="field-hint">{move || t_string!(i18n, jobs.closes_hint)}</p>
            </div>
        </section>
    }
}

#[component]
fn SegmentFields(form: RwSignal<Form>, reach: RwSignal<Reach>) -> impl IntoView {
    let i18n = use_i18n();
    let toggle = move |list: fn(&mut Form) -> &mut Vec<String>, key: &'static str, on: bool| {
        form.update(|f| {
            let list = list(f);
            list.retain(|k| k != key);
            if on {
                list.push(key.to_owned());
            }
        });
    };
    let reach_text = move || match reach.get() {
        Reach::Counting => t_string!(i18n, news.reach_counting).to_owned(),
        Reach::Members(n) => t_string!(i18n, news.reach).replace("%n", &n.to_string()),
        Reach::Unknown => t_string!(i18n, news.reach_unknown).to_owned(),
        Reach::Invalid => t_string!(i18n, news.reach_invalid).to_owned(),
    };
    view! {
        <section class="card section" data-testid="post-segment">
            <h2 class="section-title">{move || t_string!(i18n, news.segment)}</h2>
            <p class="field-hint">{move || t_string!(i18n, news.segment_hint)}</p>
            <YearFields form=form testid="segment" />
            <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.departments)) testid="segment-departments"
                get=|f| f.departments.as_str() set=|f, v| f.departments = v
                hint=Signal::derive(move || t_string!(i18n, news.names_hint)) />
            <FormInput form=form label=Signal::derive(move || t_string!(i18n, news.locations)) testid="segment-locations"
                get=|f| f.locations.as_str() set=|f, v| f.locations = v
                hint=Signal::derive(move || t_string!(i18n, news.locations_hint)) />
            <p class="field-label">{move || t_string!(i18n, news.interests)}</p>
            <div class="chips chips-choice">
                {Interest::ALL.into_iter().map(|interest| {
                    let key = interest.key();
                    let on = move || form.with(|f| f.interests.iter().any(|k| k == key));
                    view! {
                        <label class="chip chip-toggle" class:chip-on=on>
                            <input type="checkbox" class="visually-hidden" data-testid=format!("segment-interest-{key}")
                                prop:checked=on on:change=move |ev| toggle(|f| &mut f.interests, key, event_target_checked(&ev)) />
                            {move || interest_label(i18n.get_locale(), interest)}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="field-label">{move || t_string!(i18n, news.roles)}</p>
            <div class="chips chips-choice">
                {[Role::Alumni, Role::Employee, Role::EventStaff, Role::Editor, Role::Admin].into_iter().map(|role| {
                    let key = role.key();
                    let on = move || form.with(|f| f.roles.iter().any(|k| k == key));
                    view! {
                        <label class="chip chip-toggle" class:chip-on=on>
                            <input type="checkbox" class="visually-hidden" data-testid=format!("segment-role-{key}")
                                prop:checked=on on:change=move |ev| toggle(|f| &mut f.roles, key, event_target_checked(&ev)) />
                            {move || crate::ui::role_name(i18n.get_locale(), role)}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="news-reach" role="status" aria-live="polite" data-testid="segment-reach"
                data-state=move || reach.get().key()
                data-reach=move || match reach.get() { Reach::Members(n) => n.to_string(), _ => String::new() }>
                <icons::People />
                <span>{reach_text}</span>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn names_are_split_on_every_separator_people_type() {
        assert_eq!(
            tsunagu_core::api::terms("営業部、開発部, 人事部，広報部\n 総務部 ,"),
            ["営業部", "開発部", "人事部", "広報部", "総務部"]
        );
        assert!(tsunagu_core::api::terms(" 、 ").is_empty());
    }

    #[wasm_bindgen_test]
    fn years_are_any_when_empty_and_refused_when_not_years() {
        assert_eq!(parse_year(""), Ok(0));
        assert_eq!(parse_year(" 2018 "), Ok(2018));
        assert_eq!(parse_year("18"), Err(Problem::YearInvalid));
        assert_eq!(parse_year("二〇一八"), Err(Problem::YearInvalid));
    }

    #[wasm_bindgen_test]
    fn the_segment_as_typed_becomes_the_posts_segment() {
        let form = Form {
            years: Years {
                left_from: "2018".into(),
                left_to: "2022".into(),
                ..Years::default()
            },
            interests: vec!["rehire".into()],
            ..Form::default()
        };
        let segment = form.segment().expect("a segment");
        assert_eq!(segment.left_from, 2018);
        assert_eq!(segment.left_to, 2022);
        assert_eq!(segment.interests, ["rehire"]);
        let backwards = Form {
            years: Years {
                left_from: "2022".into(),
                left_to: "2018".into(),
                ..Years::default()
            },
            ..Form::default()
        };
        assert_eq!(backwards.segment(), Err(Problem::YearsBackwards));
    }
}
