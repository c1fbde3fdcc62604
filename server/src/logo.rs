//! The organisation's logo, shown on the pages of someone not signed in (sign-in, invitation,
//! application) beside its name, so a newcomer knows whose network this is.
//!
//! - `PUT /api/admin/logo` (admins; the body is the image): PNG, JPEG or WebP of at most
//!   [`MAX_LOGO_BYTES`], told apart by its first bytes — never by what the upload claims — and
//!   never SVG, which can carry script. Audited.
//! - `DELETE /api/admin/logo` (admins): back to none. Audited.
//! - `GET /api/network/logo` (anyone; it spends the address budget like every endpoint open
//!   without a session): the image with its type, `nosniff` (as every answer), and an `ETag`.
//!   [`tsunagu_core::api::NetworkInfo::logo`] says whether there is one and which version, so
//!   pages ask for `?v=<version>` and a new logo is never hidden by a cache.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tsunagu_core::api::AuditAction;

use crate::AppState;
use crate::client::Anonymous;
use crate::db;
use crate::error::AppError;
use crate::joining::{Admin, audit};

/// A logo is a small picture: 256 KiB is generous for one shown at 64 px.
pub(crate) const MAX_LOGO_BYTES: usize = 256 * 1024;

/// `PUT /api/admin/logo`.
pub(crate) async fn put(
    State(state): State<AppState>,
    Admin(admin): Admin,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    if body.len() > MAX_LOGO_BYTES {
        return Err(AppError::BadRequest(format!(
            "a logo may be at most {} KiB",
            MAX_LOGO_BYTES / 1024
        )));
    }
    let Some(kind) = tsunagu_core::photo::kind_of(&body) else {
        return Err(AppError::UnsupportedMediaType(
            "a logo must be a PNG, JPEG or WebP image".into(),
        ));
    };
    let mut tx = db::write_tx(&state.db).await?;
    let changed = db::set_logo(&mut tx, Some((&body, kind))).await?;
    if !changed {
        return Err(AppError::Conflict("the network is not set up yet".into()));
    }
    audit::record(&mut tx, Some(&admin.id), AuditAction::SetLogo, kind, "").await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/admin/logo`.
pub(crate) async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<StatusCode, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    db::set_logo(&mut tx, None).await?;
    audit::record(&mut tx, Some(&admin.id), AuditAction::RemoveLogo, "", "").await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/network/logo`.
pub(crate) async fn get(
    State(state): State<AppState>,
    _: Anonymous,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(logo) = db::logo(&state.db).await? else {
        return Err(AppError::NotFound);
    };
    let etag = format!("\"logo-{}\"", logo.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut response = logo.bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(logo.kind));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Ok(response)
}
