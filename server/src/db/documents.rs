//! Documents and their stored chunks: what the grant table needs to know of each, loading and
//! persisting them, and the heads kept for reconnect summaries.

use automerge::ChangeHash;
use sqlx::{AnyConnection, AnyPool, FromRow, Row};
use tsunagu_core::engine::Chunk;
use tsunagu_core::grants::{ConversationFacts, EventFacts, NewsFacts};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::DocKind;

use super::{Flag, document_id, marks, now};
use crate::error::Error;

/// Every member's document of `kind`, with its owner.
pub(crate) async fn docs_of_kind(
    conn: &mut AnyConnection,
    kind: DocKind,
) -> Result<Vec<(DocumentId, String)>, Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, owner_id FROM documents WHERE kind = $1 AND owner_id IS NOT NULL
         ORDER BY created_at, id",
    )
    .bind(kind.key())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, owner)| Ok((document_id(&id)?, owner)))
        .collect()
}

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
    /// For a post of news: whether it is out and the member asking is in its segment (the same).
    #[sqlx(skip)]
    pub(crate) news: Option<NewsFacts>,
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
    let posts = [DocKind::NewsPost, DocKind::NewsResponses, DocKind::JobPost];
    if posts.iter().any(|k| record.kind == k.key()) {
        record.news = Some(crate::news::facts(pool, doc, user).await?);
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

/// What a relay's copy of a document holds of its stored chunks: every chunk up to `seen`, and
/// the ones it wrote itself since (`own`). With several relays on one database another relay's
/// chunk may land after `seen` before this one has merged it: a snapshot deletes only what its
/// copy holds, and the heads stored with a chunk are only this copy's when nothing else waits.
/// For one document, chunks commit in the order of their `seq` ([`persist_chunk`] serialises
/// them on PostgreSQL), so a catch-up that reads everything after `seen` misses nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Holding {
    /// Bytes stored for the document (what the quotas judge).
    pub(crate) bytes: usize,
    pub(crate) seen: i64,
    pub(crate) own: Vec<i64>,
}

impl Holding {
    /// Reads every stored chunk of `doc`: what a copy loaded from them holds, and the chunks.
    pub(crate) async fn load<'c>(
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
        doc: &DocumentId,
    ) -> Result<(Self, Vec<Vec<u8>>), Error> {
        let mut holding = Self::default();
        let chunks = holding.absorb(chunks_after(db, doc, 0).await?);
        Ok((holding, chunks))
    }

    /// Reads the chunks of `doc` stored after `seen` (by other relays): those this copy lacks,
    /// to merge into it.
    pub(crate) async fn catch_up<'c>(
        &mut self,
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
        doc: &DocumentId,
    ) -> Result<Vec<Vec<u8>>, Error> {
        Ok(self.absorb(chunks_after(db, doc, self.seen).await?))
    }

    /// Notes chunks read from storage (all of them, or those after `seen`): returns those this
    /// copy did not hold yet.
    fn absorb(&mut self, chunks: Vec<StoredChunk>) -> Vec<Vec<u8>> {
        let mut fresh = Vec::new();
        for chunk in chunks {
            self.seen = self.seen.max(chunk.seq);
            if self.own.contains(&chunk.seq) {
                continue;
            }
            if chunk.snapshot {
                self.bytes = 0;
            }
            self.bytes += chunk.bytes.len();
            fresh.push(chunk.bytes);
        }
        let seen = self.seen;
        self.own.retain(|seq| *seq > seen);
        fresh
    }
}

/// One stored chunk of a document.
#[derive(Debug, FromRow)]
struct StoredChunk {
    seq: i64,
    bytes: Vec<u8>,
    #[sqlx(rename = "is_snapshot", try_from = "Flag")]
    snapshot: bool,
}

