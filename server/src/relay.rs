//! The relay's one sync [`Engine`], shared by every WebSocket connection, and the bridge between
//! its effects and the world: SQLite for `Persist` / `SaveSyncState`, each connection's outbox for
//! `Send` / `Close`.
//!
//! ## Why one `tokio::sync::Mutex`, held while effects are performed
//! The engine's effects must be performed in order, and a `Send` may acknowledge — or carry heads
//! that include — a change whose `Persist` came before it. If the lock were released after the
//! CPU work, another connection's turn could advertise those heads (to the author, or to others)
//! before the commit landed, and a crash would then lose a change some peer was told was stored.
//! Holding the async lock until every effect of a message is done keeps "acknowledged only after
//! committed" true for all peers at once. SQLite takes one writer at a time anyway, so little
//! parallelism is lost; sending is a non-blocking `try_send` to a bounded outbox, so a slow
//! reader never holds the lock (it is disconnected when its outbox is full).
//!
//! A panic inside the engine is caught and closes only the connection whose message caused it.
//!
//! ## What a change means
//! Some accepted changes call for the relay to act (an admin's edit of an event, a member's
//! answers). The relay does not know which: the features listed when it is made
//! ([`Reactions`]) do. When the engine reports a document changed, the relay hands the change to
//! them right there, in the order of the effects, and commits what they write as the relay in one
//! transaction, so the sender's acknowledgement, queued after it, still only ever follows what was
//! committed ([`crate::reactions`] says what a reaction may and may not do). A feature may write
//! as the relay outside any member's change too ([`Relay::write`] runs its [`Job`]). A change that
//! alters who may read some documents has every connection's access to them decided again at once.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use automerge::{Automerge, Change, ChangeHash};
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};
use tsunagu_core::engine::{ConnId, Effect, Engine, Ephemeral, Guard};
use tsunagu_core::grants::Subject;
use tsunagu_core::ids::{DocumentId, StorageId};
use tsunagu_core::validate::{ActorBook, authorise};
use tsunagu_core::vocab::Role;
use tsunagu_core::wire::{Message, PeerMetadata};

use crate::access;
use crate::budget::Budgets;
use crate::config::Limits;
use crate::db::{self, DocumentRecord, Holding};
use crate::error::Error;
use crate::pass_keys::PassSigner;
use crate::reactions::{Changed, Job, Reactions, Settle};
use crate::relays::{Fellows, Notice};
use crate::scribe::{Scribe, Written};
use crate::telemetry::{self, Rejected};
use tsunagu_core::api::{
    DEVICE_REVOKED, DOCUMENT_FULL, DOCUMENT_RESET, PERMISSIONS_CHANGED, RELAY_RESTARTING,
    SESSION_ENDED, WRITING_TOO_FAST,
};

/// What a connection's send task writes to its socket.
#[derive(Debug)]
pub(crate) enum Outgoing {
    Frame(Vec<u8>),
    /// Send a close frame with this reason, then stop.
    Close(String),
}

/// What the engine made of a message: its effects, or the panic it raised.
type Received = Result<Vec<Effect>, Box<dyn std::any::Any + Send>>;

/// The largest ephemeral message passed on ("typing" is a few dozen bytes).
const MAX_EPHEMERAL_BYTES: usize = 1024;

/// The longest storage id a device may announce.
const MAX_STORAGE_ID_CHARS: usize = 128;

#[derive(Debug)]
struct Peer {
    user: String,
    /// The roles the member held when the socket opened.
    roles: Vec<Role>,
    /// Browser and system, from the upgrade request, for the member's device list.
    device_label: String,
    /// SHA-256 of the session token the socket was opened with.
    session: Vec<u8>,
    /// When that session expires (unix seconds): the socket closes then, idle or not.
    session_expires: i64,
    outbox: mpsc::Sender<Outgoing>,
    /// Fired to drop a connection at once (its outbox overflowed).
    kill: Option<oneshot::Sender<()>>,
    /// The documents this peer asked about, with what the grant table needs to know of each
    /// (`None`: unavailable to this member).
    docs: HashMap<DocumentId, Option<DocumentRecord>>,
    /// How many it asked about and may not read, against `Limits::unreadable_per_connection`.
    unreadable: usize,
}

#[derive(Debug)]
pub(crate) struct Relay {
    engine: Engine,
    db: AnyPool,
    limits: Limits,
    peers: HashMap<ConnId, Peer>,
    /// (device storage, document) pairs whose stored sync state the engine already has.
    sync_loaded: HashSet<(StorageId, DocumentId)>,
    /// Which member each actor id belongs to.
    actors: ActorBook,
    /// The organisation's key for tickets and ID cards.
    key: PassSigner,
    /// What the copy of each document in memory holds of its stored chunks (their size is what
    /// the per-document quotas judge), kept up to date as chunks are persisted and merged.
    stored: HashMap<DocumentId, Holding>,
    /// Bytes of changes each member may still send ([`Limits::member_write_bytes`]).
    written: Budgets<String>,
    /// What the features make of accepted changes, asked in this order.
    features: Arc<[Box<dyn Reactions>]>,
    /// Wakes the push sender when a transaction queued notifications.
    push_wake: Option<Arc<tokio::sync::Notify>>,
    /// How many sockets each member holds open (members with none are absent): the socket
    /// limit and "the app is open" for push read it.
    sockets: HashMap<String, usize>,
    /// Shutting down ([`Self::shut_down`]): a socket that opens now is closed at once.
    closing: bool,
    /// Sync states not yet written, the newest per (device, document): the relay reads them
    /// before the database, and [`tend`] writes them in batches.
    pending_states: HashMap<(StorageId, DocumentId), Vec<u8>>,
    /// When each document in memory was last asked about (a count of messages), so the least
    /// recently used leave first ([`Self::trim`]).
    used: HashMap<DocumentId, u64>,
    ticks: u64,
    /// The other relays on this database (PostgreSQL only; [`crate::relays`]).
    fellows: Option<Fellows>,
    /// Members whose first socket opened or last closed since the presence was last written
    /// (with other relays only).
    presence_changed: HashSet<String>,
}

