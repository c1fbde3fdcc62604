//! Events as iCalendar ([`tsunagu_core::ics`]): one event for "add to calendar", and each
//! member's personal feed, which calendar apps poll with no cookie — the secret token in its URL
//! is the credential, so only its SHA-256 is stored and a new feed revokes the old one.
//!
//! A feed holds the events where the member holds a seat or waits for one, and those cancelled
//! after they said they were going (shown `STATUS:CANCELLED`, so the calendar app drops them).
//! An event's `SEQUENCE` grows with every edit attendees would want to know of
//! ([`super::seating::event_changed`]), so calendar apps replace their copy.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, HOST};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tsunagu_core::api::CalendarFeed;
use tsunagu_core::event::{EventStatus, SeatStatus};
use tsunagu_core::ics::{CalendarEvent, calendar};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::{DocKind, Role};

use super::store::{self, EventRow};
use crate::AppState;
use crate::access;
use crate::auth::{self, SignedIn};
use crate::client::{ClientAddr, budget_key};
use crate::db::{self, DocumentRecord};
use crate::error::{AppError, Error};

/// `GET /api/events/{event}/ics`.
pub(super) async fn event_ics(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Path(event): Path<String>,
) -> Result<Response, AppError> {
    let user = signed_in.user.id;
    let roles = db::roles(&state.db, &user).await?;
    let row = readable_event(&state, &user, &roles, &event)
        .await?
        .ok_or_else(|| AppError::Missing("no such event".into()))?;
    let entry = Entry::of(&row, &uid_host(&state), &base_url(&state, &headers));
    let body = calendar(&row.event.title, &[entry.event(&row)], db::now())
        .map_err(|e| Error::Corrupt(format!("event {}: {e}", row.doc)))?;
    Ok(ics_response(body, "event.ics"))
}

/// `POST /api/me/calendar`: a new feed URL; the earlier one stops working.
pub(super) async fn new_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
) -> Result<Json<CalendarFeed>, AppError> {
    let user = signed_in.user.id;
    let (token, token_hash) = auth::new_token();
    let mut tx = db::write_tx(&state.db).await?;
    store::replace_feed(&mut tx, &user, &token_hash, db::now()).await?;
    tx.commit().await?;
    tracing::info!(%user, "new calendar feed");
    Ok(Json(CalendarFeed {
        url: format!("{}/ics/{token}.ics", base_url(&state, &headers)),
    }))
}

/// `DELETE /api/me/calendar`.
pub(super) async fn revoke_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<StatusCode, AppError> {
    let user = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    store::revoke_feeds(&mut *tx, &user, db::now()).await?;
    tx.commit().await?;
    tracing::info!(%user, "calendar feed revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /ics/{token}.ics`. Every failure is the same 404, so a guessed token learns nothing;
/// each one spends the caller's address budget ([`crate::Limits::unauthenticated_per_address`]),
/// while polls of a live feed do not (calendar services poll many members' feeds from a few
/// addresses).
pub(super) async fn feed(
    State(state): State<AppState>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let missing = || {
        if state.anonymous.take(&budget_key(ip)) {
            AppError::Missing("no such calendar".into())
        } else {
            AppError::TooManyAttempts
        }
    };
    let token = file.strip_suffix(".ics").ok_or_else(missing)?;
    let user = store::feed_owner(&state.db, &auth::token_hash(token))
        .await?
        .ok_or_else(missing)?;
    let member = db::user_by_id(&state.db, &user)
        .await?
        .filter(|u| u.active)
        .ok_or_else(missing)?;
    let roles = db::roles(&state.db, &user).await?;
    let mut rows = Vec::new();
    for (event, seat) in store::seats_of(&state.db, &user).await? {
        let Some(row) = readable_event(&state, &user, &roles, &event.to_string()).await? else {
            continue;
        };
        let holds = matches!(seat.status, SeatStatus::Confirmed | SeatStatus::Waiting);
        let called_off = row.event.status() == EventStatus::Cancelled && seat.going;
        if holds || called_off {
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| (r.event.starts_at, r.doc.to_string()));
    let (host, base) = (uid_host(&state), base_url(&state, &headers));
    let entries: Vec<Entry> = rows
        .iter()
        .map(|row| Entry::of(row, &host, &base))
        .collect();
    let events: Vec<CalendarEvent<'_>> = entries
        .iter()
        .zip(&rows)
        .map(|(entry, row)| entry.event(row))
        .collect();
    let name = format!("{} events", member.organisation);
    let body = calendar(&name, &events, db::now())
        .map_err(|e| Error::Corrupt(format!("calendar feed: {e}")))?;
    Ok(ics_response(body, "tsunagu.ics"))
}

/// The event `event` names, if it exists and `user` may read it.
async fn readable_event(
    state: &AppState,
    user: &str,
    roles: &[Role],
    event: &str,
) -> Result<Option<EventRow>, Error> {
    let Ok(doc) = event.parse::<DocumentId>() else {
        return Ok(None);
    };
    let mut conn = state.db.acquire().await?;
    let Some(row) = store::event(&mut conn, &doc).await? else {
        return Ok(None);
    };
    let record = DocumentRecord {
        kind: DocKind::Event.key().into(),
        owner: None,
        owner_listed: false,
        event: store::facts(&mut *conn, &doc, user).await?,
        conversation: None,
        news: None,
    };
    Ok(access::access(user, roles, Some(&record)).map(|_| row))
}

/// What a calendar entry says beyond the event itself, owned so the entry can borrow it.
#[derive(Debug)]
struct Entry {
    uid: String,
    url: String,
    location: Option<String>,
}

impl Entry {
    fn of(row: &EventRow, host: &str, base: &str) -> Self {
        let venue = &row.event.venue;
        let place = [venue.name.as_str(), venue.address.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        // The join link of an online event goes to confirmed attendees only, with their ticket.
        let location = if row.event.online {
            Some("Online".to_owned())
        } else {
            (!place.is_empty()).then_some(place)
        };
        Self {
            uid: format!("{}@{host}", row.doc),
            url: format!("{base}/events/{}", row.doc),
            location,
        }
    }

    fn event<'a>(&'a self, row: &'a EventRow) -> CalendarEvent<'a> {
        let e = &row.event;
        CalendarEvent {
            uid: &self.uid,
            title: &e.title,
            description: &e.description,
            starts_at: e.starts_at,
            ends_at: e.ends_at.max(e.starts_at),
            time_zone: &e.time_zone,
            location: self.location.as_deref(),
            url: Some(&self.url),
            sequence: row.sequence,
            cancelled: e.status() == EventStatus::Cancelled,
            updated_at: row.updated_at,
        }
    }
}

/// Where members open the app: the configured public URL, else the host they called.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| state.config.addr.to_string(), str::to_owned);
    format!("http://{host}")
}

/// The domain part of event UIDs: stable whichever address a calendar app polls.
fn uid_host(state: &AppState) -> String {
    state
        .config
        .public_url
        .as_deref()
        .and_then(|url| url.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|host| !host.is_empty())
        .unwrap_or("tsunagu")
        .to_owned()
}

fn ics_response(body: String, file: &str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, format!("inline; filename=\"{file}\"")),
            (CACHE_CONTROL, "private, no-cache".to_owned()),
        ],
        body,
    )
        .into_response()
}
