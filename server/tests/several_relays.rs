//! Several relays serving one network over one PostgreSQL database (docs/design.md §12): a change
//! accepted by one reaches the devices of every other; what one relay decides about sockets
//! (a sign-out) holds on all; the last seat is given once whichever relay takes the answers;
//! a relay killed mid-sync loses nothing it acknowledged, its devices carrying on at another;
//! an actor registered through one relay cannot be claimed by someone else through another.
//!
//! Relays share PostgreSQL only (on SQLite a second relay refuses to start: `operating.rs`), so
//! on a SQLite run these scenarios have nothing to run on and return at once.

mod common;

use std::collections::HashMap;

use common::events::{JAN_15_2030, create_event, device_with, going, me};
use common::process::{RelayProcess, edits_then_kill, has_skills};
use common::{Device, TestRelay, another_relay, hanako_online, on_postgres, sign_in};
use futures_util::future::join_all;
use tsunagu_core::engine::Engine;
use tsunagu_core::event::{EventStatus, Rsvps, SeatCount, SeatStatus};
use tsunagu_core::ids::{PeerId, StorageId};
use tsunagu_core::memory::MemoryStore;
use tsunagu_core::wire::Message;

/// Whether `device` holds the profile in `doc` (an empty document reads as an empty profile).
fn named(device: &Device, doc: &tsunagu_core::ids::DocumentId) -> bool {
    device.profile(doc).is_some_and(|p| !p.name.is_empty())
}