impl Relay {
    /// `engine` must write as the relay's reserved actor: it writes passes and rosters.
    /// `features` react to accepted changes, in this order.
    pub(crate) fn new(
        engine: Engine,
        db: AnyPool,
        limits: Limits,
        actors: ActorBook,
        key: PassSigner,
        features: Vec<Box<dyn Reactions>>,
    ) -> Self {
        Self {
            written: Budgets::with_rate(limits.member_write_bytes),
            engine,
            db,
            limits,
            peers: HashMap::new(),
            sync_loaded: HashSet::new(),
            actors,
            key,
            stored: HashMap::new(),
            features: features.into(),
            push_wake: None,
            sockets: HashMap::new(),
            closing: false,
            pending_states: HashMap::new(),
            used: HashMap::new(),
            ticks: 0,
            fellows: None,
            presence_changed: HashSet::new(),
        }
    }

    /// Registers a new connection of `caller`, whose socket is fed from `outbox`.
    pub(crate) fn accept(
        &mut self,
        caller: Caller,
        outbox: mpsc::Sender<Outgoing>,
        kill: oneshot::Sender<()>,
    ) -> ConnId {
        let conn = self.engine.accept();
        let Caller {
            user,
            roles,
            device_label,
            session,
            session_expires,
        } = caller;
        let open = self.sockets.entry(user.clone()).or_default();
        *open += 1;
        if *open == 1 && self.fellows.is_some() {
            self.presence_changed.insert(user.clone());
        }
        self.peers.insert(
            conn,
            Peer {
                user,
                roles,
                device_label,
                session,
                session_expires,
                outbox,
                kill: Some(kill),
                docs: HashMap::new(),
                unreadable: 0,
            },
        );
        if self.closing {
            self.close(conn, restarting());
        }
        conn
    }

    /// The relay is stopping. Holding the relay means no message is half handled: everything
    /// acknowledged is committed. Every socket is closed with code 1012 (service restart), so
    /// the devices reconnect at once, to whichever relay answers next; one that opens from now
    /// on is closed the same way.
    pub(crate) fn shut_down(&mut self) {
        self.closing = true;
        let conns: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in conns {
            self.close(conn, restarting());
        }
    }

    /// How many sockets `user` holds open.
    pub(crate) fn sockets_of(&self, user: &str) -> usize {
        self.sockets.get(user).copied().unwrap_or(0)
    }

    /// Forgets the peer on `conn`, and its socket in its member's count.
    fn remove_peer(&mut self, conn: ConnId) -> Option<Peer> {
        let peer = self.peers.remove(&conn)?;
        if let Some(open) = self.sockets.get_mut(&peer.user) {
            *open -= 1;
            if *open == 0 {
                self.sockets.remove(&peer.user);
                if self.fellows.is_some() {
                    self.presence_changed.insert(peer.user.clone());
                }
            }
        }
        Some(peer)
    }

    /// The sync states waiting to be written, handed over to be written outside the relay's
    /// lock.
    pub(crate) fn take_sync_states(&mut self) -> HashMap<(StorageId, DocumentId), Vec<u8>> {
        std::mem::take(&mut self.pending_states)
    }

    /// With other relays: this relay's name, and the members whose app opened (`true`) or
    /// closed (`false`) here since the last call, for [`crate::relays::write_presence`].
    pub(crate) fn take_presence(&mut self) -> Option<(String, Vec<(String, bool)>)> {
        let me = self.fellows.as_ref()?.me.clone();
        let changed = std::mem::take(&mut self.presence_changed)
            .into_iter()
            .map(|user| {
                let online = self.sockets.contains_key(&user);
                (user, online)
            })
            .collect();
        Some((me, changed))
    }

    /// Sockets open, documents in memory and their stored size, for the operator's page.
    pub(crate) fn in_memory(&self) -> (usize, usize, usize) {
        let docs: Vec<&DocumentId> = self.engine.document_ids().collect();
        let bytes = docs
            .iter()
            .filter_map(|d| self.stored.get(*d))
            .map(|h| h.bytes)
            .sum();
        (self.peers.len(), docs.len(), bytes)
    }

    pub(crate) fn is_open(&self, conn: ConnId) -> bool {
        self.peers.contains_key(&conn)
    }

    /// The connection is gone (closed, dropped or failed): forget it. Calling it twice is harmless.
    pub(crate) fn disconnect(&mut self, conn: ConnId) {
        self.remove_peer(conn);
        self.engine.disconnect(conn);
        self.trim();
    }

    /// Drops `doc` from memory; it is loaded again from storage (with each device's stored sync
    /// state) when next asked for.
    fn unload(&mut self, doc: &DocumentId) {
        self.engine.forget(doc);
        self.forget_copy(doc);
    }

    /// Forgets what the relay noted about its copy of `doc` (the engine has dropped it).
    fn forget_copy(&mut self, doc: &DocumentId) {
        self.stored.remove(doc);
        self.used.remove(doc);
        self.sync_loaded.retain(|(_, d)| d != doc);
    }

    /// Lets the least recently used documents that no socket has open leave memory until what
    /// stays fits [`Limits::idle_document_bytes`] (sizes as stored). They are loaded again,
    /// with each device's stored sync state, when next asked for or written by the relay.
    fn trim(&mut self) {
        let size = |stored: &HashMap<DocumentId, Holding>, doc: &DocumentId| {
            stored.get(doc).map_or(0, |h| h.bytes)
        };
        let open: HashSet<DocumentId> = self
            .peers
            .values()
            .flat_map(|p| p.docs.keys().copied())
            .collect();
        let mut idle: Vec<(u64, DocumentId)> = self
            .engine
            .document_ids()
            .filter(|doc| !open.contains(doc))
            .map(|doc| (self.used.get(doc).copied().unwrap_or(0), *doc))
            .collect();
        let mut held: usize = idle.iter().map(|(_, doc)| size(&self.stored, doc)).sum();
        if held <= self.limits.idle_document_bytes {
            return;
        }
        idle.sort_unstable();
        for (_, doc) in idle {
            if held <= self.limits.idle_document_bytes {
                break;
            }
            held -= size(&self.stored, &doc);
            self.unload(&doc);
        }
    }

    /// Handles one decoded message from `conn` and performs every effect; returns whether the
    /// connection is still open.
    pub(crate) async fn receive(&mut self, conn: ConnId, message: Message) -> bool {
        let started = std::time::Instant::now();
        let open = self.handle(conn, message).await;
        metrics::histogram!(telemetry::SYNC_SECONDS).record(started.elapsed().as_secs_f64());
        open
    }

