//! The handle screens get from context: the [`Signals`] to read, and the runtime's features to
//! call once it has started. Before then every call that needs the runtime fails with the one
//! [`AppError::NotStarted`] (queries answer "nothing yet").

use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::api::{
    Applicant, EventRef, Me, NewConversation, NewEvent, NewJob, NewPost, NewsRef, NewsletterChoice,
    PostStats,
};
use tsunagu_core::checkin::Scan;
use tsunagu_core::event::Event;
use tsunagu_core::ids::{DocumentId, StorageId};
use tsunagu_core::job_application::{JobApplication, Referral, Stage};
use tsunagu_core::news::{NewsPost, Segment};
use tsunagu_core::profile::{Profile, Visibility};

use super::Runtime;
use crate::api;
use crate::error::AppError;
use crate::state::Signals;
use crate::store::{MetaKey, Write};

#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub signals: Signals,
    runtime: StoredValue<Option<Rc<Runtime>>, LocalStorage>,
}

impl Client {
    pub fn new(signals: Signals) -> Self {
        Self {
            signals,
            runtime: StoredValue::new_local(None),
        }
    }

    /// The runtime has started: calls reach it from now on.
    pub fn attach(&self, runtime: Rc<Runtime>) {
        self.runtime.set_value(Some(runtime));
    }

    fn runtime(&self) -> Result<Rc<Runtime>, AppError> {
        self.runtime
            .try_get_value()
            .flatten()
            .ok_or(AppError::NotStarted)
    }

    /// A chunk of the app's code was fetched: the features' code, if it could not be before,
    /// is tried again at once.
    pub fn chunk_arrived(&self) {
        if let Ok(rt) = self.runtime() {
            rt.retry_features();
        }
    }

    // ---- the session -----------------------------------------------------------------------

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<(), AppError> {
        self.runtime()?.sign_in(email, password).await
    }

    /// Adopts the session a passkey sign-in opened, as [`Self::sign_in`] does a password's.
    pub async fn signed_in(&self, me: Me) -> Result<(), AppError> {
        self.runtime()?.signed_in(me).await;
        Ok(())
    }

    pub fn sign_out(&self) {
        if let Ok(rt) = self.runtime() {
            wasm_bindgen_futures::spawn_local(rt.sign_out());
        }
    }

    /// Signs out on every device; on success this one wipes itself and reloads.
    pub async fn sign_out_everywhere(&self) -> Result<(), AppError> {
        self.runtime()?.sign_out_everywhere().await
    }

    /// Deletes the account; on success this device wipes itself and reloads.
    pub async fn delete_account(&self) -> Result<(), AppError> {
        self.runtime()?.delete_account().await
    }

    /// Hides from the directory (or lists again), then asks the relay who we are.
    pub async fn set_directory_hidden(&self, hidden: bool) -> Result<(), AppError> {
        api::set_directory_hidden(hidden).await?;
        if let Ok(rt) = self.runtime() {
            rt.refresh_me();
        }
        Ok(())
    }

    /// This device's storage id, which the relay's device list is keyed by.
    pub fn device_storage(&self) -> Option<StorageId> {
        self.runtime().ok().map(|rt| rt.device_storage())
    }

    /// This device as admissions name it.
    pub fn device_name(&self) -> String {
        self.runtime()
            .map(|rt| rt.device_name())
            .unwrap_or_default()
    }

    pub fn set_language(&self, language: &str) {
        if let Ok(rt) = self.runtime() {
            rt.docs.write(Write::Meta {
                key: MetaKey::Language,
                value: language.to_owned(),
            });
        }
    }

    // ---- profiles and the organisation's defaults -------------------------------------------

    pub fn my_profile(&self) -> Option<Profile> {
        self.runtime().ok().and_then(|rt| rt.my_profile())
    }

    pub fn my_visibility(&self) -> Visibility {
        self.runtime()
            .map(|rt| rt.my_visibility())
            .unwrap_or_default()
    }

    pub fn profile_edited(&self) {
        if let Ok(rt) = self.runtime() {
            rt.profile_edited();
        }
    }

