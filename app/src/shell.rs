//! The bridge to what lives outside the wasm: the service worker's update flow (set up by
//! `index.html`), the browser's `online` / `offline` / `visibilitychange` events, and the
//! preferred language.

use std::rc::Rc;

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::runtime::Runtime;
use crate::state::Signals;

/// Listens for the page events the app reacts to, for the life of the page.
pub fn listen(signals: Signals, runtime: &Rc<Runtime>) {
    // index.html notes a waiting worker before the wasm may have loaded; ask once, then listen.
    if update_waiting() {
        signals.update_available.set(true);
    }
    _ = window_event_listener_untyped("tsunagu-update-available", move |_| {
        signals.update_available.set(true);
    });
    let weak = Rc::downgrade(runtime);
    _ = window_event_listener(ev::online, move |_| {
        if let Some(rt) = weak.upgrade() {
            rt.on_online();
        }
    });
    let weak = Rc::downgrade(runtime);
    _ = window_event_listener(ev::offline, move |_| {
        if let Some(rt) = weak.upgrade() {
            rt.on_offline();
        }
    });
    // Back in front (a phone switching apps, a tab shown again): ask who we are and what we may
    // read, so new members appear and members who left or hid disappear.
    let weak = Rc::downgrade(runtime);
    _ = window_event_listener_untyped("visibilitychange", move |_| {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
        if let Some(rt) = weak
            .upgrade()
            .filter(|_| visible && crate::runtime::is_online())
        {
            rt.refresh_me();
        }
    });
    // Dropping the handles keeps the listeners: the app lives as long as the page.
}

fn update_waiting() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("tsunaguUpdateWaiting")).ok())
        .is_some_and(|v| v.is_truthy())
}

/// Asks the waiting service worker to take over; `index.html` reloads on `controllerchange`.
pub fn apply_update() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let apply = js_sys::Reflect::get(&window, &JsValue::from_str("tsunaguApplyUpdate")).ok();
    match apply.and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        Some(f) => {
            let _ = f.call0(&JsValue::NULL);
        }
        None => {
            let _ = window.location().reload();
        }
    }
}

/// Whether the browser holds an "install this app" prompt to show (`boot.js` keeps it).
pub fn install_prompt_waiting() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("tsunaguInstallPrompt")).ok())
        .is_some_and(|prompt| prompt.is_truthy())
}

/// Shows the browser's "install this app" prompt, if it offered one.
pub fn install() {
    let install = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("tsunaguInstall")).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(f) = install {
        let _ = f.call0(&JsValue::NULL);
    }
}

/// Whether the app runs installed (from the home screen) rather than in a browser tab.
pub fn installed() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(display-mode: standalone)").ok().flatten())
        .is_some_and(|query| query.matches())
}

/// `ja` for a Japanese browser, otherwise `en`.
pub fn browser_language() -> &'static str {
    let language = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    if language.to_ascii_lowercase().starts_with("ja") {
        "ja"
    } else {
        "en"
    }
}
