//! Storage: one SQLite file in the data directory by default, or a PostgreSQL database that
//! several relays share (`--database postgres://…`). Both are reached through sqlx's `Any`
//! driver, so each query is written once, with `$1`-style parameters both understand; where the
//! two dialects differ the schema does (`migrations/sqlite`, `migrations/postgres`), not the
//! queries. Yes/no columns are read with [`Flag`] (SQLite answers 0 or 1, PostgreSQL a boolean).
//!
//! SQLite is opened for durability (WAL, `synchronous=FULL`: a commit that returned survives a
//! crash or power loss). Every query is checked at run time, so a build needs no database.
//! Times are unix seconds.

use std::path::Path;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use automerge::{ActorId, ChangeHash};
use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyValueRef};
use sqlx::{Any, AnyConnection, AnyPool, Decode, Row, Type};
use tsunagu_core::engine::Chunk;
use tsunagu_core::grants::{ConversationFacts, EventFacts};
use tsunagu_core::ids::{DocumentId, StorageId};
use tsunagu_core::validate::ActorBook;
use tsunagu_core::vocab::{DocKind, Role};

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

/// What keeps a second relay off this relay's database while it runs: each relay holds its
/// documents in memory and compacts their stored changes, so two on one database would not pass
/// each other's changes to their clients, and one could compact away what the other wrote.
/// On SQLite a lock on `tsunagu.lock` in the data directory; on PostgreSQL a session advisory
/// lock on a connection of its own. Either goes when the relay stops or dies.
#[derive(Debug)]
pub(crate) enum SoleRelay {
    File(std::fs::File),
    Postgres(AnyConnection),
}

/// The key of the advisory lock a running relay holds ("tsunagu!" in ASCII).
const RELAY_LOCK: i64 = 0x7473_756e_6167_7521;

/// Claims `url`'s database (see [`url`]) for this relay, or says which other relay has it.
pub(crate) async fn claim(data_dir: &Path, url: &str) -> Result<SoleRelay, Error> {
    const TAKEN: &str = "another relay is running on this database; stop it first (several \
                         relays cannot share one database yet)";
    if is_postgres_url(url) {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect(url).await?;
        let Flag(held) = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(RELAY_LOCK)
            .fetch_one(&mut conn)
            .await?;
        return if held {
            Ok(SoleRelay::Postgres(conn))
        } else {
            Err(Error::Config(TAKEN.into()))
        };
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
        Ok(()) => Ok(SoleRelay::File(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(TAKEN.into())),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Io {
            what: format!("locking {}", path.display()),
            source,
        }),
    }
}

