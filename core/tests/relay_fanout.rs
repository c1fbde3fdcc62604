//! How a relay's changes reach its readers: coalesced ([`Engine::coalescing`]: a reader that has
//! not answered the last message of changes gets the next ones together, in one message, once
//! it answers), and merged from storage when another relay on the same database accepted them
//! ([`Engine::merge_stored`]).

use std::collections::VecDeque;

use tsunagu_core::engine::{Chunk, ConnId, Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId, StorageId};
use tsunagu_core::profile::Profile;
use tsunagu_core::wire::Message;

/// A relay and devices wired by queues the test delivers by hand.
struct Net {
    relay: Engine,
    /// Each device's engine, its connection id, and the relay's id for that connection.
    devices: Vec<(Engine, ConnId, ConnId)>,
    to_device: Vec<VecDeque<Message>>,
    to_relay: VecDeque<(usize, Message)>,
}

impl Net {
    fn new(relay: Engine, devices: usize, doc: DocumentId) -> Self {
        let mut net = Self {
            relay,
            devices: Vec::new(),
            to_device: Vec::new(),
            to_relay: VecDeque::new(),
        };
        for i in 0..devices {
            let mut device = Engine::new(
                PeerId::new(format!("device-{i}")),
                Some(StorageId::random()),
            );
            device.want(doc);
            let conn = device.connect();
            let start = device.start(conn);
            let relay_conn = net.relay.accept();
            net.devices.push((device, conn, relay_conn));
            net.to_device.push(VecDeque::new());
            net.sent_by_device(i, start);
        }
        net.settle();
        net
    }

    fn sent_by_device(&mut self, i: usize, effects: Vec<Effect>) {
        for effect in effects {
            if let Effect::Send { message, .. } = effect {
                self.to_relay.push_back((i, message));
            }
        }
    }

    fn sent_by_relay(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            if let Effect::Send { conn, message } = effect
                && let Some(i) = self.devices.iter().position(|d| d.2 == conn)
            {
                self.to_device[i].push_back(message);
            }
        }
    }

    fn deliver_to_relay(&mut self) {
        while let Some((i, message)) = self.to_relay.pop_front() {
            let effects = self.relay.receive(self.devices[i].2, message);
            self.sent_by_relay(effects);
        }
    }

    fn deliver_to_device(&mut self, i: usize) {
        while let Some(message) = self.to_device[i].pop_front() {
            let (device, conn, _) = &mut self.devices[i];
            let effects = device.receive(*conn, message);
            self.sent_by_device(i, effects);
        }
    }

    fn settle(&mut self) {
        while !self.to_relay.is_empty() || self.to_device.iter().any(|q| !q.is_empty()) {
            self.deliver_to_relay();
            for i in 0..self.devices.len() {
                self.deliver_to_device(i);
            }
        }
    }

    /// Device `i` edits the profile's title.
    fn edit(&mut self, i: usize, doc: DocumentId, title: &str) {
        let device = &mut self.devices[i].0;
        let mut profile = Profile::read(device.doc(&doc).expect("held")).expect("a profile");
        profile.title = title.into();
        let effects = device.change(doc, |tx| profile.write_to(tx)).expect("edit");
        self.sent_by_device(i, effects);
    }

    fn heads(&self, i: usize, doc: &DocumentId) -> Vec<automerge::ChangeHash> {
        self.devices[i].0.doc(doc).expect("held").get_heads()
    }
}

const WRITER: usize = 0;
const READER: usize = 1;

/// A relay holding one profile, a writer and a reader synced with it; the writer then makes ten
/// edits, each reaching the relay (and answered) before the next, while the reader reads nothing.
fn ten_edits_the_reader_has_not_read(relay: Engine) -> (Net, DocumentId) {
    let doc = DocumentId::random();
    let mut relay = relay;
    made(&mut relay, doc);
    let mut net = Net::new(relay, 2, doc);
    assert_eq!(net.heads(READER, &doc), net.heads(WRITER, &doc));
    for n in 1..=10 {
        net.edit(WRITER, doc, &format!("edit {n}"));
        net.deliver_to_relay();
        net.deliver_to_device(WRITER);
        net.deliver_to_relay();
    }
    (net, doc)
}

