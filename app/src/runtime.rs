//! The runtime: the bridge between the reactive UI and the outside world (IndexedDB, the relay).
//!
//! It is three layers, each in its own file (docs/architecture.md draws them):
//!
//! - the sync link ([`crate::sync`]) owns the socket and its back-off and reports
//!   [`LinkEvent`](crate::sync::LinkEvent)s, which `connection.rs` hands to the engine;
//! - the documents ([`documents`]): the sans-IO [`Engine`], the write queue and the outbox, with
//!   the one way to make a local change ([`Runtime::commit`]); [`Runtime::perform`] carries out
//!   the [`Effect`]s every engine call returns, in order — bytes to the link, chunks and sync
//!   states to the write queue, and `DocChanged` to the features' projections;
//! - the features, which read documents into [`Signals`] and edit them through `commit`:
//!   `session.rs` (who is signed in, wiping the device) and `profiles.rs` (the directory and the
//!   person's own profile) here; `events.rs`, `checkin.rs`, `organisation.rs`, `messages.rs`,
//!   `news.rs` and `photos.rs` behind [`features::Features`], whose code a split build fetches
//!   once someone is signed in, so the first screen never waits for it.
//!
//! Screens only read [`Signals`] and call [`Client`]; they never touch the engine, the socket or
//! the database themselves (like Leptos todomvc's storage `Effect`, this is the one place that
//! does).

mod checkin;
mod client;
mod connection;
mod documents;
mod events;
mod features;
mod jobs;
mod messages;
mod news;
mod organisation;
mod photos;
mod profiles;
mod session;

pub use client::Client;
pub(crate) use events::now;
pub use messages::ConversationEntry;
pub(crate) use messages::now_ms;
pub use news::NewsEntry;
pub(crate) use session::{FAREWELL_KEY, Farewell};

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::{Rc, Weak};
use std::time::Duration;

use automerge::ActorId;
use leptos::prelude::*;
use tsunagu_core::api::Me;
use tsunagu_core::engine::{ConnId, Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId, StorageId, random_bytes};
use tsunagu_core::profile::Profile;

use crate::error::AppError;
use crate::state::{EventEntry, Link, Phase, Signals, StorageHealth};
use crate::store::queue::{FlushOutcome, WriteQueue};
use crate::store::{DB_NAME, Loaded, MetaKey, Store, Write};
use crate::sync::SyncLink;
use documents::Documents;
use profiles::ProfileSave;
use session::to_json;

/// How long the indicator keeps saying "syncing" after the last message.
const BUSY_FOR: Duration = Duration::from_millis(600);

