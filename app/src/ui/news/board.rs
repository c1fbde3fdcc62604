//! `/jobs/<doc>/applicants`: the recruiters' board for one opening (admins, recruiters; a desktop
//! screen first). Each application sits in the column of its stage; dragging a card to another
//! column — or choosing the stage on the card, on a phone — moves it, and the relay writes the
//! stage with its date into the applicant's document, so their phone shows it. Notes and stars
//! live in the opening's notes document, which no applicant receives; they are written here
//! offline too. The list itself comes from the relay, so the board needs a connection.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::api::Applicant;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{MAX_NOTE_CHARS, Stage};

use super::apply::stage_label;
use super::editor::WritersOnly;
use super::{post_entry, use_post_param};
use crate::i18n::*;
use crate::state::Link;
use crate::ui::icons;
use crate::ui::time::{self, Style};
use crate::ui::{error_text, use_client};

#[component]
pub(crate) fn ApplicantsPage() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_post_param();
    view! {
        <WritersOnly job=Some(true)>
            <section class="board-page" data-testid="board-page">
                {move || match doc.get() {
                    Some(doc) => view! { <Board post=doc /> }.into_any(),
                    None => view! { <p class="empty">{t_string!(i18n, news.not_found)}</p> }.into_any(),
                }}
            </section>
        </WritersOnly>
    }
}

#[component]
fn Board(post: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let entry = post_entry(signals, post);
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<&'static str>);
    let applicants = LocalResource::new(move || {
        version.track();
        let online = signals.link.get() != Link::Offline;
        async move {
            if online {
                Some(client.applicants(post).await)
            } else {
                None
            }
        }
    });
    let dragging = RwSignal::new(None::<String>);
    let move_to = move |user: String, stage: Stage| {
        leptos::task::spawn_local(async move {
            match client.move_application(post, &user, stage).await {
                Ok(()) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => error.set(Some(error_text(i18n.get_locale(), &e))),
            }
        });
    };
    let column = move |stage: Stage, all: &[Applicant]| {
        let here: Vec<Applicant> = all
            .iter()
            .filter(|a| current(a) == Some(stage))
            .cloned()
            .collect();
        let count = here.len();
        view! {
            <section class="board-column" data-testid=format!("board-{}", stage.key()) data-stage=stage.key()
                on:dragover=move |ev| ev.prevent_default()
                on:drop=move |ev| {
                    ev.prevent_default();
                    if let Some(user) = dragging.get_untracked() {
                        dragging.set(None);
                        move_to(user, stage);
                    }
                }>
                <h2 class="board-column-title">
                    {move || stage_label(i18n.get_locale(), stage)}
                    <span class="board-count">{count}</span>
                </h2>
                <ul class="board-cards">
                    {here.into_iter().map(|a| view! {
                        <ApplicantCard post=post applicant=a dragging=dragging move_to=move_to />
                    }).collect_view()}
                </ul>
            </section>
        }
    };
    view! {
        <A href=format!("/news/{post}") attr:class="back-link" attr:data-testid="board-back">
            <icons::Back />
            <span>{move || entry.with(|e| e.as_ref().map(|e| e.post.title.clone())).unwrap_or_default()}</span>
        </A>
        <h1 class="page-title">{move || t_string!(i18n, jobs.board_title)}</h1>
        <p class="page-lead">{move || t_string!(i18n, jobs.board_lead)}</p>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="board-error">{e}</p> })}
        {move || match applicants.get() {
            None => ().into_any(),
            Some(None) => view! { <p class="empty" data-testid="board-offline">{t_string!(i18n, jobs.board_offline)}</p> }.into_any(),
            Some(Some(Err(e))) => view! { <p class="form-error" role="alert">{error_text(i18n.get_locale(), &e)}</p> }.into_any(),
            Some(Some(Ok(all))) if all.is_empty() => view! { <p class="empty" data-testid="board-empty">{t_string!(i18n, jobs.board_empty)}</p> }.into_any(),
            Some(Some(Ok(all))) => view! {
                <div class="board" data-testid="board">
                    {Stage::ALL.into_iter().map(|s| column(s, &all)).collect_view()}
                </div>
            }.into_any(),
        }}
    }
}

/// Where an application stands: the last stage the relay wrote.
fn current(applicant: &Applicant) -> Option<Stage> {
    applicant
        .stages
        .last()
        .and_then(|e| Stage::from_key(&e.stage))
}

