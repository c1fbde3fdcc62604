//! First-run setup: a relay started on an empty database (without `--demo`) has no organisation
//! and no admin. It prints a one-time link (`<public url>/#/setup/<token>`) where the
//! organisation's name, default language and time zone and the first admin's sign-in are
//! entered; `tsunagu-server setup` does the same from the command line. Either works once: the
//! organisation and its admin are made in one transaction that first checks there is none.
//!
//! The token lives only in the relay's memory (its SHA-256), so a restart prints a new link and
//! the old one stops working; nothing about it is in the database or its backups.

use std::path::Path;
use std::sync::Mutex;

use automerge::ActorId;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::IntoResponse;
use sqlx::AnyPool;
use tsunagu_core::api::{AuditAction, LANGUAGES, MIN_PASSWORD_CHARS, NetworkInfo, Setup};
use tsunagu_core::event::DEFAULT_TIME_ZONE;
use tsunagu_core::ics::is_known_zone;
use tsunagu_core::profile::Profile;
use tsunagu_core::vocab::Role;

use crate::auth;
use crate::client::Anonymous;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::csv_import::is_email;
use crate::{AppState, documents, organisation};

/// The longest organisation or person name the setup takes.
const MAX_NAME_CHARS: usize = 200;

/// The one-time setup token, while the network waits for its setup.
#[derive(Debug, Default)]
pub(crate) struct SetupToken {
    hash: Mutex<Option<Vec<u8>>>,
}

impl SetupToken {
    /// A fresh token for a relay that still needs its setup: the token to print, and its holder.
    pub(crate) fn issue() -> (String, Self) {
        let (token, hash) = auth::new_token();
        (
            token,
            Self {
                hash: Mutex::new(Some(hash)),
            },
        )
    }

    /// Whether `token` is the one this relay printed (and it was not used yet).
    fn matches(&self, token: &str) -> bool {
        let held = self
            .hash
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Both sides are SHA-256 digests of secrets, so comparing them leaks nothing useful.
        held.as_deref() == Some(auth::token_hash(token).as_slice())
    }

