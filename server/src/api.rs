//! The JSON API ([`tsunagu_core::api`]): sign in, sign out, who am I.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use std::collections::HashMap;

use tsunagu_core::api::{ApplicationStatus, AuditAction, ChangePassword, Me, ProfilePart, SignIn};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::{Audience, DocKind, Role};

use crate::AppState;
use crate::auth::{self, SignedIn};
use crate::client::Anonymous;
use crate::error::{AppError, Error};
use crate::{access, db, events};

/// `POST /api/session`: checks the password and opens a session.
///
/// An unknown email, a member without a password and a wrong password all cost one argon2
/// computation and get the same answer, so neither timing nor wording tells which emails exist.
/// Someone who gives the password of an application learns how it stands: that it waits, or
/// kindly, that it was not approved. So that this tells nothing of whether the email was taken
/// when they applied, an application the relay did not store (the email was a member's, or
/// another application's) answers "waits" too, from the same computation ([`SignInTarget`]).
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    Anonymous(ip): Anonymous,
    headers: HeaderMap,
    payload: Result<Json<SignIn>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(SignIn { email, password }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let email = email.trim().to_lowercase();
    if state.throttle.is_blocked(&email, ip) {
        return Err(AppError::TooManyAttempts);
    }
    let target = SignInTarget::of(&state, &email).await?;
    let stored = target
        .hash()
        .map_or_else(|| state.decoy_hash.to_string(), str::to_owned);
    let checked = auth::check(&state, password, stored, target.attempts).await?;
    let user = match (target.user, target.application) {
        (Some(user), _) if checked.stored => user,
        (None, Some((status, _))) if checked.stored => {
            tracing::info!(%ip, status = status.key(), "an applicant tried to sign in");
            return Err(application_standing(status));
        }
        _ if checked.other => {
            tracing::info!(%ip, "an applicant whose email was taken tried to sign in");
            return Err(AppError::ApplicationPending);
        }
        _ => {
            state.throttle.record_failure(&email, ip);
            tracing::info!(%ip, "failed sign-in");
            return Err(AppError::InvalidCredentials);
        }
    };
    state.throttle.clear(&email, ip);
    let (cookie, me) = open_session(&state, &user, Some(&headers)).await?;
    tracing::info!(user = %user.id, "signed in");
    Ok(([cookie], Json(me)))
}

fn application_standing(status: ApplicationStatus) -> AppError {
    match status {
        ApplicationStatus::Rejected => AppError::ApplicationNotApproved,
        ApplicationStatus::Pending | ApplicationStatus::Approved => AppError::ApplicationPending,
    }
}

/// What a sign-in with one email is checked against: the active member's password hash, else
/// that of the application with this email the applicant may be told about; and the applications
/// with this email the relay did not store, hashed with the same salt. Applying reads it too, to
/// hash an application it will not store like that ([`auth::hash_password_like`]).
#[derive(Debug)]
pub(crate) struct SignInTarget {
    /// An active member with a password.
    user: Option<db::User>,
    application: Option<(ApplicationStatus, String)>,
    attempts: Vec<String>,
}

impl SignInTarget {
    /// Reads the same rows for every email, so a member's sign-in takes the same steps as
    /// anyone else's.
    pub(crate) async fn of(state: &AppState, email: &str) -> Result<Self, Error> {
        let user = db::user_by_email(&state.db, email).await?;
        let mut conn = state.db.acquire().await?;
        let application = crate::joining::store::application_to_sign_in(&mut conn, email)
            .await?
            .filter(|_| user.is_none());
        let attempts = crate::joining::store::attempts(&mut conn, email).await?;
        Ok(Self {
            user: user.filter(|u| u.active && u.password_hash.is_some()),
            application,
            attempts,
        })
    }

    /// The hash the one argon2 computation of a sign-in uses (none: the decoy).
    pub(crate) fn hash(&self) -> Option<&str> {
        match (&self.user, &self.application) {
            (Some(user), _) => user.password_hash.as_deref(),
            (None, Some((_, hash))) => Some(hash),
            (None, None) => None,
        }
    }
}

/// Opens a session for `user`: the `Set-Cookie` header and their [`Me`]. Signing in, joining and
/// the first-run setup all end here.
///
/// `headers` of a request that still carries a live session of the same member (signing in
/// again on the same browser, to confirm it is them) end that session: the new one replaces it,
/// and belongs to whichever device syncs with it first, as every session does.
pub(crate) async fn open_session(
    state: &AppState,
    user: &db::User,
    headers: Option<&HeaderMap>,
) -> Result<((HeaderName, HeaderValue), Me), Error> {
    if let Some(old) = headers.and_then(|h| auth::session_token(h, state.config.secure_cookies)) {
        let old = auth::token_hash(&old);
        if let Some(session) = db::session(&state.db, &old).await?
            && session.user_id == user.id
            && session.revoked_at.is_none()
        {
            db::revoke_session(&state.db, &old).await?;
            state.relay.lock().await.sign_out(&old).await;
        }
    }
    let (token, token_hash) = auth::new_token();
    let lifetime = i64::try_from(state.config.limits.session_lifetime.as_secs()).unwrap_or(0);
    db::insert_session(&state.db, &token_hash, &user.id, db::now() + lifetime).await?;
    let me = me(state, user).await?;
    let cookie = auth::set_cookie_header(Some((&token, lifetime)), state.config.secure_cookies);
    Ok((cookie, me))
}

