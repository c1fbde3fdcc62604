//! An in-memory runtime for the engine: a store that keeps what engines persist, and a hub that
//! carries encoded frames between one relay and many devices, with optional loss and duplication.
//!
//! It is the third runtime beside the browser and the relay, used by the engine's scenario tests
//! and by `cargo xtask bench` to count bytes on the wire without a network.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use automerge::{Automerge, Change, ChangeHash};

use crate::engine::{Chunk, ConnId, Effect, Engine, EngineError, Guard};
use crate::grants::{ConversationFacts, DocFacts, EventFacts, Subject};
use crate::ids::{DocumentId, PeerId, StorageId};
use crate::profile::{Link, Position, Profile};
use crate::validate::{ActorBook, authorise};
use crate::vocab::{DocKind, Role};
use crate::wire::Message;

/// What a real store (IndexedDB, SQLite) keeps: chunks per document and sync states.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub chunks: BTreeMap<DocumentId, Vec<Vec<u8>>>,
    pub sync_states: BTreeMap<(StorageId, DocumentId), Vec<u8>>,
    /// Each document's heads as last stored.
    pub heads: BTreeMap<DocumentId, Vec<automerge::ChangeHash>>,
}

impl MemoryStore {
    /// Performs the persistence effects, as a store would.
    pub fn apply(&mut self, effects: &[Effect]) {
        for effect in effects {
            match effect {
                Effect::Persist { doc, chunk, heads } => {
                    match chunk {
                        Chunk::Snapshot(bytes) => {
                            self.chunks.insert(*doc, vec![bytes.clone()]);
                        }
                        Chunk::Incremental(bytes) => {
                            self.chunks.entry(*doc).or_default().push(bytes.clone());
                        }
                    }
                    self.heads.insert(*doc, heads.clone());
                }
                Effect::SaveSyncState { peer, doc, state } => {
                    self.sync_states.insert((peer.clone(), *doc), state.clone());
                }
                Effect::Rejected { doc, .. } => {
                    self.chunks.remove(doc);
                    self.sync_states.retain(|(_, d), _| d != doc);
                }
                _ => {}
            }
        }
    }

    /// A fresh engine started from this store, as after a reload or a restart.
    pub fn boot(&self, me: &str, storage: &StorageId) -> Result<Engine, EngineError> {
        let mut engine = Engine::new(PeerId::new(me), Some(storage.clone()));
        for (doc, chunks) in &self.chunks {
            engine.load(*doc, chunks)?;
        }
        for ((peer, doc), state) in &self.sync_states {
            engine.load_sync_state(peer.clone(), *doc, state)?;
        }
        Ok(engine)
    }
}

/// Bytes of encoded frames carried, per direction.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Traffic {
    pub to_relay: usize,
    pub to_devices: usize,
    pub frames: usize,
}

/// A peer with its store.
#[derive(Debug)]
pub struct Node {
    pub engine: Engine,
    pub store: MemoryStore,
    pub storage: StorageId,
    /// Every ephemeral message this node was shown: (document, data).
    pub ephemeral: Vec<(DocumentId, Vec<u8>)>,
    name: String,
}

impl Node {
    pub fn new(name: &str) -> Self {
        let storage = StorageId::new(format!("{name}-storage"));
        Self {
            engine: Engine::new(PeerId::new(name), Some(storage.clone())),
            store: MemoryStore::default(),
            storage,
            ephemeral: Vec::new(),
            name: name.into(),
        }
    }

    /// Restarts from what was persisted, dropping everything held only in memory.
    pub fn restart(&mut self) -> Result<(), EngineError> {
        self.engine = self.store.boot(&self.name, &self.storage)?;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Relay(ConnId),
    Device(usize, ConnId),
}

/// Decides how many copies of a frame arrive: 0 (lost), 1, or 2 (duplicated).
pub type Fault = Box<dyn FnMut(&Message) -> usize>;

/// One relay and any number of devices, connected by in-memory links.
pub struct Hub {
    pub relay: Node,
    pub devices: Vec<Node>,
    /// For each device, its open link: (device-side conn, relay-side conn).
    links: Vec<Option<(ConnId, ConnId)>>,
    queue: VecDeque<(To, Vec<u8>)>,
    pub traffic: Traffic,
    /// Time the relay's engine spent on what it received (benches; natively only).
    pub relay_busy: std::time::Duration,
    pub fault: Option<Fault>,
    /// Decides what the relay accepts from devices (every change, when `None`).
    pub guard: Option<Authoriser>,
    /// Documents no device may read any more, as the relay answers a summary.
    pub unreadable: HashSet<DocumentId>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("devices", &self.devices.len())
            .field("traffic", &self.traffic)
            .finish()
    }
}

impl Hub {
    pub fn new(relay: Node) -> Self {
        Self {
            relay,
            devices: Vec::new(),
            links: Vec::new(),
            queue: VecDeque::new(),
            traffic: Traffic::default(),
            relay_busy: std::time::Duration::ZERO,
            fault: None,
            guard: None,
            unreadable: HashSet::new(),
        }
    }

