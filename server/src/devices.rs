//! A member's devices: `GET /api/devices` lists them, `DELETE /api/devices/<id>` revokes one.
//!
//! A device is recorded when its app joins the sync socket with a storage id (one IndexedDB),
//! and the session it joined with belongs to it from then on (a session syncs from one device
//! only). A revoked device is refused at its next connect — and at once, if it is connected —
//! with a protocol `error` starting with [`DEVICE_REVOKED`], on which the app deletes its local
//! data; its sessions end with it. Members revoke their own devices; admins may revoke anyone's.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tsunagu_core::api::{AuditAction, DEVICE_REVOKED, DeviceInfo};
use tsunagu_core::ids::StorageId;
use tsunagu_core::vocab::Role;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::audit;

#[derive(Debug, Deserialize)]
pub(crate) struct Current {
    /// The storage id of the device asking, to mark it in the list.
    current: Option<String>,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(current): Query<Current>,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    let user = &signed_in.user.id;
    let current = current.current.map(|s| format!("{user}/{s}"));
    let devices = db::devices_of(&state.db, user).await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| d.info(current.as_deref()))
            .collect(),
    ))
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    let user = &signed_in.user.id;
    let device = db::device(&state.db, &id).await?;
    let is_admin = db::roles(&state.db, user).await?.contains(&Role::Admin);
    // Someone else's device is answered as a missing one, unless the asker is an admin.
    let Some(device) = device.filter(|d| d.user_id == *user || is_admin) else {
        return Err(AppError::NotFound);
    };
    cut_off(&state, &device, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes `device` (on the word of member `by`) and every session it signed in with: a
/// connected device is told to wipe itself, and its sessions stop working everywhere, on the
/// HTTP API and on every socket (an ephemeral one included), in one audited transaction; the
/// member's ID cards issued so far are revoked (the lost phone shows one) and a new one issued.
pub(crate) async fn cut_off(
    state: &AppState,
    device: &db::DeviceRecord,
    by: &str,
) -> Result<(), Error> {
    let mut tx = db::write_tx(&state.db).await?;
    db::revoke_device(&mut *tx, &device.id).await?;
    let sessions = db::revoke_sessions_of_device(&mut tx, &device.id).await?;
    audit::record(
        &mut tx,
        Some(by),
        AuditAction::RevokeDevice,
        &device.id,
        // Whose it is, the log says by the device's id (and shows by the member's name).
        &device.label,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(device = %device.id, %by, "{DEVICE_REVOKED}");
    let mut relay = state.relay.lock().await;
    relay
        .revoke_device(&StorageId::new(device.storage_id.clone()))
        .await;
    for session in &sessions {
        relay.sign_out(session).await;
    }
    // The lost phone's ID card stops being valid; their other devices get a new one.
    relay
        .write(crate::events::authority::Change::RevokeCards(
            &device.user_id,
        ))
        .await
}

/// "Browser · system" from a User-Agent header, for people to tell their devices apart.
pub(crate) fn label(user_agent: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("SamsungBrowser", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("Browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Mac OS X", "macOS"),
        ("Windows", "Windows"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| user_agent.contains(needle))
    .map_or("", |(_, name)| name);
    if system.is_empty() {
        browser.to_owned()
    } else {
        format!("{browser} · {system}")
    }
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_name_the_browser_and_the_system() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(label(android), "Chrome · Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(label(iphone), "Safari · iPhone");
        assert_eq!(label(""), "Browser");
    }
}
