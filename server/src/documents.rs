//! Documents the relay writes itself, as its reserved actor (no member can claim authorship of
//! them): each member's profile and its parts (with their RSVP, passes and inbox documents), and
//! the organisation's document.

use automerge::ActorId;
use automerge::transaction::{Transactable, Transaction};
use sqlx::{AnyConnection, AnyPool};
use tsunagu_core::conversation::Inbox;
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::event::{Passes, Rsvps};
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::job_application::JobApplications;
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::vocab::{Audience, DocKind, HR_KEYS, OWNER_KEY};

use crate::db;
use crate::error::Error;

/// Creates a document of `kind` holding what `write` puts in it, inside `conn`'s transaction.
pub(crate) async fn create<E: std::fmt::Display>(
    conn: &mut AnyConnection,
    actor: &ActorId,
    kind: DocKind,
    owner: Option<&str>,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
) -> Result<DocumentId, Error> {
    let mut engine = Engine::new(PeerId::new("relay"), None).with_actor(actor.clone());
    let doc = DocumentId::random();
    let effects = engine.create(doc, write)?;
    db::insert_document(&mut *conn, &doc, kind.key(), owner).await?;
    for effect in effects {
        if let Effect::Persist { doc, chunk, heads } = effect {
            db::persist_chunk(
                &mut *conn,
                &doc,
                &chunk,
                &heads,
                &mut db::Holding::default(),
            )
            .await?;
        }
    }
    Ok(doc)
}

/// Creates `owner`'s profile: the main document with what everyone in the network sees, and a
/// part for each other audience, the fields placed by the organisation's `defaults`. Seeding and
/// joining both make profiles here, so every member's documents look alike.
pub(crate) async fn create_profile(
    conn: &mut AnyConnection,
    actor: &ActorId,
    owner: &str,
    profile: &Profile,
    defaults: &Visibility,
) -> Result<DocumentId, Error> {
    let mine = Visibility::default();
    let main = create(conn, actor, DocKind::Profile, Some(owner), |tx| {
        let [joined, left] = HR_KEYS;
        for (key, value) in [
            (OWNER_KEY, owner),
            (joined, profile.joined.as_str()),
            (left, profile.left.as_str()),
        ] {
            tx.put(automerge::ROOT, key, value)
                .map_err(|e| e.to_string())?;
        }
        profile
            .write_part(Audience::Everyone, &mine, defaults, tx)
            .map_err(|e| e.to_string())
    })
    .await?;
    for audience in [Audience::Members, Audience::Admins, Audience::OnlyMe] {
        create_part(conn, actor, owner, audience, |tx| {
            profile.write_part(audience, &mine, defaults, tx)
        })
        .await?;
    }
    create_member_docs(conn, actor, owner).await?;
    Ok(main)
}

/// Makes `owner`'s RSVP and passes documents, each with its one shared `events` map (two
/// phones answering offline would otherwise each make one, and one would win with all its
/// answers), naming its owner so it is never empty.
async fn create_member_docs(
    conn: &mut AnyConnection,
    actor: &ActorId,
    owner: &str,
) -> Result<(), Error> {
    create(conn, actor, DocKind::Rsvps, Some(owner), |tx| {
        tx.put(automerge::ROOT, OWNER_KEY, owner)?;
        Rsvps::default().write_to(tx)
    })
    .await?;
    create(conn, actor, DocKind::Passes, Some(owner), |tx| {
        tx.put(automerge::ROOT, OWNER_KEY, owner)?;
        Passes::default().write_to(tx)
    })
    .await?;
    create_inbox(conn, actor, owner).await?;
    create_applications(conn, actor, owner).await
}

/// Makes `owner`'s applications document ([`JobApplications`]), with its maps.
async fn create_applications(
    conn: &mut AnyConnection,
    actor: &ActorId,
    owner: &str,
) -> Result<(), Error> {
    create(conn, actor, DocKind::JobApplications, Some(owner), |tx| {
        tx.put(automerge::ROOT, OWNER_KEY, owner)?;
        JobApplications::create(tx)
    })
    .await?;
    Ok(())
}

/// Makes `owner`'s inbox: the conversations they are in, which only the relay writes.
async fn create_inbox(conn: &mut AnyConnection, actor: &ActorId, owner: &str) -> Result<(), Error> {
    create(conn, actor, DocKind::Inbox, Some(owner), |tx| {
        tx.put(automerge::ROOT, OWNER_KEY, owner)?;
        Inbox::create(tx)
    })
    .await?;
    Ok(())
}

