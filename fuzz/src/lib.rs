//! What both fuzz targets share: a relay engine holding one member's profile, and the relay's
//! real write check ([`tsunagu_core::validate::authorise`]) for whoever is on a connection.

use automerge::{ActorId, Automerge, Change};
use tsunagu_core::api::Role;
use tsunagu_core::engine::{ConnId, Engine, Guard};
use tsunagu_core::grants::{DocFacts, DocKind, Subject};
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::profile::Profile;
use tsunagu_core::validate::{ActorBook, authorise};

/// The member every fuzzed connection is signed in as; they own [`Relay::doc`].
pub const OWNER: &str = "u-owner";
/// Another member, whose actor [`Relay::foreign_actor`] is registered.
pub const OTHER: &str = "u-other";

/// The relay's check with fixed facts: `OWNER`, an alumnus, writing their own profile.
pub struct OwnerGuard {
    pub book: ActorBook,
}

impl Guard for OwnerGuard {
    fn check(
        &mut self,
        _: ConnId,
        _: DocumentId,
        doc: &Automerge,
        changes: &[Change],
    ) -> Result<(), String> {
        let subject = Subject {
            user: OWNER,
            roles: &[Role::Alumni],
        };
        let facts = DocFacts {
            kind: DocKind::Profile,
            owner: Some(OWNER),
            owner_active: true,
        };
        authorise(doc, changes, &subject, &facts, &mut self.book).map_err(|e| e.to_string())
    }
}

pub struct Relay {
    pub engine: Engine,
    pub doc: DocumentId,
    pub guard: OwnerGuard,
    pub relay_actor: ActorId,
    pub foreign_actor: ActorId,
}

impl Relay {
    /// A relay holding `OWNER`'s profile, written by the relay's reserved actor.
    pub fn new() -> Self {
        let relay_actor = ActorId::from(&[1u8; 16][..]);
        let foreign_actor = ActorId::from(&[2u8; 16][..]);
        let mut engine = Engine::new(PeerId::new("relay"), None).with_actor(relay_actor.clone());
        let doc = DocumentId::from_bytes([7; 16]);
        let profile = Profile {
            owner: OWNER.into(),
            name: "山田 花子".into(),
            joined: "2015-04".into(),
            ..Profile::default()
        };
        engine
            .create(doc, |tx| profile.write_to(tx))
            .expect("the profile is created");
        let book = ActorBook::new([
            (relay_actor.clone(), "@relay".to_owned()),
            (foreign_actor.clone(), OTHER.to_owned()),
        ]);
        Self {
            engine,
            doc,
            guard: OwnerGuard { book },
            relay_actor,
            foreign_actor,
        }
    }
}

impl Default for Relay {
    fn default() -> Self {
        Self::new()
    }
}
