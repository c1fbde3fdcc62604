//! The runtime's part for messages (docs/design.md §7): the person's inbox (which only the relay
//! writes) names their conversations; each conversation's document names its pages; the newest
//! page holds what the chat shows. All three are kept on the device like profiles, so the list
//! and every chat open offline, and a message written offline is one change to the page that
//! syncs through the outbox like any other edit.
//!
//! A conversation taken off the inbox (the person left or was removed) leaves the device with
//! its pages.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::api::{ConversationRef, NewConversation};
use tsunagu_core::conversation::{
    Conversation, Draft, Inbox, MESSAGES_KEY, Message, MessagePage, typing, typing_member, unread,
};
use tsunagu_core::event::DocError;
use tsunagu_core::ids::{DocumentId, random_bytes};

use super::{Runtime, log};
use crate::api;
use crate::error::AppError;
use crate::store::Write;

/// One conversation on this device, as its documents say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEntry {
    pub doc: DocumentId,
    /// When the person was added to it (unix seconds), as their inbox says.
    pub added_at: i64,
    /// Its own document; default until it has arrived.
    pub conversation: Conversation,
    /// The pages kept on this device, oldest first: the newest (the last, where new messages
    /// go), the one before it once the conversation turned a page here or while the newest
    /// holds nothing, and older ones the person asked for.
    pub loaded: Vec<DocumentId>,
    /// The page before the oldest loaded one, which "older messages" fetches.
    pub older: Option<DocumentId>,
    /// The loaded pages' messages, in the order every device shows them, without those of
    /// members the person blocked.
    pub messages: Vec<Message>,
    /// How far each member has read: the furthest mark of theirs on any loaded page.
    pub read: BTreeMap<String, i64>,
    /// Ids of the person's own messages the relay has not acknowledged yet ("sending").
    pub sending: BTreeSet<String>,
    /// The page each message is on, for editing, unsending and reacting to it.
    pub page_of: BTreeMap<String, DocumentId>,
    /// The person muted it: no notifications (their inbox says, on every device of theirs).
    pub muted: bool,
}

impl ConversationEntry {
    fn new(doc: DocumentId, added_at: i64) -> Self {
        Self {
            doc,
            added_at,
            conversation: Conversation::default(),
            loaded: Vec::new(),
            older: None,
            messages: Vec::new(),
            read: BTreeMap::new(),
            sending: BTreeSet::new(),
            page_of: BTreeMap::new(),
            muted: false,
        }
    }

    /// Its newest page, where new messages go (once its document has arrived).
    pub fn page(&self) -> Option<DocumentId> {
        self.loaded.last().copied()
    }

    /// When something last happened in it, in milliseconds: its newest message, or when the
    /// person was added.
    pub fn last_at(&self) -> i64 {
        self.messages
            .last()
            .map_or(self.added_at.saturating_mul(1000), |m| m.at)
    }

    /// How many messages `me` has not read yet.
    pub fn unread(&self, me: &str) -> usize {
        unread(&self.messages, &self.read, me)
    }
}

/// How long "typing…" shows after the last sign of it.
const TYPING_SHOWS_MS: i64 = 6000;

