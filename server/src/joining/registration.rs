//! Self-registration: someone who was not invited applies, and waits.
//!
//! A match with HR's records (the same email, or the same employee number with the name on
//! record, compared folded and without spaces) never lets anyone in by itself: it only tells the
//! relay where the real person can be reached. When the relay can send mail, it mails a
//! single-use link that expires to the address HR has on record; opening it ([`show_confirmation`],
//! [`confirm`]) proves the applicant holds that address, and only then does the application become
//! a member. Without mail, and for everyone HR does not know, an admin approves or rejects.
//!
//! The answer to an application is the same `202` whether or not the email is known, taken, or
//! already waiting, and costs the same password hash; any mail goes out after the answer. An
//! address that already has an account gets a mail saying so (never a second account). The
//! endpoint is budgeted per client address and overall, so walking employee numbers is slow and
//! the relay cannot be made to send mail without bound.

use axum::Extension;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tsunagu_core::api::{
    Application, ApplicationConfirmed, ApplicationReceived, ApplicationStatus,
    ApplicationToConfirm, Apply, ApplyLogged, AuditAction, ConfirmApplication, HrMatch, MatchedBy,
};
use tsunagu_core::search::fold;

use super::csv_import::{employee_number, is_email, parse_month};
use super::mail::{self, Mail};
use super::store::{self, StoredHr};
use super::{Admin, Joining, Newcomer, audit, field};
use crate::AppState;
use crate::auth;
use crate::client::{Anonymous, budget_key};
use crate::db;
use crate::error::{AppError, Error};

/// Confirmation links one imported leaver may be sent in a day, however many people apply as them.
const CONFIRMATIONS_PER_RECORD_PER_DAY: i64 = 3;

/// A name as compared with HR's: folded, without spaces.
fn name_key(name: &str) -> String {
    fold(name).chars().filter(|c| !c.is_whitespace()).collect()
}

/// The imported record that this applicant matches, if any (one nobody registered with yet).
async fn matching_record(
    conn: &mut sqlx::AnyConnection,
    application: &Application,
) -> Result<Option<(StoredHr, MatchedBy)>, Error> {
    if let Some(hr) = store::hr_by_email(&mut *conn, &application.email).await?
        && hr.user_id.is_none()
    {
        return Ok(Some((hr, MatchedBy::Email)));
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
            .map(|hr| (hr, MatchedBy::EmployeeNumberAndName)),
    )
}

/// What the relay mails once an application is stored (after answering).
#[derive(Debug)]
enum Follow {
    Nothing,
    /// The email already has an account: tell its owner, and nothing else happens.
    AlreadyMember {
        name: String,
        email: String,
    },
    /// The applicant matched HR's record: the link goes to the address HR has.
    Confirm {
        to_name: String,
        to_email: String,
        applicant: String,
        sign_in_email: String,
        token: String,
        expires_at: i64,
    },
}

