//! Web Push (docs/design.md §8): devices subscribe, and the relay tells them what they missed
//! while the app was closed — a new message, with the sender and (unless the device chose not
//! to) its first words.
//!
//! - `GET /api/push/key`: the relay's VAPID public key (RFC 8292), made on first start and kept
//!   in the database.
//! - `PUT /api/push/subscription` / `DELETE`: this device's subscription. Its endpoint must be
//!   on one of the push services the relay is configured to trust
//!   ([`crate::Config::push_services`]): the relay sends requests there, so a member cannot aim
//!   it at anything else.
//! - `PUT /api/conversations/{id}/mute`: no notifications for one conversation.
//!
//! A member's accepted message ([`Messages`], a reaction) queues a notice for every other member
//! of the conversation who has no socket open, did not mute it and did not block the writer, in
//! the `push_outbox` table and the same transaction as the change; after it commits, [`Sender`]
//! encrypts each notice for each device (RFC 8291, aes128gcm) and posts it, outside the relay's
//! lock. A push service that answers 404 or 410 has dropped the subscription: so does the relay.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use futures_util::future::BoxFuture;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sqlx::AnyPool;
use tokio::sync::Notify;
use tsunagu_core::api::{Mute, PushKey, PushNotice, PushSubscription, PushUnsubscribe};
use tsunagu_core::conversation::{Conversation, Message};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::DocKind;
use web_push_native::{Auth, WebPushBuilder};

use crate::AppState;
use crate::auth::SignedIn;
use crate::conversations::facts;
use crate::db::{self, DocumentRecord};
use crate::error::{AppError, Error};
use crate::reactions::Reactions;
use crate::scribe::Scribe;

/// Where the VAPID key is kept (`meta` table), as its 32-byte scalar in base64url.
const VAPID_META: &str = "vapid_key";
/// The longest endpoint a subscription may have.
const MAX_ENDPOINT_CHARS: usize = 2048;
/// At most this many new messages of one change are notified (the rest: the newest stands for
/// them), so a device that comes back with a day's messages does not ring a hundred times.
const NOTICES_PER_CHANGE: usize = 3;
/// How long a push service may keep a notice for a device that is off.
const PUSH_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a push service gets to answer.
const PUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// The first words of a message a notification shows.
const PREVIEW_CHARS: usize = 80;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/push/key", get(key))
        .route("/push/subscription", put(subscribe).delete(unsubscribe))
        .route("/conversations/{conversation}/mute", put(mute))
}

/// The relay's VAPID identity.
#[derive(Clone)]
pub(crate) struct Vapid {
    key: SigningKey,
    /// The uncompressed public point, unpadded base64url.
    public: String,
    /// Who runs this relay, for the push services (`mailto:` or `https:`).
    contact: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The key kept in the database, or a new one kept there from now on.
    pub(crate) async fn load(pool: &AnyPool, contact: String) -> Result<Self, Error> {
        let stored = db::meta(pool, VAPID_META).await?;
        let key = match stored.as_deref().map(|b| B64.decode(b)) {
            Some(Ok(bytes)) => SigningKey::from_slice(&bytes)
                .map_err(|e| Error::Corrupt(format!("the stored VAPID key: {e}")))?,
            Some(Err(e)) => return Err(Error::Corrupt(format!("the stored VAPID key: {e}"))),
            None => {
                let key = SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
                let mut conn = pool.acquire().await?;
                db::set_meta(&mut conn, VAPID_META, &B64.encode(key.to_bytes())).await?;
                key
            }
        };
        let public = B64.encode(key.verifying_key().to_encoded_point(false).as_bytes());
        Ok(Self {
            key,
            public,
            contact,
        })
    }

    /// The `Authorization` header for a push to `endpoint` (RFC 8292 §2–3): a JWT naming the
    /// push service's origin, valid for 12 hours, signed ES256, and the public key.
    fn authorization(&self, endpoint: &url::Url, now: i64) -> String {
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": endpoint.origin().ascii_serialization(),
            "exp": now + 12 * 60 * 60,
            "sub": self.contact,
        });
        let claims = B64.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signed.as_bytes());
        format!(
            "vapid t={signed}.{}, k={}",
            B64.encode(signature.to_bytes()),
            self.public
        )
    }
}

async fn key(State(state): State<AppState>, _signed_in: SignedIn) -> Json<PushKey> {
    Json(PushKey {
        key: state.vapid.public.clone(),
    })
}

