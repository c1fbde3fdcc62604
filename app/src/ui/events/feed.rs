//! The personal calendar feed: an address with a secret token that calendar apps poll for the
//! person's events. Making a new one stops the old; it can be turned off. Needs the relay.
//! Once made, it is copied with one tap, or handed to the calendar app (`webcal:`) or Google
//! Calendar directly. The relay shows the address once; it is kept for the rest of the visit.

use leptos::html;
use leptos::prelude::*;

use super::EventsState;
use super::share::copy_text;
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

/// The feed as calendar apps subscribe to it: `webcal://` opens the system's calendar app.
pub(super) fn webcal_url(url: &str) -> String {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    format!("webcal://{rest}")
}

/// Google Calendar's page that subscribes to the feed.
pub(super) fn google_calendar_url(url: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(&webcal_url(url)).into();
    format!("https://calendar.google.com/calendar/r?cid={encoded}")
}

#[component]
pub(super) fn CalendarFeed() -> impl IntoView {
    let i18n = use_i18n();
    let url = expect_context::<EventsState>().feed_url;
    let copied = RwSignal::new(false);
    let section = NodeRef::<html::Section>::new();
    // Linked to from an event page as `/events#calendar-feed`.
    Effect::new(move |_| {
        let asked = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .is_some_and(|h| h == "#calendar-feed");
        if asked && let Some(section) = section.get() {
            section.scroll_into_view();
        }
    });
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let revoked = RwSignal::new(false);
    let make = move |_| {
        let replacing = url.get_untracked().is_some();
        if replacing && !crate::ui::confirm(t_string!(i18n, feed.replace_confirm)) {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::new_calendar_feed().await {
                Ok(feed) => {
                    url.set(Some(feed.url));
                    revoked.set(false);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let revoke = move |_| {
        if !crate::ui::confirm(t_string!(i18n, feed.revoke_confirm)) {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::revoke_calendar_feed().await {
                Ok(()) => {
                    url.set(None);
                    revoked.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card section feed" id="calendar-feed" data-testid="calendar-feed" node_ref=section>
            <h2 class="section-title">{move || t_string!(i18n, feed.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, feed.lead)}</p>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="feed-error">{crate::ui::error_text(i18n.get_locale(), &e)}</p> })}
            {move || url.get().map(|u| view! {
                <div class="admin-link-row feed-url">
                    <input class="input" readonly data-testid="feed-url" prop:value=u.clone()
                        aria-label=move || t_string!(i18n, feed.url_label)
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        } />
                </div>
                <div class="share-buttons feed-actions">
                    <button type="button" class="button button-small" data-testid="feed-copy"
                        on:click={ let u = u.clone(); move |_| copied.set(copy_text(&u)) }>
                        {move || if copied.get() { t_string!(i18n, feed.copied) } else { t_string!(i18n, feed.copy) }}
                    </button>
                    <a class="button button-small" href=webcal_url(&u) data-testid="feed-webcal">{move || t_string!(i18n, feed.open_app)}</a>
                    <a class="button button-small" href=google_calendar_url(&u) target="_blank" rel="noopener noreferrer" data-testid="feed-google">
                        {move || t_string!(i18n, feed.google)}
                    </a>
                </div>
                <p class="field-hint">{move || t_string!(i18n, feed.secret_hint)}</p>
            })}
            <Show when=move || revoked.get()>
                <p class="field-hint" role="status" data-testid="feed-revoked">{move || t_string!(i18n, feed.revoked)}</p>
            </Show>
            <div class="admin-panel-actions">
                <button type="button" class="button button-small" data-testid="feed-new" disabled=move || busy.get() on:click=make>
                    {move || if url.get().is_some() { t_string!(i18n, feed.replace) } else { t_string!(i18n, feed.create) }}
                </button>
                <button type="button" class="button button-small button-quiet button-danger" data-testid="feed-revoke" disabled=move || busy.get() on:click=revoke>
                    {move || t_string!(i18n, feed.revoke)}
                </button>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_feed_opens_in_calendar_apps_by_webcal_and_in_google_by_its_link() {
        let feed = "https://alumni.example.jp/ics/abc123.ics";
        assert_eq!(
            webcal_url(feed),
            "webcal://alumni.example.jp/ics/abc123.ics"
        );
        assert_eq!(
            webcal_url("http://127.0.0.1:8080/ics/x.ics"),
            "webcal://127.0.0.1:8080/ics/x.ics"
        );
        assert_eq!(
            google_calendar_url(feed),
            "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Falumni.example.jp%2Fics%2Fabc123.ics"
        );
    }
}
