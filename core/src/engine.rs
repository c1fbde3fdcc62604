//! The sans-IO sync engine: automerge-repo's protocol over any number of connections.
//!
//! The engine owns the documents and the per-peer sync states and never touches a socket, a
//! database or a clock. Every call takes input (a decoded [`Message`], a local edit, bytes loaded
//! from storage) and returns the [`Effect`]s the caller must perform **in order**: persistence
//! effects always come before the `Send` that acknowledges them, so a relay that performs them in
//! order acknowledges a change only after it is committed.
//!
//! The same engine runs in the browser (it *initiates*: `connect` / `start`) and in the relay (it
//! *receives*: `accept`). Sync state (the heads both sides share) is kept per remote storage id
//! and handed out in [`Effect::SaveSyncState`], so a device that reconnects only exchanges what
//! changed since (docs/design.md §3).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transaction;
use automerge::{ActorId, Automerge, AutomergeError, Change, ChangeHash, ReadDoc};
use thiserror::Error;

use crate::ids::{DocumentId, PeerId, StorageId};
use crate::wire::{Message, PROTOCOL_VERSION, PeerMetadata};

/// A connection, as numbered by the engine.
pub type ConnId = u64;

/// Storage chunks are compacted into one snapshot once a document is tiny or the incremental
/// chunks outweigh the snapshot (automerge-repo's rule).
const SMALL_SNAPSHOT_BYTES: usize = 1024;

/// Something the caller must do, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Encode and send this message on the connection.
    Send { conn: ConnId, message: Message },
    /// Close the connection (a protocol error was already sent if there was one).
    Close { conn: ConnId, reason: String },
    /// The handshake finished; `storage` is where to load and save this peer's sync states.
    Ready {
        conn: ConnId,
        peer: PeerId,
        storage: Option<StorageId>,
    },
    /// Store a chunk of the document. A snapshot replaces every chunk stored before it. `heads`
    /// are the document's heads once it is stored (the relay keeps them to answer summaries).
    Persist {
        doc: DocumentId,
        chunk: Chunk,
        heads: Vec<ChangeHash>,
    },
    /// Store the sync state for (remote storage, document).
    SaveSyncState {
        peer: StorageId,
        doc: DocumentId,
        state: Vec<u8>,
    },
    /// The document's content changed (a remote change arrived, or a local edit).
    DocChanged { doc: DocumentId },
    /// The remote peer cannot serve a document we asked for.
    Unavailable { doc: DocumentId },
    /// The relay refused our changes to `doc`: delete its stored chunks and sync states (the
    /// engine already dropped it and fetches the relay's version again), and tell the user why.
    Rejected { doc: DocumentId, reason: String },
    /// A peer's ephemeral message about `doc` (automerge-repo's presence: "typing…"), seen for
    /// the first time; never stored. The relay passes it on to the document's other readers
    /// ([`Engine::forward_ephemeral`]); a device shows it.
    Ephemeral {
        conn: ConnId,
        doc: DocumentId,
        ephemeral: Ephemeral,
    },
    /// A device's reconnect summary ([`Message::Summary`]) arrived: the relay looks up what it
    /// needs and answers with [`Engine::answer_summary`].
    Summary { conn: ConnId, digest: Vec<u8> },
}

/// An ephemeral message as it travels between peers: who first sent it, in which session and
/// at which count (together, how copies are told apart), and its opaque data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ephemeral {
    pub sender: PeerId,
    pub session: String,
    pub count: u64,
    pub data: Vec<u8>,
}

/// Decides whether the changes a peer sent may stay: the relay's write authorisation
/// (docs/design.md §4, [`crate::validate`]).
pub trait Guard {
    /// `changes` from `conn` were just applied to `doc` (id `id`), whose heads were `before`
    /// without them. An `Err` puts the document back as it was, and the reason goes to the peer
    /// in a `change-rejected` message.
    fn check(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        doc: &Automerge,
        before: &[ChangeHash],
        changes: &[Change],
    ) -> Result<(), String>;
}

/// Accepts every change: a device trusts what its relay sends.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrustAll;

impl Guard for TrustAll {
    fn check(
        &mut self,
        _: ConnId,
        _: DocumentId,
        _: &Automerge,
        _: &[ChangeHash],
        _: &[Change],
    ) -> Result<(), String> {
        Ok(())
    }
}

/// Bytes to store for a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    Incremental(Vec<u8>),
    Snapshot(Vec<u8>),
}

