//! The runtime's part for the session: asking the relay who we are, signing in and out (here
//! or everywhere), deleting the account, and wiping the device when the person leaves it, it was
//! removed from the account, or someone else signs in on it.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use tsunagu_core::api::{ErrorCode, Me};

use super::{Runtime, log};
use crate::api;
use crate::error::AppError;
use crate::state::Phase;
use crate::store::{DB_NAME, MetaKey, Write};

impl Runtime {
    /// Asks the relay who we are; adopts the answer, or notes an expired session.
    pub fn refresh_me(self: Rc<Self>) {
        let asked_in = self.sessions_opened.get();
        wasm_bindgen_futures::spawn_local(async move {
            match api::me().await {
                Ok(me) => self.adopt_me(me),
                // A sign-in finished while we asked: its session is newer than whatever cookie
                // this request carried (signing in again ends the previous session, whose socket
                // then has us ask — possibly before the browser stored the new cookie).
                Err(_) if self.sessions_opened.get() != asked_in => {}
                Err(AppError::Api(ErrorCode::Unauthenticated | ErrorCode::SessionExpired)) => {
                    if self.signals.me.get_untracked().is_some() {
                        // Keep the data and the unsent changes; only ask to sign in again.
                        self.signals.session_expired.set(true);
                        self.stop_syncing();
                    } else {
                        self.signals.phase.set(Phase::SignedOut);
                    }
                }
                Err(e) => {
                    // Offline or the relay is down: never sign out for that.
                    if self.signals.me.get_untracked().is_none() {
                        self.signals.phase.set(Phase::SignedOut);
                    }
                    log(&format!("could not refresh the session: {e}"));
                }
            }
        });
    }

    /// Signs in; the error is for the sign-in form to show.
    pub async fn sign_in(self: Rc<Self>, email: &str, password: &str) -> Result<(), AppError> {
        let me = api::sign_in(email, password).await?;
        self.signed_in(me).await;
        Ok(())
    }

    /// The relay opened a session for `me` (a password or a passkey; the cookie is set). The
    /// same person keeps everything on the device, unsent changes included, and syncs again;
    /// someone else starts from an empty device.
    pub async fn signed_in(self: Rc<Self>, me: Me) {
        self.sessions_opened.set(self.sessions_opened.get() + 1);
        let previous = self.signals.me.get_untracked();
        if previous.is_some_and(|p| p.user_id != me.user_id) {
            // Someone else signs in on this device: nothing of the previous person may remain.
            self.wipe().await;
            self.docs.write(Write::Meta {
                key: MetaKey::Me,
                value: to_json(&me),
            });
            reload();
            return;
        }
        self.signals.session_expired.set(false);
        self.link.resume();
        self.adopt_me(me);
    }

    /// Signs out and removes the person's documents from this device.
    pub async fn sign_out(self: Rc<Self>) {
        self.stop_syncing();
        forget_push().await;
        if let Err(e) = api::sign_out().await {
            log(&format!("the relay did not confirm the sign-out: {e}"));
        }
        self.wipe().await;
        reload();
    }

    /// Ends every session of the person on the relay (every device asks to sign in again,
    /// keeping its data), then signs this device out as [`Self::sign_out`] does. Nothing
    /// changes here if the relay cannot be reached: the other devices would still be signed in.
    pub async fn sign_out_everywhere(self: Rc<Self>) -> Result<(), AppError> {
        // Stopped first, so this device's own socket being told its session ended does not
        // ask to sign in again on the way out.
        self.stop_syncing();
        forget_push().await;
        if let Err(e) = api::sign_out_everywhere().await {
            self.link.resume();
            self.connect();
            return Err(e);
        }
        self.wipe().await;
        reload();
        Ok(())
    }

    /// Deletes the account on the relay, then everything on this device.
    pub async fn delete_account(self: Rc<Self>) -> Result<(), AppError> {
        api::delete_account().await?;
        self.forget_this_device(Farewell::AccountDeleted).await;
        Ok(())
    }

    /// This device was removed from the account, or the account was deleted: delete everything
    /// it holds (documents, sync states, its storage id, the cached app shell) and start again at
    /// the sign-in screen, which says why.
    pub(super) async fn forget_this_device(self: Rc<Self>, why: Farewell) {
        self.stop_syncing();
        // End this device's session too: its cookie would otherwise sign the next page load
        // straight back in, as a new device.
        if let Err(e) = api::sign_out().await {
            log(&format!("the relay did not confirm the sign-out: {e}"));
        }
        if let Some(window) = web_sys::window() {
            if let Ok(Some(session)) = window.session_storage() {
                let _ = session.set_item(FAREWELL_KEY, why.key());
            }
            delete_everything(&window).await;
        }
        reload();
    }

    async fn wipe(&self) {
        if let Some(queue) = self.docs.queue() {
            queue.push(Write::MetaDelete(MetaKey::Me));
            queue.push(Write::MetaDelete(MetaKey::SeenEvents));
            queue.push(Write::MetaDelete(MetaKey::VenueCodes));
            queue.push(Write::MetaDelete(MetaKey::SeenSeats));
            queue.push(Write::MetaDelete(MetaKey::KnownEvents));
            if let Err(e) = queue.store().wipe_documents().await {
                log(&format!("wiping device storage: {e}"));
            }
            // Give the queued MetaDelete its transaction before the page goes away.
            for _ in 0..20 {
                if queue.is_idle() {
                    break;
                }
                gloo_timers::future::sleep(Duration::from_millis(25)).await;
            }
        }
    }
}

pub(super) fn to_json(me: &Me) -> String {
    // Serialising plain strings and ids cannot fail.
    serde_json::to_string(me).unwrap_or_default()
}

/// Set for the sign-in screen to say why the device was emptied.
pub(crate) const FAREWELL_KEY: &str = "tsunagu-farewell";

/// Why this device wiped itself; the sign-in screen says so after the reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Farewell {
    DeviceRemoved,
    AccountDeleted,
}

impl Farewell {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Farewell::DeviceRemoved => "device-removed",
            Farewell::AccountDeleted => "account-deleted",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        [Farewell::DeviceRemoved, Farewell::AccountDeleted]
            .into_iter()
            .find(|f| f.key() == key)
    }
}

/// Deletes the IndexedDB database and every Cache Storage entry of this origin.
async fn delete_everything(window: &web_sys::Window) {
    if let Ok(Some(factory)) = window.indexed_db()
        && let Ok(request) = factory.delete_database(DB_NAME)
    {
        // The deletion finishes once this page's own connection closes (on reload); wait for
        // it, or for the browser to say it is blocked on that connection.
        let done = js_sys::Promise::new(&mut |resolve, _| {
            request.set_onsuccess(Some(&resolve));
            request.set_onerror(Some(&resolve));
            request.set_onblocked(Some(&resolve));
        });
        let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    }
    if let Ok(caches) = window.caches()
        && let Ok(keys) = wasm_bindgen_futures::JsFuture::from(caches.keys()).await
    {
        for key in js_sys::Array::from(&keys).iter() {
            if let Some(name) = key.as_string() {
                let _ = wasm_bindgen_futures::JsFuture::from(caches.delete(&name)).await;
            }
        }
    }
}

fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Signing out, this device stops being notified for the person (whose session still lets it
/// tell the relay): the next person on a shared device never sees their messages' previews.
async fn forget_push() {
    if let Err(e) = crate::push::disable().await {
        log(&format!("could not stop notifications on this device: {e}"));
    }
}
