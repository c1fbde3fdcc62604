//! Events figures (issue #4), in the optimised `bench-release` build:
//!
//! - merging the check-ins of 4 staff phones × 500 scans made offline: each phone records its
//!   scans as separate changes (as the app does, one per admission), then all reconnect to a
//!   relay that checks every change against the grant table, and the time until every phone
//!   holds every scan is measured — with a count that none was lost and that the tickets
//!   admitted at two gates are flagged on every phone.

use std::time::Instant;

use anyhow::{Context, Result, ensure};
use automerge::AutoCommit;
use tsunagu_core::api::Role;
use tsunagu_core::checkin::{CheckinLog, Method, Scan};
use tsunagu_core::event::EventAudience;
use tsunagu_core::grants::{DocKind, EventFacts};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Authoriser, Hub, Node};

use crate::bench_validation::{ms, per_second};

const PHONES: usize = 4;
const SCANS_PER_PHONE: usize = 500;
/// Tickets that two neighbouring gates both admit while offline.
const ADMITTED_TWICE: usize = 25;

pub(crate) fn all() -> Result<()> {
    println!("\n### Events\n");
    checkin_merge()
}

fn checkin_merge() -> Result<()> {
    let mut relay = Node::new("relay");
    let doc = DocumentId::from_bytes([7; 16]);
    let effects = relay.engine.create(doc, |tx| CheckinLog::create(tx))?;
    relay.store.apply(&effects);
    let mut hub = Hub::new(relay);
    let mut guard = Authoriser::default();
    guard.event_document(
        doc,
        DocKind::EventCheckins,
        EventFacts {
            public: true,
            audience: EventAudience::Everyone,
            invited: false,
            staff: true,
        },
    );
    for phone in 0..PHONES {
        let i = hub.add_device(Node::new(&format!("gate-{phone}")));
        hub.devices[i].engine.want(doc);
        hub.connect(i);
        let conn = hub.relay_conn(i).context("connected")?;
        guard.member(conn, &format!("staff-{phone}"), &[Role::EventStaff]);
    }
    hub.guard = Some(guard);
    hub.run();

    // The venue's basement: every phone goes offline and scans.
    for phone in 0..PHONES {
        hub.disconnect(phone);
        for n in 0..SCANS_PER_PHONE {
            // Phone p's first scans are phone p-1's last ones: 25 tickets admitted twice.
            let ticket = if phone > 0 && n < ADMITTED_TWICE {
                format!("t-{}-{}", phone - 1, SCANS_PER_PHONE - 1 - n)
            } else {
                format!("t-{phone}-{n}")
            };
            let scan = Scan {
                attendee: format!("owner-of-{ticket}"),
                ticket,
                device: format!("gate-{phone}"),
                by: format!("staff-{phone}"),
                at: 1_796_000_000 + i64::try_from(n)?,
                method: Method::Qr.key().into(),
            };
            let nonce = format!("{phone}-{n}");
            let effects = hub.devices[phone].engine.change(doc, |tx| {
                CheckinLog::record(tx, &nonce, &scan).map(|_recorded| ())
            })?;
            hub.from_device(phone, effects);
        }
    }

    let started = Instant::now();
    for phone in 0..PHONES {
        hub.connect(phone);
        let conn = hub.relay_conn(phone).context("connected")?;
        if let Some(guard) = hub.guard.as_mut() {
            guard.member(conn, &format!("staff-{phone}"), &[Role::EventStaff]);
        }
    }
    let traffic = hub.run();
    let merged = started.elapsed();

    let total = PHONES * SCANS_PER_PHONE;
    let duplicates = ADMITTED_TWICE * (PHONES - 1);
    let started = Instant::now();
    let mut flagged = Vec::new();
    for phone in 0..PHONES {
        let held = hub.devices[phone].engine.doc(&doc).context("synced")?;
        let log = CheckinLog::read(&AutoCommit::load(&held.save())?)?;
        ensure!(
            log.scans.len() == total,
            "phone {phone} holds {} of {total} scans",
            log.scans.len()
        );
        flagged.push(log.duplicates().len());
    }
    let judged = started.elapsed() / u32::try_from(PHONES)?;
    ensure!(
        flagged.iter().all(|f| *f == duplicates),
        "duplicates flagged per phone: {flagged:?}, expected {duplicates}"
    );

    println!(
        "| check-ins: {PHONES} phones × {SCANS_PER_PHONE} offline scans | value |\n|---|---:|"
    );
    println!(
        "| reconnect until every phone holds every scan | {} |",
        ms(merged)
    );
    println!("| scans merged / s | {} |", per_second(total, merged));
    println!(
        "| bytes on the wire (to relay / to phones) | {} / {} |",
        traffic.to_relay, traffic.to_devices
    );
    println!("| scans on every phone afterwards | {total} of {total} |");
    println!(
        "| tickets flagged as admitted twice, on every phone | {duplicates} of {duplicates} |"
    );
    println!(
        "| reading the merged log and finding duplicates, per phone | {} |",
        ms(judged)
    );
    Ok(())
}
