//! Photos in messages (docs/design.md §10): shrinking a picked picture on the phone before it is
//! kept or sent, and showing a photo from the device (or the relay, once, then kept) with a
//! notice instead when it is on neither side of a dead network.

use leptos::prelude::*;
use tsunagu_core::api::ErrorCode;
use tsunagu_core::photo::{self, JPEG_QUALITY, LONG_EDGE_PX};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, ImageBitmap};

use super::{icons, use_client};
use crate::error::AppError;
use crate::i18n::*;

/// A photo picked for a message, shrunk: its id, its bytes, and a URL showing it in the composer.
#[derive(Debug, Clone)]
pub(crate) struct Picked {
    pub id: String,
    pub blob: Blob,
    pub url: String,
}

fn unreadable(_: JsValue) -> AppError {
    AppError::LocalEdit("the picture could not be read".into())
}

/// Shrinks `file` to [`LONG_EDGE_PX`] on its long edge (never enlarging it), turned upright as
/// its camera recorded, and compresses it as JPEG.
pub(crate) async fn shrink(file: &File) -> Result<Picked, AppError> {
    let window = web_sys::window().ok_or_else(|| unreadable(JsValue::NULL))?;
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob(file)
            .map_err(unreadable)?,
    )
    .await
    .map_err(unreadable)?
    .dyn_into()
    .map_err(unreadable)?;
    let (width, height) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let scale = (f64::from(LONG_EDGE_PX) / width.max(height).max(1.0)).min(1.0);
    let (w, h) = (
        (width * scale).round().max(1.0),
        (height * scale).round().max(1.0),
    );
    let canvas: HtmlCanvasElement = window
        .document()
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| unreadable(JsValue::NULL))?;
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(|| unreadable(JsValue::NULL))?;
    // JPEG has no transparency: a transparent PNG lies on white, not black.
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, w, h);
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, w, h)
        .map_err(unreadable)?;
    bitmap.close();
    let blob = jpeg(&canvas).await?;
    let bytes = js_sys::Uint8Array::new(
        &JsFuture::from(blob.array_buffer())
            .await
            .map_err(unreadable)?,
    )
    .to_vec();
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(unreadable)?;
    Ok(Picked {
        id: photo::id_of(&bytes),
        blob,
        url,
    })
}

/// The canvas as a JPEG of [`JPEG_QUALITY`].
async fn jpeg(canvas: &HtmlCanvasElement) -> Result<Blob, AppError> {
    let canvas = canvas.clone();
    let made = js_sys::Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        if let Err(e) = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &JPEG_QUALITY.into(),
        ) {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    JsFuture::from(made)
        .await
        .map_err(unreadable)?
        .dyn_into()
        .map_err(unreadable)
}

/// Gives back the URL of a picked photo that is no longer shown.
pub(crate) fn release(picked: &Picked) {
    let _ = web_sys::Url::revoke_object_url(&picked.url);
}

/// How many photos keep their object URL while the app runs: a bubble drawn again (a read mark,
/// a reaction) shows its photo at once instead of reading it again.
const SHOWN_URLS: usize = 48;

thread_local! {
    /// Object URLs of photos shown lately, the most recent last.
    static SHOWN: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn shown_url(id: &str) -> Option<String> {
    SHOWN.with_borrow(|all| all.iter().find(|(i, _)| i == id).map(|(_, u)| u.clone()))
}

/// Remembers `url` for `id`; the oldest beyond [`SHOWN_URLS`] is given back (an image already
/// drawn from it stays on screen).
fn remember(id: &str, url: &str) {
    SHOWN.with_borrow_mut(|all| {
        all.retain(|(i, _)| i != id);
        all.push((id.to_owned(), url.to_owned()));
        if all.len() > SHOWN_URLS {
            let (_, old) = all.remove(0);
            let _ = web_sys::Url::revoke_object_url(&old);
        }
    });
}

/// One photo of a message: shown from this device, else fetched from the relay (and kept), else
/// a notice that it loads once online (tried again whenever the link to the relay changes). A
/// tap shows it over the whole screen.
#[component]
pub(crate) fn Photo(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let url = RwSignal::new(shown_url(&id));
    let failed = RwSignal::new(None::<AppError>);
    let viewing = RwSignal::new(false);
    Effect::new(move |_| {
        client.signals.link.track();
        if url.get_untracked().is_some() {
            return;
        }
        let id = id.clone();
        leptos::task::spawn_local(async move {
            // A message can arrive before its photo: the writer's phone uploads it beside the
            // sync. Not there yet: asked again, less and less often, while it is on screen.
            let mut wait = 1000;
            loop {
                match client.photo_url(&id).await {
                    Ok(shown) => {
                        remember(&id, &shown);
                        url.try_set(Some(shown));
                        return;
                    }
                    Err(e) if e == AppError::Api(ErrorCode::NotFound) && wait <= 32_000 => {
                        // Shown no more: nothing to wait for.
                        if url.try_get_untracked().is_none() {
                            return;
                        }
                    }
                    Err(e) => {
                        failed.try_set(Some(e));
                        return;
                    }
                }
                gloo_timers::future::TimeoutFuture::new(wait).await;
                wait *= 2;
            }
        });
    });
    move || match url.get() {
        Some(shown) => view! {
            <button type="button" class="photo" data-testid="message-photo"
                aria-label=move || t_string!(i18n, messages.photo)
                on:click=move |ev| { ev.stop_propagation(); viewing.set(true); }>
                <img src=shown.clone() alt="" loading="lazy" />
            </button>
            <Show when=move || viewing.get()>
                <div class="photo-viewer" role="dialog" aria-modal="true" data-testid="photo-viewer"
                    on:click=move |_| viewing.set(false)>
                    <img src=shown.clone() alt=move || t_string!(i18n, messages.photo) />
                    <button type="button" class="button button-quiet photo-viewer-close"
                        aria-label=move || t_string!(i18n, messages.close_photo)>
                        <icons::Close />
                    </button>
                </div>
            </Show>
        }
        .into_any(),
        // Still reading it: an empty frame of the photo's place.
        None if failed.with(Option::is_none) => {
            view! { <span class="photo photo-loading"></span> }.into_any()
        }
        None => {
            let offline = failed.with(|e| matches!(e, Some(AppError::Offline)));
            view! {
                <span class="photo photo-missing" data-testid="photo-missing">
                    {move || if offline { t_string!(i18n, messages.photo_offline) } else { t_string!(i18n, messages.photo_failed) }}
                </span>
            }
            .into_any()
        }
    }
}
