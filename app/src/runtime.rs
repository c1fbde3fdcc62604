//! The runtime: the bridge between the reactive UI and the outside world (IndexedDB, the relay).
//!
//! It owns the sans-IO [`Engine`] and performs the [`Effect`]s every engine call returns, in
//! order: bytes go to the WebSocket ([`crate::sync`]), chunks and sync states go to the write queue
//! ([`crate::store::queue`]), and `DocChanged` re-reads the profiles the directory shows. Screens
//! only read [`Signals`] and call the few methods of [`Client`]; they never touch the engine, the
//! socket or the database themselves (like Leptos todomvc's storage `Effect`, this is the one
//! place that does).

mod checkin;
mod connection;
mod events;
mod organisation;

pub(crate) use events::now;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::{Rc, Weak};
use std::time::Duration;

use automerge::ActorId;
use leptos::prelude::*;
use tsunagu_core::api::{ErrorCode, EventRef, Me, NewEvent, ProfilePart};
use tsunagu_core::engine::{ConnId, Effect, Engine};
use tsunagu_core::event::Event;
use tsunagu_core::ids::{DocumentId, PeerId, StorageId, random_bytes};
use tsunagu_core::profile::{Audience, Profile, Visibility};
use tsunagu_core::search::haystack;

use crate::api;
use crate::error::AppError;
use crate::state::{Entry, EventEntry, Link, Phase, SaveState, Signals, StorageHealth};
use crate::store::queue::{FlushOutcome, WriteQueue};
use crate::store::{DB_NAME, MetaKey, Store, Write};
use crate::sync::SyncLink;

/// How long the indicator keeps saying "syncing" after the last message.
const BUSY_FOR: Duration = Duration::from_millis(600);