    async fn handle(&mut self, conn: ConnId, message: Message) -> bool {
        let Some((user, expires)) = self
            .peers
            .get(&conn)
            .map(|p| (p.user.clone(), p.session_expires))
        else {
            return false;
        };
        if expires <= db::now() {
            self.fail(conn, session_ended("the session expired")).await;
            return false;
        }
        let message = match message {
            Message::Join {
                sender,
                metadata,
                versions,
            } => match scope_storage(&user, metadata) {
                Ok(metadata) => Message::Join {
                    sender,
                    metadata,
                    versions,
                },
                Err(reason) => {
                    self.fail(conn, reason).await;
                    return false;
                }
            },
            other => other,
        };
        if let (Message::Request { doc, .. } | Message::Sync { doc, .. }, true) =
            (&message, self.engine.is_ready(conn))
        {
            let doc = *doc;
            match self.prepare(conn, &user, doc).await {
                Ok(true) => {}
                Ok(false) => {
                    let effects = self.engine.unavailable(conn, doc);
                    self.perform(effects).await.ok();
                    return self.is_open(conn);
                }
                Err(refusal) => {
                    self.refuse(conn, refusal).await;
                    return false;
                }
            }
        }
        // With other relays, a refused change may be one another relay stored and this one has
        // not merged yet (a device offering back what it synced there): catch up, then try once
        // more.
        let again = self.fellows.is_some().then(|| message.clone());
        let (mut received, mut refused) = self.receive_checked(conn, message);
        if let (Some(doc), Some(message)) = (refused, again)
            && matches!(self.catch_up(doc).await, Ok(true))
        {
            self.forget_claims();
            (received, refused) = self.receive_checked(conn, message);
        }
        if refused.is_some() {
            self.forget_claims();
        }
        if let Some(foreign) = self.store_claims().await {
            // Another relay registered this actor to someone else meanwhile: nothing of this
            // message is kept or sent.
            if let Ok(effects) = &received {
                for effect in effects {
                    if let Effect::Persist { doc, .. } = effect {
                        self.unload(doc);
                    }
                }
            }
            self.fail(conn, foreign).await;
            return false;
        }
        let Ok(effects) = received else {
            tracing::error!(
                conn,
                "the sync engine panicked on a message; closing that connection"
            );
            self.fail(conn, "the relay could not process this message".into())
                .await;
            return false;
        };
        if let Err(e) = self.perform(effects).await {
            tracing::error!(conn, error = %e, "could not store a change");
            self.fail(
                conn,
                "the relay could not store your change; it will be sent again".into(),
            )
            .await;
        }
        self.is_open(conn)
    }

    /// A session was signed out: its sockets are told so and closed, on every relay.
    pub(crate) async fn sign_out(&mut self, session: &[u8]) {
        self.decided(Notice::SignedOut {
            session: session.to_vec(),
        })
        .await;
    }

    /// Acts on what a request handled here decided, and tells the other relays to.
    async fn decided(&mut self, notice: Notice) {
        if let Some(fellows) = &self.fellows {
            fellows.tell(notice.clone());
        }
        // Boxed: acting on a change may write as the relay, which may decide again.
        Box::pin(self.apply(notice)).await;
    }

    /// Acts on a decision about sockets and documents (made here or by another relay).
    async fn apply(&mut self, notice: Notice) {
        match notice {
            Notice::Changed { doc } => {
                if let Err(e) = self.catch_up(doc).await {
                    tracing::warn!(%doc, error = %e, "could not catch up; reloaded when next asked");
                }
            }
            Notice::Rewritten { doc } => {
                let reason =
                    format!("{DOCUMENT_RESET}: the relay rewrote this document; fetch it again");
                let effects = self.engine.reset(&doc, &reason);
                self.forget_copy(&doc);
                self.perform(effects).await.ok();
            }
            Notice::SignedOut { session } => {
                self.fail_where(|p| p.session == session, &session_ended("signed out"))
                    .await;
            }
            Notice::MemberChanged { user } => {
                let reason = format!("{PERMISSIONS_CHANGED}: what this account may do changed");
                self.fail_where(|p| p.user == user, &reason).await;
            }
            Notice::OwnerChanged { user } => self.owner_changed_here(&user).await,
            Notice::ReadersChanged { docs } => self.redecide(&docs).await,
            Notice::NewsOut => self.news_out().await,
            Notice::DeviceRevoked { storage } => {
                let conns: Vec<ConnId> = self
                    .peers
                    .keys()
                    .copied()
                    .filter(|c| self.engine.remote_storage(*c) == Some(&storage))
                    .collect();
                self.fail_all(conns, &revoked_reason()).await;
            }
            Notice::AccountErased { user, docs, reason } => {
                self.owner_changed_here(&user).await;
                self.pending_states.retain(|(_, d), _| !docs.contains(d));
                for doc in &docs {
                    self.unload(doc);
                    for peer in self.peers.values_mut() {
                        peer.docs.remove(doc);
                    }
                }
                self.fail_where(|p| p.user == user, &reason).await;
            }
        }
    }

    /// Other relays on this database will tell this one what they decide and store.
    pub(crate) fn join_fellows(&mut self, fellows: Fellows) {
        self.fellows = Some(fellows);
    }

    /// What other relays told (in order; [`crate::relays::listen`]).
    pub(crate) async fn hear(&mut self, notices: Vec<Notice>) {
        for notice in notices {
            self.apply(notice).await;
        }
    }

    /// This relay may have missed what other relays told (its listening connection was lost):
    /// every document in memory catches up with storage, and every socket closes so its device
    /// reconnects and is admitted afresh (a sign-out or revocation may have been missed).
    pub(crate) async fn lost_track(&mut self) {
        let docs: Vec<DocumentId> = self.engine.document_ids().copied().collect();
        for doc in docs {
            if let Err(e) = self.catch_up(doc).await {
                tracing::warn!(%doc, error = %e, "could not catch up; dropped from memory");
                self.unload(&doc);
            }
        }
        let conns: Vec<ConnId> = self.peers.keys().copied().collect();
        for conn in conns {
            self.close(conn, restarting());
        }
    }

    /// Merges into the copy of `doc` in memory (if any) the chunks other relays stored since it
    /// last looked, and sends them to its readers. Returns whether anything was new.
    async fn catch_up(&mut self, doc: DocumentId) -> Result<bool, Error> {
        if !self.engine.has_doc(&doc) {
            return Ok(false);
        }
        let holding = self.stored.entry(doc).or_default();
        let fresh = holding.catch_up(&self.db, &doc).await?;
        if fresh.is_empty() {
            return Ok(false);
        }
        let effects = self.engine.merge_stored(doc, &fresh)?;
        self.perform(effects).await?;
        Ok(true)
    }

