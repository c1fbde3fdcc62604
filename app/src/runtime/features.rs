//! The features' part of the runtime — events, check-ins and passes, messages, news, photos —
//! reached from the rest of the runtime through one interface, [`Features`], so a split build
//! keeps it in a chunk of its own (docs/design.md §9): the sign-in form and the directory do not
//! wait for it, and a feature added here does not grow the first download.
//!
//! Its code shares a chunk with the screens every member opens (`ui/lazy.rs`, `member_screen`),
//! which is fetched as soon as someone is signed in. Until it is here the runtime syncs and
//! stores every document as always and shows the directory; when it arrives, it reads every held
//! document once (as after a change of person), so nothing that changed meanwhile is missed. A
//! chunk that cannot be fetched (offline on a first visit) is asked for again when the relay or
//! the network is back, or when the features are next needed a few seconds later (a screen of
//! the chunk opened once it could be fetched).

use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;

use super::Runtime;
use crate::store::MetaKey;

/// What the runtime asks of the features; every call is made with the runtime it belongs to.
pub(super) trait Features {
    /// Takes up what the device kept between visits (seen events, seats and posts, venue codes).
    fn restore(&self, rt: &Runtime, kept: Vec<(MetaKey, String)>);
    /// Forgets what was read from the features' documents (the person or their grants changed).
    fn reset(&self, rt: &Runtime);
    /// Reads again the features' documents among `docs`; returns the others.
    fn refresh(&self, rt: &Runtime, docs: Vec<DocumentId>) -> Vec<DocumentId>;
    /// The organisation's document changed (what it says about passes).
    fn organisation_changed(&self, rt: &Runtime);
    /// Someone's ephemeral message about `doc` (typing, a post came out).
    fn ephemeral(&self, rt: &Runtime, doc: DocumentId, data: &[u8]);
    /// What this device has not yet had acknowledged changed ("sending" marks).
    fn pending_changed(&self, rt: &Runtime);
    /// The relay said who the person is (again).
    fn signed_in(&self, rt: &Rc<Runtime>);
    /// The relay is reachable.
    fn online(&self, rt: &Rc<Runtime>);
}

/// How long after a failed fetch of the features the next need of them fetches again.
const RETRY_AFTER_MS: f64 = 5_000.0;

/// The meta entries the features keep, read at boot and handed to [`Features::restore`].
pub(super) const KEPT: [MetaKey; 5] = [
    MetaKey::SeenEvents,
    MetaKey::VenueCodes,
    MetaKey::SeenSeats,
    MetaKey::KnownEvents,
    MetaKey::SeenNews,
];

/// Whether the features' chunk is here, on its way, or could not be had.
#[derive(Default)]
pub(super) struct Loader {
    loaded: std::cell::Cell<Option<&'static dyn Features>>,
    fetching: std::cell::Cell<bool>,
    /// When the last fetch failed (ms since the epoch): tried again a while later, or at once
    /// when the relay or the network is back.
    failed_at: std::cell::Cell<Option<f64>>,
    /// What the device kept for the features, until they arrive.
    kept: std::cell::RefCell<Vec<(MetaKey, String)>>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("loaded", &self.loaded.get().is_some())
            .field("fetching", &self.fetching.get())
            .field("failed_at", &self.failed_at.get())
            .finish_non_exhaustive()
    }
}

impl Loader {
    pub(super) fn keep(&self, key: MetaKey, value: String) {
        self.kept.borrow_mut().push((key, value));
    }
}