pub struct Runtime {
    pub(crate) signals: Signals,
    engine: RefCell<Engine>,
    /// `None` when IndexedDB cannot be used: the app then works from memory while online.
    queue: Option<Rc<WriteQueue>>,
    /// The socket to the relay; it reports to [`Self::on_link`].
    link: SyncLink,
    /// The engine's connection for the socket that is open now.
    conn: Cell<Option<ConnId>>,
    profiles: RefCell<HashMap<DocumentId, (Profile, String)>>,
    /// Every readable event that has arrived, as last read.
    events: RefCell<BTreeMap<DocumentId, EventEntry>>,
    /// Documents with local changes the relay has not acknowledged (mirrors the `outbox` store).
    outbox: RefCell<BTreeSet<DocumentId>>,
    busy_generation: Rc<Cell<u64>>,
    /// A saved profile change is queued but not yet on disk.
    profile_unflushed: Rc<Cell<bool>>,
    /// This device's storage id: the relay lists and revokes devices by it.
    device_storage: StorageId,
    /// Sessions opened on this page (sign-ins), so an answer about an older one is ignored.
    sessions_opened: Cell<u64>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// What the boot found on the device.
#[derive(Debug, Default)]
pub struct Booted {
    /// The language the person chose earlier, if any.
    pub language: Option<String>,
}

impl Runtime {
    /// Opens device storage, restores the engine from it, and starts syncing.
    pub async fn boot(signals: Signals) -> (Rc<Self>, Booted) {
        let (store, storage_error) = match Store::open(DB_NAME).await {
            Ok(store) => (Some(Rc::new(store)), None),
            Err(e) => (None, Some(e)),
        };
        if let Some(e) = &storage_error {
            log(&format!("device storage unavailable: {e}"));
            signals.storage.set(StorageHealth::Unavailable);
        }
        let meta = |key| {
            let store = store.clone();
            async move {
                match &store {
                    Some(s) => s.meta(key).await.unwrap_or_else(|e| {
                        log(&format!("reading {key:?}: {e}"));
                        None
                    }),
                    None => None,
                }
            }
        };
        let mut first_writes = Vec::new();
        let storage_id = match meta(MetaKey::StorageId).await {
            Some(id) => StorageId::new(id),
            None => {
                let id = StorageId::random();
                first_writes.push(Write::Meta {
                    key: MetaKey::StorageId,
                    value: id.to_string(),
                });
                id
            }
        };
        let actor = match meta(MetaKey::ActorId)
            .await
            .and_then(|hex| hex.parse::<ActorId>().ok())
        {
            Some(actor) => actor,
            None => {
                let actor = ActorId::from(random_bytes::<16>().as_slice());
                first_writes.push(Write::Meta {
                    key: MetaKey::ActorId,
                    value: actor.to_hex_string(),
                });
                actor
            }
        };
        let cached_me: Option<Me> = meta(MetaKey::Me)
            .await
            .and_then(|json| serde_json::from_str(&json).ok());
        let language = meta(MetaKey::Language).await;
        if let Some(json) = meta(MetaKey::SeenEvents).await {
            signals.seen_events.set(events::parse_seen(&json));
        }
        if let Some(json) = meta(MetaKey::VenueCodes).await {
            signals.venue_codes.set(events::parse_venue_codes(&json));
        }
        if let Some(json) = meta(MetaKey::SeenSeats).await {
            signals.seen_seats.set(events::parse_seen_seats(&json));
        }
        if let Some(json) = meta(MetaKey::KnownEvents).await {
            signals.known_events.set(events::parse_known_events(&json));
        }

        // Two tabs of one device edit concurrently; Automerge needs a distinct actor per
        // concurrent writer (the same actor and sequence number twice breaks sync for the
        // document). So each page load writes as the device's actor plus a random suffix: the
        // device stays recognisable by its prefix, and tabs never collide.
        let mut tab_actor = actor.to_bytes().to_vec();
        tab_actor.extend(random_bytes::<4>());
        let device_storage = storage_id.clone();
        let mut engine =
            Engine::new(PeerId::random(), Some(storage_id)).with_actor(ActorId::from(tab_actor));
        let mut outbox = BTreeSet::new();
        if let Some(store) = &store {
            match store.load().await {
                Ok(loaded) => {
                    for (doc, chunks) in &loaded.docs {
                        if let Err(e) = engine.load(*doc, chunks) {
                            // A corrupt document is fetched again from the relay.
                            log(&format!("skipping stored {doc}: {e}"));
                        }
                    }
                    for (peer, doc, state) in &loaded.sync_states {
                        if engine.has_doc(doc)
                            && let Err(e) = engine.load_sync_state(peer.clone(), *doc, state)
                        {
                            log(&format!("skipping sync state of {doc}: {e}"));
                        }
                    }
                    outbox = loaded.outbox;
                }
                Err(e) => log(&format!("loading device storage: {e}")),
            }
        }

        // A profile save waits for its chunk to reach the disk before it says "saved"; other
        // writes (sync states, settings) flushing meanwhile must not claim that.
        let profile_unflushed = Rc::new(Cell::new(false));
        let unflushed = Rc::clone(&profile_unflushed);
        let queue = store.map(|store| {
            WriteQueue::new(store, move |outcome| match outcome {
                FlushOutcome::Saved => {
                    signals.storage.update(|h| {
                        if *h == StorageHealth::Full {
                            *h = StorageHealth::Ok;
                        }
                    });
                    if unflushed.replace(false) {
                        signals.save.set(SaveState::Saved);
                    }
                }
                FlushOutcome::Failed(e) => {
                    log(&format!("saving to device storage failed, will retry: {e}"));
                    signals.storage.set(if e == AppError::QuotaExceeded {
                        StorageHealth::Full
                    } else {
                        StorageHealth::Unavailable
                    });
                    if unflushed.get() {
                        signals.save.set(SaveState::Failed);
                    }
                }
            })
        });

        let rt = Rc::new_cyclic(|weak: &Weak<Self>| Self {
            signals,
            engine: RefCell::new(engine),
            queue,
            link: SyncLink::new({
                let weak = Weak::clone(weak);
                move |event| {
                    if let Some(rt) = weak.upgrade() {
                        rt.on_link(event);
                    }
                }
            }),
            conn: Cell::new(None),
            profiles: RefCell::new(HashMap::new()),
            events: RefCell::new(BTreeMap::new()),
            outbox: RefCell::new(outbox),
            busy_generation: Rc::new(Cell::new(0)),
            profile_unflushed,
            device_storage,
            sessions_opened: Cell::new(0),
        });
        for write in first_writes {
            rt.write(write);
        }
        if let Some(me) = cached_me {
            // Start signed in at once, offline or not; the relay is asked below.
            rt.show_me(me);
            rt.signals.phase.set(Phase::SignedIn);
            rt.want_directory();
            rt.update_pending();
            rt.connect();
        }
        Rc::clone(&rt).refresh_me();
        (rt, Booted { language })
    }

