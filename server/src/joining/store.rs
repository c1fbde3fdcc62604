//! The SQL of joining: imported HR records, invitations, applications. Every function takes a
//! connection, so callers run it inside their transaction (or on a pooled connection).

use sqlx::{AnyConnection, Row};
use tsunagu_core::api::{Application, ApplicationStatus, HrMatch, HrRecord, MatchedBy};

use crate::db;
use crate::error::Error;

/// An imported leaver as stored.
#[derive(Debug, Clone)]
pub(crate) struct StoredHr {
    pub(crate) id: String,
    pub(crate) record: HrRecord,
    pub(crate) user_id: Option<String>,
}

const HR_COLUMNS: &str = "SELECT id, employee_number, name, reading, email, joined_month, \
     left_month, department, user_id FROM hr_records";

fn stored_hr(row: &sqlx::any::AnyRow) -> Result<StoredHr, Error> {
    Ok(StoredHr {
        id: row.try_get("id")?,
        record: HrRecord {
            employee_number: row
                .try_get::<Option<String>, _>("employee_number")?
                .unwrap_or_default(),
            name: row.try_get("name")?,
            reading: row.try_get("reading")?,
            email: row.try_get("email")?,
            joined: row.try_get("joined_month")?,
            left: row.try_get("left_month")?,
            department: row.try_get("department")?,
        },
        user_id: row.try_get("user_id")?,
    })
}

async fn hr_where(
    conn: &mut AnyConnection,
    condition: &str,
    value: &str,
) -> Result<Option<StoredHr>, Error> {
    let row = sqlx::query(&format!("{HR_COLUMNS} WHERE {condition} = $1"))
        .bind(value)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(stored_hr).transpose()
}

pub(crate) async fn hr_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<StoredHr>, Error> {
    hr_where(conn, "id", id).await
}

/// The HR record linked to a member when they joined.
pub(crate) async fn hr_by_user(
    conn: &mut AnyConnection,
    user: &str,
) -> Result<Option<StoredHr>, Error> {
    hr_where(conn, "user_id", user).await
}

pub(crate) async fn hr_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<StoredHr>, Error> {
    hr_where(conn, "email", &email.to_lowercase()).await
}

