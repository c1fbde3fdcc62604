//! Two and three peers: a device fetches profiles from the relay, and edits reach everyone.

mod common;
use common::*;

#[test]
fn a_fresh_device_receives_every_profile_it_wants() {
    let (mut hub, docs) = relay_with(&["山田 花子", "佐藤 健", "Emily Clarke"]);
    let d = device_with(&mut hub, "phone", &docs);
    let names: Vec<String> = docs
        .iter()
        .map(|doc| profile(&hub.devices[d].engine, doc).name)
        .collect();
    assert_eq!(names, ["山田 花子", "佐藤 健", "Emily Clarke"]);
    // What the device persisted is enough to start again with no network.
    hub.disconnect(d);
    hub.devices[d].restart().unwrap();
    assert_eq!(profile(&hub.devices[d].engine, &docs[1]).name, "佐藤 健");
}

#[test]
fn an_edit_on_one_device_reaches_the_relay_and_another_device() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let a = device_with(&mut hub, "hanako-phone", &docs);
    let b = device_with(&mut hub, "ken-laptop", &docs);
    edit(&mut hub, a, docs[0], |p| {
        p.employer = "株式会社メルカリ".into()
    });
    hub.run();
    assert_eq!(
        profile(&hub.relay.engine, &docs[0]).employer,
        "株式会社メルカリ"
    );
    assert_eq!(
        profile(&hub.devices[b].engine, &docs[0]).employer,
        "株式会社メルカリ"
    );
    assert_eq!(hub.devices[a].engine.pending_changes(&hub.relay.storage), 0);
}

#[test]
fn three_peers_with_concurrent_offline_edits_converge() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let a = device_with(&mut hub, "a", &docs);
    let b = device_with(&mut hub, "b", &docs);
    let c = device_with(&mut hub, "c", &docs);
    for i in [a, b, c] {
        hub.disconnect(i);
    }
    edit(&mut hub, a, docs[0], |p| p.employer = "Sony".into());
    edit(&mut hub, b, docs[0], |p| p.location = "大阪".into());
    edit(&mut hub, c, docs[0], |p| p.skills.push("Rust".into()));
    edit(&mut hub, c, docs[0], |p| p.title = "CTO".into());
    assert_eq!(hub.devices[c].engine.pending_changes(&hub.relay.storage), 2);
    for i in [c, a, b] {
        hub.connect(i);
        hub.run();
    }
    // The first to reconnect only learns the others' edits once they arrive; one more round.
    for i in [a, b, c] {
        hub.disconnect(i);
        hub.connect(i);
        hub.run();
    }
    let expected = heads(&hub.relay.engine, &docs[0]);
    for i in [a, b, c] {
        assert_eq!(heads(&hub.devices[i].engine, &docs[0]), expected);
        let p = profile(&hub.devices[i].engine, &docs[0]);
        assert_eq!(
            (p.employer.as_str(), p.location.as_str(), p.title.as_str()),
            ("Sony", "大阪", "CTO")
        );
        assert_eq!(p.skills, ["Rust"]);
        assert_eq!(hub.devices[i].engine.pending_changes(&hub.relay.storage), 0);
    }
}

#[test]
fn connected_devices_get_edits_pushed_without_asking() {
    let (mut hub, docs) = relay_with(&["山田 花子"]);
    let a = device_with(&mut hub, "a", &docs);
    let b = device_with(&mut hub, "b", &docs);
    for n in 0..5 {
        edit(&mut hub, a, docs[0], |p| p.bio = format!("edit {n}"));
        hub.run();
        assert_eq!(
            profile(&hub.devices[b].engine, &docs[0]).bio,
            format!("edit {n}")
        );
    }
}
