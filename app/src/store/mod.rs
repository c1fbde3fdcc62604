//! Device storage: the one IndexedDB database `tsunagu` that makes the app work offline.
//!
//! | object store | key | value |
//! |---|---|---|
//! | `chunks` | `<doc>/<seq>` | a document chunk (snapshot or incremental changes), bytes |
//! | `sync_states` | `<doc>/<remote storage id>` | the persisted sync state (shared heads), bytes |
//! | `outbox` | `<doc>` | `true`: the document has local changes the relay has not acknowledged |
//! | `meta` | a [`MetaKey`] | a string: device ids, the cached `Me` JSON, the UI language |
//! | `photos` | a photo id | `{blob, pending, used}`: a photo's bytes, whether the relay still lacks them, when last shown |
//!
//! Photos ([`tsunagu_core::photo`]) are kept apart from documents: the person's own until the
//! relay has them (`pending`), and others' within [`PHOTO_BUDGET`], the least recently shown
//! going first ([`Store::trim_photos`]).
//!
//! Keys start with the document id so that everything of one document is one key range, which
//! makes "a snapshot replaces every earlier chunk" and "forget this document" a single range
//! delete. Chunks load in any order ([`tsunagu_core::engine::Engine::load`] accepts that), so the
//! sequence part only has to be unique.
//!
//! Every batch of [`Write`]s is one transaction: if the disk is full the whole batch aborts and
//! nothing already stored changes (see [`queue`] for keeping the batch in memory and retrying).
//! Views never come here: the runtime performs the engine's effects through this API.

pub mod keys;
pub mod queue;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use indexed_db_futures::database::Database;
use indexed_db_futures::object_store::ObjectStore;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionMode};
use js_sys::Uint8Array;
use tsunagu_core::engine::Chunk;
use tsunagu_core::ids::{DocumentId, StorageId};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use crate::error::AppError;

/// The database the app uses; tests open others so they never touch a real profile's data.
pub const DB_NAME: &str = "tsunagu";
const DB_VERSION: u32 = 2;
const CHUNKS: &str = "chunks";
const SYNC_STATES: &str = "sync_states";
const OUTBOX: &str = "outbox";
const META: &str = "meta";
const PHOTOS: &str = "photos";
const ALL_STORES: [&str; 5] = [CHUNKS, SYNC_STATES, OUTBOX, META, PHOTOS];
/// The stores that hold documents, which [`Store::load`] reads.
const DOCUMENT_STORES: [&str; 3] = [CHUNKS, SYNC_STATES, OUTBOX];
/// What a sign-out wipes: the documents and the photos they showed.
const PERSONAL_STORES: [&str; 4] = [CHUNKS, SYNC_STATES, OUTBOX, PHOTOS];

/// How many bytes of others' photos a device keeps for offline viewing.
pub const PHOTO_BUDGET: f64 = 64.0 * 1024.0 * 1024.0;

/// What the `meta` store holds, one string each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaKey {
    /// This device's storage id (the relay saves its sync state with us under it).
    StorageId,
    /// This device's Automerge actor id, hex.
    ActorId,
    /// The last `Me` the relay sent, as JSON, so the app starts signed in while offline.
    Me,
    /// The UI language the person chose (`ja` / `en`).
    Language,
    /// Each event as the person last saw it (JSON, by document id), so an edit shows what
    /// changed once rather than announcing the event again.
    SeenEvents,
    /// The venue codes this person (staff, admins) fetched (JSON, by event document id), so
    /// the door still shows one with no signal.
    VenueCodes,
    /// The seat status the person last saw for each event (JSON, by event document id), so a
    /// promotion from the waiting list is told once, also after a restart.
    SeenSeats,
    /// The events the person has had in their list (JSON, document ids): one that appears
    /// after it counts as new on the events tab until the list is looked at again.
    KnownEvents,
    /// The news posts the person opened on this device (JSON, document ids): the others are
    /// unread.
    SeenNews,
}

