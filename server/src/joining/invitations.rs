//! Invitations: an admin invites imported leavers; each gets a single-use link that expires
//! (`<public url>/#/join/<token>`), by mail or for the admin to share. Opening it shows who it is
//! for; registering with it creates the member and signs them in.
//!
//! Only the token's SHA-256 is stored, as for sessions. Inviting someone again deletes their
//! unused links, so only the newest one works.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use tsunagu_core::api::{AuditAction, InvitationInfo, InvitationSent, Invite, Register};

use super::mail::InvitationMail;
use super::{Admin, Joining, Newcomer, audit, store};
use crate::AppState;
use crate::auth;
use crate::client::Anonymous;
use crate::db;
use crate::error::{AppError, Error};

/// `POST /api/admin/invitations`: every token is stored (one transaction) before any mail goes
/// out, so a mail never carries a link that does not work.
pub(crate) async fn invite(
    State(state): State<AppState>,
    Extension(joining): Extension<Joining>,
    Admin(admin): Admin,
    payload: Result<Json<Invite>, JsonRejection>,
) -> Result<Json<Vec<InvitationSent>>, AppError> {
    let Json(Invite { hr_record_ids }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let expires_at = db::now()
        + i64::try_from(state.config.limits.invitation_lifetime.as_secs()).unwrap_or(i64::MAX / 2);
    let mut tx = db::write_tx(&state.db).await?;
    let mut made = Vec::new();
    for id in &hr_record_ids {
        let hr = store::hr_by_id(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::BadRequest(format!("no imported person has the id {id:?}")))?;
        if hr.user_id.is_some() {
            return Err(AppError::Conflict(format!(
                "{} ({}) has already registered",
                hr.record.name, hr.record.email
            )));
        }
        let (token, token_hash) = auth::new_token();
        store::replace_invitation(&mut tx, &token_hash, &hr, &admin.id, expires_at).await?;
        audit::record(
            &mut tx,
            Some(&admin.id),
            AuditAction::Invite,
            &hr.id,
            &hr.record.email,
        )
        .await?;
        made.push((hr, format!("{}/#/join/{token}", joining.public_url)));
    }
    tx.commit().await?;

    let mut answers = Vec::new();
    for (hr, link) in made {
        let mail_error = match &joining.mailer {
            None => None,
            Some(mailer) => mailer
                .send_invitation(&InvitationMail {
                    to_name: &hr.record.name,
                    to_email: &hr.record.email,
                    link: &link,
                    expires_at,
                })
                .await
                .err(),
        };
        if let Some(error) = &mail_error {
            tracing::warn!(hr_record = %hr.id, %error, "could not mail an invitation");
        }
        let sent = joining.mailer.is_some() && mail_error.is_none();
        answers.push(InvitationSent {
            hr_record_id: hr.id,
            email: hr.record.email,
            name: hr.record.name,
            sent,
            link: (!sent).then_some(link),
            mail_error,
            expires_at,
        });
    }
    Ok(Json(answers))
}

/// Finds the record an invitation token is for, or why it cannot be used.
async fn valid_invitation(
    conn: &mut sqlx::AnyConnection,
    token_hash: &[u8],
) -> Result<store::StoredHr, AppError> {
    let invitation = store::invitation(&mut *conn, token_hash)
        .await?
        .ok_or(AppError::InvitationNotFound)?;
    super::link_usable(invitation.used_at, invitation.expires_at)?;
    let hr = store::hr_by_id(conn, &invitation.hr_record_id)
        .await?
        .ok_or(AppError::InvitationNotFound)?;
    if hr.user_id.is_some() {
        return Err(AppError::InvitationUsed);
    }
    Ok(hr)
}

/// `GET /api/invitations/<token>`: who the link is for, to prefill the form.
pub(crate) async fn show(
    State(state): State<AppState>,
    _caller: Anonymous,
    Path(token): Path<String>,
) -> Result<Json<InvitationInfo>, AppError> {
    let mut conn = state.db.acquire().await?;
    let hr = valid_invitation(&mut conn, &auth::token_hash(&token)).await?;
    Ok(Json(InvitationInfo {
        email: hr.record.email,
        name: hr.record.name,
        reading: hr.record.reading,
    }))
}

/// `POST /api/register`: creates the member with their profile, uses up the link, signs them in.
pub(crate) async fn register(
    State(state): State<AppState>,
    _caller: Anonymous,
    payload: Result<Json<Register>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(Register {
        token,
        password,
        display_name,
    }) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let token_hash = auth::token_hash(&token);
    // Checked before the slow hashing, so a dead link is answered at once.
    valid_invitation(&mut *state.db.acquire().await?, &token_hash).await?;
    let password_hash = super::hash_new_password(&state, password).await?;

    let mut tx = db::write_tx(&state.db).await?;
    let hr = valid_invitation(&mut tx, &token_hash).await?;
    if !store::use_invitation(&mut tx, &token_hash).await? {
        return Err(AppError::InvitationUsed);
    }
    let display_name = super::field(display_name.as_deref());
    let display_name = if display_name.is_empty() {
        hr.record.name.clone()
    } else {
        display_name
    };
    let user = super::create_member(
        &mut tx,
        &Newcomer {
            email: &hr.record.email,
            password_hash: &password_hash,
            display_name: &display_name,
            reading: &hr.record.reading,
            joined: &hr.record.joined,
            left: &hr.record.left,
            department: &hr.record.department,
        },
    )
    .await?;
    store::link_hr_record(&mut tx, &hr.id, &user).await?;
    audit::record(
        &mut tx,
        Some(&user),
        AuditAction::Register,
        &user,
        &hr.record.email,
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    tracing::info!(%user, "registered with an invitation");
    let (cookie, me) = super::sign_in_new_member(&state, &user).await?;
    Ok(([cookie], Json(me)))
}
