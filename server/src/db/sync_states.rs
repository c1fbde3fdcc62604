//! Sync states: per device and document, the heads both hold, so a reconnect sends only what
//! changed. A cache: losing one costs a fuller sync, never data.

use automerge::ChangeHash;
use sqlx::AnyPool;
use tsunagu_core::ids::{DocumentId, StorageId};

use super::{document_id, now, write_tx};
use crate::error::Error;

/// Forgets the sync states no device refreshed since `before` (unix seconds); returns how many.
pub(crate) async fn forget_sync_states_before(pool: &AnyPool, before: i64) -> Result<u64, Error> {
    Ok(sqlx::query("DELETE FROM sync_states WHERE updated_at < $1")
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected())
}

/// What the relay stored of the heads it shares with the device of `peer`, per document ever
/// synced with it. A state that cannot be read is left out (it only costs a fuller sync).
pub(crate) async fn shared_with(
    pool: &AnyPool,
    peer: &StorageId,
) -> Result<Vec<(DocumentId, Vec<ChangeHash>)>, Error> {
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT document_id, bytes FROM sync_states WHERE peer_storage_id = $1")
            .bind(peer.as_str())
            .fetch_all(pool)
            .await?;
    let mut shared = Vec::with_capacity(rows.len());
    for (id, bytes) in rows {
        if let Ok(heads) = tsunagu_core::engine::Engine::shared_heads_in(&bytes) {
            shared.push((document_id(&id)?, heads));
        }
    }
    Ok(shared)
}

pub(crate) async fn sync_state(
    pool: &AnyPool,
    peer: &StorageId,
    doc: &DocumentId,
) -> Result<Option<Vec<u8>>, Error> {
    Ok(sqlx::query_scalar(
        "SELECT bytes FROM sync_states WHERE peer_storage_id = $1 AND document_id = $2",
    )
    .bind(peer.as_str())
    .bind(doc.to_string())
    .fetch_optional(pool)
    .await?)
}

/// Stores sync states, in one transaction. One for a document deleted meanwhile is skipped.
pub(crate) async fn save_sync_states(
    pool: &AnyPool,
    states: &std::collections::HashMap<(StorageId, DocumentId), Vec<u8>>,
) -> Result<(), Error> {
    let mut tx = write_tx(pool).await?;
    let at = now();
    for ((peer, doc), state) in states {
        sqlx::query(
            "INSERT INTO sync_states (peer_storage_id, document_id, bytes, updated_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM documents WHERE id = $2)
             ON CONFLICT (peer_storage_id, document_id)
             DO UPDATE SET bytes = excluded.bytes, updated_at = excluded.updated_at",
        )
        .bind(peer.as_str())
        .bind(doc.to_string())
        .bind(state)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