impl SoleRelay {
    /// Lets another relay start on the database.
    pub(crate) async fn release(self) {
        match self {
            Self::File(file) => drop(file),
            Self::Postgres(conn) => {
                use sqlx::Connection;
                if let Err(e) = conn.close().await {
                    tracing::warn!("closing the relay's lock connection: {e}");
                }
            }
        }
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

/// A document id as stored; a malformed one is a corrupt database.
pub(crate) fn document_id(s: &str) -> Result<DocumentId, Error> {
    DocumentId::from_str(s).map_err(|e| Error::Corrupt(format!("document id {s:?}: {e}")))
}

// ---- meta -------------------------------------------------------------------------------------

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

/// The actor the relay writes its own documents with (the seed, the organisation document),
/// made on first start and reserved in `actors` so no member can write as the relay.
pub(crate) async fn relay_actor(pool: &AnyPool) -> Result<ActorId, Error> {
    let fresh = ActorId::random();
    let mut tx = write_tx(pool).await?;
    let inserted = sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('relay_actor', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(fresh.to_hex_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        sqlx::query("INSERT INTO actors (actor, user_id, first_seen) VALUES ($1, NULL, $2)")
            .bind(fresh.to_hex_string())
            .bind(now())
            .execute(&mut *tx)
            .await?;
    }
    let hex: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'relay_actor'")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    actor_from_hex(&hex)
}

/// The relay's reserved actor, made at start ([`relay_actor`]), read inside a transaction.
pub(crate) async fn stored_relay_actor(conn: &mut AnyConnection) -> Result<ActorId, Error> {
    let hex: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'relay_actor'")
        .fetch_one(conn)
        .await?;
    actor_from_hex(&hex)
}

fn actor_from_hex(hex: &str) -> Result<ActorId, Error> {
    ActorId::try_from(hex).map_err(|e| Error::Corrupt(format!("actor id {hex:?}: {e}")))
}

// ---- actors -----------------------------------------------------------------------------------

/// Every registered actor and its member ([`RELAY_OWNER`] for the relay's own).
pub(crate) async fn actor_book(pool: &AnyPool) -> Result<ActorBook, Error> {
    let rows = sqlx::query("SELECT actor, user_id FROM actors")
        .fetch_all(pool)
        .await?;
    let mut owners = Vec::with_capacity(rows.len());
    for row in rows {
        let actor: String = row.try_get("actor")?;
        let user: Option<String> = row.try_get("user_id")?;
        owners.push((
            actor_from_hex(&actor)?,
            user.unwrap_or_else(|| RELAY_OWNER.to_owned()),
        ));
    }
    Ok(ActorBook::new(owners))
}

/// Who owns the relay's reserved actors in an [`ActorBook`]; no user id looks like it.
pub(crate) const RELAY_OWNER: &str = "@relay";

/// Stores actors members claimed by writing with them.
pub(crate) async fn register_actors(
    pool: &AnyPool,
    claims: &[(ActorId, String)],
) -> Result<(), Error> {
    let mut tx = write_tx(pool).await?;
    for (actor, user) in claims {
        sqlx::query(
            "INSERT INTO actors (actor, user_id, first_seen) VALUES ($1, $2, $3) ON CONFLICT (actor) DO NOTHING",
        )
        .bind(actor.to_hex_string())
        .bind(user)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
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

// ---- people -----------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) password_hash: Option<String>,
    pub(crate) display_name: String,
    pub(crate) active: bool,
    pub(crate) organisation: String,
    pub(crate) directory_hidden: bool,
}

const USER_COLUMNS: &str =
    "SELECT u.id, u.email, u.password_hash, u.display_name, u.status, u.directory_hidden,
            o.name AS organisation
     FROM users u JOIN organisations o ON o.id = u.organisation_id";

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, Error> {
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        display_name: row.try_get("display_name")?,
        active: row.try_get::<String, _>("status")? == "active",
        organisation: row.try_get("organisation")?,
        directory_hidden: flag(row, "directory_hidden")?,
    })
}

/// Emails are stored lower-cased, so look-ups are case-insensitive.
pub(crate) async fn user_by_email(pool: &AnyPool, email: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query(&format!("{USER_COLUMNS} WHERE u.email = $1"))
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn user_by_id(pool: &AnyPool, id: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query(&format!("{USER_COLUMNS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// Role names as stored (kebab-case); the caller parses them.
/// The roles `user` holds (names this version does not know are skipped).
pub(crate) async fn roles<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user: &str,
) -> Result<Vec<Role>, Error> {
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
            .bind(user)
            .fetch_all(db)
            .await?;
    Ok(stored.iter().filter_map(|r| Role::from_key(r)).collect())
}

#[derive(Debug)]
pub(crate) struct NewUser<'a> {
    pub(crate) id: &'a str,
    pub(crate) organisation: &'a str,
    pub(crate) email: &'a str,
    pub(crate) password_hash: Option<&'a str>,
    pub(crate) display_name: &'a str,
    pub(crate) roles: &'a [&'a str],
}

/// The organisation a relay serves, and the defaults it chose at setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Organisation {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) name_en: String,
    /// `ja` or `en`.
    pub(crate) language: String,
    /// IANA zone new events are held in.
    pub(crate) time_zone: String,
}

pub(crate) async fn insert_organisation(
    conn: &mut AnyConnection,
    org: &Organisation,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO organisations (id, name, name_en, language, time_zone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&org.id)
    .bind(&org.name)
    .bind(&org.name_en)
    .bind(&org.language)
    .bind(&org.time_zone)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// The organisation's logo as stored ([`crate::logo`]).
#[derive(Debug)]
pub(crate) struct Logo {
    pub(crate) bytes: Vec<u8>,
    pub(crate) kind: &'static str,
    pub(crate) version: i64,
}

/// The image types a logo is stored as.
const LOGO_TYPES: [&str; 3] = ["image/png", "image/jpeg", "image/webp"];

/// Sets the organisation's logo (`None` removes it); false when there is no organisation yet.
pub(crate) async fn set_logo(
    conn: &mut AnyConnection,
    logo: Option<(&[u8], &'static str)>,
) -> Result<bool, Error> {
    let (bytes, kind) = logo.unzip();
    let done = sqlx::query(
        "UPDATE organisations SET logo = $1, logo_type = $2, logo_version = logo_version + 1",
    )
    .bind(bytes)
    .bind(kind)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The organisation's logo, if it has one.
pub(crate) async fn logo(pool: &AnyPool) -> Result<Option<Logo>, Error> {
    let row: Option<(Option<Vec<u8>>, Option<String>, i64)> =
        sqlx::query_as("SELECT logo, logo_type, logo_version FROM organisations LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(bytes, kind, version)| {
        let kind = LOGO_TYPES
            .into_iter()
            .find(|k| Some(*k) == kind.as_deref())?;
        Some(Logo {
            bytes: bytes?,
            kind,
            version,
        })
    }))
}

/// The version of the organisation's logo, `0` when it has none.
pub(crate) async fn logo_version(pool: &AnyPool) -> Result<u32, Error> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT logo_version FROM organisations WHERE logo IS NOT NULL LIMIT 1")
            .fetch_optional(pool)
            .await?;
    Ok(version.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX).max(1)))
}

