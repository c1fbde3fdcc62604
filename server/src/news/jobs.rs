//! Applications for job openings (issue 13, docs/design.md §13).
//!
//! A member applies by appending to their own applications document
//! ([`JobApplications`]), offline if need be. When that change reaches the relay, [`Applying`]
//! takes the application up — a row in `job_applications`, and the stage 応募済 with its date
//! written into the member's document as the relay — or refuses it, saying why there: the
//! opening had closed, the member may not read it (not aimed at them, taken back, none such),
//! or the application breaks a rule. Recruiters then work applications on their board:
//!
//! - `GET /api/jobs/<post>/applications` (admins, recruiters): every application and referral
//!   taken for the opening, oldest first, as written and with its stages ([`Applicant`]).
//! - `PUT /api/jobs/<post>/applications/<id>` ([`MoveApplication`]; admins, recruiters): the
//!   application (`id` a user id) or referral (`id` its key) enters another stage. The relay
//!   appends it, dated, to the applicant's (or referrer's) document, so their phone shows it at
//!   the next sync (and a push tells them, if the app is closed); the member cannot write there.
//!   A referral hired is credited to its referrer.
//!
//! Members also refer people for openings in the same document ([`Referral`]); the relay takes
//! them up as it takes applications, and the board lists them beside the applications.
//!
//! An applicant may attach their CV as a file (a PDF in the blob store, `crate::photos`): once
//! the application is taken, those who post openings may fetch it; no one else may.
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
use std::collections::{BTreeSet, HashMap};
use tsunagu_core::api::{Applicant, AuditAction, MoveApplication, PushNotice, Referred};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{JobApplication, JobApplications, Referral, Refusal, Stage};
use tsunagu_core::photo;
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
        .route("/jobs/{post}/applications/{id}", put(move_to))
}

/// `GET /api/jobs/<post>/applications`: the members' applications, then the people referred.
async fn applicants(
    State(state): State<AppState>,
    JobWriter(_): JobWriter,
    Path(post): Path<String>,
) -> Result<Json<Vec<Applicant>>, AppError> {
    let post = opening(&state.db, &post).await?;
    let key = post.to_string();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.user_id, u.display_name FROM job_applications a
           JOIN users u ON u.id = a.user_id
          WHERE a.post = $1 ORDER BY a.applied_at, a.user_id",
    )
    .bind(&key)
    .fetch_all(&state.db)
    .await
    .map_err(Error::from)?;
    // A member who applied and referred others, or referred several, is read once.
    let mut documents = Documents::default();
    let mut applicants = Vec::with_capacity(rows.len());
    for (user_id, name) in rows {
        let Some(theirs) = documents.of(&state.db, &user_id).await? else {
            continue;
        };
        let (Some(application), stages) = (
            theirs.applications.remove(&key),
            theirs.stages.remove(&key).unwrap_or_default(),
        ) else {
            continue;
        };
        applicants.push(Applicant {
            id: user_id,
            name,
            application,
            stages,
            referral: None,
        });
    }
    let referred: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT r.ref_key, r.referrer, u.display_name, r.credited_at FROM job_referrals r
           JOIN users u ON u.id = r.referrer
          WHERE r.post = $1 ORDER BY r.referred_at, r.ref_key",
    )
    .bind(&key)
    .fetch_all(&state.db)
    .await
    .map_err(Error::from)?;
    for (ref_key, referrer_id, referrer_name, credited_at) in referred {
        let Some(theirs) = documents.of(&state.db, &referrer_id).await? else {
            continue;
        };
        let (Some(referral), stages) = (
            theirs.referrals.remove(&ref_key),
            theirs.stages.remove(&ref_key).unwrap_or_default(),
        ) else {
            continue;
        };
        applicants.push(Applicant {
            id: ref_key,
            name: referral.name,
            application: JobApplication {
                note: referral.why,
                at: referral.at,
                ..JobApplication::default()
            },
            stages,
            referral: Some(Referred {
                email: referral.email,
                referrer_id,
                referrer_name,
                credited_at,
            }),
        });
    }
    Ok(Json(applicants))
}

/// Members' applications documents as stored, each read once.
#[derive(Default)]
struct Documents(HashMap<String, Option<JobApplications>>);

impl Documents {
    /// `user`'s applications document, if they have one.
    async fn of(
        &mut self,
        pool: &AnyPool,
        user: &str,
    ) -> Result<Option<&mut JobApplications>, Error> {
        if !self.0.contains_key(user) {
            let read = match db::member_doc(pool, user, DocKind::JobApplications).await? {
                Some(doc) => Some(
                    JobApplications::read(&db::stored_document(pool, &doc).await?)
                        .map_err(|e| Error::Corrupt(format!("applications {doc}: {e}")))?,
                ),
                None => None,
            };
            self.0.insert(user.to_owned(), read);
        }
        Ok(self.0.get_mut(user).and_then(Option::as_mut))
    }
}