impl MetaKey {
    const ALL: [MetaKey; 9] = [
        MetaKey::StorageId,
        MetaKey::ActorId,
        MetaKey::Me,
        MetaKey::Language,
        MetaKey::SeenEvents,
        MetaKey::VenueCodes,
        MetaKey::SeenSeats,
        MetaKey::KnownEvents,
        MetaKey::SeenNews,
    ];

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == key)
    }

    fn as_str(self) -> &'static str {
        match self {
            MetaKey::StorageId => "storage-id",
            MetaKey::ActorId => "actor-id",
            MetaKey::Me => "me",
            MetaKey::Language => "language",
            MetaKey::SeenEvents => "seen-events",
            MetaKey::VenueCodes => "venue-codes",
            MetaKey::SeenSeats => "seen-seats",
            MetaKey::KnownEvents => "known-events",
            MetaKey::SeenNews => "seen-news",
        }
    }
}

/// One change to device storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Store a chunk of a document; a snapshot replaces every chunk stored before it.
    Chunk { doc: DocumentId, chunk: Chunk },
    /// Store the sync state for (remote storage, document).
    SyncState {
        peer: StorageId,
        doc: DocumentId,
        state: Vec<u8>,
    },
    /// The document has local changes the relay has not acknowledged yet.
    OutboxAdd(DocumentId),
    /// The relay has acknowledged every local change.
    OutboxClear,
    /// Remember a setting or id.
    Meta { key: MetaKey, value: String },
    /// Remove a setting (the cached `Me` at sign-out).
    MetaDelete(MetaKey),
    /// Delete a document with its sync states (no longer readable by this person).
    Forget(DocumentId),
}

/// Everything needed to restart the engine where it stopped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub docs: BTreeMap<DocumentId, Vec<Vec<u8>>>,
    pub sync_states: Vec<(StorageId, DocumentId, Vec<u8>)>,
    pub outbox: BTreeSet<DocumentId>,
}

/// The open device database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    /// Makes chunk keys unique within one millisecond.
    counter: Cell<u32>,
}

impl Store {
    /// Opens (and on first use creates) the database `name`.
    pub async fn open(name: &str) -> Result<Self, AppError> {
        let db = Database::open(name)
            .with_version(DB_VERSION)
            .with_on_upgrade_needed(|_event, db| {
                // Version 1 was the first schema, version 2 added `photos`: create whatever is
                // missing.
                let existing: Vec<String> = db.object_store_names().collect();
                for store in ALL_STORES {
                    if !existing.iter().any(|s| s == store) {
                        db.create_object_store(store).build()?;
                    }
                }
                Ok(())
            })
            .await
            .map_err(|e| AppError::StorageUnavailable(format!("opening {name}: {e}")))?;
        Ok(Self {
            db,
            counter: Cell::new(0),
        })
    }

    /// Closes the connection (tests reopen to prove data survives).
    pub fn close(self) {
        self.db.close();
    }

    /// What a start needs: every setting, and every document chunk, sync state and outbox
    /// entry. `boot.js` reads them while the wasm loads; they are taken from there, or read now
    /// if it could not. Settings and documents fail apart: a corrupt chunk loses no setting.
    pub async fn read_start(
        &self,
    ) -> (
        Result<Vec<(MetaKey, String)>, AppError>,
        Result<Loaded, AppError>,
    ) {
        if let Some(ahead) = read_ahead().await {
            return (Ok(settings_of(ahead.meta)), loaded_of(ahead.documents));
        }
        futures::join!(self.settings(), self.load())
    }

    /// Reads every document chunk, sync state and outbox entry, the requests all at once.
    pub async fn load(&self) -> Result<Loaded, AppError> {
        let err = failed("loading");
        let tx = self.db.transaction(DOCUMENT_STORES).build().map_err(err)?;
        let (chunks, sync_states, outbox) = (
            tx.object_store(CHUNKS).map_err(err)?,
            tx.object_store(SYNC_STATES).map_err(err)?,
            tx.object_store(OUTBOX).map_err(err)?,
        );
        let (chunks, sync_states, outbox) = futures::join!(
            all_entries(&chunks),
            all_entries(&sync_states),
            all_keys(&outbox),
        );
        loaded_of(Stored {
            chunks: chunks?,
            sync_states: sync_states?,
            outbox: outbox?,
        })
    }

    /// Reads every setting in one request.
    pub async fn settings(&self) -> Result<Vec<(MetaKey, String)>, AppError> {
        let err = failed("reading settings");
        let tx = self.db.transaction(META).build().map_err(err)?;
        Ok(settings_of(
            all_entries(&tx.object_store(META).map_err(err)?).await?,
        ))
    }