    pub fn save_profile(&self, profile: &Profile, visibility: &Visibility) {
        if let Ok(rt) = self.runtime() {
            rt.save_profile(profile, visibility);
        }
    }

    pub fn default_visibility(&self) -> Visibility {
        self.runtime()
            .map(|rt| rt.default_visibility())
            .unwrap_or_default()
    }

    pub fn save_default_visibility(&self, defaults: &Visibility) -> Result<(), AppError> {
        self.runtime()?.save_default_visibility(defaults)
    }

    // ---- events ----------------------------------------------------------------------------

    /// Answers going (or not) to an event; saved on this device and synced later.
    pub fn answer_rsvp(&self, event: DocumentId, going: bool) -> Result<(), AppError> {
        self.runtime()?.answer_rsvp(event, going)
    }

    /// Chooses whether the person's name is listed among who is going to `event`.
    pub fn show_name(&self, event: DocumentId, show: bool) -> Result<(), AppError> {
        self.runtime()?.show_name(event, show)
    }

    /// Saves an edited event (admins) as one change.
    pub fn save_event(&self, doc: DocumentId, event: &Event) -> Result<(), AppError> {
        self.runtime()?.save_event(doc, event)
    }

    /// Creates an event (admins: a draft; anyone else: a proposal); needs the relay.
    pub async fn create_event(&self, new: NewEvent) -> Result<EventRef, AppError> {
        self.runtime()?.create_event(new).await
    }

    /// Records a self check-in with the venue code the person scanned; saved on this device
    /// and synced later, when the relay admits them.
    pub fn arrive(&self, event: DocumentId, code: &str) -> Result<(), AppError> {
        self.runtime()?.arrive(event, code)
    }

    /// The venue code of `event` from the relay, remembered on this device for the door.
    pub async fn fetch_venue_code(&self, event: DocumentId) -> Result<String, AppError> {
        self.runtime()?.fetch_venue_code(event).await
    }

    /// The person looked at their list of events.
    pub fn note_events_known(&self) {
        if let Ok(rt) = self.runtime() {
            rt.note_events_known();
        }
    }

    /// The person was told of the seat they now hold for `event`.
    pub fn acknowledge_seat(&self, event: DocumentId) {
        if let Ok(rt) = self.runtime() {
            rt.acknowledge_seat(event);
        }
    }

    /// Remembers the event as the person has now seen it.
    pub fn mark_event_seen(&self, doc: DocumentId, event: &Event) {
        if let Ok(rt) = self.runtime() {
            rt.mark_event_seen(doc, event);
        }
    }

    // ---- news -------------------------------------------------------------------------------

    /// Starts a post (admins): a draft on the relay, fetched and kept here; needs the relay.
    pub async fn create_post(&self, new: NewPost) -> Result<NewsRef, AppError> {
        self.runtime()?.create_post(new).await
    }

    pub async fn create_job(&self, new: NewJob) -> Result<NewsRef, AppError> {
        self.runtime()?.create_job(new).await
    }

    /// Saves a post (admins) as one change, offline too.
    pub fn save_post(&self, doc: DocumentId, post: &NewsPost) -> Result<(), AppError> {
        self.runtime()?.save_post(doc, post)
    }

    /// The person opened a post: no longer unread on this device.
    pub fn mark_news_seen(&self, doc: DocumentId) {
        if let Ok(rt) = self.runtime() {
            rt.mark_news_seen(doc);
        }
    }

    /// いいね on a post, or taken back; offline too.
    pub fn like_post(&self, post: DocumentId, like: bool) -> Result<(), AppError> {
        self.runtime()?.like_post(post, like)
    }

    /// Comments on a post; offline too.
    pub fn comment_post(&self, post: DocumentId, text: &str) -> Result<(), AppError> {
        self.runtime()?.comment_post(post, text)
    }

    /// Replaces the text of one's own comment.
    pub fn edit_comment(&self, post: DocumentId, key: &str, text: &str) -> Result<(), AppError> {
        self.runtime()?.edit_comment(post, key, text)
    }