    pub fn add_device(&mut self, device: Node) -> usize {
        self.devices.push(device);
        self.links.push(None);
        self.devices.len() - 1
    }

    /// Opens a link from device `i` to the relay and starts the handshake.
    pub fn connect(&mut self, i: usize) {
        let d = self.devices[i].engine.connect();
        let r = self.relay.engine.accept();
        self.links[i] = Some((d, r));
        let effects = self.devices[i].engine.start(d);
        self.from_device(i, effects);
    }

    /// Drops device `i`'s link; frames in flight on it are lost.
    pub fn disconnect(&mut self, i: usize) {
        if let Some((d, r)) = self.links[i].take() {
            self.devices[i].engine.disconnect(d);
            self.relay.engine.disconnect(r);
            self.queue
                .retain(|(to, _)| *to != To::Relay(r) && *to != To::Device(i, d));
        }
    }

    /// The relay's end of device `i`'s link, if it is connected.
    pub fn relay_conn(&self, i: usize) -> Option<ConnId> {
        self.links[i].map(|(_, r)| r)
    }

    pub fn is_connected(&self, i: usize) -> bool {
        self.links[i].is_some()
    }

    /// Performs effects produced by device `i` (a local edit, a `want`).
    pub fn from_device(&mut self, i: usize, effects: Vec<Effect>) {
        self.devices[i].store.apply(&effects);
        for effect in &effects {
            if let Effect::Ephemeral { doc, ephemeral, .. } = effect {
                self.devices[i]
                    .ephemeral
                    .push((*doc, ephemeral.data.clone()));
            }
        }
        let Some((_, r)) = self.links[i] else { return };
        for effect in effects {
            if let Effect::Send { message, .. } = effect {
                self.queue.push_back((To::Relay(r), message.encode()));
            }
        }
    }

    /// Performs effects produced by the relay.
    pub fn from_relay(&mut self, effects: Vec<Effect>) {
        self.relay.store.apply(&effects);
        // A device's summary, answered from what the relay stored (as the real relay does from
        // its database; every document is readable here, and every one is in memory).
        let answers: Vec<Effect> = effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Summary { conn, digest } => Some(self.answer_summary(*conn, digest)),
                _ => None,
            })
            .flatten()
            .collect();
        // The relay passes ephemeral messages on to every other device syncing the document
        // (the real relay only to those who may read it).
        let forwarded: Vec<Effect> = effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Ephemeral {
                    conn,
                    doc,
                    ephemeral,
                } => Some(
                    self.relay
                        .engine
                        .forward_ephemeral(*conn, *doc, ephemeral, |_| true),
                ),
                _ => None,
            })
            .flatten()
            .collect();
        for effect in effects.into_iter().chain(forwarded).chain(answers) {
            if let Effect::Send { conn, message } = effect
                && let Some(i) = self
                    .links
                    .iter()
                    .position(|l| l.is_some_and(|(_, r)| r == conn))
                && let Some((d, _)) = self.links[i]
            {
                self.queue.push_back((To::Device(i, d), message.encode()));
            }
        }
    }

    fn answer_summary(&mut self, conn: ConnId, digest: &[u8]) -> Vec<Effect> {
        let Some(device) = self.relay.engine.remote_storage(conn).cloned() else {
            return Vec::new();
        };
        let baseline: Vec<(DocumentId, Vec<ChangeHash>)> = self
            .relay
            .store
            .sync_states
            .iter()
            .filter(|((peer, _), _)| *peer == device)
            .filter_map(|((_, doc), state)| Some((*doc, Engine::shared_heads_in(state).ok()?)))
            .collect();
        let current: HashMap<DocumentId, Vec<ChangeHash>> = self
            .relay
            .store
            .heads
            .iter()
            .map(|(doc, heads)| (*doc, heads.clone()))
            .collect();
        let unreadable = &self.unreadable;
        let (mut effects, news) =
            self.relay
                .engine
                .answer_summary(conn, digest, &baseline, &current, &|doc| {
                    !unreadable.contains(doc)
                });
        for doc in news {
            effects.extend(self.relay.engine.open_sync(conn, doc));
        }
        self.relay.store.apply(&effects);
        effects
    }

    /// Delivers frames until nobody has anything more to say; returns the traffic of this run.
    pub fn run(&mut self) -> Traffic {
        let before = self.traffic;
        let mut budget = 1_000_000usize;
        while let Some((to, frame)) = self.queue.pop_front() {
            budget = budget.saturating_sub(1);
            assert!(budget > 0, "sync did not quiesce");
            let Ok(message) = Message::decode(&frame) else {
                continue;
            };
            let copies = self.fault.as_mut().map_or(1, |f| f(&message));
            for _ in 0..copies {
                self.traffic.frames += 1;
                match to {
                    To::Relay(r) => {
                        self.traffic.to_relay += frame.len();
                        #[cfg(not(target_arch = "wasm32"))]
                        let started = std::time::Instant::now();
                        let effects = match self.guard.as_mut() {
                            Some(guard) => {
                                self.relay.engine.receive_guarded(r, message.clone(), guard)
                            }
                            None => self.relay.engine.receive(r, message.clone()),
                        };
                        #[cfg(not(target_arch = "wasm32"))]
                        {
                            self.relay_busy += started.elapsed();
                        }
                        self.from_relay(effects);
                    }
                    To::Device(i, d) => {
                        self.traffic.to_devices += frame.len();
                        let effects = self.devices[i].engine.receive(d, message.clone());
                        self.from_device(i, effects);
                    }
                }
            }
        }
        Traffic {
            to_relay: self.traffic.to_relay - before.to_relay,
            to_devices: self.traffic.to_devices - before.to_devices,
            frames: self.traffic.frames - before.frames,
        }
    }
}