    /// Closes every socket whose session has expired by `now`, idle ones included (the relay
    /// checks this every minute, and at each message).
    pub(crate) async fn close_expired(&mut self, now: i64) {
        let reason = session_ended("the session expired");
        self.fail_where(|p| p.session_expires <= now, &reason).await;
    }

    /// What `user` may read or write changed (their roles): their sockets close, telling the app
    /// to ask who it is again and reconnect, so nothing is decided on the roles they held.
    pub(crate) async fn member_changed(&mut self, user: &str) {
        self.decided(Notice::MemberChanged {
            user: user.to_owned(),
        })
        .await;
    }

    /// Sends what the engine held back for peers that have not answered its last message.
    pub(crate) async fn release_held(&mut self) {
        let effects = self.engine.release_held();
        if let Err(e) = self.perform(effects).await {
            tracing::error!(error = %e, "could not send held changes");
        }
    }

    /// Tells the peer what went wrong (a protocol `error`) and closes its connection.
    pub(crate) async fn fail(&mut self, conn: ConnId, reason: String) {
        tracing::info!(conn, %reason, "closing a connection");
        let mut effects = Vec::new();
        self.engine.fail(conn, reason, &mut effects);
        self.perform(effects).await.ok();
        self.disconnect(conn);
    }

    /// Decides whether `user` may read `doc` (once per connection) and, if so, makes sure the
    /// engine holds the document and this device's stored sync state for it.
    async fn prepare(
        &mut self,
        conn: ConnId,
        user: &str,
        doc: DocumentId,
    ) -> Result<bool, Refusal> {
        if !self.decide(conn, user, doc).await? {
            return Ok(false);
        }
        self.ticks += 1;
        self.used.insert(doc, self.ticks);
        if !self.engine.has_doc(&doc) {
            let started = std::time::Instant::now();
            let (holding, chunks) = Holding::load(&self.db, &doc)
                .await
                .map_err(Refusal::storage(doc))?;
            telemetry::database_time("load", started);
            self.engine
                .load(doc, &chunks)
                .map_err(Refusal::storage(doc))?;
            self.stored.insert(doc, holding);
        }
        if let Some(storage) = self.engine.remote_storage(conn).cloned() {
            let key = (storage, doc);
            if !self.sync_loaded.contains(&key) {
                let stored = match self.pending_states.get(&key) {
                    Some(pending) => Some(pending.clone()),
                    None => db::sync_state(&self.db, &key.0, &doc)
                        .await
                        .map_err(Refusal::storage(doc))?,
                };
                if let Some(bytes) = stored
                    && let Err(e) = self.engine.load_sync_state(key.0.clone(), doc, &bytes)
                {
                    // Only costs a fuller sync with this device.
                    tracing::warn!(%doc, error = %e, "ignoring a corrupt stored sync state");
                }
                self.sync_loaded.insert(key);
            }
        }
        Ok(true)
    }

    /// Decides whether `user` may read `doc` (once per connection; [`Self::redecide`] again
    /// when its readers change), and remembers it for the connection.
    async fn decide(&mut self, conn: ConnId, user: &str, doc: DocumentId) -> Result<bool, Refusal> {
        let known = self
            .peers
            .get(&conn)
            .and_then(|p| p.docs.get(&doc))
            .map(Option::is_some);
        let readable = match known {
            Some(readable) => readable,
            None => {
                let record = db::document(&self.db, &doc, user)
                    .await
                    .map_err(Refusal::storage(doc))?;
                let roles = self.peers.get(&conn).map_or(&[][..], |p| &p.roles[..]);
                let readable = access::access(user, roles, record.as_ref()).is_some();
                if let Some(peer) = self.peers.get_mut(&conn) {
                    if !readable {
                        if peer.unreadable >= self.limits.unreadable_per_connection {
                            return Err(Refusal::TooManyDocuments);
                        }
                        peer.unreadable += 1;
                    }
                    peer.docs.insert(doc, record.filter(|_| readable));
                }
                readable
            }
        };
        Ok(readable)
    }

    /// Closes `conn` for what [`Self::prepare`] could not do.
    async fn refuse(&mut self, conn: ConnId, refusal: Refusal) {
        let reason = self.refusal_reason(refusal);
        self.fail(conn, reason).await;
    }

    fn refusal_reason(&self, refusal: Refusal) -> String {
        match refusal {
            Refusal::TooManyDocuments => format!(
                "asked about more than {} documents this member may not read on one connection",
                self.limits.unreadable_per_connection
            ),
            Refusal::Storage { doc, error } => {
                tracing::error!(doc = ?doc, %error, "could not load a document");
                "the relay could not load this document; try again later".into()
            }
        }
    }

    /// Hands `message` to the engine with the write check; returns its effects (`Err`: the
    /// engine panicked) and the document a change was refused on, if one was.
    fn receive_checked(
        &mut self,
        conn: ConnId,
        message: Message,
    ) -> (Received, Option<DocumentId>) {
        let engine = &mut self.engine;
        let mut guard = WriteGuard {
            peers: &self.peers,
            actors: &mut self.actors,
            stored: &self.stored,
            written: &self.written,
            limits: &self.limits,
            refused: None,
        };
        let received = catch_unwind(AssertUnwindSafe(|| {
            engine.receive_guarded(conn, message, &mut guard)
        }));
        (received, guard.refused)
    }

    /// A refused change registers no actor: what its message claimed is forgotten.
    fn forget_claims(&mut self) {
        let claims = self.actors.take_claims();
        self.actors.unclaim(&claims);
    }

    /// Stores the actors members claimed in the last message. One that cannot be stored is
    /// forgotten too, so it is claimed again (and stored) the next time it writes. Returns why
    /// the connection must close if one was registered to another member already (by another
    /// relay on this database, which this relay's book had not heard of).
    async fn store_claims(&mut self) -> Option<String> {
        let claims = self.actors.take_claims();
        if claims.is_empty() {
            return None;
        }
        match db::register_actors(&self.db, &claims).await {
            Ok(taken) if taken.is_empty() => None,
            Ok(taken) => {
                self.actors.unclaim(&claims);
                for (actor, owner) in taken {
                    tracing::warn!(%actor, "a change as an actor registered to another member");
                    self.actors.learn(actor, owner);
                }
                Some("a change was made as another member's actor".into())
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not store new actor registrations");
                self.actors.unclaim(&claims);
                None
            }
        }
    }

