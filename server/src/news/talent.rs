//! The talent pool (issue 13, docs/design.md §13) for those who post job openings (admins,
//! recruiters): alumni who said they are open to coming back (rehire) or to working with the
//! company again (collaboration), found by skills, departments, years and place, with how
//! engaged each is, a shortlist the recruiters share, and a CSV export.
//!
//! - `GET /api/talent?<query>` ([`TalentQuery`]): the most recently active first ([`TalentPool`]).
//! - `GET /api/talent.csv?<query>&lang=`: every one of them, for Excel.
//! - `PUT`, `DELETE /api/talent/shortlist/<user id>`: on or off the shortlist (audited).
//!
//! What the pool shows of someone is what the asker may read of their profile, judged by the
//! grant table as the relay judges their devices: an admin reads the parts for admins too, a
//! recruiter who is an alumnus the members' part, and a member who shared their interest in
//! coming back with admins only is in the pool of admins only. Who hid from the directory is in
//! no one's pool. The segment facts the relay keeps of every member (what admins read) make a
//! first, cheap pass, so only the profiles of those who may answer are read.
//!
//! The engagement signal: events they were checked in at (every staff phone's check-ins,
//! merged in each event's log), when one of their devices last synced, the openings they
//! applied for, and the people they referred (and how many of those were hired).

use std::collections::{HashMap, HashSet};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, put};
use axum::{Json, Router};
use sqlx::AnyPool;
use tsunagu_core::api::{
    AuditAction, Engagement, MAX_TALENT_LISTED, Shortlisted, Talent, TalentPool, TalentQuery,
};
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Interest, Profile};
use tsunagu_core::vocab::{Audience, Role};

use super::JobWriter;
use crate::AppState;
use crate::csv_export::{CsvFile, Download, words};
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::audit::{self, utc_timestamp};

pub(super) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/talent", get(pool))
        .route("/talent.csv", get(export))
        .route(
            "/talent/shortlist/{user}",
            put(shortlist).delete(unshortlist),
        )
}

/// `GET /api/talent`.
async fn pool(
    State(state): State<AppState>,
    JobWriter(asker): JobWriter,
    query: Result<Query<TalentQuery>, QueryRejection>,
) -> Result<Json<TalentPool>, AppError> {
    let mut people = answer(&state.db, &asker.id, &checked(query)?).await?;
    let total = people.len();
    people.truncate(MAX_TALENT_LISTED);
    Ok(Json(TalentPool { people, total }))
}

/// `GET /api/talent.csv`.
async fn export(
    State(state): State<AppState>,
    JobWriter(asker): JobWriter,
    query: Result<Query<TalentQuery>, QueryRejection>,
    Query(download): Query<Download>,
) -> Result<Response, AppError> {
    let query = checked(query)?;
    let lang = download.language(&state.db).await?;
    let people = answer(&state.db, &asker.id, &query).await?;
    let mut file = CsvFile::new("the talent CSV", &words::talent_header(lang))?;
    for t in &people {
        let e = &t.engagement;
        let numbers = [
            e.events_attended,
            e.applications,
            e.referrals,
            e.referrals_hired,
        ]
        .map(|n| n.to_string());
        let open_to = t
            .open_to
            .iter()
            .filter_map(|k| Interest::from_key(k))
            .map(|i| words::interest(lang, i))
            .collect::<Vec<_>>()
            .join(" / ");
        let last_active = e.last_active.map(utc_timestamp).unwrap_or_default();
        let shortlisted = t.shortlisted.as_ref().map(|s| utc_timestamp(s.at));
        file.row([
            t.name.as_str(),
            t.reading.as_str(),
            t.joined.as_str(),
            t.left.as_str(),
            &t.departments.join(" / "),
            t.employer.as_str(),
            t.title.as_str(),
            t.location.as_str(),
            &t.skills.join(" / "),
            &open_to,
            &numbers[0],
            &last_active,
            &numbers[1],
            &numbers[2],
            &numbers[3],
            shortlisted.as_deref().unwrap_or_default(),
        ])?;
    }
    Ok(file.into_download(words::talent_file(lang), "talent-pool")?)
}

/// The query, or why it is not one.
fn checked(query: Result<Query<TalentQuery>, QueryRejection>) -> Result<TalentQuery, AppError> {
    let Query(query) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    match query.problem() {
        Some(problem) => Err(AppError::BadRequest(problem.into())),
        None => Ok(query),
    }
}

