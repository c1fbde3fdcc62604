//! An event's chat (issue 11, docs/design.md §7): the event's staff (or an admin) open one group
//! conversation for its confirmed attendees — directions on the day, a change of room, photos
//! afterwards. It is official (only admins change who is in it by hand), and the relay keeps it
//! in step with the seats: a member whose seat is confirmed is in it, one who gives the seat up
//! leaves it. Attendees agreed to hear about the event by taking a seat, so their choice of who
//! may start a conversation with them does not hold here.
//!
//! - `POST /api/events/{event}/chat` (staff and admins): the event's chat, opened now if it has
//!   none; a staff member not in it yet joins it.

use axum::Json;
use axum::extract::{Path, State};
use tsunagu_core::api::{ConversationKind, ConversationRef, MAX_CONVERSATION_NAME_CHARS};
use tsunagu_core::ids::DocumentId;

use super::event_for_staff;
use crate::AppState;
use crate::auth::SignedIn;
use crate::conversations;
use crate::db;
use crate::error::{AppError, Error};
use crate::reactions::Job;
use crate::scribe::Scribe;

/// `POST /api/events/{event}/chat`.
pub(super) async fn open(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(event): Path<String>,
) -> Result<Json<ConversationRef>, AppError> {
    let me = signed_in.user.id;
    let row = {
        let mut conn = state.db.acquire().await.map_err(Error::from)?;
        event_for_staff(&mut conn, &me, &event).await?
    };
    let mut answer = None;
    state
        .relay
        .lock()
        .await
        .write(Open {
            event: row.doc,
            title: &row.event.title,
            by: &me,
            answer: &mut answer,
        })
        .await?;
    let chat = answer.ok_or_else(|| Error::Corrupt("an event chat answered nothing".into()))?;
    tracing::info!(user = %me, event = %row.doc, conversation = %chat.conversation, "event chat opened");
    Ok(Json(chat))
}

#[derive(Debug)]
struct Open<'a> {
    event: DocumentId,
    title: &'a str,
    by: &'a str,
    answer: &'a mut Option<ConversationRef>,
}

impl Job for Open<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let chat = match chat_of(s, &self.event).await? {
            Some(chat) => {
                if !in_it(s, &chat, self.by).await? {
                    conversations::add_to(s, chat, self.by).await?;
                }
                chat
            }
            None => {
                let confirmed: Vec<String> = sqlx::query_scalar(
                    "SELECT s.user_id FROM seats s JOIN users u ON u.id = s.user_id
                      WHERE s.event = $1 AND s.status = 'confirmed' AND u.status = 'active'
                      ORDER BY s.seq, s.user_id",
                )
                .bind(self.event.to_string())
                .fetch_all(s.conn())
                .await?;
                let mut members = vec![self.by.to_owned()];
                members.extend(confirmed.into_iter().filter(|m| m != self.by));
                let name: String = self
                    .title
                    .chars()
                    .take(MAX_CONVERSATION_NAME_CHARS)
                    .collect();
                let now = s.now();
                let chat = conversations::create(
                    s,
                    self.by,
                    ConversationKind::Group,
                    true,
                    &name,
                    &members,
                    now,
                )
                .await?
                .conversation;
                sqlx::query("INSERT INTO event_chats (event, conversation) VALUES ($1, $2)")
                    .bind(self.event.to_string())
                    .bind(chat.to_string())
                    .execute(s.conn())
                    .await?;
                chat
            }
        };
        *self.answer = Some(
            conversations::conversation_ref(s.conn(), &chat.to_string(), ConversationKind::Group)
                .await?,
        );
        Ok(())
    }
}

async fn chat_of(s: &mut Scribe<'_>, event: &DocumentId) -> Result<Option<DocumentId>, Error> {
    let chat: Option<String> =
        sqlx::query_scalar("SELECT conversation FROM event_chats WHERE event = $1")
            .bind(event.to_string())
            .fetch_optional(s.conn())
            .await?;
    chat.map(|c| db::document_id(&c)).transpose()
}

async fn in_it(s: &mut Scribe<'_>, chat: &DocumentId, user: &str) -> Result<bool, Error> {
    let db::Flag(member) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM conversation_members WHERE conversation = $1 AND user_id = $2)",
    )
    .bind(chat.to_string())
    .bind(user)
    .fetch_one(s.conn())
    .await?;
    Ok(member)
}

/// `user`'s seat at `event` changed: confirmed, they are in its chat (if it has one); not, they
/// leave it — unless they are its staff, who are in it for the event, not for a seat.
pub(crate) async fn seat_changed(
    s: &mut Scribe<'_>,
    event: &DocumentId,
    user: &str,
    confirmed: bool,
) -> Result<(), Error> {
    let Some(chat) = chat_of(s, event).await? else {
        return Ok(());
    };
    let member = in_it(s, &chat, user).await?;
    if confirmed && !member {
        conversations::add_to(s, chat, user).await?;
    } else if !confirmed && member {
        let db::Flag(staff) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM event_people
               WHERE event = $1 AND user_id = $2 AND relation = 'staff')",
        )
        .bind(event.to_string())
        .bind(user)
        .fetch_one(s.conn())
        .await?;
        if !staff {
            conversations::remove(s, chat, user).await?;
        }
    }
    Ok(())
}