    /// Performs effects in order. Stops at the first failed commit, so nothing after it (above all
    /// the `Send` that would acknowledge it) happens.
    async fn perform(&mut self, effects: Vec<Effect>) -> Result<(), Error> {
        let mut effects: std::collections::VecDeque<Effect> = effects.into();
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Persist { doc, chunk, heads } => {
                    let started = std::time::Instant::now();
                    let holding = self.stored.entry(doc).or_default();
                    let stored = async {
                        let mut conn = self.db.acquire().await?;
                        db::persist_chunk(&mut conn, &doc, &chunk, &heads, holding).await
                    }
                    .await;
                    telemetry::database_time("persist", started);
                    if let Err(e) = stored {
                        // The engine believes the change is saved; reload from what really is.
                        self.unload(&doc);
                        return Err(e);
                    }
                }
                // Written behind, in batches ([`Self::take_sync_states`]): a sync state is a cache
                // of what a device holds, so losing the newest few to a crash only costs a
                // fuller sync, while a commit per acknowledgement under this lock held up every
                // other member's sync.
                Effect::SaveSyncState { peer, doc, state } => {
                    self.pending_states.insert((peer, doc), state);
                }
                Effect::Send { conn, message } => self.send(conn, message),
                Effect::Close { conn, reason } => self.close(conn, reason),
                Effect::Ready {
                    conn,
                    peer,
                    storage,
                } => {
                    tracing::debug!(conn, %peer, storage = ?storage.as_ref().map(StorageId::as_str), "peer joined");
                    if let Some(storage) = storage
                        && let Some(reason) = self.admit_device(conn, &storage).await?
                    {
                        let mut refusal = Vec::new();
                        self.engine.fail(conn, reason, &mut refusal);
                        effects.extend(refusal);
                    }
                }
                Effect::DocChanged { doc } => {
                    tracing::debug!(%doc, "document changed");
                    // What the change means to the features is committed (in `react`) and
                    // sent before anything queued after it, the acknowledgement above all.
                    let consequences = self.react(doc).await;
                    for effect in consequences.into_iter().rev() {
                        effects.push_front(effect);
                    }
                }
                Effect::Ephemeral {
                    conn,
                    doc,
                    ephemeral,
                } => self.forward_ephemeral(conn, doc, &ephemeral),
                Effect::Summary { conn, digest } => {
                    let answer = self.answer_summary(conn, &digest).await;
                    for effect in answer.into_iter().rev() {
                        effects.push_front(effect);
                    }
                }
                // The relay never asks peers for documents, and peers never refuse its changes.
                Effect::Unavailable { .. } | Effect::Rejected { .. } => {}
            }
        }
        Ok(())
    }

    /// Answers a device's reconnect summary (docs/design.md §3) from the database: what was
    /// shared with this device per document, and each document's stored heads. Documents the
    /// member may no longer read are neither primed nor synced; those with news are loaded and
    /// started. If the answer cannot be made, the connection is closed (the device reconnects).
    async fn answer_summary(&mut self, conn: ConnId, digest: &[u8]) -> Vec<Effect> {
        let (Some(user), Some(device)) = (
            self.peers.get(&conn).map(|p| p.user.clone()),
            self.engine.remote_storage(conn).cloned(),
        ) else {
            return Vec::new();
        };
        let looked_up = async {
            let mut baseline = db::shared_with(&self.db, &device).await?;
            // What is not written yet is newer than what is.
            let pending: HashMap<DocumentId, Vec<ChangeHash>> = self
                .pending_states
                .iter()
                .filter(|((peer, _), _)| *peer == device)
                .filter_map(|((_, doc), state)| Some((*doc, Engine::shared_heads_in(state).ok()?)))
                .collect();
            baseline.retain(|(doc, _)| !pending.contains_key(doc));
            baseline.extend(pending);
            let docs: Vec<DocumentId> = baseline.iter().map(|(doc, _)| *doc).collect();
            let current = db::heads_of(&self.db, &docs).await?;
            Ok::<_, Error>((baseline, current))
        }
        .await;
        let (baseline, current) = match looked_up {
            Ok(found) => found,
            Err(error) => return self.closing(conn, Refusal::Storage { doc: None, error }),
        };
        let mut readable = HashSet::new();
        for (doc, _) in &baseline {
            match self.decide(conn, &user, *doc).await {
                Ok(true) => {
                    readable.insert(*doc);
                }
                Ok(false) => {}
                Err(refusal) => return self.closing(conn, refusal),
            }
        }
        let (mut effects, news) =
            self.engine
                .answer_summary(conn, digest, &baseline, &current, &|doc| {
                    readable.contains(doc)
                });
        for doc in news {
            match self.prepare(conn, &user, doc).await {
                Ok(true) => effects.extend(self.engine.open_sync(conn, doc)),
                Ok(false) => {}
                Err(refusal) => return self.closing(conn, refusal),
            }
        }
        effects
    }

    /// The effects that tell `conn` why it is closed and close it (performed in order, where
    /// [`Self::fail`] cannot be called).
    fn closing(&mut self, conn: ConnId, refusal: Refusal) -> Vec<Effect> {
        let reason = self.refusal_reason(refusal);
        tracing::info!(conn, %reason, "closing a connection");
        let mut effects = Vec::new();
        self.engine.fail(conn, reason, &mut effects);
        effects
    }

    /// Passes a member's ephemeral message on to the document's other readers, never stored:
    /// only from a member who may read the document, and only what a feature says it passes
    /// ([`Reactions::passes_ephemeral`]: "typing" on a page of messages, in the member's own
    /// name); anything else is dropped.
    fn forward_ephemeral(&mut self, from: ConnId, doc: DocumentId, ephemeral: &Ephemeral) {
        let data = ephemeral.data.as_slice();
        let Some(peer) = self.peers.get(&from) else {
            return;
        };
        let Some(Some(record)) = peer.docs.get(&doc) else {
            return;
        };
        let allowed = data.len() <= MAX_EPHEMERAL_BYTES
            && self
                .features
                .iter()
                .any(|f| f.passes_ephemeral(record, &peer.user, data));
        if !allowed {
            tracing::debug!(conn = from, %doc, "an ephemeral message dropped");
            return;
        }
        let peers = &self.peers;
        let readers = |conn: ConnId| {
            matches!(
                peers.get(&conn).and_then(|p| p.docs.get(&doc)),
                Some(Some(_))
            )
        };
        let sends = self.engine.forward_ephemeral(from, doc, ephemeral, readers);
        for effect in sends {
            if let Effect::Send { conn, message } = effect {
                self.send(conn, message);
            }
        }
    }

    /// Tells every open app syncing the organisation's document that a post came out
    /// ([`tsunagu_core::news::news_changed`]), so each asks which posts it may read.
    async fn news_out(&mut self) {
        let org = match db::organisation_doc(&self.db).await {
            Ok(Some(org)) => org,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "could not tell open apps of new posts");
                return;
            }
        };
        let sends = self
            .engine
            .broadcast(org, tsunagu_core::news::news_changed());
        for effect in sends {
            if let Effect::Send { conn, message } = effect {
                self.send(conn, message);
            }
        }
    }

    fn send(&mut self, conn: ConnId, message: Message) {
        let Some(peer) = self.peers.get(&conn) else {
            return;
        };
        // No more documents for a socket whose session ended while it sat idle.
        if matches!(message, Message::Sync { .. }) && peer.session_expires <= db::now() {
            self.close(conn, session_ended("the session expired"));
            return;
        }
        // A document this member may no longer read (an event's audience narrowed, they left
        // its staff) stops travelling to them at once, though the engine still syncs it.
        if let Message::Sync { doc, .. } | Message::Request { doc, .. } = &message
            && matches!(peer.docs.get(doc), Some(None))
        {
            return;
        }
        match peer.outbox.try_send(Outgoing::Frame(message.encode())) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(
                    conn,
                    "peer does not read its socket fast enough; dropping it"
                );
                if let Some(kill) = self.peers.get_mut(&conn).and_then(|p| p.kill.take()) {
                    kill.send(()).ok();
                }
                self.disconnect(conn);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => self.disconnect(conn),
        }
    }

    /// Records the device behind `conn` and binds the socket's session to it (a session syncs
    /// from one device only); why it may not sync, if it may not: revoked, or its session
    /// belongs to another device.
    async fn admit_device(
        &mut self,
        conn: ConnId,
        storage: &StorageId,
    ) -> Result<Option<String>, Error> {
        let Some(peer) = self.peers.get(&conn) else {
            return Ok(None);
        };
        let known = db::device_by_storage(&self.db, storage).await?;
        if known.as_ref().is_some_and(|d| d.revoked_at.is_some()) {
            return Ok(Some(revoked_reason()));
        }
        let bound = db::session(&self.db, &peer.session)
            .await?
            .and_then(|s| s.device_id);
        if let Some(bound) = bound
            && known.as_ref().is_none_or(|d| d.id != bound)
        {
            // Not recorded as one of theirs: it is someone else holding their session.
            tracing::info!(conn, "a session offered by a second device");
            return Ok(Some(session_ended(
                "this session belongs to another device; sign in on this one",
            )));
        }
        if known.is_none()
            && db::live_devices(&self.db, &peer.user).await? >= self.limits.devices_per_member
        {
            return Ok(Some(format!(
                "more than {} devices sync this account; remove one in My profile",
                self.limits.devices_per_member
            )));
        }
        let device = db::touch_device(&self.db, &peer.user, storage, &peer.device_label).await?;
        let bound = db::bind_session(&self.db, &peer.session, &device.id).await?;
        if bound.as_deref() != Some(device.id.as_str()) {
            return Ok(Some(session_ended(
                "this session belongs to another device; sign in on this one",
            )));
        }
        Ok(None)
    }

    /// What the relay decided about `owner`'s documents is stale (they hid from the directory,
    /// were suspended, came back): every connection holding one decides again at once, before
    /// anything more of them is sent; every document a connection was refused is decided again
    /// at its next message about it (it may have been one of them).
    pub(crate) async fn owner_changed(&mut self, owner: &str) {
        self.decided(Notice::OwnerChanged {
            user: owner.to_owned(),
        })
        .await;
    }

    async fn owner_changed_here(&mut self, owner: &str) {
        let mut docs = std::collections::BTreeSet::new();
        for peer in self.peers.values_mut() {
            peer.docs.retain(|doc, record| match record {
                Some(r) => {
                    if r.owner.as_deref() == Some(owner) {
                        docs.insert(*doc);
                    }
                    true
                }
                None => false,
            });
        }
        let docs: Vec<DocumentId> = docs.into_iter().collect();
        self.redecide(&docs).await;
    }

    /// Carries out what an accepted change to `doc` means, as the features say. Returns the
    /// effects of the relay's own writes, to perform next. A failure is logged and left for
    /// [`Self::settle`] at the next start (or the member's next change): the change itself is
    /// stored, and acknowledging it stays true.
    async fn react(&mut self, doc: DocumentId) -> Vec<Effect> {
        let Some(record) = self
            .peers
            .values()
            .find_map(|p| p.docs.get(&doc).cloned().flatten())
        else {
            return Vec::new();
        };
        let features = Arc::clone(&self.features);
        let changed = Changed {
            features: &features,
            doc,
            record: &record,
        };
        if !changed.matters() {
            return Vec::new();
        }
        match self.write_as_relay(changed).await {
            Ok(effects) => effects,
            Err(e) => {
                tracing::error!(%doc, error = %e, "could not carry out an accepted change");
                Vec::new()
            }
        }
    }

    /// Writes what a feature's `job` writes as the relay, then sends it to the devices syncing
    /// those documents.
    pub(crate) async fn write(&mut self, job: impl Job) -> Result<(), Error> {
        let effects = self.write_as_relay(job).await?;
        self.perform(effects).await
    }

    /// Wakes `wake` whenever a transaction queued notifications ([`crate::push`]).
    pub(crate) fn wake_pushes_with(&mut self, wake: Arc<tokio::sync::Notify>) {
        self.push_wake = Some(wake);
    }

    /// Reads a document as the relay holds it now: from the engine if loaded (with every change
    /// it has accepted), else from storage without loading it.
    pub(crate) async fn read_document<T>(
        &mut self,
        id: &DocumentId,
        read: impl FnOnce(&Automerge) -> T,
    ) -> Result<T, Error> {
        if let Some(doc) = self.engine.doc(id) {
            return Ok(read(doc));
        }
        Ok(read(&db::stored_document(&self.db, id).await?))
    }

    /// At start, before anyone connects: whatever a crash left between an accepted change and
    /// its consequences.
    pub(crate) async fn settle(&mut self) -> Result<(), Error> {
        let features = Arc::clone(&self.features);
        self.write(Settle(&features)).await
    }

    /// Runs `job` with a [`Scribe`] in one transaction. If it does not commit, the documents it
    /// edited are dropped from the engine (reloaded from storage when next needed). Once it
    /// commits, connections decide again about documents whose readers changed; returns the
    /// effects to perform.
    async fn write_as_relay(&mut self, job: impl Job) -> Result<Vec<Effect>, Error> {
        let started = std::time::Instant::now();
        let written = self.write_as_relay_timed(job).await;
        telemetry::database_time("write", started);
        written
    }

    async fn write_as_relay_timed(&mut self, job: impl Job) -> Result<Vec<Effect>, Error> {
        let tx = db::write_tx(&self.db).await?;
        let key = self.key.current();
        let mut scribe = Scribe::new(
            &mut self.engine,
            &mut self.stored,
            tx,
            &key,
            db::now(),
            &self.sockets,
        );
        scribe.among(self.fellows.as_ref().map(|f| f.me.as_str()));
        let outcome = job.run(&mut scribe).await;
        let (touched, result) = scribe.finish(outcome).await;
        match result {
            Ok(Written {
                effects,
                readers_changed,
                news_out,
                pushes,
                rewritten,
            }) => {
                if let Some(fellows) = &self.fellows {
                    for doc in rewritten {
                        fellows.tell(Notice::Rewritten { doc });
                    }
                }
                if pushes && let Some(wake) = &self.push_wake {
                    wake.notify_one();
                }
                if !readers_changed.is_empty() {
                    self.decided(Notice::ReadersChanged {
                        docs: readers_changed,
                    })
                    .await;
                }
                if news_out {
                    self.decided(Notice::NewsOut).await;
                }
                Ok(effects)
            }
            Err(e) => {
                for doc in &touched {
                    self.unload(doc);
                }
                Err(e)
            }
        }
    }

    /// Decides again, for every connection that asked about them, whether it may read `docs`
    /// (an event's readers changed, a profile's owner hid). A connection that lost access gets
    /// nothing more of them ([`Self::send`]) and has its writes refused; one that gained it may
    /// ask again. If the decision cannot be made (storage failed), access is refused.
    async fn redecide(&mut self, docs: &[DocumentId]) {
        let stale: Vec<(ConnId, DocumentId, String, Vec<Role>)> = self
            .peers
            .iter()
            .flat_map(|(conn, peer)| {
                docs.iter()
                    .filter(|doc| peer.docs.contains_key(doc))
                    .map(|doc| (*conn, *doc, peer.user.clone(), peer.roles.clone()))
            })
            .collect();
        for (conn, doc, user, roles) in stale {
            let decided = match db::document(&self.db, &doc, &user).await {
                Ok(record) => {
                    let readable = access::access(&user, &roles, record.as_ref()).is_some();
                    record.filter(|_| readable)
                }
                Err(e) => {
                    tracing::warn!(%doc, error = %e, "could not decide access again; refused");
                    None
                }
            };
            if let Some(peer) = self.peers.get_mut(&conn) {
                peer.docs.insert(doc, decided);
            }
        }
    }

    /// `user`'s account is gone: their documents leave memory (the database rows are already
    /// erased) and their sockets close with `reason`, so their devices wipe themselves.
    pub(crate) async fn erase_account(&mut self, user: &str, docs: &[DocumentId], reason: &str) {
        self.decided(Notice::AccountErased {
            user: user.to_owned(),
            docs: docs.to_vec(),
            reason: reason.to_owned(),
        })
        .await;
    }

    /// Closes every connection from a device that was just revoked, telling it to wipe itself.
    pub(crate) async fn revoke_device(&mut self, storage: &StorageId) {
        self.decided(Notice::DeviceRevoked {
            storage: storage.clone(),
        })
        .await;
    }

    /// Fails every connection whose peer `which` picks, with the same reason.
    async fn fail_where(&mut self, which: impl Fn(&Peer) -> bool, reason: &str) {
        let conns: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| which(p))
            .map(|(c, _)| *c)
            .collect();
        self.fail_all(conns, reason).await;
    }

    /// Fails each of `conns` with the same reason.
    async fn fail_all(&mut self, conns: Vec<ConnId>, reason: &str) {
        for conn in conns {
            self.fail(conn, reason.to_owned()).await;
        }
    }

    /// Queues a close frame after everything already queued; the send task then ends.
    fn close(&mut self, conn: ConnId, reason: String) {
        if let Some(peer) = self.remove_peer(conn) {
            peer.outbox.try_send(Outgoing::Close(reason)).ok();
        }
        self.engine.disconnect(conn);
    }
}