    /// Reads one `meta` entry.
    pub async fn meta(&self, key: MetaKey) -> Result<Option<String>, AppError> {
        let err = failed("reading settings");
        let tx = self.db.transaction(META).build().map_err(err)?;
        let store = tx.object_store(META).map_err(err)?;
        let value: Option<String> = store.get(key.as_str()).await.map_err(err)?;
        Ok(value)
    }

    /// Applies a batch of writes as one transaction: all of them, or (on error) none.
    pub async fn apply(&self, writes: &[Write]) -> Result<(), AppError> {
        if writes.is_empty() {
            return Ok(());
        }
        let err = failed("saving");
        let tx = self
            .db
            .transaction(ALL_STORES)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(err)?;
        let chunks = tx.object_store(CHUNKS).map_err(err)?;
        let sync_states = tx.object_store(SYNC_STATES).map_err(err)?;
        let outbox = tx.object_store(OUTBOX).map_err(err)?;
        let meta = tx.object_store(META).map_err(err)?;
        for write in writes {
            match write {
                Write::Chunk { doc, chunk } => {
                    let bytes = match chunk {
                        Chunk::Snapshot(bytes) => {
                            delete_document(&chunks, doc).await?;
                            bytes
                        }
                        Chunk::Incremental(bytes) => bytes,
                    };
                    let key = keys::chunk(doc, self.next_seq());
                    chunks
                        .put(bytes_value(bytes))
                        .with_key(key)
                        .await
                        .map_err(err)?;
                }
                Write::SyncState { peer, doc, state } => {
                    let key = keys::sync_state(doc, peer);
                    sync_states
                        .put(bytes_value(state))
                        .with_key(key)
                        .await
                        .map_err(err)?;
                }
                Write::OutboxAdd(doc) => {
                    outbox
                        .put(true)
                        .with_key(doc.to_string())
                        .await
                        .map_err(err)?;
                }
                Write::OutboxClear => outbox.clear().map_err(err)?.await.map_err(err)?,
                Write::Meta { key, value } => {
                    meta.put(value.as_str())
                        .with_key(key.as_str())
                        .await
                        .map_err(err)?;
                }
                Write::MetaDelete(key) => {
                    meta.delete(key.as_str()).await.map_err(err)?;
                }
                Write::Forget(doc) => {
                    delete_document(&chunks, doc).await?;
                    delete_document(&sync_states, doc).await?;
                    outbox.delete(doc.to_string()).await.map_err(err)?;
                }
            }
        }
        tx.commit().await.map_err(err)
    }

