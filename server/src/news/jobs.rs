//! Applications for job openings (issue 13, docs/design.md §13).
//!
//! A member applies by appending to their own applications document
//! ([`JobApplications`]), offline if need be. When that change reaches the relay, [`Applying`]
//! takes the application up — a row in `job_applications`, and the stage 応募済 with its date
//! written into the member's document as the relay — or refuses it, saying why there: the
//! opening had closed, the member may not read it (not aimed at them, taken back, none such),
//! or the application breaks a rule. Recruiters then work applications on their board:
//!
//! - `GET /api/jobs/<post>/applications` (admins, recruiters): every application taken for the
//!   opening, oldest first, as its applicant wrote it and with its stages ([`Applicant`]).
//! - `PUT /api/jobs/<post>/applications/<user id>` ([`MoveApplication`]; admins, recruiters):
//!   the application enters another stage. The relay appends it, dated, to the applicant's
//!   document, so their phone shows it at the next sync; the member cannot write there.
//!
//! What recruiters note about applicants is in the opening's notes document
//! ([`DocKind::JobNotes`]), which only they read; the applicant's device never receives it.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use tsunagu_core::api::{Applicant, AuditAction, MoveApplication};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{JobApplication, JobApplications, Refusal, Stage};
use tsunagu_core::news::NewsPost;
use tsunagu_core::vocab::DocKind;

use super::JobWriter;
use crate::AppState;
use crate::db::{self, DocumentRecord};
use crate::error::{AppError, Error};
use crate::joining::audit;
use crate::reactions::{Job, Reactions};
use crate::scribe::Scribe;

pub(super) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/jobs/{post}/applications", get(applicants))
        .route("/jobs/{post}/applications/{user}", put(move_to))
}

/// `GET /api/jobs/<post>/applications`.
async fn applicants(
    State(state): State<AppState>,
    JobWriter(_): JobWriter,
    Path(post): Path<String>,
) -> Result<Json<Vec<Applicant>>, AppError> {
    let post = opening(&state.db, &post).await?;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.user_id, u.display_name FROM job_applications a
           JOIN users u ON u.id = a.user_id
          WHERE a.post = $1 ORDER BY a.applied_at, a.user_id",
    )
    .bind(post.to_string())
    .fetch_all(&state.db)
    .await
    .map_err(Error::from)?;
    let mut applicants = Vec::with_capacity(rows.len());
    let key = post.to_string();
    for (user_id, name) in rows {
        let Some(doc) = db::member_doc(&state.db, &user_id, DocKind::JobApplications).await? else {
            continue;
        };
        let stored = db::stored_document(&state.db, &doc).await?;
        let mut theirs = JobApplications::read(&stored)
            .map_err(|e| Error::Corrupt(format!("applications {doc}: {e}")))?;
        let (Some(application), stages) = (
            theirs.applications.remove(&key),
            theirs.stages.remove(&key).unwrap_or_default(),
        ) else {
            continue;
        };
        applicants.push(Applicant {
            user_id,
            name,
            application,
            stages,
        });
    }
    Ok(Json(applicants))
}

/// `PUT /api/jobs/<post>/applications/<user id>`.
async fn move_to(
    State(state): State<AppState>,
    JobWriter(recruiter): JobWriter,
    Path((post, user)): Path<(String, String)>,
    payload: Result<Json<MoveApplication>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(wanted) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let stage = Stage::from_key(&wanted.stage)
        .ok_or_else(|| AppError::BadRequest(format!("no stage is called {:?}", wanted.stage)))?;
    let post = opening(&state.db, &post).await?;
    let now: Option<String> =
        sqlx::query_scalar("SELECT stage FROM job_applications WHERE post = $1 AND user_id = $2")
            .bind(post.to_string())
            .bind(&user)
            .fetch_optional(&state.db)
            .await
            .map_err(Error::from)?;
    let now = now.ok_or(AppError::NotFound)?;
    if Stage::from_key(&now) == Some(stage) {
        return Ok(StatusCode::NO_CONTENT);
    }
    state
        .relay
        .lock()
        .await
        .write(MoveTo {
            post,
            user: &user,
            stage,
            by: &recruiter.id,
        })
        .await?;
    tracing::info!(by = %recruiter.id, %post, %user, stage = stage.key(), "application moved");
    Ok(StatusCode::NO_CONTENT)
}

/// The job opening `post` names; 404 for anything else (a post of news, no post at all).
async fn opening(pool: &AnyPool, post: &str) -> Result<DocumentId, AppError> {
    let doc: DocumentId = post.parse().map_err(|_| AppError::NotFound)?;
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM news_posts WHERE doc = $1")
        .bind(doc.to_string())
        .fetch_optional(pool)
        .await
        .map_err(Error::from)?;
    match kind {
        Some(kind) if kind == DocKind::JobPost.key() => Ok(doc),
        _ => Err(AppError::NotFound),
    }
}

/// A recruiter (`by`) moves `user`'s application for `post` to `stage`: the row, the stage
/// with its date in the applicant's document, and the audit log, in one transaction.
struct MoveTo<'a> {
    post: DocumentId,
    user: &'a str,
    stage: Stage,
    by: &'a str,
}

