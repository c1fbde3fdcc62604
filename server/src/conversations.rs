//! Conversations (docs/design.md §7): the relay starts them and says who is in each; the
//! messages themselves move over sync, in pages each member writes only under their own key
//! (`tsunagu_core::conversation`, enforced by the grant table on every change).
//!
//! - `POST /api/conversations` starts a one-to-one conversation (answering the existing one if
//!   the pair already has it) or a group, with its first page; a member starts at most
//!   [`Limits::conversations_per_day`](crate::Limits::conversations_per_day) a day.
//! - `GET /api/conversations` lists the caller's.
//!
//! Who is in a conversation lives in `conversation_members`, from which [`facts`] tells the
//! grant table whether the member asking may read a conversation's documents; the
//! conversation's document repeats it for the phones, written by the relay alone.

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc};
use axum::Json;
use axum::Router;
use axum::extract::Path;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use sqlx::{AnyConnection, AnyPool, Row};
use tsunagu_core::api::{
    AddMember, ConversationKind, ConversationRef, MAX_CONVERSATION_MEMBERS,
    MAX_CONVERSATION_NAME_CHARS, MessagesFrom, MessagesFromChoice, NewConversation,
};
use tsunagu_core::conversation::{Inbox, Message, MessagePage};
use tsunagu_core::grants::ConversationFacts;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::vocab::{DocKind, Role};

use crate::AppState;
use crate::auth::SignedIn;
use crate::db;
use crate::documents;
use crate::error::{AppError, Error};
use crate::reactions::Job;
use crate::scribe::Scribe;

pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", post(start).get(list))
        .route("/conversations/{conversation}/members", post(add_member))
        .route(
            "/conversations/{conversation}/members/{user}",
            delete(remove_member),
        )
        .route(
            "/me/messages-from",
            get(messages_from).put(set_messages_from),
        )
}

/// How the member `user` relates to the conversation `doc` is, or whose page it is.
pub(crate) async fn facts(
    pool: &AnyPool,
    doc: &DocumentId,
    user: &str,
) -> Result<ConversationFacts, Error> {
    let db::Flag(member) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM conversation_members m
           WHERE m.user_id = $2
             AND m.conversation IN (SELECT $1 UNION SELECT conversation FROM conversation_pages WHERE page = $1))",
    )
    .bind(doc.to_string())
    .bind(user)
    .fetch_one(pool)
    .await?;
    Ok(ConversationFacts { member })
}

async fn start(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<NewConversation>, JsonRejection>,
) -> Result<Json<ConversationRef>, AppError> {
    let Json(new) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let me = signed_in.user.id;
    let (kind, name, members) = shape(&new, &me).map_err(|e| AppError::BadRequest(e.into()))?;
    let roles = db::roles(&state.db, &me).await?;
    if new.official && (kind != ConversationKind::Group || !roles.contains(&Role::Admin)) {
        return Err(if roles.contains(&Role::Admin) {
            AppError::BadRequest("only a group is official".into())
        } else {
            AppError::Forbidden
        });
    }
    let mut answer = None;
    // One job under the relay's lock: two requests for the same pair make one conversation, and
    // the members' inboxes change with the rows, through the relay, so their phones hear of it.
    state
        .relay
        .lock()
        .await
        .write(Start {
            me: &me,
            roles: &roles,
            kind,
            official: new.official,
            name: &name,
            members: &members,
            per_day: state.config.limits.conversations_per_day,
            answer: &mut answer,
        })
        .await?;
    let answer =
        answer.ok_or_else(|| Error::Corrupt("a conversation start answered nothing".into()))?;
    answer.map(Json)
}

/// Starts a conversation (or finds the one-to-one conversation the pair already has).
#[derive(Debug)]
struct Start<'a> {
    me: &'a str,
    roles: &'a [Role],
    kind: ConversationKind,
    official: bool,
    name: &'a str,
    /// Every member, `me` first.
    members: &'a [String],
    per_day: usize,
    answer: &'a mut Option<Result<ConversationRef, AppError>>,
}