/// `PUT /api/jobs/<post>/applications/<id>`: `id` is a member's user id (their application) or
/// a referral's key.
async fn move_to(
    State(state): State<AppState>,
    JobWriter(recruiter): JobWriter,
    Path((post, id)): Path<(String, String)>,
    payload: Result<Json<MoveApplication>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(wanted) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let stage = Stage::from_key(&wanted.stage)
        .ok_or_else(|| AppError::BadRequest(format!("no stage is called {:?}", wanted.stage)))?;
    let post = opening(&state.db, &post).await?;
    let referral = Referral::is_key(&id);
    let sql = if referral {
        "SELECT stage, referrer FROM job_referrals WHERE post = $1 AND ref_key = $2"
    } else {
        "SELECT stage, user_id FROM job_applications WHERE post = $1 AND user_id = $2"
    };
    let row: Option<(String, String)> = sqlx::query_as(sql)
        .bind(post.to_string())
        .bind(&id)
        .fetch_optional(&state.db)
        .await
        .map_err(Error::from)?;
    let (now, owner) = row.ok_or(AppError::NotFound)?;
    if Stage::from_key(&now) == Some(stage) {
        return Ok(StatusCode::NO_CONTENT);
    }
    state
        .relay
        .lock()
        .await
        .write(MoveTo {
            post,
            owner: &owner,
            referral: referral.then_some(id.as_str()),
            stage,
            by: &recruiter.id,
        })
        .await?;
    tracing::info!(by = %recruiter.id, %post, %id, stage = stage.key(), "application moved");
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

/// A recruiter (`by`) moves `owner`'s application for `post` (or the person they referred
/// under `referral`) to `stage`: the row (a referral hired is credited to its referrer), the
/// stage with its date in `owner`'s document, and the audit log, in one transaction.
struct MoveTo<'a> {
    post: DocumentId,
    owner: &'a str,
    referral: Option<&'a str>,
    stage: Stage,
    by: &'a str,
}

