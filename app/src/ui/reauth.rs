//! Confirming it is them. The relay refuses adding a passkey, changing the password and deleting
//! the account unless the session was opened in the last few minutes
//! (`reauthentication-required`), so that a session left open on a shared computer, or stolen,
//! cannot lock its owner out.
//!
//! [`Reauth::when_needed`] runs such a call; refused for that reason, it opens one dialog for the
//! whole app — the member's email, their password, or a passkey where they have one — signs in
//! again through the runtime (the relay ends the old session and opens a new one; the device
//! keeps its data and unsent changes and syncs on over the new session), then runs the call once
//! more. Cancelled, nothing happens: the call ends with [`AppError::NotConfirmed`], which screens
//! leave unsaid.

use std::future::Future;

use leptos::html;
use leptos::prelude::*;
use tsunagu_core::api::ErrorCode;
use wasm_bindgen::JsValue;

use super::passkey::{PasskeySignIn, supported as passkeys_supported};
use super::sign_in::sign_in_error;
use super::use_client;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// The handle screens take from context to run calls that may need a recent sign-in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reauth {
    /// The dialog is open, waiting for the member.
    open: RwSignal<bool>,
    /// Resolves the promise the waiting call awaits: with `true` once signed in again.
    answer: StoredValue<Option<js_sys::Function>, LocalStorage>,
}

impl Reauth {
    /// Provides the handle to the signed-in screens (with [`ReauthDialog`] among them).
    pub(crate) fn provide() {
        provide_context(Self {
            open: RwSignal::new(false),
            answer: StoredValue::new_local(None),
        });
    }

    pub(crate) fn use_context() -> Self {
        expect_context::<Self>()
    }

    /// Runs `call`; if the relay wants a recent sign-in first, asks the member to sign in again
    /// and, once they have, runs it once more ([`AppError::NotConfirmed`] if they would not).
    pub(crate) async fn when_needed<T, Fut>(self, call: impl Fn() -> Fut) -> Result<T, AppError>
    where
        Fut: Future<Output = Result<T, AppError>>,
    {
        match call().await {
            Err(AppError::Api(ErrorCode::ReauthenticationRequired)) => {
                if self.confirm().await {
                    call().await
                } else {
                    Err(AppError::NotConfirmed)
                }
            }
            other => other,
        }
    }

    /// Opens the dialog; `true` once the member signed in again, `false` if they cancelled.
    async fn confirm(self) -> bool {
        // Another call already waiting (two screens at once) gives way to this one.
        self.finish(false);
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            self.answer.set_value(Some(resolve));
        });
        self.open.set(true);
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|answer| answer.as_bool())
            .unwrap_or(false)
    }

    /// Closes the dialog and tells the waiting call how it went.
    fn finish(self, confirmed: bool) {
        if let Some(resolve) = self.answer.try_update_value(Option::take).flatten() {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::from_bool(confirmed));
        }
        if self.open.get_untracked() {
            self.open.set(false);
        }
    }
}

/// The dialog, once for the signed-in app: modal (the page behind cannot be used meanwhile),
/// Escape or "Cancel" gives up.
#[component]
pub(crate) fn ReauthDialog() -> impl IntoView {
    let reauth = Reauth::use_context();
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        let open = reauth.open.get();
        let Some(dialog) = dialog.get() else { return };
        if open && !dialog.open() {
            let _ = dialog.show_modal();
        } else if !open && dialog.open() {
            dialog.close();
        }
    });
    view! {
        <dialog node_ref=dialog class="reauth" data-testid="reauth-dialog" aria-labelledby="reauth-title"
            on:cancel=move |ev: leptos::ev::Event| {
                // Escape: closed through the signal, so the waiting call hears of it.
                ev.prevent_default();
                reauth.finish(false);
            }>
            // Built anew each time it opens: no password from an earlier time stays in it.
            <Show when=move || reauth.open.get()>
                <ReauthForm reauth=reauth />
            </Show>
        </dialog>
    }
}

/// The signed-in member's email (untracked): what confirming it is them, or changing the
/// password, signs in with.
pub(crate) fn my_email() -> String {
    use_client()
        .signals
        .me
        .with_untracked(|me| me.as_ref().map(|m| m.email.clone()))
        .unwrap_or_default()
}

#[component]
fn ReauthForm(reauth: Reauth) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let email = my_email();
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    // A passkey is offered only to a member who has one, on a browser that can use it.
    let passkeys = LocalResource::new(api::passkeys);
    let has_passkey = move || {
        passkeys_supported()
            && passkeys
                .get()
                .is_some_and(|list| list.is_ok_and(|keys| !keys.is_empty()))
    };

    let submit = {
        let email = email.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let (email, typed) = (email.clone(), password.get_untracked());
            wasm_bindgen_futures::spawn_local(async move {
                let result = client.sign_in(&email, &typed).await;
                busy.set(false);
                match result {
                    Ok(()) => reauth.finish(true),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let confirmed = Callback::new(move |()| reauth.finish(true));

    view! {
        <form class="reauth-form" on:submit=submit>
            <h2 id="reauth-title" class="reauth-title">{move || t_string!(i18n, reauth.title)}</h2>
            <p class="reauth-lead">{move || t_string!(i18n, reauth.lead)}</p>
            <div class="field">
                <span class="field-label">{move || t_string!(i18n, signin.email)}</span>
                <p class="reauth-email" data-testid="reauth-email">{email.clone()}</p>
                // For password managers, which file the password under this account.
                <input type="email" name="email" autocomplete="username" hidden=true readonly=true prop:value=email.clone() />
            </div>
            <label class="field">
                <span class="field-label">{move || t_string!(i18n, signin.password)}</span>
                <input class="input" type="password" name="password" autocomplete="current-password"
                    required=true autofocus=true data-testid="reauth-password"
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev)) />
            </label>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert" data-testid="reauth-error">
                    {move || error.get().map(|e| match e {
                        // The email is theirs: only the password can be wrong.
                        AppError::Api(ErrorCode::InvalidCredentials) => t_string!(i18n, reauth.error_password),
                        other => sign_in_error(i18n.get_locale(), &other),
                    })}
                </p>
            </Show>
            <div class="reauth-actions">
                <button type="button" class="button button-quiet" data-testid="reauth-cancel"
                    on:click=move |_| reauth.finish(false)>
                    {move || t_string!(i18n, reauth.cancel)}
                </button>
                <button type="submit" class="button button-primary" data-testid="reauth-submit"
                    disabled=move || busy.get()>
                    {move || if busy.get() { t_string!(i18n, reauth.submitting) } else { t_string!(i18n, reauth.submit) }}
                </button>
            </div>
            <Show when=has_passkey>
                <PasskeySignIn on_confirmed=confirmed />
            </Show>
        </form>
    }
}
