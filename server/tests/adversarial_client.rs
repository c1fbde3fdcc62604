//! An adversarial client speaking the wire protocol directly. Whatever it tries — connecting
//! without a live session, asking for documents it has no grant for or probing whether they
//! exist, writing with another member's actor or outside its grants, replaying old changes,
//! sending malformed, truncated or oversized frames, flooding — the relay answers with a protocol
//! `error` (closing that connection), `doc-unavailable` or `change-rejected`, stores nothing it
//! should not, and every honest peer on the same relay keeps syncing.

mod common;

use automerge::Automerge;
use automerge::sync::{State, SyncDoc};
use automerge::transaction::Transactable;
use common::{
    Device, Socket, TestRelay, closes, has_profile_named, next_message, open_socket, send, sign_in,
};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as Frame;
use tsunagu_core::api::Me;
use tsunagu_core::engine::Engine;
use tsunagu_core::ids::StorageId;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::memory::MemoryStore;
use tsunagu_core::wire::{MAX_FRAME_BYTES, Message};
use tsunagu_server::Limits;

/// Hanako edits her profile while an admin reads it, next to whatever Ken, the attacker, does.
struct HonestPair {
    writer: Device,
    reader: Device,
    me: Me,
    edits: usize,
}

impl HonestPair {
    async fn start(relay: &TestRelay) -> Self {
        let (writer_cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
        let (reader_cookie, _) = sign_in(relay.addr(), "admin@example.com").await;
        let doc = me.profile_doc;
        let mut writer = Device::connect(relay.addr(), &writer_cookie, &[doc]).await;
        writer
            .pump_until("her profile", |d| has_profile_named(d, &doc, "山田 花子"))
            .await;
        let mut reader = Device::connect(relay.addr(), &reader_cookie, &[doc]).await;
        reader
            .pump_until("her profile", |d| has_profile_named(d, &doc, "山田 花子"))
            .await;
        Self {
            writer,
            reader,
            me,
            edits: 0,
        }
    }

    /// An edit goes from writer to reader through the relay.
    async fn still_syncs(&mut self) {
        self.edits += 1;
        let title = format!("edit {}", self.edits);
        let doc = self.me.profile_doc;
        let written = title.clone();
        self.writer.edit(doc, move |p| p.title = written).await;
        self.writer.wait_acknowledged(&self.me.relay_storage).await;
        self.reader
            .pump_until("the honest edit", move |d| {
                d.profile(&doc).is_some_and(|p| p.title == title)
            })
            .await;
    }
}

/// A signed-in attacker's (Ken's) raw socket, past the handshake; returns it and the relay's
/// peer id.
async fn attacker(relay: &TestRelay) -> (Socket, PeerId) {
    let (cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let mut socket = open_socket(relay.addr(), Some(&cookie))
        .await
        .expect("the socket opens");
    let join = Message::Join {
        sender: PeerId::new("attacker"),
        metadata: None,
        versions: vec!["1".into()],
    };
    send(&mut socket, &join).await;
    match next_message(&mut socket).await {
        Some(Message::Peer { sender, .. }) => (socket, sender),
        other => panic!("expected peer, got {other:?}"),
    }
}

/// The relay answers with a protocol error and closes the connection.
async fn refused(socket: &mut Socket, what: &str) -> String {
    let reason = match next_message(socket).await {
        Some(Message::Error { message }) => message,
        other => panic!("{what}: expected an error message, got {other:?}"),
    };
    assert!(closes(socket).await, "{what}: the connection closes");
    reason
}

async fn refused_raw_frame(frame: Frame, what: &str) -> String {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, _) = attacker(&relay).await;
    socket.send(frame).await.expect("the frame is sent");
    let reason = refused(&mut socket, what).await;
    honest.still_syncs().await;
    reason
}

fn first_sync_message() -> Vec<u8> {
    Automerge::new()
        .generate_sync_message(&mut State::new())
        .map(|m| m.encode())
        .unwrap_or_default()
}

/// The relay answers a request for `doc`, which the attacker may read, with the document.
async fn still_serves(socket: &mut Socket, me: PeerId, relay_peer: PeerId, doc: DocumentId) {
    let request = Message::Request {
        sender: me,
        target: relay_peer,
        doc,
        data: first_sync_message(),
    };
    send(socket, &request).await;
    match next_message(socket).await {
        Some(Message::Sync { doc: got, data, .. }) => {
            assert_eq!(got, doc);
            assert!(!data.is_empty());
        }
        other => panic!("expected sync, got {other:?}"),
    }
}

#[tokio::test]
async fn garbage_bytes_are_refused() {
    let reason = refused_raw_frame(
        Frame::Binary(vec![0xff, 0x00, 0x13, 0x37].into()),
        "garbage",
    )
    .await;
    assert!(reason.contains("decode"), "{reason}");
}

#[tokio::test]
async fn truncated_cbor_is_refused() {
    let doc = DocumentId::random();
    let whole = Message::Sync {
        sender: PeerId::new("a"),
        target: PeerId::new("b"),
        doc,
        data: vec![1; 40],
    }
    .encode();
    refused_raw_frame(
        Frame::Binary(whole[..whole.len() / 2].to_vec().into()),
        "truncated CBOR",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_message_type_is_refused() {
    // {"type": "teleport"}
    let mut frame = vec![0xa1, 0x64];
    frame.extend(b"type");
    frame.push(0x68);
    frame.extend(b"teleport");
    let reason = refused_raw_frame(Frame::Binary(frame.into()), "unknown type").await;
    assert!(reason.contains("teleport"), "{reason}");
}

#[tokio::test]
async fn a_text_frame_is_refused() {
    let reason = refused_raw_frame(Frame::Text(r#"{"type":"join"}"#.into()), "text frame").await;
    assert!(reason.contains("binary"), "{reason}");
}

#[tokio::test]
async fn an_oversized_frame_is_refused() {
    let reason = refused_raw_frame(
        Frame::Binary(vec![0u8; MAX_FRAME_BYTES + 1].into()),
        "oversized",
    )
    .await;
    assert!(reason.contains("limit"), "{reason}");
}

#[tokio::test]
async fn an_unknown_document_is_unavailable_and_the_connection_stays_usable() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, relay_peer) = attacker(&relay).await;
    let me = PeerId::new("attacker");
    for data in [first_sync_message(), vec![0xde, 0xad]] {
        let unknown = DocumentId::random();
        let request = Message::Request {
            sender: me.clone(),
            target: relay_peer.clone(),
            doc: unknown,
            data,
        };
        send(&mut socket, &request).await;
        match next_message(&mut socket).await {
            Some(Message::DocUnavailable { doc, .. }) => assert_eq!(doc, unknown),
            other => panic!("expected doc-unavailable, got {other:?}"),
        }
    }
    // The same connection still gets documents it may read.
    still_serves(&mut socket, me, relay_peer, honest.me.profile_doc).await;
    honest.still_syncs().await;
}

#[tokio::test]
async fn a_malformed_automerge_payload_is_refused() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, relay_peer) = attacker(&relay).await;
    let sync = Message::Sync {
        sender: PeerId::new("attacker"),
        target: relay_peer,
        doc: honest.me.profile_doc,
        data: vec![0x42, 0x01, 0x02, 0x03],
    };
    send(&mut socket, &sync).await;
    let reason = refused(&mut socket, "malformed payload").await;
    assert!(reason.contains("malformed"), "{reason}");
    honest.still_syncs().await;
}

#[tokio::test]
async fn a_message_flood_is_refused() {
    let relay = TestRelay::start_with(Limits {
        message_burst: 1_000,
        ..Limits::default()
    })
    .await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, _) = attacker(&relay).await;
    let gossip = Message::Gossip {
        kind: "remote-heads-changed".into(),
        sender: PeerId::new("attacker"),
    };
    let gossip = Frame::Binary(gossip.encode().into());
    // Far past the burst (1,000 here) and rate (200/s); the relay may close the socket under us.
    for _ in 0..30_000 {
        if socket.feed(gossip.clone()).await.is_err() {
            break;
        }
    }
    socket.flush().await.ok();
    let reason = refused(&mut socket, "flood").await;
    assert!(reason.contains("messages per second"), "{reason}");
    honest.still_syncs().await;
}

