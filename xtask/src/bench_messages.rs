//! Messages (issue 11): bytes on the wire for one text message, delivery to a 500-member group,
//! and a phone's reconnect after a day offline — between the real sync engines of devices and a
//! relay (in memory, sans IO), with the relay's real write check on every change.
//!
//! Timing needs optimised code: this runs in the `release-server` build (`bench-release`).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tsunagu_core::conversation::{Draft, MessagePage};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Authoriser, Hub, Node, Traffic};
use tsunagu_core::vocab::{DocKind, Role};

/// The message of the one-message measurement.
const TEXT: &str = "来週の同期会、行きますか？";

pub(crate) fn all() -> Result<()> {
    println!("\n### Messages\n");
    one_message()?;
    group_delivery(500, 20)?;
    reconnect_after_a_day(50, 20)?;
    Ok(())
}

fn member(i: usize) -> String {
    format!("u-{i:04}")
}

/// A relay holding one page of a conversation of `members`, `history` messages on it, and a
/// device per member holding it, connected and synced, with the relay's write check on.
fn group(members: usize, history: usize, pages: usize) -> Result<(Hub, Vec<DocumentId>)> {
    let ids: Vec<String> = (0..members).map(member).collect();
    let names: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut relay = Node::new("relay");
    let mut docs = Vec::new();
    for p in 0..pages {
        let doc = DocumentId::from_bytes((p as u128 + 1).to_be_bytes());
        let effects = relay.engine.create(doc, |tx| {
            MessagePage::create(tx, &names)?;
            for n in 0..history {
                let author = names[n % names.len()];
                let draft = Draft::text(
                    &format!("以前のメッセージ {n}"),
                    1_700_000_000_000 + n as i64,
                );
                MessagePage::write(tx, author, &format!("h{n}"), &draft)?;
            }
            Ok::<_, tsunagu_core::event::DocError>(())
        })?;
        relay.store.apply(&effects);
        docs.push(doc);
    }
    let mut hub = Hub::new(relay);
    let mut guard = Authoriser::default();
    for doc in &docs {
        guard.conversation_document(*doc, DocKind::MessagePage, &names);
    }
    for (i, id) in ids.iter().enumerate() {
        let device = hub.add_device(Node::new(id));
        debug_assert_eq!(device, i);
        for doc in &docs {
            hub.devices[device].engine.want(*doc);
        }
        hub.connect(device);
        let conn = hub.relay_conn(device).context("connected")?;
        guard.member(conn, id, &[Role::Alumni]);
    }
    hub.guard = Some(guard);
    hub.run();
    Ok((hub, docs))
}

/// Device `i` writes message `id` on `page`.
fn write(hub: &mut Hub, i: usize, page: DocumentId, id: &str, text: &str) -> Result<()> {
    let author = member(i);
    let draft = Draft::text(text, 1_800_000_000_000);
    let effects = hub.devices[i].engine.change(page, |tx| {
        MessagePage::write(tx, &author, id, &draft).map(|_| ())
    })?;
    hub.from_device(i, effects);
    Ok(())
}

/// Bytes for one text message: from its writer to the relay, and from the relay to each reader
/// (the difference between a conversation of two and of three), against the goal of twice the
/// text plus 200 B.
fn one_message() -> Result<()> {
    let mut sent = Vec::new();
    for members in [2, 3] {
        let (mut hub, docs) = group(members, 0, 1)?;
        write(&mut hub, 0, docs[0], "m1", TEXT)?;
        sent.push(hub.run());
    }
    // What one more reader adds, each way, is what each reader costs.
    let (two, three) = (sent[0], sent[1]);
    let to_reader = three.to_devices - two.to_devices;
    let from_reader = three.to_relay - two.to_relay;
    let goal = 2 * TEXT.len() + 200;
    println!(
        "| one text message ({} B of UTF-8) | bytes |\n|---|---:|",
        TEXT.len()
    );
    println!("| writer → relay | {} B |", two.to_relay - from_reader);
    println!(
        "| relay → writer (acknowledgement) | {} B |",
        two.to_devices - to_reader
    );
    println!("| relay → each reader | {to_reader} B |");
    println!("| each reader → relay (acknowledgement) | {from_reader} B |");
    println!("| goal per hop (2 × text + 200 B) | {goal} B |");
    Ok(())
}

