//! The newsletter (issue 13, docs/design.md §13): a post an admin marks "also by mail" goes out,
//! once, when it comes out, to every member of its segment who has not unsubscribed.
//!
//! - [`mail_due`] runs with the relay's other periodic duties, on a relay that has a mail server.
//!   It first *queues* the mails of posts that came out (one `news_mail` row per recipient, the
//!   post claimed through `mailed_at` so that several relays queue it once), then *sends* what
//!   waits, claiming each row before sending it. Nothing is sent under the relay's lock or in a
//!   transaction.
//! - A mail the server refuses for good (an unknown address, a full mailbox) is `failed` and
//!   counted for the admins; one that could not go yet (the server busy or unreachable) is tried
//!   again at the next round, up to [`ATTEMPTS`] times. A relay killed while sending leaves rows
//!   `sending`; after [`STALE_AFTER`] they are sent again (a member may, rarely, get a mail twice,
//!   never none).
//! - Before each mail goes, the post must still be out and the member active and subscribed: a
//!   post unpublished while its mails go out stops reaching inboxes.
//! - Every mail carries its member's unsubscribe link (`newsletter_links.token`: random, and good
//!   for nothing but unsubscribing, so it works without signing in), in the text and in the
//!   `List-Unsubscribe` headers (RFC 2369, one-click as RFC 8058 says). Opening it shows a page
//!   with one button (a mail scanner that follows links unsubscribes nobody); a one-click `POST`
//!   from a mail app unsubscribes at once. Members change their mind in the app
//!   (`GET`/`PUT /api/newsletter`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::AnyPool;
use std::collections::HashMap;
use tsunagu_core::api::NewsletterChoice;
use tsunagu_core::ids::{DocumentId, random_bytes};
use tsunagu_core::news::NewsPost;

use super::Duty;
use crate::AppState;
use crate::auth::SignedIn;
use crate::client::Anonymous;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::mail::{Mail, Undelivered};
use crate::joining::{Joining, Mailer};

/// How many times a mail that could not go yet is tried before it counts as undelivered.
pub(crate) const ATTEMPTS: i64 = 5;

/// Seconds after which a mail still `sending` is taken to have been lost with its relay.
pub(crate) const STALE_AFTER: i64 = 600;

/// Rows claimed and sent per query.
const BATCH: i64 = 100;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/newsletter", get(choice).put(choose))
        .route(
            "/newsletter/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe),
        )
}

/// Queues the mails of posts that came out and sends every mail that waits.
pub(crate) async fn mail_due(pool: &AnyPool, joining: &Joining) -> Result<(), Error> {
    let Some(mailer) = &joining.mailer else {
        return Ok(());
    };
    queue_due(pool).await?;
    send_waiting(pool, mailer, &joining.public_url).await
}

/// One `news_mail` row per member in the segment of each newsletter post that came out and was
/// not queued yet. The segment is worked out before the transaction; the claim on the post
/// (`mailed_at`) makes the rows once whichever relay gets there first.
async fn queue_due(pool: &AnyPool) -> Result<(), Error> {
    let due = Duty::Mail.due(pool).await?;
    if due.is_empty() {
        return Ok(());
    }
    let everyone = super::segment_facts(pool, None, true).await?;
    let unsubscribed: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM newsletter_links WHERE unsubscribed_at > 0")
            .fetch_all(pool)
            .await?;
    for (doc, segment) in due {
        let now = db::now();
        let mut tx = db::write_tx(pool).await?;
        if !Duty::Mail.claim(&mut tx, &doc, now).await? {
            continue;
        }
        let mut queued = 0usize;
        for member in super::members_in(&everyone, &segment) {
            if unsubscribed.contains(member) {
                continue;
            }
            sqlx::query(
                "INSERT INTO news_mail (post, user_id, state, updated_at)
                 VALUES ($1, $2, 'pending', $3)",
            )
            .bind(doc.to_string())
            .bind(member)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            queued += 1;
        }
        tx.commit().await?;
        tracing::info!(post = %doc, queued, "newsletter queued");
    }
    Ok(())
}