impl Job for Start<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let started = start_in(s, &self).await?;
        *self.answer = Some(started);
        Ok(())
    }
}

async fn start_in(
    s: &mut Scribe<'_>,
    start: &Start<'_>,
) -> Result<Result<ConversationRef, AppError>, Error> {
    let Start {
        me,
        roles,
        kind,
        official,
        name,
        members,
        per_day,
        ..
    } = *start;
    // Every member is an active member of the network, and lets the caller start a conversation
    // with them (the caller's own choice is theirs to override).
    let sql = format!(
        "SELECT id, messages_from FROM users WHERE status = 'active' AND id IN ({})",
        db::marks(1, members.len())
    );
    let mut active = sqlx::query_as::<_, (String, String)>(&sql);
    for member in members {
        active = active.bind(member);
    }
    let active = active.fetch_all(s.conn()).await?;
    if active.len() != members.len() {
        return Ok(Err(AppError::BadRequest(
            "every member of a conversation must be an active member of the network".into(),
        )));
    }
    if kind == ConversationKind::Direct
        && let Some(existing) = direct_between(s.conn(), members).await?
    {
        return Ok(Ok(existing));
    }
    let refused = active
        .iter()
        .any(|(id, choice)| id != me && !lets(choice, roles));
    if refused || crate::moderation::blocked_between(s.conn(), me, members).await? {
        return Ok(Err(AppError::Forbidden));
    }
    let now = s.now();
    let may_start = db::under_daily_limit(
        s.conn(),
        "SELECT COUNT(*) FROM conversations WHERE created_by = $1 AND created_at > $2",
        me,
        now,
        per_day,
    )
    .await?;
    if !may_start {
        tracing::warn!(user = %me, "too many new conversations today");
        return Ok(Err(AppError::TooManyAttempts));
    }
    Ok(Ok(create(s, me, kind, official, name, members, now).await?))
}

/// Makes a conversation `me` starts, with its first page, its rows, and its place in every
/// member's inbox; whether they may be in it was decided already.
pub(crate) async fn create(
    s: &mut Scribe<'_>,
    me: &str,
    kind: ConversationKind,
    official: bool,
    name: &str,
    members: &[String],
    now: i64,
) -> Result<ConversationRef, Error> {
    let actor = db::stored_relay_actor(s.conn()).await?;
    let ids: Vec<&str> = members.iter().map(String::as_str).collect();
    let page = documents::create(s.conn(), &actor, DocKind::MessagePage, None, |t| {
        MessagePage::create(t, &ids)
    })
    .await?;
    let conversation = documents::create(s.conn(), &actor, DocKind::Conversation, None, |t| {
        t.put(ROOT, "kind", kind.key())?;
        t.put(ROOT, "name", name)?;
        if official {
            t.put(ROOT, "official", true)?;
        }
        t.put(ROOT, "createdBy", me)?;
        let who = t.put_object(ROOT, "members", ObjType::Map)?;
        for member in &ids {
            t.put(&who, *member, now)?;
        }
        let pages = t.put_object(ROOT, "pages", ObjType::List)?;
        t.insert(&pages, 0, page.to_string())?;
        Ok::<_, automerge::AutomergeError>(())
    })
    .await?;
    sqlx::query(
        "INSERT INTO conversations (doc, kind, created_by, created_at, official)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(conversation.to_string())
    .bind(kind.key())
    .bind(me)
    .bind(now)
    .bind(official)
    .execute(s.conn())
    .await?;
    for member in members {
        add_row(s, &conversation, member, now).await?;
    }
    sqlx::query("INSERT INTO conversation_pages (page, conversation, seq) VALUES ($1, $2, 0)")
        .bind(page.to_string())
        .bind(conversation.to_string())
        .execute(s.conn())
        .await?;
    tracing::info!(user = %me, %conversation, kind = kind.key(), members = members.len(), "conversation started");
    Ok(ConversationRef {
        conversation,
        kind,
        pages: vec![page],
    })
}

/// Whether a member who chose `choice` ([`MessagesFrom`]) lets someone holding `roles` start a
/// conversation with them (or add them to a group).
fn lets(choice: &str, roles: &[Role]) -> bool {
    MessagesFrom::from_key(choice)
        .unwrap_or(MessagesFrom::Admins)
        .lets(roles)
}

/// `member` is in `conversation` from `now`: their row, and the conversation in their inbox.
async fn add_row(
    s: &mut Scribe<'_>,
    conversation: &DocumentId,
    member: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO conversation_members (conversation, user_id, added_at) VALUES ($1, $2, $3)",
    )
    .bind(conversation.to_string())
    .bind(member)
    .bind(now)
    .execute(s.conn())
    .await?;
    list_in_inbox(s, member, Listing::Add(conversation, now)).await
}