    /// Deletes one's own comment.
    pub fn delete_comment(&self, post: DocumentId, key: &str) -> Result<(), AppError> {
        self.runtime()?.delete_comment(post, key)
    }

    /// Hides a comment for everyone, or shows it again (admins).
    pub fn hide_comment(&self, post: DocumentId, key: &str, hidden: bool) -> Result<(), AppError> {
        self.runtime()?.hide_comment(post, key, hidden)
    }

    /// Applies for the opening `post`, offline too.
    pub fn apply_for(
        &self,
        post: DocumentId,
        application: &JobApplication,
    ) -> Result<(), AppError> {
        self.runtime()?.apply_for(post, application)
    }

    /// Saves the opening `post` to come back to, or takes it back, offline too.
    pub fn save_job(&self, post: DocumentId, save: bool) -> Result<(), AppError> {
        self.runtime()?.save_job(post, save)
    }

    /// Refers someone for the opening `post`, offline too.
    pub fn refer(&self, post: DocumentId, referral: &Referral) -> Result<(), AppError> {
        self.runtime()?.refer(post, referral)
    }

    /// Notes `text` on `applicant` for the opening `post` (recruiters), offline too.
    pub fn note_applicant(
        &self,
        post: DocumentId,
        applicant: &str,
        text: &str,
    ) -> Result<(), AppError> {
        self.runtime()?.note_applicant(post, applicant, text)
    }

    /// Rates `applicant` for the opening `post` (recruiters), offline too.
    pub fn rate_applicant(
        &self,
        post: DocumentId,
        applicant: &str,
        stars: i64,
    ) -> Result<(), AppError> {
        self.runtime()?.rate_applicant(post, applicant, stars)
    }

    /// The applications for the opening `post` (recruiters); needs the relay.
    pub async fn applicants(&self, post: DocumentId) -> Result<Vec<Applicant>, AppError> {
        api::applicants(&post).await
    }

    /// Moves `user`'s application for `post` to `stage` (recruiters); needs the relay.
    pub async fn move_application(
        &self,
        post: DocumentId,
        user: &str,
        stage: Stage,
    ) -> Result<(), AppError> {
        api::move_application(&post, user, stage).await
    }

    /// How a post is doing: reached, opened, いいね, comments (admins); needs the relay.
    pub async fn post_stats(&self, post: DocumentId) -> Result<PostStats, AppError> {
        api::post_stats(&post).await
    }

    /// Whether one receives posts by mail too, and whether the relay mails at all; needs the
    /// relay.
    pub async fn newsletter(&self) -> Result<NewsletterChoice, AppError> {
        api::newsletter().await
    }

    /// Receive posts by mail, or not; needs the relay.
    pub async fn set_newsletter(&self, receive: bool) -> Result<NewsletterChoice, AppError> {
        api::set_newsletter(receive).await
    }

    /// How many members a segment reaches now (admins); needs the relay.
    pub async fn segment_reach(&self, segment: &Segment) -> Result<usize, AppError> {
        self.runtime()?.segment_reach(segment).await
    }

    // ---- messages --------------------------------------------------------------------------

    /// Writes a message, with `photos` (shrunk already: id and bytes) if any; saved on this
    /// device at once and sent when the relay is reachable.
    pub async fn send_message(
        &self,
        conversation: DocumentId,
        text: &str,
        reply_to: Option<String>,
        photos: Vec<(String, web_sys::Blob)>,
    ) -> Result<(), AppError> {
        let rt = self.runtime()?;
        if photos.is_empty() {
            rt.send_message(conversation, text, reply_to, Vec::new())
        } else {
            rt.send_with_photos(conversation, text, reply_to, photos)
                .await
        }
    }

    /// Keeps the person's own photo (shrunk already) on this device, to upload when it can.
    pub async fn keep_photo(&self, id: &str, blob: &web_sys::Blob) -> Result<(), AppError> {
        self.runtime()?.keep_photo(id, blob).await
    }

