//! The seam between the relay's transport and the features that act on what members write, as
//! [`tsunagu_core::engine::Guard`] is the seam for the write check.
//!
//! The relay ([`crate::relay`]) moves changes between devices and storage and knows no feature's
//! business. A feature whose documents call for the relay to act when a member changes them —
//! events decide seats when an RSVP document changes — implements [`Reactions`] and is listed
//! once, where the relay is made ([`crate::server`]). A feature that writes as the relay on an
//! HTTP call or a change of keys (sign an ID card, set a join link, give up a seat) hands the
//! relay a [`Job`] ([`crate::relay::Relay::write`]). Both write through a [`Scribe`]: the relay's
//! engine, as its reserved actor, in one SQLite transaction the relay opens and commits. Messages,
//! news or anything else that needs the same comes in the same way, without touching the relay.
//!
//! ## Acknowledged only after the consequences are committed
//! The engine reports a member's accepted change ([`tsunagu_core::engine::Effect::DocChanged`])
//! after the change's own `Persist` and before the `Send` that acknowledges it. The relay calls
//! [`Reactions::changed`] right there, under the lock every connection waits on, and commits the
//! transaction before performing anything queued after it: whatever a reaction writes — rows and
//! documents alike — is stored before the author is told their change is. What may come later
//! is only what the [`Scribe`] hands back once committed: the messages that carry the relay's
//! own edits to the devices syncing those documents.
//!
//! - A reaction that fails rolls back alone and is logged; the change itself is stored and still
//!   acknowledged. A crash between the change and its reaction leaves the same. [`Reactions::settle`]
//!   carries out at every start whatever was left, so a reaction must be able to tell from storage
//!   what it already did (an answer applied once, a row that matches its document).
//! - Nothing slow or outside the relay (mail, another server) belongs in a reaction or a job:
//!   every socket waits for the lock it runs under.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::Mutex;

use tsunagu_core::ids::DocumentId;

use crate::db::DocumentRecord;
use crate::error::Error;
use crate::relay::Relay;
use crate::scribe::Scribe;

/// What a feature makes of members' accepted changes; the relay asks every listed feature.
pub(crate) trait Reactions: Send + Sync + std::fmt::Debug {
    /// Whether a change to a document like `record` calls for [`Self::changed`]. Asked first,
    /// so that a change no feature cares for (an edit of a profile's private part) opens no
    /// transaction.
    fn reacts_to(&self, record: &DocumentRecord) -> bool;

    /// A member's change to `doc` (described by `record`) was accepted and persisted: carry out
    /// what it means in `s`'s transaction, committed before the change is acknowledged.
    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// At start, before anyone connects: whatever a crash (or a failed reaction) left between
    /// an accepted change and its consequences. Nothing, for a feature whose consequences are
    /// written with what they record (or recomputed whole on the next change).
    fn settle<'a>(&'a self, _s: &'a mut Scribe<'_>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    /// Whether `user`'s ephemeral message `data` about a document like `record` (which they may
    /// read) goes on to its other readers. Nothing does unless a feature says so.
    fn passes_ephemeral(&self, _record: &DocumentRecord, _user: &str, _data: &[u8]) -> bool {
        false
    }
}

/// Something a feature writes as the relay, in one transaction, outside any member's change.
pub(crate) trait Job: Send {
    fn run(self, s: &mut Scribe<'_>) -> impl Future<Output = Result<(), Error>> + Send;
}

/// Every listed feature's reaction to one accepted change, as one job.
#[derive(Debug)]
pub(crate) struct Changed<'a> {
    pub(crate) features: &'a [Box<dyn Reactions>],
    pub(crate) doc: DocumentId,
    pub(crate) record: &'a DocumentRecord,
}

impl Changed<'_> {
    /// Whether any feature reacts to this change at all.
    pub(crate) fn matters(&self) -> bool {
        self.features.iter().any(|f| f.reacts_to(self.record))
    }
}

impl Job for Changed<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        for feature in self.features.iter().filter(|f| f.reacts_to(self.record)) {
            feature.changed(s, self.doc, self.record).await?;
        }
        Ok(())
    }
}

/// Every listed feature settling what the last stop left, as one job.
#[derive(Debug)]
pub(crate) struct Settle<'a>(pub(crate) &'a [Box<dyn Reactions>]);

impl Job for Settle<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        for feature in self.0 {
            feature.settle(s).await?;
        }
        Ok(())
    }
}

/// Runs `tick` every `every` as long as the relay runs (a feature's periodic duty: event
/// reminders, announcing news); a tick that fails is logged as `what` and the next one comes.
pub(crate) async fn every<F, Fut>(relay: Weak<Mutex<Relay>>, every: Duration, what: &str, tick: F)
where
    F: Fn(Arc<Mutex<Relay>>) -> Fut,
    Fut: Future<Output = Result<(), Error>>,
{
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(relay) = relay.upgrade() else {
            return;
        };
        if let Err(e) = tick(relay).await {
            tracing::error!(error = %e, "could not {what}");
        }
    }
}
