//! The event tables (`server/migrations/20261128000000_events.sql`, with join links and self
//! check-ins from `20261128200000_join_links_and_arrivals.sql`): events, the people they name,
//! seats, tickets and calendar feeds. Every function takes a connection, so callers keep
//! a decision and the documents that show it in one transaction.

use sqlx::{AnyConnection, Row};
use tsunagu_core::event::{Event, EventStatus, SeatStatus};
use tsunagu_core::grants::EventFacts;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::EventAudience;

use crate::db;
use crate::error::Error;

// ---- events -----------------------------------------------------------------------------------

/// An event as the relay last read it, with its other two documents.
#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    pub(crate) doc: DocumentId,
    pub(crate) roster: DocumentId,
    pub(crate) checkins: DocumentId,
    /// The iCalendar SEQUENCE.
    pub(crate) sequence: u32,
    /// The event document's content when the relay last read it.
    pub(crate) event: Event,
    pub(crate) updated_at: i64,
    /// The link to join it online, for confirmed attendees only (never in its documents).
    pub(crate) join_url: String,
}

impl EventRow {
    /// The join link a seat of `status` carries: the link, for a confirmed seat of an event
    /// held online; nothing otherwise.
    pub(crate) fn join_url_for(&self, status: SeatStatus) -> String {
        if status == SeatStatus::Confirmed && self.event.online {
            self.join_url.clone()
        } else {
            String::new()
        }
    }
}

const EVENT_COLUMNS: &str =
    "SELECT doc, roster_doc, checkins_doc, sequence, snapshot, updated_at, join_url FROM events";

fn event_row(row: &sqlx::any::AnyRow) -> Result<EventRow, Error> {
    let doc = db::document_id(&row.try_get::<String, _>("doc")?)?;
    let snapshot: String = row.try_get("snapshot")?;
    let event = serde_json::from_str(&snapshot)
        .map_err(|e| Error::Corrupt(format!("stored event {doc}: {e}")))?;
    Ok(EventRow {
        doc,
        roster: db::document_id(&row.try_get::<String, _>("roster_doc")?)?,
        checkins: db::document_id(&row.try_get::<String, _>("checkins_doc")?)?,
        sequence: u32::try_from(row.try_get::<i64, _>("sequence")?).unwrap_or(u32::MAX),
        event,
        updated_at: row.try_get("updated_at")?,
        join_url: row.try_get("join_url")?,
    })
}

fn snapshot(event: &Event) -> Result<String, Error> {
    serde_json::to_string(event).map_err(|e| Error::Corrupt(format!("an event as JSON: {e}")))
}

pub(crate) async fn insert_event(
    conn: &mut AnyConnection,
    row: &EventRow,
    created_by: &str,
    now: i64,
) -> Result<(), Error> {
    let e = &row.event;
    sqlx::query(
        "INSERT INTO events (doc, roster_doc, checkins_doc, status, audience, capacity, starts_at,
             ends_at, deadline, sequence, snapshot, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(row.doc.to_string())
    .bind(row.roster.to_string())
    .bind(row.checkins.to_string())
    .bind(e.status().key())
    .bind(e.audience().key())
    .bind(i64::from(e.capacity))
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.deadline)
    .bind(i64::from(row.sequence))
    .bind(snapshot(e)?)
    .bind(created_by)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    set_people(conn, &row.doc, e).await
}