#[derive(Debug, Error)]
pub enum EngineError {
    #[error("document {0} is not loaded")]
    UnknownDocument(DocumentId),
    #[error("document {0} already exists")]
    DocumentExists(DocumentId),
    #[error("stored bytes of document {doc} are corrupt: {source}")]
    CorruptDocument {
        doc: DocumentId,
        source: Box<AutomergeError>,
    },
    #[error("stored sync state is corrupt")]
    CorruptSyncState,
    #[error("edit failed: {0}")]
    Edit(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// We accepted the connection and wait for the peer's `join`.
    AwaitingJoin,
    /// We sent `join` and wait for `peer`.
    AwaitingPeer,
    Ready,
}

#[derive(Debug)]
struct Conn {
    initiator: bool,
    phase: Phase,
    remote: Option<PeerId>,
    storage: Option<StorageId>,
    /// Live sync state per document, started from the persisted shared heads.
    docs: HashMap<DocumentId, sync::State>,
    /// The remote peer announced reconnect summaries ([`Message::Summary`]).
    summaries: bool,
    /// A device waiting for the relay's answer to its summary: the digest it sent, and the
    /// documents it holds back until then. On the relay: the summary this connection sent.
    summary: Option<(Vec<u8>, Vec<DocumentId>)>,
    /// Documents we sent changes of and the peer has not answered yet ([`Engine::coalescing`]).
    awaiting: HashSet<DocumentId>,
    /// Documents that changed again meanwhile: sent, all at once, with the answer.
    held: BTreeSet<DocumentId>,
}

#[derive(Debug)]
struct StoredDoc {
    doc: Automerge,
    saved_heads: Vec<ChangeHash>,
    snapshot_bytes: usize,
    incremental_bytes: usize,
}

/// A document from its stored chunks (snapshots and incremental changes, in any order).
pub fn load_chunks(chunks: &[Vec<u8>]) -> Result<Automerge, AutomergeError> {
    let mut doc = Automerge::new();
    for chunk in chunks {
        doc.load_incremental(chunk)?;
    }
    Ok(doc)
}

/// The sync engine for one peer (one browser tab, or the relay).
#[derive(Debug)]
pub struct Engine {
    me: PeerId,
    storage: Option<StorageId>,
    actor: Option<ActorId>,
    docs: BTreeMap<DocumentId, StoredDoc>,
    /// Heads known to be shared with each remote storage, per document: the persisted sync state.
    shared: HashMap<(StorageId, DocumentId), Vec<ChangeHash>>,
    /// Documents we asked for and have not received.
    wanted: BTreeSet<DocumentId>,
    conns: BTreeMap<ConnId, Conn>,
    next_conn: ConnId,
    /// The most bytes of sync messages whose changes wait for history that has not arrived
    /// ([`Self::with_queue_limit`]); `None`: no limit (a device trusts its relay).
    queue_limit: Option<usize>,
    /// One unanswered message of changes per peer and document ([`Self::coalescing`]).
    coalesce: bool,
    /// Per document, the bytes of sync messages received since its queue was last empty.
    queued: HashMap<DocumentId, usize>,
    /// This engine's ephemeral session and the count of its last ephemeral message.
    session: String,
    ephemeral_sent: u64,
    /// The highest count seen per ephemeral session: a message that comes twice (over two
    /// paths) is shown once.
    ephemeral_seen: HashMap<String, u64>,
}

/// Ephemeral sessions remembered before the oldest are forgotten.
const EPHEMERAL_SESSIONS: usize = 4096;

impl Engine {
    /// An engine for peer `me`, whose storage (if it has one that outlives the process) is `storage`.
    pub fn new(me: PeerId, storage: Option<StorageId>) -> Self {
        Self {
            me,
            storage,
            actor: None,
            docs: BTreeMap::new(),
            shared: HashMap::new(),
            wanted: BTreeSet::new(),
            conns: BTreeMap::new(),
            next_conn: 1,
            queue_limit: None,
            coalesce: false,
            queued: HashMap::new(),
            session: PeerId::random().to_string(),
            ephemeral_sent: 0,
            ephemeral_seen: HashMap::new(),
        }
    }

    /// Bounds what peers can park in a document's queue: automerge keeps changes whose
    /// dependencies are missing until those arrive, unchecked and in memory. Once the sync
    /// messages received while a document's queue is not empty add up to more than `bytes`, the
    /// queue is dropped and the connection that overflowed it closed. An honest peer's queue
    /// empties within a round or two (a Bloom filter's false positive), far below any sensible
    /// limit. The relay sets it; devices trust their relay.
    pub fn with_queue_limit(mut self, bytes: usize) -> Self {
        self.queue_limit = Some(bytes);
        self
    }

    /// Keeps at most one message of changes per peer and document unanswered: a document that
    /// changes again before the peer answered the last one waits, and the answer is followed by
    /// one message with everything the peer lacks. A peer that keeps up sees every change at
    /// once; one that falls behind (a slow phone, a document changing faster than its socket
    /// drains) gets one message per round trip instead of one per change, so the sender's work
    /// and queue stay bounded however fast the document changes. A peer answers every message
    /// that brings it changes it lacks (its heads moved); for the rare one that does not (it had
    /// them already from elsewhere), [`Self::release_held`] sends what waits regardless — the
    /// relay calls it every second.
    pub fn coalescing(mut self) -> Self {
        self.coalesce = true;
        self
    }

    /// Sends every document held back for a peer that has not answered (see
    /// [`Self::coalescing`]), answered or not.
    pub fn release_held(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        let held: Vec<(ConnId, DocumentId)> = self
            .conns
            .iter_mut()
            .flat_map(|(id, c)| {
                c.awaiting.clear();
                std::mem::take(&mut c.held)
                    .into_iter()
                    .map(move |doc| (*id, doc))
            })
            .collect();
        for (conn, doc) in held {
            self.send_sync(conn, doc, &mut effects);
        }
        effects
    }

    /// Every local edit is made as `actor` (a device registers its actor ids with the relay).
    pub fn with_actor(mut self, actor: ActorId) -> Self {
        self.actor = Some(actor);
        self
    }

    pub fn peer_id(&self) -> &PeerId {
        &self.me
    }

    // ---- documents -----------------------------------------------------------------------

    pub fn doc(&self, id: &DocumentId) -> Option<&Automerge> {
        self.docs.get(id).map(|d| &d.doc)
    }

    pub fn has_doc(&self, id: &DocumentId) -> bool {
        self.docs.contains_key(id)
    }

    /// Ids of every document held, including requested ones that are still empty.
    pub fn document_ids(&self) -> impl Iterator<Item = &DocumentId> {
        self.docs.keys()
    }

