//! Passkeys: members sign in with a WebAuthn credential instead of a password
//! ([`tsunagu_core::api`] lists the routes).
//!
//! A signed-in member registers a passkey (`register/start`, then `register/finish` with what the
//! browser's `navigator.credentials.create` made); from then on anyone holding it signs in
//! without typing anything (`sign-in/start`, `sign-in/finish`): the credential is discoverable,
//! so the authenticator hands back the member's handle and the relay finds the passkey by its
//! credential id. [`webauthn_rs`] checks each answer (challenge, origin, relying party,
//! user verification, signature, counter); this module keeps the ceremonies and the credentials.
//!
//! A ceremony's state stays on the relay, in memory, for [`Limits::passkey_ceremony`] and one
//! answer: the browser only names it, so a challenge cannot be replayed, forged or reused, and a
//! restart merely asks people to try again. A passkey sign-in opens the same revocable session as
//! a password, counts failures in the same throttle (per address, as no email is typed), and
//! refuses suspended members.
//!
//! [`Limits::passkey_ceremony`]: crate::Limits::passkey_ceremony

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::{AnyPool, Row};
use tsunagu_core::api::{ApiError, ErrorCode, Me, PasskeyAnswer, PasskeyChallenge, PasskeyInfo};
use tsunagu_core::ids::random_bytes;
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

use crate::auth::SignedIn;
use crate::client::{Anonymous, ClientAddr};
use crate::error::{AppError, Error};
use crate::{AppState, Config, api, db, devices};

/// Failed passkey sign-ins are counted per address under this name (no email is typed).
const THROTTLE_KEY: &str = "passkey:";

/// The relying party and the ceremonies waiting for an answer.
#[derive(Debug)]
pub(crate) struct Passkeys {
    /// `None`: this relay is reached by an IP address only, where WebAuthn does not work.
    webauthn: Option<Webauthn>,
    ceremonies: Mutex<HashMap<String, Pending>>,
    lifetime: Duration,
    capacity: usize,
    /// Ceremonies one client address may keep waiting at once.
    per_address: usize,
}

#[derive(Debug)]
struct Pending {
    ceremony: Ceremony,
    expires: Instant,
    /// Whose budget it counts against ([`crate::client::budget_key`] of the caller).
    from: std::net::IpAddr,
}

#[derive(Debug)]
enum Ceremony {
    Register {
        user_id: String,
        state: PasskeyRegistration,
    },
    SignIn(DiscoverableAuthentication),
}

impl Passkeys {
    /// `bound` is the address the relay actually listens on (port 0 resolved).
    pub(crate) fn new(config: &Config, bound: SocketAddr) -> Result<Self, Error> {
        let webauthn = match config.passkey_origin(bound) {
            Some(origin) => {
                let url = Url::parse(&origin)
                    .map_err(|e| Error::Config(format!("passkey origin {origin}: {e}")))?;
                let rp_id = url.domain().unwrap_or("localhost").to_owned();
                let webauthn = WebauthnBuilder::new(&rp_id, &url)
                    .and_then(|b| {
                        b.rp_name("tsunagu")
                            .timeout(config.limits.passkey_ceremony)
                            .build()
                    })
                    .map_err(|e| Error::Config(format!("passkeys at {origin}: {e}")))?;
                tracing::info!(%origin, "passkeys work at this origin");
                Some(webauthn)
            }
            None => {
                tracing::info!(
                    "no passkeys: the relay is reached by an IP address; set a public URL with a domain name"
                );
                None
            }
        };
        Ok(Self {
            webauthn,
            ceremonies: Mutex::new(HashMap::new()),
            lifetime: config.limits.passkey_ceremony,
            capacity: config.limits.passkey_ceremonies_pending,
            per_address: config.limits.passkey_ceremonies_per_address,
        })
    }

    fn webauthn(&self) -> Result<&Webauthn, PasskeyError> {
        self.webauthn.as_ref().ok_or(PasskeyError::Unavailable)
    }

