//! The audit log: every admin action (and every automatic approval) is written in the same
//! transaction as the change itself, so the log never misses a change nor holds one that did
//! not happen. Admins read it as JSON, newest first, or download all of it as CSV for Excel, in
//! their language with times in the organisation's zone. Entries name their subjects by id; the
//! relay adds who or what that is (a member's name and email, an event's title) when it reads
//! them, so the log stays a record of ids and the names are today's.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use sqlx::{AnyConnection, Row};
use tsunagu_core::api::{AuditAction, AuditEntry};
use tsunagu_core::event::DEFAULT_TIME_ZONE;
use tsunagu_core::ics::local_timestamp;

use super::Admin;
use crate::AppState;
use crate::csv_export::{CsvFile, Download, words};
use crate::db;
use crate::error::{AppError, Error};

/// Appends one entry. `actor` is `None` for what the relay decided on its own.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    actor: Option<&str>,
    action: AuditAction,
    subject: &str,
    detail: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(db::now())
    .bind(actor)
    .bind(action.key())
    .bind(subject)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// An entry with the names of its actor and subject. A subject id is looked up among members
/// (not deleted ones), imported people, applications, devices, events and the organisation;
/// ids are random and prefixed by kind, so at most one of them matches.
const ENTRY_COLUMNS: &str = "SELECT a.id, a.at, a.actor_id, COALESCE(u.email, '') AS actor, \
     COALESCE(u.display_name, '') AS actor_name, a.action, a.subject, a.detail, \
     COALESCE(s.display_name, h.name, ap.name, \
              CASE WHEN d.id IS NOT NULL THEN COALESCE(du.display_name || ' · ', '') || d.label END, \
              json_extract(e.snapshot, '$.title'), o.name, '') AS subject_name, \
     COALESCE(s.email, h.email, ap.email, du.email, '') AS subject_email \
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
     LEFT JOIN users s ON s.id = a.subject AND s.status != 'removed' \
     LEFT JOIN hr_records h ON h.id = a.subject \
     LEFT JOIN applications ap ON ap.id = a.subject \
     LEFT JOIN devices d ON d.id = a.subject \
     LEFT JOIN users du ON du.id = d.user_id AND du.status != 'removed' \
     LEFT JOIN events e ON e.doc = a.subject \
     LEFT JOIN organisations o ON o.id = a.subject";

fn entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, Error> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor: row.try_get("actor")?,
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        subject_name: row.try_get("subject_name")?,
        subject_email: row.try_get("subject_email")?,
        detail: row.try_get("detail")?,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    /// At most this many entries (default 100, at most 1000).
    limit: Option<i64>,
    /// Entries older than this id (the last id of the previous page).
    before: Option<i64>,
}

/// Every entry about `user` or by them, oldest first (for their data export).
pub(crate) async fn about(conn: &mut AnyConnection, user: &str) -> Result<Vec<AuditEntry>, Error> {
    let rows = sqlx::query(&format!(
        "{ENTRY_COLUMNS} WHERE a.subject = $1 OR a.actor_id = $1 ORDER BY a.id"
    ))
    .bind(user)
    .fetch_all(conn)
    .await?;
    rows.iter().map(entry).collect()
}

/// `GET /api/admin/audit?limit=&before=`.
pub(crate) async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    Query(page): Query<Page>,
) -> Result<Json<Vec<AuditEntry>>, AppError> {
    let limit = page.limit.unwrap_or(100).clamp(1, 1000);
    let rows = sqlx::query(&format!(
        "{ENTRY_COLUMNS} WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2"
    ))
    .bind(page.before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(rows.iter().map(entry).collect::<Result<_, _>>()?))
}

/// `GET /api/admin/audit.csv?lang=`: the whole log, oldest first, as an Excel-safe [`CsvFile`]
/// in the admin's language; times are the organisation's local time with its offset
/// (`2030-01-15 19:00:00+09:00`), people are named with their email.
pub(crate) async fn export_csv(
    State(state): State<AppState>,
    _admin: Admin,
    Query(download): Query<Download>,
) -> Result<impl IntoResponse, AppError> {
    let lang = download.language(&state.db).await?;
    let zone = db::organisation(&state.db)
        .await?
        .map_or_else(|| DEFAULT_TIME_ZONE.to_owned(), |org| org.time_zone);
    let rows = sqlx::query(&format!("{ENTRY_COLUMNS} ORDER BY a.id"))
        .fetch_all(&state.db)
        .await?;
    let mut file = CsvFile::new("the audit CSV", &words::audit_header(lang))?;
    for row in &rows {
        let e = entry(row)?;
        let actor = if e.actor.is_empty() {
            words::system(lang).to_owned()
        } else {
            person(&e.actor_name, &e.actor)
        };
        let known = AuditAction::from_key(&e.action);
        let action = known.map_or(e.action.as_str(), |a| words::audit_action(lang, a));
        let detail = words::audit_detail(lang, known, &e.detail);
        let subject = if e.subject_name.is_empty() && e.subject_email.is_empty() {
            e.subject.clone()
        } else {
            person(&e.subject_name, &e.subject_email)
        };
        file.row([
            local_timestamp(e.at, &zone)
                .unwrap_or_else(|| utc_timestamp(e.at))
                .as_str(),
            actor.as_str(),
            action,
            subject.as_str(),
            detail.as_str(),
            e.subject.as_str(),
        ])?;
    }
    let today = local_timestamp(db::now(), &zone)
        .and_then(|t| t.get(..10).map(str::to_owned))
        .unwrap_or_default();
    let name = format!("{}_{today}", words::audit_file(lang));
    Ok(file.into_download(&name, &format!("tsunagu-audit-log-{today}"))?)
}

/// `山田 花子 <hanako@example.com>`, or whichever of the two is known.
fn person(name: &str, email: &str) -> String {
    match (name.is_empty(), email.is_empty()) {
        (false, false) => format!("{name} <{email}>"),
        (false, true) => name.to_owned(),
        _ => email.to_owned(),
    }
}

/// Unix seconds as `2026-11-22T10:00:00Z` (civil-from-days, Howard Hinnant's algorithm): one
/// small function rather than a date crate for a single format.
pub(crate) fn utc_timestamp(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc_timestamp;

    #[test]
    fn timestamps_are_utc_iso_8601() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