/// A change to a member's inbox.
#[derive(Debug, Clone, Copy)]
enum Listing<'a> {
    /// They were added to the conversation at this time (unix seconds).
    Add(&'a DocumentId, i64),
    Remove(&'a DocumentId),
}

/// Changes `member`'s inbox, through the relay, so their phones hear of it at once.
async fn list_in_inbox(
    s: &mut Scribe<'_>,
    member: &str,
    listing: Listing<'_>,
) -> Result<(), Error> {
    let Some(inbox) = db::member_doc(s.conn(), member, DocKind::Inbox).await? else {
        // Their account was deleted, documents and all.
        return Ok(());
    };
    s.edit(inbox, |tx| match listing {
        Listing::Add(conversation, at) => Inbox::add(tx, &conversation.to_string(), at),
        Listing::Remove(conversation) => Inbox::remove(tx, &conversation.to_string()),
    })
    .await
}

/// What `new` asks for, by `me`: its kind, name and every member (`me` first, no repeats), or
/// why it cannot be.
fn shape(
    new: &NewConversation,
    me: &str,
) -> Result<(ConversationKind, String, Vec<String>), &'static str> {
    let name = new.name.trim().to_owned();
    if name.chars().count() > MAX_CONVERSATION_NAME_CHARS {
        return Err("a conversation's name is too long");
    }
    let mut members = vec![me.to_owned()];
    for member in &new.members {
        if !members.contains(member) {
            members.push(member.clone());
        }
    }
    if members.len() < 2 {
        return Err("a conversation needs someone else in it");
    }
    if members.len() > MAX_CONVERSATION_MEMBERS {
        return Err("a conversation has too many members");
    }
    let kind = if members.len() == 2 && name.is_empty() {
        ConversationKind::Direct
    } else {
        ConversationKind::Group
    };
    Ok((kind, name, members))
}

/// The one-to-one conversation between the two `members`, if they have one.
async fn direct_between(
    conn: &mut AnyConnection,
    members: &[String],
) -> Result<Option<ConversationRef>, Error> {
    let doc: Option<String> = sqlx::query_scalar(
        "SELECT c.doc FROM conversations c
           JOIN conversation_members a ON a.conversation = c.doc AND a.user_id = $1
           JOIN conversation_members b ON b.conversation = c.doc AND b.user_id = $2
          WHERE c.kind = 'direct'
          LIMIT 1",
    )
    .bind(&members[0])
    .bind(&members[1])
    .fetch_optional(&mut *conn)
    .await?;
    match doc {
        Some(doc) => Ok(Some(
            conversation_ref(conn, &doc, ConversationKind::Direct).await?,
        )),
        None => Ok(None),
    }
}

