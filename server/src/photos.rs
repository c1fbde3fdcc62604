//! Photos (docs/design.md §10): the bytes of the pictures messages carry and of profile photos,
//! stored by the relay as content-addressed blobs outside Automerge and read exactly by those who
//! may read a document that names them.
//!
//! - `PUT /api/photos/{id}` (members): the photo's bytes; `id` must be their SHA-256
//!   ([`tsunagu_core::photo::id_of`]), the bytes a PNG, JPEG or WebP image (or a PDF, an
//!   applicant's CV) of at most
//!   [`MAX_PHOTO_BYTES`]. The member becomes one of its owners. Uploading a photo one owns
//!   already changes nothing (a phone retries after a lost answer); a member uploads at most
//!   [`Limits::photos_per_day`](crate::Limits::photos_per_day) new photos a day.
//! - `GET /api/photos/{id}`: the bytes, to an owner, or to a member who may read a document whose
//!   current state names the photo in a message written by one of its owners, or as the photo of
//!   a profile whose owner is one of them ([`Profiles`]), or in a post of news when one of its
//!   owners writes news (`crate::news`: the post's readers), or — a CV, a PDF — in an
//!   application the relay took (`crate::news::jobs`: admins and recruiters). Everyone else gets
//!   404, as for a photo that does not exist. A PDF is sent as an attachment.
//!
//! A photo no document names any more (never sent, unsent, hidden, a replaced profile photo) is
//! deleted once [`Limits::unnamed_photo_lifetime`](crate::Limits::unnamed_photo_lifetime) has
//! passed since its last upload ([`collect_unnamed`], daily and at start).
//!
//! The "written by one of its owners" half is what stops a member who learnt an id (a hash seen
//! over a shoulder, or in another conversation they were removed from) from reading the photo by
//! naming it in a message of their own. Which documents name which photo, by whose hand, is kept
//! in `photo_refs` by [`link`], from the whole document's current state on each change to it: an
//! unsent or hidden message stops granting its photos, and a change after a crash heals the rows.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use futures_util::future::BoxFuture;
use std::collections::BTreeSet;
use tsunagu_core::conversation::Message;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::photo::{self, MAX_PHOTO_BYTES};
use tsunagu_core::profile::Profile;
use tsunagu_core::vocab::{DocKind, writes_jobs};

use crate::AppState;
use crate::auth::SignedIn;
use crate::db;
use crate::db::DocumentRecord;
use crate::error::{AppError, Error};
use crate::reactions::Reactions;
use crate::scribe::Scribe;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route(
        "/photos/{id}",
        put(upload)
            .get(download)
            .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES + 1)),
    )
}

/// `PUT /api/photos/{id}`.
async fn upload(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    if !photo::is_id(&id) {
        return Err(AppError::BadRequest(
            "a photo id is the SHA-256 of its bytes in lowercase hex".into(),
        ));
    }
    if body.len() > MAX_PHOTO_BYTES {
        return Err(AppError::BadRequest(format!(
            "a photo may be at most {} KiB",
            MAX_PHOTO_BYTES / 1024
        )));
    }
    let Some(kind) = photo::file_kind_of(&body) else {
        return Err(AppError::UnsupportedMediaType(
            "a photo must be a PNG, JPEG or WebP image (a CV, a PDF)".into(),
        ));
    };
    if photo::id_of(&body) != id {
        return Err(AppError::BadRequest(
            "the photo's bytes do not match its id".into(),
        ));
    }
    let me = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    let db::Flag(owned) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM photo_owners WHERE photo = $1 AND user_id = $2)",
    )
    .bind(&id)
    .bind(&me)
    .fetch_one(&mut *tx)
    .await
    .map_err(Error::from)?;
    if owned {
        return Ok(StatusCode::NO_CONTENT);
    }
    let now = db::now();
    let may_upload = db::under_daily_limit(
        &mut *tx,
        "SELECT COUNT(*) FROM photo_owners WHERE user_id = $1 AND uploaded_at > $2",
        &me,
        now,
        state.config.limits.photos_per_day,
    )
    .await?;
    if !may_upload {
        tracing::warn!(user = %me, "too many photos today");
        return Err(AppError::TooManyAttempts);
    }
    sqlx::query(
        "INSERT INTO photos (id, kind, bytes, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(kind)
    .bind(body.as_ref())
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    sqlx::query("INSERT INTO photo_owners (photo, user_id, uploaded_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(&me)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::CREATED)
}

/// `GET /api/photos/{id}`.
async fn download(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !photo::is_id(&id) || !may_read(&state, &signed_in.user.id, &id).await? {
        return Err(AppError::NotFound);
    }
    let row: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT kind, bytes FROM photos WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db)
            .await
            .map_err(Error::from)?;
    let Some((kind, bytes)) = row else {
        return Err(AppError::NotFound);
    };
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    if let Ok(kind) = HeaderValue::from_str(&kind) {
        h.insert(header::CONTENT_TYPE, kind);
    }
    // A CV is saved, never opened as a page of this site.
    if kind == photo::PDF {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"cv.pdf\""),
        );
    }
    // The bytes never change under an id; who may read them can, so no shared cache keeps them.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}

