//! Company news (issue 13, docs/design.md §13): posts admins aim at a segment of the network,
//! which reach exactly the members in it.
//!
//! - `POST /api/news` (admins): a new draft post for a segment. Its text, status, schedule and
//!   pin are then edited in the post's document like any document; only admins write it.
//! - `GET /api/news`: the posts the caller may read now, pinned first, then the newest (admins:
//!   every post, drafts included).
//! - `POST /api/news/segment` (admins): how many members a segment reaches, for the editor's
//!   live count.
//! - `POST /api/jobs` (admins, recruiters): a new draft job opening, a post with its
//!   particulars ([`tsunagu_core::news::Opening`]) in a document of kind
//!   [`DocKind::JobPost`]. Openings are kept and delivered as posts are (the same table, listing
//!   and judgement; a `kind` column tells them apart); only their writers differ.
//!
//! [`Posts`] keeps `news_posts` from each post's document on every change to it, and the relay
//! decides again for every device holding the post (a post unpublished, or aimed elsewhere,
//! leaves the devices no longer in its audience). Who is in a segment is judged on the parts of
//! a member's profile an admin may read ([`member_facts`]) — never the private part, so a
//! segment's count cannot reveal what a member keeps to themselves.

use axum::extract::Path;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::future::BoxFuture;
use std::collections::HashMap;

use sqlx::{AnyConnection, AnyPool};
use tokio::sync::Mutex;
use tsunagu_core::api::{
    AuditAction, MAX_OPENED_PER_CALL, NewJob, NewPost, NewsRef, OpenedPosts, PostStats, PushNotice,
    SegmentReach,
};
use tsunagu_core::grants::NewsFacts;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::news::{MemberFacts, NewsPost, PostStatus, Responses, Segment};
use tsunagu_core::profile::Profile;
use tsunagu_core::vocab::{
    DocKind, JOB_WRITERS, NEWS_WRITERS, POST_WRITERS, Role, writes_jobs, writes_news,
};

use crate::AppState;
use crate::access;
use crate::auth::SignedIn;
use crate::db::{self, DocumentRecord, Flag};
use crate::documents;
use crate::error::{AppError, Error};
use crate::joining::audit;
use crate::reactions::{Job, Reactions};
use crate::relay::Relay;
use crate::scribe::Scribe;

pub(crate) mod jobs;
pub(crate) mod newsletter;
mod talent;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/news", post(create).get(list))
        .route("/jobs", post(create_job))
        .route("/news/segment", post(reach))
        .route("/news/opened", post(opened))
        .route("/news/{post}/stats", get(stats))
        .merge(newsletter::api_routes())
        .merge(jobs::api_routes())
        .merge(talent::api_routes())
}

crate::auth::holder_of!(
    /// A signed-in caller who writes company news: an admin or an editor.
    NewsWriter,
    NEWS_WRITERS
);
crate::auth::holder_of!(
    /// A signed-in caller who posts job openings: an admin or a recruiter.
    JobWriter,
    JOB_WRITERS
);
crate::auth::holder_of!(
    /// A signed-in caller who writes posts of either kind: they see how far a segment reaches
    /// and how a post is doing.
    PostWriter,
    POST_WRITERS
);

/// `POST /api/news`.
async fn create(
    State(state): State<AppState>,
    NewsWriter(admin): NewsWriter,
    payload: Result<Json<NewPost>, JsonRejection>,
) -> Result<Json<NewsRef>, AppError> {
    let Json(new) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let post = NewsPost {
        segment: new.segment,
        ..NewsPost::draft(new.title.trim())
    };
    start(&state, &admin, post).await
}

/// `POST /api/jobs`.
async fn create_job(
    State(state): State<AppState>,
    JobWriter(recruiter): JobWriter,
    payload: Result<Json<NewJob>, JsonRejection>,
) -> Result<Json<NewsRef>, AppError> {
    let Json(new) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let post = NewsPost {
        segment: new.segment,
        job: Some(new.opening),
        ..NewsPost::draft(new.title.trim())
    };
    start(&state, &recruiter, post).await
}