/// `POST /api/applications`: always `202` [`ApplicationReceived`] for a well-formed application.
pub(crate) async fn apply(
    State(state): State<AppState>,
    Extension(joining): Extension<Joining>,
    Anonymous(ip): Anonymous,
    payload: Result<Json<Apply>, JsonRejection>,
) -> Result<Response, AppError> {
    if !state.applications_per_address.take(&budget_key(ip))
        || !state.applications_overall.take(&())
    {
        tracing::info!(%ip, "applications over budget");
        return Err(AppError::TooManyAttempts);
    }
    let Json(apply) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let month = |what: &str, value: Option<&str>| {
        let raw = field(value);
        parse_month(&raw).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{what}: cannot read the date {raw:?}; write 2019-04 or 2019年4月"
            ))
        })
    };
    let mut application = Application {
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
        hr_match: None,
        awaiting_confirmation: false,
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
    super::check_new_password(&apply.password)?;
    // Hashed whatever happens next, so the answer takes as long for a known email as for a new
    // one. An application that will not be stored (the email is taken) is hashed with the salt
    // a sign-in with its email is checked against, and remembered: signing in with it then says
    // that it waits, as for a stored one, so that neither tells whether the email was taken.
    let taken = {
        let mut conn = state.db.acquire().await?;
        store::user_id_by_email(&mut conn, &application.email)
            .await?
            .is_some()
            || store::pending_application_for(&mut conn, &application.email).await?
    };
    let like = if taken {
        crate::api::SignInTarget::of(&state, &application.email)
            .await?
            .hash()
            .map(str::to_owned)
    } else {
        None
    };
    let password_hash = auth::hash_like(&state, apply.password, like).await?;

    let mut tx = db::write_tx(&state.db).await?;
    let follow = if let Some(user) = store::user_id_by_email(&mut tx, &application.email).await? {
        store::insert_attempt(&mut tx, &application.email, &password_hash).await?;
        let name = db::user_by_id(&state.db, &user)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        Follow::AlreadyMember {
            name,
            email: application.email.clone(),
        }
    } else if store::pending_application_for(&mut tx, &application.email).await? {
        // The first application stands; a second with the same email changes nothing.
        store::insert_attempt(&mut tx, &application.email, &password_hash).await?;
        Follow::Nothing
    } else {
        let matched = matching_record(&mut tx, &application).await?;
        application.hr_match = matched.as_ref().map(|(hr, by)| HrMatch {
            hr_record_id: hr.id.clone(),
            name: hr.record.name.clone(),
            employee_number: hr.record.employee_number.clone(),
            by: *by,
        });
        store::insert_application(&mut tx, &application, Some(&password_hash)).await?;
        let follow = match &matched {
            Some((hr, _)) if joining.mailer.is_some() => {
                confirmation_link(&mut tx, &state, &application, hr).await?
            }
            _ => Follow::Nothing,
        };
        let detail = serde_json::to_string(&ApplyLogged {
            email: application.email.clone(),
            matched_by: matched.as_ref().map(|(_, by)| *by),
            confirmation_mailed: matches!(follow, Follow::Confirm { .. }),
        })
        .map_err(|e| Error::Corrupt(format!("an application's audit detail: {e}")))?;
        audit::record(&mut tx, None, AuditAction::Apply, &application.id, &detail).await?;
        follow
    };
    tx.commit().await?;
    if let Some(mailer) = joining.mailer.clone() {
        let sign_in_url = format!("{}/", joining.public_url);
        tokio::spawn(async move {
            let sent = match follow {
                Follow::Nothing => return,
                Follow::AlreadyMember { name, email } => {
                    mailer
                        .send(Mail {
                            to_name: &name,
                            to_email: &email,
                            subject: "アルムナイネットワークへの参加申請について / About your application",
                            body: mail::already_member_text(&name, &sign_in_url),
                            unsubscribe: None,
                        })
                        .await
                }
                Follow::Confirm {
                    to_name,
                    to_email,
                    applicant,
                    sign_in_email,
                    token,
                    expires_at,
                } => {
                    let link = format!("{sign_in_url}#/confirm/{token}");
                    mailer
                        .send(Mail {
                            to_name: &to_name,
                            to_email: &to_email,
                            subject: "参加申請の確認 / Please confirm your application",
                            body: mail::confirmation_text(
                                &to_name,
                                &applicant,
                                &sign_in_email,
                                &link,
                                expires_at,
                            ),
                            unsubscribe: None,
                        })
                        .await
                }
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "could not mail about an application");
            }
        });
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(ApplicationReceived {
            status: ApplicationStatus::Pending,
        }),
    )
        .into_response())
}

/// Stores a confirmation link for `application`, to mail to the address `hr` has, unless that
/// record was sent enough of them today (then the application waits for an admin).
async fn confirmation_link(
    tx: &mut sqlx::AnyConnection,
    state: &AppState,
    application: &Application,
    hr: &StoredHr,
) -> Result<Follow, Error> {
    let now = db::now();
    if store::confirmations_for_record_since(&mut *tx, &hr.id, now - 24 * 3600).await?
        >= CONFIRMATIONS_PER_RECORD_PER_DAY
    {
        return Ok(Follow::Nothing);
    }
    let (token, token_hash) = auth::new_token();
    let expires_at = now
        + i64::try_from(state.config.limits.confirmation_lifetime.as_secs())
            .unwrap_or(i64::MAX / 2);
    store::insert_confirmation(
        tx,
        &token_hash,
        &application.id,
        &hr.record.email,
        expires_at,
    )
    .await?;
    Ok(Follow::Confirm {
        to_name: hr.record.name.clone(),
        to_email: hr.record.email.clone(),
        applicant: application.name.clone(),
        sign_in_email: application.email.clone(),
        token,
        expires_at,
    })
}

