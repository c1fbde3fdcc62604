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
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::EventStaff, Role::Employee, Role::Alumni];

    /// The stable name stored by the relay and used on the wire.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::EventStaff => "event-staff",
            Role::Employee => "employee",
            Role::Alumni => "alumni",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}