/// Starts a draft `post` by `writer`: its document — a job opening if it has an opening's
/// particulars, else a post of news with its responses — and its row; at most
/// [`Limits::posts_per_day`](crate::Limits::posts_per_day) a day each writer.
async fn start(
    state: &AppState,
    writer: &db::User,
    post: NewsPost,
) -> Result<Json<NewsRef>, AppError> {
    if let Some(problem) = post.problem() {
        return Err(AppError::BadRequest(problem.into()));
    }
    let job = post.job.is_some();
    let kind = if job {
        DocKind::JobPost
    } else {
        DocKind::NewsPost
    };
    let mut tx = db::write_tx(&state.db).await?;
    let may_start = db::under_daily_limit(
        &mut *tx,
        "SELECT COUNT(*) FROM news_posts WHERE created_by = $1 AND created_at > $2",
        &writer.id,
        db::now(),
        state.config.limits.posts_per_day,
    )
    .await?;
    if !may_start {
        tracing::warn!(user = %writer.id, "too many posts started today");
        return Err(AppError::TooManyAttempts);
    }
    let actor = db::stored_relay_actor(&mut tx).await?;
    let doc = documents::create(&mut tx, &actor, kind, None, |tx| post.write_to(tx)).await?;
    // Job openings gather applications, and what recruiters note about them, not いいね and
    // comments.
    let (responses, notes) = if job {
        let notes = documents::create(&mut tx, &actor, DocKind::JobNotes, None, |tx| {
            tsunagu_core::job_application::JobNotes::create(tx)
        })
        .await?;
        (None, Some(notes))
    } else {
        let responses = documents::create(&mut tx, &actor, DocKind::NewsResponses, None, |tx| {
            Responses::create(tx)
        })
        .await?;
        (Some(responses), None)
    };
    sqlx::query(
        "INSERT INTO news_posts (doc, responses, notes, status, segment, kind, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(doc.to_string())
    .bind(responses.map(|r| r.to_string()))
    .bind(notes.map(|n| n.to_string()))
    .bind(post.status().key())
    .bind(segment_json(&post.segment)?)
    .bind(kind.key())
    .bind(&writer.id)
    .bind(db::now())
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    audit::record(
        &mut tx,
        Some(&writer.id),
        AuditAction::CreatePost,
        &doc.to_string(),
        &post.title,
    )
    .await?;
    tx.commit().await.map_err(Error::from)?;
    tracing::info!(user = %writer.id, post = %doc, kind = kind.key(), "post started");
    Ok(Json(NewsRef {
        post: doc,
        responses,
        out_at: 0,
        pinned: false,
        job,
        notes,
    }))
}

/// `GET /api/news`.
async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<NewsRef>>, AppError> {
    let user = signed_in.user.id;
    let roles = db::roles(&state.db, &user).await?;
    Ok(Json(readable_posts(&state.db, &user, &roles).await?))
}

/// The posts `user` may read now, pinned first, then the newest (also in `GET /api/me`, so the
/// app keeps exactly these and lets the others go). Judged by the grant table, as the relay
/// judges a device asking for the post: admins and editors read every post, members those out
/// and aimed at them.
pub(crate) async fn readable_posts(
    pool: &AnyPool,
    user: &str,
    roles: &[Role],
) -> Result<Vec<NewsRef>, Error> {
    let rows = rows(pool).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let now = db::now();
    // Who writes every kind of post reads them all; the others are judged by segment.
    let facts = if writes_news(roles) && writes_jobs(roles) {
        MemberFacts::default()
    } else {
        member_facts(pool, user, true).await?
    };
    let mut readable = Vec::new();
    for row in rows {
        if row.readable_by(user, roles, row.facts(&facts, now)?) {
            readable.push(row.reference(now, roles)?);
        }
    }
    readable.sort_by_key(|r| (std::cmp::Reverse(r.pinned), std::cmp::Reverse(r.out_at)));
    Ok(readable)
}

/// `POST /api/news/segment`.
async fn reach(
    State(state): State<AppState>,
    PostWriter(_): PostWriter,
    payload: Result<Json<Segment>, JsonRejection>,
) -> Result<Json<SegmentReach>, AppError> {
    let Json(segment) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if let Some(problem) = segment.problem() {
        return Err(AppError::BadRequest(problem.into()));
    }
    Ok(Json(SegmentReach {
        members: reached(&state.db, &segment).await?,
    }))
}

/// How many active members `segment` takes in now.
async fn reached(pool: &AnyPool, segment: &Segment) -> Result<usize, Error> {
    Ok(segment_facts(pool, None, true)
        .await?
        .iter()
        .filter(|(_, facts)| segment.includes(facts))
        .count())
}

/// `POST /api/news/opened`: records the first time the caller opened each post aimed at them.
async fn opened(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<OpenedPosts>, JsonRejection>,
) -> Result<axum::http::StatusCode, AppError> {
    let Json(report) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if report.posts.len() > MAX_OPENED_PER_CALL {
        return Err(AppError::BadRequest(format!(
            "at most {MAX_OPENED_PER_CALL} posts at a time"
        )));
    }
    let user = signed_in.user.id;
    // Counted as a reader in the post's segment: a writer (admin, editor, recruiter) reading
    // every post to look after them is not one of its audience.
    let mut roles = db::roles(&state.db, &user).await?;
    roles.retain(|r| !POST_WRITERS.contains(r));
    let readable: Vec<DocumentId> = readable_posts(&state.db, &user, &roles)
        .await?
        .into_iter()
        .map(|r| r.post)
        .filter(|p| report.posts.contains(p))
        .collect();
    let now = db::now();
    for post in readable {
        sqlx::query(
            "INSERT INTO news_opens (post, user_id, opened_at) VALUES ($1, $2, $3)
             ON CONFLICT (post, user_id) DO NOTHING",
        )
        .bind(post.to_string())
        .bind(&user)
        .bind(now)
        .execute(&state.db)
        .await
        .map_err(Error::from)?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `GET /api/news/<post>/stats` (those who write posts).
async fn stats(
    State(state): State<AppState>,
    PostWriter(_): PostWriter,
    Path(post): Path<String>,
) -> Result<Json<PostStats>, AppError> {
    let doc: DocumentId = post.parse().map_err(|_| AppError::NotFound)?;
    let row = row(&state.db, &doc).await?.ok_or(AppError::NotFound)?;
    let now = db::now();
    let reached = if row.is_out(now) {
        reached(&state.db, &row.segment()?).await?
    } else {
        0
    };
    let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM news_opens WHERE post = $1")
        .bind(doc.to_string())
        .fetch_one(&state.db)
        .await
        .map_err(Error::from)?;
    let (likes, comments) = match row.responses.as_deref() {
        Some(responses) => {
            let stored = db::stored_document(&state.db, &db::document_id(responses)?).await?;
            let said = Responses::read(&stored)
                .map_err(|e| Error::Corrupt(format!("responses {responses}: {e}")))?;
            (said.likes.len(), said.shown().count())
        }
        None => (0, 0),
    };
    let (mailed, undelivered) = newsletter::counts(&state.db, &doc).await?;
    Ok(Json(PostStats {
        reached,
        opened: usize::try_from(opened).unwrap_or(0),
        likes,
        comments,
        mailed,
        undelivered,
    }))
}

/// A post as `news_posts` holds it.
#[derive(Debug, sqlx::FromRow)]
struct PostRow {
    doc: String,
    responses: Option<String>,
    status: String,
    publish_at: i64,
    out_at: i64,
    #[sqlx(try_from = "Flag")]
    pinned: bool,
    segment: String,
    /// A [`DocKind`] key: a post of news or a job opening.
    kind: String,
    /// An opening's recruiters' notes ([`DocKind::JobNotes`]).
    notes: Option<String>,
}

impl PostRow {
    fn is_out(&self, now: i64) -> bool {
        PostStatus::from_key(&self.status) == PostStatus::Published && self.publish_at <= now
    }

    fn segment(&self) -> Result<Segment, Error> {
        serde_json::from_str(&self.segment)
            .map_err(|e| Error::Corrupt(format!("the segment of post {}: {e}", self.doc)))
    }

    /// How the member with `member` facts relates to the post.
    fn facts(&self, member: &MemberFacts, now: i64) -> Result<NewsFacts, Error> {
        let out = self.is_out(now);
        let in_segment = out && self.segment()?.includes(member);
        Ok(NewsFacts { out, in_segment })
    }

    /// Whether `user` (holding `roles`) may read the post, judged by the grant table as the
    /// relay judges a device asking for it, on what `news` says of the post and them.
    fn readable_by(&self, user: &str, roles: &[Role], news: NewsFacts) -> bool {
        let record = DocumentRecord {
            kind: self.kind.clone(),
            owner: None,
            owner_listed: false,
            event: None,
            conversation: None,
            news: Some(news),
        };
        access::access(user, roles, Some(&record)).is_some()
    }

    /// How `user` relates to the post at `now`, from the cache of segment facts (never
    /// writing it: safe on the relay's sync path).
    async fn judged(&self, pool: &AnyPool, user: &str, now: i64) -> Result<NewsFacts, Error> {
        if !self.is_out(now) {
            return Ok(NewsFacts {
                out: false,
                in_segment: false,
            });
        }
        self.facts(&member_facts(pool, user, false).await?, now)
    }

    /// The post as a reader holding `roles` is given it: the recruiters' notes on an opening
    /// only to those who post openings.
    fn reference(&self, now: i64, roles: &[Role]) -> Result<NewsRef, Error> {
        let notes = self.notes.as_deref().filter(|_| writes_jobs(roles));
        Ok(NewsRef {
            post: db::document_id(&self.doc)?,
            responses: self.responses.as_deref().map(db::document_id).transpose()?,
            out_at: if self.is_out(now) { self.out_at } else { 0 },
            pinned: self.pinned,
            job: self.kind == DocKind::JobPost.key(),
            notes: notes.map(db::document_id).transpose()?,
        })
    }
}

const ROW_COLUMNS: &str =
    "doc, responses, status, publish_at, out_at, pinned, segment, kind, notes";

/// Post `doc` as the relay holds it (news or a job opening), read on the relay's write path.
pub(crate) async fn stored_post(s: &mut Scribe<'_>, doc: &DocumentId) -> Result<NewsPost, Error> {
    s.read(doc, NewsPost::read)
        .await?
        .map_err(|e| Error::Corrupt(format!("post {doc}: {e}")))
}

/// The row of post `doc`, if it is a post.
async fn row(pool: &AnyPool, doc: &DocumentId) -> Result<Option<PostRow>, Error> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM news_posts WHERE doc = $1"
    ))
    .bind(doc.to_string())
    .fetch_optional(pool)
    .await?)
}

