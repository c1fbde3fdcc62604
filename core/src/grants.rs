//! Who may read and who may write each kind of document: one declarative table (DESIGN.md 4).
//!
//! The relay enforces it on every document a device asks for and every change it sends; the app
//! consults it to show only what a member can do. A document a member may not read is answered
//! exactly as a missing one, so the table also decides what a member can learn exists.
//!
//! ```
//! use tsunagu_core::api::Role;
//! use tsunagu_core::grants::{Access, DocFacts, DocKind, Subject, access};
//!
//! let hanako = Subject { user: "u-hanako", roles: &[Role::Alumni] };
//! let her_profile = DocFacts { kind: DocKind::Profile, owner: Some("u-hanako"), owner_active: true };
//! let kens_profile = DocFacts { owner: Some("u-ken"), ..her_profile };
//! assert_eq!(access(&hanako, &her_profile), Some(Access::Write));
//! assert_eq!(access(&hanako, &kens_profile), Some(Access::Read));
//! ```

use crate::api::Role;

/// The kinds of document the relay stores. Later issues add audience-split profile parts,
/// organisation documents, events, check-in logs, conversations, news and jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Profile,
}

impl DocKind {
    pub const ALL: [DocKind; 1] = [DocKind::Profile];

    /// The stable name stored by the relay.
    pub fn key(self) -> &'static str {
        match self {
            DocKind::Profile => "profile",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// What a grant allows; `Write` includes reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Write,
}

/// The signed-in person asking.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub user: &'a str,
    pub roles: &'a [Role],
}

/// What the relay knows about a document when deciding.
#[derive(Debug, Clone, Copy)]
pub struct DocFacts<'a> {
    pub kind: DocKind,
    /// The member the document belongs to, if it belongs to one.
    pub owner: Option<&'a str>,
    /// Whether that member is active (not suspended, not deleted).
    pub owner_active: bool,
}

/// Whom a rule is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The member the document belongs to.
    Owner,
    /// Any signed-in member, while the owner is an active member.
    AnyMemberWhileOwnerActive,
    /// Anyone holding this role.
    Holder(Role),
}

#[derive(Debug, Clone, Copy)]
struct Rule {
    kind: DocKind,
    who: Who,
    access: Access,
}

/// The rules. A subject gets the highest access of every rule that applies; none means the
/// document does not exist for them.
const RULES: &[Rule] = &[
    Rule {
        kind: DocKind::Profile,
        who: Who::Owner,
        access: Access::Write,
    },
    Rule {
        kind: DocKind::Profile,
        who: Who::AnyMemberWhileOwnerActive,
        access: Access::Read,
    },
    // Alumni relations staff see every member's profile, suspended ones included.
    Rule {
        kind: DocKind::Profile,
        who: Who::Holder(Role::Admin),
        access: Access::Read,
    },
];

/// What `subject` may do with a document, or `None` if for them it does not exist.
pub fn access(subject: &Subject<'_>, doc: &DocFacts<'_>) -> Option<Access> {
    RULES
        .iter()
        .filter(|rule| rule.kind == doc.kind && applies(rule.who, subject, doc))
        .map(|rule| rule.access)
        .max()
}

fn applies(who: Who, subject: &Subject<'_>, doc: &DocFacts<'_>) -> bool {
    match who {
        Who::Owner => doc.owner == Some(subject.user),
        Who::AnyMemberWhileOwnerActive => doc.owner_active,
        Who::Holder(role) => subject.roles.contains(&role),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ROLES: [Role; 4] = [Role::Admin, Role::EventStaff, Role::Employee, Role::Alumni];

    fn profile(owner: &str, active: bool) -> DocFacts<'_> {
        DocFacts {
            kind: DocKind::Profile,
            owner: Some(owner),
            owner_active: active,
        }
    }

    #[test]
    fn every_role_writes_its_own_profile_even_while_suspended() {
        for role in ALL_ROLES {
            let me = Subject {
                user: "me",
                roles: &[role],
            };
            assert_eq!(
                access(&me, &profile("me", true)),
                Some(Access::Write),
                "{role:?}"
            );
            assert_eq!(
                access(&me, &profile("me", false)),
                Some(Access::Write),
                "{role:?}"
            );
        }
    }

    #[test]
    fn every_role_reads_active_members_profiles_and_only_admins_suspended_ones() {
        for role in ALL_ROLES {
            let me = Subject {
                user: "me",
                roles: &[role],
            };
            assert_eq!(
                access(&me, &profile("other", true)),
                Some(Access::Read),
                "{role:?}"
            );
            let suspended = access(&me, &profile("other", false));
            let expected = (role == Role::Admin).then_some(Access::Read);
            assert_eq!(suspended, expected, "{role:?}");
        }
    }

    #[test]
    fn nobody_writes_someone_elses_profile_whatever_roles_they_hold() {
        let everything = Subject {
            user: "me",
            roles: &ALL_ROLES,
        };
        assert_eq!(
            access(&everything, &profile("other", true)),
            Some(Access::Read)
        );
        let nobody = Subject {
            user: "me",
            roles: &[],
        };
        assert_eq!(access(&nobody, &profile("other", true)), Some(Access::Read));
        assert_eq!(access(&nobody, &profile("other", false)), None);
    }

    #[test]
    fn a_document_with_no_owner_is_nobodys_profile() {
        let admin = Subject {
            user: "me",
            roles: &[Role::Admin],
        };
        let orphan = DocFacts {
            kind: DocKind::Profile,
            owner: None,
            owner_active: false,
        };
        assert_eq!(access(&admin, &orphan), Some(Access::Read));
        let alumna = Subject {
            user: "me",
            roles: &[Role::Alumni],
        };
        assert_eq!(access(&alumna, &orphan), None);
    }

    #[test]
    fn kinds_round_trip_through_their_stored_names() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(DocKind::from_key("teleporter"), None);
    }
}