pub(crate) async fn insert_user(conn: &mut AnyConnection, user: &NewUser<'_>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO users (id, organisation_id, email, password_hash, display_name, status, created_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6)",
    )
    .bind(user.id)
    .bind(user.organisation)
    .bind(user.email.to_lowercase())
    .bind(user.password_hash)
    .bind(user.display_name)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    for role in user.roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user.id)
            .bind(role)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(crate) async fn count_users(pool: &AnyPool) -> Result<i64, Error> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await?)
}

// ---- sessions ---------------------------------------------------------------------------------

#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) user_id: String,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
    /// The device it belongs to, once a device synced with it.
    pub(crate) device_id: Option<String>,
}

/// Stores a new session; it belongs to no device until one syncs with it ([`bind_session`]).
pub(crate) async fn insert_session(
    pool: &AnyPool,
    token_hash: &[u8],
    user: &str,
    expires_at: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user)
    .bind(now())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn session(pool: &AnyPool, token_hash: &[u8]) -> Result<Option<Session>, Error> {
    let row = sqlx::query(
        "SELECT user_id, created_at, expires_at, revoked_at, device_id FROM sessions \
         WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Session {
        user_id: row.try_get("user_id")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        device_id: row.try_get("device_id")?,
    }))
}

pub(crate) async fn revoke_session(pool: &AnyPool, token_hash: &[u8]) -> Result<(), Error> {
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// Binds a session to the device that syncs with it, if it belongs to none yet; returns the
/// device it belongs to now.
pub(crate) async fn bind_session(
    pool: &AnyPool,
    token_hash: &[u8],
    device: &str,
) -> Result<Option<String>, Error> {
    sqlx::query("UPDATE sessions SET device_id = $1 WHERE token_hash = $2 AND device_id IS NULL")
        .bind(device)
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(
        sqlx::query_scalar("SELECT device_id FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
            .flatten(),
    )
}

/// Revokes every live session bound to `device`; returns their token hashes, so their sockets
/// can close.
pub(crate) async fn revoke_sessions_of_device(
    conn: &mut AnyConnection,
    device: &str,
) -> Result<Vec<Vec<u8>>, Error> {
    let live: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT token_hash FROM sessions WHERE device_id = $1 AND revoked_at IS NULL",
    )
    .bind(device)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(device)
        .execute(conn)
        .await?;
    Ok(live)
}

// ---- documents --------------------------------------------------------------------------------

/// What the authorisation rules need to know about a stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocumentRecord {
    pub(crate) kind: String,
    pub(crate) owner: Option<String>,
    /// The owner is active and has not hidden from the directory.
    pub(crate) owner_listed: bool,
    /// For an event, its roster and its check-in log: the event as it stands and how the member
    /// asking relates to it (so a record is only good for the member it was read for).
    pub(crate) event: Option<EventFacts>,
    /// For a conversation and its pages: how the member asking relates to it (the same).
    pub(crate) conversation: Option<ConversationFacts>,
}

/// The SQL of a [`DocumentRecord`], over `documents d LEFT JOIN users u`.
const RECORD_COLUMNS: &str = "d.id, d.kind, d.owner_id,
    (u.status = 'active' AND NOT u.directory_hidden) AS listed";

fn record(row: &sqlx::any::AnyRow) -> Result<DocumentRecord, Error> {
    Ok(DocumentRecord {
        kind: row.try_get("kind")?,
        owner: row.try_get("owner_id")?,
        owner_listed: row
            .try_get::<Option<Flag>, _>("listed")?
            .is_some_and(|f| f.0),
        event: None,
        conversation: None,
    })
}

