//! `/confirm/<token>`: the link the relay mails to the address HR has on record when someone
//! applies as an imported leaver (`<public url>/#/confirm/<token>`). It shows whose application
//! it is before anything happens, so whoever opened the mail can tell whether it was them;
//! confirming makes the member. No session is opened here: the applicant signs in with the
//! email and the password they chose when applying, which the person reading that mail need not
//! know.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tsunagu_core::api::{ApplicationToConfirm, ErrorCode};

use super::sign_in::BrandCard;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub(crate) fn ConfirmPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let application = LocalResource::new(move || {
        let token = token();
        async move { api::application_to_confirm(&token).await }
    });
    // The sign-in email, once confirmed.
    let confirmed = RwSignal::new(None::<String>);
    view! {
        <BrandCard extra_class="join-card">
            {move || match (confirmed.get(), application.get()) {
                (Some(email), _) => view! { <Confirmed email=email /> }.into_any(),
                (None, None) => view! { <p class="field-hint" data-testid="confirm-loading">{t_string!(i18n, confirm.loading)}</p> }.into_any(),
                (None, Some(Err(error))) => view! { <ConfirmProblem error=error /> }.into_any(),
                (None, Some(Ok(info))) => view! { <ConfirmForm token=token() info=info confirmed=confirmed /> }.into_any(),
            }}
        </BrandCard>
    }
}

#[component]
fn ConfirmForm(
    token: String,
    info: ApplicationToConfirm,
    confirmed: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let confirm = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let token = token.clone();
        leptos::task::spawn_local(async move {
            match api::confirm_application(&token).await {
                Ok(done) => confirmed.set(Some(done.email)),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <h1 class="signin-title">{move || t_string!(i18n, confirm.title)}</h1>
        <p class="signin-lead">{move || t_string!(i18n, confirm.lead)}</p>
        <dl class="join-who join-who-stacked" data-testid="confirm-applicant">
            <dt>{move || t_string!(i18n, join.name)}</dt>
            <dd data-testid="confirm-name">{info.name.clone()}</dd>
            <dt>{move || t_string!(i18n, confirm.sign_in_email)}</dt>
            <dd data-testid="confirm-email">{info.email.clone()}</dd>
        </dl>
        <p class="field-hint confirm-not-you">{move || t_string!(i18n, confirm.not_you)}</p>
        <Show when=move || error.get().is_some()>
            <p class="form-error" role="alert" data-testid="confirm-error">
                {move || error.get().map(|e| problem_text(i18n.get_locale(), &e).1)}
            </p>
        </Show>
        <button type="button" class="button button-primary button-block" data-testid="confirm-submit"
            disabled=move || busy.get() on:click=confirm>
            {move || if busy.get() { t_string!(i18n, confirm.submitting) } else { t_string!(i18n, confirm.submit) }}
        </button>
    }
}

/// Confirmed: sign in with the email and the password chosen when applying.
#[component]
fn Confirmed(email: String) -> impl IntoView {
    let i18n = use_i18n();
    let sign_in = format!(
        "/?email={}",
        String::from(js_sys::encode_uri_component(&email))
    );
    view! {
        <div data-testid="confirm-done">
            <h1 class="signin-title">{move || t_string!(i18n, confirm.done_title)}</h1>
            <p class="signin-lead">{t!(i18n, confirm.done_text, email = move || email.clone())}</p>
            <a class="button button-primary button-block" href=sign_in data-testid="confirm-to-sign-in">
                {move || t_string!(i18n, join.to_sign_in)}
            </a>
        </div>
    }
}

/// A confirmation link that cannot be used, and what to do instead. An expired link leaves the
/// application waiting for an admin (applying again with the same email would change nothing),
/// so only a link the relay does not know offers to apply.
#[component]
fn ConfirmProblem(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let unknown = matches!(
        error,
        AppError::Api(ErrorCode::InvitationNotFound | ErrorCode::NotFound)
    );
    let text = move || problem_text(i18n.get_locale(), &error);
    let (title, lead) = (text.clone(), text);
    view! {
        <div data-testid="confirm-link-problem">
            <h1 class="signin-title">{move || title().0}</h1>
            <p class="signin-lead">{move || lead().1}</p>
            <div class="join-actions">
                <a class="button button-primary button-block" href="/">{move || t_string!(i18n, join.to_sign_in)}</a>
                {unknown.then(|| view! {
                    <a class="button button-block" href="/apply">{move || t_string!(i18n, join.signin_apply)}</a>
                })}
            </div>
        </div>
    }
}

/// What went wrong with a confirmation link: a title and what to do.
fn problem_text(locale: Locale, error: &AppError) -> (&'static str, &'static str) {
    match error {
        AppError::Api(ErrorCode::ApplicationNotApproved) => (
            td_string!(locale, confirm.not_approved_title),
            td_string!(locale, confirm.not_approved_text),
        ),
        AppError::Api(ErrorCode::InvitationUsed) => (
            td_string!(locale, confirm.used_title),
            td_string!(locale, confirm.used_text),
        ),
        AppError::Api(ErrorCode::InvitationExpired) => (
            td_string!(locale, confirm.expired_title),
            td_string!(locale, confirm.expired_text),
        ),
        AppError::Api(ErrorCode::InvitationNotFound | ErrorCode::NotFound) => (
            td_string!(locale, confirm.unknown_title),
            td_string!(locale, confirm.unknown_text),
        ),
        AppError::Offline => (
            td_string!(locale, join.offline_title),
            td_string!(locale, join.offline_text),
        ),
        AppError::Api(ErrorCode::TooManyAttempts) => (
            td_string!(locale, confirm.failed_title),
            td_string!(locale, signin.error_too_many),
        ),
        _ => (
            td_string!(locale, confirm.failed_title),
            td_string!(locale, join.failed_text),
        ),
    }
}