/// Sends the mails that wait (and those a killed relay left `sending`), a batch at a time,
/// until none waits or the mail server stops answering.
async fn send_waiting(pool: &AnyPool, mailer: &Mailer, public_url: &str) -> Result<(), Error> {
    let mut posts: HashMap<String, Option<NewsPost>> = HashMap::new();
    loop {
        let stale = db::now() - STALE_AFTER;
        let waiting: Vec<(String, String)> = sqlx::query_as(
            "SELECT post, user_id FROM news_mail
              WHERE state = 'pending' OR (state = 'sending' AND updated_at < $1)
              ORDER BY post, user_id LIMIT $2",
        )
        .bind(stale)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        if waiting.is_empty() {
            return Ok(());
        }
        for (post, member) in waiting {
            let claimed = sqlx::query(
                "UPDATE news_mail SET state = 'sending', attempts = attempts + 1, updated_at = $1
                  WHERE post = $2 AND user_id = $3
                    AND (state = 'pending' OR (state = 'sending' AND updated_at < $4))",
            )
            .bind(db::now())
            .bind(&post)
            .bind(&member)
            .bind(stale)
            .execute(pool)
            .await?
            .rows_affected();
            if claimed == 0 {
                continue; // another relay took it
            }
            if !posts.contains_key(&post) {
                posts.insert(post.clone(), still_out(pool, &post).await?);
            }
            let outcome = match (&posts[&post], recipient(pool, &member).await?) {
                (Some(news), Some(to)) => {
                    let doc = db::document_id(&post)?;
                    let mail = NewsMail {
                        post: doc,
                        news,
                        to: &to,
                        public_url,
                    };
                    Some(mail.send(mailer).await)
                }
                _ => None,
            };
            let gave_up = matches!(&outcome, Some(Err(e)) if !e.permanent);
            settle(pool, &post, &member, outcome).await?;
            if gave_up {
                // The server does not answer now: the rest waits for the next round.
                return Ok(());
            }
        }
    }
}

/// The post, if it is still a newsletter post that is out.
async fn still_out(pool: &AnyPool, post: &str) -> Result<Option<NewsPost>, Error> {
    let doc = db::document_id(post)?;
    let news = NewsPost::read(&db::stored_document(pool, &doc).await?)
        .map_err(|e| Error::Corrupt(format!("post {post}: {e}")))?;
    Ok((news.is_out(db::now()) && news.newsletter).then_some(news))
}

/// Whom to mail: an active member who has not unsubscribed (name, email, unsubscribe token).
struct Recipient {
    name: String,
    email: String,
    token: String,
}

async fn recipient(pool: &AnyPool, member: &str) -> Result<Option<Recipient>, Error> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT display_name, email FROM users WHERE id = $1 AND status = 'active'")
            .bind(member)
            .fetch_optional(pool)
            .await?;
    let Some((name, email)) = row else {
        return Ok(None);
    };
    let (token, unsubscribed_at) = link(pool, member).await?;
    Ok((unsubscribed_at == 0).then_some(Recipient { name, email, token }))
}

/// The member's unsubscribe token and when they unsubscribed (0: they did not), made the first
/// time it is asked for.
async fn link(pool: &AnyPool, member: &str) -> Result<(String, i64), Error> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<24>());
    sqlx::query(
        "INSERT INTO newsletter_links (user_id, token) VALUES ($1, $2)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(member)
    .bind(&token)
    .execute(pool)
    .await?;
    Ok(
        sqlx::query_as("SELECT token, unsubscribed_at FROM newsletter_links WHERE user_id = $1")
            .bind(member)
            .fetch_one(pool)
            .await?,
    )
}