pub(crate) async fn conversation_ref(
    conn: &mut AnyConnection,
    doc: &str,
    kind: ConversationKind,
) -> Result<ConversationRef, Error> {
    let pages: Vec<String> = sqlx::query_scalar(
        "SELECT page FROM conversation_pages WHERE conversation = $1 ORDER BY seq",
    )
    .bind(doc)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ConversationRef {
        conversation: db::document_id(doc)?,
        kind,
        pages: pages
            .iter()
            .map(|p| db::document_id(p))
            .collect::<Result<_, _>>()?,
    })
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<ConversationRef>>, AppError> {
    let mut conn = state.db.acquire().await.map_err(Error::from)?;
    let rows = sqlx::query(
        "SELECT c.doc, c.kind FROM conversations c
           JOIN conversation_members m ON m.conversation = c.doc AND m.user_id = $1
          ORDER BY c.created_at DESC, c.doc",
    )
    .bind(&signed_in.user.id)
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::from)?;
    let mut listed = Vec::with_capacity(rows.len());
    for row in rows {
        let doc: String = row.try_get("doc").map_err(Error::from)?;
        let kind: String = row.try_get("kind").map_err(Error::from)?;
        let kind = ConversationKind::from_key(&kind)
            .ok_or_else(|| Error::Corrupt(format!("conversation {doc} has kind {kind}")))?;
        listed.push(conversation_ref(&mut conn, &doc, kind).await?);
    }
    Ok(Json(listed))
}

/// `DELETE /api/conversations/{conversation}/members/{user}`: `user` leaves a group, by their
/// own choice or removed by its creator or an admin. From then on they read none of its
/// documents: every socket of theirs holding one stops receiving it at once. 404 for a
/// conversation the caller cannot see, 403 for a member who may not remove others, 409 for a
/// one-to-one conversation or someone not in the group.
async fn remove_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((conversation, user)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let me = signed_in.user.id;
    let group = Group::seen_by(&state, &conversation, &me).await?;
    let conversation = group.doc;
    // In an official group only admins remove others (its creator may have stopped being one).
    if user != me && !group.admin && (group.official || group.created_by != me) {
        return Err(AppError::Forbidden);
    }
    if !facts(&state.db, &conversation, &user).await?.member {
        return Err(AppError::Conflict(
            "they are not in this conversation".into(),
        ));
    }
    state
        .relay
        .lock()
        .await
        .write(RemoveMember {
            conversation,
            user: &user,
        })
        .await?;
    tracing::info!(by = %me, %conversation, %user, "member left a conversation");
    Ok(StatusCode::NO_CONTENT)
}

/// A group as the member changing who is in it sees it.
#[derive(Debug)]
struct Group {
    doc: DocumentId,
    created_by: String,
    official: bool,
    /// The member's roles, and whether they make them an admin.
    roles: Vec<Role>,
    admin: bool,
}

impl Group {
    /// The group `conversation` (its id as given in a path), for `me`: 404 unless it exists and
    /// they are in it or an admin, 409 for a one-to-one conversation.
    async fn seen_by(state: &AppState, conversation: &str, me: &str) -> Result<Self, AppError> {
        let doc: DocumentId = conversation.parse().map_err(|_| AppError::NotFound)?;
        let roles = db::roles(&state.db, me).await?;
        let admin = roles.contains(&Role::Admin);
        let row: Option<(String, String, db::Flag)> =
            sqlx::query_as("SELECT kind, created_by, official FROM conversations WHERE doc = $1")
                .bind(doc.to_string())
                .fetch_optional(&state.db)
                .await
                .map_err(Error::from)?;
        let Some((kind, created_by, db::Flag(official))) = row else {
            return Err(AppError::NotFound);
        };
        if !admin && !facts(&state.db, &doc, me).await?.member {
            return Err(AppError::NotFound);
        }
        if kind != ConversationKind::Group.key() {
            return Err(AppError::Conflict(
                "a one-to-one conversation keeps its two members; start a group".into(),
            ));
        }
        Ok(Self {
            doc,
            created_by,
            official,
            roles,
            admin,
        })
    }
}