    /// Deletes every document, sync state, the outbox and the photos (sign-out on a shared
    /// device). The device's own ids stay: they name this storage, not the person.
    pub async fn wipe_documents(&self) -> Result<(), AppError> {
        let err = failed("wiping");
        let tx = self
            .db
            .transaction(PERSONAL_STORES)
            .with_mode(TransactionMode::Readwrite)
            .build()
            .map_err(err)?;
        for store in PERSONAL_STORES {
            tx.object_store(store)
                .map_err(err)?
                .clear()
                .map_err(err)?
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    /// Keeps a photo: the person's own (`pending` until the relay has it) or one fetched to show.
    pub async fn put_photo(&self, id: &str, blob: &Blob, pending: bool) -> Result<(), AppError> {
        let err = failed("saving a photo");
        let tx = self.photos_tx(TransactionMode::Readwrite)?;
        let store = tx.object_store(PHOTOS).map_err(err)?;
        store
            .put(photo_value(blob, pending, js_sys::Date::now()))
            .with_key(id)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    /// A kept photo, marked as shown now.
    pub async fn photo(&self, id: &str) -> Result<Option<Blob>, AppError> {
        let err = failed("reading a photo");
        let tx = self.photos_tx(TransactionMode::Readwrite)?;
        let store = tx.object_store(PHOTOS).map_err(err)?;
        let Some(value) = store.get::<JsValue, _, _>(id).await.map_err(err)? else {
            return Ok(None);
        };
        let (blob, pending, _) = photo_of(&value, id)?;
        store
            .put(photo_value(&blob, pending, js_sys::Date::now()))
            .with_key(id)
            .await
            .map_err(err)?;
        tx.commit().await.map_err(err)?;
        Ok(Some(blob))
    }

    /// The person's photos the relay does not have yet, to upload.
    pub async fn pending_photos(&self) -> Result<Vec<(String, Blob)>, AppError> {
        Ok(self
            .all_photos()
            .await?
            .into_iter()
            .filter(|(_, _, pending, _)| *pending)
            .map(|(id, blob, _, _)| (id, blob))
            .collect())
    }

    /// The relay has the photo `id` now: it is kept like any other (within the budget).
    pub async fn photo_uploaded(&self, id: &str) -> Result<(), AppError> {
        let err = failed("saving a photo");
        let tx = self.photos_tx(TransactionMode::Readwrite)?;
        let store = tx.object_store(PHOTOS).map_err(err)?;
        if let Some(value) = store.get::<JsValue, _, _>(id).await.map_err(err)? {
            let (blob, _, used) = photo_of(&value, id)?;
            store
                .put(photo_value(&blob, false, used))
                .with_key(id)
                .await
                .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    /// Deletes the least recently shown photos the relay has until those left fit in `budget`
    /// bytes; photos waiting to upload are never deleted.
    pub async fn trim_photos(&self, budget: f64) -> Result<(), AppError> {
        let mut kept: Vec<(String, f64, f64)> = self
            .all_photos()
            .await?
            .into_iter()
            .filter(|(_, _, pending, _)| !*pending)
            .map(|(id, blob, _, used)| (id, blob.size(), used))
            .collect();
        let mut total: f64 = kept.iter().map(|(_, size, _)| size).sum();
        if total <= budget {
            return Ok(());
        }
        kept.sort_by(|a, b| a.2.total_cmp(&b.2));
        let err = failed("trimming photos");
        let tx = self.photos_tx(TransactionMode::Readwrite)?;
        let store = tx.object_store(PHOTOS).map_err(err)?;
        for (id, size, _) in kept {
            if total <= budget {
                break;
            }
            store.delete(id.as_str()).await.map_err(err)?;
            total -= size;
        }
        tx.commit().await.map_err(err)
    }

    /// Every kept photo: id, bytes, whether pending, when last shown.
    async fn all_photos(&self) -> Result<Vec<(String, Blob, bool, f64)>, AppError> {
        let tx = self.photos_tx(TransactionMode::Readonly)?;
        let store = tx.object_store(PHOTOS).map_err(failed("reading photos"))?;
        all_entries(&store)
            .await?
            .into_iter()
            .map(|(id, value)| {
                let (blob, pending, used) = photo_of(&value, &id)?;
                Ok((id, blob, pending, used))
            })
            .collect()
    }

    fn photos_tx(&self, mode: TransactionMode) -> Result<Transaction<'_>, AppError> {
        self.db
            .transaction(PHOTOS)
            .with_mode(mode)
            .build()
            .map_err(failed("opening photos"))
    }

    fn next_seq(&self) -> String {
        let n = self.counter.get().wrapping_add(1);
        self.counter.set(n);
        keys::seq(js_sys::Date::now(), n)
    }
}

/// Deletes every entry of `doc` from a store keyed `<doc>/…` (one key range, see the module docs).
async fn delete_document(store: &ObjectStore<'_>, doc: &DocumentId) -> Result<(), AppError> {
    store
        .delete::<String, _>(keys::range(doc))
        .await
        .map_err(failed("saving"))
}

/// Every key of an object store, in key order.
async fn all_keys(store: &ObjectStore<'_>) -> Result<Vec<String>, AppError> {
    let err = failed("loading");
    store
        .get_all_keys::<String>()
        .await
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)
}

/// Every (key, value) of an object store; `getAll` and `getAllKeys` return the same key order.
async fn all_entries(store: &ObjectStore<'_>) -> Result<Vec<(String, JsValue)>, AppError> {
    let err = failed("loading");
    let (keys, values) = futures::join!(all_keys(store), async {
        store.get_all::<JsValue>().await.map_err(err)
    });
    let keys = keys?;
    let values: Vec<JsValue> = values?.collect::<Result<_, _>>().map_err(err)?;
    if keys.len() != values.len() {
        return Err(AppError::CorruptStorage(
            "keys and values differ in number".into(),
        ));
    }
    Ok(keys.into_iter().zip(values).collect())
}

/// The document stores' entries as read, before they are checked.
struct Stored {
    chunks: Vec<(String, JsValue)>,
    sync_states: Vec<(String, JsValue)>,
    outbox: Vec<String>,
}

fn loaded_of(stored: Stored) -> Result<Loaded, AppError> {
    let mut loaded = Loaded::default();
    for (key, value) in stored.chunks {
        let (doc, _) = keys::split(&key)?;
        loaded
            .docs
            .entry(doc)
            .or_default()
            .push(bytes_of(&value, &key)?);
    }
    for (key, value) in stored.sync_states {
        let (doc, peer) = keys::split(&key)?;
        loaded
            .sync_states
            .push((StorageId::new(peer), doc, bytes_of(&value, &key)?));
    }
    for key in stored.outbox {
        loaded.outbox.insert(keys::doc(&key)?);
    }
    Ok(loaded)
}

/// The settings among `entries`; anything else is not ours and left alone.
fn settings_of(entries: Vec<(String, JsValue)>) -> Vec<(MetaKey, String)> {
    entries
        .into_iter()
        .filter_map(|(key, value)| Some((MetaKey::parse(&key)?, value.as_string()?)))
        .collect()
}

/// What `boot.js` read ahead: `window.tsunaguStored`, a promise of each store's keys and values
/// (the outbox's keys only), or of null when it could not read them. Taken once.
struct ReadAhead {
    meta: Vec<(String, JsValue)>,
    documents: Stored,
}

async fn read_ahead() -> Option<ReadAhead> {
    let window = web_sys::window()?;
    let name = JsValue::from_str("tsunaguStored");
    let promise: js_sys::Promise = js_sys::Reflect::get(&window, &name).ok()?.dyn_into().ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &name);
    let stored = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let part = |store: &str, at: u32| -> Option<js_sys::Array> {
        let pair: js_sys::Array = js_sys::Reflect::get(&stored, &store.into())
            .ok()?
            .dyn_into()
            .ok()?;
        pair.get(at).dyn_into().ok()
    };
    let entries = |store: &str| -> Option<Vec<(String, JsValue)>> {
        let (keys, values) = (part(store, 0)?, part(store, 1)?);
        if keys.length() != values.length() {
            return None;
        }
        keys.iter()
            .zip(values.iter())
            .map(|(k, v)| Some((k.as_string()?, v)))
            .collect()
    };
    let outbox = part(OUTBOX, 0)?
        .iter()
        .map(|k| k.as_string())
        .collect::<Option<_>>()?;
    Some(ReadAhead {
        meta: entries(META)?,
        documents: Stored {
            chunks: entries(CHUNKS)?,
            sync_states: entries(SYNC_STATES)?,
            outbox,
        },
    })
}

/// Turns a failed IndexedDB call into the app's error, naming what the store was doing.
fn failed(context: &'static str) -> impl Fn(indexed_db_futures::error::Error) -> AppError + Copy {
    move |e| AppError::from_idb(context, &e)
}

fn photo_value(blob: &Blob, pending: bool, used: f64) -> JsValue {
    let value = js_sys::Object::new();
    // Setting a property of a plain new object cannot fail.
    let _ = js_sys::Reflect::set(&value, &"blob".into(), blob);
    let _ = js_sys::Reflect::set(&value, &"pending".into(), &pending.into());
    let _ = js_sys::Reflect::set(&value, &"used".into(), &used.into());
    value.into()
}

fn photo_of(value: &JsValue, id: &str) -> Result<(Blob, bool, f64), AppError> {
    let field = |name: &str| js_sys::Reflect::get(value, &name.into()).unwrap_or_default();
    let blob = field("blob")
        .dyn_into::<Blob>()
        .map_err(|_| AppError::CorruptStorage(format!("photo {id} holds no image")))?;
    Ok((
        blob,
        field("pending").as_bool().unwrap_or(false),
        field("used").as_f64().unwrap_or(0.0),
    ))
}

fn bytes_value(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

fn bytes_of(value: &JsValue, key: &str) -> Result<Vec<u8>, AppError> {
    value
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| AppError::CorruptStorage(format!("{key} does not hold bytes")))
}