#[tokio::test]
async fn asking_about_too_many_unreadable_documents_on_one_connection_is_refused() {
    let relay = TestRelay::start_with(Limits {
        unreadable_per_connection: 3,
        ..Limits::default()
    })
    .await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, relay_peer) = attacker(&relay).await;
    for asked in 1..=4 {
        let request = Message::Request {
            sender: PeerId::new("attacker"),
            target: relay_peer.clone(),
            doc: DocumentId::random(),
            data: first_sync_message(),
        };
        send(&mut socket, &request).await;
        if asked <= 3 {
            let answer = next_message(&mut socket).await;
            assert!(
                matches!(answer, Some(Message::DocUnavailable { .. })),
                "{answer:?}"
            );
        }
    }
    let reason = refused(&mut socket, "too many documents").await;
    assert!(reason.contains("documents"), "{reason}");
    honest.still_syncs().await;
}

// ---- sessions -------------------------------------------------------------------------------

#[tokio::test]
async fn no_session_or_a_signed_out_one_opens_no_socket() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    assert!(open_socket(relay.addr(), None).await.is_err());
    assert!(
        open_socket(relay.addr(), Some("tsunagu_session=forged"))
            .await
            .is_err()
    );
    let (cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let signed_out = reqwest::Client::new()
        .delete(relay.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("sign-out answers");
    assert!(signed_out.status().is_success());
    assert!(open_socket(relay.addr(), Some(&cookie)).await.is_err());
    honest.still_syncs().await;
}

// ---- reads ----------------------------------------------------------------------------------

/// Suspends a member straight in the relay's database; their profile is then readable by no
/// alumnus. Returns that profile's id.
async fn suspend_someone(relay: &TestRelay) -> DocumentId {
    let db = common::database(&relay.dir.path().join("data")).await;
    let (user, doc): (String, String) = sqlx::query_as(
        "SELECT u.id, d.id FROM users u JOIN documents d ON d.owner_id = u.id
         WHERE u.password_hash IS NULL AND d.kind = 'profile' LIMIT 1",
    )
    .fetch_one(&db)
    .await
    .expect("a generated alumnus");
    sqlx::query("UPDATE users SET status = 'suspended' WHERE id = $1")
        .bind(user)
        .execute(&db)
        .await
        .expect("suspended");
    doc.parse().expect("a document id")
}

#[tokio::test]
async fn a_document_without_a_grant_is_answered_exactly_as_a_missing_one() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let hidden = suspend_someone(&relay).await;
    let (mut socket, relay_peer) = attacker(&relay).await;
    let me = PeerId::new("attacker");
    let missing = DocumentId::random();
    let mut answers = Vec::new();
    for doc in [hidden, missing] {
        for request in [true, false] {
            let message = Message::sync(
                request,
                me.clone(),
                relay_peer.clone(),
                doc,
                first_sync_message(),
            );
            send(&mut socket, &message).await;
            match next_message(&mut socket).await {
                Some(Message::DocUnavailable {
                    doc: about,
                    sender,
                    target,
                }) => {
                    assert_eq!(about, doc);
                    answers.push((sender, target));
                }
                other => panic!("expected doc-unavailable, got {other:?}"),
            }
        }
    }
    assert!(
        answers.windows(2).all(|w| w[0] == w[1]),
        "the same answer, byte for byte but the id: {answers:?}"
    );
    honest.still_syncs().await;
}