/// `POST /api/conversations/{conversation}/members`: adds a member to a group ([`AddMember`]).
/// 404 for a conversation the caller cannot see, 409 for a one-to-one conversation or someone
/// already in it, 403 when the caller may not add to it or the one added does not let them.
async fn add_member(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(conversation): Path<String>,
    payload: Result<Json<AddMember>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(AddMember { user }) = payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let me = signed_in.user.id;
    let group = Group::seen_by(&state, &conversation, &me).await?;
    let conversation = group.doc;
    if group.official && !group.admin {
        return Err(AppError::Forbidden);
    }
    let mut answer = None;
    state
        .relay
        .lock()
        .await
        .write(AddTo {
            conversation,
            by: &me,
            roles: &group.roles,
            user: &user,
            answer: &mut answer,
        })
        .await?;
    answer.ok_or_else(|| Error::Corrupt("adding a member answered nothing".into()))??;
    tracing::info!(by = %me, %conversation, %user, "member added to a conversation");
    Ok(StatusCode::NO_CONTENT)
}

/// `by` adds `user` to the group `conversation`: their row and inbox, the conversation's list of
/// members, and their own maps on its newest page, in one transaction under the relay's lock
/// (two adds of one member make one).
#[derive(Debug)]
struct AddTo<'a> {
    conversation: DocumentId,
    by: &'a str,
    roles: &'a [Role],
    user: &'a str,
    answer: &'a mut Option<Result<(), AppError>>,
}

impl Job for AddTo<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let verdict = match self.refusal(s).await? {
            Some(refused) => Err(refused),
            None => {
                add_to(s, self.conversation, self.user).await?;
                Ok(())
            }
        };
        *self.answer = Some(verdict);
        Ok(())
    }
}

impl AddTo<'_> {
    /// Why `user` may not be added, if they may not.
    async fn refusal(&self, s: &mut Scribe<'_>) -> Result<Option<AppError>, Error> {
        let choice: Option<String> = sqlx::query_scalar(
            "SELECT messages_from FROM users WHERE id = $1 AND status = 'active'",
        )
        .bind(self.user)
        .fetch_optional(s.conn())
        .await?;
        let Some(choice) = choice else {
            return Ok(Some(AppError::BadRequest(
                "only an active member of the network can be added".into(),
            )));
        };
        let members: Vec<String> =
            sqlx::query_scalar("SELECT user_id FROM conversation_members WHERE conversation = $1")
                .bind(self.conversation.to_string())
                .fetch_all(s.conn())
                .await?;
        if members.iter().any(|m| m == self.user) {
            return Ok(Some(AppError::Conflict(
                "they are in this conversation already".into(),
            )));
        }
        if members.len() >= MAX_CONVERSATION_MEMBERS {
            return Ok(Some(AppError::Conflict(
                "this group holds as many members as it may".into(),
            )));
        }
        let pair = [self.by.to_owned(), self.user.to_owned()];
        if !lets(&choice, self.roles)
            || crate::moderation::blocked_between(s.conn(), self.by, &pair).await?
        {
            return Ok(Some(AppError::Forbidden));
        }
        Ok(None)
    }
}

/// Puts `user` in `conversation`: their row and inbox, the conversation's list of members, and
/// their own maps on its newest page. Whether they may be was decided already.
pub(crate) async fn add_to(
    s: &mut Scribe<'_>,
    conversation: DocumentId,
    user: &str,
) -> Result<(), Error> {
    let now = s.now();
    add_row(s, &conversation, user, now).await?;
    let added = user.to_owned();
    s.edit(conversation, move |tx| {
        if let Some((_, members)) = tx.get(ROOT, "members")? {
            tx.put(&members, added.as_str(), now)?;
        }
        Ok(())
    })
    .await?;
    let newest: Option<String> = sqlx::query_scalar(
        "SELECT page FROM conversation_pages WHERE conversation = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(conversation.to_string())
    .fetch_optional(s.conn())
    .await?;
    if let Some(page) = newest {
        let added = user.to_owned();
        s.edit(db::document_id(&page)?, move |tx| {
            MessagePage::add_member(tx, &added)
        })
        .await?;
    }
    Ok(())
}

/// `user` leaves `conversation`: their row goes, the relay takes them out of the conversation's
/// document, and every connection holding one of its documents decides again whether it may.
#[derive(Debug)]
struct RemoveMember<'a> {
    conversation: DocumentId,
    user: &'a str,
}

