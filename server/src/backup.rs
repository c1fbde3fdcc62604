//! A consistent copy of a running relay's database (`tsunagu-server backup DEST`), and putting
//! one back (`tsunagu-server restore FROM`) on a stopped relay.
//!
//! The copy is SQLite's `VACUUM INTO`: one read transaction, so it is a snapshot of committed
//! state however busy the relay is, written compactly to a new file. It is made next to `DEST`
//! under another name, checked, synced and only then renamed, so `DEST` is either a whole,
//! checked backup or absent. Restoring never deletes: the database it replaces is kept beside it.
//!
//! The pass-signing key lives in its own file in the data directory, not in the database
//! (`pass_keys.rs`), so a backup carries no key: keep the key file (or `TSUNAGU_PASS_KEY`) safe
//! on its own.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::db::{self, DATABASE_FILE};
use crate::error::Error;

/// What a backup holds, to tell the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub members: i64,
    pub documents: i64,
    pub bytes: u64,
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { what, source }
}

/// Opens a database file that must already exist, read-only.
async fn open_existing(path: &Path) -> Result<SqliteConnection, Error> {
    if !path.is_file() {
        return Err(Error::Config(format!(
            "there is no database at {}",
            path.display()
        )));
    }
    let connection = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await?;
    Ok(connection)
}

/// Checks that `connection` is a whole tsunagu database, and counts what it holds.
async fn check(connection: &mut SqliteConnection, what: &Path) -> Result<(i64, i64), Error> {
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut *connection)
        .await?;
    if verdict != "ok" {
        return Err(Error::Corrupt(format!("{}: {verdict}", what.display())));
    }
    let counts =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM documents)")
            .fetch_one(&mut *connection)
            .await
            .map_err(|_| Error::Corrupt(format!("{} is not a tsunagu database", what.display())))?;
    Ok(counts)
}

/// Copies the database in `data_dir` to `dest`, which must not exist. Safe while the relay runs.
pub async fn backup(data_dir: &Path, dest: &Path) -> Result<Backup, Error> {
    if dest.exists() {
        return Err(Error::Config(format!(
            "{} already exists; a backup never overwrites",
            dest.display()
        )));
    }
    let partial = sibling(dest, "partial")?;
    // A partial file is only ever left by an interrupted backup of ours.
    std::fs::remove_file(&partial).ok();
    let mut live = open_existing(&data_dir.join(DATABASE_FILE)).await?;
    let target = partial
        .to_str()
        .ok_or_else(|| Error::Config(format!("{} is not a UTF-8 path", partial.display())))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut live)
        .await?;
    live.close().await?;
    let made = async {
        let mut copy = open_existing(&partial).await?;
        let (members, documents) = check(&mut copy, &partial).await?;
        copy.close().await?;
        sync_file(&partial)?;
        let bytes = std::fs::metadata(&partial)
            .map_err(io(format!("reading {}", partial.display())))?
            .len();
        Ok::<_, Error>(Backup {
            members,
            documents,
            bytes,
        })
    }
    .await;
    let made = match made {
        Ok(made) => made,
        Err(e) => {
            std::fs::remove_file(&partial).ok();
            return Err(e);
        }
    };
    std::fs::rename(&partial, dest).map_err(io(format!("naming {}", dest.display())))?;
    sync_parent(dest)?;
    Ok(made)
}

/// Puts the backup `from` in place of the database in `data_dir` (the relay must be stopped).
/// The database it replaces, if any, is kept beside it; returns where.
pub async fn restore(data_dir: &Path, from: &Path) -> Result<Option<PathBuf>, Error> {
    let mut backup = open_existing(from).await?;
    check(&mut backup, from).await?;
    backup.close().await?;
    std::fs::create_dir_all(data_dir).map_err(io(format!(
        "creating data directory {}",
        data_dir.display()
    )))?;
    let live = data_dir.join(DATABASE_FILE);
    let partial = sibling(&live, "restoring")?;
    std::fs::copy(from, &partial).map_err(io(format!("copying {}", from.display())))?;
    sync_file(&partial)?;
    let kept = if live.exists() {
        let kept = sibling(&live, &format!("before-restore-{}", db::now()))?;
        // The write-ahead log belongs with its database: both move, under the kept name.
        for suffix in ["", "-wal", "-shm"] {
            let (from, to) = (with_suffix(&live, suffix), with_suffix(&kept, suffix));
            if from.exists() {
                std::fs::rename(&from, &to).map_err(io(format!("moving {}", from.display())))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&partial, &live).map_err(io(format!("naming {}", live.display())))?;
    sync_parent(&live)?;
    Ok(kept)
}

/// `path` with `.<tag>` added to its file name.
fn sibling(path: &Path, tag: &str) -> Result<PathBuf, Error> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::Config(format!("{} names no file", path.display())))?;
    let mut name = name.to_os_string();
    name.push(format!(".{tag}"));
    Ok(path.with_file_name(name))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn sync_file(path: &Path) -> Result<(), Error> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("syncing {}", path.display())))
}

/// A rename is durable once the directory holding it is synced.
fn sync_parent(path: &Path) -> Result<(), Error> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => sync_file(dir),
        None => sync_file(Path::new(".")),
    }
}