pub(crate) async fn event(
    conn: &mut AnyConnection,
    doc: &DocumentId,
) -> Result<Option<EventRow>, Error> {
    let row = sqlx::query(&format!("{EVENT_COLUMNS} WHERE doc = $1"))
        .bind(doc.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(event_row).transpose()
}

/// The events among `docs` (those that exist), by document; a few queries, however many.
pub(crate) async fn events_among(
    conn: &mut AnyConnection,
    docs: &[DocumentId],
) -> Result<std::collections::HashMap<DocumentId, EventRow>, Error> {
    let mut found = std::collections::HashMap::new();
    for batch in docs.chunks(500) {
        let marks = db::marks(1, batch.len());
        let sql = format!("{EVENT_COLUMNS} WHERE doc IN ({marks})");
        let mut query = sqlx::query(&sql);
        for doc in batch {
            query = query.bind(doc.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            let event = event_row(&row)?;
            found.insert(event.doc, event);
        }
    }
    Ok(found)
}

pub(crate) async fn all_events(conn: &mut AnyConnection) -> Result<Vec<EventRow>, Error> {
    let rows = sqlx::query(&format!("{EVENT_COLUMNS} ORDER BY starts_at, doc"))
        .fetch_all(conn)
        .await?;
    rows.iter().map(event_row).collect()
}

/// Sets (or with `""` clears) the link to join event `doc` online.
pub(crate) async fn set_join_url(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    url: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE events SET join_url = $1, updated_at = $2 WHERE doc = $3")
        .bind(url)
        .bind(now)
        .bind(doc.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores what the relay read of an event, and the staff and invited it names.
pub(crate) async fn update_event(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    e: &Event,
    sequence: u32,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "UPDATE events SET status = $1, audience = $2, capacity = $3, starts_at = $4, ends_at = $5,
             deadline = $6, sequence = $7, snapshot = $8, updated_at = $9 WHERE doc = $10",
    )
    .bind(e.status().key())
    .bind(e.audience().key())
    .bind(i64::from(e.capacity))
    .bind(e.starts_at)
    .bind(e.ends_at)
    .bind(e.deadline)
    .bind(i64::from(sequence))
    .bind(snapshot(e)?)
    .bind(now)
    .bind(doc.to_string())
    .execute(&mut *conn)
    .await?;
    set_people(conn, doc, e).await
}

async fn set_people(conn: &mut AnyConnection, doc: &DocumentId, e: &Event) -> Result<(), Error> {
    let id = doc.to_string();
    sqlx::query("DELETE FROM event_people WHERE event = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    for (relation, people) in [("staff", &e.staff), ("invited", &e.invited)] {
        for user in people {
            sqlx::query(
                "INSERT INTO event_people (event, user_id, relation) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(user)
            .bind(relation)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// The SQL of [`EventFacts`] over `events e`, for the member bound as parameter `user` (`$1`).
fn facts_columns(user: &str) -> String {
    format!(
        "e.status, e.audience,
         EXISTS (SELECT 1 FROM event_people p
                 WHERE p.event = e.doc AND p.user_id = {user} AND p.relation = 'staff') AS staff,
         EXISTS (SELECT 1 FROM event_people p
                 WHERE p.event = e.doc AND p.user_id = {user} AND p.relation = 'invited') AS invited,
         COALESCE(e.created_by = {user}, FALSE) AS proposer"
    )
}

fn facts_of(row: &sqlx::any::AnyRow) -> Result<EventFacts, Error> {
    Ok(EventFacts {
        public: EventStatus::from_key(&row.try_get::<String, _>("status")?).is_public(),
        audience: EventAudience::from_key(&row.try_get::<String, _>("audience")?),
        invited: db::flag(row, "invited")?,
        staff: db::flag(row, "staff")?,
        proposer: db::flag(row, "proposer")?,
    })
}

/// How `user` relates to the event that `doc` (the event, its roster or its check-in log)
/// belongs to; `None` if it belongs to no event.
pub(crate) async fn facts<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    doc: &DocumentId,
    user: &str,
) -> Result<Option<EventFacts>, Error> {
    let row = sqlx::query(&format!(
        "SELECT {} FROM events e
         WHERE e.doc = $1 OR e.roster_doc = $1 OR e.checkins_doc = $1",
        facts_columns("$2")
    ))
    .bind(doc.to_string())
    .bind(user)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(facts_of).transpose()
}

/// Every event's three documents with how `user` relates to it, soonest first.
pub(crate) async fn events_with_facts<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
) -> Result<Vec<([DocumentId; 3], EventFacts)>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT e.doc, e.roster_doc, e.checkins_doc, {} FROM events e
         ORDER BY e.starts_at, e.doc",
        facts_columns("$1")
    ))
    .bind(user)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|row| {
            let docs = [
                db::document_id(&row.try_get::<String, _>("doc")?)?,
                db::document_id(&row.try_get::<String, _>("roster_doc")?)?,
                db::document_id(&row.try_get::<String, _>("checkins_doc")?)?,
            ];
            Ok((docs, facts_of(row)?))
        })
        .collect()
}

// ---- seats and tickets ------------------------------------------------------------------------

/// Where one member stands for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SeatRow {
    pub(crate) user: String,
    pub(crate) status: SeatStatus,
    /// The order their "going" reached the relay.
    pub(crate) seq: i64,
    /// Their last answer applied.
    pub(crate) going: bool,
    /// Their live ticket while confirmed.
    pub(crate) ticket: Option<String>,
    /// The `at` of their last answer applied.
    pub(crate) answered_at: i64,
    /// When the relay recorded their self check-in (0: not that way).
    pub(crate) arrived_at: i64,
    /// Whether they chose to be listed by name among who is going.
    pub(crate) show_name: bool,
}

const SEAT_COLUMNS: &str = "SELECT event, user_id, status, seq, going, ticket_id, answered_at, arrived_at, show_name \
     FROM seats";

