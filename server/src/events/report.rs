//! `GET /api/events/{event}/attendees.csv?lang=`: the attendee list for admins and the event's
//! staff, with who was checked in and every ticket admitted more than once (merged from every
//! staff phone's check-ins, docs/design.md §5), written by [`CsvFile`] (Excel-safe) in the admin's
//! language, check-in times in the event's own zone with its offset, and named for the event
//! and its date (`忘年会_2030-01-15_参加者.csv`).

use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::engine::load_chunks;
use tsunagu_core::event::Roster;
use tsunagu_core::ics::local_timestamp;
use tsunagu_core::ids::DocumentId;

use super::store;
use crate::AppState;
use crate::auth::SignedIn;
use crate::csv_export::{CsvFile, Download, words};
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::audit::utc_timestamp;

pub(super) async fn attendees_csv(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(event): Path<String>,
    Query(download): Query<Download>,
) -> Result<impl IntoResponse, AppError> {
    let lang = download.language(&state.db).await?;
    let mut conn = state.db.acquire().await?;
    let row = super::event_for_staff(&mut conn, &signed_in.user.id, &event).await?;
    let doc = row.doc;
    let roster = Roster::read(&stored(&mut conn, &row.roster).await?).unwrap_or_default();
    let log = CheckinLog::read(&stored(&mut conn, &row.checkins).await?).unwrap_or_default();
    let seats = store::seats(&mut conn, &doc).await?;
    drop(conn);

    let zone = row.event.time_zone.as_str();
    let local = |at: i64| local_timestamp(at, zone).unwrap_or_else(|| utc_timestamp(at));
    let duplicates = log.duplicates();
    let mut file = CsvFile::new("the attendee CSV", &words::attendee_header(lang))?;
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
            .map(local)
            .unwrap_or_default();
        let twice = duplicates.iter().any(|d| d.attendee == seat.user);
        file.row([
            attendee.name.as_str(),
            attendee.reading.as_str(),
            words::seat_status(lang, seat.status),
            seat.ticket.as_deref().unwrap_or_default(),
            checked_in.as_str(),
            if twice { words::yes(lang) } else { "" },
        ])?;
    }
    // The day it starts where it happens: `2030-01-15`.
    let date = local(row.event.starts_at)
        .get(..10)
        .unwrap_or_default()
        .to_owned();
    let name = format!("{}_{date}_{}", row.event.title, words::attendees_file(lang));
    Ok(file.into_download(&name, &format!("attendees-{date}"))?)
}

async fn stored(
    conn: &mut sqlx::AnyConnection,
    doc: &DocumentId,
) -> Result<automerge::Automerge, Error> {
    let chunks = db::chunks(&mut *conn, doc).await?;
    load_chunks(&chunks).map_err(|e| Error::Corrupt(format!("stored document {doc}: {e}")))
}