    // ---- session ----------------------------------------------------------------------------

    /// Asks the relay who we are; adopts the answer, or notes an expired session.
    pub fn refresh_me(self: Rc<Self>) {
        let asked_in = self.sessions_opened.get();
        wasm_bindgen_futures::spawn_local(async move {
            match api::me().await {
                Ok(me) => self.adopt_me(me),
                // A sign-in finished while we asked: its session is newer than whatever cookie
                // this request carried (signing in again ends the previous session, whose socket
                // then has us ask — possibly before the browser stored the new cookie).
                Err(_) if self.sessions_opened.get() != asked_in => {}
                Err(AppError::Api(ErrorCode::Unauthenticated | ErrorCode::SessionExpired)) => {
                    if self.signals.me.get_untracked().is_some() {
                        // Keep the data and the unsent changes; only ask to sign in again.
                        self.signals.session_expired.set(true);
                        self.stop_syncing();
                    } else {
                        self.signals.phase.set(Phase::SignedOut);
                    }
                }
                Err(e) => {
                    // Offline or the relay is down: never sign out for that.
                    if self.signals.me.get_untracked().is_none() {
                        self.signals.phase.set(Phase::SignedOut);
                    }
                    log(&format!("could not refresh the session: {e}"));
                }
            }
        });
    }

    /// Signs in; the error is for the sign-in form to show.
    pub async fn sign_in(self: Rc<Self>, email: &str, password: &str) -> Result<(), AppError> {
        let me = api::sign_in(email, password).await?;
        self.signed_in(me).await;
        Ok(())
    }

    /// The relay opened a session for `me` (a password or a passkey; the cookie is set). The
    /// same person keeps everything on the device, unsent changes included, and syncs again;
    /// someone else starts from an empty device.
    pub async fn signed_in(self: Rc<Self>, me: Me) {
        self.sessions_opened.set(self.sessions_opened.get() + 1);
        let previous = self.signals.me.get_untracked();
        if previous.is_some_and(|p| p.user_id != me.user_id) {
            // Someone else signs in on this device: nothing of the previous person may remain.
            self.wipe().await;
            self.write(Write::Meta {
                key: MetaKey::Me,
                value: to_json(&me),
            });
            reload();
            return;
        }
        self.signals.session_expired.set(false);
        self.link.resume();
        self.adopt_me(me);
    }

    /// Signs out and removes the person's documents from this device.
    pub async fn sign_out(self: Rc<Self>) {
        self.stop_syncing();
        if let Err(e) = api::sign_out().await {
            log(&format!("the relay did not confirm the sign-out: {e}"));
        }
        self.wipe().await;
        reload();
    }

    /// Ends every session of the person on the relay (every device asks to sign in again,
    /// keeping its data), then signs this device out as [`Self::sign_out`] does. Nothing
    /// changes here if the relay cannot be reached: the other devices would still be signed in.
    pub async fn sign_out_everywhere(self: Rc<Self>) -> Result<(), AppError> {
        // Stopped first, so this device's own socket being told its session ended does not
        // ask to sign in again on the way out.
        self.stop_syncing();
        if let Err(e) = api::sign_out_everywhere().await {
            self.link.resume();
            self.connect();
            return Err(e);
        }
        self.wipe().await;
        reload();
        Ok(())
    }

    /// Deletes the account on the relay, then everything on this device.
    pub async fn delete_account(self: Rc<Self>) -> Result<(), AppError> {
        api::delete_account().await?;
        self.forget_this_device(Farewell::AccountDeleted).await;
        Ok(())
    }

