//! Whatever a peer sends, the relay answers with a protocol `error` (closing that connection) or
//! `doc-unavailable`, and every honest peer on the same relay keeps syncing.

mod common;

use automerge::Automerge;
use automerge::sync::{State, SyncDoc};
use common::{
    Device, Socket, TestRelay, closes, has_profile_named, next_message, open_socket, send, sign_in,
};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as Frame;
use tsunagu_core::api::Me;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::wire::{MAX_FRAME_BYTES, Message};
use tsunagu_server::Limits;

/// Hanako edits her profile while Ken reads it, next to whatever an attacker does.
struct HonestPair {
    writer: Device,
    reader: Device,
    me: Me,
    edits: usize,
}

impl HonestPair {
    async fn start(relay: &TestRelay) -> Self {
        let (writer_cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
        let (reader_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
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

/// A signed-in attacker's raw socket, past the handshake; returns it and the relay's peer id.
async fn attacker(relay: &TestRelay) -> (Socket, PeerId) {
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
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
    let doc = honest.me.profile_doc;
    let request = Message::Request {
        sender: me,
        target: relay_peer,
        doc,
        data: first_sync_message(),
    };
    send(&mut socket, &request).await;
    match next_message(&mut socket).await {
        Some(Message::Sync { doc: got, data, .. }) => {
            assert_eq!(got, doc);
            assert!(!data.is_empty());
        }
        other => panic!("expected sync, got {other:?}"),
    }
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
    let relay = TestRelay::start().await;
    let mut honest = HonestPair::start(&relay).await;
    let (mut socket, _) = attacker(&relay).await;
    let gossip = Message::Gossip {
        kind: "remote-heads-changed".into(),
        sender: PeerId::new("attacker"),
    };
    let gossip = Frame::Binary(gossip.encode().into());
    // Far past the default burst (400) and rate (200/s); the relay may close the socket under us.
    for _ in 0..2_000 {
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
async fn asking_about_too_many_documents_on_one_connection_is_refused() {
    let relay = TestRelay::start_with(Limits {
        documents_per_connection: 3,
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
