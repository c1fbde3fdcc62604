//! Events on the relay (issue 4, docs/design.md §5): the HTTP calls around them and the relay's side
//! of seats, tickets, ID cards and calendars.
//!
//! An event is three documents the relay makes when it is created — the event (admins write it
//! over sync like any document), its roster and its check-in log — and a row in `events` with
//! what the relay decides on. Each member has an RSVP document they answer in (offline too) and
//! a passes document only the relay writes. The grant table in [`tsunagu_core::grants`] says who
//! reads and writes each; [`crate::access`] feeds it the event's facts for the member asking.
//!
//! When the relay accepts a change to an event or an RSVP document, it hands it to
//! [`reactions::Events`] (through [`crate::reactions`]) before acknowledging it, and so to
//! [`seating`]: seats are decided in the order answers arrive, tickets are issued, signed and
//! revoked, and each decision is written to the member's passes and the event's roster by a
//! [`crate::scribe::Scribe`], in the same transaction as the seat rows.
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/events` | [`NewEvent`] | [`EventRef`]: a draft for admins, a proposal from anyone else |
//! | `GET /api/events/{event}/ics` | — | the event as iCalendar, for members who may read it |
//! | `GET /api/events/{event}/attendees.csv` | — | attendees, check-ins and duplicates (admins and the event's staff) |
//! | `GET /api/events/{event}/venue-code` | — | [`tsunagu_core::api::VenueCodeResponse`]: the signed code for self check-in (admins and the event's staff) |
//! | `PUT /api/events/{event}/join-url` | `{ "url": "https://…" }` (empty clears) | 204; confirmed attendees' passes carry the link while the event is online (admins) |
//! | `POST /api/me/calendar` | — | [`tsunagu_core::api::CalendarFeed`]: a new feed URL (the earlier one stops working) |
//! | `DELETE /api/me/calendar` | — | 204; the feed stops working |
//! | `GET /ics/{token}.ics` | — | the member's events as iCalendar; the token is the credential |

mod arrivals;
pub(crate) mod authority;
mod chat;
mod doors;
mod feeds;
pub(crate) mod notices;
mod passes;
pub(crate) mod reactions;
mod report;
pub(crate) mod seating;
pub(crate) mod store;

use automerge::ActorId;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use sqlx::{AnyConnection, AnyPool};
use tsunagu_core::api::{AuditAction, EventRef, NewEvent};
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::event::{DEFAULT_TIME_ZONE, Event, EventStatus, Passes, Roster};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{PassAuthority, PassBody};
use tsunagu_core::vocab::{DocKind, Role};

use crate::AppState;
use crate::auth::SignedIn;
use crate::db::{self, DocumentRecord};
use crate::error::{AppError, Error};
use crate::{access, documents};

/// The routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/events", post(create))
        .route("/events/{event}/ics", get(feeds::event_ics))
        .route("/events/{event}/attendees.csv", get(report::attendees_csv))
        .route("/events/{event}/venue-code", get(doors::venue_code))
        .route("/events/{event}/chat", post(chat::open))
        .route("/events/{event}/join-url", put(doors::set_join_url))
        .route(
            "/events/{event}/attendees/{user}/release",
            post(doors::release_seat),
        )
        .route(
            "/me/calendar",
            post(feeds::new_feed).delete(feeds::revoke_feed),
        )
}

/// Routes outside `/api`: calendar apps poll the feed with no cookie.
pub(crate) fn public_routes() -> Router<AppState> {
    Router::new().route("/ics/{file}", get(feeds::feed))
}

/// Event `event` (its id as given in a path), for admins and the event's staff: 404 if there is
/// no such event, 403 for anyone else.
async fn event_for_staff(
    conn: &mut AnyConnection,
    user: &str,
    event: &str,
) -> Result<store::EventRow, AppError> {
    let missing = || AppError::Missing("no such event".into());
    let doc: DocumentId = event.parse().map_err(|_| missing())?;
    let row = store::event(&mut *conn, &doc).await?.ok_or_else(missing)?;
    let roles = db::roles(&mut *conn, user).await?;
    let staff = store::facts(&mut *conn, &doc, user)
        .await?
        .is_some_and(|f| f.staff);
    if !staff && !roles.contains(&Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// The longest title and description an event may be created with.
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 10_000;

/// `POST /api/events`: an admin's new draft, or anyone else's proposal.
async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<NewEvent>, JsonRejection>,
) -> Result<Json<EventRef>, AppError> {
    let Json(new) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let user = signed_in.user.id;
    let roles = db::roles(&state.db, &user).await?;
    let default_zone = db::organisation(&state.db)
        .await?
        .map_or_else(|| DEFAULT_TIME_ZONE.to_owned(), |org| org.time_zone);
    let mut event = new_event(&new, &default_zone).map_err(|e| AppError::BadRequest(e.into()))?;
    let is_admin = roles.contains(&Role::Admin);
    if !is_admin {
        event.status = EventStatus::Proposed.key().into();
    }
    let mut tx = db::write_tx(&state.db).await?;
    let actor = db::stored_relay_actor(&mut tx).await?;
    let row = create_documents(&mut tx, &actor, event).await?;
    store::insert_event(&mut tx, &row, &user, db::now()).await?;
    crate::joining::audit::record(
        &mut tx,
        Some(&user),
        if is_admin {
            AuditAction::CreateEvent
        } else {
            AuditAction::ProposeEvent
        },
        &row.doc.to_string(),
        &row.event.title,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user, event = %row.doc, status = %row.event.status, "event created");
    // Answered with what the grant table lets them read: a proposer reads their proposal (not
    // its roster or check-ins), and only staff and admins read a roster.
    let readable = |kind: DocKind, doc: DocumentId| {
        let record = DocumentRecord {
            kind: kind.key().into(),
            owner: None,
            owner_listed: false,
            event: None,
            conversation: None,
            news: None,
        };
        access::access(&user, &roles, Some(&record)).map(|_| doc)
    };
    Ok(Json(EventRef {
        event: row.doc,
        roster: readable(DocKind::EventRoster, row.roster),
        checkins: readable(DocKind::EventCheckins, row.checkins),
    }))
}

/// The event a [`NewEvent`] describes, as a draft (in `default_zone`, the organisation's, unless
/// it names one); or why it cannot be one.
fn new_event(new: &NewEvent, default_zone: &str) -> Result<Event, &'static str> {
    let title = new.title.trim();
    if title.is_empty() {
        return Err("an event needs a title");
    }
    if title.chars().count() > MAX_TITLE_CHARS
        || new.description.chars().count() > MAX_DESCRIPTION_CHARS
    {
        return Err("the title or description is too long");
    }
    if new.starts_at <= 0 || new.ends_at < new.starts_at {
        return Err("an event ends after it starts");
    }
    let zone = new.time_zone.trim();
    let zone_ok = zone.len() <= 64
        && zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    if !zone_ok {
        return Err("not a time zone name");
    }
    let mut event = Event::draft(title, new.starts_at);
    event.description.clone_from(&new.description);
    event.ends_at = new.ends_at;
    event.time_zone = if zone.is_empty() {
        default_zone.into()
    } else {
        zone.into()
    };
    Ok(event)
}

/// Makes an event's check-in log, roster and event document, as the relay.
async fn create_documents(
    conn: &mut AnyConnection,
    actor: &ActorId,
    event: Event,
) -> Result<store::EventRow, Error> {
    let checkins = documents::create(conn, actor, DocKind::EventCheckins, None, |tx| {
        CheckinLog::create(tx)
    })
    .await?;
    let roster = Roster {
        checkins: checkins.to_string(),
        ..Roster::default()
    };
    let roster = documents::create(conn, actor, DocKind::EventRoster, None, |tx| {
        roster.write_to(tx)
    })
    .await?;
    let doc = documents::create(conn, actor, DocKind::Event, None, |tx| event.write_to(tx)).await?;
    Ok(store::EventRow {
        doc,
        roster,
        checkins,
        sequence: 0,
        event,
        updated_at: db::now(),
        join_url: String::new(),
    })
}

/// Every event `user` may read, judged by the grant table exactly as the relay judges each
/// document they ask for, with its roster and check-in log where they may read those.
pub(crate) async fn readable_events(
    pool: &AnyPool,
    user: &str,
    roles: &[Role],
) -> Result<Vec<EventRef>, Error> {
    let mut readable = Vec::new();
    for ([event, roster, checkins], facts) in store::events_with_facts(pool, user).await? {
        let may_read = |kind: DocKind| {
            let record = DocumentRecord {
                kind: kind.key().into(),
                owner: None,
                owner_listed: false,
                event: Some(facts),
                conversation: None,
                news: None,
            };
            access::access(user, roles, Some(&record)).is_some()
        };
        if may_read(DocKind::Event) {
            readable.push(EventRef {
                event,
                roster: may_read(DocKind::EventRoster).then_some(roster),
                checkins: may_read(DocKind::EventCheckins).then_some(checkins),
            });
        }
    }
    Ok(readable)
}

/// Signs `user`'s ID card again if the one in their passes document is missing or more than a
/// day old. Checked against storage first, so the relay is locked only to write.
pub(crate) async fn refresh_card(
    state: &AppState,
    user: &str,
    passes: Option<DocumentId>,
) -> Result<(), Error> {
    let Some(passes) = passes else {
        return Ok(());
    };
    let doc = db::stored_document(&state.db, &passes).await?;
    let card = Passes::read(&doc).map(|p| p.card).unwrap_or_default();
    let revoked_before = match db::organisation_doc(&state.db).await? {
        Some(org) => {
            let org = db::stored_document(&state.db, &org).await?;
            PassAuthority::read(&org).revoked_cards.get(user).copied()
        }
        None => None,
    };
    // A card signed by a key that is no longer current, or revoked, is signed again too.
    let fresh = match tsunagu_core::pass::read(&card, &state.passes.current().verifying_key()) {
        Ok(PassBody::Card(card)) => {
            card.member == user
                && card.not_before > db::now() - passes::CARD_REFRESH_SECS
                && revoked_before.is_none_or(|until| card.not_before > until)
        }
        _ => false,
    };
    if !fresh {
        state
            .relay
            .lock()
            .await
            .write(reactions::IssueCard(user))
            .await?;
    }
    Ok(())
}
