//! Events figures (issue #4), in the optimised `bench-release` build:
//!
//! - merging the check-ins of 4 staff phones × 500 scans made offline: each phone records its
//!   scans as separate changes (as the app does, one per admission), then all reconnect to a
//!   relay that checks every change against the grant table, and the time until every phone
//!   holds every scan is measured — with a count that none was lost and that the tickets
//!   admitted at two gates are flagged on every phone;
//! - scan to verdict on a staff phone's logic, natively: signature, event, window, revocation
//!   list and the merged log (the browser figure comes from the check-in end-to-end test);
//! - an iCalendar feed of 500 events in three time zones.

use std::time::Instant;

use std::collections::HashSet;

use anyhow::{Context, Result, ensure};
use automerge::AutoCommit;
use tsunagu_core::checkin::{Admission, CheckinLog, Method, Scan};
use tsunagu_core::grants::EventFacts;
use tsunagu_core::ics::{CalendarEvent, calendar};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::memory::{Authoriser, Hub, Node};
use tsunagu_core::pass::{Gate, PassBody, SigningKey, Ticket};
use tsunagu_core::vocab::{DocKind, EventAudience, Role};

use crate::bench_validation::{ms, per_second};

const PHONES: usize = 4;
const SCANS_PER_PHONE: usize = 500;
/// Tickets that two neighbouring gates both admit while offline.
const ADMITTED_TWICE: usize = 25;

pub(crate) fn all() -> Result<()> {
    println!("\n### Events\n");
    checkin_merge()?;
    scan_to_verdict()?;
    ics_feed()
}

/// Judges scans against a log of 2,000 admissions and a revocation list of 200, as a gate
/// phone does: each scan is a different valid ticket, the last few already admitted.
fn scan_to_verdict() -> Result<()> {
    let key = SigningKey::generate();
    let public = key.verifying_key();
    let mut doc = AutoCommit::new();
    CheckinLog::create(&mut doc)?;
    for n in 0..2_000 {
        let scan = Scan {
            ticket: format!("admitted-{n}"),
            attendee: format!("u-{n}"),
            device: "gate-0".into(),
            ..Scan::default()
        };
        CheckinLog::record(&mut doc, &format!("n-{n}"), &scan)?;
    }
    let log = CheckinLog::read(&doc)?;
    let revoked: HashSet<String> = (0..200).map(|n| format!("revoked-{n}")).collect();
    let tickets: Vec<String> = (0..1_000)
        .map(|n| {
            key.sign(&PassBody::Ticket(Ticket {
                id: format!("t-{n}"),
                event: "event-doc".into(),
                attendee: format!("u-{n}"),
                name: "長谷川 美智子".into(),
                not_before: 0,
                not_after: i64::MAX,
            }))
        })
        .collect::<Result<_, _>>()?;
    let gate = Gate {
        event: "event-doc",
        now: 1_796_000_000,
        revoked: &revoked,
    };
    let started = Instant::now();
    for text in &tickets {
        ensure!(
            matches!(
                log.judge(text, &public, &gate, "gate-1"),
                Admission::Admit(_)
            ),
            "a valid ticket was not admitted"
        );
    }
    let each = started.elapsed() / u32::try_from(tickets.len())?;
    println!(
        "\n| scan to verdict (native, log of 2,000 admissions) | value |\n|---|---:|\n| per ticket: verify signature, event, window, revocations, log | {:.1} µs |",
        each.as_secs_f64() * 1e6
    );
    Ok(())
}

fn ics_feed() -> Result<()> {
    let zones = ["Asia/Tokyo", "America/New_York", "Europe/Berlin"];
    let titles: Vec<String> = (0..500)
        .map(|n| format!("アルムナイ交流会 第{n}回"))
        .collect();
    let uids: Vec<String> = (0..500)
        .map(|n| format!("event-{n}@tsunagu.example"))
        .collect();
    let description = "年に一度の OB・OG 会です。\n現役社員も参加します。".repeat(4);
    let events: Vec<CalendarEvent<'_>> = (0..500)
        .map(|n| {
            let start = 1_796_000_000 + i64::try_from(n).unwrap_or_default() * 86_400;
            CalendarEvent {
                uid: &uids[n],
                title: &titles[n],
                description: &description,
                starts_at: start,
                ends_at: start + 7_200,
                time_zone: zones[n % zones.len()],
                location: Some("東京都千代田区丸の内1-1-1 本社10F"),
                url: Some("https://alumni.example.jp/events/x"),
                sequence: u32::try_from(n % 3).unwrap_or_default(),
                cancelled: n % 50 == 0,
                updated_at: 1_795_000_000,
            }
        })
        .collect();
    let rounds = 20;
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..rounds {
        bytes = calendar("tsunagu", &events, 1_795_500_000)?.len();
    }
    let each = started.elapsed() / rounds;
    println!(
        "\n| iCalendar feed | value |\n|---|---:|\n| 500 events, 3 time zones: generate | {} |\n| size | {} KiB |",
        ms(each),
        bytes / 1024
    );
    Ok(())
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
            proposer: false,
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
        let log = CheckinLog::read(held)?;
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