/// The relay's write check ([`tsunagu_core::validate::authorise`]) for the member on each
/// connection, on documents it was allowed to read, then its quotas: the document's stored size
/// and the bytes the member may send.
struct WriteGuard<'a> {
    peers: &'a HashMap<ConnId, Peer>,
    actors: &'a mut ActorBook,
    stored: &'a HashMap<DocumentId, Holding>,
    written: &'a Budgets<String>,
    limits: &'a Limits,
    /// The document a change was refused on as not allowed.
    refused: Option<DocumentId>,
}

impl Guard for WriteGuard<'_> {
    fn check(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        doc: &Automerge,
        before: &[ChangeHash],
        changes: &[Change],
    ) -> Result<(), String> {
        let checked = self.decide(conn, id, doc, before, changes);
        match &checked {
            Ok(()) => {
                metrics::counter!(telemetry::CHANGES_ACCEPTED).increment(changes.len() as u64)
            }
            Err((why, _)) => {
                if matches!(why, Rejected::NotAllowed | Rejected::RelayRewrote) {
                    self.refused = Some(id);
                }
                why.count();
            }
        }
        checked.map_err(|(_, reason)| reason)
    }
}

impl WriteGuard<'_> {
    /// The write check, with why a refusal happened for the relay's count.
    fn decide(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        doc: &Automerge,
        before: &[ChangeHash],
        changes: &[Change],
    ) -> Result<(), (Rejected, String)> {
        let not_open = || {
            (
                Rejected::NotOpen,
                "this document is not open on this connection".to_owned(),
            )
        };
        let peer = self.peers.get(&conn).ok_or_else(not_open)?;
        let facts = peer
            .docs
            .get(&id)
            .and_then(Option::as_ref)
            .and_then(access::facts)
            .ok_or_else(not_open)?;
        // Only a device that holds history the relay has since rewritten (a roster without a
        // deleted member) offers the relay's own changes back: it is to fetch the new copy.
        if changes
            .iter()
            .all(|c| self.actors.owner(c.actor_id()) == Some(db::RELAY_OWNER))
        {
            return Err((
                Rejected::RelayRewrote,
                format!("{DOCUMENT_RESET}: the relay rewrote this document; fetch it again"),
            ));
        }
        let subject = Subject {
            user: &peer.user,
            roles: &peer.roles,
        };
        authorise(doc, before, changes, &subject, &facts, self.actors).map_err(|refusal| {
            tracing::info!(conn, %id, user = %peer.user, %refusal, "refused a change");
            (Rejected::NotAllowed, refusal.to_string())
        })?;
        let incoming: usize = changes.iter().map(|c| c.raw_bytes().len()).sum();
        let quota = self.limits.document_quota(facts.kind);
        let size = self.stored.get(&id).map_or(0, |h| h.bytes);
        if size + incoming > quota {
            tracing::info!(conn, %id, user = %peer.user, size, incoming, "a document is full");
            return Err((
                Rejected::DocumentFull,
                format!(
                    "{DOCUMENT_FULL}: this document holds {size} bytes and may hold {quota}; \
                     these changes ({incoming} bytes) were not kept"
                ),
            ));
        }
        if !self.written.take_amount(&peer.user, incoming) {
            tracing::info!(conn, user = %peer.user, incoming, "a member wrote too much");
            return Err((
                Rejected::WritingTooFast,
                format!(
                    "{WRITING_TOO_FAST}: more than {} bytes of changes within the hour; send them later",
                    self.limits.member_write_bytes.burst
                ),
            ));
        }
        Ok(())
    }
}

