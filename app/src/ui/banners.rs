//! Page-wide banners: a new version is waiting, the relay refused a change, device storage is
//! full or unavailable, the session expired. Each says what happens to the person's data.

use leptos::prelude::*;

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
            {move || signals.refused.get().map(|reason| view! {
                <div class="banner banner-warning" role="alert" data-testid="change-refused-banner">
                    <span>
                        {move || t_string!(i18n, banner.change_refused)}
                        <small class="banner-detail" data-testid="change-refused-reason">{reason}</small>
                    </span>
                    <button type="button" class="button button-small" data-testid="change-refused-dismiss"
                        on:click=move |_| signals.refused.set(None)>
                        {move || t_string!(i18n, banner.dismiss)}
                    </button>
                </div>
            })}
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
