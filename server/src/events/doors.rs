//! What the relay hands out for getting in: the venue's signed code for self check-in (to
//! admins and the event's staff, who print it or show it at the door), and the link to join an
//! online event (set by admins, given to confirmed attendees only, in their passes).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tsunagu_core::api::VenueCodeResponse;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{PassBody, VenueCode};
use tsunagu_core::vocab::Role;

use super::reactions::{ReleaseSeat, SetJoinUrl};
use super::{event_for_staff, store};
use crate::AppState;
use crate::auth::SignedIn;
use crate::db;
use crate::error::{AppError, Error};

/// The longest join link taken, in bytes.
pub(crate) const MAX_JOIN_URL_BYTES: usize = 2048;

/// `GET /api/events/{event}/venue-code`: valid over the same window as the event's tickets.
pub(super) async fn venue_code(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(event): Path<String>,
) -> Result<Json<VenueCodeResponse>, AppError> {
    let mut conn = state.db.acquire().await?;
    let row = event_for_staff(&mut conn, &signed_in.user.id, &event).await?;
    drop(conn);
    let (not_before, not_after) = row.event.admission_window();
    let code = VenueCode {
        event: row.doc.to_string(),
        not_before,
        not_after,
    };
    let code = state
        .passes
        .current()
        .sign(&PassBody::Venue(code))
        .map_err(|e| Error::Corrupt(format!("signing the venue code of {}: {e}", row.doc)))?;
    Ok(Json(VenueCodeResponse { code }))
}

/// The body of `PUT /api/events/{event}/join-url`; an empty `url` clears the link.
#[derive(Debug, Deserialize)]
pub(super) struct JoinUrl {
    url: String,
}

/// `PUT /api/events/{event}/join-url` (admins): answered 204 once confirmed attendees' passes
/// carry it (if the event is held online).
pub(super) async fn set_join_url(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(event): Path<String>,
    payload: Result<Json<JoinUrl>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let user = signed_in.user.id;
    if !db::roles(&state.db, &user).await?.contains(&Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let Json(JoinUrl { url }) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let url = join_url(&url).map_err(|e| AppError::BadRequest(e.into()))?;
    let missing = || AppError::Missing("no such event".into());
    let doc: DocumentId = event.parse().map_err(|_| missing())?;
    let mut conn = state.db.acquire().await?;
    store::event(&mut conn, &doc).await?.ok_or_else(missing)?;
    drop(conn);
    state
        .relay
        .lock()
        .await
        .write(SetJoinUrl {
            event: doc,
            url: &url,
            by: &user,
        })
        .await?;
    tracing::info!(%user, event = %doc, cleared = url.is_empty(), "join link set");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/events/{event}/attendees/{user}/release`: the event's staff or an admin gives up a
/// member's seat or place on the waiting list for them; the next in line is promoted.
pub(super) async fn release_seat(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((event, member)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let by = signed_in.user.id;
    let mut conn = state.db.acquire().await?;
    let doc = event_for_staff(&mut conn, &by, &event).await?.doc;
    let holds = store::seat(&mut conn, &doc, &member)
        .await?
        .is_some_and(|seat| super::seating::attends(seat.status));
    drop(conn);
    if !holds {
        return Err(AppError::Conflict(
            "this member holds no seat or place for the event".into(),
        ));
    }
    state
        .relay
        .lock()
        .await
        .write(ReleaseSeat {
            event: doc,
            user: &member,
            by: &by,
        })
        .await?;
    tracing::info!(%by, event = %doc, %member, "seat released by staff");
    Ok(StatusCode::NO_CONTENT)
}

/// The link as stored: trimmed, an http or https URL with a host, or empty; or why not.
fn join_url(given: &str) -> Result<String, &'static str> {
    let given = given.trim();
    if given.is_empty() {
        return Ok(String::new());
    }
    if given.len() > MAX_JOIN_URL_BYTES {
        return Err("the join link is too long");
    }
    let parsed = url::Url::parse(given).map_err(|_| "the join link is not a web address")?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none_or(str::is_empty) {
        return Err("the join link must start with https:// or http://");
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_link_is_a_web_address_or_nothing() {
        assert_eq!(
            join_url(" https://meet.example.com/abc-defg "),
            Ok("https://meet.example.com/abc-defg".into())
        );
        assert_eq!(join_url("  "), Ok(String::new()));
        assert!(join_url("javascript:alert(1)").is_err());
        assert!(join_url("meet.example.com/abc").is_err());
        assert!(join_url("ftp://example.com/").is_err());
        let long = format!("https://example.com/{}", "a".repeat(MAX_JOIN_URL_BYTES));
        assert!(join_url(&long).is_err());
    }
}
