//! Applying for a job opening (docs/design.md §13), on the opening's page: a short note, what
//! the person has done since leaving (filled in from their profile), a link to their CV. It is
//! written on the phone at once — offline too — and sent when the relay is reachable; where it
//! stands then shows on the same page, each stage with its date, as recruiters move it.

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{
    JobApplication, MAX_APPLICATION_TEXT_CHARS, MAX_CV_LINK_CHARS, MAX_REFERRAL_FIELD_CHARS,
    Referral, Refusal, Stage,
};
use tsunagu_core::news::Opening;
use tsunagu_core::photo;

use super::now;
use crate::i18n::*;
use crate::state::Signals;
use crate::ui::time::{self, Style};
use crate::ui::{error_text, use_client};

/// A stage, for people.
pub(crate) fn stage_label(locale: Locale, stage: Stage) -> &'static str {
    match stage {
        Stage::Applied => td_string!(locale, jobs.stage_applied),
        Stage::Screening => td_string!(locale, jobs.stage_screening),
        Stage::Interview => td_string!(locale, jobs.stage_interview),
        Stage::Offer => td_string!(locale, jobs.stage_offer),
        Stage::Hired => td_string!(locale, jobs.stage_hired),
        Stage::Declined => td_string!(locale, jobs.stage_declined),
    }
}

