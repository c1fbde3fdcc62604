//! Documents and their stored chunks: what the grant table needs to know of each, loading and
//! persisting them, and the heads kept for reconnect summaries.

use automerge::ChangeHash;
use sqlx::{AnyConnection, AnyPool, FromRow, Row};
use tsunagu_core::engine::Chunk;
use tsunagu_core::grants::{ConversationFacts, EventFacts};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::DocKind;

use super::{Flag, document_id, marks, now};
use crate::error::Error;

/// The member's own document of `kind` (answers, passes, inbox), if they have one.
pub(crate) async fn member_doc<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
    kind: DocKind,
) -> Result<Option<DocumentId>, Error> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM documents WHERE owner_id = $1 AND kind = $2 ORDER BY created_at LIMIT 1",
    )
    .bind(user)
    .bind(kind.key())
    .fetch_optional(db)
    .await?;
    id.as_deref().map(document_id).transpose()
}

/// What the authorisation rules need to know about a stored document.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub(crate) struct DocumentRecord {
    pub(crate) kind: String,
    #[sqlx(rename = "owner_id")]
    pub(crate) owner: Option<String>,
    /// The owner is active and has not hidden from the directory.
    #[sqlx(rename = "listed", try_from = "Flag")]
    pub(crate) owner_listed: bool,
    /// For an event, its roster and its check-in log: the event as it stands and how the member
    /// asking relates to it (so a record is only good for the member it was read for).
    #[sqlx(skip)]
    pub(crate) event: Option<EventFacts>,
    /// For a conversation and its pages: how the member asking relates to it (the same).
    #[sqlx(skip)]
    pub(crate) conversation: Option<ConversationFacts>,
}

/// The SQL of a [`DocumentRecord`], over `documents d LEFT JOIN users u`.
const RECORD_COLUMNS: &str = "d.id, d.kind, d.owner_id,
    COALESCE(u.status = 'active' AND NOT u.directory_hidden, FALSE) AS listed";

/// What the grant table needs to know about `doc` to judge `user`'s access.
pub(crate) async fn document(
    pool: &AnyPool,
    doc: &DocumentId,
    user: &str,
) -> Result<Option<DocumentRecord>, Error> {
    let record: Option<DocumentRecord> = sqlx::query_as(&format!(
        "SELECT {RECORD_COLUMNS} FROM documents d LEFT JOIN users u ON u.id = d.owner_id WHERE d.id = $1"
    ))
    .bind(doc.to_string())
    .fetch_optional(pool)
    .await?;
    let Some(mut record) = record else {
        return Ok(None);
    };
    let of_event = [DocKind::Event, DocKind::EventRoster, DocKind::EventCheckins]
        .iter()
        .any(|k| k.key() == record.kind);
    if of_event {
        record.event = crate::events::store::facts(pool, doc, user).await?;
    }
    let of_conversation = [DocKind::Conversation, DocKind::MessagePage]
        .iter()
        .any(|k| k.key() == record.kind);
    if of_conversation {
        record.conversation = Some(crate::conversations::facts(pool, doc, user).await?);
    }
    Ok(Some(record))
}

/// Every member's profile document and its parts, with what the grant table needs to judge
/// them, in the order members joined.
pub(crate) async fn profile_documents(
    pool: &AnyPool,
) -> Result<Vec<(DocumentId, DocumentRecord)>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM documents d JOIN users u ON u.id = d.owner_id
         WHERE d.kind LIKE 'profile%' ORDER BY d.created_at, d.id"
    ))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                document_id(&row.try_get::<String, _>("id")?)?,
                DocumentRecord::from_row(row)?,
            ))
        })
        .collect()
}

pub(crate) async fn insert_document(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    kind: &str,
    owner: Option<&str>,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO documents (id, kind, owner_id, created_at) VALUES ($1, $2, $3, $4)")
        .bind(doc.to_string())
        .bind(kind)
        .bind(owner)
        .bind(now())
        .execute(conn)
        .await?;
    Ok(())
}

pub(crate) async fn profile_of(pool: &AnyPool, user: &str) -> Result<Option<DocumentId>, Error> {
    let id: Option<String> =
        sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1 AND kind = 'profile' ORDER BY created_at LIMIT 1")
            .bind(user)
            .fetch_optional(pool)
            .await?;
    id.as_deref().map(document_id).transpose()
}

