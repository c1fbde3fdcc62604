//! My profile's privacy section: hide from the directory, and delete the account (which needs
//! a recent sign-in: [`Reauth`]).

use leptos::prelude::*;

use super::reauth::Reauth;
use super::use_client;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub(crate) fn Privacy() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let reauth = Reauth::use_context();
    let hidden = move || {
        client
            .signals
            .me
            .with(|me| me.as_ref().is_some_and(|m| m.hidden_from_directory))
    };
    let busy = RwSignal::new(false);
    let failed: RwSignal<Option<&'static str>> = RwSignal::new(None);
    let toggle = move |ev: leptos::ev::Event| {
        let hide = event_target_checked(&ev);
        busy.set(true);
        failed.set(None);
        leptos::task::spawn_local(async move {
            if client.set_directory_hidden(hide).await.is_err() {
                failed.set(Some(t_string!(i18n, privacy.change_failed)));
            }
            busy.set(false);
        });
    };
    let delete = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(t_string!(i18n, privacy.delete_confirm))
                    .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        busy.set(true);
        failed.set(None);
        leptos::task::spawn_local(async move {
            // On success the device wipes itself and reloads to the sign-in screen.
            match reauth.when_needed(|| client.delete_account()).await {
                Ok(()) => {}
                // They closed the dialog that asked them to confirm it is them.
                Err(AppError::NotConfirmed) => busy.set(false),
                Err(_) => {
                    failed.set(Some(t_string!(i18n, privacy.delete_failed)));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <section class="card section privacy" aria-labelledby="privacy-title" data-testid="privacy">
            <h2 id="privacy-title" class="section-title">{move || t_string!(i18n, privacy.title)}</h2>
            <label class="switch-row">
                <input type="checkbox" class="switch" data-testid="directory-hidden"
                    prop:checked=hidden disabled=move || busy.get() on:change=toggle />
                <span>
                    <span class="switch-label">{move || t_string!(i18n, privacy.hidden)}</span>
                    <span class="field-hint">{move || t_string!(i18n, privacy.hidden_hint)}</span>
                </span>
            </label>
            {move || failed.get().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            <button type="button" class="button button-danger button-small" data-testid="delete-account"
                disabled=move || busy.get() on:click=delete>
                {move || t_string!(i18n, privacy.delete)}
            </button>
        </section>
    }
}
