//! The roles a person holds in the organisation, which the grant table decides by.

use serde::{Deserialize, Serialize};

/// A role a person holds in the organisation; one person may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    EventStaff,
    Employee,
    Alumni,
    /// Writes company news (issue 13) as admins do, and nothing else of theirs.
    Editor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::EventStaff,
        Role::Employee,
        Role::Alumni,
        Role::Editor,
    ];

    /// The stable name stored by the relay and used on the wire.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::EventStaff => "event-staff",
            Role::Employee => "employee",
            Role::Alumni => "alumni",
            Role::Editor => "editor",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// The roles that write company news: its posts, and which comments are hidden.
pub const NEWS_WRITERS: [Role; 2] = [Role::Admin, Role::Editor];

/// Whether someone holding `roles` writes company news ([`NEWS_WRITERS`]).
pub fn writes_news(roles: &[Role]) -> bool {
    roles.iter().any(|r| NEWS_WRITERS.contains(r))
}