pub struct Runtime {
    pub(crate) signals: Signals,
    /// The engine, the write queue and the outbox; every local edit goes through it.
    docs: Documents,
    /// The socket to the relay; it reports to [`Self::on_link`].
    link: SyncLink,
    /// The engine's connection for the socket that is open now.
    conn: Cell<Option<ConnId>>,
    profiles: RefCell<HashMap<DocumentId, (Profile, String)>>,
    /// Every readable event that has arrived, as last read.
    events: RefCell<BTreeMap<DocumentId, EventEntry>>,
    /// Every conversation the inbox lists, as last read.
    conversations: RefCell<BTreeMap<DocumentId, ConversationEntry>>,
    /// Every news post the person may read, as last read.
    news: RefCell<BTreeMap<DocumentId, NewsEntry>>,
    /// The posts whose opening the relay was told of since this page loaded.
    news_reported: RefCell<BTreeSet<DocumentId>>,
    /// Effects of asking for documents the inbox or a conversation newly named, performed in
    /// the next round of [`Self::perform`].
    wanted: RefCell<Vec<Effect>>,
    busy_generation: Rc<Cell<u64>>,
    /// The one owner of the profile editor's save state.
    save: Rc<ProfileSave>,
    /// This device's storage id: the relay lists and revokes devices by it.
    device_storage: StorageId,
    /// Sessions opened on this page (sign-ins), so an answer about an older one is ignored.
    sessions_opened: Cell<u64>,
    /// The session (of [`Self::sessions_opened`]) this device's push subscription was last
    /// sent with: the relay keeps it only as long as that session.
    push_renewed: Cell<Option<u64>>,
    /// The person's photos on their way to the relay.
    uploads: photos::Uploads,
    /// This runtime, for work a synchronous handler starts and finishes later.
    this: Weak<Self>,
    /// The relay said a post came out, and the app will ask which posts it may read.
    news_check: Cell<bool>,
    /// The features' part of the runtime, fetched once someone is signed in.
    features: features::Loader,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("docs", &self.docs)
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
        // Settings and documents are read at once; what cannot be read is logged and the start
        // goes on without it (documents are fetched again from the relay).
        let (settings, loaded) = match &store {
            Some(store) => store.read_start().await,
            None => (Ok(Vec::new()), Ok(Loaded::default())),
        };
        let mut settings = settings.unwrap_or_else(|e| {
            log(&format!("reading settings: {e}"));
            Vec::new()
        });
        let Loaded {
            docs,
            sync_states,
            outbox,
        } = loaded.unwrap_or_else(|e| {
            log(&format!("loading device storage: {e}"));
            Loaded::default()
        });
        let mut meta = |key| {
            let at = settings.iter().position(|(k, _)| *k == key)?;
            Some(settings.swap_remove(at).1)
        };
        let mut first_writes = Vec::new();
        let storage_id = match meta(MetaKey::StorageId) {
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
        let actor = match meta(MetaKey::ActorId).and_then(|hex| hex.parse::<ActorId>().ok()) {
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
        let cached_me: Option<Me> =
            meta(MetaKey::Me).and_then(|json| serde_json::from_str(&json).ok());
        let language = meta(MetaKey::Language);
        // What the features kept is read now and taken up when their code is here.
        let features = features::Loader::default();
        for key in features::KEPT {
            if let Some(json) = meta(key) {
                features.keep(key, json);
            }
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
        for (doc, chunks) in &docs {
            if let Err(e) = engine.load(*doc, chunks) {
                // A corrupt document is fetched again from the relay.
                log(&format!("skipping stored {doc}: {e}"));
            }
        }
        for (peer, doc, state) in &sync_states {
            if engine.has_doc(doc)
                && let Err(e) = engine.load_sync_state(peer.clone(), *doc, state)
            {
                log(&format!("skipping sync state of {doc}: {e}"));
            }
        }
        // A profile save waits for its chunk to reach the disk before it says "saved"; other
        // writes (sync states, settings) flushing meanwhile must not claim that.
        let save = Rc::new(ProfileSave::new(signals.save));
        let flushed = Rc::clone(&save);
        let queue = store.map(|store| {
            WriteQueue::new(store, move |outcome| {
                match &outcome {
                    FlushOutcome::Saved => signals.storage.update(|h| {
                        if *h == StorageHealth::Full {
                            *h = StorageHealth::Ok;
                        }
                    }),
                    FlushOutcome::Failed(e) => {
                        log(&format!("saving to device storage failed, will retry: {e}"));
                        signals.storage.set(if *e == AppError::QuotaExceeded {
                            StorageHealth::Full
                        } else {
                            StorageHealth::Unavailable
                        });
                    }
                }
                flushed.flushed(&outcome);
            })
        });

        let rt = Rc::new_cyclic(|weak: &Weak<Self>| Self {
            signals,
            docs: Documents::new(engine, queue, outbox),
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
            conversations: RefCell::new(BTreeMap::new()),
            news: RefCell::new(BTreeMap::new()),
            news_reported: RefCell::new(BTreeSet::new()),
            wanted: RefCell::new(Vec::new()),
            busy_generation: Rc::new(Cell::new(0)),
            save,
            device_storage,
            sessions_opened: Cell::new(0),
            push_renewed: Cell::new(None),
            uploads: photos::Uploads::default(),
            this: Weak::clone(weak),
            news_check: Cell::new(false),
            features,
        });
        for write in first_writes {
            rt.docs.write(write);
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

    /// The storage id the relay knows this device by.
    pub(crate) fn device_storage(&self) -> StorageId {
        self.device_storage.clone()
    }

    fn adopt_me(self: &Rc<Self>, me: Me) {
        self.docs.write(Write::Meta {
            key: MetaKey::Me,
            value: to_json(&me),
        });
        self.forget_unreadable(&me);
        self.show_me(me);
        // Only a change of phase re-renders: setting it again would rebuild every screen (and
        // drop what is typed in them) each time the app asks who we are.
        if self.signals.phase.get_untracked() != Phase::SignedIn {
            self.signals.phase.set(Phase::SignedIn);
        }
        self.want_directory();
        self.update_pending();
        self.connect();
        if let Some(features) = self.features() {
            features.signed_in(self);
        }
        let session = self.sessions_opened.get();
        if self.push_renewed.replace(Some(session)) != Some(session) {
            let rt = Rc::clone(self);
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = crate::push::renew().await {
                    // Tried again the next time the relay says who we are.
                    rt.push_renewed.set(None);
                    log(&format!("could not renew this device's notifications: {e}"));
                }
            });
        }
    }

    fn show_me(&self, me: Me) {
        self.signals.me.set(Some(me));
        // Which parts belong with which profile may have changed: read every profile again.
        self.profiles.borrow_mut().clear();
        let rest = match self.features() {
            Some(features) => self.reread_features(features),
            None => self.held_docs(),
        };
        self.refresh_profiles(rest);
    }

    /// Every document on this device.
    fn held_docs(&self) -> Vec<DocumentId> {
        self.docs.engine().document_ids().copied().collect()
    }

    /// Has the features read every held document afresh (the person changed, or the features
    /// just arrived); returns the documents that are not theirs.
    fn reread_features(&self, features: &dyn features::Features) -> Vec<DocumentId> {
        features.reset(self);
        let rest = features.refresh(self, self.held_docs());
        features.organisation_changed(self);
        rest
    }

    /// Documents the person may no longer read leave the device. Conversations leave when their
    /// inbox stops listing them, which only the features can tell: until they are here, nothing
    /// leaves.
    fn forget_unreadable(&self, me: &Me) {
        if self.features().is_none() {
            return;
        }
        let readable: BTreeSet<DocumentId> = readable_docs(me).chain(self.message_docs()).collect();
        for doc in self
            .held_docs()
            .into_iter()
            .filter(|d| !readable.contains(d))
        {
            self.docs.engine_mut().forget(&doc);
            self.profiles.borrow_mut().remove(&doc);
            self.docs.write(Write::Forget(doc));
        }
    }

    fn want_directory(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let mut effects = Vec::new();
        {
            let mut engine = self.docs.engine_mut();
            for doc in readable_docs(&me) {
                if !engine.has_doc(&doc) {
                    effects.extend(engine.want(doc));
                }
            }
        }
        self.perform(effects);
    }

    // ---- effects ----------------------------------------------------------------------------

    /// Performs engine effects in order, then whatever they lead to: a changed organisation
    /// document can move the person's fields to other parts, and those changes are performed
    /// here too, one round after the other (never by a save from inside a perform).
    pub(crate) fn perform(&self, effects: Vec<Effect>) {
        let mut effects = effects;
        loop {
            let organisation_changed = self.perform_round(effects);
            effects = self.wanted.take();
            if organisation_changed {
                if let Some(features) = self.features() {
                    features.organisation_changed(self);
                }
                effects.extend(self.regroup_profile().unwrap_or_default());
            }
            if effects.is_empty() {
                break;
            }
        }
        self.update_pending();
    }

    /// One round of [`Self::perform`]; says whether the organisation's document changed.
    fn perform_round(&self, effects: Vec<Effect>) -> bool {
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
                Effect::Persist { doc, chunk, .. } => self.docs.write(Write::Chunk { doc, chunk }),
                Effect::SaveSyncState { peer, doc, state } => {
                    self.docs.write(Write::SyncState { peer, doc, state })
                }
                Effect::DocChanged { doc } => changed.push(doc),
                // The relay makes every document a member may read; one it does not serve was
                // erased or is no longer readable, and the next `GET /api/me` drops it.
                Effect::Unavailable { doc } => log(&format!("the relay does not serve {doc}")),
                // Typing, or a post came out: nothing to show before the features are here.
                Effect::Ephemeral { doc, ephemeral, .. } => {
                    if let Some(features) = self.features() {
                        features.ephemeral(self, doc, &ephemeral.data);
                    }
                }
                // Only a relay is asked for a summary; this device asks.
                Effect::Summary { .. } => {}
                Effect::Rejected { doc, reason } => {
                    log(&format!("the relay refused a change to {doc}: {reason}"));
                    // The engine dropped its copy and asked for the relay's; every other
                    // document keeps its pending changes.
                    self.docs.forget_rejected(doc);
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
        if changed.is_empty() {
            return false;
        }
        let organisation_changed = self.signals.me.with_untracked(|me| {
            me.as_ref()
                .and_then(|m| m.organisation_doc)
                .is_some_and(|org| changed.contains(&org))
        });
        let changed = match self.features() {
            Some(features) => features.refresh(self, changed),
            None => changed,
        };
        self.refresh_profiles(changed);
        self.signals.docs_version.update(|v| *v += 1);
        organisation_changed
    }

    /// Makes one local change to `doc` and performs it: the chunk goes to disk, then to the
    /// relay. Every feature's edit ends here ([`Documents::change`]).
    /// The person's own document `pick` names (their answers, their applications), once the
    /// relay has sent it: writing into a document the relay has not sent would fork its history.
    pub(super) fn own_doc(
        &self,
        pick: impl Fn(&Me) -> Option<DocumentId>,
    ) -> Result<DocumentId, AppError> {
        let doc = self
            .signals
            .me
            .with_untracked(|me| me.as_ref().and_then(&pick))
            .ok_or(AppError::NotSynced)?;
        if !self.docs.arrived(&doc) {
            return Err(AppError::NotSynced);
        }
        Ok(doc)
    }

    pub(super) fn commit<E: std::fmt::Display>(
        &self,
        doc: DocumentId,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), E>,
    ) -> Result<(), AppError> {
        let effects = self.docs.change(doc, edit)?;
        self.perform(effects);
        Ok(())
    }

    fn update_pending(&self) {
        let Some(me) = self.signals.me.get_untracked() else {
            return;
        };
        let pending = self.docs.pending(&me.relay_storage);
        if self.signals.pending.get_untracked() != pending {
            self.signals.pending.set(pending);
            if let Some(features) = self.features() {
                features.pending_changed(self);
            }
        }
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
/// events (with rosters and check-in logs for their staff), their answers and passes, and their
/// inbox (which names their conversations), and the news posts meant for them.
fn readable_docs(me: &Me) -> impl Iterator<Item = DocumentId> + '_ {
    profiles::members(me)
        .chain(me.parts.iter().map(|p| p.doc))
        .chain(me.organisation_doc)
        .chain(events::readable(me))
        .chain(me.inbox_doc)
        .chain(news::readable(me))
}

pub(crate) fn log(message: &str) {
    web_sys::console::warn_1(&message.into());
}

pub(crate) fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}