/// Every document `user` owns, with its kind: the oldest first, a profile before its parts.
pub(crate) async fn documents_of(
    pool: &AnyPool,
    user: &str,
) -> Result<Vec<(DocumentId, String)>, Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, kind FROM documents WHERE owner_id = $1
         ORDER BY created_at, kind <> 'profile', kind, id",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, kind)| {
            let doc = id
                .parse()
                .map_err(|e| Error::Corrupt(format!("stored document id {id}: {e}")))?;
            Ok((doc, kind))
        })
        .collect()
}

/// The organisation's own document, if it was made.
pub(crate) async fn organisation_doc<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
) -> Result<Option<DocumentId>, Error> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM documents WHERE kind = 'organisation' ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    id.as_deref().map(document_id).transpose()
}

/// A document as stored, loaded from its chunks (without putting it in any engine).
pub(crate) async fn stored_document<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    doc: &DocumentId,
) -> Result<automerge::Automerge, Error> {
    let chunks = chunks(db, doc).await?;
    tsunagu_core::engine::load_chunks(&chunks)
        .map_err(|e| Error::Corrupt(format!("stored document {doc}: {e}")))
}

/// Every stored chunk of a document, oldest first.
pub(crate) async fn chunks<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    doc: &DocumentId,
) -> Result<Vec<Vec<u8>>, Error> {
    Ok(
        sqlx::query_scalar("SELECT bytes FROM chunks WHERE document_id = $1 ORDER BY seq")
            .bind(doc.to_string())
            .fetch_all(db)
            .await?,
    )
}

/// (member, part kind) for every part of a profile that does not exist yet.
pub(crate) async fn missing_profile_parts(pool: &AnyPool) -> Result<Vec<(String, String)>, Error> {
    Ok(sqlx::query_as(
        "SELECT d.owner_id, k.kind FROM documents d
         CROSS JOIN (SELECT 'profile-members' AS kind UNION ALL SELECT 'profile-admins'
                     UNION ALL SELECT 'profile-private') k
         WHERE d.kind = 'profile'
           AND NOT EXISTS (SELECT 1 FROM documents p WHERE p.owner_id = d.owner_id AND p.kind = k.kind)",
    )
    .fetch_all(pool)
    .await?)
}

/// Stores a chunk; a snapshot replaces every earlier chunk in the same transaction, so a crash
/// leaves either the old chunks or the snapshot, never neither.
/// Stores a chunk of `doc`, and its `heads` once stored.
pub(crate) async fn persist_chunk(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    chunk: &Chunk,
    heads: &[ChangeHash],
) -> Result<(), Error> {
    let id = doc.to_string();
    let (bytes, snapshot) = match chunk {
        Chunk::Incremental(b) => (b, false),
        Chunk::Snapshot(b) => (b, true),
    };
    let mut tx = sqlx::Connection::begin(conn).await?;
    if snapshot {
        sqlx::query("DELETE FROM chunks WHERE document_id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO chunks (document_id, bytes, is_snapshot, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&id)
    .bind(bytes)
    .bind(snapshot)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    set_heads(&mut tx, doc, heads).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn set_heads(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    heads: &[ChangeHash],
) -> Result<(), Error> {
    let bytes: Vec<u8> = heads.iter().flat_map(|h| h.0).collect();
    sqlx::query("UPDATE documents SET heads = $1 WHERE id = $2")
        .bind(bytes)
        .bind(doc.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// The stored heads of `docs` (those known; a document stored before heads were kept has none
/// until the relay's next start).
pub(crate) async fn heads_of(
    pool: &AnyPool,
    docs: &[DocumentId],
) -> Result<std::collections::HashMap<DocumentId, Vec<ChangeHash>>, Error> {
    let mut found = std::collections::HashMap::new();
    for batch in docs.chunks(500) {
        let marks = marks(1, batch.len());
        let sql =
            format!("SELECT id, heads FROM documents WHERE heads IS NOT NULL AND id IN ({marks})");
        let mut query = sqlx::query_as::<_, (String, Vec<u8>)>(&sql);
        for doc in batch {
            query = query.bind(doc.to_string());
        }
        for (id, bytes) in query.fetch_all(pool).await? {
            let heads = bytes
                .chunks_exact(32)
                .filter_map(|h| ChangeHash::try_from(h).ok())
                .collect();
            found.insert(document_id(&id)?, heads);
        }
    }
    Ok(found)
}
