//! The personal calendar feed: an address with a secret token that calendar apps poll for the
//! person's events. Making a new one stops the old; it can be turned off. Needs the relay.

use leptos::prelude::*;

use crate::api;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub(super) fn CalendarFeed() -> impl IntoView {
    let i18n = use_i18n();
    let url = RwSignal::new(None::<String>);
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
        <section class="card section feed" data-testid="calendar-feed">
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
