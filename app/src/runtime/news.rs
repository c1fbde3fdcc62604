//! The runtime's part for company news (docs/design.md §13): the posts the relay lists for the
//! person in `GET /api/me` (exactly those they may read now) are kept on the device like events
//! and read into [`Signals::news`](crate::state::Signals::news) as they change, so the feed and
//! every post open offline. A post the relay stops listing (unpublished, aimed elsewhere) leaves
//! the device with the next answer, as any document no longer readable does.
//!
//! What readers say to a post (いいね, comments) is a second document listed with it
//! ([`Responses`]): each reader writes only under their own id, offline too.
//!
//! Which posts the person opened is kept on this device ([`MetaKey::SeenNews`]): the feed marks
//! the others unread and the tab counts them. Admins write posts here too: a new post is started
//! on the relay (`POST /api/news`), then edited in its document, one change per save, offline too.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::api::{Me, NewJob, NewPost, NewsRef};
use tsunagu_core::event::DocError;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::news::{NewsPost, Responses, Segment};

use super::{Runtime, log};

/// How long at most an open app waits, after the relay said a post came out, before it asks:
/// spread so that thousands of open apps do not ask in the same instant.
const NEWS_CHECK_SPREAD: std::time::Duration = std::time::Duration::from_secs(3);
use crate::api;
use crate::error::AppError;
use crate::store::{MetaKey, Write};

/// One post on this device, as its document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsEntry {
    pub doc: DocumentId,
    pub post: NewsPost,
    /// When it came out (unix seconds), as the relay lists it; for a post an admin just
    /// published here, its scheduled time if it has one (the relay says when it came out the
    /// next time it is asked).
    pub out_at: Option<i64>,
    /// Its responses document, and what it says (empty until it has arrived).
    pub responses_doc: Option<DocumentId>,
    pub responses: Responses,
    /// Keys of the person's own comments the relay has not acknowledged yet ("sending").
    pub sending: BTreeSet<String>,
    /// A job opening rather than news: its document's kind, as the relay lists it.
    pub job: bool,
}

impl NewsEntry {
    fn new(doc: DocumentId, post: NewsPost, listed: &NewsRef, now: i64) -> Self {
        let out_at = if listed.out_at > 0 {
            Some(listed.out_at)
        } else {
            (post.is_out(now) && post.publish_at > 0).then_some(post.publish_at)
        };
        Self {
            doc,
            post,
            out_at,
            responses_doc: listed.responses,
            responses: Responses::default(),
            sending: BTreeSet::new(),
            job: listed.job,
        }
    }

    /// Whether it is out for its readers (admins also hold drafts, scheduled and unpublished
    /// posts, which only the admins' list shows).
    pub fn is_out(&self, now: i64) -> bool {
        self.post.is_out(now)
    }

    /// A job opening rather than news.
    pub fn is_job(&self) -> bool {
        self.job
    }
}

/// The posts the person may read, their responses, and (for recruiters) the notes on each
/// opening's applicants; and the person's own applications.
pub(super) fn readable(me: &Me) -> impl Iterator<Item = DocumentId> + '_ {
    me.news
        .iter()
        .flat_map(|r| [Some(r.post), r.responses, r.notes])
        .flatten()
        .chain(me.applications_doc)
}