async fn rows<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
) -> Result<Vec<PostRow>, Error> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM news_posts ORDER BY out_at DESC, doc"
    ))
    .fetch_all(db)
    .await?)
}

/// What the grant table needs to know about post `doc` (or the post whose responses `doc` holds)
/// for `user`; a post with no row is out for no one. (On the relay's sync path: reads the cache of segment facts, never writes it.)
pub(crate) async fn facts(
    pool: &AnyPool,
    doc: &DocumentId,
    user: &str,
) -> Result<NewsFacts, Error> {
    let row: Option<PostRow> = sqlx::query_as(&format!(
        "SELECT {ROW_COLUMNS} FROM news_posts WHERE doc = $1 OR responses = $1"
    ))
    .bind(doc.to_string())
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => row.judged(pool, user, db::now()).await,
        None => Ok(NewsFacts {
            out: false,
            in_segment: false,
        }),
    }
}

/// Post `doc` as `user` (holding `roles`) may read it now, if they may: judged as the relay
/// judges a device asking for it. Like [`facts`], it only reads the cache of segment facts, so
/// a reaction may ask it.
pub(crate) async fn readable_post(
    pool: &AnyPool,
    doc: &DocumentId,
    user: &str,
    roles: &[Role],
) -> Result<Option<NewsRef>, Error> {
    let Some(row) = row(pool, doc).await? else {
        return Ok(None);
    };
    let now = db::now();
    if !row.readable_by(user, roles, row.judged(pool, user, now).await?) {
        return Ok(None);
    }
    Ok(Some(row.reference(now, roles)?))
}

