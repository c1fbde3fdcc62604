//! The organisation's logo, which the pages of someone not signed in show beside its name: an
//! admin picks a PNG, JPEG or WebP file (the relay checks the bytes and the size) or removes it.

use leptos::prelude::*;

use super::import::{first_file, read_file};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub(super) fn Logo() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(info) = api::network().await {
                version.set(info.logo);
            }
        });
    };
    refresh();
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(file) = first_file(&ev) else { return };
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match read_file(&file).await {
                Ok(picked) => api::set_logo(&picked.bytes).await,
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(()) => refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::remove_logo().await {
                Ok(()) => refresh(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card section admin-section" data-testid="logo-settings" data-version=move || version.get().to_string()>
            <h2 class="section-title">{move || t_string!(i18n, admin.logo_title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, admin.logo_lead)}</p>
            <div class="logo-settings">
                {move || (version.get() > 0).then(|| view! {
                    <img class="org-logo org-logo-large" src=api::logo_url(version.get()) alt="" data-testid="logo-current" />
                })}
                <label class="button button-small">
                    <input type="file" class="visually-hidden" accept="image/png,image/jpeg,image/webp" data-testid="logo-file"
                        disabled=move || busy.get() on:change=on_pick />
                    {move || t_string!(i18n, admin.logo_choose)}
                </label>
                <Show when=move || version.get() != 0>
                    <button type="button" class="button button-small button-quiet" data-testid="logo-remove" on:click=remove>
                        {move || t_string!(i18n, admin.logo_remove)}
                    </button>
                </Show>
            </div>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="logo-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
        </section>
    }
}
