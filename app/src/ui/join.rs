//! Joining the network without an account: registering from an invitation link
//! (`<public url>/#/join/<token>`, mailed or handed over by an admin), or applying to join.
//!
//! Registering ends with the relay setting the session cookie. The app then reloads into `/me`:
//! booting with a cookie and nothing on the device asks the relay who we are (`GET /api/me`) and
//! signs in through the runtime's normal path, so a new member starts exactly as a returning one.
//!
//! Applying never signs anyone in: the relay answers every application the same way, and what
//! happens next arrives by mail — a confirmation link when HR's records know the applicant
//! (see [`super::confirm`]), else an admin's decision.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tsunagu_core::api::{Apply, ErrorCode, InvitationInfo, MIN_PASSWORD_CHARS, Register};

use super::password::PasswordField;
use super::sign_in::BrandCard;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// `/join/<token>`: who is invited, a password, and in.
#[component]
pub(crate) fn JoinPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = LocalResource::new(move || {
        let token = token();
        async move { api::invitation(&token).await }
    });
    view! {
        <BrandCard extra_class="join-card">
            {move || match invitation.get() {
                None => view! { <p class="field-hint" data-testid="join-loading">{t_string!(i18n, join.loading)}</p> }.into_any(),
                Some(Err(error)) => view! { <LinkProblem error=error /> }.into_any(),
                Some(Ok(info)) => view! { <RegisterForm token=token() info=info /> }.into_any(),
            }}
        </BrandCard>
    }
}

/// An invitation link that cannot be used, and what to do instead.
#[component]
fn LinkProblem(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let (title, text) = match error {
        AppError::Api(ErrorCode::InvitationExpired) => (
            t_string!(i18n, join.expired_title),
            t_string!(i18n, join.expired_text),
        ),
        AppError::Api(ErrorCode::InvitationUsed) => (
            t_string!(i18n, join.used_title),
            t_string!(i18n, join.used_text),
        ),
        AppError::Api(ErrorCode::InvitationNotFound | ErrorCode::NotFound) => (
            t_string!(i18n, join.unknown_title),
            t_string!(i18n, join.unknown_text),
        ),
        AppError::Offline => (
            t_string!(i18n, join.offline_title),
            t_string!(i18n, join.offline_text),
        ),
        _ => (
            t_string!(i18n, join.failed_title),
            t_string!(i18n, join.failed_text),
        ),
    };
    view! {
        <div data-testid="join-link-problem">
            <h1 class="signin-title">{title}</h1>
            <p class="signin-lead">{text}</p>
            <div class="join-actions">
                <a class="button button-primary button-block" href="/">{move || t_string!(i18n, join.to_sign_in)}</a>
                <a class="button button-block" href="/apply">{move || t_string!(i18n, join.to_apply)}</a>
            </div>
        </div>
    }
}

#[component]
fn RegisterForm(token: String, info: InvitationInfo) -> impl IntoView {
    let i18n = use_i18n();
    let password = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let placeholder = info.name.clone();
    // A message about the password goes once they change it.
    Effect::new(move |_| {
        password.track();
        error.set(None);
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let pw = password.get_untracked();
        if pw.chars().count() < MIN_PASSWORD_CHARS {
            error.set(Some(t_string!(i18n, join.password_too_short).to_string()));
            return;
        }
        let name = display_name.get_untracked().trim().to_owned();
        let request = Register {
            token: token.clone(),
            password: pw,
            display_name: (!name.is_empty()).then_some(name),
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::register(&request).await {
                Ok(_) => {
                    super::welcome::expect_newcomer();
                    open_signed_in("/me");
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(register_error(i18n, &e)));
                }
            }
        });
    };

    view! {
        <h1 class="signin-title">{move || t_string!(i18n, join.title)}</h1>
        <p class="signin-lead">{move || t_string!(i18n, join.lead)}</p>
        <dl class="join-who" data-testid="join-invitee">
            <dt>{move || t_string!(i18n, join.name)}</dt>
            <dd>
                <span data-testid="join-name">{info.name.clone()}</span>
                {(!info.reading.is_empty()).then(|| view! { <span class="join-reading">{info.reading.clone()}</span> })}
            </dd>
            <dt>{move || t_string!(i18n, join.email)}</dt>
            <dd data-testid="join-email">{info.email.clone()}</dd>
        </dl>
        <form class="signin-form" on:submit=submit>
            <PasswordField value=password testid="join-password" />
            <label class="field">
                <span class="field-label">
                    {move || t_string!(i18n, join.display_name)}
                    <span class="field-optional">{move || t_string!(i18n, join.optional)}</span>
                </span>
                <input
                    class="input"
                    type="text"
                    name="display-name"
                    autocomplete="nickname"
                    placeholder=placeholder
                    data-testid="join-display-name"
                    prop:value=move || display_name.get()
                    on:input=move |ev| display_name.set(event_target_value(&ev))
                />
                <span class="field-hint">{move || t_string!(i18n, join.display_name_hint)}</span>
            </label>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert" data-testid="join-error">{move || error.get()}</p>
            </Show>
            <button class="button button-primary button-block" type="submit" data-testid="join-submit" disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, join.submitting) } else { t_string!(i18n, join.submit) }}
            </button>
        </form>
    }
}

