//! The documents on this device: the sans-IO [`Engine`] that holds them, the write queue that
//! keeps them on disk, and the outbox of documents whose local changes the relay has not
//! acknowledged yet.
//!
//! [`Documents::change`] is the one way a feature edits a document — a profile part, an RSVP,
//! an admission, an event, the organisation's defaults: it runs the edit as one automerge
//! change, notes the document in the outbox, and hands back the engine's effects for the runtime
//! to perform (persist the chunk, then send it). Nothing here knows the socket or the screens.

use std::cell::{Ref, RefCell, RefMut};
use std::collections::BTreeSet;
use std::fmt::Display;
use std::rc::Rc;

use automerge::Automerge;
use automerge::transaction::Transaction;
use tsunagu_core::engine::{Effect, Engine, EngineError};
use tsunagu_core::ids::{DocumentId, StorageId};

use crate::error::AppError;
use crate::store::Write;
use crate::store::queue::WriteQueue;

#[derive(Debug)]
pub(crate) struct Documents {
    engine: RefCell<Engine>,
    /// `None` when IndexedDB cannot be used: the app then works from memory while online.
    queue: Option<Rc<WriteQueue>>,
    /// Documents with local changes the relay has not acknowledged (mirrors the `outbox` store).
    outbox: RefCell<BTreeSet<DocumentId>>,
}

impl Documents {
    pub(super) fn new(
        engine: Engine,
        queue: Option<Rc<WriteQueue>>,
        outbox: BTreeSet<DocumentId>,
    ) -> Self {
        Self {
            engine: RefCell::new(engine),
            queue,
            outbox: RefCell::new(outbox),
        }
    }

    pub(super) fn engine(&self) -> Ref<'_, Engine> {
        self.engine.borrow()
    }

    pub(super) fn engine_mut(&self) -> RefMut<'_, Engine> {
        self.engine.borrow_mut()
    }

    /// The write queue, unless device storage is unavailable.
    pub(super) fn queue(&self) -> Option<&Rc<WriteQueue>> {
        self.queue.as_ref()
    }

    /// Whether `doc` came from the relay (it holds at least one change). Writing into a document
    /// the relay has not sent would fork its history, so features that write into the relay's
    /// documents ask this first.
    pub(super) fn arrived(&self, doc: &DocumentId) -> bool {
        arrived(&self.engine.borrow(), doc).is_some()
    }

    /// Makes one local change to `doc` and notes it in the outbox; the effects are for the
    /// runtime to perform (nothing if the edit changed nothing).
    pub(super) fn change<E: Display>(
        &self,
        doc: DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
    ) -> Result<Vec<Effect>, AppError> {
        let effects = self
            .engine
            .borrow_mut()
            .change(doc, edit)
            .map_err(|e| match e {
                EngineError::UnknownDocument(_) => AppError::NotSynced,
                other => AppError::LocalEdit(other.to_string()),
            })?;
        if !effects.is_empty() && self.outbox.borrow_mut().insert(doc) {
            self.write(Write::OutboxAdd(doc));
        }
        Ok(effects)
    }

    /// Queues a write to device storage (dropped when there is none: the engine holds it all).
    pub(super) fn write(&self, write: Write) {
        if let Some(queue) = &self.queue {
            queue.push(write);
        }
    }

    /// The relay refused a change to `doc`: the engine dropped its copy, so does the disk.
    pub(super) fn forget_rejected(&self, doc: DocumentId) {
        self.outbox.borrow_mut().remove(&doc);
        self.write(Write::Forget(doc));
    }

    /// How many local changes `relay` has not acknowledged; empties the outbox once it has
    /// them all.
    pub(super) fn pending(&self, relay: &StorageId) -> usize {
        let pending = self.engine.borrow().pending_changes(relay);
        if pending == 0 && !self.outbox.borrow().is_empty() {
            // Per-document counts are not exposed by the engine; zero overall means every
            // document in the outbox is acknowledged.
            self.outbox.borrow_mut().clear();
            self.write(Write::OutboxClear);
        }
        pending
    }
}

/// Keys of the map at `path` (from the root) that `keep` accepts and that are not in the
/// document at its `acknowledged` heads: written on this device (or another of the person's)
/// and not yet held by the relay — what shows as "sending". Before the first acknowledgement
/// every kept key is on its way.
pub(super) fn unsent_keys(
    doc: &automerge::Automerge,
    path: &[&str],
    keep: impl Fn(&str) -> bool,
    acknowledged: &[automerge::ChangeHash],
) -> BTreeSet<String> {
    use automerge::ReadDoc;
    let mut map = automerge::ROOT;
    for key in path {
        match doc.get(&map, *key) {
            Ok(Some((automerge::Value::Object(_), inner))) => map = inner,
            _ => return BTreeSet::new(),
        }
    }
    let now: BTreeSet<String> = doc.keys(&map).filter(|k| keep(k)).collect();
    if now.is_empty() || acknowledged.is_empty() {
        return now;
    }
    let sent: BTreeSet<String> = doc.keys_at(&map, acknowledged).collect();
    now.difference(&sent).cloned().collect()
}

/// `doc` as `engine` holds it, once it has arrived (the relay sent at least one change); a
/// document only asked for is not there yet.
pub(super) fn arrived<'e>(engine: &'e Engine, doc: &DocumentId) -> Option<&'e Automerge> {
    engine.doc(doc).filter(|d| !d.get_heads().is_empty())
}
