//! Storage: one SQLite file in the data directory by default, or a PostgreSQL database that
//! several relays share (`--database postgres://…`). Both are reached through sqlx's `Any`
//! driver, so each query is written once, with `$1`-style parameters both understand; where the
//! two dialects differ the schema does (`migrations/sqlite`, `migrations/postgres`), not the
//! queries. Yes/no columns are read with [`Flag`] (SQLite answers 0 or 1, PostgreSQL a boolean).
//!
//! SQLite is opened for durability (WAL, `synchronous=FULL`: a commit that returned survives a
//! crash or power loss). Every query is checked at run time, so a build needs no database.
//! Times are unix seconds.
//!
//! The queries are grouped by table: [`users`] (members, roles, sessions, the organisation),
//! [`documents`] (documents and their chunks), [`sync_states`], [`devices`] (and actors).

mod devices;
mod documents;
mod sync_states;
mod users;

pub(crate) use devices::*;
pub(crate) use documents::*;
pub(crate) use sync_states::*;
pub(crate) use users::*;

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyValueRef};
use sqlx::{Any, AnyConnection, AnyPool, Decode, Row, Type};
use tsunagu_core::ids::{DocumentId, StorageId};

use crate::error::Error;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "tsunagu.sqlite3";

/// Where the relay keeps its data: the SQLite file in its data directory, or the PostgreSQL
/// database at a URL. Creates the data directory, which holds the pass signing key either way.
pub(crate) fn url(data_dir: &Path, database: Option<&str>) -> Result<String, Error> {
    std::fs::create_dir_all(data_dir).map_err(|source| Error::Io {
        what: format!("creating data directory {}", data_dir.display()),
        source,
    })?;
    match database {
        Some(url) if is_postgres_url(url) => Ok(url.to_owned()),
        Some(other) => Err(Error::Config(format!(
            "--database takes a postgres:// URL (SQLite needs none: it lives in the data \
             directory), not {:?}",
            other.split_once("://").map_or(other, |(scheme, _)| scheme)
        ))),
        None => {
            let file = data_dir.join(DATABASE_FILE);
            let path = file.to_str().ok_or_else(|| {
                Error::Config(format!(
                    "the data directory {} is not UTF-8",
                    data_dir.display()
                ))
            })?;
            Ok(format!("sqlite://{path}?mode=rwc"))
        }
    }
}

fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Whether `pool` is a PostgreSQL database (else SQLite).
pub(crate) fn is_postgres(pool: &AnyPool) -> bool {
    is_postgres_url(pool.connect_options().database_url.as_str())
}

/// Opens (creating if missing) and migrates the database at `url` (see [`url`]).
pub(crate) async fn open(url: &str) -> Result<AnyPool, Error> {
    sqlx::any::install_default_drivers();
    let postgres = is_postgres_url(url);
    let pool = AnyPoolOptions::new()
        // SQLite has one writer whatever the pool; PostgreSQL serves more readers at once.
        .max_connections(if postgres { 16 } else { 4 })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if !postgres {
                    // Durable commits, readers beside the writer, references checked, and a
                    // writer waits for another rather than failing at once.
                    sqlx::Executor::execute(
                        conn,
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    if postgres {
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
    } else {
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    }
    Ok(pool)
}

/// What keeps a second relay off this relay's SQLite database while it runs: each relay holds
/// its documents in memory, and only over PostgreSQL do relays tell each other what they store
/// ([`crate::relays`]). A lock on `tsunagu.lock` in the data directory, gone when the relay
/// stops or dies.
#[derive(Debug)]
pub(crate) struct SoleRelay {
    _lock: std::fs::File,
}

/// Claims the SQLite database in `data_dir` for this relay, or says that another relay has it.
/// Relays on PostgreSQL share theirs: `None`.
pub(crate) fn claim(data_dir: &Path, url: &str) -> Result<Option<SoleRelay>, Error> {
    const TAKEN: &str = "another relay is running on this data directory; stop it first \
                         (several relays share a PostgreSQL database, not SQLite)";
    if is_postgres_url(url) {
        return Ok(None);
    }
    let path = data_dir.join("tsunagu.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| Error::Io {
            what: format!("opening {}", path.display()),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => Ok(Some(SoleRelay { _lock: file })),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(TAKEN.into())),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
            what: format!("locking {}", path.display()),
            source,
        }),
    }
}

