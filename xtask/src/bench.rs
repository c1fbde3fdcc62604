//! `cargo xtask bench`: the figures issue #2 asks for, printed as Markdown tables.
//!
//! - sizes of the app shell (wasm, js, css) raw / gzip / brotli, from the release `dist/`;
//! - bytes on the wire (encoded protocol frames, both directions) between the real sync engines
//!   of a device and a relay, with storage round-tripped through what the engines persist, for:
//!   a fresh device's first sync of the seeded directory and of 2,000 profiles, one field edit,
//!   and reconnecting with no changes to 1,000 documents;
//! - the relay's write check: changes validated per second, and sync throughput with the check
//!   on and off ([`crate::bench_validation`]);
//! - events: check-ins of 4 phones × 500 offline scans merged, scan to verdict natively, and an
//!   iCalendar feed of 500 events ([`crate::bench_events`]); and scan to verdict in headless
//!   Chromium, camera frame to verdict on screen (`tests/bench/scan_to_verdict.mjs`);
//! - the first screen on a throttled phone: bytes of app code fetched before the sign-in form and
//!   the time to it, and a reload to the directory from the service worker, in headless Chromium
//!   with slow-4G network emulation (`tests/bench/first_screen.mjs`);
//! - a conversation of 10,000 messages opened on a phone from device storage after a reload, and
//!   its memory (`tests/bench/conversation_open.mjs`); bytes and delivery of messages natively
//!   ([`crate::bench_messages`]);
//! - news: a segment's live count over 10,000 alumni, first and cached
//!   (`tests/bench/news_segment.mjs`);
//! - a sign-in flood: wrong passwords per second the relay absorbs from many addresses while 50
//!   members keep syncing, and their sync latency before and during it
//!   (`server/examples/sign_in_flood.rs`).

use std::io::Write;

use anyhow::{Context, Result};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Hub, Node, Traffic, sample_profile};
use tsunagu_core::profile::Profile;

use crate::dist::{self, Profile as BuildProfile};
use crate::setup;

pub(crate) fn all(wire_only: bool) -> Result<()> {
    if !wire_only {
        setup::build_tools()?;
        dist::build(BuildProfile::Release)?;
        sizes()?;
    }
    wire()?;
    crate::bench_validation::in_release()?;
    if !wire_only {
        in_browser("tests/bench/scan_to_verdict.mjs")?;
        in_browser("tests/bench/first_screen.mjs")?;
        in_browser("tests/bench/conversation_open.mjs")?;
        in_browser("tests/bench/news_feed.mjs")?;
        news_segment()?;
        sign_in_flood()?;
    }
    Ok(())
}

/// The relay under a flood of wrong passwords, in the same optimised build as the relay ships.
fn sign_in_flood() -> Result<()> {
    crate::run(crate::cargo().args([
        "run",
        "--quiet",
        "--profile",
        "release-server",
        "-p",
        "tsunagu-server",
        "--example",
        "sign_in_flood",
    ]))
}

/// A news segment's live count over 10,000 alumni (`tests/bench/news_segment.mjs`), on the relay
/// as it ships.
fn news_segment() -> Result<()> {
    setup::test_node_modules()?;
    let relay = dist::build_relay(BuildProfile::Release)?;
    crate::run(
        std::process::Command::new("node")
            .arg(crate::root().join("tests/bench/news_segment.mjs"))
            .env("TSUNAGU_RELAY_BIN", &relay)
            .env("TSUNAGU_DIST", dist::dist_dir()),
    )
}

/// A bench script driving headless Chromium against a real relay serving the release `dist/`.
fn in_browser(script: &str) -> Result<()> {
    setup::chromium()?;
    setup::test_node_modules()?;
    let relay = dist::build_relay(BuildProfile::Debug)?;
    crate::run(
        std::process::Command::new("node")
            .arg(crate::root().join(script))
            .env("TSUNAGU_RELAY_BIN", &relay)
            .env("TSUNAGU_DIST", dist::dist_dir()),
    )
}

fn sizes() -> Result<()> {
    println!("\n### App shell sizes (release, after wasm-opt -Oz)\n");
    println!("| file | raw | gzip -9 | brotli -q 11 |\n|---|---:|---:|---:|");
    let mut files: Vec<_> = std::fs::read_dir(dist::dist_dir())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let mut total = [0; 3];
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let kind = ["wasm", "js", "css"]
            .into_iter()
            .find(|ext| name.ends_with(&format!(".{ext}")));
        if kind.is_none() || name == "sw.js" {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes)?;
        let gz = gz.finish()?.len();
        let mut br = Vec::new();
        brotli::BrotliCompress(
            &mut bytes.as_slice(),
            &mut br,
            &brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            },
        )
        .context("brotli")?;
        println!(
            "| {name} | {} | {} | {} |",
            kib(bytes.len()),
            kib(gz),
            kib(br.len())
        );
        for (sum, n) in total.iter_mut().zip([bytes.len(), gz, br.len()]) {
            *sum += n;
        }
    }
    let [raw, gz, br] = total.map(kib);
    println!("| the whole app | {raw} | {gz} | {br} |");
    Ok(())
}

fn kib(n: usize) -> String {
    format!("{:.1} KiB", n as f64 / 1024.0)
}

