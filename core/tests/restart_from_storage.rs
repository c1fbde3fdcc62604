//! Both sides restart from what they persisted: sync resumes where it left off, and reconnecting
//! costs what changed: with nothing new, one summary each way whatever the number of documents
//! (docs/design.md §3).

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
    // The handshake and one summary each way, however many documents.
    assert_eq!(traffic.frames, 4, "{traffic:?}");
    assert!(traffic.to_relay + traffic.to_devices < 600, "{traffic:?}");

    // Nothing was lost by not comparing them: edits flow both ways at once.
    edit(&mut hub, d, docs[3], |p| p.location = "札幌".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &docs[3]).location, "札幌");
    let other = device_with(&mut hub, "laptop", &docs[7..8]);
    edit(&mut hub, other, docs[7], |p| p.employer = "任天堂".into());
    hub.run();
    assert_eq!(profile(&hub.devices[d].engine, &docs[7]).employer, "任天堂");
}

fn sync_messages(m: &Message) -> usize {
    usize::from(matches!(m, Message::Sync { .. } | Message::Request { .. }))
}

#[test]
fn a_reconnect_syncs_only_what_changed_on_either_side() {
    let names: Vec<String> = (0..40).map(|i| format!("Alumnus {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut hub, docs) = relay_with(&names);
    let d = device_with(&mut hub, "phone", &docs);
    hub.disconnect(d);
    // While the phone is away, someone edits one profile; the phone edits another offline.
    let other = device_with(&mut hub, "laptop", &docs[5..6]);
    edit(&mut hub, other, docs[5], |p| p.title = "部長".into());
    hub.run();
    edit(&mut hub, d, docs[9], |p| p.title = "課長".into());

    let syncs = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = syncs.clone();
    hub.fault = Some(Box::new(move |m| {
        counter.set(counter.get() + sync_messages(m));
        1
    }));
    hub.connect(d);
    hub.run();
    assert_eq!(profile(&hub.devices[d].engine, &docs[5]).title, "部長");
    assert_eq!(profile(&hub.relay.engine, &docs[9]).title, "課長");
    // A few messages for each of the two documents, none for the other 38.
    assert!(syncs.get() <= 8, "{} sync messages", syncs.get());
}

#[test]
fn summaries_that_differ_fall_back_to_syncing_every_document() {
    let (mut hub, docs) = relay_with(&["A", "B", "C"]);
    let d = device_with(&mut hub, "phone", &docs);
    hub.disconnect(d);
    // The relay lost what it knew of the phone (a restore from an older backup, say).
    hub.relay.store.sync_states.clear();
    hub.relay.restart().unwrap();
    let other = device_with(&mut hub, "laptop", &docs[1..2]);
    edit(&mut hub, other, docs[1], |p| p.location = "那覇".into());
    hub.run();
    hub.connect(d);
    hub.run();
    assert_eq!(profile(&hub.devices[d].engine, &docs[1]).location, "那覇");
    edit(&mut hub, d, docs[2], |p| p.location = "仙台".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &docs[2]).location, "仙台");
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

#[test]
fn a_document_the_member_lost_and_the_phone_dropped_leaves_both_summaries_alike() {
    let (mut hub, docs) = relay_with(&["A", "B", "C", "D"]);
    let d = device_with(&mut hub, "phone", &docs);
    hub.disconnect(d);
    // B is no longer theirs to read: the relay leaves it out, the phone drops it.
    hub.unreadable.insert(docs[1]);
    hub.devices[d].engine.forget(&docs[1]);
    hub.devices[d].store.chunks.remove(&docs[1]);
    hub.devices[d]
        .store
        .sync_states
        .retain(|(_, doc), _| *doc != docs[1]);
    let syncs = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = syncs.clone();
    hub.fault = Some(Box::new(move |m| {
        counter.set(counter.get() + sync_messages(m));
        1
    }));
    hub.connect(d);
    let traffic = hub.run();
    assert_eq!(syncs.get(), 0, "the summaries agreed: {traffic:?}");
    assert_eq!(traffic.frames, 4);
}
