//! Passwords: the field for choosing one (joining, applying, the first-run setup, changing it),
//! and My profile's "Password" section, where a member changes theirs. Changing needs a recent
//! sign-in ([`Reauth`]); the relay then ends every other session, so a device someone else
//! holds must sign in with the new password.

use leptos::prelude::*;
use tsunagu_core::api::MIN_PASSWORD_CHARS;

use super::error_text;
use super::reauth::{Reauth, my_email};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// A new password: its minimum length said up front, and a show/hide toggle (phones make typos).
#[component]
pub(crate) fn PasswordField(
    value: RwSignal<String>,
    testid: &'static str,
    /// Labelled "New password", for a member changing theirs.
    #[prop(optional)]
    changing: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = RwSignal::new(false);
    let label = move || {
        if changing {
            t_string!(i18n, password.new)
        } else {
            t_string!(i18n, join.password)
        }
    };
    view! {
        <div class="field">
            <label class="field-label" for=testid>{label}</label>
            <div class="password-row">
                <input
                    id=testid
                    class="input"
                    type=move || if shown.get() { "text" } else { "password" }
                    name="new-password"
                    autocomplete="new-password"
                    required=true
                    minlength=MIN_PASSWORD_CHARS.to_string()
                    aria-describedby=format!("{testid}-hint")
                    data-testid=testid
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="button button-small password-toggle"
                    data-testid=format!("{testid}-toggle")
                    aria-pressed=move || shown.get().to_string()
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { t_string!(i18n, join.hide_password) } else { t_string!(i18n, join.show_password) }}
                </button>
            </div>
            <span class="field-hint" id=format!("{testid}-hint")>
                {t!(i18n, join.password_hint, min = move || MIN_PASSWORD_CHARS)}
            </span>
        </div>
    }
}

/// My profile's "Password": a new one, with show/hide.
#[component]
pub(crate) fn ChangePassword() -> impl IntoView {
    let i18n = use_i18n();
    let reauth = Reauth::use_context();
    let email = my_email();
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let changed = RwSignal::new(false);
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        changed.set(false);
        let typed = password.get_untracked();
        if typed.chars().count() < MIN_PASSWORD_CHARS {
            error.set(Some(t_string!(i18n, join.password_too_short)));
            return;
        }
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = reauth
                .when_needed(|| {
                    let typed = typed.clone();
                    async move { api::change_password(&typed).await }
                })
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    changed.set(true);
                }
                // They closed the dialog that asked them to confirm it is them; what they typed
                // stays, as it does on any failure, to try again.
                Err(AppError::NotConfirmed) => {}
                Err(e) => error.set(Some(failure_text(i18n.get_locale_untracked(), &e))),
            }
        });
    };
    view! {
        <section class="card section change-password" data-testid="change-password" aria-labelledby="password-title">
            <h2 id="password-title" class="section-title">{move || t_string!(i18n, password.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, password.lead)}</p>
            <form class="change-password-form" on:submit=submit>
                // For password managers, which file the new password under this account.
                <input type="email" name="email" autocomplete="username" hidden=true readonly=true prop:value=email />
                <PasswordField value=password testid="new-password" changing=true />
                <Show when=move || error.get().is_some()>
                    <p class="form-error" role="alert" data-testid="change-password-error">{move || error.get()}</p>
                </Show>
                <Show when=move || changed.get()>
                    <p class="notice" role="status" data-testid="password-changed">{move || t_string!(i18n, password.changed)}</p>
                </Show>
                <button type="submit" class="button" data-testid="change-password-submit" disabled=move || busy.get()>
                    {move || if busy.get() { t_string!(i18n, password.submitting) } else { t_string!(i18n, password.submit) }}
                </button>
            </form>
        </section>
    }
}

fn failure_text(locale: Locale, error: &AppError) -> &'static str {
    match error {
        AppError::Offline => td_string!(locale, password.offline),
        other => error_text(locale, other),
    }
}
