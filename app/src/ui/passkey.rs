//! Passkeys: "Sign in with a passkey" on the sign-in screen (and, to confirm it is them, in the
//! dialog of [`super::reauth`]), and the member's passkeys (add, list, remove) on My profile.
//!
//! A ceremony is a round trip: the relay issues options ([`api::passkey_sign_in_challenge`],
//! [`api::passkey_registration`]), the browser asks the authenticator ([`browser`]), and the
//! relay checks the answer. Signing in asks for any passkey of this site (usernameless), so
//! nothing is typed; the relay sets the session cookie, and the app starts again signed in, as
//! after any page load with a live session (or, confirming, adopts the new session in place).
//! Adding a passkey needs a recent sign-in: the relay asks for one, and [`Reauth`] gets it.

use leptos::prelude::*;
use tsunagu_core::api::{ErrorCode, Me, PasskeyAnswer, PasskeyInfo};

use super::reauth::Reauth;
use super::use_client;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;
use crate::state::Link;
use crate::ui::time::format_local;

/// Why a passkey ceremony ended without one.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// This browser (or an insecure page) offers no WebAuthn.
    Unsupported,
    /// The person closed the prompt, it timed out, or the authenticator had no passkey for us.
    Cancelled,
    /// The authenticator already holds a passkey of this member.
    AlreadyRegistered,
    /// Passkeys are bound to another host name than this page's (e.g. `localhost`, not
    /// `127.0.0.1`): the origin where they work.
    WrongAddress(String),
    Relay(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Self::Relay(e)
    }
}

/// The sign-in screen's passkey button, shown where the browser can use passkeys; with
/// `on_confirmed`, the reauthentication dialog's, which signs in again in place.
#[component]
pub(crate) fn PasskeySignIn(
    /// Confirming it is them: the new session is adopted without leaving the page (the device
    /// keeps its data), then this runs. Without it, the page starts again signed in.
    #[prop(optional)]
    on_confirmed: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let confirming = on_confirmed.is_some();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let sign_in = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        wasm_bindgen_futures::spawn_local(async move {
            let result = match sign_in_with_passkey().await {
                Ok(me) => match on_confirmed {
                    Some(confirmed) => client
                        .signed_in(me)
                        .await
                        .map(|()| confirmed.run(()))
                        .map_err(Failure::from),
                    // The session cookie is set: starting again adopts it, exactly as a reload
                    // of a signed-in page does.
                    None => {
                        browser::reload();
                        Ok(())
                    }
                },
                Err(e) => Err(e),
            };
            busy.set(false);
            if let Err(e) = result {
                failure.set(Some(e));
            }
        });
    };
    let message = move || {
        failure.get().map(|f| match f {
            Failure::Cancelled if confirming => {
                t_string!(i18n, passkey.error_cancelled_confirm).to_string()
            }
            Failure::Cancelled => t_string!(i18n, passkey.error_cancelled_sign_in).to_string(),
            Failure::Relay(AppError::Api(ErrorCode::PasskeyNotRecognised)) => {
                t_string!(i18n, passkey.error_not_recognised).to_string()
            }
            Failure::Relay(AppError::Api(ErrorCode::AccountSuspended)) => {
                t_string!(i18n, passkey.error_suspended).to_string()
            }
            other => common_message(i18n, &other),
        })
    };
    let label = move || match (busy.get(), confirming) {
        (true, _) => t_string!(i18n, passkey.signing_in),
        (false, true) => t_string!(i18n, passkey.confirm),
        (false, false) => t_string!(i18n, passkey.sign_in),
    };

    view! {
        <Show when=browser::supported>
            <div class="passkey-signin" data-testid="passkey-signin">
                <p class="passkey-or"><span>{move || t_string!(i18n, passkey.or)}</span></p>
                <button type="button" class="button button-block passkey-button" data-testid="passkey-sign-in"
                    on:click=sign_in disabled=move || busy.get()>
                    <KeyIcon />
                    {label}
                </button>
                <Show when=move || failure.get().is_some()>
                    <p class="form-error" role="alert" data-testid="passkey-error">{message}</p>
                </Show>
            </div>
        </Show>
    }
}

/// Whether this browser can use passkeys on this page.
pub(crate) fn supported() -> bool {
    browser::supported()
}