impl Job for RemoveMember<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        remove(s, self.conversation, self.user).await
    }
}

/// `user`'s account was deleted: what they wrote leaves every conversation they were in, and
/// they leave it.
#[derive(Debug)]
pub(crate) struct LeftNetwork<'a>(pub(crate) &'a str);

impl Job for LeftNetwork<'_> {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let theirs: Vec<String> =
            sqlx::query_scalar("SELECT conversation FROM conversation_members WHERE user_id = $1")
                .bind(self.0)
                .fetch_all(s.conn())
                .await?;
        for conversation in &theirs {
            let conversation = db::document_id(conversation)?;
            erase_writing(s, conversation, self.0).await?;
            remove(s, conversation, self.0).await?;
        }
        Ok(())
    }
}

/// Takes everything `user` wrote in `conversation` off its pages' current state, as if they had
/// unsent each message ([`MessagePage::erase_member`]): the others' phones show each as taken
/// back, their photos stop being readable through the pages, and their reactions go. (As with
/// an unsent message, the text stays in the pages' history, which only the conversation's
/// members hold; docs/design.md §7.)
async fn erase_writing(
    s: &mut Scribe<'_>,
    conversation: DocumentId,
    user: &str,
) -> Result<(), Error> {
    let pages: Vec<String> =
        sqlx::query_scalar("SELECT page FROM conversation_pages WHERE conversation = $1")
            .bind(conversation.to_string())
            .fetch_all(s.conn())
            .await?;
    for page in &pages {
        let page = db::document_id(page)?;
        let gone = user.to_owned();
        s.edit(page, move |tx| {
            MessagePage::erase_member(tx, &gone).map(drop)
        })
        .await?;
        let messages = read_page(s, page).await?;
        crate::photos::link(s, page, &crate::photos::named_in(&messages)).await?;
    }
    Ok(())
}

/// Takes `user` out of `conversation`: its row, its document's list of members, and the access
/// of every connection holding one of its documents.
pub(crate) async fn remove(
    s: &mut Scribe<'_>,
    conversation: DocumentId,
    user: &str,
) -> Result<(), Error> {
    let doc = conversation.to_string();
    sqlx::query("DELETE FROM conversation_members WHERE conversation = $1 AND user_id = $2")
        .bind(&doc)
        .bind(user)
        .execute(s.conn())
        .await?;
    let pages: Vec<String> =
        sqlx::query_scalar("SELECT page FROM conversation_pages WHERE conversation = $1")
            .bind(&doc)
            .fetch_all(s.conn())
            .await?;
    let gone = user.to_owned();
    s.edit(conversation, move |tx| {
        if let Some((_, members)) = tx.get(ROOT, "members")? {
            tx.delete(&members, gone.as_str())?;
        }
        Ok(())
    })
    .await?;
    list_in_inbox(s, user, Listing::Remove(&conversation)).await?;
    let pages = pages
        .iter()
        .map(|p| db::document_id(p))
        .collect::<Result<Vec<_>, _>>()?;
    s.readers_changed(std::iter::once(conversation).chain(pages));
    Ok(())
}

