//! Several relays over one PostgreSQL database (docs/design.md §12).
//!
//! Each relay holds the documents its sockets sync in memory. What one relay commits, the others
//! learn over PostgreSQL's `LISTEN/NOTIFY` on one channel ([`crate::db::CHANNEL`]): a stored chunk
//! (sent by the transaction that stores it, so it arrives only once committed), and what a
//! request handled by one relay decided about sockets every relay holds (a sign-out, a revoked
//! device, a member's new roles). A relay that hears of a chunk merges what its copy lacks from
//! storage and sends it to its readers; one that lost its listening connection cannot know what
//! it missed, so it catches up every document it holds and closes every socket (the devices
//! reconnect at once and are admitted afresh).
//!
//! What must be decided once is decided in the database: the write transactions that seat,
//! admit and invite take one advisory lock ([`crate::db::write_tx`]) and read their documents
//! afresh from storage under it ([`crate::scribe::Scribe`]).

use std::sync::Weak;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use sqlx::postgres::PgListener;
use tokio::sync::Mutex;
use tsunagu_core::ids::{DocumentId, StorageId};

use crate::db;
use crate::relay::Relay;

/// What one relay tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "kebab-case")]
pub(crate) enum Notice {
    /// A chunk of this document was stored: a copy of it catches up.
    Changed { doc: DocumentId },
    /// Its history was replaced: a copy is dropped, and the devices syncing it fetch it again.
    Rewritten { doc: DocumentId },
    /// This session (SHA-256 of its token) ended: its sockets close.
    SignedOut { session: Vec<u8> },
    /// What this member may do changed: their sockets close.
    MemberChanged { user: String },
    /// Who may read this member's documents changed: decided again.
    OwnerChanged { user: String },
    /// Who may read these documents changed: decided again.
    ReadersChanged { docs: Vec<DocumentId> },
    /// This device was removed from its account: its sockets close, and it wipes itself.
    DeviceRevoked { storage: StorageId },
    /// A post of news came out, or reached further: open apps ask which posts they may read.
    NewsOut,
    /// This account and its documents are gone.
    AccountErased {
        user: String,
        docs: Vec<DocumentId>,
        reason: String,
    },
}

/// A notice as sent: which relay sent it (none: a stored chunk, sent by its transaction).
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(flatten)]
    notice: Notice,
}

/// The payload a transaction storing a chunk of `doc` sends.
pub(crate) fn changed(doc: &DocumentId) -> String {
    encode(None, Notice::Changed { doc: *doc })
}

fn encode(from: Option<&str>, notice: Notice) -> String {
    let envelope = Envelope {
        from: from.map(str::to_owned),
        notice,
    };
    serde_json::to_string(&envelope).unwrap_or_default()
}

/// The notices in `payloads` that did not come from relay `me` (unreadable ones are logged and
/// skipped), in the order sent, a document's changes told once.
pub(crate) fn decode(me: &str, payloads: &[String]) -> Vec<Notice> {
    let mut notices: Vec<Notice> = Vec::new();
    for payload in payloads {
        match serde_json::from_str::<Envelope>(payload) {
            Ok(Envelope { from, .. }) if from.as_deref() == Some(me) => {}
            Ok(Envelope { notice, .. }) => {
                if !notices.contains(&notice) {
                    notices.push(notice);
                }
            }
            Err(e) => tracing::warn!(error = %e, "an unreadable notice from another relay"),
        }
    }
    notices
}

/// This relay's name among the relays on its database, and the database it tells them on.
#[derive(Debug, Clone)]
pub(crate) struct Fellows {
    pub(crate) me: String,
    db: AnyPool,
}

impl Fellows {
    pub(crate) fn new(db: AnyPool) -> Self {
        let me: String = tsunagu_core::ids::random_bytes::<8>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Self { me, db }
    }

    /// Tells the other relays `notice` (in the background: a relay that misses it closes its
    /// sockets anyway, see the module's note).
    pub(crate) fn tell(&self, notice: Notice) {
        let payload = encode(Some(&self.me), notice);
        let db = self.db.clone();
        tokio::spawn(async move {
            let sent = sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
                .bind(db::CHANNEL)
                .bind(payload)
                .execute(&db)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not tell the other relays");
            }
        });
    }
}

/// How long a relay's presence rows count without being refreshed (it refreshes them every
/// second while it runs).
pub(crate) const PRESENCE_LIFETIME_SECS: i64 = 30;

/// Writes relay `me`'s presence: members whose app opened or closed here (`changed`), and a
/// fresh `seen_at` on every row it keeps. A failure is logged (it costs a push too many or too
/// few until the next second).
pub(crate) async fn write_presence(db: &AnyPool, me: &str, changed: &[(String, bool)]) {
    let now = db::now();
    let written = async {
        let mut tx = db.begin().await?;
        for (user, online) in changed {
            let query = if *online {
                sqlx::query(
                    "INSERT INTO presence (relay, user_id, seen_at) VALUES ($1, $2, $3)
                     ON CONFLICT (relay, user_id) DO UPDATE SET seen_at = $3",
                )
                .bind(me)
                .bind(user)
                .bind(now)
            } else {
                sqlx::query("DELETE FROM presence WHERE relay = $1 AND user_id = $2")
                    .bind(me)
                    .bind(user)
            };
            query.execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE presence SET seen_at = $1 WHERE relay = $2")
            .bind(now)
            .bind(me)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not write who has the app open here");
    }
}

/// A connection listening to what the other relays tell, made before the relay serves anyone (so
/// nothing told from then on is missed).
pub(crate) async fn listener(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(db::CHANNEL).await?;
    Ok(listener)
}

/// Has `relay` act on what the other relays tell through `listener`, until the relay is gone. A
/// lost connection is made again, and the relay told it may have missed something.
pub(crate) async fn listen(
    mut listener: PgListener,
    url: String,
    me: String,
    relay: Weak<Mutex<Relay>>,
) {
    loop {
        loop {
            let first = match listener.try_recv().await {
                Ok(Some(first)) => first,
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "lost the other relays' notices");
                    break;
                }
            };
            let mut payloads = vec![first.payload().to_owned()];
            while let Some(next) = listener.next_buffered() {
                payloads.push(next.payload().to_owned());
            }
            let notices = decode(&me, &payloads);
            let Some(strong) = relay.upgrade() else {
                return;
            };
            strong.lock().await.hear(notices).await;
        }
        listener = loop {
            if relay.strong_count() == 0 {
                return;
            }
            match self::listener(&url).await {
                Ok(listener) => break listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen to the other relays; trying again");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        };
        let Some(strong) = relay.upgrade() else {
            return;
        };
        strong.lock().await.lost_track().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_hears_others_once_per_notice_and_never_itself() {
        let doc = DocumentId::random();
        let payloads = vec![
            changed(&doc),
            encode(Some("me"), Notice::MemberChanged { user: "u1".into() }),
            changed(&doc),
            encode(
                Some("other"),
                Notice::SignedOut {
                    session: vec![1, 2, 3],
                },
            ),
            encode(Some("other"), Notice::NewsOut),
            "not json".into(),
        ];
        assert_eq!(
            decode("me", &payloads),
            vec![
                Notice::Changed { doc },
                Notice::SignedOut {
                    session: vec![1, 2, 3]
                },
                Notice::NewsOut,
            ]
        );
    }
}
