//! `GET /api/me/export`: everything the organisation holds about the signed-in member, as one
//! JSON file (their right to a copy of their personal data, APPI art. 33 / GDPR art. 15).
//!
//! It holds the account, the roles, every session (when it began, ended or was revoked — never
//! the token), every device and passkey, the HR record they joined from, every audit-log entry about them or
//! by them, and every document the member owns (the profile and each of its parts, their
//! answers to events, their seats, tickets and ID card) with its current content and how many
//! changes its history has.

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use axum::response::IntoResponse;
use serde::Serialize;
use tsunagu_core::api::{AuditEntry, DeviceInfo, HrRecord, PasskeyInfo};
use tsunagu_core::engine::load_chunks;
use tsunagu_core::vocab::Role;

use crate::AppState;
use crate::auth::SignedIn;
use crate::db;
use crate::error::{AppError, Error};
use crate::joining::{audit, store};

#[derive(Debug, Serialize)]
pub(crate) struct Export {
    /// Unix seconds.
    pub(crate) exported_at: i64,
    pub(crate) organisation: String,
    pub(crate) account: Account,
    pub(crate) sessions: Vec<db::SessionRecord>,
    pub(crate) devices: Vec<DeviceInfo>,
    pub(crate) passkeys: Vec<PasskeyInfo>,
    /// What HR's export said about them, if they joined from it.
    pub(crate) hr_record: Option<HrRecord>,
    pub(crate) audit_log: Vec<AuditEntry>,
    pub(crate) documents: Vec<ExportedDocument>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Account {
    pub(crate) user_id: String,
    pub(crate) email: String,
    pub(crate) display_name: String,
    pub(crate) active: bool,
    pub(crate) roles: Vec<Role>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ExportedDocument {
    pub(crate) url: String,
    pub(crate) kind: String,
    pub(crate) changes_in_history: usize,
    pub(crate) content: serde_json::Value,
}

pub(crate) async fn export(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<impl IntoResponse, AppError> {
    let user = &signed_in.user;
    let mut documents = Vec::new();
    for (doc, kind) in db::documents_of(&state.db, &user.id).await? {
        let am = load_chunks(&db::chunks(&state.db, &doc).await?)
            .map_err(|e| Error::Corrupt(format!("document {doc}: {e}")))?;
        documents.push(ExportedDocument {
            url: doc.url(),
            kind,
            changes_in_history: am.get_changes_meta(&[]).len(),
            content: serde_json::to_value(automerge::AutoSerde::from(&am))
                .map_err(|e| Error::Corrupt(format!("document {doc}: {e}")))?,
        });
    }
    let mut conn = state.db.acquire().await?;
    let hr_record = store::hr_by_user(&mut conn, &user.id)
        .await?
        .map(|hr| hr.record);
    let audit_log = audit::about(&mut conn, &user.id).await?;
    drop(conn);
    let devices = db::devices_of(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|d| d.info(None))
        .collect();
    let export = Export {
        exported_at: db::now(),
        organisation: user.organisation.clone(),
        account: Account {
            user_id: user.id.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            active: user.active,
            roles: db::roles(&state.db, &user.id).await?,
        },
        sessions: db::sessions_of(&state.db, &user.id).await?,
        devices,
        passkeys: crate::passkeys::of_member(&state.db, &user.id).await?,
        hr_record,
        audit_log,
        documents,
    };
    Ok((
        [
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"tsunagu-my-data.json\"",
            ),
            (CACHE_CONTROL, "no-store"),
        ],
        Json(export),
    ))
}