    /// Loads a document from stored chunks (snapshots and incremental changes, in any order).
    pub fn load(&mut self, id: DocumentId, chunks: &[Vec<u8>]) -> Result<(), EngineError> {
        let mut doc = load_chunks(chunks).map_err(|e| EngineError::CorruptDocument {
            doc: id,
            source: Box::new(e),
        })?;
        if let Some(actor) = &self.actor {
            doc.set_actor(actor.clone());
        }
        let heads = doc.get_heads();
        let bytes = chunks.iter().map(Vec::len).sum();
        self.wanted.remove(&id);
        self.docs.insert(
            id,
            StoredDoc {
                doc,
                saved_heads: heads,
                snapshot_bytes: bytes,
                incremental_bytes: 0,
            },
        );
        Ok(())
    }

    /// The heads a persisted sync state says both peers share.
    pub fn shared_heads_in(bytes: &[u8]) -> Result<Vec<ChangeHash>, EngineError> {
        sync::State::decode(bytes)
            .map(|state| state.shared_heads)
            .map_err(|_| EngineError::CorruptSyncState)
    }

    /// Loads a persisted sync state for (remote storage, document).
    pub fn load_sync_state(
        &mut self,
        peer: StorageId,
        doc: DocumentId,
        bytes: &[u8],
    ) -> Result<(), EngineError> {
        self.shared
            .insert((peer, doc), Self::shared_heads_in(bytes)?);
        Ok(())
    }

    /// Creates a new document, filled in by `edit`, and returns what to persist.
    pub fn create<E: std::fmt::Display>(
        &mut self,
        id: DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    ) -> Result<Vec<Effect>, EngineError> {
        if self.docs.contains_key(&id) {
            return Err(EngineError::DocumentExists(id));
        }
        self.docs.insert(id, self.empty_doc());
        self.wanted.remove(&id);
        self.change(id, edit)
    }

    /// Applies a local edit as one change and returns what to persist and send.
    pub fn change<E: std::fmt::Display>(
        &mut self,
        id: DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    ) -> Result<Vec<Effect>, EngineError> {
        let stored = self
            .docs
            .get_mut(&id)
            .ok_or(EngineError::UnknownDocument(id))?;
        let mut tx = stored.doc.transaction();
        if let Err(e) = edit(&mut tx) {
            tx.rollback();
            return Err(EngineError::Edit(e.to_string()));
        }
        let (hash, _) = tx.commit();
        let mut effects = Vec::new();
        if hash.is_some() {
            self.after_change(id, None, &mut effects);
        }
        Ok(effects)
    }

    /// Asks connected peers for a document we do not have (or only partly have) yet.
    pub fn want(&mut self, id: DocumentId) -> Vec<Effect> {
        let mut effects = Vec::new();
        if !self.docs.contains_key(&id) {
            self.wanted.insert(id);
            let ready: Vec<ConnId> = self
                .conns
                .iter()
                .filter(|(_, c)| c.initiator && c.phase == Phase::Ready)
                .map(|(k, _)| *k)
                .collect();
            for conn in ready {
                self.open_and_send(conn, id, &mut effects);
            }
        }
        effects
    }

    /// Merges chunks another writer stored (another relay on the same database) into `id`, if
    /// it is loaded, and sends what is new to the peers syncing it. They are stored already and
    /// their consequences carried out by whoever accepted them: nothing is persisted again, and
    /// no [`Effect::DocChanged`] is reported.
    pub fn merge_stored(
        &mut self,
        id: DocumentId,
        chunks: &[Vec<u8>],
    ) -> Result<Vec<Effect>, EngineError> {
        let mut effects = Vec::new();
        let Some(stored) = self.docs.get_mut(&id) else {
            return Ok(effects);
        };
        let before = stored.doc.get_heads();
        for chunk in chunks {
            stored
                .doc
                .load_incremental(chunk)
                .map_err(|e| EngineError::CorruptDocument {
                    doc: id,
                    source: Box::new(e),
                })?;
            stored.incremental_bytes += chunk.len();
        }
        let heads = stored.doc.get_heads();
        if heads == before {
            return Ok(effects);
        }
        // What this engine saves next starts after them: they are stored.
        if stored.saved_heads == before {
            stored.saved_heads = heads;
        }
        self.push_to_peers(id, None, &mut effects);
        Ok(effects)
    }

    /// Drops a document from memory (the caller deletes it from storage).
    pub fn forget(&mut self, id: &DocumentId) {
        self.docs.remove(id);
        self.queued.remove(id);
        self.wanted.remove(id);
        self.shared.retain(|(_, d), _| d != id);
        for conn in self.conns.values_mut() {
            conn.docs.remove(id);
        }
    }

    /// The heads the peer with this storage is known to have of `doc` (none if never synced).
    fn shared_heads(&self, peer: Option<&StorageId>, doc: &DocumentId) -> &[ChangeHash] {
        peer.and_then(|p| self.shared.get(&(p.clone(), *doc)))
            .map_or(&[], Vec::as_slice)
    }

    /// The heads of `doc` the peer with this storage has acknowledged holding: what this device
    /// wrote since is still on its way there.
    pub fn acknowledged_heads(&self, peer: &StorageId, doc: &DocumentId) -> &[ChangeHash] {
        self.shared_heads(Some(peer), doc)
    }

    /// Whether `doc` holds changes the peer with this storage has not acknowledged.
    fn has_unsent_changes(&self, peer: Option<&StorageId>, doc: &DocumentId) -> bool {
        self.docs
            .get(doc)
            .is_some_and(|d| d.doc.get_heads() != self.shared_heads(peer, doc))
    }