/// What a segment is judged on for `user`; see [`segment_facts`].
async fn member_facts(pool: &AnyPool, user: &str, keep: bool) -> Result<MemberFacts, Error> {
    Ok(segment_facts(pool, Some(user), keep)
        .await?
        .pop()
        .map(|(_, facts)| facts)
        .unwrap_or_default())
}

/// Every active member's segment facts (only `only`'s, if given): their roles, and what the
/// parts of their profile an admin may read say (the part everyone reads, the members' part and
/// the admins' part). The profile's side comes from `segment_facts` where its row still names
/// the parts as stored (their ids and heads), and is worked out from the parts where not; with
/// `keep`, what was worked out is stored for next time. (Only HTTP handlers keep: a write
/// transaction on the relay's sync path could wait for a handler that waits for the relay.)
pub(crate) async fn segment_facts(
    pool: &AnyPool,
    only: Option<&str>,
    keep: bool,
) -> Result<Vec<(String, MemberFacts)>, Error> {
    let members: Vec<(String,)> = fetch(
        pool,
        "SELECT id FROM users WHERE status = 'active'{one} ORDER BY id",
        " AND id = $1",
        only,
    )
    .await?;
    let rows: Vec<(String, String, String, Option<Vec<u8>>)> = fetch(
        pool,
        "SELECT d.owner_id, d.kind, d.id, d.heads FROM documents d
           JOIN users u ON u.id = d.owner_id
          WHERE u.status = 'active'
            AND d.kind IN ('profile', 'profile-members', 'profile-admins'){one}
          ORDER BY d.owner_id, d.kind, d.id",
        " AND d.owner_id = $1",
        only,
    )
    .await?;
    let mut parts: HashMap<String, Parts> = HashMap::new();
    for (owner, kind, id, heads) in rows {
        parts
            .entry(owner)
            .or_default()
            .add(&kind, &id, heads.as_deref());
    }
    let cached: HashMap<String, (String, String)> = fetch(
        pool,
        "SELECT user_id, parts, facts FROM segment_facts WHERE 1 = 1{one}",
        " AND user_id = $1",
        only,
    )
    .await?
    .into_iter()
    .map(|(user, parts, facts): (String, String, String)| (user, (parts, facts)))
    .collect();
    let mut roles: HashMap<String, Vec<Role>> = HashMap::new();
    let held: Vec<(String, String)> = fetch(
        pool,
        "SELECT user_id, role FROM user_roles WHERE 1 = 1{one}",
        " AND user_id = $1",
        only,
    )
    .await?;
    for (member, role) in held {
        roles
            .entry(member)
            .or_default()
            .extend(Role::from_key(&role));
    }

    let mut judged = Vec::with_capacity(members.len());
    let mut fresh = Vec::new();
    let mut conn = pool.acquire().await?;
    for (member,) in members {
        let parts = parts.remove(&member).unwrap_or_default();
        let hit = parts.key.as_ref().and_then(|key| {
            cached
                .get(&member)
                .filter(|(held, _)| held == key)
                .and_then(|(_, facts)| serde_json::from_str::<MemberFacts>(facts).ok())
        });
        let mut facts = match hit {
            Some(facts) => facts,
            None => {
                let facts = parts.read(&mut conn).await?;
                if let Some(key) = parts.key {
                    fresh.push((member.clone(), key, facts.clone()));
                }
                facts
            }
        };
        facts.roles = roles.remove(&member).unwrap_or_default();
        judged.push((member, facts));
    }
    drop(conn);
    if keep && !fresh.is_empty() {
        let mut tx = db::write_tx(pool).await?;
        for (member, key, facts) in &fresh {
            let facts = serde_json::to_string(facts)
                .map_err(|e| Error::Corrupt(format!("segment facts of {member}: {e}")))?;
            sqlx::query(
                "INSERT INTO segment_facts (user_id, parts, facts) VALUES ($1, $2, $3)
                 ON CONFLICT (user_id) DO UPDATE SET parts = excluded.parts, facts = excluded.facts",
            )
            .bind(member)
            .bind(key)
            .bind(facts)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(judged)
}

/// Rows of `sql`, whose `{one}` becomes `filter` (binding `$1` to the member) when the facts
/// are for `only` one member, and nothing when they are for everyone.
async fn fetch<T>(
    pool: &AnyPool,
    sql: &str,
    filter: &str,
    only: Option<&str>,
) -> Result<Vec<T>, Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let sql = sql.replace("{one}", if only.is_some() { filter } else { "" });
    let query = sqlx::query_as::<_, T>(&sql);
    let query = match only {
        Some(user) => query.bind(user),
        None => query,
    };
    Ok(query.fetch_all(pool).await?)
}

/// The parts of one member's profile a segment is judged on, and what names them as stored.
#[derive(Debug, Default)]
struct Parts {
    docs: Vec<DocumentId>,
    /// Each part's kind, id and heads; `None` once a part's heads are not known (another relay's
    /// chunk waits to be merged), so the facts are worked out afresh.
    key: Option<String>,
    unknown: bool,
}

impl Parts {
    fn add(&mut self, kind: &str, id: &str, heads: Option<&[u8]>) {
        if let Ok(doc) = id.parse() {
            self.docs.push(doc);
        }
        let Some(heads) = heads.filter(|_| !self.unknown) else {
            self.unknown = true;
            self.key = None;
            return;
        };
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let key = self.key.get_or_insert_with(String::new);
        for part in [kind, ":", id, ":"] {
            key.push_str(part);
        }
        for b in heads {
            key.push(char::from(HEX[usize::from(b >> 4)]));
            key.push(char::from(HEX[usize::from(b & 15)]));
        }
        key.push(';');
    }

    /// What the parts say now, read from storage.
    async fn read(&self, conn: &mut AnyConnection) -> Result<MemberFacts, Error> {
        let mut profiles = Vec::with_capacity(self.docs.len());
        for doc in &self.docs {
            let stored = db::stored_document(&mut *conn, doc).await?;
            profiles.push(
                Profile::read(&stored)
                    .map_err(|e| Error::Corrupt(format!("profile part {doc}: {e}")))?,
            );
        }
        Ok(MemberFacts::from_profile(&[], &profiles))
    }
}

fn segment_json(segment: &Segment) -> Result<String, Error> {
    serde_json::to_string(segment).map_err(|e| Error::Corrupt(format!("a segment: {e}")))
}

/// Keeps a post's row equal to its document after an admin's change, and has every device
/// holding the post judged again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Posts;

impl Reactions for Posts {
    fn reacts_to(&self, record: &DocumentRecord) -> bool {
        matches!(
            DocKind::from_key(&record.kind),
            Some(DocKind::NewsPost | DocKind::JobPost)
        )
    }

    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let post = stored_post(s, &doc).await?;
            let row: Option<(i64, Option<String>, String, String)> = sqlx::query_as(
                "SELECT out_at, responses, status, segment FROM news_posts WHERE doc = $1",
            )
            .bind(doc.to_string())
            .fetch_optional(s.conn())
            .await?;
            let Some((was_out_at, responses, was_status, was_segment)) = row else {
                return Err(Error::Corrupt(format!("post {doc} has no row")));
            };
            let now = s.now();
            let was_out = PostStatus::from_key(&was_status) == PostStatus::Published
                && was_out_at > 0
                && was_out_at <= now;
            let segment = segment_json(&post.segment)?;
            // When it came out: its scheduled time, or the moment it was first published.
            let out_at = match post.status() {
                PostStatus::Published if post.publish_at > 0 => post.publish_at,
                PostStatus::Published if was_out_at > 0 => was_out_at,
                PostStatus::Published => s.now(),
                PostStatus::Draft | PostStatus::Unpublished => 0,
            };
            sqlx::query(
                "UPDATE news_posts SET status = $1, publish_at = $2, out_at = $3, pinned = $4,
                        segment = $5, important = $6, newsletter = $7 WHERE doc = $8",
            )
            .bind(post.status().key())
            .bind(post.publish_at)
            .bind(out_at)
            .bind(post.pinned)
            .bind(&segment)
            .bind(post.important)
            .bind(post.newsletter)
            .bind(doc.to_string())
            .execute(s.conn())
            .await?;
            // Out now, and new to someone: open apps ask again (a scheduled post is told of
            // when its time comes, by `tell_due`).
            if post.is_out(now) && (!was_out || segment != was_segment) {
                sqlx::query("UPDATE news_posts SET told_at = $1 WHERE doc = $2")
                    .bind(now)
                    .bind(doc.to_string())
                    .execute(s.conn())
                    .await?;
                s.news_out();
            }
            let writers: &[Role] = if record.kind == DocKind::JobPost.key() {
                &JOB_WRITERS
            } else {
                &NEWS_WRITERS
            };
            link_photos(s, doc, &post, writers).await?;
            // Its responses go wherever the post goes.
            let responses = responses.as_deref().map(db::document_id).transpose()?;
            s.readers_changed(std::iter::once(doc).chain(responses));
            Ok(())
        })
    }
}

