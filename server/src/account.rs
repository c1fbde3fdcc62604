//! A member's own account settings: hiding from the directory, and deleting the account.
//!
//! Hiding takes effect on the relay at once (no other member's device gets the profile again)
//! and on other devices when their app next asks who it is, which forgets what it may no longer
//! read. Deleting erases the member's documents on the relay, closes their sockets with
//! [`ACCOUNT_DELETED`] (their devices wipe themselves), gives their event seats to the next in
//! line, and keeps only an anonymised row so the audit log and HR's records still make sense.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use tsunagu_core::api::{ACCOUNT_DELETED, AuditAction, DirectoryListing};

use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::db;
use crate::error::AppError;
use crate::events::authority::Change;
use crate::events::reactions::MemberLeft;
use crate::joining::audit;

/// `PUT /api/me/directory`.
pub(crate) async fn set_listing(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<DirectoryListing>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(DirectoryListing { hidden }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let user = signed_in.user.id;
    db::set_directory_hidden(&state.db, &user, hidden).await?;
    state.relay.lock().await.owner_changed(&user).await;
    tracing::info!(%user, hidden, "directory listing changed");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/me`: erases the account; answers 204 and clears the cookie.
pub(crate) async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<impl axum::response::IntoResponse, AppError> {
    signed_in.recently(&state)?;
    let user = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    let erased = db::erase_account(&mut tx, &user).await?;
    audit::record(
        &mut tx,
        Some(&user),
        AuditAction::DeleteAccount,
        &user,
        &format!("{} documents erased", erased.len()),
    )
    .await?;
    tx.commit().await?;
    let mut relay = state.relay.lock().await;
    relay
        .erase_account(&user, &erased, &format!("{ACCOUNT_DELETED}: this account was deleted; its data is being removed from this device"))
        .await;
    // Logged, not failed: the account is gone either way, and the next start settles seats.
    if let Err(e) = relay.write(MemberLeft(&user)).await {
        tracing::error!(%user, error = %e, "could not give up a deleted member's seats");
    }
    if let Err(e) = relay.write(Change::RevokeCards(&user)).await {
        tracing::error!(%user, error = %e, "could not revoke a deleted member's ID cards");
    }
    if let Err(e) = relay.write(crate::conversations::LeftNetwork(&user)).await {
        tracing::error!(%user, error = %e, "could not take a deleted member out of their conversations");
    }
    if let Err(e) = relay.write(crate::news::LeftNetwork(&user)).await {
        tracing::error!(%user, error = %e, "could not take back what a deleted member said to posts");
    }
    drop(relay);
    tracing::info!(%user, documents = erased.len(), "account deleted");
    Ok((
        StatusCode::NO_CONTENT,
        [auth::set_cookie_header(None, state.config.secure_cookies)],
    ))
}