/// Where the person's application for `post` stands, in one word (tracked): its stage, "sending"
/// before the relay took it, refused; `None` if they have not applied.
fn standing(signals: Signals, post: DocumentId) -> Option<Standing> {
    let key = post.to_string();
    signals.applications.with(|a| {
        if let Some(why) = a.refusal(&key) {
            Some(Standing::Refused(why))
        } else if let Some(stage) = a.stage(&key) {
            Some(Standing::At(stage))
        } else {
            a.applications
                .contains_key(&key)
                .then_some(Standing::Sending)
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Standing {
    Sending,
    At(Stage),
    Refused(Refusal),
}

impl Standing {
    fn key(self) -> &'static str {
        match self {
            Standing::Sending => "sending",
            Standing::At(stage) => stage.key(),
            Standing::Refused(_) => "refused",
        }
    }

    fn label(self, locale: Locale) -> &'static str {
        match self {
            Standing::Sending => td_string!(locale, jobs.apply_sending_short),
            Standing::At(stage) => stage_label(locale, stage),
            Standing::Refused(_) => td_string!(locale, jobs.apply_refused_short),
        }
    }
}

/// On an opening's card: where the person's application stands, if they applied.
#[component]
pub(crate) fn MyStage(post: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    move || {
        standing(signals, post).map(|s| {
            view! {
                <span class=format!("status status-application status-{}", s.key()) data-testid="my-application-stage" data-stage=s.key()>
                    {move || s.label(i18n.get_locale())}
                </span>
            }
        })
    }
}

/// Whether the person saved the opening `post` (tracked).
pub(crate) fn is_saved(signals: Signals, post: DocumentId) -> bool {
    let key = post.to_string();
    signals.applications.with(|a| a.saved.contains_key(&key))
}

/// Saves an opening to come back to, or takes it back.
#[component]
pub(crate) fn SaveJob(post: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let error = RwSignal::new(None::<&'static str>);
    let saved = move || is_saved(signals, post);
    let toggle = move |_| match client.save_job(post, !saved()) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(error_text(i18n.get_locale(), &e))),
    };
    view! {
        <button type="button" class="button button-small job-save" class:job-saved=saved data-testid="job-save"
            aria-pressed=move || saved().to_string() on:click=toggle>
            <span aria-hidden="true">{move || if saved() { "★" } else { "☆" }}</span>
            {move || if saved() { t_string!(i18n, jobs.saved) } else { t_string!(i18n, jobs.save) }}
        </button>
        {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

/// What the person has done since leaving, as their profile says: where they work now.
fn since_from_profile(signals: Signals) -> String {
    let own = signals
        .me
        .with_untracked(|me| me.as_ref().map(|m| m.profile_doc));
    signals.directory.with_untracked(|all| {
        all.iter()
            .find(|(doc, _, _)| Some(*doc) == own)
            .map(|(_, p, _)| {
                [p.employer.trim(), p.title.trim()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    })
}

/// On an opening's page, for its readers: apply, or where their application stands.
#[component]
pub(crate) fn ApplySection(post: DocumentId, opening: Opening) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let closed = opening.is_closed(now());
    let open_form = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let link = RwSignal::new(String::new());
    // A CV file picked to send with it: its id and name (the file itself is kept on the device
    // when the application is sent, and goes to the relay when it is reachable).
    let cv = RwSignal::new(None::<(String, String)>);
    let cv_file = StoredValue::new_local(None::<web_sys::File>);
    let error = RwSignal::new(None::<&'static str>);
    let pick_cv = move |ev: leptos::ev::Event| {
        let Some(file) = crate::ui::photos::picked_file(&ev) else {
            return;
        };
        leptos::task::spawn_local(async move {
            match read_cv(&file).await {
                Ok(id) => {
                    error.set(None);
                    cv.set(Some((id, file.name())));
                    cv_file.set_value(Some(file));
                }
                Err(problem) => error.set(Some(problem.text(i18n.get_locale()))),
            }
        });
    };
    let start = move |_| {
        if since.get_untracked().is_empty() {
            since.set(since_from_profile(signals));
        }
        error.set(None);
        open_form.set(true);
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let application = JobApplication {
            note: note.get_untracked().trim().to_owned(),
            since: since.get_untracked().trim().to_owned(),
            link: link.get_untracked().trim().to_owned(),
            cv: cv.with_untracked(|c| c.as_ref().map(|(id, _)| id.clone()).unwrap_or_default()),
            at: 0,
        };
        if application.note.is_empty() {
            error.set(Some(t_string!(i18n, jobs.apply_note_missing)));
            return;
        }
        let link_ok = application.link.is_empty() || application.link.starts_with("https://");
        if !link_ok {
            error.set(Some(t_string!(i18n, jobs.apply_link_https)));
            return;
        }
        let file = cv_file.with_value(Clone::clone);
        leptos::task::spawn_local(async move {
            // The file is on the device before the application names it.
            let kept = match &file {
                Some(file) => client.keep_photo(&application.cv, file).await,
                None => Ok(()),
            };
            match kept.and_then(|()| client.apply_for(post, &application)) {
                Ok(()) => {
                    error.set(None);
                    open_form.set(false);
                }
                Err(e) => error.set(Some(error_text(i18n.get_locale(), &e))),
            }
        });
    };
    let history = move || {
        let key = post.to_string();
        signals
            .applications
            .with(|a| a.stages.get(&key).cloned().unwrap_or_default())
    };
    let sent = move || {
        let key = post.to_string();
        signals
            .applications
            .with(|a| a.applications.get(&key).cloned())
    };
    view! {
        <section class="card section apply" data-testid="apply" aria-labelledby="apply-title">
            <h2 class="section-title" id="apply-title">{move || if standing(signals, post).is_some() {
                t_string!(i18n, jobs.my_application)
            } else {
                t_string!(i18n, jobs.apply_title)
            }}</h2>
            {move || match standing(signals, post) {
                Some(Standing::Sending) => view! {
                    <p class="apply-state" data-testid="apply-sending">{move || t_string!(i18n, jobs.apply_sending)}</p>
                }.into_any(),
                Some(Standing::Refused(why)) => view! {
                    <p class="apply-state apply-refused" data-testid="apply-refused" data-why=why.key()>{move || match why {
                        Refusal::Closed => t_string!(i18n, jobs.refused_closed),
                        Refusal::Unavailable => t_string!(i18n, jobs.refused_unavailable),
                        Refusal::Invalid => t_string!(i18n, jobs.refused_invalid),
                    }}</p>
                }.into_any(),
                Some(Standing::At(_)) => view! {
                    <ol class="stages" data-testid="apply-stages">
                        {history().into_iter().map(|e| {
                            let stage = Stage::from_key(&e.stage);
                            let at = e.at;
                            view! {
                                <li class="stage" data-stage=e.stage.clone()>
                                    <span class="stage-name">{move || stage.map(|s| stage_label(i18n.get_locale(), s)).unwrap_or_default()}</span>
                                    <time class="news-date">{move || time::format(at, None, i18n.get_locale(), Style::Day)}</time>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
                None if closed => view! {
                    <p class="apply-state" data-testid="apply-closed">{move || t_string!(i18n, jobs.apply_closed)}</p>
                }.into_any(),
                None => view! {
                    <Show when=move || open_form.get()
                        fallback=move || view! {
                            <p class="field-hint">{move || t_string!(i18n, jobs.apply_lead)}</p>
                            <button type="button" class="button button-primary" data-testid="apply-start" on:click=start>
                                {move || t_string!(i18n, jobs.apply)}
                            </button>
                        }>
                        <form class="apply-form" data-testid="apply-form" on:submit=send>
                            <div class="field">
                                <label class="field-label" for="apply-note">{move || t_string!(i18n, jobs.apply_note)}</label>
                                <textarea class="input textarea" id="apply-note" data-testid="apply-note" rows="4" required
                                    maxlength=MAX_APPLICATION_TEXT_CHARS.to_string()
                                    placeholder=move || t_string!(i18n, jobs.apply_note_hint)
                                    prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                            </div>
                            <div class="field">
                                <label class="field-label" for="apply-since">{move || t_string!(i18n, jobs.apply_since)}</label>
                                <textarea class="input textarea" id="apply-since" data-testid="apply-since" rows="3"
                                    maxlength=MAX_APPLICATION_TEXT_CHARS.to_string()
                                    prop:value=move || since.get() on:input=move |ev| since.set(event_target_value(&ev))></textarea>
                            </div>
                            <div class="field">
                                <label class="field-label" for="apply-link">{move || t_string!(i18n, jobs.apply_link)}</label>
                                <input class="input" type="url" id="apply-link" data-testid="apply-link" inputmode="url"
                                    maxlength=MAX_CV_LINK_CHARS.to_string() placeholder="https://"
                                    prop:value=move || link.get() on:input=move |ev| { error.set(None); link.set(event_target_value(&ev)); } />
                            </div>
                            <div class="field">
                                <span class="field-label">{move || t_string!(i18n, jobs.apply_cv_file)}</span>
                                <div class="apply-cv">
                                    <label class="button button-small">
                                        <input type="file" class="visually-hidden" accept="application/pdf,.pdf" data-testid="apply-cv" on:change=pick_cv />
                                        {move || t_string!(i18n, jobs.apply_cv_pick)}
                                    </label>
                                    {move || cv.get().map(|(_, name)| view! {
                                        <span class="apply-cv-name" data-testid="apply-cv-name">{name}</span>
                                        <button type="button" class="button button-quiet button-small" data-testid="apply-cv-remove"
                                            on:click=move |_| { cv.set(None); cv_file.set_value(None); }>
                                            {move || t_string!(i18n, jobs.apply_cv_remove)}
                                        </button>
                                    })}
                                </div>
                                <p class="field-hint">{move || t_string!(i18n, jobs.apply_cv_hint)}</p>
                            </div>
                            <p class="field-hint">{move || t_string!(i18n, jobs.apply_offline)}</p>
                            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="apply-error">{e}</p> })}
                            <div class="edit-footer">
                                <button type="submit" class="button button-primary" data-testid="apply-send">{move || t_string!(i18n, jobs.apply_send)}</button>
                                <button type="button" class="button button-quiet" on:click=move |_| open_form.set(false)>{move || t_string!(i18n, jobs.apply_cancel)}</button>
                            </div>
                        </form>
                    </Show>
                }.into_any(),
            }}
            {move || sent().map(|a| view! {
                <details class="apply-sent" data-testid="apply-sent">
                    <summary>{move || t_string!(i18n, jobs.apply_what_was_sent)}</summary>
                    <p class="apply-sent-note">{a.note.clone()}</p>
                    {(!a.since.is_empty()).then(|| view! {
                        <p class="apply-sent-note"><span class="field-label">{move || t_string!(i18n, jobs.apply_since)}</span>" "{a.since.clone()}</p>
                    })}
                    {(!a.link.is_empty()).then(|| view! { <a href=a.link.clone() target="_blank" rel="noopener noreferrer">{a.link.clone()}</a> })}
                    {(!a.cv.is_empty()).then(|| view! {
                        <p class="apply-sent-note" data-testid="apply-sent-cv">{move || t_string!(i18n, jobs.apply_cv_sent)}</p>
                    })}
                </details>
            })}
        </section>
    }
}

/// On an opening's page, for its readers: refer someone (リファラル), and the people they referred
/// with where each stands.
#[component]
pub(crate) fn ReferSection(post: DocumentId, opening: Opening) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let closed = opening.is_closed(now());
    let open_form = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let why = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let referral = Referral {
            post: post.to_string(),
            name: name.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            why: why.get_untracked().trim().to_owned(),
            at: 0,
        };
        if referral.problem().is_some() {
            error.set(Some(t_string!(i18n, jobs.refer_incomplete)));
            return;
        }
        match client.refer(post, &referral) {
            Ok(()) => {
                error.set(None);
                open_form.set(false);
                for field in [name, email, why] {
                    field.set(String::new());
                }
            }
            Err(e) => error.set(Some(error_text(i18n.get_locale(), &e))),
        }
    };
    let mine = move || {
        let key = post.to_string();
        signals.applications.with(|a| {
            a.referrals_for(&key)
                .map(|(k, r)| {
                    let standing = if let Some(why) = a.refusal(k) {
                        Standing::Refused(why)
                    } else if let Some(stage) = a.stage(k) {
                        Standing::At(stage)
                    } else {
                        Standing::Sending
                    };
                    (k.clone(), r.name.clone(), standing)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="card section apply refer" data-testid="refer" aria-labelledby="refer-title">
            <h2 class="section-title" id="refer-title">{move || t_string!(i18n, jobs.refer_title)}</h2>
            <Show when=move || !mine().is_empty()>
                <ul class="referrals" data-testid="referrals">
                    <For each=mine key=|(k, _, s)| (k.clone(), *s) let:item>
                        {
                            let (_, who, standing) = item;
                            view! {
                                <li class="referral" data-testid="referral" data-stage=standing.key()>
                                    <span class="referral-name">{who}</span>
                                    <span class=format!("status status-application status-{}", standing.key())>{move || standing.label(i18n.get_locale())}</span>
                                    {(standing == Standing::At(Stage::Hired)).then(|| view! {
                                        <span class="referral-credit" data-testid="referral-credited">{move || t_string!(i18n, jobs.refer_credited)}</span>
                                    })}
                                </li>
                            }
                        }
                    </For>
                </ul>
            </Show>
            <Show when=move || !closed>
                <Show when=move || open_form.get()
                    fallback=move || view! {
                        <p class="field-hint">{move || t_string!(i18n, jobs.refer_lead)}</p>
                        <button type="button" class="button" data-testid="refer-start" on:click=move |_| open_form.set(true)>
                            {move || t_string!(i18n, jobs.refer)}
                        </button>
                    }>
                    <form class="apply-form" data-testid="refer-form" on:submit=send>
                        <div class="field">
                            <label class="field-label" for="refer-name">{move || t_string!(i18n, jobs.refer_name)}</label>
                            <input class="input" id="refer-name" data-testid="refer-name" required
                                maxlength=MAX_REFERRAL_FIELD_CHARS.to_string()
                                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label class="field-label" for="refer-email">{move || t_string!(i18n, jobs.refer_email)}</label>
                            <input class="input" type="email" id="refer-email" data-testid="refer-email" required inputmode="email"
                                maxlength=MAX_REFERRAL_FIELD_CHARS.to_string()
                                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                        </div>
                        <div class="field">
                            <label class="field-label" for="refer-why">{move || t_string!(i18n, jobs.refer_why)}</label>
                            <textarea class="input textarea" id="refer-why" data-testid="refer-why" rows="3"
                                maxlength=MAX_APPLICATION_TEXT_CHARS.to_string()
                                prop:value=move || why.get() on:input=move |ev| why.set(event_target_value(&ev))></textarea>
                        </div>
                        <p class="field-hint">{move || t_string!(i18n, jobs.refer_consent)}</p>
                        {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="refer-error">{e}</p> })}
                        <div class="edit-footer">
                            <button type="submit" class="button button-primary" data-testid="refer-send">{move || t_string!(i18n, jobs.refer_send)}</button>
                            <button type="button" class="button button-quiet" on:click=move |_| open_form.set(false)>{move || t_string!(i18n, jobs.apply_cancel)}</button>
                        </div>
                    </form>
                </Show>
            </Show>
        </section>
    }
}

/// Why a picked CV file cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CvProblem {
    NotPdf,
    TooLarge,
    Unreadable,
}

impl CvProblem {
    fn text(self, locale: Locale) -> &'static str {
        match self {
            CvProblem::NotPdf => td_string!(locale, jobs.apply_cv_not_pdf),
            CvProblem::TooLarge => td_string!(locale, jobs.apply_cv_too_large),
            CvProblem::Unreadable => td_string!(locale, jobs.apply_cv_unreadable),
        }
    }
}

/// A picked CV's id, once it is known to be a PDF the relay takes (by its first bytes, not its
/// name or the type the browser guesses).
async fn read_cv(file: &web_sys::File) -> Result<String, CvProblem> {
    let size = file.size();
    if size > photo::MAX_PHOTO_BYTES as f64 {
        return Err(CvProblem::TooLarge);
    }
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| CvProblem::Unreadable)?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    if photo::file_kind_of(&bytes) != Some(photo::PDF) {
        return Err(CvProblem::NotPdf);
    }
    Ok(photo::id_of(&bytes))
}