/// Keeps which photos `post` shows (its readers fetch them, [`crate::photos`]): each photo
/// named in its text, by each of its uploaders who holds one of `writers` (the roles that
/// write posts of its kind). A photo only someone else uploaded (an id learnt from a
/// conversation) is not given to the post's readers.
async fn link_photos(
    s: &mut Scribe<'_>,
    doc: DocumentId,
    post: &NewsPost,
    writers: &[Role],
) -> Result<(), Error> {
    let mut named = std::collections::BTreeSet::new();
    for photo in post.photos() {
        let sql = format!(
            "SELECT DISTINCT o.user_id FROM photo_owners o
               JOIN user_roles r ON r.user_id = o.user_id
              WHERE o.photo = $1 AND r.role IN ({})",
            db::marks(2, writers.len())
        );
        let uploaders: Vec<String> = writers
            .iter()
            .fold(sqlx::query_scalar(&sql).bind(&photo), |q, role| {
                q.bind(role.key())
            })
            .fetch_all(s.conn())
            .await?;
        named.extend(uploaders.into_iter().map(|w| (photo.clone(), w)));
    }
    crate::photos::link(s, doc, &named).await
}

/// A member's account was deleted: everything they said to posts (いいね, comments) leaves the
/// posts' current state on every device ([`Responses::erase_member`]).
pub(crate) struct LeftNetwork<'a>(pub(crate) &'a str);