/// Milliseconds since 1970 by this device's clock: when a message is written.
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// A new message (or comment) id: random, so two devices never draw the same, and a retry of
/// one write changes nothing.
pub(super) fn new_message_id() -> String {
    random_bytes::<8>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Runtime {
    /// The person's inbox document, from who they are.
    fn inbox_doc(&self) -> Option<DocumentId> {
        self.signals
            .me
            .with_untracked(|me| me.as_ref().and_then(|m| m.inbox_doc))
    }

    /// Every conversation and page this device keeps: they stay readable as long as the inbox
    /// lists them, which [`Self::refresh_messages`] follows.
    pub(super) fn message_docs(&self) -> Vec<DocumentId> {
        self.conversations
            .borrow()
            .values()
            .flat_map(|c| std::iter::once(c.doc).chain(c.loaded.iter().copied()))
            .collect()
    }

    /// Forgets what was read from conversations (the person changed); read again from the
    /// documents held.
    pub(super) fn reset_messages(&self) {
        self.conversations.borrow_mut().clear();
        self.signals.conversations.set(Vec::new());
    }

    /// Reads again the inbox, conversations and pages among `docs` (in that order, each naming
    /// the next); returns the other documents. Documents newly named are asked for through
    /// [`Self::wanted`]; conversations no longer listed leave the device.
    pub(super) fn refresh_messages(&self, docs: Vec<DocumentId>) -> Vec<DocumentId> {
        let Some(inbox) = self.inbox_doc() else {
            return docs;
        };
        let mut rest = Vec::new();
        let mut changed = false;
        if docs.contains(&inbox) {
            changed |= self.read_inbox(inbox);
        }
        let (mut conversations, mut pages) = (Vec::new(), Vec::new());
        {
            let held = self.conversations.borrow();
            let page_of: BTreeMap<DocumentId, DocumentId> = held
                .values()
                .flat_map(|c| c.loaded.iter().map(|p| (*p, c.doc)))
                .collect();
            for doc in docs {
                if doc == inbox {
                } else if held.contains_key(&doc) {
                    conversations.push(doc);
                } else if let Some(conversation) = page_of.get(&doc) {
                    pages.push(*conversation);
                } else {
                    rest.push(doc);
                }
            }
        }
        for doc in conversations {
            changed |= self.read_conversation(doc);
        }
        for conversation in pages {
            changed |= self.read_page(conversation);
        }
        if changed {
            self.publish_conversations();
        }
        rest
    }

    /// Follows the inbox: a new conversation is asked for, one no longer listed leaves the
    /// device. Says whether the list changed.
    fn read_inbox(&self, inbox: DocumentId) -> bool {
        let (listed, muted) = {
            let engine = self.docs.engine();
            match super::documents::arrived(&engine, &inbox) {
                Some(doc) => match Inbox::read(doc).and_then(|l| Ok((l, Inbox::muted(doc)?))) {
                    Ok(read) => read,
                    Err(e) => {
                        log(&format!("{inbox} is not a readable inbox: {e}"));
                        return false;
                    }
                },
                // Not arrived yet: it lists nothing we know of, so nothing leaves either.
                None => return false,
            }
        };
        let listed: BTreeMap<DocumentId, i64> = listed
            .into_iter()
            .filter_map(|(id, at)| id.parse().ok().map(|id| (id, at)))
            .collect();
        let mut held = self.conversations.borrow_mut();
        let mut muting = false;
        for entry in held.values_mut() {
            let now = muted.contains(&entry.doc.to_string());
            muting |= entry.muted != now;
            entry.muted = now;
        }
        let gone: Vec<ConversationEntry> = held
            .values()
            .filter(|c| !listed.contains_key(&c.doc))
            .cloned()
            .collect();
        for entry in &gone {
            held.remove(&entry.doc);
            for doc in std::iter::once(entry.doc).chain(entry.loaded.iter().copied()) {
                self.docs.engine_mut().forget(&doc);
                self.docs.write(Write::Forget(doc));
            }
        }
        let mut added = Vec::new();
        for (doc, at) in listed {
            if let std::collections::btree_map::Entry::Vacant(slot) = held.entry(doc) {
                let mut entry = ConversationEntry::new(doc, at);
                entry.muted = muted.contains(&doc.to_string());
                slot.insert(entry);
                added.push(doc);
            }
        }
        drop(held);
        for doc in &added {
            self.want(*doc);
            // Held from an earlier visit: read it now.
            self.read_conversation(*doc);
        }
        muting || !gone.is_empty() || !added.is_empty()
    }

    /// Reads a conversation's document; asks for its newest page if new. Says whether it changed.
    fn read_conversation(&self, doc: DocumentId) -> bool {
        let read = {
            let engine = self.docs.engine();
            super::documents::arrived(&engine, &doc).map(Conversation::read)
        };
        let conversation = match read {
            Some(Ok(conversation)) => conversation,
            Some(Err(e)) => {
                log(&format!("{doc} is not a readable conversation: {e}"));
                return false;
            }
            None => return false,
        };
        let pages = page_ids(&conversation);
        let newest = pages.last().copied();
        let wanted = {
            let engine = self.docs.engine();
            let mut held = self.conversations.borrow_mut();
            let Some(entry) = held.get_mut(&doc) else {
                return false;
            };
            if entry.conversation == conversation && entry.page() == newest {
                return false;
            }
            // Kept: the pages already here (the one just left among them) and the newest.
            let loaded: Vec<DocumentId> = pages
                .iter()
                .copied()
                .filter(|p| entry.loaded.contains(p) || engine.has_doc(p) || Some(*p) == newest)
                .collect();
            let wanted: Vec<DocumentId> = loaded
                .iter()
                .copied()
                .filter(|p| !engine.has_doc(p))
                .collect();
            entry.older = older_than(&pages, &loaded);
            entry.loaded = loaded;
            entry.conversation = conversation;
            wanted
        };
        for page in wanted {
            self.want(page);
        }
        self.read_page(doc);
        true
    }

    /// Keeps the page before the oldest loaded one on the device too ("older messages").
    pub fn load_older(&self, conversation: DocumentId) {
        let older = {
            let mut held = self.conversations.borrow_mut();
            let Some(entry) = held.get_mut(&conversation) else {
                return;
            };
            let Some(older) = entry.older else {
                return;
            };
            entry.loaded.insert(0, older);
            entry.older = older_than(&page_ids(&entry.conversation), &entry.loaded);
            older
        };
        self.want(older);
        self.read_page(conversation);
        self.publish_conversations();
        self.perform(Vec::new());
    }

    /// Keeps every page of every conversation on the device ("search older messages too"), so a
    /// search finds what was written long ago — offline too, once the pages arrived. They stay
    /// on the device like the newest pages.
    pub fn load_every_page(&self) {
        let (wanted, widened) = {
            let mut held = self.conversations.borrow_mut();
            let (mut wanted, mut widened) = (Vec::new(), Vec::new());
            for entry in held.values_mut().filter(|e| e.older.is_some()) {
                let pages = page_ids(&entry.conversation);
                wanted.extend(pages.iter().filter(|p| !entry.loaded.contains(p)).copied());
                entry.loaded = pages;
                entry.older = None;
                widened.push(entry.doc);
            }
            (wanted, widened)
        };
        if widened.is_empty() {
            return;
        }
        for page in wanted {
            self.want(page);
        }
        for conversation in widened {
            self.read_page(conversation);
        }
        self.publish_conversations();
        self.perform(Vec::new());
    }

    /// Reads the loaded pages of `conversation`: their messages, read marks, and which of the
    /// person's own messages are still on their way. Says whether anything changed.
    fn read_page(&self, conversation: DocumentId) -> bool {
        let loaded = self
            .conversations
            .borrow()
            .get(&conversation)
            .map(|c| c.loaded.clone())
            .unwrap_or_default();
        let me = self.signals.me.with_untracked(|me| {
            me.as_ref().map(|m| {
                (
                    m.user_id.clone(),
                    m.relay_storage.clone(),
                    m.blocked.clone(),
                )
            })
        });
        let Some((me, relay, blocked)) = me else {
            return false;
        };
        let mut messages = Vec::new();
        let mut read: BTreeMap<String, i64> = BTreeMap::new();
        let mut sending = BTreeSet::new();
        let mut page_of = BTreeMap::new();
        let mut all_here = true;
        {
            let engine = self.docs.engine();
            for page in loaded {
                let Some(doc) = super::documents::arrived(&engine, &page) else {
                    all_here = false;
                    continue;
                };
                let acknowledged = engine.acknowledged_heads(&relay, &page).to_vec();
                let this = MessagePage::read(doc).and_then(|messages| {
                    let marks = MessagePage::read_marks(doc)?;
                    let sending = super::documents::unsent_keys(
                        doc,
                        &[MESSAGES_KEY, &me],
                        |_| true,
                        &acknowledged,
                    );
                    Ok((messages, marks, sending))
                });
                match this {
                    Ok((on_page, marks, unsent)) => {
                        page_of.extend(on_page.iter().map(|m| (m.id.clone(), page)));
                        messages.extend(on_page);
                        for (member, mark) in marks {
                            let furthest = read.entry(member).or_insert(mark);
                            *furthest = (*furthest).max(mark);
                        }
                        sending.extend(unsent);
                    }
                    Err(e) => log(&format!("{page} is not a readable page of messages: {e}")),
                }
            }
        }
        messages.sort_by(|a, b| (a.at, &a.author, &a.id).cmp(&(b.at, &b.author, &b.id)));
        let on_pages = messages.len();
        // Members the person blocked are not heard from: not shown, not counted.
        messages.retain(|m| !blocked.contains(&m.author));
        let mut held = self.conversations.borrow_mut();
        let Some(entry) = held.get_mut(&conversation) else {
            return false;
        };
        // A page the relay has just turned holds nothing yet: the page before it is kept too,
        // so the chat opens on its latest messages rather than an empty screen.
        if all_here
            && on_pages == 0
            && let Some(older) = entry.older
        {
            entry.loaded.insert(0, older);
            entry.older = older_than(&page_ids(&entry.conversation), &entry.loaded);
            drop(held);
            self.want(older);
            self.read_page(conversation);
            return true;
        }
        if entry.messages == messages && entry.read == read && entry.sending == sending {
            return false;
        }
        // Whoever just wrote is no longer typing.
        let wrote = messages
            .last()
            .filter(|m| entry.messages.last().is_none_or(|old| old.id != m.id))
            .map(|m| m.author.clone());
        entry.messages = messages;
        entry.read = read;
        entry.sending = sending;
        entry.page_of = page_of;
        if let Some(author) = wrote {
            self.signals.typing.update(|all| {
                if let Some(typing) = all.get_mut(&conversation) {
                    typing.remove(&author);
                }
            });
        }
        true
    }

    /// The relay acknowledged (or not) what this device sent: messages stop showing "sending".
    pub(super) fn refresh_sending(&self) {
        let sending: Vec<DocumentId> = self
            .conversations
            .borrow()
            .values()
            .filter(|c| !c.sending.is_empty())
            .map(|c| c.doc)
            .collect();
        let mut changed = false;
        for conversation in sending {
            changed |= self.read_page(conversation);
        }
        if changed {
            self.publish_conversations();
        }
    }

    fn want(&self, doc: DocumentId) {
        let effects = self.docs.engine_mut().want(doc);
        self.wanted.borrow_mut().extend(effects);
    }

    fn publish_conversations(&self) {
        let mut entries: Vec<ConversationEntry> =
            self.conversations.borrow().values().cloned().collect();
        entries.sort_by_key(|c| (std::cmp::Reverse(c.last_at()), c.doc.to_string()));
        self.signals.conversations.set(entries);
    }

    /// The newest page of `conversation` (or with `message`, the page that message is on) and
    /// who the person is, once both have arrived.
    fn writable_page(
        &self,
        conversation: DocumentId,
        message: Option<&str>,
    ) -> Result<(DocumentId, String), AppError> {
        let me = self
            .signals
            .me
            .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()))
            .ok_or(AppError::NotStarted)?;
        let page = self
            .conversations
            .borrow()
            .get(&conversation)
            .and_then(|c| match message {
                Some(id) => c.page_of.get(id).copied(),
                None => c.page(),
            })
            .ok_or(AppError::NotSynced)?;
        if !self.docs.arrived(&page) {
            return Err(AppError::NotSynced);
        }
        Ok((page, me))
    }

    /// One change to the newest page of `conversation` by the person; `false` from `edit` (no
    /// place for them on the page) is "not synced yet".
    fn change_page(
        &self,
        conversation: DocumentId,
        message: Option<&str>,
        edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &str) -> Result<bool, DocError>,
    ) -> Result<(), AppError> {
        let (page, me) = self.writable_page(conversation, message)?;
        let mut placed = true;
        self.commit(page, |tx| {
            placed = edit(tx, &me)?;
            Ok::<_, DocError>(())
        })?;
        if placed {
            Ok(())
        } else {
            Err(AppError::NotSynced)
        }
    }

    /// Writes a message in `conversation`: on this device at once, sent when the relay is
    /// reachable.
    pub fn send_message(
        &self,
        conversation: DocumentId,
        text: &str,
        reply_to: Option<String>,
        photos: Vec<String>,
    ) -> Result<(), AppError> {
        let draft = Draft {
            text: text.to_owned(),
            at: now_ms(),
            reply_to,
            photos,
        };
        let id = new_message_id();
        self.change_page(conversation, None, |tx, me| {
            MessagePage::write(tx, me, &id, &draft)
        })
    }

    /// Replaces the text of one of the person's own messages.
    pub fn edit_message(
        &self,
        conversation: DocumentId,
        id: &str,
        text: &str,
    ) -> Result<(), AppError> {
        self.change_page(conversation, Some(id), |tx, me| {
            MessagePage::edit(tx, me, id, text, now_ms())
        })
    }

    /// Takes back one of the person's own messages; its text leaves the page.
    pub fn unsend_message(&self, conversation: DocumentId, id: &str) -> Result<(), AppError> {
        self.change_page(conversation, Some(id), |tx, me| {
            MessagePage::unsend(tx, me, id)
        })
    }

    /// Sets (or with `None` takes away) the person's reaction to a message.
    pub fn react(
        &self,
        conversation: DocumentId,
        id: &str,
        emoji: Option<&str>,
    ) -> Result<(), AppError> {
        self.change_page(conversation, Some(id), |tx, me| {
            MessagePage::react(tx, me, id, emoji)
        })
    }

    /// The person has seen `conversation` up to its newest message: their read mark moves
    /// there (on every device of theirs, and "既読" for the others). Nothing if it is there.
    pub fn mark_conversation_read(&self, conversation: DocumentId) {
        let newest = self
            .conversations
            .borrow()
            .get(&conversation)
            .and_then(|c| c.messages.last().map(|m| m.at));
        let Some(newest) = newest else {
            return;
        };
        let Ok((_, me)) = self.writable_page(conversation, None) else {
            return;
        };
        let already = self
            .conversations
            .borrow()
            .get(&conversation)
            .and_then(|c| c.read.get(&me).copied())
            .is_some_and(|mark| mark >= newest);
        if already {
            return;
        }
        if let Err(e) = self.change_page(conversation, None, |tx, me| {
            MessagePage::mark_read(tx, me, newest)
        }) {
            log(&format!("could not mark {conversation} read: {e}"));
        }
    }

    /// Tells the conversation's other members, who have it open, that the person is typing
    /// (an ephemeral message: never stored, dropped when offline).
    pub fn send_typing(&self, conversation: DocumentId) {
        let Ok((page, me)) = self.writable_page(conversation, None) else {
            return;
        };
        let effects = self.docs.engine_mut().broadcast(page, typing(&me));
        self.perform(effects);
    }

    /// Someone's ephemeral message about `doc`: "typing…" on a page shows for a few seconds.
    pub(super) fn on_ephemeral(&self, doc: DocumentId, data: &[u8]) {
        let Some(member) = typing_member(data) else {
            return;
        };
        let me = self
            .signals
            .me
            .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()));
        if me.as_deref() == Some(member.as_str()) {
            return;
        }
        let conversation = self
            .conversations
            .borrow()
            .values()
            .find(|c| c.page() == Some(doc))
            .map(|c| c.doc);
        if let Some(conversation) = conversation {
            self.signals.typing.update(|all| {
                all.entry(conversation)
                    .or_default()
                    .insert(member, now_ms() + TYPING_SHOWS_MS);
            });
        }
    }

    /// Starts a conversation with `members` (user ids), or finds the one-to-one conversation
    /// that exists; needs the relay. Its documents are asked for at once, before the inbox says.
    pub async fn start_conversation(
        self: Rc<Self>,
        new: NewConversation,
    ) -> Result<DocumentId, AppError> {
        let started = api::start_conversation(&new).await?;
        Ok(self.adopt(&started))
    }

    /// Opens the chat of `event` for its confirmed attendees (staff and admins; needs the relay).
    pub async fn open_event_chat(
        self: Rc<Self>,
        event: DocumentId,
    ) -> Result<DocumentId, AppError> {
        let chat = api::open_event_chat(&event).await?;
        Ok(self.adopt(&chat))
    }

    /// A conversation the relay just answered with: its documents are asked for at once, before
    /// the inbox says.
    fn adopt(&self, started: &ConversationRef) -> DocumentId {
        let doc = started.conversation;
        let known = self.conversations.borrow().contains_key(&doc);
        if !known {
            self.conversations
                .borrow_mut()
                .insert(doc, ConversationEntry::new(doc, super::now()));
            self.want(doc);
            self.read_conversation(doc);
            self.publish_conversations();
            self.perform(Vec::new());
        }
        doc
    }
}

/// A conversation's pages, oldest first.
fn page_ids(conversation: &Conversation) -> Vec<DocumentId> {
    conversation
        .pages
        .iter()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The page just before the oldest of `loaded` among `pages`, if there is one.
fn older_than(pages: &[DocumentId], loaded: &[DocumentId]) -> Option<DocumentId> {
    let oldest = pages.iter().position(|p| loaded.contains(p))?;
    oldest.checked_sub(1).map(|i| pages[i])
}