impl Runtime {
    /// The features, if their chunk is here; otherwise `None`, and it is fetched (once someone
    /// is signed in), after which every held document is read.
    pub(super) fn features(&self) -> Option<&'static dyn Features> {
        let loader = &self.features;
        if let Some(features) = loader.loaded.get() {
            return Some(features);
        }
        let signed_in = self.signals.me.with_untracked(Option::is_some);
        let waiting = loader
            .failed_at
            .get()
            .is_some_and(|at| js_sys::Date::now() - at < RETRY_AFTER_MS);
        if signed_in && !waiting && !loader.fetching.replace(true) {
            let Some(rt) = self.this.upgrade() else {
                loader.fetching.set(false);
                return None;
            };
            leptos::task::spawn_local(async move {
                // The directory paints first; any other screen needs the features to show at all.
                if on_directory() {
                    after_paint().await;
                }
                let fetched = load().await;
                rt.features.fetching.set(false);
                match fetched {
                    Ok(features) => rt.features_arrived(features),
                    Err(Unavailable) => {
                        rt.features.failed_at.set(Some(js_sys::Date::now()));
                        super::log("the features' code is not on this device yet");
                    }
                }
            });
        }
        None
    }

    /// The relay or the network is back: a fetch of the features that failed may work now.
    pub(crate) fn retry_features(&self) {
        if self.features.failed_at.take().is_some() {
            let _ = self.features();
        }
    }

    fn features_arrived(self: &Rc<Self>, features: &'static dyn Features) {
        self.features.loaded.set(Some(features));
        features.restore(self, self.features.kept.take());
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        // Profiles were read when they came; the rest are the features' to read.
        self.reread_features(features);
        self.forget_unreadable(&me);
        features.signed_in(self);
        if self.conn.get().is_some() {
            features.online(self);
        }
        self.signals.docs_version.update(|v| *v += 1);
        // Documents the features newly named (a conversation's pages) are asked for.
        self.perform(Vec::new());
    }
}

/// Whether the page shows the directory (the features' code can wait until it has painted).
fn on_directory() -> bool {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .is_none_or(|path| path == "/")
}

/// Waits until the browser has painted what the runtime just showed (the directory, at a
/// start from device storage), so fetching and compiling the features does not hold it back.
async fn after_paint() {
    let (painted, frame) = futures::channel::oneshot::channel();
    request_animation_frame(move || {
        let _ = painted.send(());
    });
    let _ = frame.await;
    // The frame's callbacks run before it is painted; a timer runs after.
    gloo_timers::future::sleep(std::time::Duration::ZERO).await;
}

/// The features' chunk could not be fetched.
#[derive(Debug)]
struct Unavailable;

/// The features of this app (the `impl` below is all that reaches their code).
struct App;

impl Features for App {
    fn restore(&self, rt: &Runtime, kept: Vec<(MetaKey, String)>) {
        for (key, json) in kept {
            let signals = &rt.signals;
            match key {
                MetaKey::SeenEvents => signals.seen_events.set(super::events::parse_seen(&json)),
                MetaKey::VenueCodes => signals
                    .venue_codes
                    .set(super::events::parse_venue_codes(&json)),
                MetaKey::SeenSeats => signals
                    .seen_seats
                    .set(super::events::parse_seen_seats(&json)),
                MetaKey::KnownEvents => signals
                    .known_events
                    .set(super::events::parse_known_events(&json)),
                MetaKey::SeenNews => signals.seen_news.set(super::news::parse_seen(&json)),
                _ => {}
            }
        }
    }

    fn reset(&self, rt: &Runtime) {
        rt.reset_events();
        rt.reset_messages();
        rt.reset_news();
        rt.reset_jobs();
    }

    fn refresh(&self, rt: &Runtime, docs: Vec<DocumentId>) -> Vec<DocumentId> {
        let docs = rt.refresh_events(docs);
        let docs = rt.refresh_messages(docs);
        let docs = rt.refresh_jobs(docs);
        rt.refresh_news(docs)
    }

    fn organisation_changed(&self, rt: &Runtime) {
        rt.read_pass_authority();
    }

    fn ephemeral(&self, rt: &Runtime, doc: DocumentId, data: &[u8]) {
        if tsunagu_core::news::is_news_changed(data) {
            rt.news_told();
        } else {
            rt.on_ephemeral(doc, data);
        }
    }

    fn pending_changed(&self, rt: &Runtime) {
        rt.refresh_sending();
        rt.refresh_news_sending();
    }

    fn signed_in(&self, rt: &Rc<Runtime>) {
        rt.report_opened();
    }

    fn online(&self, rt: &Rc<Runtime>) {
        rt.upload_photos();
    }
}

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for Unavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Unavailable
    }
}

/// The features, from the members' chunk in a split build.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(member_screen, wasm_split_path = ::leptos::wasm_split, fallible)]
fn load() -> Result<&'static dyn Features, Unavailable> {
    Ok(&App)
}

/// The features, from the one wasm.
#[cfg(not(feature = "split"))]
#[allow(clippy::unused_async)]
async fn load() -> Result<&'static dyn Features, Unavailable> {
    Ok(&App)
}