impl Job for LeftNetwork<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let all: Vec<String> =
            sqlx::query_scalar("SELECT responses FROM news_posts WHERE responses IS NOT NULL")
                .fetch_all(s.conn())
                .await?;
        for responses in &all {
            let responses = db::document_id(responses)?;
            let said = s
                .read(&responses, |doc| {
                    Responses::read(doc).map(|r| {
                        r.likes.contains_key(self.0)
                            || r.comments.iter().any(|c| c.author == self.0)
                    })
                })
                .await?
                .map_err(|e| Error::Corrupt(format!("responses {responses}: {e}")))?;
            if said {
                let gone = self.0.to_owned();
                s.edit(responses, move |tx| {
                    Responses::erase_member(tx, &gone).map(drop)
                })
                .await?;
            }
        }
        Ok(())
    }
}

/// Tells open apps of the posts whose scheduled time came since ([`Scribe::news_out`]); run with
/// the events' reminders. Claimed through `told_at`, so of several relays one tells.
pub(crate) async fn tell_due(relay: &Mutex<Relay>, pool: &AnyPool) -> Result<(), Error> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT doc FROM news_posts
          WHERE status = $1 AND out_at > 0 AND out_at <= $2 AND told_at < out_at",
    )
    .bind(PostStatus::Published.key())
    .bind(db::now())
    .fetch_all(pool)
    .await?;
    if due.is_empty() {
        return Ok(());
    }
    relay.lock().await.write(Tell { due }).await
}

