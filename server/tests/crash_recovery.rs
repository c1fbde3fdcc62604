//! The relay process is killed (SIGKILL) while edits are in flight and restarted on the same data
//! directory: every change it acknowledged is still there, and a device that reconnects with
//! nothing new exchanges no document data. A live relay is backed up, its database lost and
//! restored from the backup: every phone syncs back what came after, and nothing is lost.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::process::{RelayProcess, edits_then_kill, has_skills};
use common::{Device, hanako_online, sign_in};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::wire::Message;

fn dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (data, dist) = (dir.path().join("data"), dir.path().join("dist"));
    (dir, data, dist)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_change_survives_a_kill_mid_stream() {
    let (_dir, data, dist) = dirs();
    let relay = RelayProcess::start(&data, &dist).await;
    let (cookie, me, mut phone) = hanako_online(relay.addr).await;
    let doc = me.profile_doc;

    let (acknowledged, in_flight) = edits_then_kill(&mut phone, &me, relay).await;

    let relay = RelayProcess::start(&data, &dist).await;
    // The session was committed too: the same cookie still works.
    let mut fresh = Device::connect(relay.addr, &cookie, &[doc]).await;
    fresh
        .pump_until("every acknowledged edit", |d| {
            has_skills(d, &doc, &acknowledged)
        })
        .await;
    assert_eq!(
        fresh.profile(&doc).map(|p| p.name).as_deref(),
        Some("山田 花子")
    );

    // The phone still holds what the relay may have lost, and syncs it back on reconnect.
    let (engine, store, storage) = phone.close().await;
    let mut phone = Device::connect_engine(relay.addr, &cookie, engine, store, storage).await;
    phone.wait_acknowledged(&me.relay_storage).await;
    let everything: Vec<String> = acknowledged.iter().chain(&in_flight).cloned().collect();
    fresh
        .pump_until("the edits that were in flight", |d| {
            has_skills(d, &doc, &everything)
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_with_no_changes_resends_no_document_data() {
    let (_dir, data, dist) = dirs();
    let relay = RelayProcess::start(&data, &dist).await;
    let (cookie, me) = sign_in(relay.addr, "ken@example.com").await;
    let (mine, hers) = (
        me.profile_doc,
        me.directory.iter().copied().find(|d| *d != me.profile_doc),
    );
    let docs = [mine, hers.expect("another profile")];
    let mut phone = Device::connect(relay.addr, &cookie, &docs).await;
    phone
        .pump_until("both profiles", |d| {
            docs.iter()
                .all(|doc| d.profile(doc).is_some_and(|p| !p.name.is_empty()))
        })
        .await;
    // A history worth summarising (a Bloom filter costs ~1.25 B per change), then acknowledged:
    // the relay has stored what this device holds, and the device knows it.
    for i in 0..60 {
        phone
            .edit(mine, move |p| p.location = format!("京都府京都市 {i}"))
            .await;
    }
    phone.wait_acknowledged(&me.relay_storage).await;
    let (_, store, storage) = phone.close().await;
    relay.stop();

    let relay = RelayProcess::start(&data, &dist).await;
    let mut engine = store
        .boot("phone", &storage)
        .expect("the device's store boots");
    // Asked for after the real documents, so its answer marks the end of the relay's replies to them.
    let marker = DocumentId::random();
    engine.want(marker);
    let mut phone = Device::connect_engine(relay.addr, &cookie, engine, store, storage).await;
    phone
        .pump_until("the marker's answer", |d| {
            d.received
                .iter()
                .any(|m| matches!(m, Message::DocUnavailable { doc, .. } if *doc == marker))
        })
        .await;
    // The two documents are as both left them: one summary each way says so, and neither is
    // compared on its own.
    assert!(
        phone
            .received
            .iter()
            .any(|m| matches!(m, Message::Summary { .. }))
    );
    assert!(
        !phone.received.iter().any(
            |m| matches!(m, Message::Sync { doc, .. } | Message::Request { doc, .. } if docs.contains(doc))
        ),
        "the relay compared an unchanged document"
    );
    for message in &phone.received {
        if let Message::Sync { doc, data, .. } | Message::Request { doc, data, .. } = message {
            let sync = automerge::sync::Message::decode(data).expect("a sync message");
            assert!(
                sync.changes.is_empty(),
                "the relay re-sent changes of {doc}"
            );
            assert!(
                data.len() < 200,
                "a {}-byte sync message for an unchanged document",
                data.len()
            );
        }
    }
    assert_eq!(
        phone.profile(&mine).map(|p| p.location).as_deref(),
        Some("京都府京都市 59")
    );
}

/// Runs `tsunagu-server --data DATA <args>` to its end: whether it succeeded, and what it printed.
fn run_command(data: &Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tsunagu-server"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("the relay binary runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_live_backup_restored_after_the_database_is_lost_loses_nothing_a_phone_holds() {
    let (dir, data, dist) = dirs();
    let backup = dir.path().join("backup.sqlite3");
    let relay = RelayProcess::start(&data, &dist).await;
    let (cookie, me, mut phone) = hanako_online(relay.addr).await;
    let doc = me.profile_doc;
    phone
        .edit(doc, |p| p.skills.push("before the backup".into()))
        .await;
    phone.wait_acknowledged(&me.relay_storage).await;

    // Backed up while the relay runs and her phone keeps editing.
    let (ok, said) = run_command(&data, &["backup".as_ref(), backup.as_os_str()]);
    assert!(ok, "{said}");
    assert!(said.contains("Backed up"), "{said}");
    let (again, said) = run_command(&data, &["backup".as_ref(), backup.as_os_str()]);
    assert!(!again && said.contains("never overwrites"), "{said}");
    phone
        .edit(doc, |p| p.skills.push("after the backup".into()))
        .await;
    phone.wait_acknowledged(&me.relay_storage).await;
    relay.kill();

    // The disk is lost. A file that is not a backup is refused and changes nothing.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, "not a database").expect("as the test set it up");
    let (refused, said) = run_command(&data, &["restore".as_ref(), junk.as_os_str()]);
    assert!(!refused, "{said}");
    std::fs::remove_dir_all(&data).expect("as the test set it up");
    let (ok, said) = run_command(&data, &["restore".as_ref(), backup.as_os_str()]);
    assert!(ok, "{said}");
    let relay = RelayProcess::start(&data, &dist).await;

    // Her session is in the backup; her phone brings back what came after it.
    let (engine, store, storage) = phone.close().await;
    let mut phone = Device::connect_engine(relay.addr, &cookie, engine, store, storage).await;
    phone
        .edit(doc, |p| p.skills.push("after the restore".into()))
        .await;
    let (ken_cookie, _) = sign_in(relay.addr, "ken@example.com").await;
    let mut his = Device::connect(relay.addr, &ken_cookie, &[doc]).await;
    let everything = [
        "before the backup".to_owned(),
        "after the backup".to_owned(),
        "after the restore".to_owned(),
    ];
    his.pump_until("every skill she added", |d| {
        has_skills(d, &doc, &everything)
    })
    .await;
}
