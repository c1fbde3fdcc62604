//! Who may read and who may write a document (DESIGN.md 4), decided from its stored record.
//!
//! For now there is one kind, the profile: every signed-in member reads the profiles of active
//! members, and only its owner writes it. Documents a member may not read are answered exactly
//! like documents that do not exist.

use crate::db::DocumentRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// The peer receives the document; its changes to it are not applied.
    Read,
    Write,
}

/// What `user` may do with a document, or `None` if, for them, it does not exist.
pub(crate) fn grant(user: &str, doc: Option<&DocumentRecord>) -> Option<Grant> {
    let doc = doc?;
    let own = doc.owner.as_deref() == Some(user);
    match doc.kind.as_str() {
        "profile" if own => Some(Grant::Write),
        "profile" if doc.owner_active => Some(Grant::Read),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(owner: &str, active: bool) -> DocumentRecord {
        DocumentRecord {
            kind: "profile".into(),
            owner: Some(owner.into()),
            owner_active: active,
        }
    }

    #[test]
    fn members_write_their_own_profile_and_read_active_members_profiles() {
        assert_eq!(grant("u1", Some(&profile("u1", true))), Some(Grant::Write));
        assert_eq!(grant("u2", Some(&profile("u1", true))), Some(Grant::Read));
        assert_eq!(grant("u2", Some(&profile("u1", false))), None);
        assert_eq!(grant("u2", None), None);
        let other = DocumentRecord {
            kind: "event".into(),
            owner: Some("u2".into()),
            owner_active: true,
        };
        assert_eq!(grant("u2", Some(&other)), None);
    }
}