#[component]
fn ApplicantCard<F>(
    post: DocumentId,
    applicant: Applicant,
    dragging: RwSignal<Option<String>>,
    move_to: F,
) -> impl IntoView
where
    F: Fn(String, Stage) + Copy + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let user = StoredValue::new(applicant.id.clone());
    let referral = applicant.referral.clone();
    let referred = referral.is_some();
    let stage = current(&applicant);
    let applied_at = applicant
        .stages
        .first()
        .map_or(applicant.application.at, |e| e.at);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let notes = move || {
        signals.job_notes.with(|all| {
            all.get(&post)
                .map(|n| {
                    n.on(&user.get_value())
                        .into_iter()
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let my_stars = move || {
        let me = signals
            .me
            .with(|m| m.as_ref().map(|m| m.user_id.clone()))
            .unwrap_or_default();
        signals.job_notes.with(|all| {
            all.get(&post)
                .and_then(|n| {
                    n.ratings
                        .get(&user.get_value())
                        .and_then(|r| r.get(&me).copied())
                })
                .unwrap_or(0)
        })
    };
    let add_note = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        match client.note_applicant(post, &user.get_value(), &text) {
            Ok(()) => {
                draft.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(error_text(i18n.get_locale(), &e))),
        }
    };
    let rate = move |stars: i64| {
        let stars = if my_stars() == stars { 0 } else { stars };
        if let Err(e) = client.rate_applicant(post, &user.get_value(), stars) {
            error.set(Some(error_text(i18n.get_locale(), &e)));
        }
    };
    let link = applicant.application.link.clone();
    let cv = applicant.application.cv.clone();
    view! {
        <li class="card board-card" draggable="true" data-testid="applicant" data-user=applicant.id.clone() data-referral=applicant.referral.is_some().to_string()
            on:dragstart=move |_| dragging.set(Some(user.get_value()))
            on:dragend=move |_| dragging.set(None)>
            <div class="board-card-head">
                <strong data-testid="applicant-name">{applicant.name.clone()}</strong>
                <time class="news-date">{move || {
                    let on = if referred { t_string!(i18n, jobs.referred_on) } else { t_string!(i18n, jobs.applied_on) };
                    on.replace("%d", &time::format(applied_at, None, i18n.get_locale(), Style::Day))
                }}</time>
            </div>
            {referral.map(|r| view! {
                <p class="board-referral" data-testid="applicant-referral">
                    <span class="status status-job">{move || t_string!(i18n, jobs.board_referred_by).replace("%n", &r.referrer_name)}</span>
                    {r.credited_at.is_some().then(|| view! {
                        <span class="status status-hired" data-testid="applicant-credited">{move || t_string!(i18n, jobs.board_credited)}</span>
                    })}
                    <a class="board-email" href=format!("mailto:{}", r.email)>{r.email.clone()}</a>
                </p>
            })}
            <p class="board-note" data-testid="applicant-note">{applicant.application.note.clone()}</p>
            {(!applicant.application.since.is_empty()).then(|| view! {
                <p class="board-since"><span class="field-label">{move || t_string!(i18n, jobs.apply_since)}</span>" "{applicant.application.since.clone()}</p>
            })}
            {(!link.is_empty()).then(|| view! {
                <a class="board-cv" href=link.clone() target="_blank" rel="noopener noreferrer">{move || t_string!(i18n, jobs.board_cv)}</a>
            })}
            {(!cv.is_empty()).then(|| view! {
                <a class="board-cv" href=crate::api::photo_path(&cv) download="cv.pdf" data-testid="applicant-cv">{move || t_string!(i18n, jobs.board_cv_file)}</a>
            })}
            // Members who applied are written to from here; whom a member referred, by email.
            {(!referred).then(|| view! {
                <div class="board-message"><crate::ui::messages::MessageButton user=user.get_value() /></div>
            })}
            <label class="board-stage">
                <span class="field-label">{move || t_string!(i18n, jobs.board_move)}</span>
                <select class="select" data-testid="applicant-stage"
                    on:change=move |ev| {
                        if let Some(s) = Stage::from_key(&event_target_value(&ev)) {
                            move_to(user.get_value(), s);
                        }
                    }>
                    {Stage::ALL.into_iter().map(|s| view! {
                        <option value=s.key() selected=stage == Some(s)>{move || stage_label(i18n.get_locale(), s)}</option>
                    }).collect_view()}
                </select>
            </label>
            <div class="board-stars" role="group" aria-label=move || t_string!(i18n, jobs.board_rating)>
                {(1..=5).map(|n| view! {
                    <button type="button" class="star" class:star-on={move || my_stars() >= n} data-testid=format!("applicant-star-{n}")
                        aria-pressed=move || (my_stars() == n).to_string() on:click=move |_| rate(n)>"★"</button>
                }).collect_view()}
            </div>
            <details class="board-notes" open=true>
                <summary class="field-label">{move || t_string!(i18n, jobs.board_notes)}</summary>
                <ul class="board-note-list" data-testid="applicant-notes">
                    {move || notes().into_iter().map(|n| {
                        let at = n.at;
                        view! {
                            <li class="board-note-item" data-testid="applicant-note-item">
                                <span>{n.text.clone()}</span>
                                <span class="news-date">{n.by.clone()}" · "{move || time::format(at, None, i18n.get_locale(), Style::Short)}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <form class="board-note-form" on:submit=add_note>
                    <textarea class="input textarea" rows="2" data-testid="applicant-note-input"
                        maxlength=MAX_NOTE_CHARS.to_string()
                        placeholder=move || t_string!(i18n, jobs.board_note_hint)
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <button type="submit" class="button button-small" data-testid="applicant-note-add">{move || t_string!(i18n, jobs.board_note_add)}</button>
                </form>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            </details>
        </li>
    }
}
