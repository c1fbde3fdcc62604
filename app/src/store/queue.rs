//! The write queue between the engine's effects and IndexedDB.
//!
//! Effects arrive synchronously; IndexedDB is asynchronous and can fail (a full disk above all).
//! The queue keeps writes **in order** (a sync state must never be stored before the chunk it
//! acknowledges), writes each batch as one transaction, and when a batch fails keeps it in memory,
//! reports the failure, and retries later. Nothing already stored is touched by a failed batch, and
//! nothing waiting is dropped: the engine still holds every document in memory.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use tsunagu_core::engine::Chunk;

use super::{Store, Write};
use crate::error::AppError;

/// How long to wait before retrying a failed batch (space may have been freed meanwhile).
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// What a flush ended with, for the storage banner and the "saved on this device" label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlushOutcome {
    /// Everything queued so far is stored.
    Saved,
    /// The batch is kept in memory and retried.
    Failed(AppError),
}

pub struct WriteQueue {
    store: Rc<Store>,
    pending: RefCell<Vec<Write>>,
    flushing: Cell<bool>,
    retry_scheduled: Cell<bool>,
    on_flush: Box<dyn Fn(FlushOutcome)>,
}

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteQueue")
            .field("pending", &self.pending.borrow().len())
            .finish()
    }
}

impl WriteQueue {
    pub fn new(store: Rc<Store>, on_flush: impl Fn(FlushOutcome) + 'static) -> Rc<Self> {
        Rc::new(Self {
            store,
            pending: RefCell::new(Vec::new()),
            flushing: Cell::new(false),
            retry_scheduled: Cell::new(false),
            on_flush: Box::new(on_flush),
        })
    }

    pub fn store(&self) -> &Rc<Store> {
        &self.store
    }

    /// Queues a write and starts a flush if none is running.
    pub fn push(self: &Rc<Self>, write: Write) {
        coalesce(&mut self.pending.borrow_mut(), write);
        self.flush_soon();
    }

    /// Whether writes are waiting (failed or not yet flushed).
    pub fn is_idle(&self) -> bool {
        self.pending.borrow().is_empty() && !self.flushing.get()
    }

    fn flush_soon(self: &Rc<Self>) {
        if self.flushing.replace(true) {
            return; // the running flush picks the new write up
        }
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move { this.flush().await });
    }

    async fn flush(self: Rc<Self>) {
        loop {
            let batch: Vec<Write> = std::mem::take(&mut *self.pending.borrow_mut());
            if batch.is_empty() {
                self.flushing.set(false);
                (self.on_flush)(FlushOutcome::Saved);
                return;
            }
            if let Err(error) = self.store.apply(&batch).await {
                // Put the batch back in front of anything queued meanwhile, in order.
                let mut pending = self.pending.borrow_mut();
                let newer = std::mem::replace(&mut *pending, batch);
                for write in newer {
                    coalesce(&mut pending, write);
                }
                drop(pending);
                self.flushing.set(false);
                (self.on_flush)(FlushOutcome::Failed(error));
                self.retry_later();
                return;
            }
        }
    }

    fn retry_later(self: &Rc<Self>) {
        if self.retry_scheduled.replace(true) {
            return;
        }
        let this = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            gloo_timers::future::sleep(RETRY_AFTER).await;
            this.retry_scheduled.set(false);
            if !this.pending.borrow().is_empty() {
                this.flush_soon();
            }
        });
    }
}