    fn spend(&self) {
        *self
            .hash
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// What the setup makes, checked.
#[derive(Debug, Clone)]
pub(crate) struct NewNetwork {
    organisation: String,
    organisation_en: String,
    language: String,
    time_zone: String,
    admin_name: String,
    admin_email: String,
}

/// Why a setup was refused.
#[derive(Debug, thiserror::Error)]
pub enum SetupRefused {
    #[error("this network is already set up")]
    AlreadySetUp,
    #[error("{0}")]
    Invalid(String),
    #[error("choose a password of at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<sqlx::Error> for SetupRefused {
    fn from(e: sqlx::Error) -> Self {
        Self::Storage(e.into())
    }
}

impl From<SetupRefused> for AppError {
    fn from(refused: SetupRefused) -> Self {
        match refused {
            SetupRefused::AlreadySetUp => AppError::AlreadySetUp,
            SetupRefused::Invalid(message) => AppError::BadRequest(message),
            SetupRefused::PasswordTooShort => AppError::PasswordTooShort,
            SetupRefused::Storage(e) => AppError::Internal(e),
        }
    }
}

impl NewNetwork {
    /// Trims and checks what was entered; empty language and zone take the defaults (ja,
    /// Asia/Tokyo).
    pub(crate) fn checked(form: &Setup) -> Result<Self, SetupRefused> {
        let text = |value: &str, what: &str| -> Result<String, SetupRefused> {
            let value = value.trim();
            if value.chars().count() > MAX_NAME_CHARS {
                return Err(SetupRefused::Invalid(format!("{what} is too long")));
            }
            Ok(value.to_owned())
        };
        let network = Self {
            organisation: text(&form.organisation, "the organisation's name")?,
            organisation_en: text(&form.organisation_en, "the English name")?,
            language: match form.language.trim() {
                "" => "ja".to_owned(),
                language => language.to_owned(),
            },
            time_zone: match form.time_zone.trim() {
                "" => DEFAULT_TIME_ZONE.to_owned(),
                zone => zone.to_owned(),
            },
            admin_name: text(&form.admin_name, "the admin's name")?,
            admin_email: form.admin_email.trim().to_lowercase(),
        };
        if network.organisation.is_empty() {
            return Err(SetupRefused::Invalid(
                "the organisation's name is missing".into(),
            ));
        }
        if !LANGUAGES.contains(&network.language.as_str()) {
            return Err(SetupRefused::Invalid(format!(
                "language {:?}: choose ja or en",
                network.language
            )));
        }
        if !is_known_zone(&network.time_zone) {
            return Err(SetupRefused::Invalid(format!(
                "{:?} is not a time zone (write one like Asia/Tokyo)",
                network.time_zone
            )));
        }
        if network.admin_name.is_empty() {
            return Err(SetupRefused::Invalid("the admin's name is missing".into()));
        }
        if !is_email(&network.admin_email) {
            return Err(SetupRefused::Invalid(format!(
                "{:?} is not an email address",
                network.admin_email
            )));
        }
        if form.admin_password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(SetupRefused::PasswordTooShort);
        }
        Ok(network)
    }
}

/// Makes the organisation, its document and its first admin (with their profile), in one
/// transaction that first checks there is no organisation yet; returns the admin's user id.
pub(crate) async fn create_network(
    pool: &AnyPool,
    actor: &ActorId,
    network: &NewNetwork,
    password_hash: &str,
) -> Result<String, SetupRefused> {
    let mut tx = db::write_tx(pool).await?;
    if db::organisation_in(&mut tx).await?.is_some() {
        return Err(SetupRefused::AlreadySetUp);
    }
    let organisation = crate::joining::new_id("org");
    db::insert_organisation(
        &mut tx,
        &db::Organisation {
            id: organisation.clone(),
            name: network.organisation.clone(),
            name_en: network.organisation_en.clone(),
            language: network.language.clone(),
            time_zone: network.time_zone.clone(),
        },
    )
    .await?;
    organisation::create_document(
        &mut tx,
        actor,
        &network.organisation,
        &network.organisation_en,
    )
    .await?;
    let admin = crate::joining::new_id("user");
    db::insert_user(
        &mut tx,
        &db::NewUser {
            id: &admin,
            organisation: &organisation,
            email: &network.admin_email,
            password_hash: Some(password_hash),
            display_name: &network.admin_name,
            roles: &[Role::Admin.key()],
        },
    )
    .await?;
    let profile = Profile {
        name: network.admin_name.clone(),
        ..Profile::default()
    };
    documents::create_profile(&mut tx, actor, &admin, &profile, &Default::default()).await?;
    crate::joining::audit::record(
        &mut tx,
        Some(&admin),
        AuditAction::Setup,
        &organisation,
        &format!("{}; first admin {admin}", network.organisation),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%organisation, %admin, "the network was set up");
    Ok(admin)
}

/// `GET /api/network`: which network this is, for the sign-in screen; or that it waits for setup.
pub(crate) async fn network(State(state): State<AppState>) -> Result<Json<NetworkInfo>, AppError> {
    let demo = db::meta(&state.db, "demo_seeded").await?.is_some();
    let logo = db::logo_version(&state.db).await?;
    let info = match db::organisation(&state.db).await? {
        Some(org) => NetworkInfo {
            set_up: true,
            name: org.name,
            name_en: org.name_en,
            language: org.language,
            time_zone: org.time_zone,
            demo,
            logo,
        },
        None => NetworkInfo {
            set_up: false,
            name: String::new(),
            name_en: String::new(),
            language: String::new(),
            time_zone: String::new(),
            demo,
            logo: 0,
        },
    };
    Ok(Json(info))
}

/// `POST /api/setup`: the first-run setup from the link the relay printed; signs the new admin in.
pub(crate) async fn setup(
    State(state): State<AppState>,
    _caller: Anonymous,
    payload: Result<Json<Setup>, JsonRejection>,
) -> Result<impl IntoResponse, AppError> {
    let Json(form) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if db::organisation(&state.db).await?.is_some() {
        return Err(AppError::AlreadySetUp);
    }
    if !state.setup.matches(&form.token) {
        return Err(AppError::SetupLinkInvalid);
    }
    let network = NewNetwork::checked(&form)?;
    let password_hash = auth::hash(&state, form.admin_password).await?;
    let actor = {
        let mut conn = state.db.acquire().await?;
        db::stored_relay_actor(&mut conn).await?
    };
    let admin = create_network(&state.db, &actor, &network, &password_hash).await?;
    state.setup.spend();
    // The new organisation document lists the key passes are signed with.
    state
        .relay
        .lock()
        .await
        .write(crate::events::authority::Change::Publish)
        .await?;
    let user = db::user_by_id(&state.db, &admin)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("the new admin {admin} vanished")))?;
    let (cookie, me) = crate::api::open_session(&state, &user, None).await?;
    Ok(([cookie], Json(me)))
}

/// `tsunagu-server setup`: the same setup from the command line, on the relay's database (the
/// SQLite file in `data_dir` unless `database` names a PostgreSQL one; created if need be).
/// Returns the admin's email, to sign in with.
pub async fn setup_from_command_line(
    data_dir: &Path,
    database: Option<&str>,
    form: &Setup,
) -> Result<String, SetupRefused> {
    let network = NewNetwork::checked(form)?;
    let pool = db::open(&db::url(data_dir, database)?).await?;
    let actor = db::relay_actor(&pool).await?;
    if db::organisation(&pool).await?.is_some() {
        return Err(SetupRefused::AlreadySetUp);
    }
    let password = form.admin_password.clone();
    let password_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| Error::PasswordHash(e.to_string()))??;
    create_network(&pool, &actor, &network, &password_hash).await?;
    pool.close().await;
    Ok(network.admin_email)
}