/// Everyone in the pool who answers `query`, as `asker` may read them; the most recently active
/// first.
async fn answer(pool: &AnyPool, asker: &str, query: &TalentQuery) -> Result<Vec<Talent>, Error> {
    let roles = db::roles(pool, asker).await?;
    // The parts of a listed member's profile the asker reads, in the order they are merged.
    let parts: Vec<&'static str> = Audience::ALL
        .into_iter()
        .filter(|a| a.reaches(&roles))
        .map(|a| a.doc_kind().key())
        .collect();
    let listed: HashSet<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE status = 'active' AND NOT directory_hidden")
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
    let shortlist = shortlist_of(pool).await?;
    let search = query.search();
    let candidates: Vec<String> = super::segment_facts(pool, None, true)
        .await?
        .into_iter()
        .filter(|(member, facts)| {
            listed.contains(member)
                && facts.roles.contains(&Role::Alumni)
                && search.may_take(facts)
                && (!query.shortlisted || shortlist.contains_key(member))
        })
        .map(|(member, _)| member)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut docs: HashMap<String, Vec<(usize, DocumentId)>> = HashMap::new();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT owner_id, kind, id FROM documents
          WHERE kind IN ('profile', 'profile-members', 'profile-admins') AND owner_id IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    for (owner, kind, id) in rows {
        if let (Some(order), Ok(doc)) = (parts.iter().position(|k| *k == kind), id.parse()) {
            docs.entry(owner).or_default().push((order, doc));
        }
    }
    let engagement = Engagements::read(pool).await?;
    let mut answered = Vec::new();
    let mut conn = pool.acquire().await?;
    for member in candidates {
        let mut theirs = docs.remove(&member).unwrap_or_default();
        theirs.sort_by_key(|(order, _)| *order);
        let mut stored = Vec::with_capacity(theirs.len());
        for (_, doc) in &theirs {
            stored.push(db::stored_document(&mut *conn, doc).await?);
        }
        let profile = Profile::read_parts(&stored)
            .map_err(|e| Error::Corrupt(format!("profile of {member}: {e}")))?;
        if !search.takes(&profile) {
            continue;
        }
        let mut talent = Talent::from_profile(&member, &profile);
        talent.engagement = engagement.of(&member);
        talent.shortlisted = shortlist.get(&member).cloned();
        answered.push(talent);
    }
    answered.sort_by(|a, b| {
        b.engagement
            .last_active
            .cmp(&a.engagement.last_active)
            .then_with(|| a.reading.cmp(&b.reading))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(answered)
}

/// Who is on the shortlist: when they were put there, and by whom (by name).
async fn shortlist_of(pool: &AnyPool) -> Result<HashMap<String, Shortlisted>, Error> {
    let rows: Vec<(String, i64, Option<String>)> = sqlx::query_as(
        "SELECT s.user_id, s.added_at, u.display_name FROM talent_shortlist s
           LEFT JOIN users u ON u.id = s.added_by",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user, at, by)| {
            let by = by.unwrap_or_default();
            (user, Shortlisted { at, by })
        })
        .collect())
}

/// The engagement signal of every member, gathered once per answer.
#[derive(Debug, Default)]
struct Engagements(HashMap<String, Engagement>);

impl Engagements {
    async fn read(pool: &AnyPool) -> Result<Self, Error> {
        let mut all = Self::default();
        let last: Vec<(String, i64)> =
            sqlx::query_as("SELECT user_id, MAX(last_seen) FROM devices GROUP BY user_id")
                .fetch_all(pool)
                .await?;
        for (user, at) in last {
            all.entry(user).last_active = Some(at);
        }
        let applied: Vec<(String, i64)> =
            sqlx::query_as("SELECT user_id, COUNT(*) FROM job_applications GROUP BY user_id")
                .fetch_all(pool)
                .await?;
        for (user, n) in applied {
            all.entry(user).applications = count(n);
        }
        let referred: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT referrer, COUNT(*), COUNT(credited_at) FROM job_referrals GROUP BY referrer",
        )
        .fetch_all(pool)
        .await?;
        for (user, n, hired) in referred {
            let e = all.entry(user);
            e.referrals = count(n);
            e.referrals_hired = count(hired);
        }
        // Each event's check-in log (empty until its doors open): who was admitted, once each.
        let logs: Vec<(String,)> = sqlx::query_as("SELECT checkins_doc FROM events")
            .fetch_all(pool)
            .await?;
        let mut conn = pool.acquire().await?;
        for (log,) in logs {
            let Ok(doc) = log.parse::<DocumentId>() else {
                continue;
            };
            let log =
                CheckinLog::read(&db::stored_document(&mut *conn, &doc).await?).unwrap_or_default();
            let admitted: HashSet<&str> = log.scans.values().map(|s| s.attendee.as_str()).collect();
            for user in admitted {
                all.entry(user.to_owned()).events_attended += 1;
            }
        }
        Ok(all)
    }

    fn entry(&mut self, user: String) -> &mut Engagement {
        self.0.entry(user).or_default()
    }

    fn of(&self, user: &str) -> Engagement {
        self.0.get(user).copied().unwrap_or_default()
    }
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `PUT /api/talent/shortlist/<user id>`: someone in the pool goes on the shortlist (again: 204,
/// nothing changes). 404 for anyone who is not an active alumnus.
async fn shortlist(
    State(state): State<AppState>,
    JobWriter(recruiter): JobWriter,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let alumnus: Option<String> = sqlx::query_scalar(
        "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id
          WHERE u.id = $1 AND u.status = 'active' AND r.role = $2",
    )
    .bind(&user)
    .bind(Role::Alumni.key())
    .fetch_optional(&state.db)
    .await
    .map_err(Error::from)?;
    let user = alumnus.ok_or(AppError::NotFound)?;
    let add = sqlx::query(
        "INSERT INTO talent_shortlist (user_id, added_by, added_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(&user)
    .bind(&recruiter.id)
    .bind(db::now());
    change(&state, add, &recruiter.id, AuditAction::Shortlist, &user).await
}

/// `DELETE /api/talent/shortlist/<user id>`: off the shortlist (204 whether or not they were).
async fn unshortlist(
    State(state): State<AppState>,
    JobWriter(recruiter): JobWriter,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let remove = sqlx::query("DELETE FROM talent_shortlist WHERE user_id = $1").bind(&user);
    change(
        &state,
        remove,
        &recruiter.id,
        AuditAction::Unshortlist,
        &user,
    )
    .await
}

/// Runs `statement` on the shortlist and, if it changed anything, logs `action` on `user` by
/// `recruiter`, in one transaction.
async fn change<'q>(
    state: &AppState,
    statement: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    recruiter: &str,
    action: AuditAction,
    user: &str,
) -> Result<StatusCode, AppError> {
    let mut tx = db::write_tx(&state.db).await?;
    let changed = statement
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?
        .rows_affected();
    if changed > 0 {
        audit::record(&mut tx, Some(recruiter), action, user, "").await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}
