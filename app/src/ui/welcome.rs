//! The welcome a newcomer meets on her profile page: what tsunagu is, who sees what, and how to
//! put the app on the home screen (with the browser's own install prompt where it has one).
//! Joining from an invitation sets it waiting on this device; it stays until she closes it.

use leptos::prelude::*;

use crate::i18n::*;
use crate::shell;

/// The `localStorage` key set when someone joins on this device: the welcome waits for them.
const WAITING: &str = "tsunagu.welcome";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Someone just joined on this device (from an invitation): their profile page welcomes them.
pub(crate) fn expect_newcomer() {
    if let Some(storage) = storage() {
        let _ = storage.set_item(WAITING, "1");
    }
}

#[component]
pub(crate) fn Welcome() -> impl IntoView {
    let i18n = use_i18n();
    let waiting = RwSignal::new(
        storage()
            .and_then(|s| s.get_item(WAITING).ok().flatten())
            .is_some(),
    );
    // Chromium offers its install prompt some time after the page loads.
    let can_install = RwSignal::new(shell::install_prompt_waiting());
    let listener = window_event_listener_untyped("tsunagu-install-available", move |_| {
        can_install.set(shell::install_prompt_waiting());
    });
    on_cleanup(move || listener.remove());
    let close = move |_| {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(WAITING);
        }
        waiting.set(false);
    };
    view! {
        <Show when=move || waiting.get()>
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