/// The pending application a confirmation link is for, or why it cannot be used.
async fn confirmable(
    conn: &mut sqlx::AnyConnection,
    token_hash: &[u8],
) -> Result<store::StoredApplication, AppError> {
    let link = store::confirmation(&mut *conn, token_hash)
        .await?
        .ok_or(AppError::InvitationNotFound)?;
    let stored = store::application(conn, &link.application_id)
        .await?
        .ok_or(AppError::InvitationNotFound)?;
    // Whoever holds the link was mailed about this application: they are told kindly, not
    // that the link was "used" (an admin's rejection ends its links).
    if stored.application.status == ApplicationStatus::Rejected {
        return Err(AppError::ApplicationNotApproved);
    }
    super::link_usable(link.used_at, link.expires_at)?;
    if stored.application.status != ApplicationStatus::Pending {
        return Err(AppError::InvitationUsed);
    }
    Ok(stored)
}

/// `GET /api/applications/confirm/<token>`: whose application this is, before confirming.
pub(crate) async fn show_confirmation(
    State(state): State<AppState>,
    _caller: Anonymous,
    Path(token): Path<String>,
) -> Result<Json<ApplicationToConfirm>, AppError> {
    let mut conn = state.db.acquire().await?;
    let stored = confirmable(&mut conn, &auth::token_hash(&token)).await?;
    Ok(Json(ApplicationToConfirm {
        name: stored.application.name,
        email: stored.application.email,
    }))
}

/// `POST /api/applications/confirm`: the applicant holds the address HR has on record; the
/// application becomes a member, linked to that record. No session is opened here: the browser
/// that opened the mail need not be the applicant's, who signs in with their own password.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    _caller: Anonymous,
    payload: Result<Json<ConfirmApplication>, JsonRejection>,
) -> Result<Json<ApplicationConfirmed>, AppError> {
    let Json(ConfirmApplication { token }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let token_hash = auth::token_hash(&token);
    let mut tx = db::write_tx(&state.db).await?;
    let stored = confirmable(&mut tx, &token_hash).await?;
    let application = stored.application;
    let password_hash = stored.password_hash.ok_or_else(|| {
        Error::Corrupt(format!(
            "pending application {} has no password",
            application.id
        ))
    })?;
    let hr = match &application.hr_match {
        Some(m) => store::hr_by_id(&mut tx, &m.hr_record_id)
            .await?
            .filter(|h| h.user_id.is_none()),
        None => None,
    };
    // The record was taken meanwhile (an invitation, an admin's approval): this link is spent.
    let hr = hr.ok_or(AppError::InvitationUsed)?;
    let user = create_member_from(&mut tx, &application, Some(&hr), &password_hash).await?;
    store::decide_application(
        &mut tx,
        &application.id,
        ApplicationStatus::Approved,
        None,
        Some(&user),
    )
    .await?;
    audit::record(
        &mut tx,
        Some(&user),
        AuditAction::ConfirmApplication,
        &application.id,
        &application.email,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user, "an application was confirmed from the address HR has");
    Ok(Json(ApplicationConfirmed {
        email: application.email,
    }))
}

/// Creates the member an application describes, taking the months and department HR has on
/// record where there is one, and links that record to them.
async fn create_member_from(
    conn: &mut sqlx::AnyConnection,
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
    conn: &mut sqlx::AnyConnection,
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
    let hr = match &application.hr_match {
        Some(m) => store::hr_by_id(&mut tx, &m.hr_record_id)
            .await?
            .filter(|h| h.user_id.is_none()),
        None => None,
    };
    let user = create_member_from(&mut tx, &application, hr.as_ref(), &password_hash).await?;
    store::decide_application(
        &mut tx,
        &id,
        ApplicationStatus::Approved,
        Some(&admin.id),
        Some(&user),
    )
    .await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::Approve,
        &id,
        &application.email,
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
    store::decide_application(
        &mut tx,
        &id,
        ApplicationStatus::Rejected,
        Some(&admin.id),
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::Reject,
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