/// `GET /api/me/messages-from`: who may start a conversation with the caller.
async fn messages_from(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<MessagesFromChoice>, AppError> {
    let choice: String = sqlx::query_scalar("SELECT messages_from FROM users WHERE id = $1")
        .bind(&signed_in.user.id)
        .fetch_one(&state.db)
        .await
        .map_err(Error::from)?;
    let from = MessagesFrom::from_key(&choice)
        .ok_or_else(|| Error::Corrupt(format!("messages_from is {choice}")))?;
    Ok(Json(MessagesFromChoice { from }))
}

/// `PUT /api/me/messages-from`: the caller chooses who may start a conversation with them.
async fn set_messages_from(
    State(state): State<AppState>,
    signed_in: SignedIn,
    payload: Result<Json<MessagesFromChoice>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(MessagesFromChoice { from }) =
        payload.map_err(|e| AppError::BadRequest(e.body_text()))?;
    sqlx::query("UPDATE users SET messages_from = $1 WHERE id = $2")
        .bind(from.key())
        .bind(&signed_in.user.id)
        .execute(&state.db)
        .await
        .map_err(Error::from)?;
    tracing::info!(user = %signed_in.user.id, from = from.key(), "who may start a conversation changed");
    Ok(StatusCode::NO_CONTENT)
}

/// The messages on `page` as the relay holds it, in the order every device shows them.
pub(crate) async fn read_page(s: &mut Scribe<'_>, page: DocumentId) -> Result<Vec<Message>, Error> {
    s.read(&page, MessagePage::read)
        .await?
        .map_err(|e| Error::Corrupt(format!("page {page}: {e}")))
}

/// Starts the conversation's next page once its newest, `page`, holds `per_page` messages
/// (`written` is how many it holds now): the relay makes it with every member's maps, lists it
/// in the conversation's document (which the members' phones follow) and in
/// `conversation_pages`. A change to an older page changes nothing here.
pub(crate) async fn turn_page_if_full(
    s: &mut Scribe<'_>,
    page: DocumentId,
    written: usize,
    per_page: usize,
) -> Result<(), Error> {
    if written < per_page {
        return Ok(());
    }
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT p.conversation, p.seq FROM conversation_pages p
          WHERE p.page = $1
            AND p.seq = (SELECT MAX(seq) FROM conversation_pages WHERE conversation = p.conversation)",
    )
    .bind(page.to_string())
    .fetch_optional(s.conn())
    .await?;
    let Some((conversation, seq)) = row else {
        return Ok(());
    };
    let members: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM conversation_members WHERE conversation = $1")
            .bind(&conversation)
            .fetch_all(s.conn())
            .await?;
    let ids: Vec<&str> = members.iter().map(String::as_str).collect();
    let actor = db::stored_relay_actor(s.conn()).await?;
    let next = documents::create(s.conn(), &actor, DocKind::MessagePage, None, |t| {
        MessagePage::create(t, &ids)
    })
    .await?;
    sqlx::query("INSERT INTO conversation_pages (page, conversation, seq) VALUES ($1, $2, $3)")
        .bind(next.to_string())
        .bind(&conversation)
        .bind(seq + 1)
        .execute(s.conn())
        .await?;
    let listed = next.to_string();
    s.edit(db::document_id(&conversation)?, move |tx| {
        if let Some((_, pages)) = tx.get(ROOT, "pages")? {
            let end = tx.length(&pages);
            tx.insert(&pages, end, listed.as_str())?;
        }
        Ok(())
    })
    .await?;
    tracing::info!(%conversation, page = %next, "a conversation turned to a new page");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(members: &[&str], name: &str) -> NewConversation {
        NewConversation {
            members: members.iter().map(|m| (*m).to_owned()).collect(),
            name: name.into(),
            official: false,
        }
    }

    #[test]
    fn two_without_a_name_talk_one_to_one_and_anything_else_is_a_group() {
        let (kind, _, members) = shape(&new(&["ken", "me", "ken"], ""), "me").unwrap();
        assert_eq!(kind, ConversationKind::Direct);
        assert_eq!(members, ["me", "ken"]);
        assert_eq!(
            shape(&new(&["ken"], "同期会"), "me").unwrap().0,
            ConversationKind::Group
        );
        assert_eq!(
            shape(&new(&["ken", "aoi"], ""), "me").unwrap().0,
            ConversationKind::Group
        );
        assert!(shape(&new(&[], ""), "me").is_err());
        assert!(shape(&new(&["me"], ""), "me").is_err());
        assert!(shape(&new(&["ken"], &"名".repeat(61)), "me").is_err());
        let crowd: Vec<String> = (0..MAX_CONVERSATION_MEMBERS)
            .map(|i| format!("u{i}"))
            .collect();
        let crowd: Vec<&str> = crowd.iter().map(String::as_str).collect();
        assert!(shape(&new(&crowd, "all"), "me").is_err());
    }
}
