//! What the fuzz targets share: a relay engine holding one member's profile, or an event's
//! check-in log, with the relay's real write check ([`tsunagu_core::memory::Authoriser`]) for
//! that member (or the event's staff) on one connection.

use automerge::{ActorId, ChangeHash};
use tsunagu_core::vocab::{DocKind, EventAudience, Role};
use tsunagu_core::engine::{ConnId, Engine};
use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::grants::EventFacts;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::memory::Authoriser;
use tsunagu_core::profile::Profile;
use tsunagu_core::validate::ActorBook;

/// The member on the fuzzed connection; they own [`Relay::doc`].
pub const OWNER: &str = "u-owner";
/// Another member, whose actor [`Relay::foreign_actor`] is registered.
pub const OTHER: &str = "u-other";

pub struct Relay {
    pub engine: Engine,
    /// `OWNER`'s connection, accepted and not yet joined.
    pub conn: ConnId,
    pub doc: DocumentId,
    pub guard: Authoriser,
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
        let conn = engine.accept();
        let mut guard = Authoriser::default();
        guard.book = ActorBook::new([
            (relay_actor.clone(), "@relay".to_owned()),
            (foreign_actor.clone(), OTHER.to_owned()),
        ]);
        guard.member(conn, OWNER, &[Role::Alumni]);
        guard.document(doc, DocKind::Profile, Some(OWNER));
        Self {
            engine,
            conn,
            doc,
            guard,
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

/// A relay holding an event's check-in log that already records scans under `held` nonces, and
/// a connection of one of the event's staff.
pub struct CheckinRelay {
    pub engine: Engine,
    pub conn: ConnId,
    pub doc: DocumentId,
    pub guard: Authoriser,
    /// The log's heads when it was created, before any scan.
    pub created_heads: Vec<ChangeHash>,
}

impl CheckinRelay {
    pub fn new(held: &[&str]) -> Self {
        let relay_actor = ActorId::from(&[1u8; 16][..]);
        let mut engine = Engine::new(PeerId::new("relay"), None).with_actor(relay_actor.clone());
        let doc = DocumentId::from_bytes([8; 16]);
        engine
            .create(doc, |tx| CheckinLog::create(tx))
            .expect("the log is created");
        let created_heads = engine.doc(&doc).expect("the log").get_heads();
        for nonce in held {
            let scan = Scan {
                ticket: format!("ticket-{nonce}"),
                ..Scan::default()
            };
            engine
                .change(doc, |tx| CheckinLog::record(tx, nonce, &scan).map(drop))
                .expect("a scan is recorded");
        }
        let conn = engine.accept();
        let mut guard = Authoriser::default();
        guard.book = ActorBook::new([(relay_actor, "@relay".to_owned())]);
        guard.member(conn, "u-staff", &[Role::Alumni]);
        guard.event_document(
            doc,
            DocKind::EventCheckins,
            EventFacts {
                public: true,
                audience: EventAudience::Everyone,
                invited: false,
                staff: true,
                proposer: false,
            },
        );
        Self {
            engine,
            conn,
            doc,
            guard,
            created_heads,
        }
    }
}
