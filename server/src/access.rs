//! Applies the grant table of `tsunagu_core::grants` to the documents the relay stores.
//!
//! Documents a member may not read are answered exactly like documents that do not exist; a
//! kind this version does not know is unreadable to everyone.

use tsunagu_core::grants::{self, Access, DocFacts, Subject};
use tsunagu_core::vocab::{DocKind, Role};

use crate::db::DocumentRecord;

/// What the grant table needs to know about a stored document; `None` for a kind this version
/// does not know.
pub(crate) fn facts(doc: &DocumentRecord) -> Option<DocFacts<'_>> {
    Some(DocFacts {
        owner: doc.owner.as_deref(),
        owner_listed: doc.owner_listed,
        event: doc.event,
        conversation: doc.conversation,
        news: doc.news,
        ..DocFacts::of(DocKind::from_key(&doc.kind)?)
    })
}

/// What `user` (holding `roles`) may do with a document, or `None` if for them it does not exist.
pub(crate) fn access(user: &str, roles: &[Role], doc: Option<&DocumentRecord>) -> Option<Access> {
    grants::access(&Subject { user, roles }, &facts(doc?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, owner: &str, active: bool) -> DocumentRecord {
        DocumentRecord {
            kind: kind.into(),
            owner: Some(owner.into()),
            owner_listed: active,
            event: None,
            conversation: None,
            news: None,
        }
    }

    #[test]
    fn an_events_documents_are_judged_with_the_asking_members_facts() {
        use tsunagu_core::grants::EventFacts;
        use tsunagu_core::vocab::EventAudience;
        let event = |kind: &str, staff: bool| DocumentRecord {
            kind: kind.into(),
            owner: None,
            owner_listed: false,
            event: Some(EventFacts {
                public: false,
                audience: EventAudience::Everyone,
                invited: false,
                staff,
                proposer: false,
            }),
            conversation: None,
            news: None,
        };
        let alumni = [Role::Alumni];
        assert_eq!(access("u1", &alumni, Some(&event("event", false))), None);
        assert_eq!(
            access("u1", &alumni, Some(&event("event", true))),
            Some(Access::Read)
        );
        assert_eq!(
            access("u1", &alumni, Some(&event("event-checkins", true))),
            Some(Access::Write)
        );
        assert_eq!(
            access("u1", &alumni, Some(&event("event-roster", false))),
            None
        );
    }

    #[test]
    fn stored_records_are_judged_by_the_shared_grant_table() {
        let alumni = [Role::Alumni];
        let profile = |owner, active| record("profile", owner, active);
        assert_eq!(
            access("u1", &alumni, Some(&profile("u1", true))),
            Some(Access::Write)
        );
        assert_eq!(
            access("u2", &alumni, Some(&profile("u1", true))),
            Some(Access::Read)
        );
        assert_eq!(access("u2", &alumni, Some(&profile("u1", false))), None);
        assert_eq!(
            access("u2", &[Role::Admin], Some(&profile("u1", false))),
            Some(Access::Write)
        );
        assert_eq!(access("u2", &alumni, None), None);
        assert_eq!(
            access("u2", &alumni, Some(&record("teleporter", "u2", true))),
            None
        );
    }
}
