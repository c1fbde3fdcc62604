//! `/setup/<token>`: the first-run setup of a new network. A relay started on an empty database
//! prints a one-time link (`<public url>/#/setup/<token>`); whoever installed it opens the link
//! (usually on a computer) and enters the organisation — its name, default language and the
//! time zone new events are held in — and the first admin's sign-in. The relay signs that admin
//! in, and the app reloads into the admin screens.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use tsunagu_core::api::{ErrorCode, MIN_PASSWORD_CHARS, Setup};
use tsunagu_core::event::DEFAULT_TIME_ZONE;

use super::events::ZonePicker;
use super::join::open_signed_in;
use super::network::Network;
use super::password::PasswordField;
use super::sign_in::BrandCard;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// Why the setup did not go through: what was typed stays in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    OrganisationMissing,
    AdminNameMissing,
    EmailInvalid,
    PasswordTooShort,
    Refused(AppError),
}

fn problem_text(locale: Locale, problem: &Problem) -> &'static str {
    match problem {
        Problem::OrganisationMissing => td_string!(locale, setup.error_organisation),
        Problem::AdminNameMissing => td_string!(locale, setup.error_admin_name),
        Problem::EmailInvalid => td_string!(locale, setup.error_email),
        Problem::PasswordTooShort
        | Problem::Refused(AppError::Api(ErrorCode::PasswordTooShort)) => {
            td_string!(locale, join.password_too_short)
        }
        Problem::Refused(AppError::Api(ErrorCode::SetupLinkInvalid)) => {
            td_string!(locale, setup.error_link)
        }
        Problem::Refused(AppError::Api(ErrorCode::BadRequest)) => {
            td_string!(locale, setup.error_refused)
        }
        Problem::Refused(AppError::Api(ErrorCode::Busy)) => td_string!(locale, errors.busy),
        Problem::Refused(AppError::Offline) => td_string!(locale, signin.error_offline),
        Problem::Refused(error) => super::error_text(locale, error),
    }
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
struct Form {
    organisation: String,
    organisation_en: String,
    language: String,
    time_zone: String,
    admin_name: String,
    admin_email: String,
}

impl Form {
    /// The request, or the first thing to fix (the relay checks it all again).
    fn checked(&self, token: String, password: String) -> Result<Setup, Problem> {
        let setup = Setup {
            token,
            organisation: self.organisation.trim().to_owned(),
            organisation_en: self.organisation_en.trim().to_owned(),
            language: self.language.clone(),
            time_zone: self.time_zone.clone(),
            admin_name: self.admin_name.trim().to_owned(),
            admin_email: self.admin_email.trim().to_owned(),
            admin_password: password,
        };
        if setup.organisation.is_empty() {
            return Err(Problem::OrganisationMissing);
        }
        if setup.admin_name.is_empty() {
            return Err(Problem::AdminNameMissing);
        }
        let looks_like_email = setup
            .admin_email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !looks_like_email {
            return Err(Problem::EmailInvalid);
        }
        if setup.admin_password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Problem::PasswordTooShort);
        }
        Ok(setup)
    }
}

#[component]
pub(crate) fn SetupPage() -> impl IntoView {
    // The relay refused because another setup came first.
    let done = RwSignal::new(false);
    let set_up = move || done.get() || Network::info().is_some_and(|info| info.set_up);
    view! {
        <BrandCard extra_class="join-card setup-card">
            <Show when=set_up fallback=move || view! { <SetupForm done=done /> }>
                <SetUpAlready />
            </Show>
        </BrandCard>
    }
}

