//! Page-wide banners: a new version is waiting, the relay refused a change, device storage is
//! full or unavailable, the session expired. Each says what happens to the person's data.

use leptos::prelude::*;
use tsunagu_core::api::{DOCUMENT_FULL, WRITING_TOO_FAST};

use super::use_client;
use crate::i18n::*;
use crate::shell;
use crate::state::StorageHealth;

#[component]
pub(crate) fn Banners() -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    view! {
        <div class="banners">
            <Show when=move || signals.update_available.get()>
                <div class="banner banner-info" role="status" data-testid="update-banner">
                    <span>{move || t_string!(i18n, banner.update)}</span>
                    <button type="button" class="button button-small" data-testid="update-reload" on:click=|_| shell::apply_update()>
                        {move || t_string!(i18n, banner.reload)}
                    </button>
                </div>
            </Show>
            {move || signals.refused.get().map(|reason| {
                let kind = refusal_kind(&reason);
                view! {
                <div class="banner banner-warning" role="alert" data-testid="change-refused-banner" data-reason=kind>
                    <span>
                        {move || refusal_text(i18n.get_locale(), kind)}
                        // An unforeseen reason is shown as the relay gave it, for whoever helps.
                        {(kind == "other").then(|| view! {
                            <small class="banner-detail" data-testid="change-refused-reason">{reason.clone()}</small>
                        })}
                    </span>
                    <button type="button" class="button button-small" data-testid="change-refused-dismiss"
                        on:click=move |_| signals.refused.set(None)>
                        {move || t_string!(i18n, banner.dismiss)}
                    </button>
                </div>
            }})}
            <Show when=move || signals.storage.get() == StorageHealth::Full>
                <div class="banner banner-warning" role="alert" data-testid="storage-full-banner">
                    {move || t_string!(i18n, banner.storage_full)}
                </div>
            </Show>
            <Show when=move || signals.storage.get() == StorageHealth::Unavailable>
                <div class="banner banner-warning" role="alert" data-testid="storage-unavailable-banner">
                    {move || t_string!(i18n, banner.storage_unavailable)}
                </div>
            </Show>
            <Show when=move || signals.session_expired.get()>
                <div class="banner banner-warning" role="alert" data-testid="session-expired-banner">
                    <span>{move || t_string!(i18n, banner.session_expired)}</span>
                    <super::sign_in::ReauthForm />
                </div>
            </Show>
        </div>
    }
}

/// Which refusal a `change-rejected` reason is: `document-full`, `writing-too-fast` or `other`.
fn refusal_kind(reason: &str) -> &'static str {
    [DOCUMENT_FULL, WRITING_TOO_FAST]
        .into_iter()
        .find(|kind| reason.starts_with(kind))
        .unwrap_or("other")
}

/// What the refusal banner says for a refusal of `kind` ([`refusal_kind`]).
fn refusal_text(locale: Locale, kind: &str) -> &'static str {
    match kind {
        DOCUMENT_FULL => td_string!(locale, banner.document_full),
        WRITING_TOO_FAST => td_string!(locale, banner.writing_too_fast),
        _ => td_string!(locale, banner.change_refused),
    }
}

#[cfg(test)]
mod tests {
    use super::refusal_kind;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_relay_s_limits_are_told_apart_from_other_refusals() {
        assert_eq!(
            refusal_kind("document-full: profile documents hold at most 262144 bytes"),
            "document-full"
        );
        assert_eq!(
            refusal_kind("writing-too-fast: 4194304 bytes within the hour"),
            "writing-too-fast"
        );
        assert_eq!(refusal_kind("not allowed to write the roster"), "other");
    }
}
