//! The organisation's own document: what every member reads about the company and only admins
//! change (its names now; default field visibility with the audience-split profiles).

use automerge::ActorId;
use automerge::transaction::Transactable;
use sqlx::{AnyConnection, AnyPool};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::DocKind;

use crate::error::Error;
use crate::{db, documents};

/// Makes the organisation document if there is an organisation and it has none yet, written as
/// the relay's reserved `actor`.
pub(crate) async fn ensure_document(
    pool: &AnyPool,
    actor: &ActorId,
) -> Result<Option<DocumentId>, Error> {
    if let Some(doc) = db::organisation_doc(pool).await? {
        return Ok(Some(doc));
    }
    let Some(org) = db::organisation(pool).await? else {
        return Ok(None);
    };
    let mut tx = db::write_tx(pool).await?;
    let doc = create_document(&mut tx, actor, &org.name, &org.name_en).await?;
    tx.commit().await?;
    Ok(Some(doc))
}

/// Makes the organisation document inside `conn`'s transaction, as the relay's `actor`.
pub(crate) async fn create_document(
    conn: &mut AnyConnection,
    actor: &ActorId,
    name: &str,
    name_en: &str,
) -> Result<DocumentId, Error> {
    documents::create(conn, actor, DocKind::Organisation, None, |tx| {
        tx.put(automerge::ROOT, "name", name)?;
        tx.put(automerge::ROOT, "nameEn", name_en)
    })
    .await
}