/// Whether `endpoint` is on a push service the relay trusts: `services` holds origins
/// (`https://fcm.googleapis.com`), a leading `*.` standing for any subdomain.
pub(crate) fn trusted(endpoint: &str, services: &[String]) -> Option<url::Url> {
    let url = url::Url::parse(endpoint).ok()?;
    let host = url.host_str()?;
    let origin = url.origin().ascii_serialization();
    let ok = services.iter().any(|service| {
        if let Some((scheme, pattern)) = service.split_once("://*.") {
            url.scheme() == scheme && host.ends_with(&format!(".{pattern}"))
        } else {
            origin == service.trim_end_matches('/')
        }
    });
    ok.then_some(url)
}

async fn subscribe(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<PushSubscription>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(sub) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if sub.endpoint.len() > MAX_ENDPOINT_CHARS
        || trusted(&sub.endpoint, &state.config.push_services).is_none()
    {
        return Err(AppError::BadRequest(
            "the endpoint is not on a push service this relay sends to".into(),
        ));
    }
    device_keys(&sub.p256dh, &sub.auth)
        .ok_or_else(|| AppError::BadRequest("the subscription's keys are not valid".into()))?;
    let me = signed_in.user.id;
    let mut tx = db::write_tx(&state.db).await?;
    // One browser signed in as someone else takes the endpoint over.
    sqlx::query(
        "INSERT INTO push_subscriptions
           (endpoint, user_id, p256dh, auth, preview, created_at, session)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh,
           auth = excluded.auth, preview = excluded.preview, session = excluded.session",
    )
    .bind(&sub.endpoint)
    .bind(&me)
    .bind(&sub.p256dh)
    .bind(&sub.auth)
    .bind(sub.preview)
    .bind(db::now())
    .bind(&signed_in.token_hash)
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    // As many subscriptions as devices, the oldest dropped beyond that.
    sqlx::query(
        "DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint NOT IN (
           SELECT endpoint FROM push_subscriptions WHERE user_id = $1
            ORDER BY created_at DESC, endpoint LIMIT $2)",
    )
    .bind(&me)
    .bind(i64::try_from(state.config.limits.devices_per_member).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?;
    tx.commit().await.map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unsubscribe(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<PushUnsubscribe>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(gone) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2")
        .bind(&gone.endpoint)
        .bind(&signed_in.user.id)
        .execute(&state.db)
        .await
        .map_err(Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn mute(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(conversation): Path<String>,
    payload: Result<Json<Mute>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(Mute { muted }) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let conversation: DocumentId = conversation.parse().map_err(|_| AppError::NotFound)?;
    let me = signed_in.user.id;
    if !facts(&state.db, &conversation, &me).await?.member {
        return Err(AppError::NotFound);
    }
    state
        .relay
        .lock()
        .await
        .write(SetMuted {
            conversation,
            user: &me,
            muted,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member mutes (or unmutes) a conversation: the row the sender reads, and their inbox, so
/// every device of theirs shows it.
#[derive(Debug)]
struct SetMuted<'a> {
    conversation: DocumentId,
    user: &'a str,
    muted: bool,
}

impl crate::reactions::Job for SetMuted<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        sqlx::query(
            "UPDATE conversation_members SET muted = $1 WHERE conversation = $2 AND user_id = $3",
        )
        .bind(self.muted)
        .bind(self.conversation.to_string())
        .bind(self.user)
        .execute(s.conn())
        .await?;
        let Some(inbox) = db::member_doc(s.conn(), self.user, DocKind::Inbox).await? else {
            return Ok(());
        };
        let (conversation, muted) = (self.conversation.to_string(), self.muted);
        s.edit(inbox, move |tx| {
            tsunagu_core::conversation::Inbox::set_muted(tx, &conversation, muted)
        })
        .await
    }
}

/// A device's public key and authentication secret, if both are what RFC 8291 says.
fn device_keys(p256dh: &str, auth: &str) -> Option<(p256::PublicKey, Auth)> {
    let public = p256::PublicKey::from_sec1_bytes(&B64.decode(p256dh).ok()?).ok()?;
    let auth = B64.decode(auth).ok()?;
    (auth.len() == 16).then(|| (public, Auth::clone_from_slice(&auth)))
}

/// Messages through the relay's seam ([`crate::reactions`]): a new message notifies the
/// conversation's other members who are away, and a full page turns to the next; "typing…"
/// passes to those reading the page. Nothing to settle at start: the watermark and the outbox
/// rows are written together, and the sender takes up the outbox at start.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Messages {
    /// [`crate::Limits::messages_per_page`].
    pub(crate) messages_per_page: usize,
}

impl Reactions for Messages {
    fn reacts_to(&self, record: &DocumentRecord) -> bool {
        DocKind::from_key(&record.kind) == Some(DocKind::MessagePage)
    }

    fn changed<'a>(
        &'a self,
        s: &'a mut Scribe<'_>,
        doc: DocumentId,
        _record: &'a DocumentRecord,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            // Read once for both: every read mark and reaction is a change to the page too.
            let messages = crate::conversations::read_page(s, doc).await?;
            let written = messages.len();
            crate::photos::link(s, doc, &crate::photos::named_in(&messages)).await?;
            notify_page(s, doc, messages).await?;
            crate::conversations::turn_page_if_full(s, doc, written, self.messages_per_page).await
        })
    }

    /// "Typing…" on a page, in the member's own name only.
    fn passes_ephemeral(&self, record: &DocumentRecord, user: &str, data: &[u8]) -> bool {
        self.reacts_to(record)
            && tsunagu_core::conversation::typing_member(data).as_deref() == Some(user)
    }
}