    /// An object URL showing a photo (revoke it when done), from this device or the relay.
    pub async fn photo_url(&self, id: &str) -> Result<String, AppError> {
        self.runtime()?.photo_url(id).await
    }

    pub fn edit_message(
        &self,
        conversation: DocumentId,
        id: &str,
        text: &str,
    ) -> Result<(), AppError> {
        self.runtime()?.edit_message(conversation, id, text)
    }

    pub fn unsend_message(&self, conversation: DocumentId, id: &str) -> Result<(), AppError> {
        self.runtime()?.unsend_message(conversation, id)
    }

    pub fn react(
        &self,
        conversation: DocumentId,
        id: &str,
        emoji: Option<&str>,
    ) -> Result<(), AppError> {
        self.runtime()?.react(conversation, id, emoji)
    }

    /// Mutes (or unmutes) a conversation's notifications; needs the relay.
    pub async fn set_muted(&self, conversation: DocumentId, muted: bool) -> Result<(), AppError> {
        api::set_muted(&conversation, muted).await
    }

    /// Leaves a group; needs the relay. The inbox then drops it and it leaves the device.
    pub async fn leave_conversation(&self, conversation: DocumentId) -> Result<(), AppError> {
        let me = self
            .signals
            .me
            .with_untracked(|me| me.as_ref().map(|m| m.user_id.clone()))
            .ok_or(AppError::NotStarted)?;
        api::leave_conversation(&conversation, &me).await
    }

    /// Opens the chat of `event` with its confirmed attendees; answers the conversation.
    pub async fn open_event_chat(&self, event: DocumentId) -> Result<DocumentId, AppError> {
        self.runtime()?.open_event_chat(event).await
    }

    /// Adds `user` to the group `conversation`; needs the relay. Their phones hear of it through
    /// their inbox.
    pub async fn add_member(&self, conversation: DocumentId, user: &str) -> Result<(), AppError> {
        api::add_member(&conversation, user).await
    }

    /// Brings the conversation's previous page onto this device ("older messages").
    pub fn load_older(&self, conversation: DocumentId) {
        if let Ok(rt) = self.runtime() {
            rt.load_older(conversation);
        }
    }

    /// Brings every older page of every conversation onto this device, for the search.
    pub fn load_every_page(&self) {
        if let Ok(rt) = self.runtime() {
            rt.load_every_page();
        }
    }

    /// The person is typing in `conversation` (its members with it open see "typing…").
    pub fn send_typing(&self, conversation: DocumentId) {
        if let Ok(rt) = self.runtime() {
            rt.send_typing(conversation);
        }
    }

    /// The person has seen the newest message of `conversation`.
    pub fn mark_conversation_read(&self, conversation: DocumentId) {
        if let Ok(rt) = self.runtime() {
            rt.mark_conversation_read(conversation);
        }
    }

    /// Starts a conversation with `members` (user ids), or opens the one-to-one that exists;
    /// needs the relay. Answers the conversation's document.
    pub async fn start_conversation(&self, new: NewConversation) -> Result<DocumentId, AppError> {
        self.runtime()?.start_conversation(new).await
    }

    /// Blocks (or unblocks) a member, then asks the relay who we are: their messages stop (or
    /// start again) showing on this device.
    pub async fn set_blocked(&self, user: &str, blocked: bool) -> Result<(), AppError> {
        api::set_blocked(user, blocked).await?;
        if let Ok(rt) = self.runtime() {
            rt.refresh_me();
        }
        Ok(())
    }

    /// Reports the message `id` on `page` to the admins; needs the relay.
    pub async fn report_message(
        &self,
        page: DocumentId,
        id: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        api::report_message(&tsunagu_core::api::ReportMessage {
            page,
            message: id.to_owned(),
            reason: reason.to_owned(),
        })
        .await
    }

    // ---- check-in --------------------------------------------------------------------------

    /// Records one admission in an event's check-in log; saved on this device, synced later.
    pub fn record_admission(&self, checkins: DocumentId, scan: &Scan) -> Result<(), AppError> {
        self.runtime()?.record_admission(checkins, scan)
    }
}