/// `/apply`: someone without an invitation asks to join. The answer is always "received": the
/// relay mails a confirmation link to the address HR has on record when the details match an
/// imported leaver, and otherwise an admin decides.
#[component]
pub(crate) fn ApplyPage() -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let reading = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let employee_number = RwSignal::new(String::new());
    let joined = RwSignal::new(String::new());
    let left = RwSignal::new(String::new());
    let department = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let received = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let optional = |s: RwSignal<String>| {
            let s = s.get_untracked().trim().to_owned();
            (!s.is_empty()).then_some(s)
        };
        let request = Apply {
            name: name.get_untracked().trim().to_owned(),
            reading: reading.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            employee_number: optional(employee_number),
            joined: optional(joined),
            left: optional(left),
            department: optional(department),
            note: optional(note),
            password: password.get_untracked(),
        };
        if request.name.is_empty() || request.reading.is_empty() || request.email.is_empty() {
            error.set(Some(t_string!(i18n, join.apply_missing).to_string()));
            return;
        }
        if request.password.chars().count() < MIN_PASSWORD_CHARS {
            error.set(Some(t_string!(i18n, join.password_too_short).to_string()));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::apply(&request).await;
            busy.set(false);
            match result {
                Ok(_) => received.set(true),
                Err(e) => error.set(Some(register_error(i18n, &e))),
            }
        });
    };

    let text_field = move |label: String,
                           value: RwSignal<String>,
                           kind: &'static str,
                           autocomplete: &'static str,
                           testid: &'static str,
                           required: bool| {
        view! {
            <label class="field">
                <span class="field-label">
                    {label}
                    {(!required).then(|| view! { <span class="field-optional">{move || t_string!(i18n, join.optional)}</span> })}
                </span>
                <input
                    class="input"
                    type=kind
                    autocomplete=autocomplete
                    required=required
                    data-testid=testid
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };

    view! {
        <BrandCard extra_class="join-card">
            {move || if received.get() {
                view! {
                    <div data-testid="apply-pending">
                        <h1 class="signin-title">{t_string!(i18n, join.pending_title)}</h1>
                        <p class="signin-lead">{t_string!(i18n, join.pending_text)}</p>
                        <a class="button button-block" href="/">{t_string!(i18n, join.to_sign_in)}</a>
                    </div>
                }.into_any()
            } else {
                view! {
                    <h1 class="signin-title">{t_string!(i18n, join.apply_title)}</h1>
                    <p class="signin-lead">{t_string!(i18n, join.apply_lead)}</p>
                    <form class="signin-form" on:submit=submit>
                        {text_field(t_string!(i18n, join.apply_name).to_string(), name, "text", "name", "apply-name", true)}
                        {text_field(t_string!(i18n, join.apply_reading).to_string(), reading, "text", "off", "apply-reading", true)}
                        {text_field(t_string!(i18n, join.email).to_string(), email, "email", "email", "apply-email", true)}
                        {text_field(t_string!(i18n, join.apply_employee_number).to_string(), employee_number, "text", "off", "apply-employee-number", false)}
                        <div class="join-months">
                            {text_field(t_string!(i18n, join.apply_joined).to_string(), joined, "month", "off", "apply-joined", false)}
                            {text_field(t_string!(i18n, join.apply_left).to_string(), left, "month", "off", "apply-left", false)}
                        </div>
                        {text_field(t_string!(i18n, join.apply_department).to_string(), department, "text", "organization-title", "apply-department", false)}
                        <label class="field">
                            <span class="field-label">
                                {t_string!(i18n, join.apply_note)}
                                <span class="field-optional">{t_string!(i18n, join.optional)}</span>
                            </span>
                            <textarea class="input textarea" data-testid="apply-note"
                                placeholder=t_string!(i18n, join.apply_note_hint)
                                prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                        </label>
                        <PasswordField value=password testid="apply-password" />
                        <Show when=move || error.get().is_some()>
                            <p class="form-error" role="alert" data-testid="apply-error">{move || error.get()}</p>
                        </Show>
                        <button class="button button-primary button-block" type="submit" data-testid="apply-submit" disabled=move || busy.get()>
                            {move || if busy.get() { t_string!(i18n, join.submitting) } else { t_string!(i18n, join.apply_submit) }}
                        </button>
                        <p class="join-alt"><a href="/">{t_string!(i18n, join.have_account)}</a></p>
                    </form>
                }.into_any()
            }}
        </BrandCard>
    }
}

/// `/join/...`, `/apply` or `/confirm/...` while someone is signed in on this device.
#[component]
pub(crate) fn AlreadySignedIn() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="card section" data-testid="join-signed-in">
            <h1 class="page-title">{move || t_string!(i18n, join.signed_in_title)}</h1>
            <p class="page-lead">{move || t_string!(i18n, join.signed_in_text)}</p>
            <p class="join-alt"><a href="/me">{move || t_string!(i18n, nav.my_profile)}</a></p>
        </div>
    }
}

/// The message for a failed registration or application; what they typed stays in the form.
fn register_error(i18n: leptos_i18n::I18nContext<Locale>, error: &AppError) -> String {
    match error {
        AppError::Api(ErrorCode::PasswordTooShort) => t_string!(i18n, join.password_too_short),
        AppError::Api(ErrorCode::InvitationExpired) => t_string!(i18n, join.expired_text),
        AppError::Api(ErrorCode::InvitationUsed) => t_string!(i18n, join.used_text),
        AppError::Api(ErrorCode::InvitationNotFound) => t_string!(i18n, join.unknown_text),
        AppError::Api(ErrorCode::EmailUnavailable) => t_string!(i18n, join.email_unavailable),
        AppError::Api(ErrorCode::BadRequest) => t_string!(i18n, join.apply_missing),
        AppError::Api(ErrorCode::TooManyAttempts) => t_string!(i18n, signin.error_too_many),
        AppError::Offline => t_string!(i18n, signin.error_offline),
        _ => t_string!(i18n, join.failed_text),
    }
    .to_string()
}

/// The session cookie is set: start the app afresh at `path` (a new member's profile, a new
/// admin's screens), signing in through the runtime's normal boot.
pub(crate) fn open_signed_in(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
}
