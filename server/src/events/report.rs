//! `GET /api/events/{event}/attendees.csv`: the attendee list for admins and the event's staff,
//! with who was checked in and every ticket admitted more than once (merged from every staff
//! phone's check-ins, DESIGN.md 5), written by [`CsvFile`] (Excel-safe).

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::engine::load_chunks;
use tsunagu_core::event::Roster;
use tsunagu_core::ids::DocumentId;

use super::store;
use crate::AppState;
use crate::auth::SignedIn;
use crate::csv_export::CsvFile;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::audit::utc_timestamp;

pub(super) async fn attendees_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(event): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let mut conn = state.db.acquire().await?;
    let row = super::event_for_staff(&mut conn, &signed_in.user.id, &event).await?;
    let doc = row.doc;
    let roster = Roster::read(&stored(&mut conn, &row.roster).await?).unwrap_or_default();
    let log = CheckinLog::read(&stored(&mut conn, &row.checkins).await?).unwrap_or_default();
    let seats = store::seats(&mut conn, &doc).await?;
    drop(conn);

    let duplicates = log.duplicates();
    let mut file = CsvFile::new(
        "the attendee CSV",
        &[
            "name",
            "reading",
            "status",
            "ticket",
            "checked_in_at",
            "admitted_more_than_once",
        ],
    )?;
    // In the order answers reached the relay: the confirmed, then the waiting list.
    for seat in &seats {
        let Some(attendee) = roster.attendees.get(&seat.user) else {
            continue;
        };
        let checked_in = log
            .scans
            .values()
            .filter(|s| s.attendee == seat.user)
            .map(|s| s.at)
            .min()
            .map(utc_timestamp)
            .unwrap_or_default();
        let twice = duplicates.iter().any(|d| d.attendee == seat.user);
        file.row([
            attendee.name.as_str(),
            attendee.reading.as_str(),
            seat.status.key(),
            seat.ticket.as_deref().unwrap_or_default(),
            checked_in.as_str(),
            if twice { "yes" } else { "no" },
        ])?;
    }
    Ok(file.into_download("attendees.csv")?)
}

async fn stored(
    conn: &mut sqlx::SqliteConnection,
    doc: &DocumentId,
) -> Result<automerge::Automerge, Error> {
    let chunks = db::chunks(&mut *conn, doc).await?;
    load_chunks(&chunks).map_err(|e| Error::Corrupt(format!("stored document {doc}: {e}")))
}
