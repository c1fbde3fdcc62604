//! The runtime's part for photos (docs/design.md §10). A photo the person attaches is kept on the
//! device before the message naming it is written, so a message never names a photo its own
//! device lacks; it is uploaded whenever the relay is reachable (at every connection, and right
//! after sending), independently of the message, which syncs like any other change. Photos of
//! others are fetched when first shown and kept within the device's budget.

use std::rc::Rc;

use tsunagu_core::api::ErrorCode;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::photo;
use web_sys::Blob;

use super::{Runtime, log};
use crate::api;
use crate::error::AppError;
use crate::store::{PHOTO_BUDGET, Store};

/// Whether an upload is under way, and whether more photos arrived meanwhile.
#[derive(Debug, Default)]
pub(super) struct Uploads {
    running: std::cell::Cell<bool>,
    again: std::cell::Cell<bool>,
}

impl Runtime {
    fn photo_store(&self) -> Result<Rc<Store>, AppError> {
        self.docs
            .queue()
            .map(|q| Rc::clone(q.store()))
            .ok_or_else(|| AppError::StorageUnavailable("no device storage for photos".into()))
    }

    /// Writes a message carrying `photos` (already shrunk; id and bytes): the photos are kept
    /// on this device first, then the message is written, and the photos go to the relay when
    /// it is reachable.
    pub async fn send_with_photos(
        self: Rc<Self>,
        conversation: DocumentId,
        text: &str,
        reply_to: Option<String>,
        photos: Vec<(String, Blob)>,
    ) -> Result<(), AppError> {
        let store = self.photo_store()?;
        for (id, blob) in &photos {
            store.put_photo(id, blob, true).await?;
        }
        let ids = photos.into_iter().map(|(id, _)| id).collect();
        self.send_message(conversation, text, reply_to, ids)?;
        self.upload_photos();
        Ok(())
    }

    /// Keeps a photo the person chose (their profile photo) on this device, and sends it to the
    /// relay when it is reachable.
    pub async fn keep_photo(self: Rc<Self>, id: &str, blob: &Blob) -> Result<(), AppError> {
        self.photo_store()?.put_photo(id, blob, true).await?;
        self.upload_photos();
        Ok(())
    }

    /// Uploads the person's photos the relay does not have yet, in the background; one call
    /// while an upload runs makes it look again when done.
    pub(super) fn upload_photos(self: &Rc<Self>) {
        self.uploads.again.set(true);
        if self.uploads.running.replace(true) {
            return;
        }
        let this = Rc::clone(self);
        leptos::task::spawn_local(async move {
            while this.uploads.again.replace(false) {
                if let Err(e) = this.upload_pending().await {
                    // Offline, or signed out: the next connection tries again.
                    log(&format!("photos wait to upload: {e}"));
                    break;
                }
            }
            this.uploads.running.set(false);
        });
    }

    async fn upload_pending(&self) -> Result<(), AppError> {
        let store = self.photo_store()?;
        for (id, blob) in store.pending_photos().await? {
            match api::upload_photo(&id, &blob).await {
                Ok(()) => {}
                Err(
                    e @ (AppError::Offline
                    | AppError::Api(ErrorCode::Unauthenticated | ErrorCode::TooManyAttempts)),
                ) => return Err(e),
                // Refused for good (not an image, too large): sending it again changes nothing.
                Err(e) => log(&format!("the relay refused photo {id}: {e}")),
            }
            store.photo_uploaded(&id).await?;
        }
        Ok(())
    }

    /// An object URL showing photo `id` (the caller revokes it): from this device, or fetched
    /// from the relay, checked against its id, and kept for offline viewing.
    pub async fn photo_url(&self, id: &str) -> Result<String, AppError> {
        if !photo::is_id(id) {
            return Err(AppError::Api(ErrorCode::NotFound));
        }
        let store = self.photo_store()?;
        let blob = match store.photo(id).await? {
            Some(blob) => blob,
            None => {
                let bytes = api::photo(id).await?;
                if photo::id_of(&bytes) != id {
                    return Err(AppError::UnexpectedResponse(format!(
                        "photo {id} came back with other bytes"
                    )));
                }
                let blob = blob_of(&bytes, photo::kind_of(&bytes).unwrap_or("image/jpeg"))?;
                store.put_photo(id, &blob, false).await?;
                if let Err(e) = store.trim_photos(PHOTO_BUDGET).await {
                    log(&format!("could not trim kept photos: {e}"));
                }
                blob
            }
        };
        web_sys::Url::create_object_url_with_blob(&blob)
            .map_err(|_| AppError::LocalEdit("the browser could not show the photo".into()))
    }
}

/// A blob of `bytes` of image type `kind`.
pub(crate) fn blob_of(bytes: &[u8], kind: &str) -> Result<Blob, AppError> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| AppError::LocalEdit("the browser could not hold the photo".into()))
}
