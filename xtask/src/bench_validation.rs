//! The relay's cost of authorising writes (issue #3): how many changes per second the validator
//! checks, and how many edits per second a relay syncs with the check on and off, in one run.
//!
//! Timing needs optimised code, and `cargo xtask` runs a debug build: `cargo xtask bench`
//! therefore runs this part in a `release-server` build of xtask (`bench-release`).

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use automerge::ActorId;
use automerge::transaction::Transactable;
use tsunagu_core::engine::Guard;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Authoriser, Hub, Node};
use tsunagu_core::profile::Profile;
use tsunagu_core::vocab::{DocKind, Role};

use crate::{cargo, run};

/// Runs the timed measurements (this module's and [`crate::bench_events`]) in an optimised
/// build.
pub(crate) fn in_release() -> Result<()> {
    run(cargo().args([
        "run",
        "--quiet",
        "--profile",
        "release-server",
        "-p",
        "xtask",
        "--",
        "bench-release",
    ]))
}

const OWNER: &str = "u-owner";

pub(crate) fn all() -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("(bench-validation in a debug build: figures are not representative)");
    }
    println!("\n### Write authorisation on the relay\n");
    validated_per_second()?;
    sync_with_and_without()?;
    Ok(())
}

/// A relay holding the owner's full profile, with the owner's device connected and synced.
fn relay_and_owner(guarded: bool) -> Result<(Hub, DocumentId)> {
    let mut relay = Node::new("relay");
    let doc = DocumentId::from_bytes([9; 16]);
    let mut profile = tsunagu_core::memory::sample_profile(0);
    profile.owner = OWNER.into();
    let effects = relay.engine.create(doc, |tx| profile.write_to(tx))?;
    relay.store.apply(&effects);
    let mut hub = Hub::new(relay);
    let device = hub.add_device(Node::new("owner"));
    hub.devices[device].engine.want(doc);
    hub.connect(device);
    if guarded {
        let mut guard = Authoriser::default();
        let conn = hub.relay_conn(device).context("connected")?;
        guard.member(conn, OWNER, &[Role::Alumni]);
        guard.document(doc, DocKind::Profile, Some(OWNER));
        hub.guard = Some(guard);
    }
    hub.run();
    Ok((hub, doc))
}

/// Checks each of many one-field edits, as the relay does when they arrive one per message.
fn validated_per_second() -> Result<()> {
    let (hub, doc) = relay_and_owner(false)?;
    let base = hub.relay.engine.doc(&doc).context("doc")?.clone();
    let mut device = base.fork();
    device.set_actor(ActorId::from(&[3u8; 16][..]));
    let mut changes = Vec::new();
    for i in 0..5_000 {
        let before = device.get_heads();
        let mut tx = device.transaction();
        tx.put(automerge::ROOT, "title", format!("役職 {i}"))?;
        tx.commit();
        changes.extend(device.get_changes(&before));
    }
    let mut at_relay = base.clone();
    at_relay.apply_changes(changes.clone())?;
    let mut guard = Authoriser::default();
    guard.member(1, OWNER, &[Role::Alumni]);
    guard.document(doc, DocKind::Profile, Some(OWNER));
    let started = Instant::now();
    for change in &changes {
        guard
            .check(
                1,
                doc,
                &at_relay,
                change.deps(),
                std::slice::from_ref(change),
            )
            .map_err(anyhow::Error::msg)?;
    }
    let one_field = started.elapsed();

    // A whole profile written in one change: every field, list items and nested maps (on top of
    // what the relay wrote when it created the document: the owner and HR's years).
    let mut full = tsunagu_core::memory::sample_profile(1);
    full.owner = OWNER.into();
    let mut created = automerge::Automerge::new();
    let mut tx = created.transaction();
    Profile {
        owner: full.owner.clone(),
        joined: full.joined.clone(),
        left: full.left.clone(),
        ..Profile::default()
    }
    .write_to(&mut tx)?;
    tx.commit();
    let mut blank = created.fork();
    blank.set_actor(ActorId::from(&[4u8; 16][..]));
    let mut tx = blank.transaction();
    full.write_to(&mut tx)?;
    tx.commit();
    let whole = blank.get_changes(&created.get_heads());
    let ops: usize = whole.iter().map(automerge::Change::len).sum();
    let mut guard = Authoriser::default();
    guard.member(1, OWNER, &[Role::Alumni]);
    guard.document(doc, DocKind::Profile, Some(OWNER));
    let rounds = 2_000;
    let created_heads = created.get_heads();
    let started = Instant::now();
    for _ in 0..rounds {
        guard
            .check(1, doc, &blank, &created_heads, &whole)
            .map_err(anyhow::Error::msg)?;
    }
    let whole_profile = started.elapsed();

    println!(
        "| check | changes | time | changes validated / s | operations / s |\n|---|---:|---:|---:|---:|"
    );
    println!(
        "| one-field edit (`title`) | {} | {} | {} | {} |",
        changes.len(),
        ms(one_field),
        per_second(changes.len(), one_field),
        per_second(changes.len(), one_field),
    );
    println!(
        "| whole profile in one change ({ops} operations) | {rounds} | {} | {} | {} |",
        ms(whole_profile),
        per_second(rounds, whole_profile),
        per_second(rounds * ops, whole_profile),
    );
    Ok(())
}

/// The same stream of edits, each synced to the relay and acknowledged, with and without the
/// relay's write check; best of three runs each.
fn sync_with_and_without() -> Result<()> {
    const EDITS: usize = 1_000;
    let mut best = [Duration::MAX; 2];
    for _ in 0..3 {
        for (i, guarded) in [false, true].into_iter().enumerate() {
            let (mut hub, doc) = relay_and_owner(guarded)?;
            let started = Instant::now();
            for n in 0..EDITS {
                let device = &mut hub.devices[0].engine;
                let mut profile = Profile::read(device.doc(&doc).context("doc")?)?;
                profile.title = format!("役職 {n}");
                let effects = device.change(doc, |tx| profile.write_to(tx))?;
                hub.from_device(0, effects);
                hub.run();
            }
            best[i] = best[i].min(started.elapsed());
            let relay_title = Profile::read(hub.relay.engine.doc(&doc).context("doc")?)?.title;
            anyhow::ensure!(
                relay_title == format!("役職 {}", EDITS - 1),
                "edits arrived"
            );
        }
    }
    let [off, on] = best;
    println!(
        "\n| relay | edits synced and acknowledged | time | edits / s |\n|---|---:|---:|---:|"
    );
    println!(
        "| write check off | {EDITS} | {} | {} |",
        ms(off),
        per_second(EDITS, off)
    );
    println!(
        "| write check on | {EDITS} | {} | {} |",
        ms(on),
        per_second(EDITS, on)
    );
    println!(
        "\nOverhead of the write check on sync throughput: {:+.1} %",
        (on.as_secs_f64() / off.as_secs_f64() - 1.0) * 100.0
    );
    Ok(())
}

pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

pub(crate) fn per_second(n: usize, d: Duration) -> String {
    format!("{:.0}", n as f64 / d.as_secs_f64())
}