    /// Keeps `ceremony`, asked for from address `from`, for one answer and returns its name.
    fn issue(&self, ceremony: Ceremony, from: std::net::IpAddr) -> Result<String, PasskeyError> {
        let now = Instant::now();
        let from = crate::client::budget_key(from);
        let mut pending = self
            .ceremonies
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pending.retain(|_, p| p.expires > now);
        let theirs = pending.values().filter(|p| p.from == from).count();
        if pending.len() >= self.capacity || theirs >= self.per_address {
            return Err(AppError::TooManyAttempts.into());
        }
        let id = URL_SAFE_NO_PAD.encode(random_bytes::<24>());
        pending.insert(
            id.clone(),
            Pending {
                ceremony,
                expires: now + self.lifetime,
                from,
            },
        );
        Ok(id)
    }

    /// The ceremony named `id`, which no one can answer again after this.
    fn take(&self, id: &str) -> Result<Ceremony, PasskeyError> {
        let pending = self
            .ceremonies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
            .ok_or(PasskeyError::CeremonyExpired)?;
        if pending.expires <= Instant::now() {
            return Err(PasskeyError::CeremonyExpired);
        }
        Ok(pending.ceremony)
    }
}

/// The routes of this module, to nest under `/api`.
pub(crate) fn routes(passkeys: Arc<Passkeys>) -> Router<AppState> {
    Router::new()
        .route("/passkeys", get(list))
        .route("/passkeys/{id}", delete(remove))
        .route("/passkeys/register/start", post(register_start))
        .route("/passkeys/register/finish", post(register_finish))
        .route("/passkeys/sign-in/start", post(sign_in_start))
        .route("/passkeys/sign-in/finish", post(sign_in_finish))
        .layer(Extension(passkeys))
}

// ---- the signed-in member's passkeys ----------------------------------------------------------