/// Whether `user` may read photo `id`: they uploaded it, or they may read a document that names
/// it in a message by one of its owners.
async fn may_read(state: &AppState, user: &str, id: &str) -> Result<bool, Error> {
    let db::Flag(owned) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM photo_owners WHERE photo = $1 AND user_id = $2)",
    )
    .bind(id)
    .bind(user)
    .fetch_one(&state.db)
    .await?;
    if owned {
        return Ok(true);
    }
    let documents: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT r.document_id FROM photo_refs r
           JOIN photo_owners o ON o.photo = r.photo AND o.user_id = r.author
          WHERE r.photo = $1",
    )
    .bind(id)
    .fetch_all(&state.db)
    .await?;
    if documents.is_empty() {
        return Ok(false);
    }
    let roles = db::roles(&state.db, user).await?;
    for doc in documents {
        let record = db::document(&state.db, &db::document_id(&doc)?, user).await?;
        if crate::access::access(user, &roles, record.as_ref()).is_some() {
            return Ok(true);
        }
        // A CV named by an application the relay took (`crate::news::jobs`): for those who
        // work applications, who never receive the applicant's document itself.
        let application = record
            .as_ref()
            .is_some_and(|r| DocKind::from_key(&r.kind) == Some(DocKind::JobApplications));
        if application && writes_jobs(&roles) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Deletes every photo no document names whose last upload was at or before `before`
/// ([`Limits::unnamed_photo_lifetime`](crate::Limits::unnamed_photo_lifetime)): its bytes and
/// who uploaded it. Returns how many went.
pub(crate) async fn collect_unnamed(pool: &sqlx::AnyPool, before: i64) -> Result<u64, Error> {
    let mut tx = db::write_tx(pool).await?;
    sqlx::query(
        "DELETE FROM photo_owners WHERE photo IN (
           SELECT p.id FROM photos p
            WHERE NOT EXISTS (SELECT 1 FROM photo_refs r WHERE r.photo = p.id)
              AND NOT EXISTS (SELECT 1 FROM photo_owners o
                               WHERE o.photo = p.id AND o.uploaded_at > $1))",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query("DELETE FROM photos WHERE id NOT IN (SELECT photo FROM photo_owners)")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// The photos `messages` name, with who wrote each.
pub(crate) fn named_in(messages: &[Message]) -> BTreeSet<(String, String)> {
    messages
        .iter()
        .flat_map(|m| m.photos.iter().map(|p| (p.clone(), m.author.clone())))
        .collect()
}

/// Keeps `photo_refs` for `doc` equal to the photos it `named` now, by author: rows for photos
/// newly named are added, rows for photos no longer named (unsent, hidden, replaced) go.
pub(crate) async fn link(
    s: &mut Scribe<'_>,
    doc: DocumentId,
    named: &BTreeSet<(String, String)>,
) -> Result<(), Error> {
    let held: BTreeSet<(String, String)> =
        sqlx::query_as("SELECT photo, author FROM photo_refs WHERE document_id = $1")
            .bind(doc.to_string())
            .fetch_all(s.conn())
            .await?
            .into_iter()
            .collect();
    for (photo, author) in named.difference(&held) {
        sqlx::query("INSERT INTO photo_refs (photo, document_id, author) VALUES ($1, $2, $3)")
            .bind(photo)
            .bind(doc.to_string())
            .bind(author)
            .execute(s.conn())
            .await?;
    }
    for (photo, author) in held.difference(named) {
        sqlx::query("DELETE FROM photo_refs WHERE photo = $1 AND document_id = $2 AND author = $3")
            .bind(photo)
            .bind(doc.to_string())
            .bind(author)
            .execute(s.conn())
            .await?;
    }
    Ok(())
}

/// Profile photos: the part of a profile everyone reads names its owner's photo, which everyone
/// who reads that part may then fetch (the owner alone writes it, so the owner is its author).
/// Nothing to settle at start: the rows are recomputed from the profile on its next change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profiles;

impl Reactions for Profiles {
    fn reacts_to(&self, record: &DocumentRecord) -> bool {
        DocKind::from_key(&record.kind) == Some(DocKind::Profile)
    }

    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let photo = s
                .read(&doc, |d| Profile::read(d).map(|p| p.photo))
                .await?
                .map_err(|e| Error::Corrupt(format!("profile {doc}: {e}")))?;
            let named = match &record.owner {
                Some(owner) if photo::is_id(&photo) => BTreeSet::from([(photo, owner.clone())]),
                _ => BTreeSet::new(),
            };
            link(s, doc, &named).await
        })
    }
}
