//! The organisation's own document: what every member reads about the company and only admins
//! change (its names now; default field visibility with the audience-split profiles).

use automerge::ActorId;
use automerge::transaction::Transactable;
use sqlx::SqlitePool;
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::grants::DocKind;
use tsunagu_core::ids::{DocumentId, PeerId};

use crate::db;
use crate::error::Error;

/// Makes the organisation document if there is an organisation and it has none yet, written as
/// the relay's reserved `actor`.
pub(crate) async fn ensure_document(
    pool: &SqlitePool,
    actor: &ActorId,
) -> Result<Option<DocumentId>, Error> {
    if let Some(doc) = db::organisation_doc(pool).await? {
        return Ok(Some(doc));
    }
    let Some((name, name_en)) = db::organisation(pool).await? else {
        return Ok(None);
    };
    let doc = DocumentId::random();
    let mut engine = Engine::new(PeerId::new("relay"), None).with_actor(actor.clone());
    let effects = engine.create(doc, |tx| {
        tx.put(automerge::ROOT, "name", name.as_str())?;
        tx.put(automerge::ROOT, "nameEn", name_en.as_str())
    })?;
    let mut tx = pool.begin().await?;
    db::insert_document(&mut tx, &doc, DocKind::Organisation.key(), None).await?;
    for effect in effects {
        if let Effect::Persist { doc, chunk } = effect {
            db::persist_chunk(&mut tx, &doc, &chunk).await?;
        }
    }
    tx.commit().await?;
    Ok(Some(doc))
}