/// Queues a notice for each message on `page` newer than the last one notified, for every other
/// member away from the app who did not mute the conversation or block the writer.
async fn notify_page(
    s: &mut Scribe<'_>,
    page: DocumentId,
    messages: Vec<Message>,
) -> Result<(), Error> {
    let row: Option<(String, i64, String, String)> = sqlx::query_as(
        "SELECT conversation, notified_at, notified_author, notified_id
           FROM conversation_pages WHERE page = $1",
    )
    .bind(page.to_string())
    .fetch_optional(s.conn())
    .await?;
    let Some((conversation, at, author, id)) = row else {
        return Ok(());
    };
    let notified = (at, author.as_str(), id.as_str());
    // The page's own order: later than the last one notified.
    let fresh: Vec<_> = messages
        .into_iter()
        .filter(|m| (m.at, m.author.as_str(), m.id.as_str()) > notified && !m.unsent && !m.hidden)
        .collect();
    let Some(newest) = fresh.last() else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE conversation_pages SET notified_at = $1, notified_author = $2, notified_id = $3
          WHERE page = $4",
    )
    .bind(newest.at)
    .bind(&newest.author)
    .bind(&newest.id)
    .bind(page.to_string())
    .execute(s.conn())
    .await?;
    let conversation_id = db::document_id(&conversation)?;
    let group = s
        .read(&conversation_id, |d| Conversation::read(d).map(|c| c.name))
        .await?
        .unwrap_or_default();
    let members: Vec<(String, db::Flag)> =
        sqlx::query_as("SELECT user_id, muted FROM conversation_members WHERE conversation = $1")
            .bind(&conversation)
            .fetch_all(s.conn())
            .await?;
    // Who among them blocked whom, in one query rather than one per member and message.
    let blocks: std::collections::HashSet<(String, String)> = sqlx::query_as(
        "SELECT blocker, blocked FROM blocks
          WHERE blocker IN (SELECT user_id FROM conversation_members WHERE conversation = $1)",
    )
    .bind(&conversation)
    .fetch_all(s.conn())
    .await?
    .into_iter()
    .collect();
    let skip = fresh.len().saturating_sub(NOTICES_PER_CHANGE);
    for message in fresh.into_iter().skip(skip) {
        let sender: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(&message.author)
            .fetch_optional(s.conn())
            .await?
            .unwrap_or_default();
        let notice = PushNotice::Message {
            conversation: conversation_id,
            sender,
            group: group.clone(),
            text: Some(message.text.chars().take(PREVIEW_CHARS).collect()),
            photos: message.photos.len(),
        };
        let told: Vec<&str> = members
            .iter()
            .filter(|(member, db::Flag(muted))| {
                *member != message.author
                    && !*muted
                    && !blocks.contains(&(member.clone(), message.author.clone()))
            })
            .map(|(member, _)| member.as_str())
            .collect();
        queue(s, told, &notice).await?;
    }
    Ok(())
}

/// Puts `notice` in the push outbox for each of `members` who has no socket open, to this
/// relay or another (the app shows it to the others), in `s`'s transaction; the sender delivers them once it commits.
pub(crate) async fn queue(
    s: &mut Scribe<'_>,
    members: Vec<&str>,
    notice: &PushNotice,
) -> Result<(), Error> {
    let notice = serde_json::to_string(notice).map_err(|e| Error::Corrupt(e.to_string()))?;
    let mut queued = false;
    for member in members {
        if s.is_online(member).await? {
            continue;
        }
        sqlx::query("INSERT INTO push_outbox (user_id, notice, created_at) VALUES ($1, $2, $3)")
            .bind(member)
            .bind(&notice)
            .bind(s.now())
            .execute(s.conn())
            .await?;
        queued = true;
    }
    if queued {
        s.queue_pushes();
    }
    Ok(())
}