// ---- writes ---------------------------------------------------------------------------------

/// Ken's phone, holding `docs`, edits one through the engine; the relay refuses the change and
/// the phone puts the relay's version back. Returns the reason it was given.
async fn refused_edit(
    relay: &TestRelay,
    doc: DocumentId,
    edit: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> String {
    let (cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let mut phone = Device::connect(relay.addr(), &cookie, &[doc]).await;
    phone
        .pump_until("the document", |d| {
            d.engine
                .doc(&doc)
                .is_some_and(|d| !d.get_heads().is_empty())
        })
        .await;
    let before = phone.engine.doc(&doc).expect("held").get_heads();
    let effects = phone
        .engine
        .change(doc, |tx| {
            edit(tx);
            Ok::<_, String>(())
        })
        .expect("the local edit");
    phone.perform(effects).await;
    phone
        .pump_until("the refusal and the relay's version", |d| {
            d.received
                .iter()
                .any(|m| matches!(m, Message::ChangeRejected { doc: about, .. } if *about == doc))
                && d.engine.doc(&doc).is_some_and(|d| d.get_heads() == before)
        })
        .await;
    phone
        .received
        .iter()
        .find_map(|m| match m {
            Message::ChangeRejected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("a reason")
}

/// What the relay has stored for `doc`, as heads.
async fn stored_heads(relay: &TestRelay, doc: DocumentId) -> Vec<automerge::ChangeHash> {
    let (cookie, _) = sign_in(relay.addr(), "admin@example.com").await;
    let mut reader = Device::connect(relay.addr(), &cookie, &[doc]).await;
    reader
        .pump_until("the document", |d| {
            d.engine
                .doc(&doc)
                .is_some_and(|d| !d.get_heads().is_empty())
        })
        .await;
    reader.engine.doc(&doc).expect("held").get_heads()
}

fn put(
    key: &'static str,
    value: &'static str,
) -> impl FnOnce(&mut automerge::transaction::Transaction<'_>) {
    move |tx| {
        tx.put(automerge::ROOT, key, value).expect("a put");
    }
}

#[tokio::test]
async fn writing_another_members_profile_is_rejected() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let hers = honest.me.profile_doc;
    honest.still_syncs().await;
    let before = stored_heads(&relay, hers).await;
    let reason = refused_edit(&relay, hers, put("title", "hacked")).await;
    assert!(reason.contains("`/title`"), "{reason}");
    assert_eq!(stored_heads(&relay, hers).await, before);
    honest.still_syncs().await;
}

#[tokio::test]
async fn writing_the_organisation_document_is_rejected() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let org = honest
        .me
        .organisation_doc
        .expect("the demo has an organisation document");
    let before = stored_heads(&relay, org).await;
    let reason = refused_edit(&relay, org, put("name", "乗っ取り株式会社")).await;
    assert!(reason.contains("`/name`"), "{reason}");
    assert_eq!(stored_heads(&relay, org).await, before);
    honest.still_syncs().await;
}

#[tokio::test]
async fn writing_the_hr_fields_of_ones_own_profile_is_rejected() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (_, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let reason = refused_edit(&relay, ken.profile_doc, put("joined", "1985-04")).await;
    assert!(reason.contains("`/joined`"), "{reason}");
    honest.still_syncs().await;
}

#[tokio::test]
async fn writing_with_another_members_actor_is_rejected() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    honest.still_syncs().await;
    // Her edits are public: anyone reading her profile learns her device's actor id.
    let hers = honest.me.profile_doc;
    let her_actor = honest
        .writer
        .engine
        .doc(&hers)
        .and_then(|d| d.get_changes(&[]).last().map(|c| c.actor_id().clone()))
        .expect("her change");
    let (cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let own = ken.profile_doc;
    let before = stored_heads(&relay, own).await;
    let storage = StorageId::random();
    let mut engine = Engine::new(PeerId::random(), Some(storage.clone())).with_actor(her_actor);
    engine.want(own);
    let mut phone = Device::connect_engine(
        relay.addr(),
        &cookie,
        engine,
        MemoryStore::default(),
        storage,
    )
    .await;
    phone
        .pump_until("his profile", |d| d.profile(&own).is_some())
        .await;
    let effects = phone
        .engine
        .change(own, |tx| tx.put(automerge::ROOT, "title", "as Hanako"))
        .expect("the edit");
    phone.perform(effects).await;
    phone
        .pump_until("the refusal", |d| {
            d.received
                .iter()
                .any(|m| matches!(m, Message::ChangeRejected { reason, .. } if reason.contains("not one of your devices")))
        })
        .await;
    assert_eq!(stored_heads(&relay, own).await, before);
    honest.still_syncs().await;
}

#[tokio::test]
async fn replaying_an_old_change_changes_nothing() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    honest.still_syncs().await;
    let hers = honest.me.profile_doc;
    let old_change = honest
        .writer
        .engine
        .doc(&hers)
        .and_then(|d| d.get_changes(&[]).last().map(|c| c.raw_bytes().to_vec()))
        .expect("her change");
    let (_, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let (own_before, hers_before) = (
        stored_heads(&relay, ken.profile_doc).await,
        stored_heads(&relay, hers).await,
    );
    let (mut socket, relay_peer) = attacker(&relay).await;
    // Into her document, where it already is, and into his, where it never was.
    for doc in [hers, ken.profile_doc] {
        let replay = automerge::sync::Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![old_change.clone()].into(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        let message = Message::Sync {
            sender: PeerId::new("attacker"),
            target: relay_peer.clone(),
            doc,
            data: replay.encode(),
        };
        send(&mut socket, &message).await;
        match next_message(&mut socket).await {
            Some(Message::Sync { .. } | Message::ChangeRejected { .. }) => {}
            other => panic!("expected a sync answer or a refusal, got {other:?}"),
        }
    }
    assert_eq!(stored_heads(&relay, ken.profile_doc).await, own_before);
    assert_eq!(stored_heads(&relay, hers).await, hers_before);
    honest.still_syncs().await;
}

// ---- reconnect summaries --------------------------------------------------------------------

/// What `store` holds of the heads it shares with `relay`, as the summary's digest.
fn digest_of(store: &MemoryStore, relay: &StorageId) -> Vec<u8> {
    let shared: Vec<(DocumentId, Vec<automerge::ChangeHash>)> = store
        .sync_states
        .iter()
        .filter(|((peer, _), _)| peer == relay)
        .map(|((_, doc), state)| (*doc, Engine::shared_heads_in(state).expect("a state")))
        .collect();
    Engine::summary_digest(shared.iter().map(|(d, h)| (d, h.as_slice())))
}

#[tokio::test]
async fn a_summary_primes_nothing_a_member_may_no_longer_read_and_comes_once_a_connection() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "ken@example.com").await;
    let directory = me.directory.clone();
    let mut phone = Device::connect(relay.addr(), &cookie, &directory).await;
    phone
        .pump_until("the directory", |d| {
            directory
                .iter()
                .all(|doc| d.profile(doc).is_some_and(|p| !p.name.is_empty()))
        })
        .await;
    let (mut engine, mut store, storage) = phone.close().await;
    // The relay has stored what it shares with his phone once it handled the last messages
    // before the close (a phone that reconnects sooner simply syncs everything again).
    let db = common::database(&relay.dir.path().join("data")).await;
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    loop {
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT bytes FROM sync_states")
            .fetch_all(&db)
            .await
            .expect("the relay's database answers");
        let settled = rows
            .iter()
            .all(|b| Engine::shared_heads_in(b).is_ok_and(|h| !h.is_empty()));
        if settled && rows.len() >= directory.len() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the relay settles");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // While he is away, a member is suspended: their profile is no longer his to read, and his
    // phone drops it (as the app does once the relay says who he is).
    let hidden = suspend_someone(&relay).await;
    assert!(directory.contains(&hidden), "he held it before");
    engine.forget(&hidden);
    store.chunks.remove(&hidden);
    store.sync_states.retain(|(_, doc), _| *doc != hidden);
    let expected = digest_of(&store, &me.relay_storage);
    let mut phone = Device::connect_engine(relay.addr(), &cookie, engine, store, storage).await;
    phone
        .pump_until("the relay's summary", |d| {
            d.received
                .iter()
                .any(|m| matches!(m, Message::Summary { .. }))
        })
        .await;
    let answered = phone.received.iter().find_map(|m| match m {
        Message::Summary { digest, .. } => Some(digest.clone()),
        _ => None,
    });
    assert_eq!(answered, Some(expected), "the summaries agree");

    // An admin edits the hidden profile: nothing of it reaches his phone.
    let (admin, _) = sign_in(relay.addr(), "admin@example.com").await;
    let mut desk = common::events::device_with(&relay, &admin, &[hidden]).await;
    desk.edit(hidden, |p| p.title = "停止中の編集".into()).await;
    let about_it = move |d: &Device| {
        d.received.iter().any(|m| {
            matches!(m, Message::Sync { doc, .. } | Message::Request { doc, .. } if *doc == hidden)
        })
    };
    let leaked = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        phone.pump_until("a message that must not come", about_it),
    )
    .await
    .is_ok();
    assert!(!leaked, "a summary let a hidden profile through");

    // A summary is answered once a connection: a second one closes it.
    let relay_peer = phone.received.iter().find_map(|m| match m {
        Message::Peer { sender, .. } => Some(sender.clone()),
        _ => None,
    });
    let again = Message::Summary {
        sender: phone.engine.peer_id().clone(),
        target: relay_peer.expect("the relay's peer id"),
        digest: vec![0; 32],
    };
    send(&mut phone.socket, &again).await;
    let reason = refused(&mut phone.socket, "a second summary").await;
    assert!(reason.contains("more than one summary"), "{reason}");
}

#[tokio::test]
async fn a_summary_from_a_peer_that_keeps_no_storage_is_ignored() {
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, relay_peer) = attacker(&relay).await;
    let me = PeerId::new("attacker");
    let summary = Message::Summary {
        sender: me.clone(),
        target: relay_peer.clone(),
        digest: vec![0xab; 4096],
    };
    send(&mut socket, &summary).await;
    // Nothing is answered to it; the connection goes on as any other.
    still_serves(&mut socket, me, relay_peer, honest.me.profile_doc).await;
    honest.still_syncs().await;
}
