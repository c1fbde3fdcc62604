//! How people join the network, and how admins look after them.
//!
//! 1. An admin imports leavers from an HR export ([`csv_import`]): previewed first, then stored as
//!    `hr_records`.
//! 2. The admin invites them ([`invitations`]): a single-use link that expires, mailed over SMTP
//!    when the relay has it ([`mail`]), shown to copy otherwise. Opening the link and choosing a
//!    password creates the member, their profile document, and signs them in.
//! 3. Someone who was not invited applies ([`registration`]) and waits: matched to an imported
//!    record, they are let in once they open a link mailed to the address HR has on record;
//!    otherwise an admin approves or rejects them.
//! 4. Admins list members, change roles, suspend, revoke devices ([`admin`]); everything an admin
//!    does goes to the audit log ([`audit`]), which they can read and export.
//!
//! Every `/api/admin/...` route starts with the [`Admin`] extractor: 401 without a session, 403
//! without the admin role. Every change happens in one transaction together with its audit entry.

pub(crate) mod admin;
pub(crate) mod audit;
pub(crate) mod csv_import;
pub(crate) mod invitations;
pub(crate) mod mail;
pub(crate) mod registration;
pub(crate) mod store;
pub(crate) mod tenure;

use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};
use axum::{Extension, Router};
use tsunagu_core::api::Me;
use tsunagu_core::ids::random_bytes;
use tsunagu_core::profile::{Position, Profile};
use tsunagu_core::vocab::Role;

use crate::auth;
use crate::db;
use crate::error::{AppError, Error};
use crate::{AppState, Config, documents};

pub(crate) use mail::Mailer;

/// What joining needs besides [`AppState`]: where links point, and how to mail them.
#[derive(Debug, Clone)]
pub(crate) struct Joining {
    /// No trailing slash.
    pub(crate) public_url: String,
    pub(crate) mailer: Option<Mailer>,
}

impl Joining {
    /// `addr` is the address the relay actually listens on (port 0 resolved).
    pub(crate) fn new(config: &Config, addr: std::net::SocketAddr) -> Result<Self, Error> {
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_owned();
        let mailer = config
            .smtp_url
            .as_deref()
            .map(|url| Mailer::new(url, &config.mail_from))
            .transpose()?;
        Ok(Self { public_url, mailer })
    }
}

/// The routes of this module, to nest under `/api`.
pub(crate) fn routes(joining: Joining, csv_body_bytes: usize) -> Router<AppState> {
    let csv_limit = DefaultBodyLimit::max(csv_body_bytes);
    Router::new()
        .route("/invitations/{token}", get(invitations::show))
        .route("/register", post(invitations::register))
        .route("/applications", post(registration::apply))
        .route(
            "/applications/confirm/{token}",
            get(registration::show_confirmation),
        )
        .route("/applications/confirm", post(registration::confirm))
        .route(
            "/admin/import/preview",
            post(csv_import::preview).layer(csv_limit),
        )
        .route("/admin/import", post(csv_import::import).layer(csv_limit))
        .route("/admin/hr-records/{id}", delete(admin::delete_hr_record))
        .route("/admin/invitations", post(invitations::invite))
        .route("/admin/applications", get(registration::list))
        .route(
            "/admin/applications/{id}/approve",
            post(registration::approve),
        )
        .route(
            "/admin/applications/{id}/reject",
            post(registration::reject),
        )
        .route("/admin/summary", get(admin::summary))
        .route("/admin/members", get(admin::members))
        .route("/admin/members/{user_id}/roles", put(admin::set_roles))
        .route("/admin/members/{user_id}/suspend", post(admin::suspend))
        .route(
            "/admin/members/{user_id}/reactivate",
            post(admin::reactivate),
        )
        .route("/admin/members/{user_id}/devices", get(admin::devices))
        .route("/admin/devices/{id}", delete(admin::revoke_device))
        .route("/admin/audit", get(audit::list))
        .route("/admin/audit.csv", get(audit::export_csv))
        .layer(Extension(joining))
}

