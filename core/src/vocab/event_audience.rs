//! Whom an event is for.

use serde::{Deserialize, Serialize};

use super::Role;

/// Whom an event is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventAudience {
    /// Everyone in the network.
    Everyone,
    Alumni,
    Employees,
    /// The members named in [`crate::event::Event::invited`].
    List,
}

impl EventAudience {
    pub const ALL: [EventAudience; 4] = [
        EventAudience::Everyone,
        EventAudience::Alumni,
        EventAudience::Employees,
        EventAudience::List,
    ];

    pub fn key(self) -> &'static str {
        match self {
            EventAudience::Everyone => "everyone",
            EventAudience::Alumni => "alumni",
            EventAudience::Employees => "employees",
            EventAudience::List => "list",
        }
    }

    /// An unknown key (from a newer version) reads as the narrowest audience, the list.
    pub fn from_key(key: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|a| a.key() == key)
            .unwrap_or(EventAudience::List)
    }

    /// Whether a member holding `roles`, invited by name or not, is in this audience.
    pub fn includes(self, roles: &[Role], invited: bool) -> bool {
        match self {
            EventAudience::Everyone => true,
            EventAudience::Alumni => roles.contains(&Role::Alumni),
            EventAudience::Employees => roles.contains(&Role::Employee),
            EventAudience::List => invited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_include_by_role_or_by_name() {
        let alumni = [Role::Alumni];
        let employee = [Role::Employee];
        assert!(EventAudience::Everyone.includes(&[], false));
        assert!(EventAudience::Alumni.includes(&alumni, false));
        assert!(!EventAudience::Alumni.includes(&employee, false));
        assert!(EventAudience::Employees.includes(&employee, false));
        assert!(!EventAudience::List.includes(&alumni, false));
        assert!(EventAudience::List.includes(&[], true));
    }
}