/// Claims the posts `due` to be told of, and tells if any was still untold.
struct Tell {
    due: Vec<String>,
}

impl Job for Tell {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let mut claimed = 0;
        for doc in &self.due {
            claimed += sqlx::query(
                "UPDATE news_posts SET told_at = $1 WHERE doc = $2 AND told_at < out_at",
            )
            .bind(s.now())
            .bind(doc)
            .execute(s.conn())
            .await?
            .rows_affected();
        }
        if claimed > 0 {
            s.news_out();
        }
        Ok(())
    }
}

/// What a post that came out may ask for, once: an announcement by push, the newsletter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Duty {
    Announce,
    Mail,
}

impl Duty {
    /// The post's flag asking for it, and the column saying when it was done (0: not yet).
    fn columns(self) -> (&'static str, &'static str) {
        match self {
            Duty::Announce => ("important", "announced_at"),
            Duty::Mail => ("newsletter", "mailed_at"),
        }
    }

    /// The posts out that ask for it and have not had it, with their segments.
    pub(crate) async fn due(self, pool: &AnyPool) -> Result<Vec<(DocumentId, Segment)>, Error> {
        let (flag, done) = self.columns();
        let rows: Vec<(String, String)> = sqlx::query_as(&format!(
            "SELECT doc, segment FROM news_posts
              WHERE {flag} = $1 AND status = $2 AND out_at > 0 AND out_at <= $3 AND {done} = 0"
        ))
        .bind(true)
        .bind(PostStatus::Published.key())
        .bind(db::now())
        .fetch_all(pool)
        .await?;
        rows.into_iter()
            .map(|(doc, segment)| {
                let segment = serde_json::from_str(&segment)
                    .map_err(|e| Error::Corrupt(format!("the segment of post {doc}: {e}")))?;
                Ok((db::document_id(&doc)?, segment))
            })
            .collect()
    }