/// The sign-in ceremony: any passkey of this site; the relay opens a session for its member.
async fn sign_in_with_passkey() -> Result<Me, Failure> {
    let challenge = api::passkey_sign_in_challenge().await?;
    let rp_id = challenge.options["rpId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let credential = browser::get(&challenge.options, &rp_id).await?;
    let credential_id = credential["id"].as_str().unwrap_or_default().to_owned();
    let answer = PasskeyAnswer {
        ceremony: challenge.ceremony,
        credential,
    };
    match api::sign_in_with_passkey(&answer).await {
        Ok(me) => Ok(me),
        Err(AppError::Api(ErrorCode::PasskeyNotRecognised)) => {
            // Tell the authenticator, so it stops offering a passkey the relay no longer knows.
            browser::forget(&rp_id, &credential_id);
            Err(AppError::Api(ErrorCode::PasskeyNotRecognised).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// My profile's "Passkeys": the member's passkeys, each removable, and a button to add one.
#[component]
pub(crate) fn Passkeys() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let reauth = Reauth::use_context();
    let online = move || client.signals.link.get() == Link::Online;
    let list = LocalResource::new(move || {
        // Refetch when the link comes back: the list lives on the relay.
        let _ = online();
        api::passkeys()
    });
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let added = RwSignal::new(false);
    let add = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        added.set(false);
        wasm_bindgen_futures::spawn_local(async move {
            let result = add_passkey(reauth).await;
            busy.set(false);
            match result {
                Ok(_) => {
                    added.set(true);
                    list.refetch();
                }
                // She closed the dialog that asked her to confirm it is her.
                Err(Failure::Relay(AppError::NotConfirmed)) => {}
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let remove = move |id: String| {
        failure.set(None);
        added.set(false);
        wasm_bindgen_futures::spawn_local(async move {
            match api::remove_passkey(&id).await {
                Ok(()) => list.refetch(),
                Err(e) => failure.set(Some(e.into())),
            }
        });
    };
    let message = move || {
        failure.get().map(|f| match f {
            Failure::Cancelled => t_string!(i18n, passkey.error_cancelled_add).to_string(),
            Failure::AlreadyRegistered => t_string!(i18n, passkey.error_already).to_string(),
            other => common_message(i18n, &other),
        })
    };

    view! {
        <section class="card section passkeys" data-testid="passkeys" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title" class="section-title">{move || t_string!(i18n, passkey.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, passkey.lead)}</p>
            {move || match list.get() {
                None => view! { <p class="field-hint">{t_string!(i18n, passkey.loading)}</p> }.into_any(),
                Some(Err(AppError::Offline)) => view! { <p class="field-hint" data-testid="passkeys-offline">{t_string!(i18n, passkey.offline)}</p> }.into_any(),
                Some(Err(_)) => view! { <p class="field-hint">{t_string!(i18n, passkey.error_generic)}</p> }.into_any(),
                Some(Ok(keys)) if keys.is_empty() => view! { <p class="passkey-none" data-testid="passkeys-none">{t_string!(i18n, passkey.none)}</p> }.into_any(),
                Some(Ok(keys)) => view! {
                    <ul class="passkey-list">
                        {keys.into_iter().map(|k| view! { <PasskeyRow passkey=k remove=remove /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <Show when=move || added.get()>
                <p class="notice" role="status" data-testid="passkey-added">{move || t_string!(i18n, passkey.added)}</p>
            </Show>
            <Show when=move || failure.get().is_some()>
                <p class="form-error" role="alert" data-testid="passkey-error">{message}</p>
            </Show>
            <Show when=browser::supported fallback=move || view! {
                <p class="field-hint">{move || t_string!(i18n, passkey.unsupported)}</p>
            }>
                <button type="button" class="button passkey-button" data-testid="passkey-add"
                    on:click=add disabled=move || busy.get()>
                    <KeyIcon />
                    {move || if busy.get() { t_string!(i18n, passkey.adding) } else { t_string!(i18n, passkey.add) }}
                </button>
            </Show>
        </section>
    }
}

async fn add_passkey(reauth: Reauth) -> Result<PasskeyInfo, Failure> {
    // Only a recent sign-in may add a passkey: a stolen session must not plant its own.
    let challenge = reauth.when_needed(api::passkey_registration).await?;
    let rp_id = challenge.options["rp"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let credential = browser::create(&challenge.options, &rp_id).await?;
    let answer = PasskeyAnswer {
        ceremony: challenge.ceremony,
        credential,
    };
    Ok(api::register_passkey(&answer).await?)
}

#[component]
fn PasskeyRow(passkey: PasskeyInfo, remove: impl Fn(String) + Copy + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let id = passkey.id.clone();
    let locale = i18n.get_locale_untracked();
    let created = format_local(passkey.created_at, locale, false);
    let used = passkey.last_used.map(|t| format_local(t, locale, false));
    view! {
        <li class="passkey" data-testid="passkey">
            <KeyIcon />
            <div class="passkey-text">
                <span class="passkey-label">{passkey.label.clone()}</span>
                <span class="passkey-meta">
                    {move || t_string!(i18n, passkey.created)}" "{created.clone()}
                    {used.clone().map(|used| view! {
                        " · "{move || t_string!(i18n, passkey.last_used)}" "{used.clone()}
                    })}
                </span>
            </div>
            <button type="button" class="button button-quiet button-small" data-testid="passkey-remove"
                on:click=move |_| remove(id.clone())>
                {move || t_string!(i18n, passkey.remove)}
            </button>
        </li>
    }
}

/// What every passkey failure not special to one screen says.
fn common_message(i18n: leptos_i18n::I18nContext<Locale>, failure: &Failure) -> String {
    match failure {
        Failure::Unsupported => t_string!(i18n, passkey.unsupported).to_string(),
        Failure::WrongAddress(origin) => {
            format!("{} {origin}", t_string!(i18n, passkey.error_wrong_address))
        }
        Failure::Relay(AppError::Api(ErrorCode::PasskeysUnavailable)) => {
            t_string!(i18n, passkey.error_unavailable).to_string()
        }
        Failure::Relay(AppError::Api(ErrorCode::PasskeyCeremonyExpired)) => {
            t_string!(i18n, passkey.error_expired).to_string()
        }
        Failure::Relay(AppError::Api(ErrorCode::PasskeyRejected)) => {
            t_string!(i18n, passkey.error_rejected).to_string()
        }
        Failure::Relay(AppError::Api(ErrorCode::TooManyAttempts)) => {
            t_string!(i18n, passkey.error_too_many).to_string()
        }
        Failure::Relay(AppError::Api(ErrorCode::Unauthenticated | ErrorCode::SessionExpired)) => {
            t_string!(i18n, passkey.error_signed_out).to_string()
        }
        Failure::Relay(AppError::Offline) => t_string!(i18n, passkey.error_offline).to_string(),
        Failure::Relay(
            AppError::NotConfirmed | AppError::Api(ErrorCode::ReauthenticationRequired),
        ) => t_string!(i18n, errors.reauthentication).to_string(),
        _ => t_string!(i18n, passkey.error_generic).to_string(),
    }
}

#[component]
fn KeyIcon() -> impl IntoView {
    view! {
        <svg class="icon passkey-icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <circle cx="8" cy="12" r="3.5" />
            <path d="M11.5 12H20M17 12v3M20 12v2.5" />
        </svg>
    }
}

mod browser {
    //! The bridge to the browser's WebAuthn (`navigator.credentials`), in its JSON forms: options
    //! go in through `PublicKeyCredential.parse…OptionsFromJSON`, credentials come out through
    //! `toJSON()`, so no bytes are converted by hand.

    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::Failure;
    use crate::error::AppError;

    fn public_key_credential() -> Option<JsValue> {
        let window = web_sys::window()?;
        Reflect::get(&window, &"PublicKeyCredential".into())
            .ok()
            .filter(|v| !v.is_undefined())
    }

    fn method(target: &JsValue, name: &str) -> Option<Function> {
        Reflect::get(target, &name.into()).ok()?.dyn_into().ok()
    }

    /// Whether this page can use passkeys (a secure context, and a browser with WebAuthn's JSON
    /// forms: Chrome 129, Firefox 119, Safari 18.4).
    pub(super) fn supported() -> bool {
        public_key_credential()
            .is_some_and(|pkc| method(&pkc, "parseRequestOptionsFromJSON").is_some())
    }

    /// `navigator.credentials.create`: a new passkey for the relay's `options`.
    pub(super) async fn create(
        options: &serde_json::Value,
        rp_id: &str,
    ) -> Result<serde_json::Value, Failure> {
        ceremony("create", "parseCreationOptionsFromJSON", options, rp_id).await
    }

    /// `navigator.credentials.get`: an assertion by any passkey of this site.
    pub(super) async fn get(
        options: &serde_json::Value,
        rp_id: &str,
    ) -> Result<serde_json::Value, Failure> {
        ceremony("get", "parseRequestOptionsFromJSON", options, rp_id).await
    }

    async fn ceremony(
        call: &str,
        parse: &str,
        options: &serde_json::Value,
        rp_id: &str,
    ) -> Result<serde_json::Value, Failure> {
        let unexpected =
            |e: JsValue| Failure::Relay(AppError::UnexpectedResponse(format!("{e:?}")));
        let window = web_sys::window().ok_or(Failure::Unsupported)?;
        let hostname = window.location().hostname().unwrap_or_default();
        if rp_id != hostname {
            return Err(Failure::WrongAddress(origin_for(&window, rp_id)));
        }
        let pkc = public_key_credential().ok_or(Failure::Unsupported)?;
        let parse = method(&pkc, parse).ok_or(Failure::Unsupported)?;
        let json = JSON::parse(&options.to_string()).map_err(unexpected)?;
        let public_key = parse.call1(&pkc, &json).map_err(unexpected)?;
        let request = Object::new();
        Reflect::set(&request, &"publicKey".into(), &public_key).map_err(unexpected)?;
        let credentials = Reflect::get(&window.navigator(), &"credentials".into())
            .map_err(|_| Failure::Unsupported)?;
        let call = method(&credentials, call).ok_or(Failure::Unsupported)?;
        let promise: Promise = call
            .call1(&credentials, &request)
            .map_err(unexpected)?
            .dyn_into()
            .map_err(unexpected)?;
        let credential = JsFuture::from(promise)
            .await
            .map_err(|e| refusal(e, &window, rp_id))?;
        if credential.is_null() {
            return Err(Failure::Cancelled);
        }
        let to_json = method(&credential, "toJSON").ok_or(Failure::Unsupported)?;
        let json = to_json.call0(&credential).map_err(unexpected)?;
        let text: String = JSON::stringify(&json).map_err(unexpected)?.into();
        serde_json::from_str(&text).map_err(|e| AppError::UnexpectedResponse(e.to_string()).into())
    }

    /// What a rejected WebAuthn call means for the person.
    fn refusal(e: JsValue, window: &web_sys::Window, rp_id: &str) -> Failure {
        let name = e
            .dyn_ref::<web_sys::DomException>()
            .map(web_sys::DomException::name)
            .unwrap_or_default();
        match name.as_str() {
            // Cancelled, timed out, or nothing to offer: the browser does not say which.
            "NotAllowedError" | "AbortError" => Failure::Cancelled,
            "InvalidStateError" => Failure::AlreadyRegistered,
            "SecurityError" => Failure::WrongAddress(origin_for(window, rp_id)),
            "NotSupportedError" => Failure::Unsupported,
            _ => Failure::Relay(AppError::UnexpectedResponse(format!("{e:?}"))),
        }
    }

    /// This page's address with `rp_id` as its host: where passkeys work.
    fn origin_for(window: &web_sys::Window, rp_id: &str) -> String {
        let location = window.location();
        let protocol = location.protocol().unwrap_or_else(|_| "https:".into());
        let port = location.port().unwrap_or_default();
        if port.is_empty() {
            format!("{protocol}//{rp_id}")
        } else {
            format!("{protocol}//{rp_id}:{port}")
        }
    }

    /// Tells the authenticator the relay no longer knows this credential
    /// (`PublicKeyCredential.signalUnknownCredential`, where the browser has it).
    pub(super) fn forget(rp_id: &str, credential_id: &str) {
        let Some(pkc) = public_key_credential() else {
            return;
        };
        let Some(signal) = method(&pkc, "signalUnknownCredential") else {
            return;
        };
        let details = Object::new();
        let _ = Reflect::set(&details, &"rpId".into(), &rp_id.into());
        let _ = Reflect::set(&details, &"credentialId".into(), &credential_id.into());
        // A hint only: whether the browser acts on it changes nothing here.
        if let Ok(promise) = signal.call1(&pkc, &details)
            && let Ok(promise) = promise.dyn_into::<Promise>()
        {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(promise).await;
            });
        }
    }

    pub(super) fn reload() {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    }
}