impl Job for MoveTo<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let Some(doc) = db::member_doc(s.conn(), self.user, DocKind::JobApplications).await? else {
            return Err(Error::Corrupt(format!("{} has no applications", self.user)));
        };
        let at = s.now();
        sqlx::query(
            "UPDATE job_applications SET stage = $1, moved_at = $2 WHERE post = $3 AND user_id = $4",
        )
        .bind(self.stage.key())
        .bind(at)
        .bind(self.post.to_string())
        .bind(self.user)
        .execute(s.conn())
        .await?;
        let post = self.post.to_string();
        s.edit(doc, |tx| {
            JobApplications::enter_stage(tx, &post, self.stage, at)
        })
        .await?;
        audit::record(
            s.conn(),
            Some(self.by),
            AuditAction::MoveApplication,
            self.user,
            &format!("{post} {}", self.stage.key()),
        )
        .await
    }
}

/// The most applications one change may bring that are judged; the rest are refused unread, so
/// a member flooding their document costs the relay little.
const MAX_APPLICATIONS_AT_ONCE: usize = 10;

/// Takes up (or refuses) the applications members append to their documents.
#[derive(Debug, Clone)]
pub(crate) struct Applying {
    /// For judging whether the applicant may read the opening (reads only: the cache of
    /// segment facts, never written on the sync path).
    pub(crate) db: AnyPool,
}

impl Reactions for Applying {
    fn reacts_to(&self, record: &DocumentRecord) -> bool {
        DocKind::from_key(&record.kind) == Some(DocKind::JobApplications) && record.owner.is_some()
    }

    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            match record.owner.as_deref() {
                Some(owner) => self.take_up(s, doc, owner).await,
                None => Ok(()),
            }
        })
    }

    /// Applications a crash (or a failed reaction) left neither taken nor refused.
    fn settle<'a>(&'a self, s: &'a mut Scribe<'_>) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            for (doc, owner) in db::docs_of_kind(s.conn(), DocKind::JobApplications).await? {
                self.take_up(s, doc, &owner).await?;
            }
            Ok(())
        })
    }
}

impl Applying {
    /// Takes up or refuses every application in `owner`'s document `doc` that is neither yet.
    async fn take_up(&self, s: &mut Scribe<'_>, doc: DocumentId, owner: &str) -> Result<(), Error> {
        let theirs = s
            .read(&doc, JobApplications::read)
            .await?
            .map_err(|e| Error::Corrupt(format!("applications {doc}: {e}")))?;
        let waiting: Vec<(String, JobApplication)> = theirs
            .waiting()
            .map(|(post, a)| (post.clone(), a.clone()))
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let roles = db::roles(s.conn(), owner).await?;
        let at = s.now();
        let mut verdicts = Vec::with_capacity(waiting.len());
        for (i, (post, application)) in waiting.iter().enumerate() {
            // More at once than anyone applies for is a flood: judged no further.
            let verdict = if i < MAX_APPLICATIONS_AT_ONCE {
                self.judge(s, post, application, owner, &roles).await?
            } else {
                Err(Refusal::Invalid)
            };
            if verdict.is_ok() {
                sqlx::query(
                    "INSERT INTO job_applications (post, user_id, stage, applied_at, moved_at)
                     VALUES ($1, $2, $3, $4, $4) ON CONFLICT (post, user_id) DO NOTHING",
                )
                .bind(post)
                .bind(owner)
                .bind(Stage::Applied.key())
                .bind(at)
                .execute(s.conn())
                .await?;
            }
            match verdict {
                Ok(()) => tracing::info!(user = %owner, %post, "application taken"),
                Err(why) => {
                    tracing::info!(user = %owner, %post, why = why.key(), "application refused")
                }
            }
            verdicts.push((post, verdict));
        }
        // What became of them all, in one change.
        s.edit(doc, |tx| {
            for (post, verdict) in &verdicts {
                match verdict {
                    Ok(()) => JobApplications::enter_stage(tx, post, Stage::Applied, at)?,
                    Err(why) => JobApplications::refuse(tx, post, *why)?,
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Whether `owner` (holding `roles`) may apply for `post` with `application` now.
    async fn judge(
        &self,
        s: &mut Scribe<'_>,
        post: &str,
        application: &JobApplication,
        owner: &str,
        roles: &[tsunagu_core::vocab::Role],
    ) -> Result<Result<(), Refusal>, Error> {
        if application.problem().is_some() {
            return Ok(Err(Refusal::Invalid));
        }
        let Ok(doc) = post.parse::<DocumentId>() else {
            return Ok(Err(Refusal::Unavailable));
        };
        let readable = super::readable_post(&self.db, &doc, owner, roles).await?;
        if !readable.is_some_and(|r| r.job && r.out_at > 0) {
            return Ok(Err(Refusal::Unavailable));
        }
        let opening = s
            .read(&doc, NewsPost::read)
            .await?
            .map_err(|e| Error::Corrupt(format!("post {doc}: {e}")))?
            .job
            .unwrap_or_default();
        if opening.is_closed(s.now()) {
            return Ok(Err(Refusal::Closed));
        }
        Ok(Ok(()))
    }
}