/// The key of the advisory lock every PostgreSQL write transaction takes first (any number
/// that is the same on every relay: "tsunagu" in ASCII).
const WRITE_LOCK: i64 = 0x0074_7375_6e61_6775;

/// Begins a transaction that writes, and that no other writer interleaves with: what it read
/// stays true until it commits, on one relay or several. SQLite's `BEGIN IMMEDIATE` takes the
/// file's write lock at once (waiting out the busy timeout; a deferred transaction that reads
/// first and writes later fails at once with "database is locked" if another connection wrote
/// in between, which the relay's sync traffic makes likely). On PostgreSQL every such
/// transaction first takes one transaction-scoped advisory lock, so decisions made once (the
/// last seat, a single-use invitation) stay made once whichever relay makes them.
pub(crate) async fn write_tx(pool: &AnyPool) -> Result<sqlx::Transaction<'static, Any>, Error> {
    if is_postgres(pool) {
        let mut tx = pool.begin().await?;
        // `pg_advisory_xact_lock` returns `void`, which no driver reads; select a constant.
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock($1)")
            .bind(WRITE_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    } else {
        Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

/// Whether `conn` is to PostgreSQL.
pub(crate) fn is_postgres_conn(conn: &AnyConnection) -> bool {
    conn.backend_name() == "PostgreSQL"
}

/// A yes/no read from either database: SQLite answers 0 or 1, PostgreSQL a boolean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <bool as Type<Any>>::compatible(ty) || <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <i64 as Decode<Any>>::decode(value.clone()) {
            Ok(n) => Ok(Self(n != 0)),
            Err(_) => Ok(Self(<bool as Decode<Any>>::decode(value)?)),
        }
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

/// Reads the yes/no column `name` of `row`.
pub(crate) fn flag(row: &sqlx::any::AnyRow, name: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<Flag, _>(name)?.0)
}

/// `n` numbered parameters from `$first` on (`$2, $3, $4`), for an `IN (…)` list.
pub(crate) fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether `member` may make one more of what `counting` counts: fewer than `limit` made in the
/// day before `now`. `counting` is a `SELECT COUNT(*)` of their rows, `$1` the member and `$2`
/// the start of that day (new conversations, reports, photos, posts a day).
pub(crate) async fn under_daily_limit<'c>(
    db: impl sqlx::Executor<'c, Database = Any>,
    counting: &str,
    member: &str,
    now: i64,
    limit: usize,
) -> Result<bool, Error> {
    let made: i64 = sqlx::query_scalar(counting)
        .bind(member)
        .bind(now - 24 * 60 * 60)
        .fetch_one(db)
        .await?;
    Ok(usize::try_from(made).is_ok_and(|made| made < limit))
}

/// A document id as stored; a malformed one is a corrupt database.
pub(crate) fn document_id(s: &str) -> Result<DocumentId, Error> {
    DocumentId::from_str(s).map_err(|e| Error::Corrupt(format!("document id {s:?}: {e}")))
}

/// The relay's storage id, made on first start and kept for good: devices save sync state under it.
pub(crate) async fn relay_storage_id(pool: &AnyPool) -> Result<StorageId, Error> {
    let fresh = StorageId::random();
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('relay_storage_id', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(fresh.as_str())
    .execute(pool)
    .await?;
    let id: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'relay_storage_id'")
        .fetch_one(pool)
        .await?;
    Ok(StorageId::new(id))
}

pub(crate) async fn meta(pool: &AnyPool, key: &str) -> Result<Option<String>, Error> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .fetch_optional(pool)
        .await?)
}

pub(crate) async fn set_meta(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// 16 random bytes as hex, for row ids.
pub(crate) fn hex_id() -> String {
    tsunagu_core::ids::random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
