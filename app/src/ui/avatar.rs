//! A member's avatar: their profile photo (docs/design.md §10) over the first letter of their
//! name on a colour of their own, which shows while there is no photo, while it loads, and when
//! it cannot be had (offline, never fetched).
//!
//! A directory lists every member, so a photo is read (from this device, or fetched from the relay
//! and kept) only once its avatar scrolls into view: one shared `IntersectionObserver` says when.
//! Object URLs of photos shown lately are remembered, so a list drawn again shows them at once.

use std::cell::RefCell;

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::photo;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry};

use super::text::hue;
use super::use_client;
use crate::error::AppError;
use crate::runtime::Client;
use crate::state::Signals;

/// How many photos keep their object URL while the app runs.
const SHOWN_URLS: usize = 64;

/// An element waiting to scroll into view, and what to do then.
type Waiting = (Element, Box<dyn FnOnce()>);

thread_local! {
    /// Object URLs of photos shown lately, the most recent last.
    static SHOWN: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
    static OBSERVER: Option<IntersectionObserver> = observer();
}

/// The object URL photo `id` was last shown with, if it is still remembered.
pub(crate) fn shown_url(id: &str) -> Option<String> {
    SHOWN.with_borrow(|all| all.iter().find(|(i, _)| i == id).map(|(_, u)| u.clone()))
}

/// Remembers `url` for `id`; the oldest beyond [`SHOWN_URLS`] is given back (an image already
/// drawn from it stays on screen).
pub(crate) fn remember(id: &str, url: &str) {
    SHOWN.with_borrow_mut(|all| {
        all.retain(|(i, _)| i != id);
        all.push((id.to_owned(), url.to_owned()));
        if all.len() > SHOWN_URLS {
            let (_, old) = all.remove(0);
            let _ = web_sys::Url::revoke_object_url(&old);
        }
    });
}

/// An object URL showing photo `id`: one shown lately, else read from this device or fetched
/// from the relay (and remembered).
pub(crate) async fn object_url(client: Client, id: &str) -> Result<String, AppError> {
    if let Some(shown) = shown_url(id) {
        return Ok(shown);
    }
    let shown = client.photo_url(id).await?;
    remember(id, &shown);
    Ok(shown)
}

/// Gives every `<img data-photo="<id>">` inside `within` (a news post's photos, as
/// [`crate::markdown::to_html`] writes them) its photo: from this device, else fetched from the
/// relay and kept. One that cannot be had (offline, never fetched) keeps its description, and
/// is asked for again at the next call (the screen calls again when the relay is back).
pub(crate) fn fill_photos(client: Client, within: &Element) {
    let waiting = r#"img[data-photo]:not([data-state="shown"]):not([data-state="loading"])"#;
    let Ok(images) = within.query_selector_all(waiting) else {
        return;
    };
    for i in 0..images.length() {
        let Some(img) = images.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let Some(id) = img
            .get_attribute("data-photo")
            .filter(|id| photo::is_id(id))
        else {
            continue;
        };
        let _ = img.set_attribute("data-state", "loading");
        leptos::task::spawn_local(async move {
            match object_url(client, &id).await {
                Ok(url) => {
                    let _ = img.set_attribute("src", &url);
                    let _ = img.set_attribute("data-state", "shown");
                }
                Err(_) => {
                    let _ = img.set_attribute("data-state", "missing");
                }
            }
        });
    }
}

fn observer() -> Option<IntersectionObserver> {
    let seen = Closure::<dyn Fn(js_sys::Array)>::new(|entries: js_sys::Array| {
        for entry in entries.iter() {
            let Ok(entry) = entry.dyn_into::<IntersectionObserverEntry>() else {
                continue;
            };
            if entry.is_intersecting() {
                let target = entry.target();
                let ready = WAITING.with_borrow_mut(|waiting| {
                    let at = waiting.iter().position(|(el, _)| *el == target)?;
                    Some(waiting.remove(at).1)
                });
                OBSERVER.with(|o| o.as_ref().map(|o| o.unobserve(&target)));
                if let Some(ready) = ready {
                    ready();
                }
            }
        }
    });
    let observer = IntersectionObserver::new(seen.as_ref().unchecked_ref()).ok()?;
    // Lives as long as the page, as the observer does.
    seen.forget();
    Some(observer)
}

/// Calls `then` once `element` scrolls into view (at once where the browser cannot tell).
fn when_visible(element: Element, then: impl FnOnce() + 'static) {
    let observing = OBSERVER.with(|o| {
        o.as_ref().map(|o| {
            o.observe(&element);
        })
    });
    if observing.is_some() {
        WAITING.with_borrow_mut(|waiting| waiting.push((element, Box::new(then))));
    } else {
        then();
    }
}

/// Stops waiting for `element` (its avatar left the page).
fn forget(element: &Element) {
    WAITING.with_borrow_mut(|waiting| waiting.retain(|(el, _)| el != element));
    OBSERVER.with(|o| o.as_ref().map(|o| o.unobserve(element)));
}

/// The avatar of the member whose profile is `doc`, named `name`, with profile photo `photo`
/// (an id, or empty).
#[component]
pub(crate) fn Avatar(
    doc: DocumentId,
    name: String,
    photo: String,
    #[prop(optional)] large: bool,
) -> impl IntoView {
    let client = use_client();
    let initial = name
        .trim()
        .chars()
        .next()
        .map_or_else(|| "?".to_owned(), String::from);
    let url = RwSignal::new(photo::is_id(&photo).then(|| shown_url(&photo)).flatten());
    let node = NodeRef::<leptos::html::Span>::new();
    if photo::is_id(&photo) && url.get_untracked().is_none() {
        Effect::new(move |_| {
            let Some(element) = node.get() else {
                return;
            };
            let element: Element = element.into();
            let id = photo.clone();
            when_visible(element.clone(), move || {
                leptos::task::spawn_local(async move {
                    if let Ok(shown) = object_url(client, &id).await {
                        url.try_set(Some(shown));
                    }
                });
            });
            on_cleanup(move || forget(&element));
        });
    }
    view! {
        <span class="avatar" class:avatar-large=large style=format!("--hue: {}", hue(&doc))
            aria-hidden="true" node_ref=node data-photo=move || url.with(Option::is_some).to_string()>
            {initial}
            {move || url.get().map(|shown| view! { <img src=shown alt="" data-testid="avatar-photo" /> })}
        </span>
    }
}

/// A member's name as the directory on this device has it, or `None` if their profile is not
/// here (they left, or hid from the directory).
pub(crate) fn name_of(signals: Signals, user: &str) -> Option<(DocumentId, String)> {
    signals.directory.with(|entries| {
        entries
            .iter()
            .find(|(_, p, _)| p.owner == user)
            .map(|(doc, p, _)| (*doc, p.name.clone()))
    })
}

/// A member's profile photo as the directory on this device has it.
pub(crate) fn photo_of(signals: Signals, user: &str) -> Option<String> {
    signals.directory.with(|entries| {
        entries
            .iter()
            .find(|(_, p, _)| p.owner == user)
            .map(|(_, p, _)| p.photo.clone())
    })
}
