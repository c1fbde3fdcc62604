//! # tsunagu-app
//!
//! The offline-first client of the tsunagu alumni network: a Leptos (client-side rendered) app
//! compiled to WebAssembly, installed as a PWA.
//!
//! - [`store`]: device storage in IndexedDB — document chunks, sync states, the outbox, settings;
//! - [`runtime`]: drives the shared sans-IO sync engine ([`tsunagu_core::engine`]) and performs its
//!   effects: bytes to the relay, chunks to the store, changes to the screens; its features
//!   (session, profiles, events, check-in, the organisation) make every edit through one commit;
//! - [`sync`]: the WebSocket to the relay with reconnect back-off, reporting what happens on it;
//! - [`api`]: the relay's JSON API (sign-in, who am I) over `fetch`;
//! - [`state`]: the signals screens read; `ui` renders them (Japanese and English);
//! - [`agenda`], [`calendar`], [`markdown`]: what the events screens work out with no browser
//!   in it — where the member stands, the month grid, wall-clock times, safe descriptions;
//! - [`shell`]: the service worker's update flow and the browser's online/offline events.
//!
//! Everything a person reads or edits comes from the documents on the device, so the app starts,
//! searches and edits with no network; the relay is where changes meet when there is one.
//! docs/architecture.md draws the layers and the path of one edit.

pub mod agenda;
pub mod api;
pub mod calendar;
pub mod error;
pub mod markdown;
pub mod push;
pub mod runtime;
pub mod scanner;
pub mod shell;
pub mod state;
pub mod store;
pub mod sync;
mod ui;

// The in-crate unit tests run in the same headless browser as tests/store.rs.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

// The typed translations generated from locales/*.json (`i18n::Locale`, `t_string!`, …).
// The macro is deprecated in favour of a build.rs generator, but that generator pulls ICU's data
// exporter into every build; the macro reads the same files and checks the same keys.
#[allow(deprecated)]
mod translations {
    leptos_i18n::load_locales!();
}
pub(crate) use translations::i18n;
// The macro does not tell cargo it read these files; including them does, so editing a
// translation rebuilds the app.
const _: &[u8] = include_bytes!("../locales/ja.json");
const _: &[u8] = include_bytes!("../locales/en.json");

use wasm_bindgen::prelude::wasm_bindgen;

/// Mounts the app; `index.html` calls this after loading the wasm.
#[wasm_bindgen]
pub fn start() {
    console_error_panic_hook::set_once();
    // index.html shows a loading state until the app replaces it.
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    leptos::mount::mount_to_body(ui::App);
}
