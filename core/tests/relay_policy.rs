//! The relay side of the engine refuses what a peer may not do: changes outside its grants or
//! made with another member's actor, speaking before the handshake, asking for documents it
//! does not hold.

mod common;
use common::*;
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::memory::{Authoriser, Hub, Node};
use tsunagu_core::vocab::{DocKind, Role};
use tsunagu_core::wire::Message;

/// Hanako's and Ken's profiles on a guarded relay, and one device each holding both.
fn guarded_pair() -> (Hub, [DocumentId; 2]) {
    let (mut hub, docs) = relay_with(&["山田 花子", "佐藤 健"]);
    let mut guard = Authoriser::default();
    for (i, name) in ["hanako", "ken"].into_iter().enumerate() {
        let d = hub.add_device(Node::new(name));
        for doc in &docs {
            hub.devices[d].engine.want(*doc);
        }
        hub.connect(d);
        guard.member(hub.relay_conn(d).expect("connected"), name, &[Role::Alumni]);
        guard.document(docs[i], DocKind::Profile, Some(name));
    }
    hub.guard = Some(guard);
    hub.run();
    (hub, [docs[0], docs[1]])
}

#[test]
fn a_change_outside_the_grants_is_refused_and_the_device_restores_the_relays_version() {
    let (mut hub, [hers, his]) = guarded_pair();
    let stored_before = hub.relay.store.chunks[&his].clone();
    edit(&mut hub, 0, hers, |p| p.title = "CTO".into());
    edit(&mut hub, 0, his, |p| p.name = "hacked".into());
    hub.run();

    assert_eq!(profile(&hub.relay.engine, &his).name, "佐藤 健");
    assert_eq!(
        hub.relay.store.chunks[&his], stored_before,
        "nothing of the refused change was stored"
    );
    assert_eq!(profile(&hub.devices[1].engine, &his).name, "佐藤 健");
    // Hanako's phone put Ken's profile back as the relay has it, and kept her own edit.
    assert_eq!(profile(&hub.devices[0].engine, &his).name, "佐藤 健");
    assert_eq!(
        heads(&hub.devices[0].engine, &his),
        heads(&hub.relay.engine, &his)
    );
    assert_eq!(profile(&hub.relay.engine, &hers).title, "CTO");
    assert_eq!(profile(&hub.devices[1].engine, &hers).title, "CTO");
    let relay_storage = hub.relay.storage.clone();
    assert_eq!(hub.devices[0].engine.pending_changes(&relay_storage), 0);
    // Her storage holds the relay's version too: a reload does not bring the refused change back.
    hub.devices[0].restart().unwrap();
    assert_eq!(profile(&hub.devices[0].engine, &his).name, "佐藤 健");
}

#[test]
fn writing_an_hr_field_of_ones_own_profile_is_refused() {
    let (mut hub, [hers, _]) = guarded_pair();
    edit(&mut hub, 0, hers, |p| p.joined = "1990-04".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &hers).joined, "");
    assert_eq!(profile(&hub.devices[0].engine, &hers).joined, "");
}

#[test]
fn a_change_made_with_someone_elses_actor_is_refused() {
    let (mut hub, [hers, his]) = guarded_pair();
    edit(&mut hub, 1, his, |p| p.title = "部長".into());
    hub.run();
    let kens_actor = hub
        .relay
        .engine
        .doc(&his)
        .unwrap()
        .get_changes(&[])
        .last()
        .unwrap()
        .actor_id()
        .clone();

    // Hanako's phone, rebuilt to write as Ken's actor, edits her own profile.
    hub.disconnect(0);
    let phone = &mut hub.devices[0];
    let mut forged =
        Engine::new(PeerId::new("hanako"), Some(phone.storage.clone())).with_actor(kens_actor);
    for (doc, chunks) in &phone.store.chunks {
        forged.load(*doc, chunks).unwrap();
    }
    phone.engine = forged;
    hub.connect(0);
    let conn = hub.relay_conn(0).unwrap();
    hub.guard
        .as_mut()
        .unwrap()
        .member(conn, "hanako", &[Role::Alumni]);
    edit(&mut hub, 0, hers, |p| p.title = "as Ken".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &hers).title, "");
    assert_eq!(profile(&hub.devices[0].engine, &hers).title, "");
    assert_eq!(profile(&hub.devices[1].engine, &hers).title, "");
}

#[test]
fn a_sync_message_before_the_handshake_is_a_protocol_error() {
    let mut relay = tsunagu_core::engine::Engine::new(PeerId::new("relay"), None);
    let conn = relay.accept();
    let doc = DocumentId::random();
    let effects = relay.receive(
        conn,
        Message::Sync {
            sender: PeerId::new("x"),
            target: PeerId::new("relay"),
            doc,
            data: vec![],
        },
    );
    assert!(
        matches!(&effects[0], Effect::Send { message: Message::Error { message }, .. } if message.contains("expected join"))
    );
    assert!(matches!(effects[1], Effect::Close { .. }));
}

#[test]
fn an_unsupported_protocol_version_is_refused() {
    let mut relay = tsunagu_core::engine::Engine::new(PeerId::new("relay"), None);
    let conn = relay.accept();
    let effects = relay.receive(
        conn,
        Message::Join {
            sender: PeerId::new("x"),
            metadata: None,
            versions: vec!["2".into()],
        },
    );
    assert!(matches!(
        &effects[0],
        Effect::Send {
            message: Message::Error { .. },
            ..
        }
    ));
    assert!(!relay.is_ready(conn));
}

