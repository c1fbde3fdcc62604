//! The audit log: every admin action (and every automatic approval) is written in the same
//! transaction as the change itself, so the log never misses a change nor holds one that did
//! not happen. Admins read it as JSON, newest first, or download all of it as CSV for Excel.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use sqlx::{Row, SqliteConnection};
use tsunagu_core::api::AuditEntry;

use super::Admin;
use crate::AppState;
use crate::csv_export::CsvFile;
use crate::db;
use crate::error::{AppError, Error};

/// Appends one entry. `actor` is `None` for what the relay decided on its own.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    actor: Option<&str>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(db::now())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

const ENTRY_COLUMNS: &str = "SELECT a.id, a.at, a.actor_id, COALESCE(u.email, '') AS actor, \
     a.action, a.subject, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id";

fn entry(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry, Error> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
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
pub(crate) async fn about(
    conn: &mut SqliteConnection,
    user: &str,
) -> Result<Vec<AuditEntry>, Error> {
    let rows = sqlx::query(&format!(
        "{ENTRY_COLUMNS} WHERE a.subject = ?1 OR a.actor_id = ?1 ORDER BY a.id"
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
        "{ENTRY_COLUMNS} WHERE a.id < ? ORDER BY a.id DESC LIMIT ?"
    ))
    .bind(page.before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&state.db)
    .await?;
    Ok(Json(rows.iter().map(entry).collect::<Result<_, _>>()?))
}

/// `GET /api/admin/audit.csv`: the whole log, oldest first, as an Excel-safe [`CsvFile`]. Times
/// are UTC, ISO 8601.
pub(crate) async fn export_csv(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<impl IntoResponse, AppError> {
    let rows = sqlx::query(&format!("{ENTRY_COLUMNS} ORDER BY a.id"))
        .fetch_all(&state.db)
        .await?;
    let mut file = CsvFile::new(
        "the audit CSV",
        &["at", "actor", "action", "subject", "detail"],
    )?;
    for row in &rows {
        let e = entry(row)?;
        file.row([
            utc_timestamp(e.at).as_str(),
            e.actor.as_str(),
            e.action.as_str(),
            e.subject.as_str(),
            e.detail.as_str(),
        ])?;
    }
    Ok(file.into_download("tsunagu-audit-log.csv")?)
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