crate::auth::holder_of!(
    /// A signed-in caller who holds the admin role.
    Admin,
    [Role::Admin]
);

/// Whether a single-use link that expires (an invitation, an application's confirmation) may
/// still be used, or why not.
pub(crate) fn link_usable(used_at: Option<i64>, expires_at: i64) -> Result<(), AppError> {
    if used_at.is_some() {
        return Err(AppError::InvitationUsed);
    }
    if expires_at <= db::now() {
        return Err(AppError::InvitationExpired);
    }
    Ok(())
}

/// A new row id: `prefix-` and 16 random bytes in hex.
pub(crate) fn new_id(prefix: &str) -> String {
    let hex: String = random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}-{hex}")
}

/// Hashes a new member's password off the async threads, after checking its length.
pub(crate) async fn hash_new_password(
    state: &AppState,
    password: String,
) -> Result<String, AppError> {
    check_new_password(&password)?;
    auth::hash(state, password).await
}

/// A new password is long enough.
pub(crate) fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < tsunagu_core::api::MIN_PASSWORD_CHARS {
        return Err(AppError::PasswordTooShort);
    }
    Ok(())
}

/// Who a new member is, as their account and first profile show them.
#[derive(Debug)]
pub(crate) struct Newcomer<'a> {
    pub(crate) email: &'a str,
    pub(crate) password_hash: &'a str,
    pub(crate) display_name: &'a str,
    pub(crate) reading: &'a str,
    pub(crate) joined: &'a str,
    pub(crate) left: &'a str,
    pub(crate) department: &'a str,
}

/// Creates an active alumni member and their profile document inside `tx`; returns their id.
/// Fails with [`AppError::EmailUnavailable`] when an account already has the email.
pub(crate) async fn create_member(
    conn: &mut sqlx::AnyConnection,
    newcomer: &Newcomer<'_>,
) -> Result<String, AppError> {
    let email = newcomer.email.to_lowercase();
    if store::user_id_by_email(&mut *conn, &email).await?.is_some() {
        return Err(AppError::EmailUnavailable);
    }
    let organisation = store::organisation(&mut *conn)
        .await?
        .ok_or_else(|| Error::Corrupt("the relay has no organisation to join".into()))?;
    let id = new_id("user");
    db::insert_user(
        &mut *conn,
        &db::NewUser {
            id: &id,
            organisation: &organisation,
            email: &email,
            password_hash: Some(newcomer.password_hash),
            display_name: newcomer.display_name,
            roles: &[Role::Alumni.key()],
        },
    )
    .await?;
    let positions = if newcomer.department.is_empty() {
        Vec::new()
    } else {
        vec![Position {
            department: newcomer.department.to_owned(),
            role: String::new(),
        }]
    };
    let profile = Profile {
        name: newcomer.display_name.to_owned(),
        reading: newcomer.reading.to_owned(),
        joined: newcomer.joined.to_owned(),
        left: newcomer.left.to_owned(),
        positions,
        ..Profile::default()
    };
    let actor = db::stored_relay_actor(&mut *conn).await?;
    let defaults = documents::default_visibility(&mut *conn).await?;
    documents::create_profile(conn, &actor, &id, &profile, &defaults).await?;
    Ok(id)
}

/// Opens a session for a member who just joined: the cookie header and their [`Me`].
pub(crate) async fn sign_in_new_member(
    state: &AppState,
    user_id: &str,
) -> Result<((axum::http::HeaderName, axum::http::HeaderValue), Me), AppError> {
    let user = db::user_by_id(&state.db, user_id)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("new member {user_id} vanished")))?;
    Ok(crate::api::open_session(state, &user, None).await?)
}

/// Trims a text field from a form; `None` and blanks read as empty.
pub(crate) fn field(value: Option<&str>) -> String {
    value.map(str::trim).unwrap_or_default().to_owned()
}
