//! Members and the organisation: accounts, roles, sessions, the logo, and erasing an account.

use sqlx::{AnyConnection, AnyPool, Row};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::Role;

use super::{Flag, document_id, now};
use crate::error::Error;

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) password_hash: Option<String>,
    pub(crate) display_name: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) active: bool,
    pub(crate) organisation: String,
    #[sqlx(try_from = "Flag")]
    pub(crate) directory_hidden: bool,
}

const USER_COLUMNS: &str =
    "SELECT u.id, u.email, u.password_hash, u.display_name, u.status = 'active' AS active,
            u.directory_hidden,
            o.name AS organisation
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

/// Emails are stored lower-cased, so look-ups are case-insensitive.
pub(crate) async fn user_by_email(pool: &AnyPool, email: &str) -> Result<Option<User>, Error> {
    Ok(
        sqlx::query_as(&format!("{USER_COLUMNS} WHERE u.email = $1"))
            .bind(email)
            .fetch_optional(pool)
            .await?,
    )
}

pub(crate) async fn user_by_id(pool: &AnyPool, id: &str) -> Result<Option<User>, Error> {
    Ok(sqlx::query_as(&format!("{USER_COLUMNS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
}

/// Role names as stored (kebab-case); the caller parses them.
/// The roles `user` holds (names this version does not know are skipped).
pub(crate) async fn roles<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
) -> Result<Vec<Role>, Error> {
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user)
            .fetch_all(db)
            .await?;
    Ok(stored.iter().filter_map(|r| Role::from_key(r)).collect())
}

#[derive(Debug)]
pub(crate) struct NewUser<'a> {
    pub(crate) id: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) email: &'a str,
    pub(crate) password_hash: Option<&'a str>,
    pub(crate) display_name: &'a str,
    pub(crate) roles: &'a [&'a str],
}

/// The organisation a relay serves, and the defaults it chose at setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Organisation {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) name_en: String,
    /// `ja` or `en`.
    pub(crate) language: String,
    /// IANA zone new events are held in.
    pub(crate) time_zone: String,
}

pub(crate) async fn insert_organisation(
    conn: &mut AnyConnection,
    org: &Organisation,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO organisations (id, name, name_en, language, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.name_en)
    .bind(&org.language)
    .bind(&org.time_zone)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The organisation's logo as stored ([`crate::logo`]).
#[derive(Debug)]
pub(crate) struct Logo {
    pub(crate) bytes: Vec<u8>,
    pub(crate) kind: &'static str,
    pub(crate) version: i64,
}

/// The image types a logo is stored as.
const LOGO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Sets the organisation's logo (`None` removes it); false when there is no organisation yet.
pub(crate) async fn set_logo(
    conn: &mut AnyConnection,
    logo: Option<(&[u8], &'static str)>,
) -> Result<bool, Error> {
    let (bytes, kind) = logo.unzip();
    let done = sqlx::query(
        "UPDATE organisations SET logo = $1, logo_type = $2, logo_version = logo_version + 1",
    )
    .bind(bytes)
    .bind(kind)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The organisation's logo, if it has one.
pub(crate) async fn logo(pool: &AnyPool) -> Result<Option<Logo>, Error> {
    let row: Option<(Option<Vec<u8>>, Option<String>, i64)> =
        sqlx::query_as("SELECT logo, logo_type, logo_version FROM organisations LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(bytes, kind, version)| {
        let kind = LOGO_TYPES
            .into_iter()
            .find(|k| Some(*k) == kind.as_deref())?;
        Some(Logo {
            bytes: bytes?,
            kind,
            version,
        })
    }))
}

/// The version of the organisation's logo, `0` when it has none.
pub(crate) async fn logo_version(pool: &AnyPool) -> Result<u32, Error> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT logo_version FROM organisations WHERE logo IS NOT NULL LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(version.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX).max(1)))
}

pub(crate) async fn insert_user(conn: &mut AnyConnection, user: &NewUser<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO users (id, organisation_id, email, password_hash, display_name, status, created_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6)",
    )
    .bind(user.id)
    .bind(user.organisation)
    .bind(user.email.to_lowercase())
    .bind(user.password_hash)
    .bind(user.display_name)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    for role in user.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user.id)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn count_users(pool: &AnyPool) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

// ---- sessions ---------------------------------------------------------------------------------

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Session {
    pub(crate) user_id: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
    /// The device it belongs to, once a device synced with it.
    pub(crate) device_id: Option<String>,
}