/// The stored chunks of `doc` after `seq` (0: all), oldest first.
async fn chunks_after<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    doc: &DocumentId,
    seq: i64,
) -> Result<Vec<StoredChunk>, Error> {
    Ok(sqlx::query_as(
        "SELECT seq, bytes, is_snapshot FROM chunks WHERE document_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(doc.to_string())
    .bind(seq)
    .fetch_all(db)
    .await?)
}

/// The PostgreSQL channel relays tell each other on ([`crate::relays`]).
pub(crate) const CHANNEL: &str = "tsunagu";

/// Stores a chunk of `doc` that `holding`'s copy made, and its `heads`. A snapshot replaces
/// every chunk the copy holds, in the same transaction, so a crash leaves either those chunks
/// or the snapshot, never neither. On PostgreSQL the document's chunks are written one
/// transaction at a time (an advisory lock per document), and the other relays are told.
pub(crate) async fn persist_chunk(
    conn: &mut AnyConnection,
    doc: &DocumentId,
    chunk: &Chunk,
    heads: &[ChangeHash],
    holding: &mut Holding,
) -> Result<(), Error> {
    let id = doc.to_string();
    let postgres = super::is_postgres_conn(conn);
    let (bytes, snapshot) = match chunk {
        Chunk::Incremental(b) => (b, false),
        Chunk::Snapshot(b) => (b, true),
    };
    let mut tx = sqlx::Connection::begin(conn).await?;
    // A document no copy holds anything of is being made: no one else can write it yet (and
    // making thousands in one transaction must not take a lock each).
    if *holding != Holding::default() {
        lock_document(&mut tx, doc).await?;
    }
    if snapshot {
        let marks = marks(3, holding.own.len());
        let own = if holding.own.is_empty() {
            String::new()
        } else {
            format!(" OR seq IN ({marks})")
        };
        let sql = format!("DELETE FROM chunks WHERE document_id = $1 AND (seq <= $2{own})");
        let mut query = sqlx::query(&sql).bind(&id).bind(holding.seen);
        for seq in &holding.own {
            query = query.bind(*seq);
        }
        query.execute(&mut *tx).await?;
    }
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO chunks (document_id, bytes, is_snapshot, created_at) VALUES ($1, $2, $3, $4)
         RETURNING seq",
    )
    .bind(&id)
    .bind(bytes)
    .bind(snapshot)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    // Chunks after `seen` this copy did not write: another relay's, not merged here yet.
    let after: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM chunks WHERE document_id = $1 AND seq > $2")
            .bind(&id)
            .bind(holding.seen)
            .fetch_all(&mut *tx)
            .await?;
    let foreign = after.iter().any(|s| *s != seq && !holding.own.contains(s));
    if foreign {
        // Unknown until a copy holding everything writes again: a reconnecting device syncs it.
        clear_heads(&mut tx, doc).await?;
    } else {
        set_heads(&mut tx, doc, heads).await?;
    }
    if postgres {
        let notice = crate::relays::changed(doc);
        sqlx::query("SELECT 1 FROM pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(notice)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if snapshot {
        holding.own.clear();
        holding.bytes = 0;
    }
    holding.bytes += bytes.len();
    if foreign {
        holding.own.push(seq);
    } else {
        holding.seen = seq;
        holding.own.clear();
    }
    Ok(())
}

/// On PostgreSQL, waits until no other transaction writes chunks of `doc`, and keeps others
/// waiting until this one ends: a document's chunks then commit in the order of their `seq`.
pub(crate) async fn lock_document(conn: &mut AnyConnection, doc: &DocumentId) -> Result<(), Error> {
    if super::is_postgres_conn(conn) {
        // The two-key form: its own key space, apart from the whole-database write lock.
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock(7, hashtext($1))")
            .bind(doc.to_string())
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn clear_heads(conn: &mut AnyConnection, doc: &DocumentId) -> Result<(), Error> {
    sqlx::query("UPDATE documents SET heads = NULL WHERE id = $1")
        .bind(doc.to_string())
        .execute(conn)
        .await?;
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

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT, ReadDoc};

    use super::*;

    fn edit(doc: &mut Automerge, key: &str, value: &str) {
        let mut tx = doc.transaction();
        tx.put(ROOT, key, value).expect("put");
        tx.commit();
    }

    fn text(doc: &Automerge, key: &str) -> Option<String> {
        doc.get(ROOT, key)
            .ok()
            .flatten()
            .map(|(v, _)| v.into_string().unwrap_or_default())
    }

    /// What each of two relays holds of one document, loaded from storage.
    async fn copy(pool: &AnyPool, doc: &DocumentId) -> (Automerge, Holding) {
        let (holding, chunks) = Holding::load(pool, doc).await.expect("chunks");
        let loaded = tsunagu_core::engine::load_chunks(&chunks).expect("loads");
        (loaded, holding)
    }

    #[tokio::test]
    async fn a_snapshot_keeps_what_another_relay_stored_that_its_copy_lacks() {
        let dir = tempfile::tempdir().expect("a directory");
        let url = super::super::url(dir.path(), None).expect("a url");
        let pool = super::super::open(&url).await.expect("opens");
        let mut conn = pool.acquire().await.expect("a connection");
        let doc = DocumentId::random();
        insert_document(&mut conn, &doc, "profile", None)
            .await
            .expect("a row");
        let mut made = Automerge::new();
        edit(&mut made, "name", "花子");
        let first = Chunk::Snapshot(made.save());
        persist_chunk(
            &mut conn,
            &doc,
            &first,
            &made.get_heads(),
            &mut Holding::default(),
        )
        .await
        .expect("stored");
        let (mut a, mut a_holds) = copy(&pool, &doc).await;
        let (mut b, mut b_holds) = copy(&pool, &doc).await;

        // Relay A stores a change; relay B, not having merged it, compacts its own copy.
        let before = a.get_heads();
        edit(&mut a, "title", "from A");
        let change = Chunk::Incremental(a.save_after(&before));
        persist_chunk(&mut conn, &doc, &change, &a.get_heads(), &mut a_holds)
            .await
            .expect("stored");
        edit(&mut b, "city", "from B");
        let snapshot = Chunk::Snapshot(b.save());
        persist_chunk(&mut conn, &doc, &snapshot, &b.get_heads(), &mut b_holds)
            .await
            .expect("stored");
        let stored = stored_document(&pool, &doc).await.expect("loads");
        assert_eq!(text(&stored, "title").as_deref(), Some("from A"));
        assert_eq!(text(&stored, "city").as_deref(), Some("from B"));
        // B's heads are not the document's: none are stored until a copy holding all writes.
        assert!(heads_of(&pool, &[doc]).await.expect("heads").is_empty());

        // B catches up (only A's chunk is new to it) and compacts again: one chunk, all of it.
        let fresh = b_holds.catch_up(&pool, &doc).await.expect("chunks");
        assert_eq!(fresh.len(), 1, "A's change, not B's own snapshot");
        for chunk in &fresh {
            b.load_incremental(chunk).expect("merges");
        }
        edit(&mut b, "city", "again");
        let snapshot = Chunk::Snapshot(b.save());
        persist_chunk(&mut conn, &doc, &snapshot, &b.get_heads(), &mut b_holds)
            .await
            .expect("stored");
        assert_eq!(chunks_after(&pool, &doc, 0).await.expect("chunks").len(), 1);
        let stored = stored_document(&pool, &doc).await.expect("loads");
        assert_eq!(text(&stored, "title").as_deref(), Some("from A"));
        assert_eq!(
            heads_of(&pool, &[doc]).await.expect("heads").get(&doc),
            Some(&b.get_heads())
        );
    }
}