    /// How many local changes the peer with this storage has not acknowledged, over all documents.
    pub fn pending_changes(&self, peer: &StorageId) -> usize {
        self.docs
            .iter()
            .filter(|(id, _)| self.has_unsent_changes(Some(peer), id))
            .map(|(id, d)| {
                d.doc
                    .get_changes_meta(self.shared_heads(Some(peer), id))
                    .len()
            })
            .sum()
    }

    // ---- connections ---------------------------------------------------------------------

    /// Sends `data` about `doc` as an ephemeral message (never stored) on every ready
    /// connection that syncs `doc`.
    pub fn broadcast(&mut self, doc: DocumentId, data: Vec<u8>) -> Vec<Effect> {
        self.ephemeral_sent += 1;
        let ephemeral = Ephemeral {
            sender: self.me.clone(),
            session: self.session.clone(),
            count: self.ephemeral_sent,
            data,
        };
        self.ephemeral_to(doc, None, |_| true, &ephemeral)
    }

    /// Passes a peer's ephemeral message on to every other ready connection that syncs `doc`
    /// and that `to` accepts (the relay: those who may read it).
    pub fn forward_ephemeral(
        &self,
        from: ConnId,
        doc: DocumentId,
        ephemeral: &Ephemeral,
        to: impl Fn(ConnId) -> bool,
    ) -> Vec<Effect> {
        self.ephemeral_to(doc, Some(from), to, ephemeral)
    }

    fn ephemeral_to(
        &self,
        doc: DocumentId,
        except: Option<ConnId>,
        to: impl Fn(ConnId) -> bool,
        ephemeral: &Ephemeral,
    ) -> Vec<Effect> {
        self.conns
            .iter()
            .filter(|(id, c)| {
                Some(**id) != except
                    && c.phase == Phase::Ready
                    && c.docs.contains_key(&doc)
                    && to(**id)
            })
            .filter_map(|(id, c)| {
                Some(Effect::Send {
                    conn: *id,
                    message: Message::Ephemeral {
                        sender: ephemeral.sender.clone(),
                        target: c.remote.clone()?,
                        doc,
                        count: ephemeral.count,
                        session: ephemeral.session.clone(),
                        data: ephemeral.data.clone(),
                    },
                })
            })
            .collect()
    }

    /// A connection we opened (the browser side); call [`Engine::start`] to send `join`.
    pub fn connect(&mut self) -> ConnId {
        self.add_conn(true)
    }

    /// A connection a peer opened to us (the relay side); we wait for its `join`.
    pub fn accept(&mut self) -> ConnId {
        self.add_conn(false)
    }

    fn add_conn(&mut self, initiator: bool) -> ConnId {
        let id = self.next_conn;
        self.next_conn += 1;
        let phase = if initiator {
            Phase::AwaitingPeer
        } else {
            Phase::AwaitingJoin
        };
        let conn = Conn {
            initiator,
            phase,
            remote: None,
            storage: None,
            docs: HashMap::new(),
            summaries: false,
            summary: None,
            awaiting: HashSet::new(),
            held: BTreeSet::new(),
        };
        self.conns.insert(id, conn);
        id
    }

    /// The `join` that opens an initiated connection.
    pub fn start(&mut self, conn: ConnId) -> Vec<Effect> {
        vec![Effect::Send {
            conn,
            message: Message::Join {
                sender: self.me.clone(),
                metadata: Some(self.metadata()),
                versions: vec![PROTOCOL_VERSION.to_owned()],
            },
        }]
    }

    /// The connection is gone; its sync progress is already persisted.
    pub fn disconnect(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
    }

    pub fn is_ready(&self, conn: ConnId) -> bool {
        self.conns
            .get(&conn)
            .is_some_and(|c| c.phase == Phase::Ready)
    }

    /// The remote storage id of a ready connection.
    pub fn remote_storage(&self, conn: ConnId) -> Option<&StorageId> {
        self.conns.get(&conn).and_then(|c| c.storage.as_ref())
    }

    /// Handles one message from `conn`, trusting every change it brings.
    pub fn receive(&mut self, conn: ConnId, message: Message) -> Vec<Effect> {
        self.receive_guarded(conn, message, &mut TrustAll)
    }

