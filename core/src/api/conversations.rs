//! Conversations: starting one, and listing one's own (docs/design.md §7).

use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;

/// Members a conversation may hold.
pub const MAX_CONVERSATION_MEMBERS: usize = 500;
/// Characters a group's name may have.
pub const MAX_CONVERSATION_NAME_CHARS: usize = 60;

/// `POST /api/conversations`: a conversation between the caller and `members` (user ids).
/// With one other member and no name it is a one-to-one conversation, and asking again answers
/// the one that exists; otherwise a group. Answered with [`ConversationRef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewConversation {
    pub members: Vec<String>,
    /// A group's name ("2015年入社 同期会"); empty for a one-to-one conversation.
    #[serde(default)]
    pub name: String,
    /// An official group of the company (admins only): marked as such on every phone, and only
    /// admins change who is in it.
    #[serde(default)]
    pub official: bool,
}

/// `POST /api/conversations/<id>/members`: adds `user` to a group. Any member adds to a group
/// they are in, admins alone to an official one; the one added must let the caller start a
/// conversation with them, and neither may have blocked the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddMember {
    pub user: String,
}

/// One-to-one, or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversationKind {
    Direct,
    Group,
}

impl ConversationKind {
    /// The stable name stored by the relay and written in the conversation's document.
    pub fn key(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Direct, Self::Group]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// A conversation the caller is in (`GET /api/conversations` lists them, newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRef {
    /// Its document: who is in it, its name and its pages ([`crate::vocab::DocKind::Conversation`]).
    pub conversation: DocumentId,
    pub kind: ConversationKind,
    /// Its pages of messages, oldest first; the last is where new messages go.
    pub pages: Vec<DocumentId>,
}

/// Who may start a conversation with a member (`PUT /api/me/messages-from`, and `GET` for the
/// current choice). Conversations they are already in go on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MessagesFrom {
    /// Anyone in the network.
    #[default]
    Everyone,
    /// Alumni and employees (and admins), not those who only work at events.
    Members,
    /// Only the alumni-relations team (admins).
    Admins,
}

impl MessagesFrom {
    pub const ALL: [MessagesFrom; 3] = [Self::Everyone, Self::Members, Self::Admins];

    /// The stable name stored by the relay.
    pub fn key(self) -> &'static str {
        match self {
            Self::Everyone => "everyone",
            Self::Members => "members",
            Self::Admins => "admins",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Whether someone holding `roles` may start a conversation with a member who chose this.
    pub fn lets(self, roles: &[crate::vocab::Role]) -> bool {
        use crate::vocab::Role;
        match self {
            Self::Everyone => true,
            Self::Members => roles
                .iter()
                .any(|r| matches!(r, Role::Alumni | Role::Employee | Role::Admin)),
            Self::Admins => roles.contains(&Role::Admin),
        }
    }
}

/// The body of `PUT /api/me/messages-from` and the answer of `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagesFromChoice {
    pub from: MessagesFrom,
}

/// Characters a report's reason may have.
pub const MAX_REPORT_REASON_CHARS: usize = 500;

/// `POST /api/reports`: a member of the conversation reports a message on one of its pages to
/// the admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMessage {
    pub page: DocumentId,
    /// The message's id on the page.
    pub message: String,
    /// Why, in the reporter's words (may be empty).
    #[serde(default)]
    pub reason: String,
}

/// A report waiting for an admin (`GET /api/admin/reports`, oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReport {
    pub id: i64,
    pub page: DocumentId,
    pub message: String,
    /// The message's text as the relay has it now (empty once unsent or hidden).
    pub text: String,
    pub author: String,
    pub author_name: String,
    pub reporter: String,
    pub reporter_name: String,
    pub reason: String,
    /// When it was reported (unix seconds).
    pub reported_at: i64,
}

/// What an admin decided about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportDecision {
    /// Hide the message for everyone.
    Hide,
    /// Leave it as it is.
    Dismiss,
}

/// The body of `POST /api/admin/reports/<id>`. (A member blocks with `PUT /api/blocks/<user>`
/// and unblocks with `DELETE`; whom they blocked is in [`super::Me::blocked`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDecisionBody {
    pub decision: ReportDecision,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Role;

    #[test]
    fn each_choice_lets_in_whom_it_says() {
        let staff_only = [Role::EventStaff];
        for (choice, alumna, staff, admin) in [
            (MessagesFrom::Everyone, true, true, true),
            (MessagesFrom::Members, true, false, true),
            (MessagesFrom::Admins, false, false, true),
        ] {
            assert_eq!(choice.lets(&[Role::Alumni]), alumna, "{choice:?}");
            assert_eq!(choice.lets(&staff_only), staff, "{choice:?}");
            assert_eq!(choice.lets(&[Role::Admin]), admin, "{choice:?}");
            assert_eq!(MessagesFrom::from_key(choice.key()), Some(choice));
        }
    }
}