#[derive(Debug)]
enum Refusal {
    TooManyDocuments,
    /// The database failed, on a document's behalf when it says which.
    Storage {
        doc: Option<DocumentId>,
        error: Error,
    },
}

impl Refusal {
    fn storage<E: Into<Error>>(doc: DocumentId) -> impl FnOnce(E) -> Self {
        move |error| Self::Storage {
            doc: Some(doc),
            error: error.into(),
        }
    }
}

/// Who opened a socket, as the relay serves them.
#[derive(Debug)]
pub(crate) struct Caller {
    pub(crate) user: String,
    /// The roles they held when the socket opened; a change closes it ([`Relay::member_changed`]).
    pub(crate) roles: Vec<Role>,
    /// Browser and system, for their device list.
    pub(crate) device_label: String,
    /// SHA-256 of the session token.
    pub(crate) session: Vec<u8>,
    pub(crate) session_expires: i64,
}

/// The protocol `error` a socket gets when its session ended; the app asks to sign in again.
fn restarting() -> String {
    format!("{RELAY_RESTARTING}: this relay is shutting down; connect again")
}

fn session_ended(why: &str) -> String {
    format!("{SESSION_ENDED}: {why}")
}

/// The protocol `error` a revoked device gets; the app wipes itself on its prefix.
fn revoked_reason() -> String {
    format!("{DEVICE_REVOKED}: this device was removed from the account; it deletes its local data")
}

