//! Both sides restart from what they persisted: sync resumes where it left off, and reconnecting
//! with nothing new sends no document data (docs/design.md §3).

mod common;
use common::*;
use tsunagu_core::wire::Message;

fn changes_in(m: &Message) -> usize {
    match m {
        Message::Sync { data, .. } | Message::Request { data, .. } => {
            automerge::sync::Message::decode(data)
                .map(|s| s.changes.len())
                .unwrap_or(0)
        }
        _ => 0,
    }
}

#[test]
fn reconnecting_with_no_changes_sends_no_document_data() {
    let names: Vec<String> = (0..50).map(|i| format!("Alumnus {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut hub, docs) = relay_with(&names);
    let d = device_with(&mut hub, "phone", &docs);
    hub.disconnect(d);
    hub.relay.restart().unwrap();
    hub.devices[d].restart().unwrap();

    let carried = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = carried.clone();
    hub.fault = Some(Box::new(move |m| {
        counter.set(counter.get() + changes_in(m));
        1
    }));
    hub.connect(d);
    let traffic = hub.run();
    assert_eq!(carried.get(), 0, "no changes may travel");
    // One small message each way per document, plus the handshake.
    assert!(traffic.frames <= 2 * docs.len() + 2, "{traffic:?}");
}

#[test]
fn edits_made_offline_survive_a_restart_and_sync_afterwards() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let d = device_with(&mut hub, "phone", &docs);
    hub.disconnect(d);
    edit(&mut hub, d, docs[0], |p| p.employer = "Sony".into());
    edit(&mut hub, d, docs[0], |p| p.location = "福岡".into());
    hub.devices[d].restart().unwrap();
    let relay_storage = hub.relay.storage.clone();
    assert_eq!(
        hub.devices[d].engine.pending_changes(&relay_storage),
        2,
        "the outbox survives a reload"
    );
    assert_eq!(profile(&hub.devices[d].engine, &docs[0]).location, "福岡");

    hub.relay.restart().unwrap();
    hub.connect(d);
    hub.run();
    assert_eq!(hub.devices[d].engine.pending_changes(&relay_storage), 0);
    hub.relay.restart().unwrap();
    let p = profile(&hub.relay.engine, &docs[0]);
    assert_eq!((p.employer.as_str(), p.location.as_str()), ("Sony", "福岡"));
}