#[component]
fn SetupForm(done: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.with_untracked(|p| p.get("token").unwrap_or_default());
    let language = match i18n.get_locale_untracked() {
        Locale::ja => "ja",
        Locale::en => "en",
    };
    let form = RwSignal::new(Form {
        language: language.to_owned(),
        time_zone: DEFAULT_TIME_ZONE.to_owned(),
        ..Form::default()
    });
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    // A message about what was typed goes once it is changed.
    Effect::new(move |_| {
        form.track();
        password.track();
        problem.set(None);
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = match form.with_untracked(|f| f.checked(token(), password.get_untracked())) {
            Ok(request) => request,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        busy.set(true);
        problem.set(None);
        leptos::task::spawn_local(async move {
            match api::setup(&request).await {
                Ok(_) => open_signed_in("/admin"),
                Err(AppError::Api(ErrorCode::AlreadySetUp)) => done.set(true),
                Err(e) => {
                    busy.set(false);
                    problem.set(Some(Problem::Refused(e)));
                }
            }
        });
    };

    let text = move |label: Signal<&'static str>,
                     testid: &'static str,
                     kind: &'static str,
                     autocomplete: &'static str,
                     optional: bool,
                     get: fn(&Form) -> &str,
                     set: fn(&mut Form, String)| {
        view! {
            <label class="field">
                <span class="field-label">
                    {move || label.get()}
                    {optional.then(|| view! { <span class="field-optional">{move || t_string!(i18n, join.optional)}</span> })}
                </span>
                <input class="input" type=kind autocomplete=autocomplete data-testid=testid
                    prop:value=move || form.with(|f| get(f).to_owned())
                    on:input=move |ev| form.update(|f| set(f, event_target_value(&ev))) />
            </label>
        }
    };

    view! {
        <h1 class="signin-title">{move || t_string!(i18n, setup.title)}</h1>
        <p class="signin-lead">{move || t_string!(i18n, setup.lead)}</p>
        <form class="signin-form setup-form" on:submit=submit novalidate=true data-testid="setup-form">
            <fieldset class="setup-group">
                <legend class="setup-legend">{move || t_string!(i18n, setup.organisation_group)}</legend>
                {text(Signal::derive(move || t_string!(i18n, setup.organisation)), "setup-organisation", "text", "organization", false,
                    |f| f.organisation.as_str(), |f, v| f.organisation = v)}
                {text(Signal::derive(move || t_string!(i18n, setup.organisation_en)), "setup-organisation-en", "text", "off", true,
                    |f| f.organisation_en.as_str(), |f, v| f.organisation_en = v)}
                <div class="field-grid">
                    <label class="field">
                        <span class="field-label">{move || t_string!(i18n, setup.language)}</span>
                        <select class="select setup-select" data-testid="setup-language"
                            on:change=move |ev| form.update(|f| f.language = event_target_value(&ev))>
                            {[("ja", "日本語"), ("en", "English")].into_iter().map(|(code, name)| view! {
                                <option value=code selected=move || form.with(|f| f.language == code)>{name}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <div class="field">
                        <label class="field-label" for="setup-time-zone">{move || t_string!(i18n, setup.time_zone)}</label>
                        <ZonePicker value=Signal::derive(move || form.with(|f| f.time_zone.clone()))
                            on_pick=Callback::new(move |zone| form.update(|f| f.time_zone = zone))
                            id="setup-time-zone" testid="setup-time-zone" />
                    </div>
                </div>
                <p class="field-hint">{move || t_string!(i18n, setup.defaults_hint)}</p>
            </fieldset>
            <fieldset class="setup-group">
                <legend class="setup-legend">{move || t_string!(i18n, setup.admin_group)}</legend>
                <p class="field-hint">{move || t_string!(i18n, setup.admin_hint)}</p>
                {text(Signal::derive(move || t_string!(i18n, setup.admin_name)), "setup-admin-name", "text", "name", false,
                    |f| f.admin_name.as_str(), |f, v| f.admin_name = v)}
                {text(Signal::derive(move || t_string!(i18n, join.email)), "setup-admin-email", "email", "username", false,
                    |f| f.admin_email.as_str(), |f, v| f.admin_email = v)}
                <PasswordField value=password testid="setup-password" />
            </fieldset>
            {move || problem.get().map(|p| view! {
                <p class="form-error" role="alert" data-testid="setup-error">{move || problem_text(i18n.get_locale(), &p)}</p>
            })}
            <button class="button button-primary button-block" type="submit" data-testid="setup-submit" disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, setup.submitting) } else { t_string!(i18n, setup.submit) }}
            </button>
        </form>
    }
}

/// The setup link opened again (or beaten by another setup): this network is already set up.
#[component]
fn SetUpAlready() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div data-testid="setup-done">
            <h1 class="signin-title">{move || t_string!(i18n, setup.done_title)}</h1>
            <p class="signin-lead">{move || t_string!(i18n, setup.done_text)}</p>
            <a class="button button-primary button-block" href="/">{move || t_string!(i18n, join.to_sign_in)}</a>
        </div>
    }
}

/// `/setup/...` while someone is signed in: the network is set up, since they could sign in.
#[component]
pub(crate) fn AlreadySetUpSignedIn() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="card section" data-testid="setup-done">
            <h1 class="page-title">{move || t_string!(i18n, setup.done_title)}</h1>
            <p class="page-lead">{move || t_string!(i18n, setup.done_signed_in)}</p>
            <p class="join-alt"><a href="/">{move || t_string!(i18n, nav.directory)}</a></p>
        </div>
    }
}
