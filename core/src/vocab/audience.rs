//! Whom a member shows a profile field to, and which part of their profile holds it.

use serde::{Deserialize, Serialize};

use super::DocKind;

/// Who may read a profile field the owner chose an audience for. Whether a given member is in
/// it is the grant table's to say ([`crate::profile`] asks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audience {
    /// Everyone in the network.
    Everyone,
    /// Alumni and employees.
    Members,
    /// Admins only.
    Admins,
    /// Only the owner.
    OnlyMe,
}

impl Audience {
    pub const ALL: [Audience; 4] = [
        Audience::Everyone,
        Audience::Members,
        Audience::Admins,
        Audience::OnlyMe,
    ];

    /// The stable key stored in documents.
    pub fn key(self) -> &'static str {
        match self {
            Audience::Everyone => "everyone",
            Audience::Members => "members",
            Audience::Admins => "admins",
            Audience::OnlyMe => "only-me",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The part of a profile that holds this audience's fields.
    pub fn doc_kind(self) -> DocKind {
        match self {
            Audience::Everyone => DocKind::Profile,
            Audience::Members => DocKind::ProfileMembers,
            Audience::Admins => DocKind::ProfileAdmins,
            Audience::OnlyMe => DocKind::ProfilePrivate,
        }
    }

    pub fn of_kind(kind: DocKind) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.doc_kind() == kind)
    }
}
