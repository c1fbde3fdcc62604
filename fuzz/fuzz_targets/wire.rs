//! Arbitrary frames into the relay: the strict CBOR decoder, then the sync engine with the
//! relay's write check. Nothing may panic, and whatever decodes must encode back to itself.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tsunagu_core::ids::{DocumentId, PeerId};
use tsunagu_core::wire::Message;
use tsunagu_fuzz::Relay;

#[derive(Debug, Arbitrary)]
enum Input {
    /// Whole frames, as a hostile peer would send them.
    Frames(Vec<Vec<u8>>),
    /// Automerge sync payloads, wrapped in well-formed `sync` messages for the member's profile.
    SyncPayloads(Vec<Vec<u8>>),
}

fuzz_target!(|input: Input| {
    let mut relay = Relay::new();
    let conn = relay.conn;
    relay.engine.receive(
        conn,
        Message::Join {
            sender: PeerId::new("fuzz"),
            metadata: None,
            versions: vec!["1".into()],
        },
    );
    let messages: Vec<Message> = match input {
        Input::Frames(frames) => frames
            .iter()
            .take(16)
            .filter_map(|frame| {
                let message = Message::decode(frame).ok()?;
                assert_eq!(
                    Message::decode(&message.encode()).as_ref(),
                    Ok(&message),
                    "decoded messages round-trip"
                );
                Some(aim_at(message, relay.doc))
            })
            .collect(),
        Input::SyncPayloads(payloads) => payloads
            .into_iter()
            .take(16)
            .map(|data| Message::Sync {
                sender: PeerId::new("fuzz"),
                target: relay.engine.peer_id().clone(),
                doc: relay.doc,
                data,
            })
            .collect(),
    };
    for message in messages {
        relay
            .engine
            .receive_guarded(conn, message, &mut relay.guard);
    }
});

/// Points sync messages at the one document the relay holds (a fuzzer cannot guess a
/// base58check id), so their payloads reach automerge and the write check.
fn aim_at(message: Message, doc: DocumentId) -> Message {
    match message {
        Message::Sync {
            sender,
            target,
            data,
            ..
        } => Message::Sync {
            sender,
            target,
            doc,
            data,
        },
        Message::Request {
            sender,
            target,
            data,
            ..
        } => Message::Request {
            sender,
            target,
            doc,
            data,
        },
        other => other,
    }
}