fn shares_a_database() -> bool {
    if !on_postgres() {
        eprintln!("relays share a PostgreSQL database only; nothing to run on SQLite");
    }
    on_postgres()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_through_one_relay_reaches_a_phone_on_another_at_once() {
    if !shares_a_database() {
        return;
    }
    let first = TestRelay::start().await;
    let second = another_relay(&first).await;
    let (_, hanako, mut her_phone) = hanako_online(first.addr()).await;
    let doc = hanako.profile_doc;
    let (ken_cookie, _) = sign_in(second.addr(), "ken@example.com").await;
    let mut his_phone = Device::connect(second.addr(), &ken_cookie, &[doc]).await;
    his_phone
        .pump_until("her profile", |d| named(d, &doc))
        .await;

    for n in 1..=3 {
        let title = format!("二台目から見える {n}");
        let written = title.clone();
        her_phone.edit(doc, move |p| p.title = written).await;
        her_phone.wait_acknowledged(&hanako.relay_storage).await;
        his_phone
            .pump_until(&format!("edit {n} through the other relay"), |d| {
                d.profile(&doc).is_some_and(|p| p.title == title)
            })
            .await;
    }

    // And back: his relay stores what he writes, hers passes it on.
    let (_, ken) = sign_in(first.addr(), "ken@example.com").await;
    let his_doc = ken.profile_doc;
    let mut watcher = Device::connect(first.addr(), &ken_cookie, &[his_doc]).await;
    watcher
        .pump_until("his profile", |d| named(d, &his_doc))
        .await;
    let mut his_desk = Device::connect(second.addr(), &ken_cookie, &[his_doc]).await;
    his_desk
        .pump_until("his profile", |d| named(d, &his_doc))
        .await;
    his_desk.edit(his_doc, |p| p.title = "逆向き".into()).await;
    his_desk.wait_acknowledged(&ken.relay_storage).await;
    watcher
        .pump_until("his edit through the other relay", |d| {
            d.profile(&his_doc).is_some_and(|p| p.title == "逆向き")
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_through_one_relay_closes_the_sessions_sockets_on_every_relay() {
    if !shares_a_database() {
        return;
    }
    let first = TestRelay::start().await;
    let second = another_relay(&first).await;
    let (cookie, me, mut phone) = hanako_online(second.addr()).await;
    let response = reqwest::Client::new()
        .delete(first.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the relay answers");
    assert!(response.status().is_success(), "{}", response.status());
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    loop {
        use futures_util::StreamExt;
        let frame = tokio::time::timeout_at(deadline, phone.socket.next())
            .await
            .expect("the other relay closes the socket in time");
        match frame {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(bytes))) => {
                if let Ok(Message::Error { message, .. }) = Message::decode(&bytes) {
                    assert!(message.contains("signed out"), "{message}");
                }
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break,
        }
    }
    // The session is gone on every relay.
    let again = common::open_socket(second.addr(), Some(&cookie)).await;
    assert!(again.is_err(), "a signed-out session opens no socket");
    drop(me);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_registered_through_one_relay_cannot_be_claimed_by_another_member_through_another()
{
    if !shares_a_database() {
        return;
    }
    let first = TestRelay::start().await;
    // Started before Hanako's phone writes: its book of actors has never heard of her phone's.
    let second = another_relay(&first).await;
    let (_, hanako, mut her_phone) = hanako_online(first.addr()).await;
    her_phone
        .edit(hanako.profile_doc, |p| p.title = "本物".into())
        .await;
    her_phone.wait_acknowledged(&hanako.relay_storage).await;
    let her_actor = her_phone
        .engine
        .doc(&hanako.profile_doc)
        .expect("held")
        .get_actor()
        .clone();

    // Ken, on the other relay, writes to his own profile as her phone's actor.
    let (ken_cookie, ken) = sign_in(second.addr(), "ken@example.com").await;
    let storage = StorageId::random();
    let mut engine = Engine::new(PeerId::random(), Some(storage.clone())).with_actor(her_actor);
    engine.want(ken.profile_doc);
    let mut forger = Device::connect_engine(
        second.addr(),
        &ken_cookie,
        engine,
        MemoryStore::default(),
        storage,
    )
    .await;
    forger
        .pump_until("his profile", |d| named(d, &ken.profile_doc))
        .await;
    forger
        .edit(ken.profile_doc, |p| p.title = "なりすまし".into())
        .await;
    let refusal = forger.received.iter().find_map(|m| match m {
        Message::Error { message, .. } => Some(message.clone()),
        _ => None,
    });
    assert!(
        refusal
            .as_deref()
            .is_some_and(|r| r.contains("another member's actor")),
        "{refusal:?}"
    );

    // Nothing of it was kept: a fresh device of his reads his real title.
    let (cookie, _) = sign_in(first.addr(), "ken@example.com").await;
    let mut check = Device::connect(first.addr(), &cookie, &[ken.profile_doc]).await;
    check
        .pump_until("his profile", |d| named(d, &ken.profile_doc))
        .await;
    assert_ne!(
        check.profile(&ken.profile_doc).map(|p| p.title).as_deref(),
        Some("なりすまし")
    );
}

/// 200 members answer "going" at once to an event of 50 seats, through three relays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_answers_through_three_relays_fill_fifty_seats_once_and_queue_the_rest_in_order()
 {
    if !shares_a_database() {
        return;
    }
    const MEMBERS: usize = 200;
    const SEATS: u32 = 50;
    let first = TestRelay::start_configured(|c| c.demo_alumni = MEMBERS).await;
    let relays = [
        &first,
        &another_relay(&first).await,
        &another_relay(&first).await,
    ];
    let (admin_cookie, admin) = sign_in(first.addr(), "admin@example.com").await;
    let event = create_event(&first, &admin_cookie, "大同窓会 2030", JAN_15_2030).await;
    let mut desk = device_with(&first, &admin_cookie, &[event.event]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = SEATS;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    // Each member's phone, on relays in turn, holding their answers and passes.
    let cookies = common::generated_members(&first.dir.path().join("data"), MEMBERS).await;
    let mut phones = Vec::new();
    for (i, cookie) in cookies.iter().enumerate() {
        let relay = relays[i % relays.len()];
        let member = me(relay, cookie).await;
        let (rsvps, passes) = (
            member.rsvps_doc.expect("rsvps"),
            member.passes_doc.expect("passes"),
        );
        let phone = device_with(relay, cookie, &[rsvps, passes]).await;
        phones.push((phone, member.user_id, rsvps, passes));
    }
    // Everyone answers before anyone reads an answer.
    for (phone, _, rsvps, _) in &mut phones {
        let effects = phone
            .engine
            .change(*rsvps, |tx| {
                Rsvps::answer(tx, &event.event.to_string(), true, common::now())
                    .map_err(|e| e.to_string())
            })
            .expect("answered");
        phone.perform(effects).await;
    }
    let e = event.event;
    join_all(phones.iter_mut().map(|(phone, _, _, passes)| {
        let passes = *passes;
        async move {
            phone
                .pump_until("a decision", move |d| {
                    d.seat(&passes, &e).is_some_and(|s| {
                        matches!(
                            s.status(),
                            Some(SeatStatus::Confirmed | SeatStatus::Waiting)
                        )
                    })
                })
                .await;
        }
    }))
    .await;

    // The database's order of arrival decides: the first fifty have seats, the rest wait in turn.
    let db = common::database(&first.dir.path().join("data")).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, status FROM seats WHERE event = $1 ORDER BY seq")
            .bind(e.to_string())
            .fetch_all(&db)
            .await
            .expect("the seats");
    assert_eq!(rows.len(), MEMBERS);
    let expected: HashMap<String, (SeatStatus, u32)> = rows
        .iter()
        .enumerate()
        .map(|(i, (user, status))| {
            let place = u32::try_from(i).expect("small");
            let want = if place < SEATS {
                (SeatStatus::Confirmed, 0)
            } else {
                (SeatStatus::Waiting, place - SEATS + 1)
            };
            assert_eq!(status, want.0.key(), "row {i} of the seats table");
            (user.clone(), want)
        })
        .collect();
    // Every phone shows what was decided for its member.
    for (phone, user, _, passes) in &phones {
        let seat = phone.seat(passes, &e).expect("a seat");
        assert_eq!(
            (seat.status().expect("a status"), seat.position),
            expected[user],
            "{user}'s phone"
        );
    }
    // And a phone on each relay reads the same count in the event.
    for relay in relays {
        let mut reader = device_with(relay, &admin_cookie, &[e]).await;
        reader
            .pump_until("the full count", |d| {
                d.engine.doc(&e).and_then(SeatCount::read)
                    == Some(SeatCount {
                        taken: SEATS,
                        waiting: 150,
                    })
            })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_deleted_through_one_relay_frees_its_seat_and_leaves_the_roster_on_another() {
    if !shares_a_database() {
        return;
    }
    let first = TestRelay::start().await;
    let second = another_relay(&first).await;
    // The event has one seat; Ken has it, through the second relay, and Hanako waits there.
    let (admin_cookie, admin) = sign_in(second.addr(), "admin@example.com").await;
    let event = create_event(&second, &admin_cookie, "アルムナイ交流会", JAN_15_2030).await;
    let roster = event.roster.expect("a roster");
    let e = event.event;
    let mut desk = device_with(&second, &admin_cookie, &[e, roster]).await;
    desk.edit_event(e, |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = 1;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let (mut his_phone, _) = going(
        &second,
        "ken@example.com",
        e,
        common::now(),
        SeatStatus::Confirmed,
    )
    .await;
    let (mut her_phone, hanako) = going(
        &second,
        "hanako@example.com",
        e,
        common::now(),
        SeatStatus::Waiting,
    )
    .await;

    // He deletes his account through the first relay.
    let (ken_cookie, ken) = sign_in(first.addr(), "ken@example.com").await;
    common::delete_account(&first, &ken_cookie).await;

    // On the second relay: his phone is told, her phone gets the seat, the roster loses him.
    assert!(
        common::closes(&mut his_phone.socket).await,
        "his socket closes"
    );
    her_phone
        .wait_for_seat(hanako.passes_doc.expect("passes"), e, SeatStatus::Confirmed)
        .await;
    let gone = ken.user_id.clone();
    desk.pump_until("his name gone from the roster", move |d| {
        let roster = d.roster(&roster);
        !roster.attendees.contains_key(&gone) && roster.attendees.len() == 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_sync_loses_nothing_it_acknowledged_and_its_phones_carry_on_at_another()
{
    if !shares_a_database() {
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (data, dist) = (dir.path().join("data"), dir.path().join("dist"));
    let doomed = RelayProcess::start(&data, &dist).await;
    let survivor = RelayProcess::start(&data, &dist).await;
    let (cookie, me, mut phone) = hanako_online(doomed.addr).await;
    let doc = me.profile_doc;
    let (ken_cookie, _) = sign_in(survivor.addr, "ken@example.com").await;
    let mut watcher = Device::connect(survivor.addr, &ken_cookie, &[doc]).await;

    let (acknowledged, in_flight) = edits_then_kill(&mut phone, &me, doomed).await;
    let everything: Vec<String> = acknowledged.iter().chain(&in_flight).cloned().collect();
    let has = |skills: Vec<String>| move |d: &Device| has_skills(d, &doc, &skills);
    // The other relay's phone already has every acknowledged edit.
    watcher
        .pump_until("every acknowledged edit", has(acknowledged.clone()))
        .await;
    // Her phone reconnects to the relay still running and sends what was in flight.
    let (engine, store, storage) = phone.close().await;
    let mut phone = Device::connect_engine(survivor.addr, &cookie, engine, store, storage).await;
    phone.wait_acknowledged(&me.relay_storage).await;
    watcher
        .pump_until("the edits that were in flight", has(everything.clone()))
        .await;
    // And a new phone fetching it from storage has them all.
    let (cookie, _) = sign_in(survivor.addr, "ken@example.com").await;
    let mut fresh = Device::connect(survivor.addr, &cookie, &[doc]).await;
    fresh
        .pump_until("everything, from storage", has(everything))
        .await;
}
