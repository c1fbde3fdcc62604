//! The relay writing documents only it may write (members' passes, events' rosters, the
//! organisation's pass keys), for the features that react through [`crate::reactions`].
//!
//! A [`Scribe`] edits them through the relay's own sync engine, as the relay's reserved actor,
//! so every device syncing one gets the change at once, exactly as if another peer had made it.
//! Their chunks are stored in the same SQLite transaction as the rows the edit reflects (a seat,
//! a ticket), so a crash leaves both or neither; nothing is sent before that transaction commits
//! (the relay performs [`Scribe::finish`]'s effects afterwards).

use std::collections::{BTreeSet, HashMap};

use automerge::Automerge;
use automerge::transaction::Transaction;
use sqlx::{Any, AnyConnection};
use tsunagu_core::api::DOCUMENT_RESET;
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::event::DocError;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::pass::SigningKey;

use crate::db::{self, Holding};
use crate::error::Error;

#[derive(Debug)]
pub(crate) struct Scribe<'a> {
    engine: &'a mut Engine,
    /// What the engine's copies hold of their stored chunks.
    stored: &'a mut HashMap<DocumentId, Holding>,
    tx: sqlx::Transaction<'static, Any>,
    key: &'a SigningKey,
    now: i64,
    /// What to do once committed: sends to the devices syncing what was written.
    effects: Vec<Effect>,
    /// Documents edited in the engine: if the transaction does not commit, the engine must
    /// forget them and reload what storage really holds.
    touched: BTreeSet<DocumentId>,
    /// Documents whose readers this transaction changed ([`Scribe::readers_changed`]).
    readers_changed: BTreeSet<DocumentId>,
    /// A post of news came out in this transaction ([`Scribe::news_out`]).
    news_out: bool,
    /// How many sockets each member has open now (the app open on some device).
    sockets: &'a HashMap<String, usize>,
    /// Notifications were queued in this transaction ([`Scribe::queue_pushes`]).
    pushes: bool,
    /// Documents whose history this transaction replaced ([`Scribe::rewrite`]).
    rewritten: BTreeSet<DocumentId>,
    /// This relay's name among several on one database ([`Scribe::among`]).
    relay: Option<&'a str>,
}

/// What a committed [`Scribe`] leaves the relay to do.
#[derive(Debug, Default)]
pub(crate) struct Written {
    /// Sends to the devices syncing what was written, in order.
    pub(crate) effects: Vec<Effect>,
    /// Documents every connection holding one must decide again whether it may read.
    pub(crate) readers_changed: Vec<DocumentId>,
    pub(crate) news_out: bool,
    /// Notifications wait in the push outbox: wake the sender.
    pub(crate) pushes: bool,
    /// Documents whose history was replaced: other relays drop their copies.
    pub(crate) rewritten: Vec<DocumentId>,
}

impl<'a> Scribe<'a> {
    pub(crate) fn new(
        engine: &'a mut Engine,
        stored: &'a mut HashMap<DocumentId, Holding>,
        tx: sqlx::Transaction<'static, Any>,
        key: &'a SigningKey,
        now: i64,
        sockets: &'a HashMap<String, usize>,
    ) -> Self {
        Self {
            engine,
            stored,
            tx,
            key,
            now,
            effects: Vec::new(),
            touched: BTreeSet::new(),
            readers_changed: BTreeSet::new(),
            news_out: false,
            sockets,
            pushes: false,
            rewritten: BTreeSet::new(),
            relay: None,
        }
    }

    /// Other relays share the database; this one is `relay` among them.
    pub(crate) fn among(&mut self, relay: Option<&'a str>) {
        self.relay = relay;
    }