    /// This device was removed from the account, or the account was deleted: delete everything
    /// it holds (documents, sync states, its storage id, the cached app shell) and start again at
    /// the sign-in screen, which says why.
    async fn forget_this_device(self: Rc<Self>, why: Farewell) {
        self.stop_syncing();
        // End this device's session too: its cookie would otherwise sign the next page load
        // straight back in, as a new device.
        if let Err(e) = api::sign_out().await {
            log(&format!("the relay did not confirm the sign-out: {e}"));
        }
        if let Some(window) = web_sys::window() {
            if let Ok(Some(session)) = window.session_storage() {
                let _ = session.set_item(FAREWELL_KEY, why.key());
            }
            delete_everything(&window).await;
        }
        reload();
    }

    /// The storage id the relay knows this device by.
    pub(crate) fn device_storage(&self) -> StorageId {
        self.device_storage.clone()
    }

    async fn wipe(&self) {
        if let Some(queue) = &self.queue {
            queue.push(Write::MetaDelete(MetaKey::Me));
            queue.push(Write::MetaDelete(MetaKey::SeenEvents));
            queue.push(Write::MetaDelete(MetaKey::VenueCodes));
            queue.push(Write::MetaDelete(MetaKey::SeenSeats));
            queue.push(Write::MetaDelete(MetaKey::KnownEvents));
            if let Err(e) = queue.store().wipe_documents().await {
                log(&format!("wiping device storage: {e}"));
            }
            // Give the queued MetaDelete its transaction before the page goes away.
            for _ in 0..20 {
                if queue.is_idle() {
                    break;
                }
                gloo_timers::future::sleep(Duration::from_millis(25)).await;
            }
        }
    }

    fn adopt_me(self: &Rc<Self>, me: Me) {
        self.write(Write::Meta {
            key: MetaKey::Me,
            value: to_json(&me),
        });
        // Documents this person may no longer read leave the device.
        let readable: BTreeSet<DocumentId> = readable_docs(&me).collect();
        let held: Vec<DocumentId> = self.engine.borrow().document_ids().copied().collect();
        for doc in held.into_iter().filter(|d| !readable.contains(d)) {
            self.engine.borrow_mut().forget(&doc);
            self.profiles.borrow_mut().remove(&doc);
            self.write(Write::Forget(doc));
        }
        self.show_me(me);
        // Only a change of phase re-renders: setting it again would rebuild every screen (and
        // drop what is typed in them) each time the app asks who we are.
        if self.signals.phase.get_untracked() != Phase::SignedIn {
            self.signals.phase.set(Phase::SignedIn);
        }
        self.want_directory();
        self.update_pending();
        self.connect();
    }

    fn show_me(&self, me: Me) {
        self.signals.me.set(Some(me));
        // Which parts belong with which profile may have changed: read every profile again.
        self.profiles.borrow_mut().clear();
        self.reset_events();
        let held: Vec<DocumentId> = self.engine.borrow().document_ids().copied().collect();
        let held = self.refresh_events(held);
        self.refresh_profiles(held);
        self.read_pass_authority();
    }

    fn want_directory(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let mut effects = Vec::new();
        {
            let mut engine = self.engine.borrow_mut();
            for doc in readable_docs(&me) {
                if !engine.has_doc(&doc) {
                    effects.extend(engine.want(doc));
                }
            }
        }
        self.perform(effects);
    }

    // ---- documents --------------------------------------------------------------------------

    /// The signed-in person's own profile (all its parts), once it is on this device.
    pub fn my_profile(&self) -> Option<Profile> {
        let me = self.signals.me.get_untracked()?;
        let parts = PartIndex::new(&me);
        read_member(
            &self.engine.borrow(),
            parts.of(me.profile_doc),
            me.profile_doc,
        )?
        .ok()
    }

    /// Whom the person shows each field to, as chosen in their private part.
    pub fn my_visibility(&self) -> Visibility {
        let engine = self.engine.borrow();
        self.signals
            .me
            .with_untracked(|me| me.as_ref().and_then(|me| own_part(me, Audience::OnlyMe)))
            .and_then(|doc| engine.doc(&doc).map(Visibility::read))
            .unwrap_or_default()
    }

