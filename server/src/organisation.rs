//! The organisation's own document: what every member reads about the company and only admins
//! change (its names now; default field visibility with the audience-split profiles).

use automerge::ActorId;
use automerge::transaction::Transactable;
use sqlx::SqlitePool;
use tsunagu_core::grants::DocKind;
use tsunagu_core::ids::DocumentId;

use crate::error::Error;
use crate::{db, documents};

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
    let mut tx = db::write_tx(pool).await?;
    let doc = documents::create(&mut tx, actor, DocKind::Organisation, None, |tx| {
        tx.put(automerge::ROOT, "name", name.as_str())?;
        tx.put(automerge::ROOT, "nameEn", name_en.as_str())
    })
    .await?;
    tx.commit().await?;
    Ok(Some(doc))
}
