//! The Members screen's calls: one list of everyone (members, imported leavers, invitations,
//! applications) to search and filter, and what an admin does to a member: roles, suspension,
//! devices. Each change is written with its audit entry in one transaction; what the relay must
//! do to live sockets (close a suspended member's, a revoked device's) follows the commit.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tsunagu_core::api::{AdminSummary, AuditAction, DeviceInfo, Member, MemberStatus, SetRoles};
use tsunagu_core::search::fold;
use tsunagu_core::vocab::Role;

use super::tenure::Years;
use super::{Admin, audit, store};
use crate::AppState;
use crate::db;
use crate::error::AppError;
use crate::events::authority::Change;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MemberFilter {
    /// Words that must all appear in the name, reading, email or employee number.
    q: Option<String>,
    /// A [`MemberStatus`] key.
    status: Option<String>,
    /// A [`Role`] key: members holding it.
    role: Option<String>,
}

/// `GET /api/admin/members?q=&status=&role=`.
pub(crate) async fn members(
    State(state): State<AppState>,
    _admin: Admin,
    Query(filter): Query<MemberFilter>,
) -> Result<Json<Vec<Member>>, AppError> {
    let blank = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let status = blank(&filter.status)
        .map(|key| {
            MemberStatus::from_key(&key).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "status {key:?}: write imported, invited, pending, active or suspended"
                ))
            })
        })
        .transpose()?;
    let role = blank(&filter.role)
        .map(|key| {
            Role::from_key(&key)
                .ok_or_else(|| AppError::BadRequest(format!("no role is called {key:?}")))
        })
        .transpose()?;
    let words: Vec<String> = fold(&filter.q.unwrap_or_default())
        .split_whitespace()
        .map(str::to_owned)
        .collect();

    let everyone = everyone(&state).await?;
    Ok(Json(
        everyone
            .into_iter()
            .filter(|m| status.is_none_or(|s| m.status == s))
            .filter(|m| role.is_none_or(|r| m.roles.contains(&r)))
            .filter(|m| {
                let haystack = fold(&format!(
                    "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                    m.name, m.reading, m.email, m.employee_number
                ));
                let squeezed: String = haystack.chars().filter(|c| *c != ' ').collect();
                words
                    .iter()
                    .all(|w| haystack.contains(w.as_str()) || squeezed.contains(w.as_str()))
            })
            .collect(),
    ))
}

/// Members first (in the order they joined), then imported leavers, then applications.
async fn everyone(state: &AppState) -> Result<Vec<Member>, AppError> {
    let mut conn = state.db.acquire().await?;
    let accounts = store::accounts(&mut conn).await?;
    let records = store::all_hr_records(&mut conn).await?;
    let invitations = store::outstanding_invitations(&mut conn).await?;
    let applications = store::applications(
        &mut conn,
        Some(tsunagu_core::api::ApplicationStatus::Pending),
    )
    .await?;
    drop(conn);
    let profiles = state.profile_years.of_members(&state.db).await?;
    let mut list = Vec::new();
    for account in accounts {
        let hr = records
            .iter()
            .find(|r| r.user_id.as_deref() == Some(&account.id));
        let profile = profiles.get(&account.id);
        // HR's record where it says something, else what their profile holds.
        let hr_field = |f: fn(&store::StoredHr) -> &str, p: fn(&Years) -> &str| {
            hr.map(f)
                .filter(|v| !v.is_empty())
                .or_else(|| profile.map(p))
                .unwrap_or_default()
                .to_owned()
        };
        list.push(Member {
            status: if account.status == "suspended" {
                MemberStatus::Suspended
            } else {
                MemberStatus::Active
            },
            hr_record_id: hr.map(|r| r.id.clone()),
            application_id: None,
            name: account.display_name,
            reading: hr_field(|r| &r.record.reading, |p| &p.reading),
            email: account.email,
            employee_number: hr_field(|r| &r.record.employee_number, |_| ""),
            joined: hr_field(|r| &r.record.joined, |p| &p.joined),
            left: hr_field(|r| &r.record.left, |p| &p.left),
            department: hr_field(|r| &r.record.department, |p| &p.department),
            roles: account
                .roles
                .iter()
                .filter_map(|r| Role::from_key(r))
                .collect(),
            devices: u32::try_from(account.devices).unwrap_or(0),
            invitation_expires_at: None,
            user_id: Some(account.id),
        });
    }
    for hr in records.into_iter().filter(|r| r.user_id.is_none()) {
        let expires = invitations
            .iter()
            .find(|(id, _)| *id == hr.id)
            .map(|(_, at)| *at);
        list.push(Member {
            status: if expires.is_some() {
                MemberStatus::Invited
            } else {
                MemberStatus::Imported
            },
            user_id: None,
            hr_record_id: Some(hr.id),
            application_id: None,
            name: hr.record.name,
            reading: hr.record.reading,
            email: hr.record.email,
            employee_number: hr.record.employee_number,
            joined: hr.record.joined,
            left: hr.record.left,
            department: hr.record.department,
            roles: Vec::new(),
            devices: 0,
            invitation_expires_at: expires,
        });
    }
    for a in applications {
        list.push(Member {
            status: MemberStatus::Pending,
            user_id: None,
            hr_record_id: None,
            application_id: Some(a.id),
            name: a.name,
            reading: a.reading,
            email: a.email,
            employee_number: a.employee_number,
            joined: a.joined,
            left: a.left,
            department: a.department,
            roles: Vec::new(),
            devices: 0,
            invitation_expires_at: None,
        });
    }
    Ok(list)
}