#[test]
fn unknown_documents_and_malformed_sync_payloads_get_clear_answers() {
    let mut relay = tsunagu_core::engine::Engine::new(PeerId::new("relay"), None);
    let known = DocumentId::random();
    relay
        .create(known, |tx| {
            tsunagu_core::profile::Profile::default().write_to(tx)
        })
        .unwrap();
    let conn = relay.accept();
    relay.receive(
        conn,
        Message::Join {
            sender: PeerId::new("phone"),
            metadata: None,
            versions: vec!["1".into()],
        },
    );
    let request = |doc, data| Message::Request {
        sender: PeerId::new("phone"),
        target: PeerId::new("relay"),
        doc,
        data,
    };

    let unknown = DocumentId::random();
    let effects = relay.receive(conn, request(unknown, vec![]));
    assert!(
        matches!(&effects[..], [Effect::Send { message: Message::DocUnavailable { doc, .. }, .. }] if *doc == unknown)
    );
    assert!(
        relay.is_ready(conn),
        "an unknown document does not end the connection"
    );

    let garbage = relay.receive(conn, request(known, vec![0x42, 0x00, 0xff]));
    assert!(garbage.iter().any(|e| matches!(e, Effect::Send { message: Message::Error { message }, .. } if message.contains("malformed"))));
    assert!(garbage.iter().any(|e| matches!(e, Effect::Close { .. })));
}

#[test]
fn a_document_the_relay_rewrites_replaces_every_devices_copy_history_and_all() {
    let (mut hub, docs) = relay_with(&["鈴木 一郎"]);
    let doc = docs[0];
    let device = device_with(&mut hub, "staff", &[doc]);
    assert_eq!(profile(&hub.devices[device].engine, &doc).name, "鈴木 一郎");

    // The relay writes the document afresh, without the name anywhere in its history.
    let mut fresh = Engine::new(PeerId::new("relay"), None);
    let rewritten = tsunagu_core::profile::Profile {
        name: "(deleted)".into(),
        ..Default::default()
    };
    let effects = fresh
        .create(doc, |tx| rewritten.write_to(tx))
        .expect("created");
    hub.relay.store.chunks.remove(&doc);
    hub.relay.store.apply(&effects);
    let told = hub
        .relay
        .engine
        .reset(&doc, "document-reset: fetch it again");
    assert!(told.iter().any(|e| matches!(
        e,
        Effect::Send { message: Message::ChangeRejected { reason, .. }, .. }
            if reason.starts_with("document-reset")
    )));
    let chunks = hub.relay.store.chunks[&doc].clone();
    hub.relay.engine.load(doc, &chunks).expect("loaded");
    hub.from_relay(told);
    hub.run();

    let held = hub.devices[device].engine.doc(&doc).expect("fetched again");
    assert_eq!(held.get_heads(), heads(&hub.relay.engine, &doc));
    assert_eq!(profile(&hub.devices[device].engine, &doc).name, "(deleted)");
    let old = held.get_changes(&[]).iter().any(|c| {
        c.decode().operations.iter().any(|op| {
            matches!(&op.action, automerge::legacy::OpType::Put(automerge::ScalarValue::Str(s)) if s.contains("鈴木"))
        })
    });
    assert!(!old, "nothing of the old history is left on the device");
    // What the device stored is the new document too.
    hub.devices[device].restart().expect("restarts");
    assert_eq!(profile(&hub.devices[device].engine, &doc).name, "(deleted)");
}

#[test]
fn changes_whose_history_never_arrives_are_bounded_and_the_connection_closed() {
    use automerge::sync::{self, MessageVersion};
    use automerge::transaction::Transactable;

    let mut relay = Engine::new(PeerId::new("relay"), None).with_queue_limit(8 * 1024);
    let doc = DocumentId::random();
    relay
        .create(doc, |tx| tx.put(automerge::ROOT, "title", "").map(drop))
        .expect("created");
    let base = relay.doc(&doc).expect("held").clone();
    let conn = relay.accept();
    let join = Message::Join {
        sender: PeerId::new("device"),
        metadata: None,
        versions: vec!["1".into()],
    };
    relay.receive(conn, join);

    // A change the relay never gets, and many changes built on it, each sent on its own.
    let mut device = base.fork();
    device.set_actor(automerge::ActorId::from(&[5u8; 16][..]));
    let mut tx = device.transaction();
    tx.put(automerge::ROOT, "title", "withheld").expect("put");
    tx.commit();
    let withheld = device.get_heads();
    let mut closed = None;
    for i in 0..64 {
        let mut tx = device.transaction();
        tx.put(
            automerge::ROOT,
            "title",
            format!("{i}: {}", "x".repeat(512)),
        )
        .expect("put");
        tx.commit();
        let change = device.get_changes(&withheld).pop().expect("a change");
        let message = sync::Message {
            heads: device.get_heads(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![change.raw_bytes().to_vec()].into(),
            flags: None,
            version: MessageVersion::V1,
        };
        let effects = relay.receive(
            conn,
            Message::Sync {
                sender: PeerId::new("device"),
                target: relay.peer_id().clone(),
                doc,
                data: message.encode(),
            },
        );
        if let Some(reason) = effects.iter().find_map(|e| match e {
            Effect::Close { reason, .. } => Some(reason.clone()),
            _ => None,
        }) {
            closed = Some((i, reason));
            break;
        }
    }
    let (after, reason) = closed.expect("the connection is closed");
    assert!(after < 32, "closed only after {after} messages");
    assert!(reason.contains("history never arrived"), "{reason}");
    // The document holds what it held, and nothing waits in its queue.
    let held = relay.doc(&doc).expect("still held");
    assert_eq!(held.get_heads(), base.get_heads());
    assert!(automerge::ReadDoc::get_missing_deps(held, &[]).is_empty());
}
