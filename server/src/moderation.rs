//! Safety in messages (issue 11): a member blocks another, and reports a message to the admins,
//! who hide it for everyone or dismiss the report. Each is one transaction with its audit entry.
//!
//! - `PUT /api/blocks/{user}` / `DELETE /api/blocks/{user}`: block or unblock. A block stops any
//!   new conversation between the two (either way), and the blocker's phones stop showing the
//!   other's messages ([`tsunagu_core::api::Me::blocked`]).
//! - `POST /api/reports`: a member of the conversation reports a message on one of its pages; at
//!   most [`Limits::reports_per_day`](crate::Limits::reports_per_day) a day.
//! - `GET /api/admin/reports`: the reports waiting, with the message as the relay holds it.
//! - `POST /api/admin/reports/{id}`: hide the message (the relay writes `hidden/<id>` on the page,
//!   [`MessagePage::hide`], so every member's phone stops showing it) or dismiss the report.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use sqlx::AnyPool;
use tsunagu_core::api::{
    AuditAction, MAX_REPORT_REASON_CHARS, MessageReport, ReportDecision, ReportDecisionBody,
    ReportMessage,
};
use tsunagu_core::conversation::MessagePage;
use tsunagu_core::ids::DocumentId;

use crate::AppState;
use crate::auth::SignedIn;
use crate::conversations::facts;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::{Admin, audit};
use crate::reactions::Job;
use crate::scribe::Scribe;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/blocks/{user}", put(block).delete(unblock))
        .route("/reports", post(report))
        .route("/admin/reports", get(reports))
        .route("/admin/reports/{id}", post(decide))
}

/// Whom `user` blocked.
pub(crate) async fn blocked_by(pool: &AnyPool, user: &str) -> Result<Vec<String>, Error> {
    Ok(
        sqlx::query_scalar("SELECT blocked FROM blocks WHERE blocker = $1 ORDER BY created_at")
            .bind(user)
            .fetch_all(pool)
            .await?,
    )
}

/// Whether a block stands between `me` and any of `others`, whichever blocked whom.
pub(crate) async fn blocked_between(
    conn: &mut sqlx::AnyConnection,
    me: &str,
    others: &[String],
) -> Result<bool, Error> {
    // One query for all of them (a group holds up to 500).
    let others: Vec<&String> = others.iter().filter(|o| *o != me).collect();
    if others.is_empty() {
        return Ok(false);
    }
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM blocks
          WHERE (blocker = $1 AND blocked IN ({list})) OR (blocked = $1 AND blocker IN ({list})))",
        // Numbered, so both lists name the same members.
        list = db::marks(2, others.len())
    );
    let mut query = sqlx::query_scalar::<_, db::Flag>(&sql).bind(me);
    for other in &others {
        query = query.bind(*other);
    }
    Ok(query.fetch_one(&mut *conn).await?.0)
}

