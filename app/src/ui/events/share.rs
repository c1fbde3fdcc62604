//! Passing an event on: a LINE share link (what Japanese alumni use to tell each other), the
//! page's address to copy, and the way to the personal calendar feed.

use leptos::prelude::*;
use leptos_router::components::A;
use tsunagu_core::ids::DocumentId;

use crate::i18n::*;

/// LINE's share link, which opens the app (or its web page) with `text` ready to send.
pub(super) fn line_share_url(text: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(text).into();
    format!("https://line.me/R/share?text={encoded}")
}

/// The message shared: the title, then the address on its own line (LINE links it).
pub(super) fn share_text(title: &str, url: &str) -> String {
    format!("{title}\n{url}")
}

/// This page's address for `doc` on the relay the app was loaded from.
fn event_url(doc: DocumentId) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}/events/{doc}")
}

/// Puts `text` on the clipboard (`navigator.clipboard.writeText`, through `js_sys`: web-sys
/// has the Clipboard API only behind its unstable flag); whether the browser took it.
pub(super) fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(clipboard) = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()) else {
        return false;
    };
    js_sys::Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|f| wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok())
        .is_some_and(|write| write.call1(&clipboard, &text.into()).is_ok())
}

#[component]
pub(super) fn ShareEvent(doc: DocumentId, title: String) -> impl IntoView {
    let i18n = use_i18n();
    let url = event_url(doc);
    let line = line_share_url(&share_text(&title, &url));
    let copied = RwSignal::new(false);
    let copy = move |_| copied.set(copy_text(&url));
    view! {
        <section class="card section event-share" data-testid="event-share">
            <h2 class="section-title">{move || t_string!(i18n, event.share_title)}</h2>
            <div class="share-buttons">
                <a class="button button-line" href=line target="_blank" rel="noopener noreferrer" data-testid="event-share-line">
                    {move || t_string!(i18n, event.share_line)}
                </a>
                <button type="button" class="button" data-testid="event-copy-link" on:click=copy>
                    {move || if copied.get() { t_string!(i18n, event.link_copied) } else { t_string!(i18n, event.copy_link) }}
                </button>
            </div>
            <p class="field-hint">{move || t_string!(i18n, event.share_hint)}</p>
            <p class="event-feed-link">
                <A href="/events#calendar-feed" attr:data-testid="event-feed-link">{move || t_string!(i18n, event.subscribe_feed)}</A>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_line_share_link_carries_the_title_and_address_encoded() {
        let url = line_share_url(&share_text(
            "アルムナイ交流会 & 忘年会",
            "https://alumni.example.jp/events/abc",
        ));
        assert_eq!(
            url,
            "https://line.me/R/share?text=%E3%82%A2%E3%83%AB%E3%83%A0%E3%83%8A%E3%82%A4%E4%BA%A4%E6%B5%81%E4%BC%9A%20%26%20%E5%BF%98%E5%B9%B4%E4%BC%9A%0Ahttps%3A%2F%2Falumni.example.jp%2Fevents%2Fabc"
        );
    }
}
