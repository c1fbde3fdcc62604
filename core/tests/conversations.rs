//! A conversation's page of messages through a guarded relay: members write offline and meet in
//! one order; a member's device that posts as someone else is refused while the others keep
//! chatting (docs/design.md §7).

use tsunagu_core::conversation::{Draft, Message, MessagePage};
use tsunagu_core::engine::Engine;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Authoriser, Hub, Node};
use tsunagu_core::vocab::{DocKind, Role};

const T0: i64 = 1_700_000_000_000;
const MEMBERS: [&str; 3] = ["hanako", "ken", "aoi"];

/// A relay holding one page of a conversation of three, and each member's phone synced to it.
fn chat() -> (Hub, DocumentId) {
    let mut relay = Node::new("relay");
    let page = DocumentId::random();
    let effects = relay
        .engine
        .create(page, |tx| MessagePage::create(tx, &MEMBERS))
        .expect("page");
    relay.store.apply(&effects);
    let mut hub = Hub::new(relay);
    let mut guard = Authoriser::default();
    guard.conversation_document(page, DocKind::MessagePage, &MEMBERS);
    for name in MEMBERS {
        let d = hub.add_device(Node::new(name));
        hub.devices[d].engine.want(page);
        hub.connect(d);
        guard.member(hub.relay_conn(d).expect("connected"), name, &[Role::Alumni]);
    }
    hub.guard = Some(guard);
    hub.run();
    (hub, page)
}

/// Phone `phone` writes a message on `page` under `as_member`'s key, as one change.
fn write(
    hub: &mut Hub,
    page: DocumentId,
    phone: usize,
    as_member: &str,
    id: &str,
    text: &str,
    at: i64,
) {
    let effects = hub.devices[phone]
        .engine
        .change(page, |tx| {
            MessagePage::write(tx, as_member, id, &Draft::text(text, at)).map(|_| ())
        })
        .expect("write");
    hub.from_device(phone, effects);
}

fn messages(engine: &Engine, page: &DocumentId) -> Vec<Message> {
    MessagePage::read(engine.doc(page).expect("page held")).expect("a page")
}

fn texts(engine: &Engine, page: &DocumentId) -> Vec<String> {
    messages(engine, page).into_iter().map(|m| m.text).collect()
}

#[test]
fn offline_writers_meet_in_one_order_and_a_forged_author_is_refused() {
    let (mut hub, page) = chat();
    // Aoi is on a train; Hanako and Ken chat meanwhile.
    hub.disconnect(2);
    write(&mut hub, page, 2, "aoi", "a1", "圏外でした", T0 + 10);
    write(&mut hub, page, 0, "hanako", "h1", "同期会やりませんか", T0);
    write(&mut hub, page, 1, "ken", "k1", "いいね！", T0 + 20);
    // Their messages reach the relay before anything forged: a refused sync message takes
    // every change it brought with it, and whether Hanako's own message would travel alone or
    // with the forged one depends on the sync protocol's Bloom filter (a false positive, about
    // one run in a hundred, holds a change back for a later round).
    hub.run();
    // Hanako's phone, tampered with, posts as Ken.
    write(&mut hub, page, 0, "ken", "forged", "参加しません", T0 + 30);
    hub.run();
    hub.connect(2);
    let conn = hub.relay_conn(2).expect("back online");
    hub.guard
        .as_mut()
        .expect("guarded")
        .member(conn, "aoi", &[Role::Alumni]);
    hub.run();

    let expected = ["同期会やりませんか", "圏外でした", "いいね！"];
    assert_eq!(texts(&hub.relay.engine, &page), expected);
    for phone in 0..3 {
        assert_eq!(
            texts(&hub.devices[phone].engine, &page),
            expected,
            "phone {phone}"
        );
    }
    // Ken's key holds only what Ken wrote, on every device.
    for phone in 0..3 {
        let kens: Vec<String> = messages(&hub.devices[phone].engine, &page)
            .into_iter()
            .filter(|m| m.author == "ken")
            .map(|m| m.id)
            .collect();
        assert_eq!(kens, ["k1"], "phone {phone}");
    }
}

#[test]
fn typing_reaches_the_other_members_once_and_is_never_stored() {
    use tsunagu_core::conversation::{typing, typing_member};
    let (mut hub, page) = chat();
    let stored_before = hub.relay.store.chunks.get(&page).cloned();
    // Every frame arrives twice: each phone still shows it once.
    hub.fault = Some(Box::new(|_| 2));
    let effects = hub.devices[0].engine.broadcast(page, typing("hanako"));
    hub.from_device(0, effects);
    hub.run();
    for (phone, expected) in [(0, 0), (1, 1), (2, 1)] {
        let seen: Vec<_> = hub.devices[phone]
            .ephemeral
            .iter()
            .filter(|(doc, _)| *doc == page)
            .map(|(_, data)| typing_member(data))
            .collect();
        assert_eq!(seen.len(), expected, "phone {phone}: {seen:?}");
        assert!(seen.iter().all(|m| m.as_deref() == Some("hanako")));
    }
    assert_eq!(
        hub.relay.store.chunks.get(&page).cloned(),
        stored_before,
        "nothing stored"
    );
}
