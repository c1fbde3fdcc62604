//! Devices and actors: the relay's own actor and storage id aside, every actor a member wrote
//! with, and every device (by its scoped storage id) that synced.

use automerge::ActorId;
use sqlx::{AnyConnection, AnyPool, Row};
use tsunagu_core::ids::StorageId;
use tsunagu_core::validate::ActorBook;

use super::{hex_id, now, write_tx};
use crate::error::Error;

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

/// Stores actors members claimed by writing with them; returns those registered to someone else
/// already (by another relay on this database), with who that is.
pub(crate) async fn register_actors(
    pool: &AnyPool,
    claims: &[(ActorId, String)],
) -> Result<Vec<(ActorId, String)>, Error> {
    let mut tx = write_tx(pool).await?;
    let mut taken = Vec::new();
    for (actor, user) in claims {
        let hex = actor.to_hex_string();
        sqlx::query(
            "INSERT INTO actors (actor, user_id, first_seen) VALUES ($1, $2, $3) ON CONFLICT (actor) DO NOTHING",
        )
        .bind(&hex)
        .bind(user)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let owner: Option<String> =
            sqlx::query_scalar("SELECT user_id FROM actors WHERE actor = $1")
                .bind(&hex)
                .fetch_one(&mut *tx)
                .await?;
        let owner = owner.unwrap_or_else(|| RELAY_OWNER.to_owned());
        if owner != *user {
            taken.push((actor.clone(), owner));
        }
    }
    tx.commit().await?;
    Ok(taken)
}

/// A device, as its member's device list shows it.
#[derive(Debug, sqlx::FromRow)]
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
    Ok(
        sqlx::query_as(&format!("{DEVICE_COLUMNS} WHERE storage_id = $1"))
            .bind(storage.as_str())
            .fetch_one(pool)
            .await?,
    )
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
    Ok(
        sqlx::query_as(&format!("{DEVICE_COLUMNS} WHERE storage_id = $1"))
            .bind(storage.as_str())
            .fetch_optional(pool)
            .await?,
    )
}

pub(crate) async fn devices_of(pool: &AnyPool, user: &str) -> Result<Vec<DeviceRecord>, Error> {
    Ok(sqlx::query_as(&format!(
        "{DEVICE_COLUMNS} WHERE user_id = $1 ORDER BY last_seen DESC"
    ))
    .bind(user)
    .fetch_all(pool)
    .await?)
}

pub(crate) async fn device(pool: &AnyPool, id: &str) -> Result<Option<DeviceRecord>, Error> {
    Ok(sqlx::query_as(&format!("{DEVICE_COLUMNS} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?)
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