    /// Saves the person's profile and visibility choices: each field into the part of its
    /// audience, one change per part that differs (only differing fields are written).
    pub fn save_profile(&self, profile: &Profile, visibility: &Visibility) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let defaults = self.default_visibility();
        let mut effects = Vec::new();
        let mut changed = Vec::new();
        for audience in Audience::ALL {
            let Some(doc) = own_part(&me, audience) else {
                continue;
            };
            if !self.engine.borrow().has_doc(&doc) {
                // Not on this device yet (a first sync still running): saved with the next edit.
                continue;
            }
            let result = self.engine.borrow_mut().change(doc, |tx| {
                profile.write_part(audience, visibility, &defaults, tx)?;
                if audience == Audience::OnlyMe {
                    visibility.write_to(tx)?;
                }
                Ok::<_, tsunagu_core::profile::ProfileError>(())
            });
            match result {
                Ok(more) if more.is_empty() => {}
                Ok(more) => {
                    changed.push(doc);
                    effects.extend(more);
                }
                Err(e) => {
                    log(&format!("saving the profile failed: {e}"));
                    self.signals.save.set(SaveState::Failed);
                    return;
                }
            }
        }
        if changed.is_empty() {
            // Nothing differed; what is on disk (or about to be) is already this.
            if !self.profile_unflushed.get() {
                self.signals.save.set(SaveState::Saved);
            }
            return;
        }
        self.profile_unflushed.set(self.queue.is_some());
        for doc in changed {
            if self.outbox.borrow_mut().insert(doc) {
                self.write(Write::OutboxAdd(doc));
            }
        }
        self.perform(effects);
        if self.queue.is_none() {
            self.signals.save.set(SaveState::Failed);
        }
    }

    // ---- effects ----------------------------------------------------------------------------

    /// Performs engine effects in order.
    pub(crate) fn perform(&self, effects: Vec<Effect>) {
        let mut changed = Vec::new();
        let mut sent = false;
        for effect in effects {
            match effect {
                Effect::Send { conn, message } => {
                    if self.conn.get() == Some(conn) {
                        self.link.send(message.encode());
                        sent = true;
                    }
                }
                Effect::Close { conn, reason } => {
                    log(&format!("closing the relay connection: {reason}"));
                    if self.conn.get() == Some(conn) {
                        self.link.close();
                    }
                }
                Effect::Ready { .. } => {
                    self.link.ready();
                    self.signals.link.set(Link::Online);
                }
                Effect::Persist { doc, chunk } => self.write(Write::Chunk { doc, chunk }),
                Effect::SaveSyncState { peer, doc, state } => {
                    self.write(Write::SyncState { peer, doc, state })
                }
                Effect::DocChanged { doc } => changed.push(doc),
                // The relay makes every document a member may read; one it does not serve was
                // erased or is no longer readable, and the next `GET /api/me` drops it.
                Effect::Unavailable { doc } => log(&format!("the relay does not serve {doc}")),
                Effect::Rejected { doc, reason } => {
                    log(&format!("the relay refused a change to {doc}: {reason}"));
                    // The engine dropped its copy and asked for the relay's; every other
                    // document keeps its pending changes.
                    self.outbox.borrow_mut().remove(&doc);
                    self.write(Write::Forget(doc));
                    // A document the relay rewrote (it alone writes it) is simply fetched
                    // again: the member did nothing that was refused.
                    if !reason.starts_with(tsunagu_core::api::DOCUMENT_RESET) {
                        self.signals.refused.set(Some(reason));
                    }
                    changed.push(doc);
                }
            }
        }
        if sent {
            self.mark_busy();
        }
        if !changed.is_empty() {
            let organisation_changed = self.signals.me.with_untracked(|me| {
                me.as_ref()
                    .and_then(|m| m.organisation_doc)
                    .is_some_and(|org| changed.contains(&org))
            });
            let changed = self.refresh_events(changed);
            self.refresh_profiles(changed);
            self.signals.docs_version.update(|v| *v += 1);
            if organisation_changed {
                self.organisation_changed();
            }
        }
        self.update_pending();
    }

