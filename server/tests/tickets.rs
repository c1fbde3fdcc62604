//! Tickets and ID cards: signed by the relay with the organisation's key (whose public half
//! every member's `Me` carries), verified offline with core's verifier, issued when a seat is
//! confirmed, signed again when the event moves, revoked when it is cancelled; and each
//! member's alumni ID card.

mod common;

use std::collections::HashSet;

use common::events::{JAN_15_2030, create_event, device_with, going};
use common::{Device, TestRelay, now, sign_in};
use tsunagu_core::api::Me;
use tsunagu_core::event::{EventStatus, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{
    CardVerdict, Gate, PassBody, Ticket, Verdict, VerifyingKey, judge_card, judge_ticket,
};
use tsunagu_server::Server;

fn key(me: &Me) -> VerifyingKey {
    me.pass_key.parse().expect("the organisation's public key")
}

fn ticket(text: &str, me: &Me) -> Ticket {
    match tsunagu_core::pass::read(text, &key(me)) {
        Ok(PassBody::Ticket(ticket)) => ticket,
        other => panic!("not a ticket: {other:?}"),
    }
}

/// The admin's device holding a new event published with `capacity` seats.
async fn event_with_seats(
    relay: &TestRelay,
    capacity: u32,
) -> (DocumentId, DocumentId, Device, Me) {
    let (cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(relay, &cookie, "アルムナイ交流会", JAN_15_2030).await;
    let roster = event.roster.expect("a roster");
    let mut desk = device_with(relay, &cookie, &[event.event, roster]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = capacity;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    (event.event, roster, desk, admin)
}

#[tokio::test]
async fn every_member_carries_a_signed_alumni_id_card() {
    let relay = TestRelay::start().await;
    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let passes = hanako.passes_doc.expect("passes");
    let phone = device_with(&relay, &cookie, &[passes]).await;
    let text = phone.passes(&passes).card;
    let at = now();
    let CardVerdict::Valid(card) =
        judge_card(&text, &key(&hanako), at, &std::collections::BTreeMap::new())
    else {
        panic!("her card verifies offline");
    };
    assert_eq!(
        (
            card.member.as_str(),
            card.name.as_str(),
            card.joined.as_str(),
            card.left.as_str(),
            card.status.as_str()
        ),
        (
            hanako.user_id.as_str(),
            "山田 花子",
            "2012-04",
            "2021-03",
            "alumni"
        )
    );
    assert!(card.not_after >= at + 364 * 86_400, "good for a year");
    // Asking again within the day keeps the same card.
    let (_, again) = sign_in(relay.addr(), "hanako@example.com").await;
    assert_eq!(again.pass_key, hanako.pass_key);
    assert_eq!(device_card(&relay, &cookie, passes).await, text);
}

async fn device_card(relay: &TestRelay, cookie: &str, passes: DocumentId) -> String {
    device_with(relay, cookie, &[passes])
        .await
        .passes(&passes)
        .card
}

#[tokio::test]
async fn more_seats_promote_the_waiting_list() {
    let relay = TestRelay::start().await;
    let (event, _, mut desk, admin) = event_with_seats(&relay, 1).await;
    let (_, _) = going(
        &relay,
        "hanako@example.com",
        event,
        now(),
        SeatStatus::Confirmed,
    )
    .await;
    let (mut ken_phone, ken) =
        going(&relay, "ken@example.com", event, now(), SeatStatus::Waiting).await;
    desk.edit_event(event, |e| e.capacity = 2).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let seat = ken_phone
        .wait_for_seat(
            ken.passes_doc.expect("passes"),
            event,
            SeatStatus::Confirmed,
        )
        .await;
    assert_eq!(ticket(&seat.ticket, &ken).attendee, ken.user_id);
}

#[tokio::test]
async fn moving_an_event_signs_its_tickets_again_for_the_new_times() {
    let relay = TestRelay::start().await;
    let (event, _, mut desk, admin) = event_with_seats(&relay, 0).await;
    let (mut phone, hanako) = going(
        &relay,
        "hanako@example.com",
        event,
        now(),
        SeatStatus::Confirmed,
    )
    .await;
    let passes = hanako.passes_doc.expect("passes");
    let before = ticket(
        &phone.seat(&passes, &event).expect("a seat").ticket,
        &hanako,
    );

    let a_day = 86_400;
    desk.edit_event(event, |e| {
        e.starts_at += a_day;
        e.ends_at += a_day;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    phone
        .pump_until("the ticket signed again", move |d| {
            d.seat(&passes, &event)
                .is_some_and(|s| ticket(&s.ticket, &hanako).not_before == before.not_before + a_day)
        })
        .await;
    let seat = phone.seat(&passes, &event).expect("a seat");
    let (_, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let after = ticket(&seat.ticket, &hanako);
    assert_eq!(
        after.id, before.id,
        "the same ticket, signed for the new times"
    );
    assert_eq!(seat.status(), Some(SeatStatus::Confirmed));
    let event_id = event.to_string();
    let none = HashSet::new();
    let the_day_before = Gate {
        event: &event_id,
        now: JAN_15_2030,
        revoked: &none,
    };
    assert!(matches!(
        judge_ticket(&seat.ticket, &key(&hanako), &the_day_before),
        Verdict::NotYetValid(_)
    ));
}

#[tokio::test]
async fn cancelling_an_event_lets_everyone_go_and_revokes_their_tickets() {
    let relay = TestRelay::start().await;
    let (event, roster, mut desk, admin) = event_with_seats(&relay, 1).await;
    let (mut hanako_phone, hanako) = going(
        &relay,
        "hanako@example.com",
        event,
        now(),
        SeatStatus::Confirmed,
    )
    .await;
    let (mut ken_phone, ken) =
        going(&relay, "ken@example.com", event, now(), SeatStatus::Waiting).await;
    let hers = hanako_phone
        .seat(&hanako.passes_doc.expect("passes"), &event)
        .expect("a seat");
    let hers = ticket(&hers.ticket, &hanako);

    desk.edit_event(event, |e| e.status = EventStatus::Cancelled.key().into())
        .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    hanako_phone
        .wait_for_seat(
            hanako.passes_doc.expect("passes"),
            event,
            SeatStatus::Declined,
        )
        .await;
    ken_phone
        .wait_for_seat(ken.passes_doc.expect("passes"), event, SeatStatus::Declined)
        .await;
    let id = hers.id.clone();
    desk.pump_until("her ticket revoked in the roster", move |d| {
        d.roster(&roster).is_revoked(&id)
    })
    .await;
    let attendees = desk.roster(&roster).attendees;
    assert!(
        attendees
            .values()
            .all(|a| a.status == "declined" && a.ticket.is_empty())
    );
}

#[tokio::test]
async fn answers_the_relay_stored_but_never_seated_are_seated_at_its_next_start() {
    let relay = TestRelay::start().await;
    let (event, _, _, _) = event_with_seats(&relay, 5).await;
    let (phone, hanako) = going(
        &relay,
        "hanako@example.com",
        event,
        now(),
        SeatStatus::Confirmed,
    )
    .await;
    let passes = hanako.passes_doc.expect("passes");
    let old = ticket(
        &phone.seat(&passes, &event).expect("a seat").ticket,
        &hanako,
    )
    .id;
    drop(phone);
    let TestRelay { server, dir } = relay;
    server.stop().await;

    // As if the relay had died between storing her answer and deciding her seat.
    let data = dir.path().join("data");
    let db = common::database(&data).await;
    for statement in ["DELETE FROM seats", "DELETE FROM tickets"] {
        sqlx::query(statement)
            .execute(&db)
            .await
            .expect("a statement");
    }
    db.close().await;

    let server = Server::start(common::config(&data, dir.path().join("dist")).await)
        .await
        .expect("the relay starts again");
    let relay = TestRelay { server, dir };
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let phone = device_with(&relay, &cookie, &[passes]).await;
    // Seated again from her stored answer, with a ticket of the new seat.
    let seat = phone.seat(&passes, &event).expect("a seat");
    assert_eq!(seat.status(), Some(SeatStatus::Confirmed));
    let new = ticket(&seat.ticket, &hanako);
    assert_ne!(new.id, old);
    assert_eq!(new.attendee, hanako.user_id);
}

#[tokio::test]
async fn a_deleted_account_gives_up_its_seat_and_leaves_the_roster() {
    let relay = TestRelay::start().await;
    let (event, roster, mut desk, _) = event_with_seats(&relay, 1).await;
    let (ken_phone, ken) = going(
        &relay,
        "ken@example.com",
        event,
        now(),
        SeatStatus::Confirmed,
    )
    .await;
    let his = ticket(
        &ken_phone
            .seat(&ken.passes_doc.expect("passes"), &event)
            .expect("a seat")
            .ticket,
        &ken,
    );
    drop(ken_phone);
    let (mut hanako_phone, hanako) = going(
        &relay,
        "hanako@example.com",
        event,
        now(),
        SeatStatus::Waiting,
    )
    .await;

    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    common::delete_account(&relay, &ken_cookie).await;

    hanako_phone
        .wait_for_seat(
            hanako.passes_doc.expect("passes"),
            event,
            SeatStatus::Confirmed,
        )
        .await;
    let (id, gone) = (his.id.clone(), ken.user_id.clone());
    desk.pump_until("his ticket revoked and his name gone", move |d| {
        let roster = d.roster(&roster);
        roster.is_revoked(&id) && !roster.attendees.contains_key(&gone)
    })
    .await;
    assert_eq!(
        desk.roster(&roster).attendees[&hanako.user_id].status,
        "confirmed"
    );
}