/// Gives every member who joined before events their RSVP and passes documents, everyone
/// who joined before messages their inbox, and everyone who joined before job applications
/// their applications document.
pub(crate) async fn ensure_member_docs(pool: &AnyPool, actor: &ActorId) -> Result<(), Error> {
    let before_events = owners_without(pool, DocKind::Rsvps).await?;
    let before_messages = owners_without(pool, DocKind::Inbox).await?;
    let before_jobs = owners_without(pool, DocKind::JobApplications).await?;
    if before_events.is_empty() && before_messages.is_empty() && before_jobs.is_empty() {
        return Ok(());
    }
    let mut tx = db::write_tx(pool).await?;
    for owner in &before_events {
        create_member_docs(&mut tx, actor, owner).await?;
    }
    for owner in before_messages
        .iter()
        .filter(|o| !before_events.contains(o))
    {
        create_inbox(&mut tx, actor, owner).await?;
    }
    for owner in before_jobs.iter().filter(|o| !before_events.contains(o)) {
        create_applications(&mut tx, actor, owner).await?;
    }
    tx.commit().await?;
    tracing::info!(
        before_events = before_events.len(),
        before_messages = before_messages.len(),
        before_jobs = before_jobs.len(),
        "made the members' missing documents"
    );
    Ok(())
}

/// Members with a profile and no document of `kind`.
async fn owners_without(pool: &AnyPool, kind: DocKind) -> Result<Vec<String>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT d.owner_id FROM documents d WHERE d.kind = 'profile' AND d.owner_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM documents r WHERE r.owner_id = d.owner_id AND r.kind = $1)",
    )
    .bind(kind.key())
    .fetch_all(pool)
    .await?)
}

/// A part of `owner`'s profile; it names its owner, so it is never an empty document (which a
/// relay could not tell from a missing one).
async fn create_part<E: std::fmt::Display>(
    conn: &mut AnyConnection,
    actor: &ActorId,
    owner: &str,
    audience: Audience,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<(), E>,
) -> Result<DocumentId, Error> {
    create(conn, actor, audience.doc_kind(), Some(owner), |tx| {
        tx.put(automerge::ROOT, OWNER_KEY, owner)
            .map_err(|e| e.to_string())?;
        write(tx).map_err(|e| e.to_string())
    })
    .await
}

/// Gives every member made before profiles were split by audience their empty parts.
pub(crate) async fn ensure_profile_parts(pool: &AnyPool, actor: &ActorId) -> Result<(), Error> {
    let missing = db::missing_profile_parts(pool).await?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut tx = db::write_tx(pool).await?;
    for (owner, kind) in &missing {
        let Some(audience) = DocKind::from_key(kind).and_then(Audience::of_kind) else {
            continue;
        };
        create_part(&mut tx, actor, owner, audience, |_| Ok::<_, String>(())).await?;
    }
    tx.commit().await?;
    tracing::info!(parts = missing.len(), "made the missing profile parts");
    Ok(())
}

/// The organisation's default field visibility, from its document.
pub(crate) async fn default_visibility(conn: &mut AnyConnection) -> Result<Visibility, Error> {
    let Some(doc) = db::organisation_doc(&mut *conn).await? else {
        return Ok(Visibility::default());
    };
    let chunks = db::chunks(&mut *conn, &doc).await?;
    let doc = tsunagu_core::engine::load_chunks(&chunks)
        .map_err(|e| Error::Corrupt(format!("organisation document: {e}")))?;
    Ok(Visibility::read(&doc))
}

/// Fills in the stored heads of documents stored before the relay kept them, once, at start:
/// until then, a reconnecting device syncs them in full. A document that cannot be read is
/// left for the relay to report when it is asked for.
pub(crate) async fn backfill_heads(pool: &AnyPool) -> Result<(), Error> {
    let missing: Vec<String> = sqlx::query_scalar("SELECT id FROM documents WHERE heads IS NULL")
        .fetch_all(pool)
        .await?;
    if missing.is_empty() {
        return Ok(());
    }
    tracing::info!(
        documents = missing.len(),
        "noting the heads of stored documents"
    );
    for id in missing {
        let doc = db::document_id(&id)?;
        let chunks = db::chunks(pool, &doc).await?;
        match tsunagu_core::engine::load_chunks(&chunks) {
            Ok(loaded) => {
                let mut conn = pool.acquire().await?;
                db::set_heads(&mut conn, &doc, &loaded.get_heads()).await?;
            }
            Err(e) => tracing::warn!(%doc, error = %e, "a stored document does not load"),
        }
    }
    Ok(())
}
