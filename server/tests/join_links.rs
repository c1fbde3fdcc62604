//! The link to join an online event: set by an admin, carried by confirmed attendees' passes
//! only — never by a waiting member's, the event document, its roster or its calendar file —
//! and taken back when the event is no longer held online.

mod common;

use common::events::{JAN_15_2030, create_event, device_with, going, relay_copy};
use common::{Device, TestRelay, call, sign_in};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::Me;
use tsunagu_core::event::{Event, EventStatus, Roster, SeatStatus};
use tsunagu_core::ids::DocumentId;

const LINK: &str = "https://meet.example.com/abc-defg-hij";

async fn put_link(relay: &TestRelay, cookie: &str, event: DocumentId, url: &str) -> StatusCode {
    let path = format!("/api/events/{event}/join-url");
    call(
        relay,
        Method::PUT,
        &path,
        Some(cookie),
        Some(json!({ "url": url })),
    )
    .await
    .status()
}

fn link_of(phone: &Device, me: &Me, event: DocumentId) -> String {
    phone
        .seat(&me.passes_doc.expect("passes"), &event)
        .map(|s| s.join_url)
        .unwrap_or_default()
}

#[tokio::test]
async fn only_confirmed_attendees_of_an_online_event_carry_its_join_link() {
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(&relay, &admin_cookie, "オンライン座談会", JAN_15_2030).await;
    let (e, roster) = (event.event, event.roster.expect("a roster"));
    let mut desk = device_with(&relay, &admin_cookie, &[e, roster]).await;
    desk.edit_event(e, |ev| {
        ev.status = EventStatus::Published.key().into();
        ev.capacity = 1;
        ev.online = true;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let (mut hanako_phone, hanako) = going(
        &relay,
        "hanako@example.com",
        e,
        JAN_15_2030 - 86_400,
        SeatStatus::Confirmed,
    )
    .await;
    let (mut ken_phone, ken) = going(
        &relay,
        "ken@example.com",
        e,
        JAN_15_2030 - 86_400,
        SeatStatus::Waiting,
    )
    .await;

    // Only admins set it, and only to a web address.
    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    assert_eq!(
        put_link(&relay, &ken_cookie, e, LINK).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put_link(&relay, &admin_cookie, e, "javascript:alert(1)").await,
        StatusCode::BAD_REQUEST
    );
    let too_long = format!("https://meet.example.com/{}", "a".repeat(2048));
    assert_eq!(
        put_link(&relay, &admin_cookie, e, &too_long).await,
        StatusCode::BAD_REQUEST
    );
    let unknown = "/api/events/no-such-event/join-url";
    let response = call(
        &relay,
        Method::PUT,
        unknown,
        Some(&admin_cookie),
        Some(json!({ "url": LINK })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        put_link(&relay, &admin_cookie, e, LINK).await,
        StatusCode::NO_CONTENT
    );
    let passes = hanako.passes_doc.expect("passes");
    hanako_phone
        .pump_until("the link in her passes", move |d| {
            d.seat(&passes, &e).is_some_and(|s| s.join_url == LINK)
        })
        .await;
    // Written before the PUT was answered: the waiting member has none.
    assert_eq!(link_of(&ken_phone, &ken, e), "");
    // Nowhere people without a seat read.
    let shown = format!(
        "{:?} {:?}",
        Event::read(&relay_copy(&relay, &admin_cookie, e).await),
        Roster::read(&relay_copy(&relay, &admin_cookie, roster).await)
    );
    assert!(
        shown.contains("オンライン座談会") && !shown.contains("meet.example.com"),
        "{shown}"
    );
    let ics = call(
        &relay,
        Method::GET,
        &format!("/api/events/{e}/ics"),
        Some(&admin_cookie),
        None,
    )
    .await
    .text()
    .await
    .expect("a calendar");
    assert!(!ics.contains("meet.example.com"), "{ics}");

    // She gives up her seat: the link goes with it, to Ken, promoted.
    let rsvps = hanako.rsvps_doc.expect("rsvps");
    hanako_phone
        .answer(rsvps, e, false, JAN_15_2030 - 3600)
        .await;
    hanako_phone
        .wait_for_seat(passes, e, SeatStatus::Declined)
        .await;
    assert_eq!(link_of(&hanako_phone, &hanako, e), "");
    let ken_passes = ken.passes_doc.expect("passes");
    let seat = ken_phone
        .wait_for_seat(ken_passes, e, SeatStatus::Confirmed)
        .await;
    assert_eq!(seat.join_url, LINK);

    // Held at a venue after all: no link; online again: the link again; cleared: none.
    desk.edit_event(e, |ev| ev.online = false).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    ken_phone
        .pump_until("the link taken back", move |d| {
            d.seat(&ken_passes, &e)
                .is_some_and(|s| s.join_url.is_empty())
        })
        .await;
    desk.edit_event(e, |ev| ev.online = true).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    ken_phone
        .pump_until("the link back", move |d| {
            d.seat(&ken_passes, &e).is_some_and(|s| s.join_url == LINK)
        })
        .await;
    assert_eq!(
        put_link(&relay, &admin_cookie, e, "").await,
        StatusCode::NO_CONTENT
    );
    ken_phone
        .pump_until("the link cleared", move |d| {
            d.seat(&ken_passes, &e)
                .is_some_and(|s| s.join_url.is_empty())
        })
        .await;
}
