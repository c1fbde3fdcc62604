//! Self-registration: someone who was not invited applies. When HR already imported them (same
//! email, or same employee number and name) they are let in at once and signed in; otherwise
//! their application waits for an admin, who approves (the member is created) or rejects it.
//!
//! An employee number alone does not let anyone in: numbers are short and often guessable, so
//! it must come with the name HR has on record (compared folded, spaces ignored).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tsunagu_core::api::{Application, ApplicationReceived, ApplicationStatus, Apply};
use tsunagu_core::search::fold;

use super::csv_import::{employee_number, is_email, parse_month};
use super::store::{self, StoredHr};
use super::{Admin, Newcomer, audit, field};
use crate::AppState;
use crate::db;
use crate::error::{AppError, Error};

/// A name as compared with HR's: folded, without spaces.
fn name_key(name: &str) -> String {
    fold(name).chars().filter(|c| !c.is_whitespace()).collect()
}

/// The imported record that lets this applicant in, if any.
async fn matching_record(
    conn: &mut sqlx::SqliteConnection,
    application: &Application,
) -> Result<Option<(StoredHr, &'static str)>, Error> {
    if let Some(hr) = store::hr_by_email(&mut *conn, &application.email).await?
        && hr.user_id.is_none()
    {
        return Ok(Some((hr, "email")));
    }
    if application.employee_number.is_empty() {
        return Ok(None);
    }
    Ok(
        store::hr_by_employee_number(conn, &application.employee_number)
            .await?
            .filter(|hr| {
                hr.user_id.is_none() && name_key(&hr.record.name) == name_key(&application.name)
            })
            .map(|hr| (hr, "employee number and name")),
    )
}

/// `POST /api/applications`: 200 with [`tsunagu_core::api::Me`] and the session cookie when let
/// in at once, 202 [`ApplicationReceived`] when it waits for an admin.
pub(crate) async fn apply(
    State(state): State<AppState>,
    payload: Result<Json<Apply>, JsonRejection>,
) -> Result<Response, AppError> {
    let Json(apply) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let month = |what: &str, value: Option<&str>| {
        let raw = field(value);
        parse_month(&raw).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{what}: cannot read the date {raw:?}; write 2019-04 or 2019年4月"
            ))
        })
    };
    let application = Application {
        id: super::new_id("application"),
        email: field(Some(&apply.email)).to_lowercase(),
        name: field(Some(&apply.name)),
        reading: field(Some(&apply.reading)),
        employee_number: employee_number(&field(apply.employee_number.as_deref())),
        joined: month("joined", apply.joined.as_deref())?,
        left: month("left", apply.left.as_deref())?,
        department: field(apply.department.as_deref()),
        note: field(apply.note.as_deref()),
        status: ApplicationStatus::Pending,
        created_at: db::now(),
        decided_at: None,
        user_id: None,
    };
    if application.name.is_empty() {
        return Err(AppError::BadRequest("the name is missing".into()));
    }
    if !is_email(&application.email) {
        return Err(AppError::BadRequest(format!(
            "{:?} is not an email address",
            application.email
        )));
    }
    {
        let mut conn = state.db.acquire().await?;
        if store::user_id_by_email(&mut conn, &application.email)
            .await?
            .is_some()
            || store::pending_application_for(&mut conn, &application.email).await?
        {
            return Err(AppError::EmailUnavailable);
        }
    }
    let password_hash = super::hash_new_password(apply.password).await?;

    let mut tx = db::write_tx(&state.db).await?;
    let Some((hr, matched_by)) = matching_record(&mut tx, &application).await? else {
        store::insert_application(&mut tx, &application, Some(&password_hash)).await?;
        audit::record(&mut tx, None, "apply", &application.id, &application.email).await?;
        tx.commit().await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(ApplicationReceived {
                status: ApplicationStatus::Pending,
            }),
        )
            .into_response());
    };
    let user = create_member_from(&mut tx, &application, Some(&hr), &password_hash).await?;
    let application = Application {
        status: ApplicationStatus::Approved,
        decided_at: Some(db::now()),
        user_id: Some(user.clone()),
        ..application
    };
    store::insert_application(&mut tx, &application, None).await?;
    audit::record(
        &mut tx,
        None,
        "auto-approve",
        &application.id,
        &format!(
            "{} matched imported record {} by {matched_by}; member {user}",
            application.email, hr.id
        ),
    )
    .await?;
    tx.commit().await?;
    let (cookie, me) = super::sign_in_new_member(&state, &user).await?;
    Ok(([cookie], Json(me)).into_response())
}