/// Writes down how a mail went: `None` when it was not to go any more.
async fn settle(
    pool: &AnyPool,
    post: &str,
    member: &str,
    outcome: Option<Result<(), Undelivered>>,
) -> Result<(), Error> {
    let (state, error) = match outcome {
        None => ("cancelled", None),
        Some(Ok(())) => ("sent", None),
        Some(Err(e)) => {
            tracing::warn!(%post, %member, permanent = e.permanent, reason = %e.reason, "a newsletter mail did not go");
            let again = !e.permanent;
            (if again { "retry" } else { "failed" }, Some(e.reason))
        }
    };
    // A mail to try again waits as `pending` until it has been tried ATTEMPTS times.
    sqlx::query(
        "UPDATE news_mail
            SET state = CASE WHEN $1 = 'retry' AND attempts < $2 THEN 'pending'
                             WHEN $1 = 'retry' THEN 'failed'
                             ELSE $1 END,
                error = $3, updated_at = $4
          WHERE post = $5 AND user_id = $6",
    )
    .bind(state)
    .bind(ATTEMPTS)
    .bind(error)
    .bind(db::now())
    .bind(post)
    .bind(member)
    .execute(pool)
    .await?;
    Ok(())
}

/// Newsletter mails of `post` (sent, undelivered), for its stats.
pub(crate) async fn counts(pool: &AnyPool, post: &DocumentId) -> Result<(usize, usize), Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT state, COUNT(*) FROM news_mail WHERE post = $1 AND state IN ('sent', 'failed')
          GROUP BY state",
    )
    .bind(post.to_string())
    .fetch_all(pool)
    .await?;
    let count = |wanted: &str| {
        rows.iter()
            .find(|(state, _)| state == wanted)
            .map_or(0, |(_, n)| usize::try_from(*n).unwrap_or(0))
    };
    Ok((count("sent"), count("failed")))
}

/// One post mailed to one member.
struct NewsMail<'a> {
    post: DocumentId,
    news: &'a NewsPost,
    to: &'a Recipient,
    public_url: &'a str,
}

impl NewsMail<'_> {
    async fn send(&self, mailer: &Mailer) -> Result<(), Undelivered> {
        let unsubscribe = format!(
            "{}/api/newsletter/unsubscribe/{}",
            self.public_url, self.to.token
        );
        let label = if self.news.job.is_some() {
            "求人"
        } else {
            "お知らせ"
        };
        let subject = format!("【{label}】{}", one_line(&self.news.title));
        mailer
            .deliver(Mail {
                to_name: &self.to.name,
                to_email: &self.to.email,
                subject: &subject,
                body: self.text(&unsubscribe),
                unsubscribe: Some(&unsubscribe),
            })
            .await
    }

    /// Plain text, the fixed words in Japanese and then English; the post as its admin wrote it
    /// (Markdown reads well as text). A job opening says so, and what it offers.
    fn text(&self, unsubscribe: &str) -> String {
        let name = &self.to.name;
        let title = one_line(&self.news.title);
        let body = self.news.body.trim();
        let link = format!("{}/news/{}", self.public_url, self.post);
        let (lead, open) = match &self.news.job {
            Some(opening) => (
                format!(
                    "アルムナイのみなさんへの募集のお知らせです。\n\
                     An opening for the company's alumni.\n{}",
                    particulars(opening)
                ),
                "アプリで詳しく読む / Read it in the app:",
            ),
            None => (
                "アルムナイネットワークからのお知らせです。\n\
                 News from your alumni network.\n"
                    .to_owned(),
                "アプリで読む・いいね・コメント / Read, like and comment in the app:",
            ),
        };
        format!(
            "{name} 様 / Dear {name},\n\
             \n\
             {lead}\
             \n\
             ■ {title}\n\
             \n\
             {body}\n\
             \n\
             ----\n\
             {open}\n\
             {link}\n\
             \n\
             お知らせのメールが不要な場合は、こちらから配信を停止できます(ログインは不要です)。\n\
             To stop these mails, unsubscribe here (no sign-in needed):\n\
             {unsubscribe}\n"
        )
    }
}