/// The feed's order: pinned first, then the newest out (one just published here, whose time
/// the relay has not said yet, is the newest), then posts not out by title; ties by document id,
/// the same on every device.
fn feed_order(now: i64) -> impl Fn(&NewsEntry, &NewsEntry) -> std::cmp::Ordering {
    move |a, b| {
        let key = |e: &NewsEntry| {
            let out = e.is_out(now);
            (
                std::cmp::Reverse(e.post.pinned && out),
                std::cmp::Reverse(out),
                std::cmp::Reverse(e.out_at.unwrap_or(i64::MAX)),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.post.title.cmp(&b.post.title))
            .then_with(|| a.doc.to_string().cmp(&b.doc.to_string()))
    }
}

impl Runtime {
    /// Forgets what was read from posts (the person or their grants changed).
    pub(super) fn reset_news(&self) {
        self.news.borrow_mut().clear();
        self.signals.news.set(Vec::new());
    }

    /// Reads again the posts and responses among `docs`; returns the other documents.
    pub(super) fn refresh_news(&self, docs: Vec<DocumentId>) -> Vec<DocumentId> {
        let listed: BTreeMap<DocumentId, NewsRef> = self.signals.me.with_untracked(|me| {
            me.as_ref()
                .map(|me| me.news.iter().map(|r| (r.post, *r)).collect())
                .unwrap_or_default()
        });
        if listed.is_empty() {
            return docs;
        }
        let responses_of: BTreeMap<DocumentId, DocumentId> = listed
            .values()
            .filter_map(|r| r.responses.map(|d| (d, r.post)))
            .collect();
        let now = super::events::now();
        let (me, relay) = self
            .signals
            .me
            .with_untracked(|me| {
                me.as_ref()
                    .map(|m| (format!("{}:", m.user_id), m.relay_storage.clone()))
            })
            .unzip();
        let mut rest = Vec::new();
        let mut changed = false;
        {
            let engine = self.docs.engine();
            let arrived = |doc: &DocumentId| super::documents::arrived(&engine, doc);
            let mut held = self.news.borrow_mut();
            // A post and its responses changing together are read once.
            let mut posts = BTreeSet::new();
            for doc in docs {
                match responses_of.get(&doc) {
                    _ if listed.contains_key(&doc) => {
                        posts.insert(doc);
                    }
                    Some(post) => {
                        posts.insert(*post);
                    }
                    None => rest.push(doc),
                }
            }
            for post in posts {
                let reference = &listed[&post];
                let read = arrived(&post).map(NewsPost::read);
                let entry = match read {
                    Some(Ok(read)) => {
                        let mut entry = NewsEntry::new(post, read, reference, now);
                        let responses = reference
                            .responses
                            .and_then(|id| arrived(&id).map(|doc| (id, doc)));
                        if let Some((id, responses)) = responses {
                            match Responses::read(responses) {
                                Ok(read) => entry.responses = read,
                                Err(e) => log(&format!("{post}'s responses are not readable: {e}")),
                            }
                            if let (Some(mine), Some(relay)) = (&me, &relay) {
                                entry.sending = super::documents::unsent_keys(
                                    responses,
                                    &["comments"],
                                    |key| key.starts_with(mine.as_str()),
                                    engine.acknowledged_heads(relay, &id),
                                );
                            }
                        }
                        Some(entry)
                    }
                    Some(Err(e)) => {
                        log(&format!("{post} is not a readable news post: {e}"));
                        continue;
                    }
                    None => None,
                };
                match entry {
                    Some(entry) if held.get(&post) != Some(&entry) => {
                        held.insert(post, entry);
                        changed = true;
                    }
                    Some(_) => {}
                    None => changed |= held.remove(&post).is_some(),
                }
            }
        }
        if changed {
            let mut entries: Vec<NewsEntry> = self.news.borrow().values().cloned().collect();
            entries.sort_by(feed_order(now));
            self.signals.news.set(entries);
        }
        rest
    }

    /// The relay acknowledged (or not) what this device sent: comments stop showing "sending".
    pub(super) fn refresh_news_sending(&self) {
        let sending: Vec<DocumentId> = self
            .news
            .borrow()
            .values()
            .filter(|e| !e.sending.is_empty())
            .map(|e| e.doc)
            .collect();
        if !sending.is_empty() {
            self.refresh_news(sending);
        }
    }

    /// The posts the relay lists for the person now.
    fn listed_posts(&self) -> BTreeSet<DocumentId> {
        self.signals.me.with_untracked(|me| {
            me.as_ref()
                .map(|me| me.news.iter().map(|r| r.post).collect())
                .unwrap_or_default()
        })
    }

    /// The relay said a post came out somewhere (it names none): after a moment — every open
    /// app hears it at once, so each waits its own while — ask which posts are the person's now,
    /// and only if the list changed, who they are (which brings the new posts).
    pub(super) fn news_told(&self) {
        if self.news_check.replace(true) {
            return;
        }
        let Some(rt) = self.this.upgrade() else {
            return;
        };
        wasm_bindgen_futures::spawn_local(async move {
            let wait = NEWS_CHECK_SPREAD.mul_f64(js_sys::Math::random());
            gloo_timers::future::sleep(wait).await;
            rt.news_check.set(false);
            let listed = rt
                .signals
                .me
                .with_untracked(|me| me.as_ref().map(|me| me.news.clone()));
            match api::news().await {
                Ok(now) if Some(&now) != listed.as_ref() => rt.refresh_me(),
                Ok(_) => {}
                Err(e) => log(&format!("could not ask which posts are out: {e}")),
            }
        });
    }

    /// The person opened `doc`: it is no longer unread, on this device, and the admins' count
    /// of who opened it hears of it.
    pub fn mark_news_seen(self: &Rc<Self>, doc: DocumentId) {
        if self.note_seen(doc) {
            self.report_opened();
        }
    }

    /// Keeps `doc` among the posts seen on this device; says whether it was new there.
    fn note_seen(&self, doc: DocumentId) -> bool {
        if self
            .signals
            .seen_news
            .with_untracked(|seen| seen.contains(&doc))
        {
            return false;
        }
        self.signals.seen_news.update(|seen| {
            seen.insert(doc);
        });
        // Only posts still listed are worth keeping.
        let listed = self.listed_posts();
        let json = self.signals.seen_news.with_untracked(|seen| {
            let kept: BTreeSet<&DocumentId> = seen.iter().filter(|d| listed.contains(d)).collect();
            serde_json::to_string(&kept).unwrap_or_default()
        });
        self.docs.write(Write::Meta {
            key: MetaKey::SeenNews,
            value: json,
        });
        true
    }

    /// Tells the relay which listed posts the person opened that it has not been told of since
    /// this page loaded (at most once each; offline, the next answer from the relay tries again).
    pub(super) fn report_opened(self: &Rc<Self>) {
        let listed = self.listed_posts();
        let unreported: Vec<DocumentId> = self.signals.seen_news.with_untracked(|seen| {
            let reported = self.news_reported.borrow();
            seen.iter()
                .filter(|d| listed.contains(d) && !reported.contains(d))
                .take(tsunagu_core::api::MAX_OPENED_PER_CALL)
                .copied()
                .collect()
        });
        if unreported.is_empty() {
            return;
        }
        // Noted at once, so a second call meanwhile does not send them again.
        self.news_reported
            .borrow_mut()
            .extend(unreported.iter().copied());
        let rt = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = api::news_opened(&unreported).await {
                log(&format!("could not report opened posts: {e}"));
                let mut reported = rt.news_reported.borrow_mut();
                for doc in &unreported {
                    reported.remove(doc);
                }
            }
        });
    }

    /// Starts a post on the relay (admins), then asks who we are so the new document is
    /// fetched and kept; the editor opens it.
    pub async fn create_post(self: Rc<Self>, new: NewPost) -> Result<NewsRef, AppError> {
        let created = api::create_post(&new).await?;
        self.fetch_created().await;
        Ok(created)
    }

    /// Starts a job opening on the relay (admins, recruiters), as [`Self::create_post`] does a
    /// post of news.
    pub async fn create_job(self: Rc<Self>, new: NewJob) -> Result<NewsRef, AppError> {
        let created = api::create_job(&new).await?;
        self.fetch_created().await;
        Ok(created)
    }

    /// Asks who we are after starting a post, which brings its document.
    async fn fetch_created(self: &Rc<Self>) {
        match api::me().await {
            Ok(me) => self.adopt_me(me),
            Err(e) => log(&format!("could not refresh the session: {e}")),
        }
    }

    /// Writes a post (admins; the relay refuses anyone else): only what differs, as one change.
    /// Published, it reaches its segment when the change reaches the relay.
    pub fn save_post(&self, doc: DocumentId, post: &NewsPost) -> Result<(), AppError> {
        if !self.docs.arrived(&doc) {
            return Err(AppError::NotSynced);
        }
        self.commit(doc, |tx| post.write_to(tx))?;
        // The admin who published it has read it (not counted as opened: they wrote it).
        if post.is_out(super::events::now()) {
            self.note_seen(doc);
        }
        Ok(())
    }

    /// One change by the person to the responses of `post`, once they have arrived; `false`
    /// from `write` (nothing of theirs to change there) is "not synced yet".
    fn respond(
        &self,
        post: DocumentId,
        write: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &str) -> Result<bool, DocError>,
    ) -> Result<(), AppError> {
        let me = self
            .signals
            .me
            .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()))
            .ok_or(AppError::NotStarted)?;
        let doc = self
            .news
            .borrow()
            .get(&post)
            .and_then(|e| e.responses_doc)
            .ok_or(AppError::NotSynced)?;
        if !self.docs.arrived(&doc) {
            return Err(AppError::NotSynced);
        }
        let mut done = true;
        self.commit(doc, |tx| {
            done = write(tx, &me)?;
            Ok::<_, DocError>(())
        })?;
        if done {
            Ok(())
        } else {
            Err(AppError::NotSynced)
        }
    }

    /// いいね on `post`, or taken back.
    pub fn like_post(&self, post: DocumentId, like: bool) -> Result<(), AppError> {
        let at = like.then(super::messages::now_ms);
        self.respond(post, |tx, me| Responses::like(tx, me, at))
    }

    /// Comments `text` on `post`: on this device at once, sent when the relay is reachable.
    pub fn comment_post(&self, post: DocumentId, text: &str) -> Result<(), AppError> {
        let id = super::messages::new_message_id();
        let at = super::messages::now_ms();
        self.respond(post, |tx, me| {
            Responses::comment(tx, me, &id, text, at).map(|k| k.is_some())
        })
    }

    /// Replaces the text of the person's own comment `key` on `post`.
    pub fn edit_comment(&self, post: DocumentId, key: &str, text: &str) -> Result<(), AppError> {
        let at = super::messages::now_ms();
        self.respond(post, |tx, me| {
            Responses::edit_comment(tx, me, key, text, at)
        })
    }

    /// Deletes the person's own comment `key` on `post`.
    pub fn delete_comment(&self, post: DocumentId, key: &str) -> Result<(), AppError> {
        self.respond(post, |tx, me| Responses::delete_comment(tx, me, key))
    }

    /// Hides comment `key` on `post` for everyone, or shows it again (admins).
    pub fn hide_comment(&self, post: DocumentId, key: &str, hidden: bool) -> Result<(), AppError> {
        self.respond(post, |tx, me| Responses::hide(tx, key, me, hidden))
    }

    /// How many members `segment` reaches now (admins; needs the relay).
    pub async fn segment_reach(&self, segment: &Segment) -> Result<usize, AppError> {
        Ok(api::segment_reach(segment).await?.members)
    }
}

/// The posts opened before, as stored by [`Runtime::mark_news_seen`].
pub(super) fn parse_seen(json: &str) -> BTreeSet<DocumentId> {
    serde_json::from_str(json).unwrap_or_else(|e| {
        log(&format!("forgetting the news posts opened before: {e}"));
        BTreeSet::new()
    })
}
