//! Applies the grant table of `tsunagu_core::grants` to the documents the relay stores.
//!
//! Documents a member may not read are answered exactly like documents that do not exist; a
//! kind this version does not know is unreadable to everyone.

use tsunagu_core::api::Role;
use tsunagu_core::grants::{self, DocFacts, DocKind, Subject};

pub(crate) use tsunagu_core::grants::Access as Grant;

use crate::db::DocumentRecord;

/// What `user` (holding `roles`) may do with a document, or `None` if for them it does not exist.
pub(crate) fn grant(user: &str, roles: &[Role], doc: Option<&DocumentRecord>) -> Option<Grant> {
    let doc = doc?;
    let facts = DocFacts {
        kind: DocKind::from_key(&doc.kind)?,
        owner: doc.owner.as_deref(),
        owner_active: doc.owner_active,
    };
    grants::access(&Subject { user, roles }, &facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, owner: &str, active: bool) -> DocumentRecord {
        DocumentRecord {
            kind: kind.into(),
            owner: Some(owner.into()),
            owner_active: active,
        }
    }

    #[test]
    fn stored_records_are_judged_by_the_shared_grant_table() {
        let alumni = [Role::Alumni];
        let profile = |owner, active| record("profile", owner, active);
        assert_eq!(
            grant("u1", &alumni, Some(&profile("u1", true))),
            Some(Grant::Write)
        );
        assert_eq!(
            grant("u2", &alumni, Some(&profile("u1", true))),
            Some(Grant::Read)
        );
        assert_eq!(grant("u2", &alumni, Some(&profile("u1", false))), None);
        assert_eq!(
            grant("u2", &[Role::Admin], Some(&profile("u1", false))),
            Some(Grant::Read)
        );
        assert_eq!(grant("u2", &alumni, None), None);
        assert_eq!(
            grant("u2", &alumni, Some(&record("event", "u2", true))),
            None
        );
    }
}