/// What an opening offers, one fact a line, for a mail.
fn particulars(opening: &tsunagu_core::news::Opening) -> String {
    use tsunagu_core::news::JobKind;
    let kind = match opening.kind() {
        Some(JobKind::FullTime) => "正社員（出戻り） / Full-time (comeback)",
        Some(JobKind::PartTime) => "パート・アルバイト / Part-time",
        Some(JobKind::Gig) => "業務委託・副業 / Gig or side work",
        Some(JobKind::Referral) => "紹介のお願い / Referral",
        None => "",
    };
    let remote = if opening.remote {
        "リモート可 / Remote OK"
    } else {
        ""
    };
    [
        kind,
        &opening.department,
        &opening.location,
        remote,
        &opening.rate,
        &opening.duration,
    ]
    .into_iter()
    .map(str::trim)
    .filter(|fact| !fact.is_empty())
    .map(|fact| format!("・{fact}\n"))
    .collect()
}

/// A title as one line: a header cannot hold a line break, and a mail's heading reads better
/// without one.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `GET /api/newsletter`.
async fn choice(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<NewsletterChoice>, AppError> {
    Ok(Json(NewsletterChoice {
        receive: receives(&state.db, &signed_in.user.id).await?,
        mail_server: state.config.smtp_url.is_some(),
    }))
}

/// Whether `member` receives the newsletter.
async fn receives(pool: &AnyPool, member: &str) -> Result<bool, Error> {
    let unsubscribed: Option<i64> =
        sqlx::query_scalar("SELECT unsubscribed_at FROM newsletter_links WHERE user_id = $1")
            .bind(member)
            .fetch_optional(pool)
            .await?;
    Ok(unsubscribed.unwrap_or(0) == 0)
}

/// `PUT /api/newsletter`.
async fn choose(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<NewsletterChoice>, JsonRejection>,
) -> Result<Json<NewsletterChoice>, AppError> {
    let Json(choice) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let member = &signed_in.user.id;
    link(&state.db, member).await?;
    sqlx::query("UPDATE newsletter_links SET unsubscribed_at = $1 WHERE user_id = $2")
        .bind(if choice.receive { 0 } else { db::now() })
        .bind(member)
        .execute(&state.db)
        .await
        .map_err(Error::from)?;
    tracing::info!(user = %member, receive = choice.receive, "newsletter choice");
    Ok(Json(NewsletterChoice {
        receive: choice.receive,
        mail_server: state.config.smtp_url.is_some(),
    }))
}

/// `GET /api/newsletter/unsubscribe/<token>`: a page with one button, so that a link checker
/// opening the link unsubscribes nobody.
async fn unsubscribe_page(
    State(state): State<AppState>,
    _caller: Anonymous,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    Ok(match member_of(&state.db, &token).await? {
        None => unknown_link(),
        Some(_) => page(
            StatusCode::OK,
            "unsubscribe",
            "お知らせメールの配信停止 / Unsubscribe",
            "下のボタンを押すと、お知らせのメールが届かなくなります。アプリのお知らせはこれまでどおり読めます。",
            "Press the button below to stop receiving news by mail. You can still read the news in the app.",
            Some(&format!("/api/newsletter/unsubscribe/{token}")),
        ),
    })
}

/// `POST /api/newsletter/unsubscribe/<token>`: from the page's button, or a mail app's
/// one-click unsubscribe.
async fn unsubscribe(
    State(state): State<AppState>,
    _caller: Anonymous,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let Some(member) = member_of(&state.db, &token).await? else {
        return Ok(unknown_link());
    };
    sqlx::query(
        "UPDATE newsletter_links SET unsubscribed_at = $1
          WHERE user_id = $2 AND unsubscribed_at = 0",
    )
    .bind(db::now())
    .bind(&member)
    .execute(&state.db)
    .await
    .map_err(Error::from)?;
    tracing::info!(user = %member, "unsubscribed from the newsletter by its link");
    Ok(page(
        StatusCode::OK,
        "unsubscribed",
        "配信を停止しました / Unsubscribed",
        "お知らせのメールはもう届きません。再開するには、アプリの「お知らせ」からメール配信をオンにしてください。",
        "You will no longer receive news by mail. To receive it again, turn mail on under News in the app.",
        None,
    ))
}

async fn member_of(pool: &AnyPool, token: &str) -> Result<Option<String>, AppError> {
    if token.len() > 64 {
        return Ok(None);
    }
    Ok(
        sqlx::query_scalar("SELECT user_id FROM newsletter_links WHERE token = $1")
            .bind(token)
            .fetch_optional(pool)
            .await
            .map_err(Error::from)?,
    )
}

fn unknown_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "unknown",
        "リンクが見つかりません / Link not found",
        "この配信停止リンクは使えません。メールのリンクをもう一度、省略せずに開いてください。",
        "This unsubscribe link does not work. Open the link in the mail again, in full.",
        None,
    )
}