/// Scopes the storage id a device announces to its signed-in user, so no one can read or
/// overwrite another member's sync state by announcing their device's storage id.
fn scope_storage(
    user: &str,
    metadata: Option<PeerMetadata>,
) -> Result<Option<PeerMetadata>, String> {
    let Some(mut metadata) = metadata else {
        return Ok(None);
    };
    if let Some(storage) = metadata.storage_id.take() {
        if storage.as_str().chars().count() > MAX_STORAGE_ID_CHARS {
            return Err(format!(
                "storage id longer than {MAX_STORAGE_ID_CHARS} characters"
            ));
        }
        metadata.storage_id = Some(StorageId::new(format!("{user}/{storage}")));
    }
    Ok(Some(metadata))
}

/// How often the relay sends what it held back for peers that have not answered
/// ([`Engine::coalescing`]) and writes the sync states waiting in memory.
pub(crate) const TEND_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Every [`TEND_EVERY`], until the relay is gone: sends what waits for an answer, and writes the
/// sync states waiting in `relay` in one transaction outside the relay's lock.
pub(crate) async fn tend(relay: std::sync::Weak<tokio::sync::Mutex<Relay>>, db: AnyPool) {
    let mut every = tokio::time::interval(TEND_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(relay) = relay.upgrade() else {
            return;
        };
        let (batch, presence) = {
            let mut relay = relay.lock().await;
            relay.release_held().await;
            (relay.take_sync_states(), relay.take_presence())
        };
        drop(relay);
        write_sync_states(&db, batch).await;
        if let Some((me, changed)) = presence {
            crate::relays::write_presence(&db, &me, &changed).await;
        }
    }
}

/// Writes `batch`; a failure is logged and the states are dropped (they only save a fuller sync).
pub(crate) async fn write_sync_states(
    db: &AnyPool,
    batch: HashMap<(StorageId, DocumentId), Vec<u8>>,
) {
    if batch.is_empty() {
        return;
    }
    let started = std::time::Instant::now();
    if let Err(e) = db::save_sync_states(db, &batch).await {
        tracing::warn!(states = batch.len(), error = %e, "could not store sync states");
    }
    telemetry::database_time("sync-states", started);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_storage_ids_are_scoped_to_the_user() {
        let meta = PeerMetadata {
            storage_id: Some(StorageId::new("phone")),
            is_ephemeral: false,
            summaries: false,
        };
        let scoped = scope_storage("u1", Some(meta))
            .ok()
            .flatten()
            .and_then(|m| m.storage_id);
        assert_eq!(scoped, Some(StorageId::new("u1/phone")));
        assert_eq!(scope_storage("u1", None), Ok(None));
        let long = PeerMetadata {
            storage_id: Some(StorageId::new("x".repeat(200))),
            is_ephemeral: false,
            summaries: false,
        };
        assert!(scope_storage("u1", Some(long)).is_err());
    }
}
