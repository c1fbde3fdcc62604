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

use super::avatar::{object_url, shown_url};
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

/// How a picked picture is shrunk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fit {
    /// A photo for a message: at most [`LONG_EDGE_PX`] on its long edge, never enlarged.
    Message,
    /// A profile photo: the middle square, [`AVATAR_PX`] on a side at most.
    Avatar,
}

/// The side of a profile photo in pixels: sharp on a large avatar on a phone's screen.
const AVATAR_PX: f64 = 512.0;

/// The one picture a file input's change picked, if any (the input is emptied, so picking the
/// same file again fires again).
pub(crate) fn picked_file(ev: &leptos::ev::Event) -> Option<File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    let file = input.files().and_then(|list| list.get(0));
    input.set_value("");
    file
}

/// Shrinks `file` as `fit` says and keeps it on this device, to go to the relay when it is
/// reachable ([`crate::runtime::Client::keep_photo`]); shown at once from the URL it was
/// picked with.
pub(crate) async fn keep_picked(
    client: crate::runtime::Client,
    file: &File,
    fit: Fit,
) -> Result<Picked, AppError> {
    let picked = shrink(file, fit).await?;
    client.keep_photo(&picked.id, &picked.blob).await?;
    super::avatar::remember(&picked.id, &picked.url);
    Ok(picked)
}

/// Shrinks `file` as `fit` says, turned upright as its camera recorded, and compresses it as
/// JPEG.
pub(crate) async fn shrink(file: &File, fit: Fit) -> Result<Picked, AppError> {
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
    // The part of the picture drawn (sx, sy, sw, sh) and the size it is drawn at (w, h).
    let ((sx, sy, sw, sh), (w, h)) = match fit {
        Fit::Message => {
            let scale = (f64::from(LONG_EDGE_PX) / width.max(height).max(1.0)).min(1.0);
            let size = (
                (width * scale).round().max(1.0),
                (height * scale).round().max(1.0),
            );
            ((0.0, 0.0, width, height), size)
        }
        Fit::Avatar => {
            let side = width.min(height).max(1.0);
            let drawn = side.min(AVATAR_PX).round();
            let square = ((width - side) / 2.0, (height - side) / 2.0, side, side);
            (square, (drawn, drawn))
        }
    };
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
        .draw_image_with_image_bitmap_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            &bitmap, sx, sy, sw, sh, 0.0, 0.0, w, h,
        )
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
                match object_url(client, &id).await {
                    Ok(shown) => {
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
