//! The camera QR scanner of the check-in mode: the browser's `BarcodeDetector` where it has one
//! (Android Chrome), otherwise every frame is decoded in wasm with `rqrr` — nothing leaves the
//! phone and nothing needs a network.
//!
//! [`Scanner::start`] asks for the rear camera, shows it in a `<video>`, and calls back with the
//! text of each QR code it reads and when its frame was taken (`performance.now()`, so the
//! check-in screen can measure scan to verdict). The same code is not reported again until
//! another was seen or a few seconds passed, so holding a ticket in front of the camera is one
//! scan.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use gloo_timers::callback::Interval;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    CanvasRenderingContext2d, HtmlCanvasElement, HtmlVideoElement, MediaStream,
    MediaStreamConstraints, MediaStreamTrack,
};

/// How often a frame is looked at.
const FRAME_EVERY: Duration = Duration::from_millis(150);
/// How long the same code is ignored after it was read.
const SAME_CODE_QUIET_MS: f64 = 3000.0;
/// Frames are scaled down to at most this width before decoding: enough for a ticket held up
/// to the camera, and quick in wasm.
const DECODE_WIDTH: u32 = 640;

/// Why the camera could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("this browser has no camera access")]
    NoCamera,
    #[error("camera access was refused: {0}")]
    Refused(String),
}

/// A running scanner; stops the camera when stopped or dropped.
pub struct Scanner {
    stream: MediaStream,
    /// Looks at a frame every [`FRAME_EVERY`]; dropping it stops.
    interval: Option<Interval>,
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").finish_non_exhaustive()
    }
}

impl Scanner {
    /// Starts the rear camera in `video` and calls `on_code` with every QR code read, and the
    /// `performance.now()` at which its frame was taken.
    pub async fn start(
        video: HtmlVideoElement,
        on_code: impl Fn(String, f64) + 'static,
    ) -> Result<Self, ScanError> {
        let media = web_sys::window()
            .map(|w| w.navigator())
            .and_then(|n| n.media_devices().ok())
            .ok_or(ScanError::NoCamera)?;
        let constraints = MediaStreamConstraints::new();
        let video_wanted = js_sys::Object::new();
        js_sys::Reflect::set(&video_wanted, &"facingMode".into(), &"environment".into()).ok();
        constraints.set_video(&video_wanted);
        let promise = media
            .get_user_media_with_constraints(&constraints)
            .map_err(|e| ScanError::Refused(describe(&e)))?;
        let stream: MediaStream = JsFuture::from(promise)
            .await
            .map_err(|e| ScanError::Refused(describe(&e)))?
            .unchecked_into();
        video.set_src_object(Some(&stream));
        video.set_muted(true);
        video.set_attribute("playsinline", "").ok();
        if let Ok(playing) = video.play() {
            JsFuture::from(playing).await.ok();
        }

        let detector = native_detector();
        let canvas: Option<HtmlCanvasElement> = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into().ok());
        let last: Rc<RefCell<(String, f64)>> = Rc::default();
        let busy = Rc::new(Cell::new(false));
        let on_code = Rc::new(on_code);
        let report = move |text: String, taken: f64| {
            let now = js_sys::Date::now();
            let mut last = last.borrow_mut();
            if last.0 == text && now - last.1 < SAME_CODE_QUIET_MS {
                last.1 = now;
                return;
            }
            *last = (text.clone(), now);
            drop(last);
            on_code(text, taken);
        };
        let report = Rc::new(report);
        let every = u32::try_from(FRAME_EVERY.as_millis()).unwrap_or(u32::MAX);
        let interval = Interval::new(every, move || {
            if busy.get() || video.ready_state() < 2 {
                return;
            }
            let taken = performance_now();
            match &detector {
                Some(detector) => {
                    busy.set(true);
                    let (busy, report) = (busy.clone(), report.clone());
                    let found = detect_natively(detector, &video);
                    spawn_local(async move {
                        if let Some(text) = found.await {
                            report(text, taken);
                        }
                        busy.set(false);
                    });
                }
                None => {
                    if let Some(text) = canvas.as_ref().and_then(|c| decode_frame(&video, c)) {
                        report(text, taken);
                    }
                }
            }
        });
        Ok(Self {
            stream,
            interval: Some(interval),
        })
    }

    /// Turns the camera off.
    pub fn stop(&mut self) {
        self.interval = None;
        for track in self.stream.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The browser's own QR detector, if it has one that reads QR codes.
fn native_detector() -> Option<JsValue> {
    let window = web_sys::window()?;
    let class = js_sys::Reflect::get(&window, &"BarcodeDetector".into()).ok()?;
    let class: js_sys::Function = class.dyn_into().ok()?;
    let options = js_sys::Object::new();
    let formats = js_sys::Array::of1(&"qr_code".into());
    js_sys::Reflect::set(&options, &"formats".into(), &formats).ok()?;
    js_sys::Reflect::construct(&class, &js_sys::Array::of1(&options)).ok()
}

/// Asks the native detector about the current frame.
fn detect_natively(
    detector: &JsValue,
    video: &HtmlVideoElement,
) -> impl std::future::Future<Output = Option<String>> + 'static {
    let promise = js_sys::Reflect::get(detector, &"detect".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(detector, video).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    async move {
        let found = JsFuture::from(promise?).await.ok()?;
        let first = js_sys::Array::from(&found).get(0);
        js_sys::Reflect::get(&first, &"rawValue".into())
            .ok()?
            .as_string()
    }
}

/// Draws the current frame, scaled down, and decodes it in wasm.
fn decode_frame(video: &HtmlVideoElement, canvas: &HtmlCanvasElement) -> Option<String> {
    let (w, h) = (video.video_width(), video.video_height());
    if w == 0 || h == 0 {
        return None;
    }
    let scale = f64::from(DECODE_WIDTH.min(w)) / f64::from(w);
    let (cw, ch) = (
        (f64::from(w) * scale).round() as u32,
        (f64::from(h) * scale).round() as u32,
    );
    canvas.set_width(cw);
    canvas.set_height(ch);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context
        .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, cw.into(), ch.into())
        .ok()?;
    let rgba = context
        .get_image_data(0.0, 0.0, cw.into(), ch.into())
        .ok()?
        .data();
    let luma: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        })
        .collect();
    decode_luma(cw as usize, ch as usize, &luma)
}

/// The text of the first QR code found in a greyscale image (`width` × `height`, row by row).
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Option<String> {
    if luma.len() < width * height {
        return None;
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// Milliseconds on the page's high-resolution clock.
pub fn performance_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn describe(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}