/// What the grant table needs to know about `doc` to judge `user`'s access.
pub(crate) async fn document(
    pool: &AnyPool,
    doc: &DocumentId,
    user: &str,
) -> Result<Option<DocumentRecord>, Error> {
    let row = sqlx::query(&format!(
        "SELECT {RECORD_COLUMNS} FROM documents d LEFT JOIN users u ON u.id = d.owner_id WHERE d.id = $1"
    ))
    .bind(doc.to_string())
    .fetch_optional(pool)
    .await?;
    let Some(mut record) = row.as_ref().map(record).transpose()? else {
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
        .map(|row| Ok((document_id(&row.try_get::<String, _>("id")?)?, record(row)?)))
        .collect()
}

/// Erases `user`'s account inside `tx`: their documents (every stored byte and sync state),
/// roles, passkeys, sessions, devices and applications, and their email from the audit log; the
/// row stays, anonymised and `removed`, so the audit log and HR records keep their references.
/// (Their name leaves events' rosters when their seats are given up.) Returns the erased
/// documents.
pub(crate) async fn erase_account(
    tx: &mut AnyConnection,
    user: &str,
) -> Result<Vec<DocumentId>, Error> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM documents WHERE owner_id = $1")
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(email) = email.filter(|e| !e.is_empty()) {
        // What they applied with (name, email, employee number, password hash), and their
        // email wherever the audit log wrote it; the log's rows stay, naming the account by id.
        for statement in [
            "DELETE FROM application_confirmations WHERE application_id IN \
             (SELECT id FROM applications WHERE user_id = $1 OR email = $2)",
            "DELETE FROM applications WHERE user_id = $1 OR email = $2",
            "DELETE FROM application_attempts WHERE email = $2",
            "UPDATE audit_log SET detail = REPLACE(detail, $2, '(deleted)') \
             WHERE detail LIKE '%' || $2 || '%'",
        ] {
            sqlx::query(statement)
                .bind(user)
                .bind(&email)
                .execute(&mut *tx)
                .await?;
        }
    }
    for statement in [
        "DELETE FROM sync_states WHERE document_id IN (SELECT id FROM documents WHERE owner_id = $1)",
        "DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE owner_id = $1)",
        "DELETE FROM documents WHERE owner_id = $1",
        "DELETE FROM user_roles WHERE user_id = $1",
        "DELETE FROM passkeys WHERE user_id = $1",
        "DELETE FROM passkey_handles WHERE user_id = $1",
        "DELETE FROM blocks WHERE blocker = $1 OR blocked = $1",
        // Their photos become unreadable through every message that names them.
        "DELETE FROM photo_owners WHERE user_id = $1",
        "UPDATE hr_records SET user_id = NULL WHERE user_id = $1",
        "UPDATE users SET status = 'removed', email = 'deleted+' || id || '@invalid',
             display_name = '', password_hash = NULL, directory_hidden = TRUE WHERE id = $1",
    ] {
        sqlx::query(statement).bind(user).execute(&mut *tx).await?;
    }
    // Bytes no one else uploaded go.
    sqlx::query("DELETE FROM photos WHERE id NOT IN (SELECT photo FROM photo_owners)")
        .execute(&mut *tx)
        .await?;
    for statement in [
        "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
        "UPDATE devices SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
        "UPDATE calendar_feeds SET revoked_at = COALESCE(revoked_at, $1) WHERE user_id = $2",
    ] {
        sqlx::query(statement)
            .bind(now())
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    ids.iter().map(|s| document_id(s)).collect()
}

/// Hides `user` from the directory, or lists them again.
pub(crate) async fn set_directory_hidden(
    pool: &AnyPool,
    user: &str,
    hidden: bool,
) -> Result<(), Error> {
    sqlx::query("UPDATE users SET directory_hidden = $1 WHERE id = $2")
        .bind(hidden)
        .bind(user)
        .execute(pool)
        .await?;
    Ok(())
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

/// A session, as the member's data export shows it (never the token).
#[derive(Debug, serde::Serialize)]
pub(crate) struct SessionRecord {
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) revoked_at: Option<i64>,
}

pub(crate) async fn sessions_of(pool: &AnyPool, user: &str) -> Result<Vec<SessionRecord>, Error> {
    let rows = sqlx::query(
        "SELECT created_at, expires_at, revoked_at FROM sessions WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(SessionRecord {
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect()
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

/// Profile documents of every active member: the directory everyone signed in may read (for now).
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

/// The organisation, if the network was set up.
pub(crate) async fn organisation(pool: &AnyPool) -> Result<Option<Organisation>, Error> {
    organisation_in(&mut *pool.acquire().await?).await
}

/// [`organisation`], inside a transaction.
pub(crate) async fn organisation_in(
    conn: &mut AnyConnection,
) -> Result<Option<Organisation>, Error> {
    let row = sqlx::query(
        "SELECT id, name, name_en, language, time_zone FROM organisations \
         ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Organisation {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            name_en: r.try_get("name_en")?,
            language: r.try_get("language")?,
            time_zone: r.try_get("time_zone")?,
        })
    })
    .transpose()
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

/// A device, as its member's device list shows it.
#[derive(Debug)]
pub(crate) struct DeviceRecord {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) storage_id: String,
    pub(crate) label: String,
    pub(crate) first_seen: i64,
    pub(crate) last_seen: i64,
    pub(crate) revoked_at: Option<i64>,
}