    fn write(&self, write: Write) {
        if let Some(queue) = &self.queue {
            queue.push(write);
        }
    }

    fn update_pending(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let pending = self.engine.borrow().pending_changes(&me.relay_storage);
        if pending == 0 && !self.outbox.borrow().is_empty() {
            // Per-document counts are not exposed by the engine; zero overall means every
            // document in the outbox is acknowledged.
            self.outbox.borrow_mut().clear();
            self.write(Write::OutboxClear);
        }
        if self.signals.pending.get_untracked() != pending {
            self.signals.pending.set(pending);
        }
    }

    /// Reads again the profiles that `docs` (main documents or parts) belong to.
    fn refresh_profiles(&self, docs: Vec<DocumentId>) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        // One pass over the parts, not one per document: a first sync changes thousands.
        let parts = PartIndex::new(&me);
        let mains: BTreeSet<DocumentId> = docs.iter().map(|doc| parts.profile_of(*doc)).collect();
        {
            let engine = self.engine.borrow();
            let mut profiles = self.profiles.borrow_mut();
            for doc in mains {
                match read_member(&engine, parts.of(doc), doc) {
                    Some(Ok(profile)) => {
                        let hay = haystack(&profile);
                        profiles.insert(doc, (profile, hay));
                    }
                    Some(Err(e)) => log(&format!("{doc} is not a readable profile: {e}")),
                    None => {
                        profiles.remove(&doc);
                    }
                }
            }
        }
        self.publish_directory();
    }

    fn publish_directory(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let profiles = self.profiles.borrow();
        let mut seen = BTreeSet::new();
        let entries: Vec<Entry> = me
            .directory
            .iter()
            .chain([&me.profile_doc])
            .filter(|d| seen.insert(**d))
            .filter_map(|d| profiles.get(d).map(|(p, h)| (*d, p.clone(), h.clone())))
            .collect();
        self.signals.directory.set(entries);
    }

    fn mark_busy(&self) {
        let generation = self.busy_generation.get() + 1;
        self.busy_generation.set(generation);
        if !self.signals.busy.get_untracked() {
            self.signals.busy.set(true);
        }
        let (busy, latest) = (self.signals.busy, Rc::clone(&self.busy_generation));
        // Only the timer of the newest message clears the flag.
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::sleep(BUSY_FOR).await;
            if latest.get() == generation {
                busy.set(false);
            }
        });
    }
}

/// Every document the person may read: profiles, their parts, the organisation's document,
/// events (with rosters and check-in logs for their staff), their answers and passes.
fn readable_docs(me: &Me) -> impl Iterator<Item = DocumentId> + '_ {
    me.directory
        .iter()
        .copied()
        .chain([me.profile_doc])
        .chain(me.parts.iter().map(|p| p.doc))
        .chain(me.organisation_doc)
        .chain(events::readable(me))
}

/// The person's own document for `audience`'s fields.
fn own_part(me: &Me, audience: Audience) -> Option<DocumentId> {
    if audience == Audience::Everyone {
        return Some(me.profile_doc);
    }
    me.parts
        .iter()
        .find(|p| p.profile == me.profile_doc && p.audience == audience)
        .map(|p| p.doc)
}

/// Which profile each readable part belongs with, and each profile's parts in audience order.
struct PartIndex<'a> {
    profile_of: HashMap<DocumentId, DocumentId>,
    parts_of: HashMap<DocumentId, Vec<&'a ProfilePart>>,
}

impl<'a> PartIndex<'a> {
    fn new(me: &'a Me) -> Self {
        let mut parts_of: HashMap<DocumentId, Vec<&ProfilePart>> = HashMap::new();
        for part in &me.parts {
            parts_of.entry(part.profile).or_default().push(part);
        }
        for parts in parts_of.values_mut() {
            parts.sort_by_key(|p| p.audience);
        }
        Self {
            profile_of: me.parts.iter().map(|p| (p.doc, p.profile)).collect(),
            parts_of,
        }
    }