/// `messages` messages, each from another member, to a group of `members`: the time from the
/// change to every member's device holding it (all devices and the relay in one process on one
/// core, so the time includes every phone's work), and the relay's own CPU per message.
fn group_delivery(members: usize, messages: usize) -> Result<()> {
    let started = Instant::now();
    let (mut hub, docs) = group(members, 0, 1)?;
    let setup = started.elapsed();
    let mut delivered = Vec::new();
    let mut relay = Vec::new();
    let mut bytes = Traffic::default();
    for n in 0..messages {
        let busy = hub.relay_busy;
        let started = Instant::now();
        write(
            &mut hub,
            (n * 37) % members,
            docs[0],
            &format!("g{n}"),
            TEXT,
        )?;
        let t = hub.run();
        delivered.push(started.elapsed());
        relay.push(hub.relay_busy - busy);
        bytes.to_relay += t.to_relay;
        bytes.to_devices += t.to_devices;
    }
    let held = hub
        .devices
        .iter()
        .filter(|d| {
            d.engine
                .doc(&docs[0])
                .and_then(|doc| MessagePage::read(doc).ok())
                .is_some_and(|m| m.len() == messages)
        })
        .count();
    anyhow::ensure!(
        held == members,
        "only {held} of {members} devices hold every message"
    );
    delivered.sort();
    relay.sort();
    let pct = |v: &[Duration], p: usize| v[(v.len() * p / 100).min(v.len() - 1)];
    println!("\n| a {members}-member group, {messages} messages | p50 | p99 |\n|---|---:|---:|");
    println!(
        "| send → every device holds it (relay + {members} devices on one core) | {:.1} ms | {:.1} ms |",
        ms(pct(&delivered, 50)),
        ms(pct(&delivered, 99))
    );
    println!(
        "| relay CPU per message (write check + sync to {members}) | {:.2} ms | {:.2} ms |",
        ms(pct(&relay, 50)),
        ms(pct(&relay, 99))
    );
    println!(
        "| bytes per message: to the relay / from it to all | {} B | {} B |",
        bytes.to_relay / messages,
        bytes.to_devices / messages
    );
    println!(
        "\n(setting up {members} synced devices took {:.1} s)",
        setup.as_secs_f64()
    );
    Ok(())
}

/// A phone in `conversations` conversations (their pages holding 50 messages each) goes offline
/// for a day; `new` messages arrive meanwhile in as many conversations; relay and phone restart
/// from storage; the phone reconnects. Bytes exchanged, against the new messages' own size.
fn reconnect_after_a_day(conversations: usize, new: usize) -> Result<()> {
    let (mut hub, docs) = group(2, 50, conversations)?;
    let phone = 1;
    hub.disconnect(phone);
    let mut text = 0;
    for n in 0..new {
        let body = format!("{TEXT} ({n})");
        text += body.len();
        write(&mut hub, 0, docs[n % docs.len()], &format!("d{n}"), &body)?;
    }
    hub.run();
    // A day later both have restarted: the relay (its connections gone) and the phone.
    hub.disconnect(0);
    hub.relay.restart()?;
    hub.devices[phone].restart()?;
    for doc in &docs {
        hub.devices[phone].engine.want(*doc);
    }
    hub.connect(phone);
    // The relay's connection changed: the guard knows it by its new id.
    let conn = hub.relay_conn(phone).context("connected")?;
    if let Some(guard) = hub.guard.as_mut() {
        guard.member(conn, &member(phone), &[Role::Alumni]);
    }
    let t = hub.run();
    let arrived = docs
        .iter()
        .filter_map(|doc| hub.devices[phone].engine.doc(doc))
        .filter_map(|doc| MessagePage::read(doc).ok())
        .map(|m| m.iter().filter(|m| m.id.starts_with('d')).count())
        .sum::<usize>();
    anyhow::ensure!(
        arrived == new,
        "{arrived} of {new} new messages reached the phone"
    );
    let total = t.to_relay + t.to_devices;
    println!(
        "\n| reconnect after a day: {conversations} conversations, {new} new messages | bytes |\n|---|---:|"
    );
    println!("| the new messages' text | {text} B |");
    println!("| phone → relay | {} B |", t.to_relay);
    println!("| relay → phone | {} B |", t.to_devices);
    println!(
        "| exchanged in all | {total} B ({:.1} × the text, {} frames) |",
        total as f64 / text as f64,
        t.frames
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