pub(crate) async fn hr_by_employee_number(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<StoredHr>, Error> {
    hr_where(conn, "employee_number", number).await
}

pub(crate) async fn all_hr_records(conn: &mut AnyConnection) -> Result<Vec<StoredHr>, Error> {
    let rows = sqlx::query(&format!("{HR_COLUMNS} ORDER BY imported_at, id"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(stored_hr).collect()
}

fn employee_number(record: &HrRecord) -> Option<&str> {
    Some(record.employee_number.as_str()).filter(|n| !n.is_empty())
}

pub(crate) async fn insert_hr_record(
    conn: &mut AnyConnection,
    id: &str,
    record: &HrRecord,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO hr_records (id, employee_number, name, reading, email, joined_month, \
         left_month, department, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(employee_number(record))
    .bind(&record.name)
    .bind(&record.reading)
    .bind(record.email.to_lowercase())
    .bind(&record.joined)
    .bind(&record.left)
    .bind(&record.department)
    .bind(db::now())
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn update_hr_record(
    conn: &mut AnyConnection,
    id: &str,
    record: &HrRecord,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE hr_records SET employee_number = $1, name = $2, reading = $3, email = $4, \
         joined_month = $5, left_month = $6, department = $7, imported_at = $8 WHERE id = $9",
    )
    .bind(employee_number(record))
    .bind(&record.name)
    .bind(&record.reading)
    .bind(record.email.to_lowercase())
    .bind(&record.joined)
    .bind(&record.left)
    .bind(&record.department)
    .bind(db::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn link_hr_record(
    conn: &mut AnyConnection,
    id: &str,
    user: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE hr_records SET user_id = $1 WHERE id = $2")
        .bind(user)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes a record nobody registered from, with its invitations. Whether it did.
pub(crate) async fn delete_unregistered_hr_record(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<bool, Error> {
    sqlx::query("DELETE FROM invitations WHERE hr_record_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query("DELETE FROM hr_records WHERE id = $1 AND user_id IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

// ---- people ---------------------------------------------------------------------------------

pub(crate) async fn user_id_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.to_lowercase())
        .fetch_optional(conn)
        .await?)
}

/// The organisation new members join: the relay's first (and, for now, only) one.
pub(crate) async fn organisation(conn: &mut AnyConnection) -> Result<Option<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT id FROM organisations ORDER BY created_at, id LIMIT 1")
            .fetch_optional(conn)
            .await?,
    )
}

// ---- invitations ----------------------------------------------------------------------------

/// Replaces `hr_record`'s unused invitations with a new one.
pub(crate) async fn replace_invitation(
    conn: &mut AnyConnection,
    token_hash: &[u8],
    hr: &StoredHr,
    created_by: &str,
    expires_at: i64,
) -> Result<(), Error> {
    sqlx::query("DELETE FROM invitations WHERE hr_record_id = $1 AND used_at IS NULL")
        .bind(&hr.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO invitations (token_hash, hr_record_id, email, created_by, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(&hr.id)
    .bind(&hr.record.email)
    .bind(created_by)
    .bind(db::now())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug)]
pub(crate) struct Invitation {
    pub(crate) hr_record_id: String,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
}

pub(crate) async fn invitation(
    conn: &mut AnyConnection,
    token_hash: &[u8],
) -> Result<Option<Invitation>, Error> {
    let row = sqlx::query(
        "SELECT hr_record_id, expires_at, used_at FROM invitations WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Invitation {
        hr_record_id: row.try_get("hr_record_id")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    }))
}

/// Marks an invitation used, if it still is unused and unexpired; whether it was (so two
/// registrations racing with one link cannot both succeed).
pub(crate) async fn use_invitation(
    conn: &mut AnyConnection,
    token_hash: &[u8],
) -> Result<bool, Error> {
    let now = db::now();
    let done = sqlx::query(
        "UPDATE invitations SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(now)
    .bind(token_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// hr record id → expiry of its outstanding (unused, unexpired) invitation.
pub(crate) async fn outstanding_invitations(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, i64)>, Error> {
    Ok(sqlx::query_as(
        "SELECT hr_record_id, MAX(expires_at) FROM invitations \
         WHERE used_at IS NULL AND expires_at > $1 GROUP BY hr_record_id",
    )
    .bind(db::now())
    .fetch_all(conn)
    .await?)
}

// ---- applications ---------------------------------------------------------------------------

/// An application with the password hash it waits with.
#[derive(Debug)]
pub(crate) struct StoredApplication {
    pub(crate) application: Application,
    pub(crate) password_hash: Option<String>,
}

/// An application, the record it matched (if still there) and whether a confirmation link for
/// it can still be used, over `applications a LEFT JOIN hr_records h`. Its one parameter, bound
/// first, is the time now.
const APPLICATION_COLUMNS: &str = "SELECT a.id, a.email, a.name, a.reading, a.employee_number, \
     a.joined_month, a.left_month, a.department, a.note, a.password_hash, a.status, a.created_at, \
     a.decided_at, a.user_id, a.matched_by, h.id AS hr_id, h.name AS hr_name, \
     h.employee_number AS hr_number, \
     EXISTS (SELECT 1 FROM application_confirmations c WHERE c.application_id = a.id \
             AND c.used_at IS NULL AND c.expires_at > $1) AS awaiting \
     FROM applications a LEFT JOIN hr_records h ON h.id = a.hr_record_id";

fn stored_application(row: &sqlx::any::AnyRow) -> Result<StoredApplication, Error> {
    let status: String = row.try_get("status")?;
    let matched_by: String = row.try_get("matched_by")?;
    let hr_match = match (
        row.try_get::<Option<String>, _>("hr_id")?,
        MatchedBy::from_key(&matched_by),
    ) {
        (Some(hr_record_id), Some(by)) => Some(HrMatch {
            hr_record_id,
            name: row.try_get("hr_name")?,
            employee_number: row
                .try_get::<Option<String>, _>("hr_number")?
                .unwrap_or_default(),
            by,
        }),
        _ => None,
    };
    Ok(StoredApplication {
        application: Application {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            reading: row.try_get("reading")?,
            employee_number: row.try_get("employee_number")?,
            joined: row.try_get("joined_month")?,
            left: row.try_get("left_month")?,
            department: row.try_get("department")?,
            note: row.try_get("note")?,
            status: ApplicationStatus::from_key(&status)
                .ok_or_else(|| Error::Corrupt(format!("application status {status:?}")))?,
            created_at: row.try_get("created_at")?,
            decided_at: row.try_get("decided_at")?,
            user_id: row.try_get("user_id")?,
            hr_match,
            awaiting_confirmation: db::flag(row, "awaiting")?,
        },
        password_hash: row.try_get("password_hash")?,
    })
}

pub(crate) async fn insert_application(
    conn: &mut AnyConnection,
    application: &Application,
    password_hash: Option<&str>,
) -> Result<(), Error> {
    let a = application;
    let (hr_record, matched_by) = a
        .hr_match
        .as_ref()
        .map_or((None, ""), |m| (Some(m.hr_record_id.as_str()), m.by.key()));
    sqlx::query(
        "INSERT INTO applications (id, email, name, reading, employee_number, joined_month, \
         left_month, department, note, password_hash, status, created_at, decided_at, user_id, \
         hr_record_id, matched_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&a.id)
    .bind(a.email.to_lowercase())
    .bind(&a.name)
    .bind(&a.reading)
    .bind(&a.employee_number)
    .bind(&a.joined)
    .bind(&a.left)
    .bind(&a.department)
    .bind(&a.note)
    .bind(password_hash)
    .bind(a.status.key())
    .bind(a.created_at)
    .bind(a.decided_at)
    .bind(&a.user_id)
    .bind(hr_record)
    .bind(matched_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn application(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<StoredApplication>, Error> {
    let row = sqlx::query(&format!("{APPLICATION_COLUMNS} WHERE a.id = $2"))
        .bind(db::now())
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(stored_application).transpose()
}

pub(crate) async fn applications(
    conn: &mut AnyConnection,
    status: Option<ApplicationStatus>,
) -> Result<Vec<Application>, Error> {
    let rows = sqlx::query(&format!(
        "{APPLICATION_COLUMNS} WHERE ($2 IS NULL OR a.status = $2) ORDER BY a.created_at, a.id"
    ))
    .bind(db::now())
    .bind(status.map(ApplicationStatus::key))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| stored_application(r).map(|s| s.application))
        .collect()
}

pub(crate) async fn count_pending_applications(conn: &mut AnyConnection) -> Result<i64, Error> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM applications WHERE status = 'pending'")
            .fetch_one(conn)
            .await?,
    )
}

pub(crate) async fn pending_application_for(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<bool, Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM applications WHERE email = $1 AND status = 'pending'")
            .bind(email.to_lowercase())
            .fetch_optional(conn)
            .await?;
    Ok(found.is_some())
}

/// How long a rejected applicant's password hash is kept: long enough to tell them kindly,
/// when they try to sign in, that the application was not approved (rather than that the
/// password is wrong); then it is dropped.
pub(crate) const REJECTION_REMEMBERED_SECS: i64 = 90 * 24 * 3600;

/// Records the decision on a pending application (by an admin, or by the applicant confirming
/// the address HR has: `decided_by` none); whether it was still pending. Confirmation links for
/// it stop working either way. A rejected application keeps its password hash for
/// [`REJECTION_REMEMBERED_SECS`]; older ones are dropped here, so a refused applicant's secret
/// does not outlive its use.
pub(crate) async fn decide_application(
    conn: &mut AnyConnection,
    id: &str,
    status: ApplicationStatus,
    decided_by: Option<&str>,
    user: Option<&str>,
) -> Result<bool, Error> {
    let now = db::now();
    sqlx::query(
        "UPDATE application_confirmations SET used_at = $1 WHERE application_id = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE applications SET password_hash = NULL WHERE status = 'rejected' \
         AND password_hash IS NOT NULL AND decided_at < $1",
    )
    .bind(now - REJECTION_REMEMBERED_SECS)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(
        "UPDATE applications SET status = $1, decided_by = $2, decided_at = $3, user_id = $4 \
         WHERE id = $5 AND status = 'pending'",
    )
    .bind(status.key())
    .bind(decided_by)
    .bind(now)
    .bind(user)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The application someone signing in with `email` may be told about, if they give its
/// password: the pending one, else the latest rejected within [`REJECTION_REMEMBERED_SECS`].
/// Its status and password hash.
pub(crate) async fn application_to_sign_in(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<(ApplicationStatus, String)>, Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT status, password_hash FROM applications \
         WHERE email = $1 AND password_hash IS NOT NULL \
         AND (status = 'pending' OR (status = 'rejected' AND decided_at >= $2)) \
         ORDER BY status = 'pending' DESC, created_at DESC LIMIT 1",
    )
    .bind(email.to_lowercase())
    .bind(db::now() - REJECTION_REMEMBERED_SECS)
    .fetch_optional(conn)
    .await?;
    row.map(|(status, hash)| {
        ApplicationStatus::from_key(&status)
            .map(|s| (s, hash))
            .ok_or_else(|| Error::Corrupt(format!("application status {status:?}")))
    })
    .transpose()
}

/// How many of an email's unstored applications a sign-in compares with (the newest).
const ATTEMPTS_COMPARED: i64 = 20;

/// Remembers an application that was not stored (its email is taken), with its password hashed
/// like the one a sign-in with this email is checked against; drops those older than
/// [`REJECTION_REMEMBERED_SECS`].
pub(crate) async fn insert_attempt(
    conn: &mut AnyConnection,
    email: &str,
    verifier: &str,
) -> Result<(), Error> {
    let now = db::now();
    sqlx::query("DELETE FROM application_attempts WHERE created_at < $1")
        .bind(now - REJECTION_REMEMBERED_SECS)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO application_attempts (email, verifier, created_at) VALUES ($1, $2, $3)",
    )
    .bind(email.to_lowercase())
    .bind(verifier)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The verifiers of `email`'s unstored applications, newest first.
pub(crate) async fn attempts(conn: &mut AnyConnection, email: &str) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT verifier FROM application_attempts WHERE email = $1 AND created_at >= $2 \
         ORDER BY created_at DESC LIMIT $3",
    )
    .bind(email.to_lowercase())
    .bind(db::now() - REJECTION_REMEMBERED_SECS)
    .bind(ATTEMPTS_COMPARED)
    .fetch_all(conn)
    .await?)
}

/// A confirmation link for an application, as stored.
#[derive(Debug)]
pub(crate) struct Confirmation {
    pub(crate) application_id: String,
    pub(crate) expires_at: i64,
    pub(crate) used_at: Option<i64>,
}

pub(crate) async fn insert_confirmation(
    conn: &mut AnyConnection,
    token_hash: &[u8],
    application: &str,
    email: &str,
    expires_at: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO application_confirmations (token_hash, application_id, email, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(application)
    .bind(email.to_lowercase())
    .bind(db::now())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many confirmation links went to applications matching `hr_record` since `since`.
pub(crate) async fn confirmations_for_record_since(
    conn: &mut AnyConnection,
    hr_record: &str,
    since: i64,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_confirmations c \
         JOIN applications a ON a.id = c.application_id \
         WHERE a.hr_record_id = $1 AND c.created_at >= $2",
    )
    .bind(hr_record)
    .bind(since)
    .fetch_one(conn)
    .await?)
}

pub(crate) async fn confirmation(
    conn: &mut AnyConnection,
    token_hash: &[u8],
) -> Result<Option<Confirmation>, Error> {
    let row = sqlx::query(
        "SELECT application_id, expires_at, used_at FROM application_confirmations \
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Confirmation {
        application_id: row.try_get("application_id")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
    }))
}

// ---- members --------------------------------------------------------------------------------

/// A member's account as the Members screen lists it.
#[derive(Debug)]
pub(crate) struct Account {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) status: String,
    pub(crate) roles: Vec<String>,
    pub(crate) devices: i64,
}

pub(crate) async fn accounts(conn: &mut AnyConnection) -> Result<Vec<Account>, Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, u.status, \
         (SELECT string_agg(role, ',') FROM user_roles r WHERE r.user_id = u.id) AS roles, \
         (SELECT COUNT(*) FROM devices d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS devices \
         FROM users u WHERE u.status IN ('active', 'suspended') ORDER BY u.created_at, u.id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Account {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                display_name: row.try_get("display_name")?,
                status: row.try_get("status")?,
                roles: row
                    .try_get::<Option<String>, _>("roles")?
                    .unwrap_or_default()
                    .split(',')
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
                    .collect(),
                devices: row.try_get("devices")?,
            })
        })
        .collect()
}

pub(crate) async fn user_status(
    conn: &mut AnyConnection,
    user: &str,
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar("SELECT status FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(conn)
        .await?)
}

pub(crate) async fn set_user_status(
    conn: &mut AnyConnection,
    user: &str,
    status: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET status = $1 WHERE id = $2")
        .bind(status)
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn set_roles(
    conn: &mut AnyConnection,
    user: &str,
    roles: &[&str],
) -> Result<(), Error> {
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user)
        .execute(&mut *conn)
        .await?;
    for role in roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Revokes every live session of `user` but `keep`; returns their token hashes, so their
/// sockets can close.
pub(crate) async fn revoke_sessions_of(
    conn: &mut AnyConnection,
    user: &str,
    keep: Option<&[u8]>,
) -> Result<Vec<Vec<u8>>, Error> {
    let keep = keep.unwrap_or_default();
    let live: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE user_id = $1 AND revoked_at IS NULL \
         AND token_hash != $2",
    )
    .bind(user)
    .bind(keep)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
         AND token_hash != $3",
    )
    .bind(db::now())
    .bind(user)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(live)
}
