//! The sync indicator in the header: online / offline / syncing, and how many local changes wait
//! for the relay. `data-state` and `data-pending` are for the e2e tests.

use leptos::prelude::*;

use super::use_client;
use crate::i18n::*;
use crate::state::SyncStatus;

#[component]
pub(crate) fn SyncIndicator() -> impl IntoView {
    let i18n = use_i18n();
    let signals = use_client().signals;
    let status = Memo::new(move |_| signals.sync_status());
    let pending = signals.pending;
    let label = move || match status.get() {
        SyncStatus::Online => t_string!(i18n, sync.online),
        SyncStatus::Offline => t_string!(i18n, sync.offline),
        SyncStatus::Syncing => t_string!(i18n, sync.syncing),
        SyncStatus::SignInAgain => t_string!(i18n, sync.sign_in_again),
    };
    view! {
        <div
            class="sync"
            data-testid="sync-indicator"
            data-state=move || status.get().as_str()
            data-pending=move || pending.get().to_string()
            role="status"
            aria-label=move || t_string!(i18n, sync.label)
        >
            <span class="sync-dot" aria-hidden="true"></span>
            <span class="sync-label" data-testid="sync-label">{label}</span>
            <Show when=move || { pending.get() > 0 }>
                <span class="sync-pending" data-testid="sync-pending">
                    {t!(i18n, sync.pending, count = move || pending.get())}
                </span>
            </Show>
        </div>
    }
}