    /// Handles one message from `conn`; `guard` decides whether the changes it brings stay.
    pub fn receive_guarded(
        &mut self,
        conn: ConnId,
        message: Message,
        guard: &mut dyn Guard,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(c) = self.conns.get(&conn) else {
            return effects;
        };
        match (c.phase, message) {
            (
                Phase::AwaitingJoin,
                Message::Join {
                    sender,
                    metadata,
                    versions,
                },
            ) => {
                if !versions.iter().any(|v| v == PROTOCOL_VERSION) {
                    self.fail(
                        conn,
                        format!("unsupported protocol versions {versions:?}; this relay speaks 1"),
                        &mut effects,
                    );
                    return effects;
                }
                let reply = Message::Peer {
                    sender: self.me.clone(),
                    target: sender.clone(),
                    metadata: Some(self.metadata()),
                    version: PROTOCOL_VERSION.to_owned(),
                };
                effects.push(Effect::Send {
                    conn,
                    message: reply,
                });
                self.ready(conn, sender, metadata, &mut effects);
            }
            (
                Phase::AwaitingPeer,
                Message::Peer {
                    sender,
                    metadata,
                    version,
                    ..
                },
            ) => {
                if version != PROTOCOL_VERSION {
                    self.fail(
                        conn,
                        format!("unsupported protocol version {version}"),
                        &mut effects,
                    );
                    return effects;
                }
                self.ready(conn, sender, metadata, &mut effects);
                let mut docs: Vec<DocumentId> = self
                    .docs
                    .keys()
                    .chain(self.wanted.iter())
                    .copied()
                    .collect();
                // What this device changed while offline goes first, so others see it at once
                // rather than after the whole directory has been compared.
                let storage = self.conns.get(&conn).and_then(|c| c.storage.clone());
                docs.sort_by_key(|doc| !self.has_unsent_changes(storage.as_ref(), doc));
                let held = self.hold_for_summary(conn, &mut effects);
                for doc in docs.into_iter().filter(|d| !held.contains(d)) {
                    self.open_and_send(conn, doc, &mut effects);
                }
            }
            (Phase::Ready, Message::Request { doc, data, .. }) => {
                self.on_sync(conn, doc, &data, true, guard, &mut effects)
            }
            (Phase::Ready, Message::Sync { doc, data, .. }) => {
                self.on_sync(conn, doc, &data, false, guard, &mut effects)
            }
            (Phase::Ready, Message::ChangeRejected { doc, reason, .. }) if c.initiator => {
                self.on_rejected(conn, doc, reason, &mut effects)
            }
            (Phase::Ready, Message::DocUnavailable { doc, .. }) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.docs.remove(&doc);
                }
                if self
                    .docs
                    .get(&doc)
                    .is_none_or(|d| d.doc.get_heads().is_empty())
                {
                    self.docs.remove(&doc);
                    self.wanted.remove(&doc);
                    effects.push(Effect::Unavailable { doc });
                }
            }
            (
                Phase::Ready,
                Message::Ephemeral {
                    sender,
                    doc,
                    count,
                    session,
                    data,
                    ..
                },
            ) => {
                if self
                    .ephemeral_seen
                    .get(&session)
                    .is_some_and(|&seen| seen >= count)
                {
                    return effects;
                }
                if self.ephemeral_seen.len() >= EPHEMERAL_SESSIONS {
                    self.ephemeral_seen.clear();
                }
                self.ephemeral_seen.insert(session.clone(), count);
                effects.push(Effect::Ephemeral {
                    conn,
                    doc,
                    ephemeral: Ephemeral {
                        sender,
                        session,
                        count,
                        data,
                    },
                });
            }
            (Phase::Ready, Message::Summary { digest, .. }) if c.initiator => {
                self.on_summary_answer(conn, &digest, &mut effects);
            }
            (Phase::Ready, Message::Summary { digest, .. }) => {
                // Answering reads every sync state the device has: once per connection.
                if c.summary.is_some() {
                    self.fail(
                        conn,
                        "more than one summary on a connection".into(),
                        &mut effects,
                    );
                    return effects;
                }
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.summary = Some((digest.clone(), Vec::new()));
                }
                effects.push(Effect::Summary { conn, digest });
            }
            (Phase::Ready, Message::Gossip { .. }) => {}
            (_, Message::Leave { .. }) => {
                effects.push(Effect::Close {
                    conn,
                    reason: "peer left".into(),
                });
                self.conns.remove(&conn);
            }
            (_, Message::Error { message }) => {
                effects.push(Effect::Close {
                    conn,
                    reason: format!("peer reported an error: {message}"),
                });
                self.conns.remove(&conn);
            }
            (phase, other) => {
                let expected = match phase {
                    Phase::AwaitingJoin => "join",
                    Phase::AwaitingPeer => "peer",
                    Phase::Ready => "a sync-phase message",
                };
                self.fail(
                    conn,
                    format!(
                        "unexpected `{}` message; expected {expected}",
                        other.type_name()
                    ),
                    &mut effects,
                );
            }
        }
        effects
    }

    /// Tells the peer what went wrong and closes the connection (the protocol's `error`).
    pub fn fail(&mut self, conn: ConnId, reason: String, effects: &mut Vec<Effect>) {
        effects.push(Effect::Send {
            conn,
            message: Message::Error {
                message: reason.clone(),
            },
        });
        effects.push(Effect::Close { conn, reason });
        self.conns.remove(&conn);
    }

    /// The relay replaced `doc`'s history (a document only it writes, rewritten without what
    /// must not outlive a deletion): every peer syncing it is told to drop its copy and fetch
    /// the new one (a `change-rejected` whose reason is `reason`), and this engine forgets its
    /// own copy, to load the new one from storage when next asked. Merging the old history with
    /// the new would bring back what was removed.
    pub fn reset(&mut self, doc: &DocumentId, reason: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (conn, c) in &self.conns {
            if let (true, Some(target)) = (c.docs.contains_key(doc), c.remote.clone()) {
                effects.push(Effect::Send {
                    conn: *conn,
                    message: Message::ChangeRejected {
                        sender: self.me.clone(),
                        target,
                        doc: *doc,
                        reason: reason.to_owned(),
                    },
                });
            }
        }
        self.forget(doc);
        effects
    }

    /// Answers a request for a document this peer will not serve, indistinguishable from a
    /// document that does not exist.
    pub fn unavailable(&self, conn: ConnId, doc: DocumentId) -> Vec<Effect> {
        let Some(target) = self.conns.get(&conn).and_then(|c| c.remote.clone()) else {
            return Vec::new();
        };
        vec![Effect::Send {
            conn,
            message: Message::DocUnavailable {
                sender: self.me.clone(),
                target,
                doc,
            },
        }]
    }

    // ---- reconnect summaries (docs/design.md §3) ---------------------------------------------

    /// The digest of what two peers share: for every document one of them ever synced with the
    /// other, its id and the heads they share, in document order.
    pub fn summary_digest<'a>(
        baseline: impl IntoIterator<Item = (&'a DocumentId, &'a [ChangeHash])>,
    ) -> Vec<u8> {
        use sha2::Digest;
        let mut sorted: Vec<(&DocumentId, &[ChangeHash])> = baseline.into_iter().collect();
        sorted.sort_by_key(|(doc, _)| **doc);
        let mut hash = sha2::Sha256::new();
        for (doc, heads) in sorted {
            let mut heads = heads.to_vec();
            heads.sort();
            hash.update(doc.as_bytes());
            hash.update(u32::try_from(heads.len()).unwrap_or(u32::MAX).to_be_bytes());
            for head in &heads {
                hash.update(head.0);
            }
        }
        hash.finalize().to_vec()
    }

    /// A device reconnecting to a relay that takes summaries: sends the digest of their stored
    /// sync states, and holds back the documents it has not changed since (answered in
    /// [`Self::on_summary_answer`]). Returns the documents held back.
    fn hold_for_summary(&mut self, conn: ConnId, effects: &mut Vec<Effect>) -> Vec<DocumentId> {
        let Some(c) = self.conns.get(&conn) else {
            return Vec::new();
        };
        let (Some(storage), Some(target), true, true) = (
            c.storage.clone(),
            c.remote.clone(),
            c.summaries,
            c.initiator,
        ) else {
            return Vec::new();
        };
        let baseline: Vec<(&DocumentId, &[ChangeHash])> = self
            .shared
            .iter()
            .filter(|((s, _), _)| *s == storage)
            .map(|((_, doc), heads)| (doc, heads.as_slice()))
            .collect();
        let held: Vec<DocumentId> = baseline
            .iter()
            .map(|(doc, _)| **doc)
            .filter(|doc| {
                self.docs.contains_key(doc) && !self.has_unsent_changes(Some(&storage), doc)
            })
            .collect();
        if held.is_empty() {
            return held;
        }
        let digest = Self::summary_digest(baseline);
        effects.push(Effect::Send {
            conn,
            message: Message::Summary {
                sender: self.me.clone(),
                target,
                digest: digest.clone(),
            },
        });
        if let Some(c) = self.conns.get_mut(&conn) {
            c.summary = Some((digest, held.clone()));
        }
        held
    }

    /// The relay's answer to this device's summary: the same digest means the relay starts the
    /// documents it has news of, and the rest are as both last left them; another digest means
    /// every held-back document is synced in full.
    fn on_summary_answer(&mut self, conn: ConnId, theirs: &[u8], effects: &mut Vec<Effect>) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let (Some((sent, held)), Some(storage)) = (c.summary.take(), c.storage.clone()) else {
            return;
        };
        for doc in held {
            let started = self
                .conns
                .get(&conn)
                .is_some_and(|c| c.docs.contains_key(&doc));
            if started {
                // The relay already began syncing it: its news came before this answer.
                continue;
            }
            if sent == theirs
                && let Some(heads) = self.shared.get(&(storage.clone(), doc)).cloned()
            {
                self.prime(conn, doc, heads);
                // Edited while the answer was on its way: send it now.
                self.send_sync(conn, doc, effects);
            } else {
                self.open_and_send(conn, doc, effects);
            }
        }
    }

    /// Opens (conn, doc)'s live sync state as after a completed exchange at `heads`, which both
    /// peers are known to hold: nothing is sent until either side changes the document.
    fn prime(&mut self, conn: ConnId, doc: DocumentId, heads: Vec<ChangeHash>) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let mut state = sync::State::new();
        state.shared_heads.clone_from(&heads);
        state.last_sent_heads.clone_from(&heads);
        state.their_heads = Some(heads.clone());
        state.their_need = Some(Vec::new());
        state.their_have = Some(vec![sync::Have {
            last_sync: heads,
            bloom: sync::BloomFilter::default(),
        }]);
        state.have_responded = true;
        // A document already syncing (a repeated summary) keeps its live state.
        c.docs.entry(doc).or_insert(state);
    }

    /// The relay answers a device's summary `theirs`. `baseline` is what the relay stored of
    /// their shared heads, per document ever synced with that device; `current` the heads each
    /// holds now (as stored); `readable` whether the member may still read it (one they may not
    /// is left out of the relay's digest too). Returns the
    /// answer, and the documents the relay has news of (changed since, or of unknown heads):
    /// the caller loads them and starts each with [`Self::open_sync`]. When the digests agree,
    /// every other readable document is primed as both last left it.
    pub fn answer_summary(
        &mut self,
        conn: ConnId,
        theirs: &[u8],
        baseline: &[(DocumentId, Vec<ChangeHash>)],
        current: &HashMap<DocumentId, Vec<ChangeHash>>,
        readable: &dyn Fn(&DocumentId) -> bool,
    ) -> (Vec<Effect>, Vec<DocumentId>) {
        let Some(target) = self.conns.get(&conn).and_then(|c| c.remote.clone()) else {
            return (Vec::new(), Vec::new());
        };
        // A document the member may no longer read is one their device dropped (or will drop
        // at its next look at who it is): it is no part of what they share.
        let baseline: Vec<&(DocumentId, Vec<ChangeHash>)> =
            baseline.iter().filter(|(doc, _)| readable(doc)).collect();
        let ours = Self::summary_digest(baseline.iter().map(|(d, h)| (d, h.as_slice())));
        let agreed = ours == theirs;
        let effects = vec![Effect::Send {
            conn,
            message: Message::Summary {
                sender: self.me.clone(),
                target,
                digest: ours,
            },
        }];
        if !agreed {
            return (effects, Vec::new());
        }
        let mut news = Vec::new();
        for (doc, shared) in baseline {
            let mut now = current.get(doc).cloned().unwrap_or_default();
            now.sort();
            let mut shared = shared.clone();
            shared.sort();
            if now == shared && !now.is_empty() {
                self.prime(conn, *doc, shared);
            } else {
                news.push(*doc);
            }
        }
        (effects, news)
    }

    /// Starts syncing `doc` (which this engine holds) on `conn`, as a reconnect does.
    pub fn open_sync(&mut self, conn: ConnId, doc: DocumentId) -> Vec<Effect> {
        let mut effects = Vec::new();
        if self.docs.contains_key(&doc) {
            self.open_and_send(conn, doc, &mut effects);
        }
        effects
    }

    // ---- internals -----------------------------------------------------------------------

    /// A new, empty document that this peer edits as its own actor.
    fn empty_doc(&self) -> StoredDoc {
        let mut doc = Automerge::new();
        if let Some(actor) = &self.actor {
            doc.set_actor(actor.clone());
        }
        StoredDoc {
            doc,
            saved_heads: Vec::new(),
            snapshot_bytes: 0,
            incremental_bytes: 0,
        }
    }

    fn metadata(&self) -> PeerMetadata {
        PeerMetadata {
            storage_id: self.storage.clone(),
            is_ephemeral: self.storage.is_none(),
            // Summaries compare stored sync states: only a peer that stores them offers them.
            summaries: self.storage.is_some(),
        }
    }

    fn ready(
        &mut self,
        conn: ConnId,
        peer: PeerId,
        metadata: Option<PeerMetadata>,
        effects: &mut Vec<Effect>,
    ) {
        let summaries = metadata.as_ref().is_some_and(|m| m.summaries);
        let storage = metadata
            .filter(|m| !m.is_ephemeral)
            .and_then(|m| m.storage_id);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.phase = Phase::Ready;
            c.remote = Some(peer.clone());
            c.storage.clone_from(&storage);
            c.summaries = summaries && storage.is_some();
        }
        effects.push(Effect::Ready {
            conn,
            peer,
            storage,
        });
    }

    /// A fresh live sync state for (conn, doc), resumed from persisted shared heads.
    fn open_state(&mut self, conn: ConnId, doc: DocumentId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.docs.contains_key(&doc) {
            return;
        }
        let mut state = sync::State::new();
        if let Some(storage) = &c.storage
            && let Some(heads) = self.shared.get(&(storage.clone(), doc))
        {
            state.shared_heads.clone_from(heads);
        }
        c.docs.insert(doc, state);
    }

    fn open_and_send(&mut self, conn: ConnId, doc: DocumentId, effects: &mut Vec<Effect>) {
        if !self.docs.contains_key(&doc) {
            // A document we want but have nothing of yet: sync from an empty document.
            let empty = self.empty_doc();
            self.docs.insert(doc, empty);
        }
        self.open_state(conn, doc);
        self.send_sync(conn, doc, effects);
    }

    /// Generates and queues the next sync message for (conn, doc), if there is one.
    fn send_sync(&mut self, conn: ConnId, doc: DocumentId, effects: &mut Vec<Effect>) {
        let (Some(stored), Some(c)) = (self.docs.get(&doc), self.conns.get_mut(&conn)) else {
            return;
        };
        let (Some(state), Some(target)) = (c.docs.get_mut(&doc), c.remote.clone()) else {
            return;
        };
        // automerge sends a whole-document snapshot whenever the missing changes are over a third
        // of the history — for a small profile that is every edit. Once the peer shares some
        // history, send raw changes instead (a one-field edit: ~150 B rather than the whole doc).
        let hidden = if state.shared_heads.is_empty() {
            None
        } else {
            state.their_capabilities.take()
        };
        let generated = stored.doc.generate_sync_message(state);
        if hidden.is_some() {
            state.their_capabilities = hidden;
        }
        let Some(msg) = generated else { return };
        c.held.remove(&doc);
        if self.coalesce && !msg.changes.is_empty() {
            c.awaiting.insert(doc);
        }
        let data = msg.encode();
        let sender = self.me.clone();
        let request = c.initiator && stored.doc.get_heads().is_empty();
        let message = Message::sync(request, sender, target, doc, data);
        effects.push(Effect::Send { conn, message });
    }

    fn on_sync(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        data: &[u8],
        request: bool,
        guard: &mut dyn Guard,
        effects: &mut Vec<Effect>,
    ) {
        if !self.docs.contains_key(&doc) {
            // We only hold documents that were loaded, created or wanted; a relay loads a document
            // (after checking the reader's grant) before handing its messages to the engine.
            effects.extend(self.unavailable(conn, doc));
            return;
        }
        let message = match sync::Message::decode(data) {
            Ok(m) => m,
            Err(e) => {
                self.fail(
                    conn,
                    format!("malformed sync message for {doc}: {e}"),
                    effects,
                );
                return;
            }
        };
        self.open_state(conn, doc);
        let (Some(stored), Some(c)) = (self.docs.get_mut(&doc), self.conns.get_mut(&conn)) else {
            return;
        };
        // The peer answered: what was held for it goes with our reply below.
        c.awaiting.remove(&doc);
        c.held.remove(&doc);
        let Some(state) = c.docs.get_mut(&doc) else {
            return;
        };
        let before = stored.doc.get_heads();
        if let Err(e) = stored.doc.receive_sync_message(state, message) {
            self.fail(
                conn,
                format!("sync message for {doc} could not be applied: {e}"),
                effects,
            );
            return;
        }
        if let Some(limit) = self.queue_limit {
            let waiting = !stored.doc.get_missing_deps(&[]).is_empty();
            let queued = self.queued.entry(doc).or_default();
            *queued = if waiting { *queued + data.len() } else { 0 };
            if *queued > limit {
                self.queued.remove(&doc);
                // Only the queue goes: what was applied stays (and is checked below).
                let actor = stored.doc.get_actor().clone();
                if let Ok(mut applied) = stored.doc.fork_at(&stored.doc.get_heads()) {
                    applied.set_actor(actor);
                    stored.doc = applied;
                }
                self.fail(
                    conn,
                    format!(
                        "more than {limit} bytes of changes for {doc} whose history never arrived"
                    ),
                    effects,
                );
                return;
            }
        }
        let changed = stored.doc.get_heads() != before;
        if changed {
            let brought = stored.doc.get_changes(&before);
            if let Err(reason) = guard.check(conn, doc, &stored.doc, &before, &brought) {
                self.refuse(conn, doc, &before, reason, effects);
                return;
            }
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let Some(state) = c.docs.get(&doc) else {
            return;
        };
        let shared_now = state.shared_heads.clone();
        let storage = c.storage.clone();
        let empty = self
            .docs
            .get(&doc)
            .is_none_or(|d| d.doc.get_heads().is_empty());

        if changed {
            self.after_change(doc, Some(conn), effects);
        }
        if let Some(peer) = storage {
            let key = (peer.clone(), doc);
            if self.shared.get(&key) != Some(&shared_now) {
                let mut persisted = sync::State::new();
                persisted.shared_heads.clone_from(&shared_now);
                effects.push(Effect::SaveSyncState {
                    peer,
                    doc,
                    state: persisted.encode(),
                });
                self.shared.insert(key, shared_now);
            }
        }
        if request && empty && !self.wanted.contains(&doc) {
            // They asked, and we have nothing to give: say so rather than leave them waiting.
            effects.extend(self.unavailable(conn, doc));
            return;
        }
        self.send_sync(conn, doc, effects);
    }

    /// Puts `doc` back as it was at `before` (nothing of the refused message was persisted or
    /// sent on), forgets what this peer's sync state learnt from it, and tells the peer why.
    fn refuse(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        before: &[ChangeHash],
        reason: String,
        effects: &mut Vec<Effect>,
    ) {
        if let Some(stored) = self.docs.get_mut(&doc) {
            let actor = stored.doc.get_actor().clone();
            match stored.doc.fork_at(before) {
                Ok(mut restored) => {
                    restored.set_actor(actor);
                    stored.doc = restored;
                }
                // Cannot happen (`before` were this document's own heads); start over from
                // storage rather than keep the refused changes.
                Err(_) => self.forget(&doc),
            }
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.docs.remove(&doc);
        if let Some(target) = c.remote.clone() {
            effects.push(Effect::Send {
                conn,
                message: Message::ChangeRejected {
                    sender: self.me.clone(),
                    target,
                    doc,
                    reason,
                },
            });
        }
    }

    /// The relay refused our changes to `doc`: drop our copy and fetch its version again.
    fn on_rejected(
        &mut self,
        conn: ConnId,
        doc: DocumentId,
        reason: String,
        effects: &mut Vec<Effect>,
    ) {
        if !self.docs.contains_key(&doc) {
            return;
        }
        self.forget(&doc);
        self.wanted.insert(doc);
        effects.push(Effect::Rejected { doc, reason });
        self.open_and_send(conn, doc, effects);
    }

    /// Persists what changed in `doc` and pushes it to every other peer syncing it.
    fn after_change(&mut self, doc: DocumentId, from: Option<ConnId>, effects: &mut Vec<Effect>) {
        let Some(stored) = self.docs.get_mut(&doc) else {
            return;
        };
        self.wanted.remove(&doc);
        let incremental = stored.doc.save_after(&stored.saved_heads);
        stored.incremental_bytes += incremental.len();
        let chunk = if stored.snapshot_bytes < SMALL_SNAPSHOT_BYTES
            || stored.incremental_bytes >= stored.snapshot_bytes
        {
            let snapshot = stored.doc.save();
            stored.snapshot_bytes = snapshot.len();
            stored.incremental_bytes = 0;
            Chunk::Snapshot(snapshot)
        } else {
            Chunk::Incremental(incremental)
        };
        stored.saved_heads = stored.doc.get_heads();
        effects.push(Effect::Persist {
            doc,
            chunk,
            heads: stored.saved_heads.clone(),
        });
        effects.push(Effect::DocChanged { doc });
        self.push_to_peers(doc, from, effects);
    }

    /// Sends `doc`'s news to every ready peer syncing it but `from` (holding it for one that has
    /// not answered the last).
    fn push_to_peers(&mut self, doc: DocumentId, from: Option<ConnId>, effects: &mut Vec<Effect>) {
        let others: Vec<ConnId> = self
            .conns
            .iter()
            .filter(|(id, c)| {
                Some(**id) != from
                    && c.phase == Phase::Ready
                    && (c.initiator || c.docs.contains_key(&doc))
            })
            .map(|(id, _)| *id)
            .collect();
        for conn in others {
            if let Some(c) = self.conns.get_mut(&conn)
                && c.awaiting.contains(&doc)
            {
                c.held.insert(doc);
                continue;
            }
            self.open_state(conn, doc);
            self.send_sync(conn, doc, effects);
        }
    }
}