/// `DELETE /api/session`: revokes the session (if any) and clears the cookie. Always 204, so
/// signing out twice is not an error.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = auth::session_token(&headers, state.config.secure_cookies) {
        let session = auth::token_hash(&token);
        db::revoke_session(&state.db, &session).await?;
        state.relay.lock().await.sign_out(&session).await;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [auth::set_cookie_header(None, state.config.secure_cookies)],
    ))
}

/// `DELETE /api/sessions`: signs the member out everywhere — every session ends and every
/// socket closes; the cookie is cleared. Their devices keep their data and ask to sign in again.
pub(crate) async fn sign_out_everywhere(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<impl IntoResponse, AppError> {
    let user = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    let sessions = crate::joining::store::revoke_sessions_of(&mut tx, &user, None).await?;
    crate::joining::audit::record(
        &mut tx,
        Some(&user),
        AuditAction::SignOutEverywhere,
        &user,
        "",
    )
    .await?;
    tx.commit().await?;
    let mut relay = state.relay.lock().await;
    for session in &sessions {
        relay.sign_out(session).await;
    }
    drop(relay);
    tracing::info!(%user, sessions = sessions.len(), "signed out everywhere");
    Ok((
        StatusCode::NO_CONTENT,
        [auth::set_cookie_header(None, state.config.secure_cookies)],
    ))
}

/// `PUT /api/me/password`: a new password, within a few minutes of signing in. Every other
/// session ends (whoever else held one must sign in with the new password).
pub(crate) async fn change_password(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<ChangePassword>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(ChangePassword { new_password }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    signed_in.recently(&state)?;
    let hash = crate::joining::hash_new_password(&state, new_password).await?;
    let user = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(&user)
        .execute(&mut *tx)
        .await?;
    // The session that changed it stays: it just proved who it is.
    let others = crate::joining::store::revoke_sessions_of(
        &mut tx,
        &user,
        Some(signed_in.token_hash.as_slice()),
    )
    .await?;
    crate::joining::audit::record(&mut tx, Some(&user), AuditAction::ChangePassword, &user, "")
        .await?;
    tx.commit().await?;
    let mut relay = state.relay.lock().await;
    for session in &others {
        relay.sign_out(session).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/me`.
pub(crate) async fn get_me(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Me>, AppError> {
    Ok(Json(me(&state, &signed_in.user).await?))
}

/// Any other `/api/...` path: a JSON 404 rather than the app's index.html.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

async fn me(state: &AppState, user: &db::User) -> Result<Me, Error> {
    let roles = db::roles(&state.db, &user.id).await?;
    let profile_doc = db::profile_of(&state.db, &user.id)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("user {} has no profile document", user.id)))?;
    let (directory, parts) = readable_profiles(state, &user.id, &roles).await?;
    let events = events::readable_events(&state.db, &user.id, &roles).await?;
    let rsvps_doc = db::member_doc(&state.db, &user.id, DocKind::Rsvps).await?;
    let passes_doc = db::member_doc(&state.db, &user.id, DocKind::Passes).await?;
    let inbox_doc = db::member_doc(&state.db, &user.id, DocKind::Inbox).await?;
    let applications_doc = db::member_doc(&state.db, &user.id, DocKind::JobApplications).await?;
    let news = crate::news::readable_posts(&state.db, &user.id, &roles).await?;
    events::refresh_card(state, &user.id, passes_doc).await?;
    Ok(Me {
        user_id: user.id.clone(),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        roles,
        organisation: user.organisation.clone(),
        profile_doc,
        directory,
        organisation_doc: db::organisation_doc(&state.db).await?,
        parts,
        hidden_from_directory: user.directory_hidden,
        relay_storage: state.relay_storage.clone(),
        events,
        rsvps_doc,
        passes_doc,
        pass_key: state.passes.current().verifying_key().to_string(),
        inbox_doc,
        news,
        applications_doc,
        blocked: crate::moderation::blocked_by(&state.db, &user.id).await?,
    })
}

/// The profiles `user` may read, judged by the grant table exactly as the relay judges each
/// document they ask for: main documents, and the parts that belong with them.
async fn readable_profiles(
    state: &AppState,
    user: &str,
    roles: &[Role],
) -> Result<(Vec<DocumentId>, Vec<ProfilePart>), Error> {
    let documents = db::profile_documents(&state.db).await?;
    let main_of: HashMap<&str, DocumentId> = documents
        .iter()
        .filter(|(_, r)| r.kind == DocKind::Profile.key())
        .filter_map(|(doc, r)| Some((r.owner.as_deref()?, *doc)))
        .collect();
    let mut directory = Vec::new();
    let mut parts = Vec::new();
    for (doc, record) in &documents {
        if access::access(user, roles, Some(record)).is_none() {
            continue;
        }
        let Some(audience) = DocKind::from_key(&record.kind).and_then(Audience::of_kind) else {
            continue;
        };
        if audience == Audience::Everyone {
            directory.push(*doc);
        } else if let Some(profile) = record.owner.as_deref().and_then(|o| main_of.get(o)) {
            parts.push(ProfilePart {
                profile: *profile,
                audience,
                doc: *doc,
            });
        }
    }
    Ok((directory, parts))
}