    /// The main profile document `doc` belongs with (itself, for a main document).
    fn profile_of(&self, doc: DocumentId) -> DocumentId {
        self.profile_of.get(&doc).copied().unwrap_or(doc)
    }

    /// The parts of the profile `main`, in audience order.
    fn of(&self, main: DocumentId) -> &[&'a ProfilePart] {
        self.parts_of.get(&main).map_or(&[], Vec::as_slice)
    }
}

/// A member's profile from the main document `main` and whichever of its `parts` this device
/// holds; `None` while the main document has not arrived.
fn read_member(
    engine: &Engine,
    parts: &[&ProfilePart],
    main: DocumentId,
) -> Option<Result<Profile, tsunagu_core::profile::ProfileError>> {
    let first = engine.doc(&main).filter(|d| !d.get_heads().is_empty())?;
    let docs = std::iter::once(first).chain(
        parts
            .iter()
            .filter_map(|p| engine.doc(&p.doc))
            .filter(|d| !d.get_heads().is_empty()),
    );
    Some(Profile::read_parts(docs))
}

/// The handle screens get from context: signals to read, and the few things they may ask for.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub signals: Signals,
    runtime: StoredValue<Option<Rc<Runtime>>, LocalStorage>,
}

impl Client {
    pub fn new(signals: Signals) -> Self {
        Self {
            signals,
            runtime: StoredValue::new_local(None),
        }
    }

    pub fn attach(&self, runtime: Rc<Runtime>) {
        self.runtime.set_value(Some(runtime));
    }

    fn runtime(&self) -> Option<Rc<Runtime>> {
        self.runtime.try_get_value().flatten()
    }

    pub fn my_profile(&self) -> Option<Profile> {
        self.runtime().and_then(|rt| rt.my_profile())
    }

    pub fn save_profile(&self, profile: &Profile, visibility: &Visibility) {
        if let Some(rt) = self.runtime() {
            rt.save_profile(profile, visibility);
        }
    }