/// `relay` makes Hanako's profile as `doc`; what it stores.
fn made(relay: &mut Engine, doc: DocumentId) -> Vec<Effect> {
    relay
        .create(doc, |tx| {
            Profile {
                name: "山田 花子".into(),
                ..Profile::default()
            }
            .write_to(tx)
        })
        .expect("create")
}

fn relay() -> Engine {
    Engine::new(PeerId::new("relay"), Some(StorageId::random()))
}

#[test]
fn a_reader_that_falls_behind_gets_what_it_lacks_in_one_message_when_it_answers() {
    let (mut net, doc) = ten_edits_the_reader_has_not_read(relay().coalescing());
    // The first edit went out at once; the other nine wait for the reader's answer.
    assert_eq!(net.to_device[READER].len(), 1);
    net.deliver_to_device(READER);
    net.deliver_to_relay();
    assert_eq!(net.to_device[READER].len(), 1, "the nine in one message");
    net.settle();
    assert_eq!(net.heads(READER, &doc), net.heads(WRITER, &doc));
    let title = Profile::read(net.devices[READER].0.doc(&doc).expect("held"))
        .expect("a profile")
        .title;
    assert_eq!(title, "edit 10");
}

#[test]
fn without_coalescing_every_change_is_a_message_of_its_own() {
    let (net, _) = ten_edits_the_reader_has_not_read(relay());
    assert_eq!(net.to_device[READER].len(), 10);
}

#[test]
fn a_reader_that_keeps_up_gets_every_change_at_once() {
    let (mut net, doc) = ten_edits_the_reader_has_not_read(relay().coalescing());
    net.settle();
    for n in 11..=15 {
        net.edit(WRITER, doc, &format!("edit {n}"));
        net.deliver_to_relay();
        assert_eq!(net.to_device[READER].len(), 1, "edit {n} sent at once");
        net.settle();
        assert_eq!(net.heads(READER, &doc), net.heads(WRITER, &doc));
    }
}

#[test]
fn what_waits_for_an_answer_that_never_comes_goes_out_when_released() {
    let (mut net, doc) = ten_edits_the_reader_has_not_read(relay().coalescing());
    let effects = net.relay.release_held();
    net.sent_by_relay(effects);
    assert_eq!(net.to_device[READER].len(), 2);
    // The reader takes both in; its answers are lost.
    net.deliver_to_device(READER);
    net.to_relay.clear();
    assert_eq!(net.heads(READER, &doc), net.heads(WRITER, &doc));
    // Nothing is held any more.
    assert!(net.relay.release_held().is_empty());
}

/// The chunk bytes among `effects`' `Persist`.
fn stored(effects: &[Effect]) -> Vec<Vec<u8>> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Persist {
                chunk: Chunk::Snapshot(bytes) | Chunk::Incremental(bytes),
                ..
            } => Some(bytes.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_change_another_relay_stored_reaches_this_relays_readers_and_is_not_stored_again() {
    let doc = DocumentId::random();
    // Relay A made the document; relay B loads it from the same storage.
    let mut a = relay();
    let first = made(&mut a, doc);
    let mut b = relay().coalescing();
    b.load(doc, &stored(&first)).expect("load");
    let mut net = Net::new(b, 1, doc);
    // A member on relay A edits it; A stores the change.
    let mut profile = Profile::read(a.doc(&doc).expect("held")).expect("a profile");
    profile.title = "from relay A".into();
    let chunks = stored(&a.change(doc, |tx| profile.write_to(tx)).expect("edit"));
    let effects = net.relay.merge_stored(doc, &chunks).expect("merge");
    assert!(
        effects.iter().all(|e| matches!(e, Effect::Send { .. })),
        "only sends: neither stored again nor reacted to: {effects:?}"
    );
    net.sent_by_relay(effects);
    net.settle();
    assert_eq!(net.heads(0, &doc), a.doc(&doc).expect("held").get_heads());
    let title = Profile::read(net.devices[0].0.doc(&doc).expect("held"))
        .expect("a profile")
        .title;
    assert_eq!(title, "from relay A");
    // Told twice (a notice repeated), nothing happens.
    assert!(
        net.relay
            .merge_stored(doc, &chunks)
            .expect("merge")
            .is_empty()
    );
    // A document this relay does not hold is left for storage to serve when asked.
    assert!(
        relay()
            .merge_stored(DocumentId::random(), &chunks)
            .expect("merge")
            .is_empty()
    );
}