fn wire() -> Result<()> {
    println!("\n### Bytes on the wire (automerge-repo protocol frames, both directions)\n");
    println!(
        "| scenario | documents | device → relay | relay → device | frames |\n|---|---:|---:|---:|---:|"
    );
    for n in [60, 2000] {
        let (mut hub, docs) = directory(n)?;
        row(
            &format!("first sync of a {n}-profile directory"),
            n,
            hub.run(),
        );
        if n == 60 {
            let device = &mut hub.devices[0].engine;
            let mut profile = Profile::read(device.doc(&docs[0]).context("doc")?)?;
            profile.employer = "株式会社メルカリ".into();
            let effects = device.change(docs[0], |tx| profile.write_to(tx))?;
            hub.from_device(0, effects);
            row(
                "one field edit (employer) on a live connection",
                1,
                hub.run(),
            );
        }
    }
    let (mut hub, docs) = directory(1000)?;
    hub.run();
    hub.disconnect(0);
    hub.relay.restart()?;
    hub.devices[0].restart()?;
    hub.connect(0);
    row(
        "reconnect with no changes (both sides restarted from storage)",
        1000,
        hub.run(),
    );
    // Away for a while, ten colleagues update their profiles.
    hub.disconnect(0);
    for doc in docs.iter().step_by(100) {
        let relay = &mut hub.relay.engine;
        let mut profile = Profile::read(relay.doc(doc).context("doc")?)?;
        profile.title = "部長".into();
        let effects = relay.change(*doc, |tx| profile.write_to(tx))?;
        hub.relay.store.apply(&effects);
    }
    hub.connect(0);
    row(
        "reconnect after 10 of the profiles changed elsewhere",
        1000,
        hub.run(),
    );
    news_delivery(5000)
}

/// One post of news (a title and ~800 characters of Japanese Markdown) delivered to a segment
/// of `members`, each with the app open: the relay's "news changed" message on the
/// organisation's document, then each phone's first sync of the post and its responses. (Each
/// phone also asks `GET /api/news` and `GET /api/me` over HTTP, not counted here.)
fn news_delivery(members: usize) -> Result<()> {
    use tsunagu_core::news::{NewsPost, PostStatus, Responses, news_changed};
    let mut relay = Node::new("relay");
    let org = DocumentId::from_bytes(1u128.to_be_bytes());
    let post = DocumentId::from_bytes(2u128.to_be_bytes());
    let responses = DocumentId::from_bytes(3u128.to_be_bytes());
    let effects = relay.engine.create(org, |tx| {
        use automerge::transaction::Transactable;
        tx.put(automerge::ROOT, "name", "株式会社つなぐ").map(drop)
    })?;
    relay.store.apply(&effects);
    let news = NewsPost {
        body: "## 出戻り採用の説明会を開きます\n\n".to_owned()
            + &"営業企画と人事で、アルムナイの皆さんの出戻り採用を始めました。".repeat(24),
        status: PostStatus::Published.key().into(),
        ..NewsPost::draft("アルムナイ採用を再開します")
    };
    let effects = relay.engine.create(post, |tx| news.write_to(tx))?;
    relay.store.apply(&effects);
    let effects = relay.engine.create(responses, |tx| Responses::create(tx))?;
    relay.store.apply(&effects);
    let mut hub = Hub::new(relay);
    for i in 0..members {
        let phone = hub.add_device(Node::new(&format!("phone-{i}")));
        hub.devices[phone].engine.want(org);
        hub.connect(phone);
    }
    hub.run();
    let effects = hub.relay.engine.broadcast(org, news_changed());
    hub.from_relay(effects);
    let told = hub.run();
    for phone in 0..members {
        let mut effects = hub.devices[phone].engine.want(post);
        effects.extend(hub.devices[phone].engine.want(responses));
        hub.from_device(phone, effects);
    }
    let synced = hub.run();
    println!(
        "\n### One post of news to {members} members with the app open\n\n\
         | step | device → relay | relay → device | frames | per member |\n|---|---:|---:|---:|---:|"
    );
    for (step, t) in [
        ("\"news changed\" on the organisation's document", told),
        ("first sync of the post and its responses", synced),
    ] {
        println!(
            "| {step} | {} B | {} B | {} | {} B |",
            t.to_relay,
            t.to_devices,
            t.frames,
            (t.to_relay + t.to_devices) / members
        );
    }
    Ok(())
}

fn row(name: &str, docs: usize, t: Traffic) {
    println!(
        "| {name} | {docs} | {} B | {} B | {} |",
        t.to_relay, t.to_devices, t.frames
    );
}

/// A relay holding `n` profiles and a fresh device that wants them all, connected.
fn directory(n: usize) -> Result<(Hub, Vec<DocumentId>)> {
    let mut relay = Node::new("relay");
    let mut docs = Vec::new();
    for i in 0..n {
        let doc = DocumentId::from_bytes((i as u128 + 1).to_be_bytes());
        let effects = relay
            .engine
            .create(doc, |tx| sample_profile(i).write_to(tx))?;
        relay.store.apply(&effects);
        docs.push(doc);
    }
    let mut hub = Hub::new(relay);
    let device = hub.add_device(Node::new("device"));
    for doc in &docs {
        hub.devices[device].engine.want(*doc);
    }
    hub.connect(device);
    Ok((hub, docs))
}
