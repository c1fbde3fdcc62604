//! `GET /api/me/export`: everything the organisation holds about the signed-in member, as one
//! JSON file (their right to a copy of their personal data, APPI art. 33 / GDPR art. 15).
//!
//! It holds the account, the roles, every session (when it began, ended or was revoked — never
//! the token), every device and passkey, the HR record they joined from, every audit-log entry about them or
//! by them, and every document the member owns (the profile and each of its parts, their
//! answers to events, their seats, tickets and ID card) with its current content and how many
//! changes its history has; every message they wrote in the conversations they are in, and the
//! photos they uploaded (by id: `GET /api/photos/{id}` gives each).

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION};
use axum::response::IntoResponse;
use serde::Serialize;
use tsunagu_core::api::{AuditEntry, DeviceInfo, HrRecord, PasskeyInfo};
use tsunagu_core::conversation::MessagePage;
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
    pub(crate) messages: Vec<ExportedMessage>,
    pub(crate) photos: Vec<ExportedPhoto>,
}

/// A message the member wrote, as it stands (an unsent one says so, without its text).
#[derive(Debug, Serialize)]
pub(crate) struct ExportedMessage {
    pub(crate) conversation: String,
    pub(crate) page: String,
    pub(crate) id: String,
    pub(crate) text: String,
    /// Milliseconds since 1970, by the writer's clock.
    pub(crate) at: i64,
    pub(crate) photos: Vec<String>,
    pub(crate) unsent: bool,
    pub(crate) hidden: bool,
}

/// A photo the member uploaded.
#[derive(Debug, Serialize)]
pub(crate) struct ExportedPhoto {
    pub(crate) id: String,
    /// Unix seconds.
    pub(crate) uploaded_at: i64,
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
        let am = db::stored_document(&state.db, &doc).await?;
        documents.push(ExportedDocument {
            url: doc.url(),
            kind,
            changes_in_history: am.get_changes_meta(&[]).len(),
            content: serde_json::to_value(automerge::AutoSerde::from(&am))
                .map_err(|e| Error::Corrupt(format!("document {doc}: {e}")))?,
        });
    }
    let messages = messages_of(&state, &user.id).await?;
    let photos = sqlx::query_as::<_, (String, i64)>(
        "SELECT photo, uploaded_at FROM photo_owners WHERE user_id = $1 ORDER BY uploaded_at, photo",
    )
    .bind(&user.id)
    .fetch_all(&state.db)
    .await?
    .into_iter()
    .map(|(id, uploaded_at)| ExportedPhoto { id, uploaded_at })
    .collect();
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
        messages,
        photos,
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

/// Every message `user` wrote on the pages of the conversations they are in, oldest first.
async fn messages_of(state: &AppState, user: &str) -> Result<Vec<ExportedMessage>, Error> {
    let pages: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.conversation, p.page FROM conversation_pages p
           JOIN conversation_members m ON m.conversation = p.conversation AND m.user_id = $1
          ORDER BY p.conversation, p.seq",
    )
    .bind(user)
    .fetch_all(&state.db)
    .await?;
    let mut messages = Vec::new();
    for (conversation, page) in pages {
        let doc = db::document_id(&page)?;
        let conversation = db::document_id(&conversation)?.url();
        let am = db::stored_document(&state.db, &doc).await?;
        let written = MessagePage::read(&am)
            .map_err(|e| Error::Corrupt(format!("page {doc}: {e}")))?
            .into_iter()
            .filter(|m| m.author == user);
        messages.extend(written.map(|m| ExportedMessage {
            conversation: conversation.clone(),
            page: doc.url(),
            id: m.id,
            text: m.text,
            at: m.at,
            photos: m.photos,
            unsent: m.unsent,
            hidden: m.hidden,
        }));
    }
    Ok(messages)
}