    /// Whether `user` has the app open on some device: a socket to this relay, or (with other
    /// relays) to another, as its presence rows say.
    pub(crate) async fn is_online(&mut self, user: &str) -> Result<bool, Error> {
        if self.sockets.contains_key(user) {
            return Ok(true);
        }
        let Some(me) = self.relay else {
            return Ok(false);
        };
        let db::Flag(elsewhere) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM presence WHERE user_id = $1 AND relay <> $2 AND seen_at >= $3)",
        )
        .bind(user)
        .bind(me)
        .bind(self.now - crate::relays::PRESENCE_LIFETIME_SECS)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(elsewhere)
    }

    /// This transaction put notifications in the push outbox: once it commits, the sender is
    /// woken to deliver them.
    pub(crate) fn queue_pushes(&mut self) {
        self.pushes = true;
    }

    /// Who may read `docs` changed (an event's audience, status or staff): once this
    /// transaction commits, every connection holding one of them decides again at once.
    /// A post of news came out (or reached further): once committed, every open app is told to
    /// ask which posts it may read ([`crate::relays::Notice::NewsOut`]).
    pub(crate) fn news_out(&mut self) {
        self.news_out = true;
    }

    pub(crate) fn readers_changed(&mut self, docs: impl IntoIterator<Item = DocumentId>) {
        self.readers_changed.extend(docs);
    }

    /// The open transaction, for the rows that go with the documents.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// The organisation's key that tickets and ID cards are signed with.
    pub(crate) fn key(&self) -> &SigningKey {
        self.key
    }

    /// The time every decision of this transaction is made at (unix seconds).
    pub(crate) fn now(&self) -> i64 {
        self.now
    }

    /// Reads a document as the relay holds it: from the engine if loaded (it may hold changes
    /// this very transaction made; brought up to date with what other relays stored), else from
    /// storage without loading it into the engine.
    pub(crate) async fn read<T>(
        &mut self,
        id: &DocumentId,
        read: impl FnOnce(&Automerge) -> T,
    ) -> Result<T, Error> {
        self.catch_up(id).await?;
        if let Some(doc) = self.engine.doc(id) {
            return Ok(read(doc));
        }
        Ok(read(&db::stored_document(&mut *self.tx, id).await?))
    }

    /// Merges into the engine's copy of `id` (if it holds one) what other relays stored since:
    /// under the write lock this transaction holds, the copy is then what storage holds, so what
    /// is decided from it (the last seat) is decided once across relays.
    async fn catch_up(&mut self, id: &DocumentId) -> Result<(), Error> {
        if !self.engine.has_doc(id) {
            return Ok(());
        }
        let holding = self.stored.entry(*id).or_default();
        let fresh = holding.catch_up(&mut *self.tx, id).await?;
        if !fresh.is_empty() {
            self.touched.insert(*id);
            let sends = self.engine.merge_stored(*id, &fresh)?;
            self.effects.extend(sends);
        }
        Ok(())
    }

    /// Edits a document as the relay, in one change; its chunk is stored in this transaction.
    pub(crate) async fn edit(
        &mut self,
        id: DocumentId,
        edit: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
    ) -> Result<(), Error> {
        if self.engine.has_doc(&id) {
            self.catch_up(&id).await?;
        } else {
            let (holding, chunks) = Holding::load(&mut *self.tx, &id).await?;
            self.engine.load(id, &chunks)?;
            self.stored.insert(id, holding);
        }
        self.touched.insert(id);
        for effect in self.engine.change(id, edit)? {
            match effect {
                Effect::Persist { doc, chunk, heads } => {
                    let holding = self.stored.entry(doc).or_default();
                    db::persist_chunk(&mut self.tx, &doc, &chunk, &heads, holding).await?;
                }
                // Only members' edits call for a reaction; the relay's own never do.
                Effect::DocChanged { .. } => {}
                other => self.effects.push(other),
            }
        }
        Ok(())
    }

    /// Replaces a document's whole history with one change holding what `write` puts in an
    /// empty document, for what must not outlive its removal (a deleted member's name in a
    /// roster's history). Every device's stored sync state for it goes, so each syncs it afresh;
    /// a device that offers the old history back is refused (only the relay writes such
    /// documents), drops its copy and fetches this one.
    pub(crate) async fn rewrite(
        &mut self,
        id: DocumentId,
        write: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
    ) -> Result<(), Error> {
        let actor = db::stored_relay_actor(&mut self.tx).await?;
        let mut fresh = Engine::new(PeerId::new("relay"), None).with_actor(actor);
        let effects = fresh.create(id, write)?;
        db::lock_document(&mut self.tx, &id).await?;
        for statement in [
            "DELETE FROM chunks WHERE document_id = $1",
            "DELETE FROM sync_states WHERE document_id = $1",
        ] {
            sqlx::query(statement)
                .bind(id.to_string())
                .execute(&mut *self.tx)
                .await?;
        }
        for effect in effects {
            if let Effect::Persist { doc, chunk, heads } = effect {
                db::persist_chunk(&mut self.tx, &doc, &chunk, &heads, &mut Holding::default())
                    .await?;
            }
        }
        // Devices syncing it drop their copy and fetch this one, once committed; the engine
        // loads it again from storage when next asked.
        let reason = format!("{DOCUMENT_RESET}: the relay rewrote this document; fetch it again");
        self.effects.extend(self.engine.reset(&id, &reason));
        self.touched.insert(id);
        self.rewritten.insert(id);
        Ok(())
    }

    /// Commits if `outcome` succeeded (rolling back otherwise); returns the documents edited in
    /// the engine and, once committed, what is left to do.
    pub(crate) async fn finish(
        self,
        outcome: Result<(), Error>,
    ) -> (BTreeSet<DocumentId>, Result<Written, Error>) {
        let Self {
            tx,
            effects,
            touched,
            readers_changed,
            news_out,
            pushes,
            rewritten,
            ..
        } = self;
        let result = match outcome {
            Ok(()) => match tx.commit().await {
                Ok(()) => Ok(Written {
                    effects,
                    readers_changed: readers_changed.into_iter().collect(),
                    news_out,
                    pushes,
                    rewritten: rewritten.into_iter().collect(),
                }),
                Err(e) => Err(e.into()),
            },
            // Dropping the transaction rolls it back.
            Err(e) => Err(e),
        };
        (touched, result)
    }
}