    pub fn my_visibility(&self) -> Visibility {
        self.runtime()
            .map(|rt| rt.my_visibility())
            .unwrap_or_default()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(), AppError> {
        match self.runtime() {
            Some(rt) => rt.sign_in(email, password).await,
            None => Err(AppError::StorageUnavailable(
                "the app is still starting".into(),
            )),
        }
    }

    /// Adopts the session a passkey sign-in opened, as [`Self::sign_in`] does a password's.
    pub async fn signed_in(&self, me: Me) -> Result<(), AppError> {
        match self.runtime() {
            Some(rt) => {
                rt.signed_in(me).await;
                Ok(())
            }
            None => Err(AppError::StorageUnavailable(
                "the app is still starting".into(),
            )),
        }
    }

    pub fn sign_out(&self) {
        if let Some(rt) = self.runtime() {
            wasm_bindgen_futures::spawn_local(rt.sign_out());
        }
    }

    /// Signs out on every device; on success this one wipes itself and reloads.
    pub async fn sign_out_everywhere(&self) -> Result<(), AppError> {
        match self.runtime() {
            Some(rt) => rt.sign_out_everywhere().await,
            None => Err(AppError::Offline),
        }
    }

    /// Deletes the account; on success this device wipes itself and reloads.
    pub async fn delete_account(&self) -> Result<(), AppError> {
        match self.runtime() {
            Some(rt) => rt.delete_account().await,
            None => Err(AppError::Offline),
        }
    }

    /// Hides from the directory (or lists again), then asks the relay who we are.
    pub async fn set_directory_hidden(&self, hidden: bool) -> Result<(), AppError> {
        api::set_directory_hidden(hidden).await?;
        if let Some(rt) = self.runtime() {
            rt.refresh_me();
        }
        Ok(())
    }

    /// This device's storage id, which the relay's device list is keyed by.
    pub fn device_storage(&self) -> Option<StorageId> {
        self.runtime().map(|rt| rt.device_storage())
    }

    /// Answers going (or not) to an event; saved on this device and synced later.
    pub fn answer_rsvp(&self, event: DocumentId, going: bool) -> Result<(), AppError> {
        self.runtime()
            .ok_or(AppError::NotSynced)?
            .answer_rsvp(event, going)
    }

    /// Chooses whether the person's name is listed among who is going to `event`.
    pub fn show_name(&self, event: DocumentId, show: bool) -> Result<(), AppError> {
        self.runtime()
            .ok_or(AppError::NotSynced)?
            .show_name(event, show)
    }

    /// Saves an edited event (admins) as one change.
    pub fn save_event(&self, doc: DocumentId, event: &Event) -> Result<(), AppError> {
        self.runtime()
            .ok_or(AppError::NotSynced)?
            .save_event(doc, event)
    }

    /// Records a self check-in with the venue code the person scanned; saved on this device
    /// and synced later, when the relay admits them.
    pub fn arrive(&self, event: DocumentId, code: &str) -> Result<(), AppError> {
        self.runtime()
            .ok_or(AppError::NotSynced)?
            .arrive(event, code)
    }

    /// The venue code of `event` from the relay, remembered on this device for the door.
    pub async fn fetch_venue_code(&self, event: DocumentId) -> Result<String, AppError> {
        match self.runtime() {
            Some(rt) => rt.fetch_venue_code(event).await,
            None => Err(AppError::Offline),
        }
    }

    /// The person looked at their list of events.
    pub fn note_events_known(&self) {
        if let Some(rt) = self.runtime() {
            rt.note_events_known();
        }
    }

    /// The person was told of the seat they now hold for `event`.
    pub fn acknowledge_seat(&self, event: DocumentId) {
        if let Some(rt) = self.runtime() {
            rt.acknowledge_seat(event);
        }
    }

    /// Remembers the event as the person has now seen it.
    pub fn mark_event_seen(&self, doc: DocumentId, event: &Event) {
        if let Some(rt) = self.runtime() {
            rt.mark_event_seen(doc, event);
        }
    }

    /// Creates an event (admins: a draft; anyone else: a proposal); needs the relay.
    pub async fn create_event(&self, new: NewEvent) -> Result<EventRef, AppError> {
        match self.runtime() {
            Some(rt) => rt.create_event(new).await,
            None => Err(AppError::Offline),
        }
    }

    pub fn set_language(&self, language: &str) {
        if let Some(rt) = self.runtime() {
            rt.write(Write::Meta {
                key: MetaKey::Language,
                value: language.to_owned(),
            });
        }
    }
}

fn to_json(me: &Me) -> String {
    // Serialising plain strings and ids cannot fail.
    serde_json::to_string(me).unwrap_or_default()
}

pub(crate) fn log(message: &str) {
    web_sys::console::warn_1(&message.into());
}

pub(crate) fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Set for the sign-in screen to say why the device was emptied.
pub(crate) const FAREWELL_KEY: &str = "tsunagu-farewell";

/// Why this device wiped itself; the sign-in screen says so after the reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Farewell {
    DeviceRemoved,
    AccountDeleted,
}

impl Farewell {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Farewell::DeviceRemoved => "device-removed",
            Farewell::AccountDeleted => "account-deleted",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        [Farewell::DeviceRemoved, Farewell::AccountDeleted]
            .into_iter()
            .find(|f| f.key() == key)
    }
}

/// Deletes the IndexedDB database and every Cache Storage entry of this origin.
async fn delete_everything(window: &web_sys::Window) {
    if let Ok(Some(factory)) = window.indexed_db()
        && let Ok(request) = factory.delete_database(DB_NAME)
    {
        // The deletion finishes once this page's own connection closes (on reload); wait for
        // it, or for the browser to say it is blocked on that connection.
        let done = js_sys::Promise::new(&mut |resolve, _| {
            request.set_onsuccess(Some(&resolve));
            request.set_onerror(Some(&resolve));
            request.set_onblocked(Some(&resolve));
        });
        let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    }
    if let Ok(caches) = window.caches()
        && let Ok(keys) = wasm_bindgen_futures::JsFuture::from(caches.keys()).await
    {
        for key in js_sys::Array::from(&keys).iter() {
            if let Some(name) = key.as_string() {
                let _ = wasm_bindgen_futures::JsFuture::from(caches.delete(&name)).await;
            }
        }
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
