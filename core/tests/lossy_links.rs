//! Messages lost or duplicated in flight, and connections dropped mid-sync: peers still converge.

mod common;
use common::*;
use tsunagu_core::wire::Message;

#[test]
fn duplicated_messages_are_harmless() {
    let (mut hub, docs) = relay_with(&["山田 花子", "佐藤 健"]);
    // TCP never duplicates a frame, but a client retrying a send can: duplicate every sync message.
    hub.fault = Some(Box::new(|m| {
        if matches!(m, Message::Sync { .. }) {
            2
        } else {
            1
        }
    }));
    let a = device_with(&mut hub, "a", &docs);
    let b = device_with(&mut hub, "b", &docs);
    edit(&mut hub, a, docs[0], |p| p.employer = "Sony".into());
    edit(&mut hub, b, docs[1], |p| p.employer = "Rakuten".into());
    hub.run();
    for i in [a, b] {
        assert_eq!(profile(&hub.devices[i].engine, &docs[0]).employer, "Sony");
        assert_eq!(
            profile(&hub.devices[i].engine, &docs[1]).employer,
            "Rakuten"
        );
    }
}

#[test]
fn a_lost_message_is_recovered_by_reconnecting() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let a = device_with(&mut hub, "a", &docs);
    // Lose every sync message for a while, as a flaky train connection would.
    hub.fault = Some(Box::new(|m| {
        usize::from(!matches!(m, Message::Sync { .. }))
    }));
    edit(&mut hub, a, docs[0], |p| p.employer = "Sony".into());
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &docs[0]).employer, "");
    assert_eq!(hub.devices[a].engine.pending_changes(&hub.relay.storage), 1);
    hub.fault = None;
    hub.disconnect(a);
    hub.connect(a);
    hub.run();
    assert_eq!(profile(&hub.relay.engine, &docs[0]).employer, "Sony");
    assert_eq!(hub.devices[a].engine.pending_changes(&hub.relay.storage), 0);
}

#[test]
fn a_connection_dropped_mid_sync_resumes_and_converges() {
    let names: Vec<String> = (0..20).map(|i| format!("Alumnus {i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (mut hub, docs) = relay_with(&names);
    let d = hub.add_device(tsunagu_core::memory::Node::new("phone"));
    for doc in &docs {
        hub.devices[d].engine.want(*doc);
    }
    // Drop the link after a few frames, several times over.
    let mut seen = 0;
    hub.fault = Some(Box::new(move |_| {
        seen += 1;
        usize::from(seen % 7 != 0)
    }));
    for _ in 0..6 {
        hub.connect(d);
        hub.run();
        hub.disconnect(d);
        hub.devices[d].restart().unwrap();
        // The app asks again for its directory (from the cached `Me`) each time it starts.
        for doc in &docs {
            hub.devices[d].engine.want(*doc);
        }
    }
    hub.fault = None;
    hub.connect(d);
    hub.run();
    for (doc, name) in docs.iter().zip(&names) {
        assert_eq!(profile(&hub.devices[d].engine, doc).name, *name);
    }
}