/// The member's passkeys (for their data export).
pub(crate) async fn of_member(db: &AnyPool, user: &str) -> Result<Vec<PasskeyInfo>, Error> {
    store::list(db, user).await
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<PasskeyInfo>>, PasskeyError> {
    Ok(Json(store::list(&state.db, &signed_in.user.id).await?))
}

async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, PasskeyError> {
    // Someone else's passkey is answered as a missing one.
    if !store::delete(&state.db, &signed_in.user.id, &id).await? {
        return Err(AppError::Missing("no such passkey".into()).into());
    }
    tracing::info!(user = %signed_in.user.id, passkey = %id, "passkey removed");
    Ok(StatusCode::NO_CONTENT)
}

async fn register_start(
    State(state): State<AppState>,
    Extension(passkeys): Extension<Arc<Passkeys>>,
    ClientAddr(ip): ClientAddr,
    signed_in: SignedIn,
) -> Result<Json<PasskeyChallenge>, PasskeyError> {
    let webauthn = passkeys.webauthn()?;
    // A stolen session must not make itself permanent with a passkey of its own.
    signed_in.recently(&state)?;
    let user = &signed_in.user;
    let handle = store::handle(&state.db, &user.id).await?;
    // Offering an authenticator that already holds one of theirs would make a duplicate.
    let existing = store::credential_ids(&state.db, &user.id).await?;
    let (options, registration) = webauthn
        .start_passkey_registration(handle, &user.email, &user.display_name, Some(existing))
        .map_err(|e| internal(&e))?;
    let mut options = to_json(&options.public_key)?;
    // Discoverable, so that signing in needs no email: the authenticator keeps the handle.
    // (Only the browser reads this; the relay checks the answer the same either way.)
    options["authenticatorSelection"]["residentKey"] = "required".into();
    options["authenticatorSelection"]["requireResidentKey"] = true.into();
    let ceremony = passkeys.issue(
        Ceremony::Register {
            user_id: user.id.clone(),
            state: registration,
        },
        ip,
    )?;
    Ok(Json(PasskeyChallenge { ceremony, options }))
}

async fn register_finish(
    State(state): State<AppState>,
    Extension(passkeys): Extension<Arc<Passkeys>>,
    signed_in: SignedIn,
    headers: HeaderMap,
    payload: Result<Json<PasskeyAnswer>, JsonRejection>,
) -> Result<Json<PasskeyInfo>, PasskeyError> {
    let webauthn = passkeys.webauthn()?;
    let Json(answer) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let user = &signed_in.user;
    let registration = match passkeys.take(&answer.ceremony)? {
        Ceremony::Register { user_id, state } if user_id == user.id => state,
        // Another member's ceremony, or a sign-in's: as unknown as one never issued.
        _ => return Err(PasskeyError::CeremonyExpired),
    };
    let credential: RegisterPublicKeyCredential = serde_json::from_value(answer.credential)
        .map_err(|e| AppError::BadRequest(format!("not a WebAuthn credential: {e}")))?;
    let passkey = webauthn
        .finish_passkey_registration(&credential, &registration)
        .map_err(|e| {
            tracing::info!(user = %user.id, error = %e, "passkey registration refused");
            PasskeyError::Rejected
        })?;
    let label = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(devices::label)
        .unwrap_or_else(|| "Browser".into());
    let info = store::insert(&state.db, &user.id, &passkey, &label).await?;
    tracing::info!(user = %user.id, passkey = %info.id, "passkey registered");
    Ok(Json(info))
}

// ---- signing in ---------------------------------------------------------------------------------

async fn sign_in_start(
    State(state): State<AppState>,
    Extension(passkeys): Extension<Arc<Passkeys>>,
    Anonymous(ip): Anonymous,
) -> Result<Json<PasskeyChallenge>, PasskeyError> {
    let webauthn = passkeys.webauthn()?;
    if state.throttle.is_blocked(THROTTLE_KEY, ip) {
        return Err(AppError::TooManyAttempts.into());
    }
    let (options, authentication) = webauthn
        .start_discoverable_authentication()
        .map_err(|e| internal(&e))?;
    let ceremony = passkeys.issue(Ceremony::SignIn(authentication), ip)?;
    // Only `publicKey`: the app chooses how the browser asks (a button: a modal prompt).
    Ok(Json(PasskeyChallenge {
        ceremony,
        options: to_json(&options.public_key)?,
    }))
}

async fn sign_in_finish(
    State(state): State<AppState>,
    Extension(passkeys): Extension<Arc<Passkeys>>,
    Anonymous(ip): Anonymous,
    headers: HeaderMap,
    payload: Result<Json<PasskeyAnswer>, JsonRejection>,
) -> Result<impl IntoResponse, PasskeyError> {
    let webauthn = passkeys.webauthn()?;
    let Json(answer) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if state.throttle.is_blocked(THROTTLE_KEY, ip) {
        return Err(AppError::TooManyAttempts.into());
    }
    let Ceremony::SignIn(authentication) = passkeys.take(&answer.ceremony)? else {
        return Err(PasskeyError::CeremonyExpired);
    };
    let verified = verify_sign_in(&state.db, webauthn, answer.credential, authentication).await;
    let (user_id, passkey_id) = match verified {
        Ok(found) => found,
        Err(e) => {
            if matches!(e, PasskeyError::NotRecognised | PasskeyError::Rejected) {
                state.throttle.record_failure(THROTTLE_KEY, ip);
                tracing::info!(%ip, "failed passkey sign-in");
            }
            return Err(e);
        }
    };
    let user = db::user_by_id(&state.db, &user_id)
        .await?
        .ok_or(PasskeyError::NotRecognised)?;
    if !user.active {
        return Err(PasskeyError::Suspended);
    }
    let (cookie, me): (_, Me) = api::open_session(&state, &user, Some(&headers)).await?;
    tracing::info!(user = %user.id, passkey = %passkey_id, "signed in with a passkey");
    Ok(([cookie], Json(me)))
}

/// Checks a sign-in answer against the member's stored passkey and records its use: their user
/// id and the passkey's id.
async fn verify_sign_in(
    db: &AnyPool,
    webauthn: &Webauthn,
    credential: serde_json::Value,
    authentication: DiscoverableAuthentication,
) -> Result<(String, String), PasskeyError> {
    let credential: PublicKeyCredential = serde_json::from_value(credential)
        .map_err(|e| AppError::BadRequest(format!("not a WebAuthn assertion: {e}")))?;
    // Without a handle the authenticator did not use a discoverable credential of ours.
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(&credential)
        .map_err(|_| PasskeyError::NotRecognised)?;
    let stored = store::by_credential(db, credential_id)
        .await?
        .filter(|s| s.handle == handle)
        .ok_or(PasskeyError::NotRecognised)?;
    let mut passkey = stored.passkey;
    let result = webauthn
        .finish_discoverable_authentication_v2(&credential, authentication, &passkey)
        .map_err(|e| {
            tracing::info!(user = %stored.user_id, error = %e, "passkey sign-in refused");
            PasskeyError::Rejected
        })?;
    let changed = passkey.update_credential(&result).unwrap_or(false);
    store::used(db, &stored.id, changed.then_some(&passkey)).await?;
    Ok((stored.user_id, stored.id))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, PasskeyError> {
    serde_json::to_value(value).map_err(|e| internal(&e))
}

fn internal(e: &dyn std::fmt::Display) -> PasskeyError {
    AppError::Internal(Error::Corrupt(format!("passkeys: {e}"))).into()
}

// ---- errors ---------------------------------------------------------------------------------------

/// What a passkey call answers when it fails: the passkey codes of [`ErrorCode`], or any
/// [`AppError`].
#[derive(Debug)]
pub(crate) enum PasskeyError {
    Unavailable,
    CeremonyExpired,
    NotRecognised,
    Rejected,
    Suspended,
    App(AppError),
}

impl From<AppError> for PasskeyError {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<Error> for PasskeyError {
    fn from(e: Error) -> Self {
        Self::App(e.into())
    }
}

impl From<sqlx::Error> for PasskeyError {
    fn from(e: sqlx::Error) -> Self {
        Self::App(e.into())
    }
}

impl IntoResponse for PasskeyError {
    fn into_response(self) -> Response {
        let (status, error, message) = match self {
            Self::App(e) => return e.into_response(),
            Self::Unavailable => (
                StatusCode::NOT_FOUND,
                ErrorCode::PasskeysUnavailable,
                "passkeys need the relay to be reached by a domain name over https (or at localhost)",
            ),
            Self::CeremonyExpired => (
                StatusCode::GONE,
                ErrorCode::PasskeyCeremonyExpired,
                "this passkey request is unknown, used or expired; start again",
            ),
            Self::NotRecognised => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::PasskeyNotRecognised,
                "this passkey is not registered here; sign in with your password",
            ),
            Self::Rejected => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::PasskeyRejected,
                "the passkey could not be verified",
            ),
            Self::Suspended => (
                StatusCode::FORBIDDEN,
                ErrorCode::AccountSuspended,
                "this account is suspended; contact the alumni office",
            ),
        };
        let message = message.to_owned();
        (status, Json(ApiError { error, message })).into_response()
    }
}

// ---- storage ------------------------------------------------------------------------------------

mod store {
    //! The `passkey_handles` and `passkeys` tables.

    use super::*;

    /// The member's WebAuthn user handle, made on first use.
    pub(super) async fn handle(db: &AnyPool, user_id: &str) -> Result<Uuid, Error> {
        sqlx::query(
            "INSERT INTO passkey_handles (user_id, handle, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user_id)
        .bind(Uuid::new_v4().to_string())
        .bind(db::now())
        .execute(db)
        .await?;
        let handle: String =
            sqlx::query_scalar("SELECT handle FROM passkey_handles WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(db)
                .await?;
        parse_handle(&handle)
    }

    fn parse_handle(handle: &str) -> Result<Uuid, Error> {
        Uuid::parse_str(handle).map_err(|e| Error::Corrupt(format!("passkey handle: {e}")))
    }

    pub(super) async fn credential_ids(
        db: &AnyPool,
        user_id: &str,
    ) -> Result<Vec<CredentialID>, Error> {
        let ids: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT credential_id FROM passkeys WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(db)
                .await?;
        Ok(ids)
    }

    pub(super) async fn list(db: &AnyPool, user_id: &str) -> Result<Vec<PasskeyInfo>, Error> {
        let rows = sqlx::query(
            "SELECT id, label, created_at, last_used FROM passkeys WHERE user_id = $1
             ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(db)
        .await?;
        rows.iter().map(info).collect()
    }

    fn info(row: &sqlx::any::AnyRow) -> Result<PasskeyInfo, Error> {
        Ok(PasskeyInfo {
            id: row.try_get("id")?,
            label: row.try_get("label")?,
            created_at: row.try_get("created_at")?,
            last_used: row.try_get("last_used")?,
        })
    }

    /// Stores a new passkey. A credential already registered (to anyone) is a conflict.
    pub(super) async fn insert(
        db: &AnyPool,
        user_id: &str,
        passkey: &Passkey,
        label: &str,
    ) -> Result<PasskeyInfo, PasskeyError> {
        let info = PasskeyInfo {
            id: crate::joining::new_id("passkey"),
            label: label.to_owned(),
            created_at: db::now(),
            last_used: None,
        };
        let json = serde_json::to_string(passkey).map_err(|e| internal(&e))?;
        let inserted = sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, passkey, label, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(&info.id)
        .bind(user_id)
        .bind(passkey.cred_id().as_ref() as &[u8])
        .bind(json)
        .bind(&info.label)
        .bind(info.created_at)
        .execute(db)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(AppError::Conflict("this passkey is already registered".into()).into());
        }
        Ok(info)
    }

    /// Whether a passkey of `user_id` named `id` was there to delete.
    pub(super) async fn delete(db: &AnyPool, user_id: &str, id: &str) -> Result<bool, Error> {
        let deleted = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(db)
            .await?
            .rows_affected();
        Ok(deleted > 0)
    }

    pub(super) struct Stored {
        pub(super) id: String,
        pub(super) user_id: String,
        pub(super) handle: Uuid,
        pub(super) passkey: Passkey,
    }

    pub(super) async fn by_credential(
        db: &AnyPool,
        credential_id: &[u8],
    ) -> Result<Option<Stored>, Error> {
        let row = sqlx::query(
            "SELECT p.id, p.user_id, p.passkey, h.handle FROM passkeys p
             JOIN passkey_handles h ON h.user_id = p.user_id WHERE p.credential_id = $1",
        )
        .bind(credential_id)
        .fetch_optional(db)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let passkey: String = row.try_get("passkey")?;
        Ok(Some(Stored {
            id: row.try_get("id")?,
            user_id: row.try_get("user_id")?,
            handle: parse_handle(&row.try_get::<String, _>("handle")?)?,
            passkey: serde_json::from_str(&passkey)
                .map_err(|e| Error::Corrupt(format!("stored passkey: {e}")))?,
        }))
    }

    /// Notes a sign-in with passkey `id`, and its new counter and backup state if they changed.
    pub(super) async fn used(
        db: &AnyPool,
        id: &str,
        changed: Option<&Passkey>,
    ) -> Result<(), PasskeyError> {
        let json = changed
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| internal(&e))?;
        sqlx::query(
            "UPDATE passkeys SET last_used = $1, passkey = COALESCE($2, passkey) WHERE id = $3",
        )
        .bind(db::now())
        .bind(json)
        .bind(id)
        .execute(db)
        .await?;
        Ok(())
    }
}
