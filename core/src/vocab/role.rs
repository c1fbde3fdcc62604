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
    /// Posts job openings (issue 13) as admins do, and nothing else of theirs.
    Recruiter,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::EventStaff,
        Role::Employee,
        Role::Alumni,
        Role::Editor,
        Role::Recruiter,
    ];

    /// The stable name stored by the relay and used on the wire.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::EventStaff => "event-staff",
            Role::Employee => "employee",
            Role::Alumni => "alumni",
            Role::Editor => "editor",
            Role::Recruiter => "recruiter",
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

/// The roles that post job openings.
pub const JOB_WRITERS: [Role; 2] = [Role::Admin, Role::Recruiter];

/// Whether someone holding `roles` posts job openings ([`JOB_WRITERS`]).
pub fn writes_jobs(roles: &[Role]) -> bool {
    roles.iter().any(|r| JOB_WRITERS.contains(r))
}

/// The roles that write posts of either kind (news, job openings): they see how far a segment
/// reaches, and what became of their posts.
pub const POST_WRITERS: [Role; 3] = [Role::Admin, Role::Editor, Role::Recruiter];

/// Whether someone holding `roles` writes posts of some kind ([`POST_WRITERS`]).
pub fn writes_posts(roles: &[Role]) -> bool {
    roles.iter().any(|r| POST_WRITERS.contains(r))
}