impl Job for MoveTo<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let Some(doc) = db::member_doc(s.conn(), self.owner, DocKind::JobApplications).await?
        else {
            return Err(Error::Corrupt(format!(
                "{} has no applications",
                self.owner
            )));
        };
        let at = s.now();
        let post = self.post.to_string();
        let key = match self.referral {
            Some(referral) => {
                sqlx::query(
                    "UPDATE job_referrals SET stage = $1, moved_at = $2,
                            credited_at = CASE WHEN $1 = 'hired' THEN COALESCE(credited_at, $2)
                                               ELSE credited_at END
                      WHERE ref_key = $3",
                )
                .bind(self.stage.key())
                .bind(at)
                .bind(referral)
                .execute(s.conn())
                .await?;
                referral.to_owned()
            }
            None => {
                sqlx::query(
                    "UPDATE job_applications SET stage = $1, moved_at = $2
                      WHERE post = $3 AND user_id = $4",
                )
                .bind(self.stage.key())
                .bind(at)
                .bind(&post)
                .bind(self.owner)
                .execute(s.conn())
                .await?;
                post.clone()
            }
        };
        s.edit(doc, |tx| {
            JobApplications::enter_stage(tx, &key, self.stage, at)
        })
        .await?;
        audit::record(
            s.conn(),
            Some(self.by),
            AuditAction::MoveApplication,
            self.owner,
            &format!("{key} {}", self.stage.key()),
        )
        .await?;
        // Their phone, if the app is closed, hears of it at once.
        let title = super::stored_post(s, &self.post).await?.title;
        let notice = PushNotice::Application {
            post: self.post,
            title,
            stage: self.stage.key().to_owned(),
            referral: self.referral.is_some(),
        };
        crate::push::queue(s, vec![self.owner], &notice).await
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
        let waiting: Vec<(String, Waiting)> = theirs
            .waiting()
            .map(|(post, a)| (post.clone(), Waiting::Application(a.clone())))
            .chain(
                theirs
                    .waiting_referrals()
                    .map(|(key, r)| (key.clone(), Waiting::Referral(r.clone()))),
            )
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let roles = db::roles(s.conn(), owner).await?;
        let at = s.now();
        let mut verdicts = Vec::with_capacity(waiting.len());
        for (i, (key, what)) in waiting.iter().enumerate() {
            // More at once than anyone applies for is a flood: judged no further.
            let verdict = if i < MAX_APPLICATIONS_AT_ONCE {
                self.judge(s, what.post(key), what.problem(key), owner, &roles)
                    .await?
            } else {
                Err(Refusal::Invalid)
            };
            if verdict.is_ok() {
                what.record(s, key, owner, at).await?;
            }
            match verdict {
                Ok(()) => tracing::info!(user = %owner, %key, "application taken"),
                Err(why) => {
                    tracing::info!(user = %owner, %key, why = why.key(), "application refused")
                }
            }
            verdicts.push((key, verdict));
        }
        // A CV file taken with its application becomes readable by recruiters
        // (`crate::photos`); applications never change once written, so only taking one
        // changes which files the document names.
        let named: BTreeSet<(String, String)> = theirs
            .applications
            .iter()
            .filter(|(post, _)| {
                theirs.stages.contains_key(*post)
                    || verdicts.iter().any(|(k, v)| k == post && v.is_ok())
            })
            .filter(|(_, a)| photo::is_id(&a.cv))
            .map(|(_, a)| (a.cv.clone(), owner.to_owned()))
            .collect();
        crate::photos::link(s, doc, &named).await?;
        // What became of them all, in one change.
        s.edit(doc, |tx| {
            for (key, verdict) in &verdicts {
                match verdict {
                    Ok(()) => JobApplications::enter_stage(tx, key, Stage::Applied, at)?,
                    Err(why) => JobApplications::refuse(tx, key, *why)?,
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Whether `owner` (holding `roles`) may apply for (or refer someone for) `post` now, with
    /// what they wrote breaking no rule (`problem`).
    async fn judge(
        &self,
        s: &mut Scribe<'_>,
        post: &str,
        problem: Option<&str>,
        owner: &str,
        roles: &[tsunagu_core::vocab::Role],
    ) -> Result<Result<(), Refusal>, Error> {
        if problem.is_some() {
            return Ok(Err(Refusal::Invalid));
        }
        let Ok(doc) = post.parse::<DocumentId>() else {
            return Ok(Err(Refusal::Unavailable));
        };
        let readable = super::readable_post(&self.db, &doc, owner, roles).await?;
        if !readable.is_some_and(|r| r.job && r.out_at > 0) {
            return Ok(Err(Refusal::Unavailable));
        }
        let opening = super::stored_post(s, &doc).await?.job.unwrap_or_default();
        if opening.is_closed(s.now()) {
            return Ok(Err(Refusal::Closed));
        }
        Ok(Ok(()))
    }
}

/// An application or a referral the relay has not yet taken up or refused.
enum Waiting {
    Application(JobApplication),
    Referral(Referral),
}

impl Waiting {
    /// The opening it is for (`key` is where it is written).
    fn post<'a>(&'a self, key: &'a str) -> &'a str {
        match self {
            Waiting::Application(_) => key,
            Waiting::Referral(r) => &r.post,
        }
    }

    /// Why it breaks a rule, if it does; a referral's key names its opening.
    fn problem(&self, key: &str) -> Option<&'static str> {
        match self {
            Waiting::Application(a) => a.problem(),
            Waiting::Referral(r) => match key.strip_prefix(r.post.as_str()) {
                Some(rest) if rest.len() > 1 && rest.starts_with(':') => r.problem(),
                _ => Some("a referral's key starts with its opening's id and a colon"),
            },
        }
    }

    /// Its row for the recruiters' board, taken at `at`.
    async fn record(
        &self,
        s: &mut Scribe<'_>,
        key: &str,
        owner: &str,
        at: i64,
    ) -> Result<(), Error> {
        match self {
            Waiting::Application(_) => {
                sqlx::query(
                    "INSERT INTO job_applications (post, user_id, stage, applied_at, moved_at)
                     VALUES ($1, $2, $3, $4, $4) ON CONFLICT (post, user_id) DO NOTHING",
                )
                .bind(key)
                .bind(owner)
                .bind(Stage::Applied.key())
                .bind(at)
                .execute(s.conn())
                .await?;
            }
            Waiting::Referral(r) => {
                sqlx::query(
                    "INSERT INTO job_referrals
                            (ref_key, post, referrer, name, email, stage, referred_at, moved_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (ref_key) DO NOTHING",
                )
                .bind(key)
                .bind(&r.post)
                .bind(owner)
                .bind(r.name.trim())
                .bind(r.email.trim())
                .bind(Stage::Applied.key())
                .bind(at)
                .execute(s.conn())
                .await?;
            }
        }
        Ok(())
    }
}
