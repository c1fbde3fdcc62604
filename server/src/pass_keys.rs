//! The organisation's key for tickets, ID cards and venue codes (`tsunagu_core::pass`): where it
//! lives, how it is published, and how an admin replaces it.
//!
//! The secret never goes into the database, so a leaked backup forges nothing: it is read from
//! `TSUNAGU_PASS_SIGNING_KEY` (32 bytes, base64url) when that is set, else from
//! `pass-signing.key` in the data directory, made on first start readable by the relay's user
//! alone (0600). A key an earlier version kept in the database moves to the file at start and
//! leaves the database (its page overwritten).
//!
//! Every pass names the key that signed it; the organisation document lists the public keys
//! still valid ([`PassAuthority`]), which every phone reads offline. Rotating makes a new key,
//! lists it, and signs every live ticket and ID card again with it; the old key stays listed
//! until an admin retires it, so passes on phones that have not synced yet keep working until
//! then.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::AnyPool;
use tsunagu_core::api::{AuditAction, PassKeyInfo};
use tsunagu_core::pass::{PassAuthority, SigningKey};

use crate::AppState;
use crate::db;
use crate::error::{AppError, Error};
use crate::events::authority::Change;
use crate::joining::{Admin, audit};

/// The key file inside the data directory.
pub(crate) const KEY_FILE: &str = "pass-signing.key";

/// The environment variable that, when set, holds the key instead of the file.
pub(crate) const KEY_ENV: &str = "TSUNAGU_PASS_SIGNING_KEY";

/// The key passes are signed with now, shared by the API and the relay, replaced on rotation.
#[derive(Debug, Clone)]
pub(crate) struct PassSigner {
    current: Arc<RwLock<Arc<SigningKey>>>,
    /// Where it is kept: `None` when it comes from the environment (rotate it there).
    file: Option<PathBuf>,
}

impl PassSigner {
    pub(crate) fn current(&self) -> Arc<SigningKey> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Makes a new key, stores it where the current one is, and signs with it from now on.
    /// Returns it; fails if the key comes from the environment.
    pub(crate) fn rotate(&self) -> Result<Arc<SigningKey>, Error> {
        let Some(file) = &self.file else {
            return Err(Error::Config(format!(
                "the pass signing key comes from {KEY_ENV}; set a new one there and restart"
            )));
        };
        let key = SigningKey::generate();
        write_key_file(file, &key)?;
        let key = Arc::new(key);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = key.clone();
        Ok(key)
    }
}

/// The key, from the environment, the key file, or (once) the database of an earlier version;
/// made and written to the file when there is none.
pub(crate) async fn load(data_dir: &Path, pool: &AnyPool) -> Result<PassSigner, Error> {
    if let Ok(text) = std::env::var(KEY_ENV) {
        let key = parse(&text).map_err(|why| Error::Config(format!("{KEY_ENV}: {why}")))?;
        forget_legacy(pool).await?;
        return Ok(signer(key, None));
    }
    let file = data_dir.join(KEY_FILE);
    let key = match std::fs::read_to_string(&file) {
        Ok(text) => {
            parse(&text).map_err(|why| Error::Corrupt(format!("{}: {why}", file.display())))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = match db::meta(pool, LEGACY_META_KEY).await? {
                Some(text) => parse(&text)
                    .map_err(|why| Error::Corrupt(format!("the stored pass signing key: {why}")))?,
                None => SigningKey::generate(),
            };
            write_key_file(&file, &key)?;
            key
        }
        Err(source) => {
            return Err(Error::Io {
                what: format!("reading {}", file.display()),
                source,
            });
        }
    };
    forget_legacy(pool).await?;
    Ok(signer(key, Some(file)))
}

fn signer(key: SigningKey, file: Option<PathBuf>) -> PassSigner {
    PassSigner {
        current: Arc::new(RwLock::new(Arc::new(key))),
        file,
    }
}

/// Where versions before the key file kept it.
const LEGACY_META_KEY: &str = "pass_signing_key";