fn seat_row(row: &sqlx::any::AnyRow) -> Result<SeatRow, Error> {
    let status: String = row.try_get("status")?;
    Ok(SeatRow {
        user: row.try_get("user_id")?,
        status: SeatStatus::from_key(&status)
            .ok_or_else(|| Error::Corrupt(format!("seat status {status:?}")))?,
        seq: row.try_get("seq")?,
        going: db::flag(row, "going")?,
        ticket: row.try_get("ticket_id")?,
        answered_at: row.try_get("answered_at")?,
        arrived_at: row.try_get("arrived_at")?,
        show_name: db::flag(row, "show_name")?,
    })
}

/// Every seat of an event in the order answers arrived.
pub(crate) async fn seats(
    conn: &mut AnyConnection,
    event: &DocumentId,
) -> Result<Vec<SeatRow>, Error> {
    let rows = sqlx::query(&format!(
        "{SEAT_COLUMNS} WHERE event = $1 ORDER BY seq, user_id"
    ))
    .bind(event.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(seat_row).collect()
}

pub(crate) async fn seat(
    conn: &mut AnyConnection,
    event: &DocumentId,
    user: &str,
) -> Result<Option<SeatRow>, Error> {
    let row = sqlx::query(&format!("{SEAT_COLUMNS} WHERE event = $1 AND user_id = $2"))
        .bind(event.to_string())
        .bind(user)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(seat_row).transpose()
}

/// Every seat `user` holds, by event.
pub(crate) async fn seats_of<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
) -> Result<Vec<(DocumentId, SeatRow)>, Error> {
    let rows = sqlx::query(&format!("{SEAT_COLUMNS} WHERE user_id = $1"))
        .bind(user)
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                db::document_id(&row.try_get::<String, _>("event")?)?,
                seat_row(row)?,
            ))
        })
        .collect()
}

/// Members whose account was deleted but who still hold or wait for a seat.
pub(crate) async fn departed_with_seats(conn: &mut AnyConnection) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT s.user_id FROM seats s JOIN users u ON u.id = s.user_id
         WHERE u.status = 'removed' AND s.status IN ('confirmed', 'waiting')",
    )
    .fetch_all(conn)
    .await?)
}

/// The place after the last answer that reached the relay for `event`.
pub(crate) async fn next_seq(conn: &mut AnyConnection, event: &DocumentId) -> Result<i64, Error> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM seats WHERE event = $1")
        .bind(event.to_string())
        .fetch_one(conn)
        .await?;
    Ok(last.map_or(1, |s| s + 1))
}

pub(crate) async fn put_seat(
    conn: &mut AnyConnection,
    event: &DocumentId,
    seat: &SeatRow,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO seats (event, user_id, status, seq, going, ticket_id, answered_at,
             arrived_at, show_name, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (event, user_id) DO UPDATE SET status = excluded.status, seq = excluded.seq,
             going = excluded.going, ticket_id = excluded.ticket_id,
             answered_at = excluded.answered_at, arrived_at = excluded.arrived_at,
             show_name = excluded.show_name, updated_at = excluded.updated_at",
    )
    .bind(event.to_string())
    .bind(&seat.user)
    .bind(seat.status.key())
    .bind(seat.seq)
    .bind(seat.going)
    .bind(&seat.ticket)
    .bind(seat.answered_at)
    .bind(seat.arrived_at)
    .bind(seat.show_name)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert_ticket(
    conn: &mut AnyConnection,
    id: &str,
    event: &DocumentId,
    user: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO tickets (id, event, user_id, issued_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(event.to_string())
        .bind(user)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn revoke_ticket(
    conn: &mut AnyConnection,
    id: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query("UPDATE tickets SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Active members who have a passes document (their ID card goes there).
pub(crate) async fn active_members_with_passes(
    conn: &mut AnyConnection,
) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT d.owner_id FROM documents d JOIN users u ON u.id = d.owner_id \
         WHERE d.kind = 'passes' AND u.status = 'active' ORDER BY d.created_at, d.id",
    )
    .fetch_all(conn)
    .await?)
}

// ---- calendar feeds ---------------------------------------------------------------------------

/// Makes `token_hash` the member's feed, revoking any earlier one.
pub(crate) async fn replace_feed(
    conn: &mut AnyConnection,
    user: &str,
    token_hash: &[u8],
    now: i64,
) -> Result<(), Error> {
    revoke_feeds(&mut *conn, user, now).await?;
    sqlx::query("INSERT INTO calendar_feeds (token_hash, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(user)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn revoke_feeds<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
    now: i64,
) -> Result<u64, Error> {
    Ok(sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user)
    .execute(db)
    .await?
    .rows_affected())
}

/// Whose live feed has this token.
pub(crate) async fn feed_owner<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    token_hash: &[u8],
) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}
