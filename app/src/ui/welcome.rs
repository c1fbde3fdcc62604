//! The welcome a newcomer meets on her profile page: what tsunagu is, who sees what, and how to
//! put the app on the home screen (with the browser's own install prompt where it has one). It
//! stays until she says she has read it, remembered on this device for this account.

use leptos::prelude::*;

use super::use_client;
use crate::i18n::*;
use crate::shell;

/// The `localStorage` key that remembers `user` closed the welcome on this device.
fn seen_key(user: &str) -> String {
    format!("tsunagu.welcomed.{user}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

#[component]
pub(crate) fn Welcome(
    /// Shown only while this holds (a newcomer's card not yet in the directory).
    #[prop(into)]
    when: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let user = use_client()
        .signals
        .me
        .with_untracked(|me| me.as_ref().map(|me| me.user_id.clone()))
        .unwrap_or_default();
    let seen = RwSignal::new(
        storage()
            .and_then(|s| s.get_item(&seen_key(&user)).ok().flatten())
            .is_some(),
    );
    // Chromium offers its install prompt some time after the page loads.
    let can_install = RwSignal::new(shell::install_prompt_waiting());
    let listener = window_event_listener_untyped("tsunagu-install-available", move |_| {
        can_install.set(shell::install_prompt_waiting());
    });
    on_cleanup(move || listener.remove());
    let key = StoredValue::new(seen_key(&user));
    let close = move |_| {
        if let Some(storage) = storage() {
            let _ = key.with_value(|key| storage.set_item(key, "1"));
        }
        seen.set(true);
    };
    view! {
        <Show when=move || when.get() && !seen.get()>
            <section class="card section welcome" data-testid="welcome" aria-labelledby="welcome-title">
                <h2 id="welcome-title" class="welcome-title">{move || t_string!(i18n, welcome.title)}</h2>
                <p>{move || t_string!(i18n, welcome.what)}</p>
                <p>{move || t_string!(i18n, welcome.who_sees)}</p>
                <Show when=move || !shell::installed()>
                    <p class="welcome-install" data-testid="welcome-install">
                        {move || t_string!(i18n, welcome.install)}
                        <Show when=move || can_install.get()>
                            " "
                            <button type="button" class="button button-small" data-testid="welcome-install-button"
                                on:click=move |_| shell::install()>
                                {move || t_string!(i18n, welcome.install_button)}
                            </button>
                        </Show>
                    </p>
                </Show>
                <button type="button" class="button button-primary" data-testid="welcome-close" on:click=close>
                    {move || t_string!(i18n, welcome.close)}
                </button>
            </section>
        </Show>
    }
}
