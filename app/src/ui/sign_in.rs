//! Signing in: the first screen on a new device, and the form in the "session expired" banner.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use tsunagu_core::api::ErrorCode;

use super::network::{Network, organisation_name};
use super::{LanguageSwitch, use_client};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::runtime::{FAREWELL_KEY, Farewell};

#[component]
pub(crate) fn SignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let farewell = take_farewell();
    // `/?email=…`: after confirming an application, the address to sign in with.
    // (The router's location, which is current when a link leads here; `use_query_map` can
    // still hold the previous page's query then.)
    let email = use_location()
        .query
        .with_untracked(|q| q.get("email").unwrap_or_default());
    // Until the relay answers (or when it cannot be reached) the form is shown as usual.
    let waiting_for_setup = move || Network::info().is_some_and(|info| !info.set_up);
    view! {
        <BrandCard>
            <Show
                when=move || !waiting_for_setup()
                fallback=move || view! {
                    <h1 class="signin-title">{move || t_string!(i18n, setup.not_set_up_title)}</h1>
                    <p class="notice" role="status" data-testid="signin-not-set-up">{move || t_string!(i18n, setup.not_set_up_text)}</p>
                }
            >
                <h1 class="signin-title">{move || t_string!(i18n, signin.title)}</h1>
                <p class="signin-lead">{move || t_string!(i18n, signin.lead)}</p>
                <Show when=move || farewell == Some(Farewell::DeviceRemoved)>
                    <p class="notice" role="status" data-testid="signin-device-removed">{move || t_string!(i18n, signin.device_removed)}</p>
                </Show>
                <Show when=move || farewell == Some(Farewell::AccountDeleted)>
                    <p class="notice" role="status" data-testid="signin-account-deleted">{move || t_string!(i18n, signin.account_deleted)}</p>
                </Show>
                <SignInForm email=email.clone() />
                <super::passkey::PasskeySignIn />
                <div class="signin-join" data-testid="signin-join">
                    <p>{move || t_string!(i18n, join.signin_invitation)}</p>
                    <a class="button button-block" href="/apply" data-testid="signin-apply">{move || t_string!(i18n, join.signin_apply)}</a>
                </div>
                // Demo sign-ins are public only on the demo network (a relay started with `--demo`).
                <Show when=move || Network::info().is_some_and(|info| info.demo)>
                    <p class="signin-demo" data-testid="signin-demo-hint">{move || t_string!(i18n, signin.demo_hint)}</p>
                </Show>
            </Show>
        </BrandCard>
    }
}

/// The phone-sized card with the brand, whose network this is, and the language switch, for the
/// screens of someone not signed in: signing in, joining from an invitation, applying,
/// confirming an application, setting up a new network.
#[component]
pub(crate) fn BrandCard(
    /// Another class for the card, beside `signin-card`.
    #[prop(optional)]
    extra_class: &'static str,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    // Under the brand: whose network this is, once the relay said (else what tsunagu is).
    let tagline = move || {
        let locale = i18n.get_locale();
        Network::info()
            .and_then(|info| organisation_name(&info, locale))
            .unwrap_or_else(|| td_string!(locale, app.tagline).to_owned())
    };
    view! {
        <div class="signin-page">
            <div class="signin-lang">
                <LanguageSwitch />
            </div>
            <main id="main" class=format!("signin-card {extra_class}")>
                <div class="signin-brand">
                    <span class="brand-mark brand-mark-large" aria-hidden="true">"つ"</span>
                    <div>
                        <p class="signin-name">"tsunagu"<span class="signin-name-ja">" つなぐ"</span></p>
                        <p class="signin-tagline" data-testid="signin-organisation">
                            {move || Network::info().filter(|info| info.logo > 0).map(|info| view! {
                                <img class="org-logo" src=api::logo_url(info.logo) alt="" data-testid="signin-logo" />
                            })}
                            {tagline}
                        </p>
                    </div>
                </div>
                {children()}
            </main>
        </div>
    }
}

/// Signing in again after the session expired, without leaving the page or losing anything.
#[component]
pub(crate) fn ReauthForm() -> impl IntoView {
    let email = use_client()
        .signals
        .me
        .get_untracked()
        .map(|me| me.email)
        .unwrap_or_default();
    view! { <SignInForm email=email /> }
}

#[component]
fn SignInForm(email: String) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let email = RwSignal::new(email);
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (e, p) = (email.get_untracked(), password.get_untracked());
        wasm_bindgen_futures::spawn_local(async move {
            let result = client.sign_in(e.trim(), &p).await;
            busy.set(false);
            match result {
                Ok(()) => password.set(String::new()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let message = move || error.get().map(|e| sign_in_error(i18n.get_locale(), &e));

    view! {
        <form class="signin-form" on:submit=submit novalidate=false>
            <label class="field">
                <span class="field-label">{move || t_string!(i18n, signin.email)}</span>
                <input
                    class="input"
                    type="email"
                    name="email"
                    autocomplete="username"
                    inputmode="email"
                    required=true
                    data-testid="signin-email"
                    prop:value=move || email.get()
                    on:input=move |ev| email.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                <span class="field-label">{move || t_string!(i18n, signin.password)}</span>
                <input
                    class="input"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required=true
                    data-testid="signin-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))
                />
            </label>
            {move || match error.get() {
                // Not a mistake of theirs: how their application stands, said kindly.
                Some(AppError::Api(code @ (ErrorCode::ApplicationPending | ErrorCode::ApplicationNotApproved))) => Some(view! {
                    <p class="notice" role="status" data-testid="signin-application" data-standing=if code == ErrorCode::ApplicationPending { "pending" } else { "not-approved" }>
                        {message}
                    </p>
                }.into_any()),
                Some(_) => Some(view! { <p class="form-error" role="alert" data-testid="signin-error">{message}</p> }.into_any()),
                None => None,
            }}
            <button class="button button-primary button-block" type="submit" data-testid="signin-submit" disabled=move || busy.get()>
                {move || if busy.get() { t_string!(i18n, signin.submitting) } else { t_string!(i18n, signin.submit) }}
            </button>
        </form>
    }
}

/// Why signing in with a password did not work, for the person who typed it.
pub(crate) fn sign_in_error(locale: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Api(ErrorCode::InvalidCredentials | ErrorCode::Unauthenticated) => {
            td_string!(locale, signin.error_credentials)
        }
        AppError::Api(ErrorCode::TooManyAttempts) => td_string!(locale, signin.error_too_many),
        AppError::Api(ErrorCode::Busy) => td_string!(locale, signin.error_busy),
        AppError::Api(ErrorCode::ApplicationPending) => td_string!(locale, signin.error_pending),
        AppError::Api(ErrorCode::ApplicationNotApproved) => {
            td_string!(locale, signin.error_not_approved)
        }
        AppError::Offline => td_string!(locale, signin.error_offline),
        _ => td_string!(locale, signin.error_generic),
    }
}

/// Why this device was just emptied, if it was (said once).
fn take_farewell() -> Option<Farewell> {
    let session = web_sys::window().and_then(|w| w.session_storage().ok().flatten())?;
    let why = session.get_item(FAREWELL_KEY).ok().flatten();
    let _ = session.remove_item(FAREWELL_KEY);
    Farewell::from_key(&why?)
}