/// Stores a new session; it belongs to no device until one syncs with it ([`bind_session`]).
pub(crate) async fn insert_session(
    pool: &AnyPool,
    token_hash: &[u8],
    user: &str,
    expires_at: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user)
    .bind(now())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn session(pool: &AnyPool, token_hash: &[u8]) -> Result<Option<Session>, Error> {
    Ok(sqlx::query_as(
        "SELECT user_id, created_at, expires_at, revoked_at, device_id FROM sessions \
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?)
}

pub(crate) async fn revoke_session(pool: &AnyPool, token_hash: &[u8]) -> Result<(), Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Binds a session to the device that syncs with it, if it belongs to none yet; returns the
/// device it belongs to now.
pub(crate) async fn bind_session(
    pool: &AnyPool,
    token_hash: &[u8],
    device: &str,
) -> Result<Option<String>, Error> {
    sqlx::query("UPDATE sessions SET device_id = $1 WHERE token_hash = $2 AND device_id IS NULL")
        .bind(device)
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT device_id FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// Revokes every live session bound to `device`; returns their token hashes, so their sockets
/// can close.
pub(crate) async fn revoke_sessions_of_device(
    conn: &mut AnyConnection,
    device: &str,
) -> Result<Vec<Vec<u8>>, Error> {
    let live: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE device_id = $1 AND revoked_at IS NULL",
    )
    .bind(device)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(device)
        .execute(conn)
        .await?;
    Ok(live)
}

/// Erases `user`'s account inside `tx`: their documents (every stored byte and sync state),
/// roles, passkeys, sessions, devices and applications, and their email from the audit log; the
/// row stays, anonymised and `removed`, so the audit log and HR records keep their references.
/// (Their name leaves events' rosters when their seats are given up.) Returns the erased
/// documents.
pub(crate) async fn erase_account(
    tx: &mut AnyConnection,
    user: &str,
) -> Result<Vec<DocumentId>, Error> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1")
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(email) = email.filter(|e| !e.is_empty()) {
        // What they applied with (name, email, employee number, password hash), and their
        // email wherever the audit log wrote it; the log's rows stay, naming the account by id.
        for statement in [
            "DELETE FROM application_confirmations WHERE application_id IN \
             (SELECT id FROM applications WHERE user_id = $1 OR email = $2)",
            "DELETE FROM applications WHERE user_id = $1 OR email = $2",
            "DELETE FROM application_attempts WHERE email = $2",
            "UPDATE audit_log SET detail = REPLACE(detail, $2, '(deleted)') \
             WHERE detail LIKE '%' || $2 || '%'",
        ] {
            sqlx::query(statement)
                .bind(user)
                .bind(&email)
                .execute(&mut *tx)
                .await?;
        }
    }
    for statement in [
        "DELETE FROM sync_states WHERE document_id IN (SELECT id FROM documents WHERE owner_id = $1)",
        "DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE owner_id = $1)",
        "DELETE FROM documents WHERE owner_id = $1",
        "DELETE FROM user_roles WHERE user_id = $1",
        "DELETE FROM passkeys WHERE user_id = $1",
        "DELETE FROM passkey_handles WHERE user_id = $1",
        "DELETE FROM blocks WHERE blocker = $1 OR blocked = $1",
        "DELETE FROM segment_facts WHERE user_id = $1",
        "DELETE FROM news_opens WHERE user_id = $1",
        "DELETE FROM job_applications WHERE user_id = $1",
        "DELETE FROM job_referrals WHERE referrer = $1",
        "DELETE FROM talent_shortlist WHERE user_id = $1",
        "UPDATE talent_shortlist SET added_by = NULL WHERE added_by = $1",
        "DELETE FROM news_mail WHERE user_id = $1",
        "DELETE FROM newsletter_links WHERE user_id = $1",
        // Their photos become unreadable through every message that names them.
        "DELETE FROM photo_owners WHERE user_id = $1",
        "UPDATE hr_records SET user_id = NULL WHERE user_id = $1",
        "UPDATE users SET status = 'removed', email = 'deleted+' || id || '@invalid',
             display_name = '', password_hash = NULL, directory_hidden = TRUE WHERE id = $1",
    ] {
        sqlx::query(statement).bind(user).execute(&mut *tx).await?;
    }
    // Bytes no one else uploaded go.
    sqlx::query("DELETE FROM photos WHERE id NOT IN (SELECT photo FROM photo_owners)")
        .execute(&mut *tx)
        .await?;
    for statement in [
        "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
        "UPDATE calendar_feeds SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
    ] {
        sqlx::query(statement)
            .bind(now())
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    ids.iter().map(|s| document_id(s)).collect()
}

/// Hides `user` from the directory, or lists them again.
pub(crate) async fn set_directory_hidden(
    pool: &AnyPool,
    user: &str,
    hidden: bool,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET directory_hidden = $1 WHERE id = $2")
        .bind(hidden)
        .bind(user)
        .execute(pool)
        .await?;
    Ok(())
}

/// A session, as the member's data export shows it (never the token).
#[derive(Debug, serde::Serialize, sqlx::FromRow)]
pub(crate) struct SessionRecord {
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
}

pub(crate) async fn sessions_of(pool: &AnyPool, user: &str) -> Result<Vec<SessionRecord>, Error> {
    Ok(sqlx::query_as(
        "SELECT created_at, expires_at, revoked_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user)
    .fetch_all(pool)
    .await?)
}

/// The organisation, if the network was set up.
pub(crate) async fn organisation(pool: &AnyPool) -> Result<Option<Organisation>, Error> {
    organisation_in(&mut *pool.acquire().await?).await
}

/// [`organisation`], inside a transaction.
pub(crate) async fn organisation_in(
    conn: &mut AnyConnection,
) -> Result<Option<Organisation>, Error> {
    let row = sqlx::query(
        "SELECT id, name, name_en, language, time_zone FROM organisations \
         ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Organisation {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            name_en: r.try_get("name_en")?,
            language: r.try_get("language")?,
            time_zone: r.try_get("time_zone")?,
        })
    })
    .transpose()
}
