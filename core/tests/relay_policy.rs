//! The relay side of the engine refuses what a peer may not do: writing a read-only document,
//! speaking before the handshake, asking for documents it does not hold.

mod common;
use common::*;
use tsunagu_core::engine::Effect;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::wire::Message;

#[test]
fn changes_to_a_read_only_document_are_not_applied() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let d = hub.add_device(tsunagu_core::memory::Node::new("mallory"));
    hub.devices[d].engine.want(docs[0]);
    hub.connect(d);
    // The device's link is the first connection the relay accepted.
    let relay_conn = 1;
    hub.relay.engine.set_read_only(relay_conn, docs[0]);
    hub.run();
    edit(&mut hub, d, docs[0], |p| p.name = "hacked".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &docs[0]).name, "山田 花子");
    assert!(
        hub.relay.store.chunks[&docs[0]].len() == 1,
        "nothing new was persisted"
    );
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