/// The relay's write check for a [`Hub`]: who is on each relay-side connection and what each
/// document is, judged by the grant table exactly as the relay judges them.
#[derive(Debug, Default)]
pub struct Authoriser {
    members: HashMap<ConnId, (String, Vec<Role>)>,
    docs: HashMap<DocumentId, (DocKind, Option<String>, Option<EventFacts>)>,
    /// Who is in each conversation, by its documents (the conversation and its pages).
    conversations: HashMap<DocumentId, Vec<String>>,
    pub book: ActorBook,
}

impl Authoriser {
    /// `user`, holding `roles`, is on the relay's connection `conn`.
    pub fn member(&mut self, conn: ConnId, user: &str, roles: &[Role]) {
        self.members.insert(conn, (user.to_owned(), roles.to_vec()));
    }

    /// `doc` is of `kind` and belongs to `owner` (an active member).
    pub fn document(&mut self, doc: DocumentId, kind: DocKind, owner: Option<&str>) {
        self.docs
            .insert(doc, (kind, owner.map(str::to_owned), None));
    }

    /// `doc` is an event's document of `kind`, which stands to every member as `facts` says.
    pub fn event_document(&mut self, doc: DocumentId, kind: DocKind, facts: EventFacts) {
        self.docs.insert(doc, (kind, None, Some(facts)));
    }

    /// `doc` is a conversation's document of `kind`, and `members` are in the conversation.
    pub fn conversation_document(&mut self, doc: DocumentId, kind: DocKind, members: &[&str]) {
        self.docs.insert(doc, (kind, None, None));
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        self.conversations.insert(doc, members);
    }
}

impl Guard for Authoriser {
    fn check(
        &mut self,
        conn: ConnId,
        id: DocumentId,
        doc: &Automerge,
        before: &[ChangeHash],
        changes: &[Change],
    ) -> Result<(), String> {
        let (user, roles) = self.members.get(&conn).ok_or("unknown connection")?;
        let (kind, owner, event) = self.docs.get(&id).ok_or("unknown document")?;
        let subject = Subject { user, roles };
        let conversation = self
            .conversations
            .get(&id)
            .map(|members| ConversationFacts {
                member: members.iter().any(|m| m == user),
            });
        let facts = DocFacts {
            kind: *kind,
            owner: owner.as_deref(),
            owner_listed: true,
            event: *event,
            conversation,
            news: None,
        };
        authorise(doc, before, changes, &subject, &facts, &mut self.book).map_err(|e| e.to_string())
    }
}

/// A profile about as full as the demo's seeded ones, the `i`th of many alike: what benches and
/// load generators sync.
pub fn sample_profile(i: usize) -> Profile {
    const FAMILY: [(&str, &str); 6] = [
        ("山田", "やまだ"),
        ("佐藤", "さとう"),
        ("鈴木", "すずき"),
        ("高橋", "たかはし"),
        ("田中", "たなか"),
        ("伊藤", "いとう"),
    ];
    const GIVEN: [(&str, &str); 5] = [
        ("花子", "はなこ"),
        ("健", "けん"),
        ("美咲", "みさき"),
        ("大輔", "だいすけ"),
        ("陽菜", "ひな"),
    ];
    let (f, fr) = FAMILY[i % FAMILY.len()];
    let (g, gr) = GIVEN[i % GIVEN.len()];
    Profile {
        owner: format!("user-{i}"),
        name: format!("{f} {g}"),
        reading: format!("{fr} {gr}"),
        romaji: String::new(),
        photo: String::new(),
        joined: format!("{}-04", 2005 + i % 12),
        left: format!("{}-03", 2018 + i % 7),
        positions: vec![Position {
            department: "営業本部".into(),
            role: "課長".into(),
        }],
        employer: "株式会社サイバーエージェント".into(),
        title: "プロダクトマネージャー".into(),
        location: "東京都渋谷区".into(),
        skills: vec!["Rust".into(), "プロダクトマネジメント".into(), "SQL".into()],
        certifications: vec!["基本情報技術者".into()],
        bio: "新卒で入社し、法人営業と新規事業を担当。現在はSaaSのPMとして働いています。".into(),
        links: vec![Link {
            label: "LinkedIn".into(),
            url: format!("https://www.linkedin.com/in/alumni-{i}"),
        }],
        interests: vec!["mentoring".into(), "keep-in-touch".into()],
    }
}