    /// Claims `post` for it, at `now`: false if it was done (by this relay or another) or the
    /// post stopped asking for it meanwhile.
    pub(crate) async fn claim(
        self,
        conn: &mut AnyConnection,
        post: &DocumentId,
        now: i64,
    ) -> Result<bool, Error> {
        let (flag, done) = self.columns();
        let claimed = sqlx::query(&format!(
            "UPDATE news_posts SET {done} = $1
              WHERE doc = $2 AND {done} = 0 AND {flag} = $3 AND status = $4"
        ))
        .bind(now)
        .bind(post.to_string())
        .bind(true)
        .bind(PostStatus::Published.key())
        .execute(conn)
        .await?
        .rows_affected();
        Ok(claimed > 0)
    }
}

/// The members of `everyone` (with their facts) that `segment` takes in.
pub(crate) fn members_in<'a>(
    everyone: &'a [(String, MemberFacts)],
    segment: &'a Segment,
) -> impl Iterator<Item = &'a String> + 'a {
    everyone
        .iter()
        .filter(|(_, facts)| segment.includes(facts))
        .map(|(member, _)| member)
}

/// Announces by push each post marked important that has come out and was not announced yet
/// — once, to the members in its segment who have the app closed ([`crate::push::queue`]); run
/// with the events' reminders. Who is in the segment is worked out here, outside the relay's
/// lock; only the queueing runs under it.
pub(crate) async fn announce_due(relay: &Mutex<Relay>, pool: &AnyPool) -> Result<(), Error> {
    let due = Duty::Announce.due(pool).await?;
    if due.is_empty() {
        return Ok(());
    }
    let everyone = segment_facts(pool, None, true).await?;
    for (post, segment) in due {
        let members = members_in(&everyone, &segment).cloned().collect();
        relay.lock().await.write(Announce { post, members }).await?;
    }
    Ok(())
}

/// Announces `post` to `members` unless that was done (by this relay or another) or it stopped
/// being an important post out meanwhile.
struct Announce {
    post: DocumentId,
    members: Vec<String>,
}

impl Job for Announce {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let now = s.now();
        if !Duty::Announce.claim(s.conn(), &self.post, now).await? {
            return Ok(());
        }
        let title = stored_post(s, &self.post).await?.title;
        let notice = PushNotice::News {
            post: self.post,
            title,
        };
        let members = self.members.iter().map(String::as_str).collect();
        crate::push::queue(s, members, &notice).await
    }
}