/// Removes the key an earlier version kept in the database, overwriting the freed page, so
/// backups from now on hold no key.
async fn forget_legacy(pool: &AnyPool) -> Result<(), Error> {
    if db::meta(pool, LEGACY_META_KEY).await?.is_none() {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    if !db::is_postgres(pool) {
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM meta WHERE key = $1")
        .bind(LEGACY_META_KEY)
        .execute(&mut *conn)
        .await?;
    tracing::info!("moved the pass signing key out of the database into {KEY_FILE}");
    Ok(())
}

fn parse(text: &str) -> Result<SigningKey, &'static str> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| "not base64url")?
        .try_into()
        .map_err(|_| "a key has 32 bytes")?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Writes the key beside the database, readable by this user alone: a new file, then renamed
/// over the old, so a crash leaves one whole key or the other.
fn write_key_file(path: &Path, key: &SigningKey) -> Result<(), Error> {
    let io = |what: &str, source| Error::Io {
        what: format!("{what} {}", path.display()),
        source,
    };
    let partial = path.with_extension("key.partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut file = options.open(&partial).map_err(|e| io("writing", e))?;
        file.write_all(URL_SAFE_NO_PAD.encode(key.to_bytes()).as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| io("writing", e))?;
    }
    std::fs::rename(&partial, path).map_err(|e| io("replacing", e))
}

/// `GET /api/admin/pass-keys`: the keys the organisation document lists.
pub(crate) async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<PassKeyInfo>>, AppError> {
    Ok(Json(listed(&state).await?))
}

/// `POST /api/admin/pass-keys`: a new key signs from now on; every live ticket and ID card is
/// signed again with it and reaches the phones as they sync.
pub(crate) async fn rotate(
    State(state): State<AppState>,
    Admin(admin): Admin,
) -> Result<Json<PassKeyInfo>, AppError> {
    let key = state
        .passes
        .rotate()
        .map_err(|e| AppError::Conflict(e.to_string()))?
        .verifying_key();
    state.relay.lock().await.write(Change::Rotated).await?;
    let mut tx = db::write_tx(&state.db).await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::RotatePassKey,
        &key.id(),
        "",
    )
    .await?;
    tx.commit().await?;
    tracing::info!(key = %key.id(), "the pass signing key was rotated");
    Ok(Json(PassKeyInfo {
        id: key.id(),
        key: key.to_string(),
        current: true,
    }))
}

/// `DELETE /api/admin/pass-keys/<id>`: passes that key signed stop being valid on every phone.
pub(crate) async fn retire(
    State(state): State<AppState>,
    Admin(admin): Admin,
    UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, AppError> {
    if id == state.passes.current().verifying_key().id() {
        return Err(AppError::Conflict(
            "passes are signed with this key now; make a new one first".into(),
        ));
    }
    if !listed(&state).await?.iter().any(|k| k.id == id) {
        return Err(AppError::Missing(format!("no pass key has the id {id:?}")));
    }
    state.relay.lock().await.write(Change::Retire(&id)).await?;
    let mut tx = db::write_tx(&state.db).await?;
    audit::record(
        &mut tx,
        Some(&admin.id),
        AuditAction::RetirePassKey,
        &id,
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The keys the organisation document lists, as stored.
async fn listed(state: &AppState) -> Result<Vec<PassKeyInfo>, Error> {
    let Some(org) = db::organisation_doc(&state.db).await? else {
        return Ok(Vec::new());
    };
    let doc = db::stored_document(&state.db, &org).await?;
    let current = state.passes.current().verifying_key().id();
    Ok(PassAuthority::read(&doc)
        .keys
        .into_iter()
        .map(|(id, key)| PassKeyInfo {
            current: id == current,
            id,
            key,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_the_owners_alone_and_reads_back() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join(KEY_FILE);
        let key = SigningKey::generate();
        write_key_file(&path, &key).expect("written");
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(
            parse(&text).expect("a key").verifying_key(),
            key.verifying_key()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(parse("not a key").is_err());
        assert!(parse(&URL_SAFE_NO_PAD.encode([1u8; 31])).is_err());
    }
}