/// Creates the member an application describes, taking the months and department HR has on
/// record where there is one, and links that record to them.
async fn create_member_from(
    conn: &mut sqlx::SqliteConnection,
    application: &Application,
    hr: Option<&StoredHr>,
    password_hash: &str,
) -> Result<String, AppError> {
    let from_hr = |ours: &str, theirs: fn(&StoredHr) -> &str| -> String {
        hr.map(theirs)
            .filter(|v| !v.is_empty())
            .unwrap_or(ours)
            .to_owned()
    };
    let reading = if application.reading.is_empty() {
        from_hr("", |h| &h.record.reading)
    } else {
        application.reading.clone()
    };
    let user = super::create_member(
        &mut *conn,
        &Newcomer {
            email: &application.email,
            password_hash,
            display_name: &application.name,
            reading: &reading,
            joined: &from_hr(&application.joined, |h| &h.record.joined),
            left: &from_hr(&application.left, |h| &h.record.left),
            department: &from_hr(&application.department, |h| &h.record.department),
        },
    )
    .await?;
    if let Some(hr) = hr {
        store::link_hr_record(conn, &hr.id, &user).await?;
    }
    Ok(user)
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusFilter {
    status: Option<String>,
}

/// `GET /api/admin/applications?status=pending`.
pub(crate) async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    Query(filter): Query<StatusFilter>,
) -> Result<Json<Vec<Application>>, AppError> {
    let status = match filter.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(key) => Some(ApplicationStatus::from_key(key).ok_or_else(|| {
            AppError::BadRequest(format!(
                "status {key:?}: write pending, approved or rejected"
            ))
        })?),
    };
    let mut conn = state.db.acquire().await?;
    Ok(Json(store::applications(&mut conn, status).await?))
}

async fn pending(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
) -> Result<store::StoredApplication, AppError> {
    let stored = store::application(conn, id)
        .await?
        .ok_or_else(|| AppError::Missing(format!("no application has the id {id:?}")))?;
    if stored.application.status != ApplicationStatus::Pending {
        return Err(AppError::Conflict(format!(
            "this application was already {}",
            stored.application.status.key()
        )));
    }
    Ok(stored)
}

/// `POST /api/admin/applications/<id>/approve`: creates the member (they sign in with the
/// password they applied with).
pub(crate) async fn approve(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Application>, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    let stored = pending(&mut tx, &id).await?;
    let password_hash = stored
        .password_hash
        .ok_or_else(|| Error::Corrupt(format!("pending application {id} has no password")))?;
    let application = stored.application;
    let hr = store::hr_by_email(&mut tx, &application.email)
        .await?
        .filter(|h| h.user_id.is_none());
    let user = create_member_from(&mut tx, &application, hr.as_ref(), &password_hash).await?;
    store::decide_application(
        &mut tx,
        &id,
        ApplicationStatus::Approved,
        &admin.id,
        Some(&user),
    )
    .await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        "approve",
        &id,
        &format!("{}; member {user}", application.email),
    )
    .await?;
    let decided = store::application(&mut tx, &id)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("application {id} vanished")))?;
    tx.commit().await?;
    Ok(Json(decided.application))
}

/// `POST /api/admin/applications/<id>/reject`.
pub(crate) async fn reject(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Json<Application>, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    let stored = pending(&mut tx, &id).await?;
    store::decide_application(&mut tx, &id, ApplicationStatus::Rejected, &admin.id, None).await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        "reject",
        &id,
        &stored.application.email,
    )
    .await?;
    let decided = store::application(&mut tx, &id)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("application {id} vanished")))?;
    tx.commit().await?;
    Ok(Json(decided.application))
}