/// Appends `write`, dropping queued writes it makes pointless; order is otherwise kept.
pub(crate) fn coalesce(pending: &mut Vec<Write>, write: Write) {
    match &write {
        // A snapshot replaces every earlier chunk of its document.
        Write::Chunk {
            doc,
            chunk: Chunk::Snapshot(_),
        } => {
            pending.retain(|w| !matches!(w, Write::Chunk { doc: d, .. } if d == doc));
        }
        // Only the newest sync state per (peer, doc) matters; it goes after the chunks queued
        // before it, which is the order that keeps "acknowledged" behind "stored".
        Write::SyncState { peer, doc, .. } => {
            pending.retain(
                |w| !matches!(w, Write::SyncState { peer: p, doc: d, .. } if p == peer && d == doc),
            );
        }
        Write::Meta { key, .. } | Write::MetaDelete(key) => {
            pending.retain(
                |w| !matches!(w, Write::Meta { key: k, .. } | Write::MetaDelete(k) if k == key),
            );
        }
        Write::OutboxClear => {
            pending.retain(|w| !matches!(w, Write::OutboxAdd(_) | Write::OutboxClear))
        }
        Write::OutboxAdd(doc) => {
            if pending
                .iter()
                .any(|w| matches!(w, Write::OutboxAdd(d) if d == doc))
            {
                return;
            }
        }
        Write::Forget(doc) => pending.retain(|w| match w {
            Write::Chunk { doc: d, .. } | Write::SyncState { doc: d, .. } | Write::OutboxAdd(d) => {
                d != doc
            }
            _ => true,
        }),
        Write::Chunk {
            chunk: Chunk::Incremental(_),
            ..
        } => {}
    }
    pending.push(write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MetaKey;
    use tsunagu_core::ids::{DocumentId, StorageId};
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_snapshot_drops_queued_chunks_of_its_document_only() {
        let (a, b) = (DocumentId::random(), DocumentId::random());
        let mut q = Vec::new();
        coalesce(
            &mut q,
            Write::Chunk {
                doc: a,
                chunk: Chunk::Incremental(vec![1]),
            },
        );
        coalesce(
            &mut q,
            Write::Chunk {
                doc: b,
                chunk: Chunk::Incremental(vec![2]),
            },
        );
        coalesce(
            &mut q,
            Write::Chunk {
                doc: a,
                chunk: Chunk::Snapshot(vec![3]),
            },
        );
        assert_eq!(
            q,
            vec![
                Write::Chunk {
                    doc: b,
                    chunk: Chunk::Incremental(vec![2])
                },
                Write::Chunk {
                    doc: a,
                    chunk: Chunk::Snapshot(vec![3])
                },
            ]
        );
    }

    #[wasm_bindgen_test]
    fn the_newest_sync_state_stays_behind_the_chunks_it_acknowledges() {
        let doc = DocumentId::random();
        let peer = StorageId::new("relay");
        let mut q = Vec::new();
        coalesce(
            &mut q,
            Write::SyncState {
                peer: peer.clone(),
                doc,
                state: vec![1],
            },
        );
        coalesce(
            &mut q,
            Write::Chunk {
                doc,
                chunk: Chunk::Incremental(vec![9]),
            },
        );
        coalesce(
            &mut q,
            Write::SyncState {
                peer: peer.clone(),
                doc,
                state: vec![2],
            },
        );
        assert_eq!(
            q,
            vec![
                Write::Chunk {
                    doc,
                    chunk: Chunk::Incremental(vec![9])
                },
                Write::SyncState {
                    peer,
                    doc,
                    state: vec![2]
                }
            ]
        );
    }

    #[wasm_bindgen_test]
    fn settings_and_the_outbox_keep_only_what_matters() {
        let doc = DocumentId::random();
        let mut q = Vec::new();
        coalesce(
            &mut q,
            Write::Meta {
                key: MetaKey::Language,
                value: "ja".into(),
            },
        );
        coalesce(&mut q, Write::OutboxAdd(doc));
        coalesce(&mut q, Write::OutboxAdd(doc));
        coalesce(
            &mut q,
            Write::Meta {
                key: MetaKey::Language,
                value: "en".into(),
            },
        );
        assert_eq!(
            q,
            vec![
                Write::OutboxAdd(doc),
                Write::Meta {
                    key: MetaKey::Language,
                    value: "en".into()
                }
            ]
        );
        coalesce(&mut q, Write::OutboxClear);
        assert_eq!(
            q,
            vec![
                Write::Meta {
                    key: MetaKey::Language,
                    value: "en".into()
                },
                Write::OutboxClear
            ]
        );
    }
}