impl DeviceRecord {
    /// As the API lists it; `current` is the (scoped) storage id of the device asking.
    pub(crate) fn info(self, current: Option<&str>) -> tsunagu_core::api::DeviceInfo {
        tsunagu_core::api::DeviceInfo {
            this_device: current == Some(self.storage_id.as_str()),
            revoked: self.revoked_at.is_some(),
            id: self.id,
            label: self.label,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }
}

fn device_record(row: &sqlx::any::AnyRow) -> Result<DeviceRecord, Error> {
    Ok(DeviceRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        storage_id: row.try_get("storage_id")?,
        label: row.try_get("label")?,
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const DEVICE_COLUMNS: &str =
    "SELECT id, user_id, storage_id, label, first_seen, last_seen, revoked_at FROM devices";

/// Records that `user`'s device with this (scoped) storage connected; returns the device, which
/// may be revoked.
pub(crate) async fn touch_device(
    pool: &AnyPool,
    user: &str,
    storage: &StorageId,
    label: &str,
) -> Result<DeviceRecord, Error> {
    let now = now();
    let id = format!("device-{}", hex_id());
    sqlx::query(
        "INSERT INTO devices (id, user_id, storage_id, label, first_seen, last_seen) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (storage_id) DO UPDATE SET last_seen = excluded.last_seen, label = excluded.label",
    )
    .bind(&id)
    .bind(user)
    .bind(storage.as_str())
    .bind(label)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    let row = sqlx::query(&format!("{DEVICE_COLUMNS} WHERE storage_id = $1"))
        .bind(storage.as_str())
        .fetch_one(pool)
        .await?;
    device_record(&row)
}

/// The name a pass states for `user`: the one HR has on record, else the name their account
/// was made with (which an admin approved, or the setup entered) — never the name they write in
/// their own profile, which would let anyone carry a validly signed card under any name.
pub(crate) async fn confirmed_name(conn: &mut AnyConnection, user: &str) -> Result<String, Error> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT COALESCE(NULLIF(h.name, ''), u.display_name) FROM users u \
         LEFT JOIN hr_records h ON h.user_id = u.id WHERE u.id = $1",
    )
    .bind(user)
    .fetch_optional(conn)
    .await?;
    Ok(name.unwrap_or_default())
}

/// How many of `user`'s devices are not revoked.
pub(crate) async fn live_devices(pool: &AnyPool, user: &str) -> Result<usize, Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM devices WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user)
    .fetch_one(pool)
    .await?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The device with this (scoped) storage, if it ever synced.
pub(crate) async fn device_by_storage(
    pool: &AnyPool,
    storage: &StorageId,
) -> Result<Option<DeviceRecord>, Error> {
    let row = sqlx::query(&format!("{DEVICE_COLUMNS} WHERE storage_id = $1"))
        .bind(storage.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(device_record).transpose()
}

pub(crate) async fn devices_of(pool: &AnyPool, user: &str) -> Result<Vec<DeviceRecord>, Error> {
    let rows = sqlx::query(&format!(
        "{DEVICE_COLUMNS} WHERE user_id = $1 ORDER BY last_seen DESC"
    ))
    .bind(user)
    .fetch_all(pool)
    .await?;
    rows.iter().map(device_record).collect()
}

pub(crate) async fn device(pool: &AnyPool, id: &str) -> Result<Option<DeviceRecord>, Error> {
    let row = sqlx::query(&format!("{DEVICE_COLUMNS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(device_record).transpose()
}

pub(crate) async fn revoke_device<'c>(
    db: impl sqlx::Executor<'c, Database = sqlx::Any>,
    id: &str,
) -> Result<(), Error> {
    sqlx::query("UPDATE devices SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// 16 random bytes as hex, for row ids.
fn hex_id() -> String {
    tsunagu_core::ids::random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
