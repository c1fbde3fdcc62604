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
        [Self::Direct, Self::Group].into_iter().find(|k| k.key() == key)
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