async fn block(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let me = signed_in.user.id;
    if user == me {
        return Err(AppError::BadRequest(
            "a member cannot block themselves".into(),
        ));
    }
    let db::Flag(active) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE id = $1 AND status != 'removed')",
    )
    .bind(&user)
    .fetch_one(&state.db)
    .await
    .map_err(Error::from)?;
    if !active {
        return Err(AppError::NotFound);
    }
    let mut tx = db::write_tx(&state.db).await?;
    let added = sqlx::query(
        "INSERT INTO blocks (blocker, blocked, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(&me)
    .bind(&user)
    .bind(db::now())
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?
    .rows_affected();
    if added > 0 {
        audit::record(&mut tx, Some(&me), AuditAction::BlockMember, &user, "").await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unblock(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(user): Path<String>,
) -> Result<StatusCode, AppError> {
    let me = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    let removed = sqlx::query("DELETE FROM blocks WHERE blocker = $1 AND blocked = $2")
        .bind(&me)
        .bind(&user)
        .execute(&mut *tx)
        .await
        .map_err(Error::from)?
        .rows_affected();
    if removed > 0 {
        audit::record(&mut tx, Some(&me), AuditAction::UnblockMember, &user, "").await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn report(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<ReportMessage>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(report) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let me = signed_in.user.id;
    let reason = report.reason.trim().to_owned();
    if reason.chars().count() > MAX_REPORT_REASON_CHARS {
        return Err(AppError::BadRequest("the reason is too long".into()));
    }
    // Only a member of the conversation knows the page exists.
    let db::Flag(is_page) =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM conversation_pages WHERE page = $1)")
            .bind(report.page.to_string())
            .fetch_one(&state.db)
            .await
            .map_err(Error::from)?;
    if !is_page || !facts(&state.db, &report.page, &me).await?.member {
        return Err(AppError::NotFound);
    }
    let author = state
        .relay
        .lock()
        .await
        .read_document(&report.page, |doc| {
            MessagePage::read(doc).ok().and_then(|messages| {
                messages
                    .into_iter()
                    .find(|m| m.id == report.message)
                    .map(|m| m.author)
            })
        })
        .await?;
    let Some(author) = author else {
        return Err(AppError::NotFound);
    };
    if author == me {
        return Err(AppError::BadRequest(
            "a member cannot report their own message".into(),
        ));
    }
    let mut tx = db::write_tx(&state.db).await?;
    let may_report = db::under_daily_limit(
        &mut *tx,
        "SELECT COUNT(*) FROM message_reports WHERE reporter = $1 AND reported_at > $2",
        &me,
        db::now(),
        state.config.limits.reports_per_day,
    )
    .await?;
    if !may_report {
        tracing::warn!(user = %me, "too many reports today");
        return Err(AppError::TooManyAttempts);
    }
    let added = sqlx::query(
        "INSERT INTO message_reports (page, message, author, reporter, reason, reported_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(report.page.to_string())
    .bind(&report.message)
    .bind(&author)
    .bind(&me)
    .bind(&reason)
    .bind(db::now())
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?
    .rows_affected();
    if added > 0 {
        audit::record(
            &mut tx,
            Some(&me),
            AuditAction::ReportMessage,
            &author,
            &format!("{} {}", report.page, report.message),
        )
        .await?;
    }
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A report waiting for a decision, as stored.
#[derive(Debug, sqlx::FromRow)]
struct OpenReport {
    id: i64,
    page: String,
    message: String,
    author: String,
    author_name: String,
    reporter: String,
    reporter_name: String,
    reason: String,
    reported_at: i64,
}

async fn reports(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<MessageReport>>, AppError> {
    let rows: Vec<OpenReport> = sqlx::query_as(
        "SELECT r.id, r.page, r.message, r.author, COALESCE(a.display_name, '') AS author_name,
                r.reporter, COALESCE(p.display_name, '') AS reporter_name, r.reason, r.reported_at
           FROM message_reports r
           LEFT JOIN users a ON a.id = r.author
           LEFT JOIN users p ON p.id = r.reporter
          WHERE r.decision IS NULL
          ORDER BY r.reported_at, r.id",
    )
    .fetch_all(&state.db)
    .await
    .map_err(Error::from)?;
    let mut relay = state.relay.lock().await;
    let mut listed = Vec::with_capacity(rows.len());
    for row in rows {
        let OpenReport {
            id,
            page,
            message,
            author,
            author_name,
            reporter,
            reporter_name,
            reason,
            reported_at,
        } = row;
        let page = db::document_id(&page)?;
        let text = relay
            .read_document(&page, |doc| {
                MessagePage::read(doc).ok().and_then(|messages| {
                    messages
                        .into_iter()
                        .find(|m| m.id == message)
                        .map(|m| m.text)
                })
            })
            .await?
            .unwrap_or_default();
        listed.push(MessageReport {
            id,
            page,
            message,
            text,
            author,
            author_name,
            reporter,
            reporter_name,
            reason,
            reported_at,
        });
    }
    Ok(Json(listed))
}

async fn decide(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    payload: Result<Json<ReportDecisionBody>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(ReportDecisionBody { decision }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let row: Option<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT page, message, author, decision FROM message_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db)
            .await
            .map_err(Error::from)?;
    let Some((page, message, author, decided)) = row else {
        return Err(AppError::NotFound);
    };
    if decided.is_some() {
        return Err(AppError::Conflict("this report was decided already".into()));
    }
    state
        .relay
        .lock()
        .await
        .write(Decide {
            page: db::document_id(&page)?,
            message: &message,
            author: &author,
            admin: &admin.id,
            decision,
        })
        .await?;
    tracing::info!(by = %admin.id, report = id, ?decision, "report decided");
    Ok(StatusCode::NO_CONTENT)
}

/// An admin's decision on every open report of one message: the page changes (when hidden), the
/// reports close and the audit log records it, in one transaction.
#[derive(Debug)]
struct Decide<'a> {
    page: DocumentId,
    message: &'a str,
    author: &'a str,
    admin: &'a str,
    decision: ReportDecision,
}

impl Job for Decide<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let (key, action) = match self.decision {
            ReportDecision::Hide => ("hide", AuditAction::HideMessage),
            ReportDecision::Dismiss => ("dismiss", AuditAction::DismissReport),
        };
        if self.decision == ReportDecision::Hide {
            let message = self.message.to_owned();
            s.edit(self.page, move |tx| {
                MessagePage::hide(tx, &message).map(|_| ())
            })
            .await?;
            // Its photos stop being readable through the page.
            let messages = crate::conversations::read_page(s, self.page).await?;
            crate::photos::link(s, self.page, &crate::photos::named_in(&messages)).await?;
        }
        let now = s.now();
        sqlx::query(
            "UPDATE message_reports SET decision = $1, decided_by = $2, decided_at = $3
              WHERE page = $4 AND message = $5 AND decision IS NULL",
        )
        .bind(key)
        .bind(self.admin)
        .bind(now)
        .bind(self.page.to_string())
        .bind(self.message)
        .execute(s.conn())
        .await?;
        audit::record(
            s.conn(),
            Some(self.admin),
            action,
            self.author,
            &format!("{} {}", self.page, self.message),
        )
        .await
    }
}