/// `GET /api/admin/summary`: what waits for an admin, for the badges on the admin tabs.
pub(crate) async fn summary(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<AdminSummary>, AppError> {
    let pending = store::count_pending_applications(&mut *state.db.acquire().await?).await?;
    Ok(Json(AdminSummary {
        pending_applications: u32::try_from(pending).unwrap_or(u32::MAX),
    }))
}

/// The status of a member an admin names (`active` or `suspended`), or 404.
async fn member_status(conn: &mut sqlx::AnyConnection, user: &str) -> Result<String, AppError> {
    store::user_status(conn, user)
        .await?
        .filter(|s| s == "active" || s == "suspended")
        .ok_or_else(|| AppError::Missing(format!("no member has the id {user:?}")))
}

/// `PUT /api/admin/members/<user id>/roles`.
pub(crate) async fn set_roles(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(user): Path<String>,
    payload: Result<Json<SetRoles>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(SetRoles { mut roles }) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    roles.sort_unstable();
    roles.dedup();
    if roles.is_empty() {
        return Err(AppError::BadRequest(
            "a member holds at least one role".into(),
        ));
    }
    if user == admin.id && !roles.contains(&Role::Admin) {
        return Err(AppError::Conflict(
            "you cannot take away your own admin role; ask another admin".into(),
        ));
    }
    let mut tx = db::write_tx(&state.db).await?;
    member_status(&mut tx, &user).await?;
    let before = db::roles(&state.db, &user).await?;
    let keys: Vec<&str> = roles.iter().map(|r| r.key()).collect();
    store::set_roles(&mut tx, &user, &keys).await?;
    let before: Vec<&str> = before.iter().map(|r| r.key()).collect();
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::Roles,
        &user,
        &format!("{} → {}", before.join(", "), keys.join(", ")),
    )
    .await?;
    tx.commit().await?;
    // Nothing more is decided on the roles they held: their sockets reconnect with these.
    state.relay.lock().await.member_changed(&user).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/admin/members/<user id>/suspend`: they can no longer sign in, their sessions end and
/// their sockets close, and their profile leaves the directory. Their data is kept.
pub(crate) async fn suspend(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    if user == admin.id {
        return Err(AppError::Conflict("you cannot suspend yourself".into()));
    }
    let mut tx = db::write_tx(&state.db).await?;
    if member_status(&mut tx, &user).await? == "suspended" {
        return Ok(StatusCode::NO_CONTENT);
    }
    store::set_user_status(&mut tx, &user, "suspended").await?;
    let sessions = store::revoke_sessions_of(&mut tx, &user, None).await?;
    audit::record(&mut tx, Some(&admin.id), AuditAction::Suspend, &user, "").await?;
    tx.commit().await?;
    let mut relay = state.relay.lock().await;
    for session in &sessions {
        relay.sign_out(session).await;
    }
    // Their profile leaves every reader's phone at once, and their ID cards are revoked.
    relay.owner_changed(&user).await;
    relay.write(Change::RevokeCards(&user)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/admin/members/<user id>/reactivate`: they may sign in again.
pub(crate) async fn reactivate(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    if member_status(&mut tx, &user).await? == "active" {
        return Ok(StatusCode::NO_CONTENT);
    }
    store::set_user_status(&mut tx, &user, "active").await?;
    audit::record(&mut tx, Some(&admin.id), AuditAction::Reactivate, &user, "").await?;
    tx.commit().await?;
    state.relay.lock().await.owner_changed(&user).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/admin/members/<user id>/devices`.
pub(crate) async fn devices(
    State(state): State<AppState>,
    _admin: Admin,
    Path(user): Path<String>,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    member_status(&mut *state.db.acquire().await?, &user).await?;
    let devices = db::devices_of(&state.db, &user).await?;
    Ok(Json(devices.into_iter().map(|d| d.info(None)).collect()))
}

/// `DELETE /api/admin/devices/<id>`: revokes anyone's device; if it is connected it is told to
/// wipe itself and cut off at once, as when its member revokes it.
pub(crate) async fn revoke_device(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let device = db::device(&state.db, &id)
        .await?
        .ok_or_else(|| AppError::Missing(format!("no device has the id {id:?}")))?;
    crate::devices::cut_off(&state, &device, &admin.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/admin/hr-records/<id>`: forgets an imported person who has not registered (an
/// import mistake, or they asked not to be contacted), with their invitations.
pub(crate) async fn delete_hr_record(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    let hr = store::hr_by_id(&mut tx, &id)
        .await?
        .ok_or_else(|| AppError::Missing(format!("no imported person has the id {id:?}")))?;
    if !store::delete_unregistered_hr_record(&mut tx, &id).await? {
        return Err(AppError::Conflict(
            "they have registered; suspend the member instead".into(),
        ));
    }
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::DeleteHrRecord,
        &id,
        &hr.record.email,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