/// Delivers the push outbox, outside the relay's lock: woken when a transaction queued
/// notices, and every [`Sender::EVERY`] in case a wake was missed (a restart).
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    db: AnyPool,
    vapid: Vapid,
    services: Vec<String>,
    client: reqwest::Client,
    wake: Arc<Notify>,
    retry_after: Duration,
}

impl Sender {
    const EVERY: Duration = Duration::from_secs(60);
    /// Notices read from the outbox at a time.
    const BATCH: i64 = 100;
    /// How long a relay has to send the batch it claimed before another may claim it.
    const LEASE: Duration = Duration::from_secs(300);
    /// Tries of one notice to one device before it is given up (a phone off for a day gets the
    /// next notice anyway, and the app shows everything once opened).
    const ATTEMPTS: i64 = 4;

    /// `retry_after`: how long after a failed try a notice is tried again, doubling each time
    /// ([`crate::Config::push_retry_after`]).
    pub(crate) fn new(
        db: AnyPool,
        vapid: Vapid,
        services: Vec<String>,
        retry_after: Duration,
    ) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            // A push service answers; it never redirects to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Corrupt(format!("the push client: {e}")))?;
        Ok(Self {
            db,
            vapid,
            services,
            client,
            wake: Arc::new(Notify::new()),
            retry_after,
        })
    }

    /// What wakes the sender; the relay holds it.
    pub(crate) fn wake(&self) -> Arc<Notify> {
        Arc::clone(&self.wake)
    }

    /// Runs for the life of the relay.
    pub(crate) async fn run(self) {
        loop {
            if let Err(e) = self.deliver().await {
                tracing::warn!(error = %e, "delivering notifications");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(Self::EVERY.min(self.retry_after)) => {}
            }
        }
    }

    /// Sends every notice due in the outbox to each device of its member (or the one device a
    /// retry is for), then drops it; a device that could not take it now gets a retry row.
    /// Relays sharing a database each claim a batch for [`Self::LEASE`] first, so a notice is
    /// sent once; one whose relay died before sending it is sent when the lease runs out.
    async fn deliver(&self) -> Result<(), Error> {
        loop {
            let now = db::now();
            let lease = i64::try_from(Self::LEASE.as_secs()).unwrap_or(i64::MAX);
            // `not_before <= $1` in the outer WHERE too: on PostgreSQL a row another relay
            // claimed meanwhile is checked again once its lock is free, and then left alone.
            let batch: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
                "UPDATE push_outbox SET not_before = $3
                  WHERE not_before <= $1 AND id IN (
                    SELECT id FROM push_outbox WHERE not_before <= $1 ORDER BY id LIMIT $2)
                  RETURNING id, user_id, notice, endpoint, attempts",
            )
            .bind(now)
            .bind(Self::BATCH)
            .bind(now.saturating_add(lease))
            .fetch_all(&self.db)
            .await?;
            let mut batch = batch;
            batch.sort_unstable_by_key(|row| row.0);
            if batch.is_empty() {
                return Ok(());
            }
            for (id, user, text, endpoint, attempts) in batch {
                match serde_json::from_str::<PushNotice>(&text) {
                    Ok(notice) => {
                        let failed = self
                            .send_to_member(&user, notice, endpoint.as_deref())
                            .await?;
                        self.retry(&user, &text, failed, attempts + 1).await?;
                    }
                    Err(e) => tracing::warn!(id, error = %e, "an unreadable notice; dropped"),
                }
                sqlx::query("DELETE FROM push_outbox WHERE id = $1")
                    .bind(id)
                    .execute(&self.db)
                    .await?;
            }
        }
    }

    /// Queues `notice` again for each of `endpoints`, tried `attempts` times so far, after a
    /// wait that doubles with each try; gives up after [`Self::ATTEMPTS`].
    async fn retry(
        &self,
        user: &str,
        notice: &str,
        endpoints: Vec<String>,
        attempts: i64,
    ) -> Result<(), Error> {
        if attempts >= Self::ATTEMPTS {
            if !endpoints.is_empty() {
                tracing::warn!(%user, attempts, "a notice was given up");
            }
            return Ok(());
        }
        let wait = i64::try_from(self.retry_after.as_secs()).unwrap_or(i64::MAX);
        let not_before = db::now().saturating_add(wait.saturating_mul(1 << (attempts - 1)));
        for endpoint in endpoints {
            sqlx::query(
                "INSERT INTO push_outbox (user_id, notice, created_at, endpoint, attempts, not_before)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(user)
            .bind(notice)
            .bind(db::now())
            .bind(&endpoint)
            .bind(attempts)
            .bind(not_before)
            .execute(&self.db)
            .await?;
        }
        Ok(())
    }

    /// Sends `notice` to each device of `user` (or only to `only`); answers the endpoints that
    /// could not take it now and may later (no answer, 429, 5xx).
    async fn send_to_member(
        &self,
        user: &str,
        notice: PushNotice,
        only: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        // A device whose session ended (signed out, revoked, expired) is told nothing more, and
        // its subscription goes: the person may no longer be the one holding it.
        sqlx::query(
            "DELETE FROM push_subscriptions WHERE user_id = $1 AND (session IS NULL OR session NOT IN (
               SELECT token_hash FROM sessions
                WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2))",
        )
        .bind(user)
        .bind(db::now())
        .execute(&self.db)
        .await?;
        let devices: Vec<(String, String, String, db::Flag)> = sqlx::query_as(
            "SELECT endpoint, p256dh, auth, preview FROM push_subscriptions
              WHERE user_id = $1 AND ($2 IS NULL OR endpoint = $3)",
        )
        .bind(user)
        .bind(only)
        .bind(only)
        .fetch_all(&self.db)
        .await?;
        let mut again = Vec::new();
        for (endpoint, p256dh, auth, db::Flag(preview)) in devices {
            let notice = if preview {
                notice.clone()
            } else {
                notice.clone().without_preview()
            };
            match self.send(&endpoint, &p256dh, &auth, &notice).await {
                Ok(status) if status.is_success() => {}
                Ok(status) if matches!(status.as_u16(), 404 | 410) => {
                    tracing::info!(%user, "a push service dropped a subscription; so do we");
                    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1")
                        .bind(&endpoint)
                        .execute(&self.db)
                        .await?;
                }
                Ok(status) if status.as_u16() == 429 || status.is_server_error() => {
                    tracing::info!(%user, %status, "a push service cannot take a notice now");
                    again.push(endpoint);
                }
                Ok(status) => tracing::warn!(%user, %status, "a push service refused a notice"),
                Err(Unsent::Network(e)) => {
                    tracing::info!(%user, error = %e, "a notice could not be sent now");
                    again.push(endpoint);
                }
                Err(Unsent::Never(e)) => {
                    tracing::warn!(%user, error = %e, "a notice cannot be sent")
                }
            }
        }
        Ok(again)
    }

    async fn send(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        notice: &PushNotice,
    ) -> Result<reqwest::StatusCode, Unsent> {
        let never = |e: String| Unsent::Never(e);
        // Checked again: the list of trusted services may have changed since it subscribed.
        let url = trusted(endpoint, &self.services)
            .ok_or_else(|| never("no longer a trusted push service".into()))?;
        let (public, auth) =
            device_keys(p256dh, auth).ok_or_else(|| never("unusable keys".into()))?;
        let uri = endpoint.parse().map_err(|e| never(format!("{e}")))?;
        let body = serde_json::to_vec(notice).map_err(|e| never(e.to_string()))?;
        let request = WebPushBuilder::new(uri, public, auth)
            .with_valid_duration(PUSH_TTL)
            .build(body)
            .map_err(|e| never(e.to_string()))?;
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .post(url.clone())
            .headers(parts.headers)
            .header("Authorization", self.vapid.authorization(&url, db::now()))
            .header("Urgency", "high")
            .body(body)
            .send()
            .await
            .map_err(|e| Unsent::Network(e.to_string()))?;
        Ok(response.status())
    }
}

/// Why a notice did not reach a push service.
#[derive(Debug)]
enum Unsent {
    /// No answer (the network, a timeout): worth trying again.
    Network(String),
    /// It never will (keys, an endpoint no longer trusted).
    Never(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_endpoints_on_trusted_push_services_are_taken() {
        let services = [
            "https://fcm.googleapis.com".to_owned(),
            "https://*.notify.windows.com".to_owned(),
        ];
        for (endpoint, ok) in [
            ("https://fcm.googleapis.com/fcm/send/abc", true),
            ("https://wns2-par02p.notify.windows.com/w/?token=x", true),
            ("http://fcm.googleapis.com/fcm/send/abc", false),
            ("https://fcm.googleapis.com.evil.example/x", false),
            ("https://notify.windows.com.evil.example/x", false),
            ("https://evilnotify.windows.com/x", false),
            ("https://127.0.0.1/admin", false),
            ("not a url", false),
        ] {
            assert_eq!(trusted(endpoint, &services).is_some(), ok, "{endpoint}");
        }
    }
}