/// A small page in both languages; `data-state` names it for tests. Every text is ours: nothing
/// from the request is written into it but the token, which is URL-safe base64.
fn page(
    status: StatusCode,
    state: &str,
    title: &str,
    japanese: &str,
    english: &str,
    button_to: Option<&str>,
) -> Response {
    let form = button_to.map_or(String::new(), |action| {
        format!(
            "<form method=\"post\" action=\"{action}\">\
             <button type=\"submit\" data-testid=\"unsubscribe\">配信を停止する / Unsubscribe</button></form>"
        )
    });
    let html = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1.25rem;\
         line-height:1.7;color:#1f2933}}h1{{font-size:1.3rem}}\
         button{{font:inherit;padding:.7rem 1.2rem;border:0;border-radius:.5rem;\
         background:#2f5d8a;color:#fff;cursor:pointer}}</style></head>\
         <body data-state=\"{state}\"><main><h1>{title}</h1><p>{japanese}</p><p lang=\"en\">{english}</p>\
         {form}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagu_core::news::{JobKind, Opening};

    fn mail_text(news: &NewsPost) -> String {
        let to = Recipient {
            name: "山田 花子".into(),
            email: "hanako@example.com".into(),
            token: "t0ken".into(),
        };
        let mail = NewsMail {
            post: DocumentId::random(),
            news,
            to: &to,
            public_url: "https://alumni.example.com",
        };
        mail.text("https://alumni.example.com/api/newsletter/unsubscribe/t0ken")
    }

    #[test]
    fn a_job_opening_is_mailed_as_one_with_what_it_offers() {
        let opening = Opening {
            location: "東京本社".into(),
            remote: true,
            rate: "月額40万円".into(),
            duration: "3か月".into(),
            ..Opening::of(JobKind::Gig)
        };
        let job = NewsPost {
            body: "営業企画を手伝ってください。".into(),
            job: Some(opening),
            ..NewsPost::draft("営業企画の業務委託")
        };
        let text = mail_text(&job);
        assert!(text.contains("募集のお知らせです"), "{text}");
        for fact in [
            "・業務委託・副業 / Gig or side work\n",
            "・東京本社\n",
            "・リモート可 / Remote OK\n",
            "・月額40万円\n",
            "・3か月\n",
        ] {
            assert!(text.contains(fact), "{fact:?} in {text}");
        }
        assert!(!text.contains("いいね"), "openings are not liked: {text}");
        assert!(text.contains("/api/newsletter/unsubscribe/t0ken"));

        let news = NewsPost {
            body: "年末年始のお休み".into(),
            ..NewsPost::draft("年末年始のお知らせ")
        };
        let text = mail_text(&news);
        assert!(
            text.contains("アルムナイネットワークからのお知らせです。"),
            "{text}"
        );
        assert!(!text.contains("\n・"), "no particulars for news: {text}");
    }
}
