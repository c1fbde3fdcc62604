//! Self check-in: staff show the venue's signed code; a confirmed attendee scans it with their
//! own phone, offline, and when the phone syncs the relay admits them into the event's check-in
//! log (method `self`) and marks their seat — once. A forged code, another event's code, or a
//! member on the waiting list admits no one.

mod common;

use common::events::{create_event, device_with, relay_copy};
use common::{Device, TestRelay, call, now, sign_in};
use reqwest::{Method, StatusCode};
use tsunagu_core::api::{Me, VenueCodeResponse};
use tsunagu_core::checkin::CheckinLog;
use tsunagu_core::event::{EventStatus, Rsvps, SeatStatus};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{PassBody, SigningKey, VenueCode, VenueVerdict, judge_venue};

async fn venue_code(relay: &TestRelay, cookie: &str, event: &str) -> reqwest::Response {
    let path = format!("/api/events/{event}/venue-code");
    call(relay, Method::GET, &path, Some(cookie), None).await
}

/// Scans `code` at `at` on the member's phone and waits until the relay has it.
async fn arrive(phone: &mut Device, me: &Me, event: DocumentId, code: &str, at: i64) {
    let rsvps = me.rsvps_doc.expect("rsvps");
    let code = code.to_owned();
    phone
        .change(rsvps, move |tx| {
            Rsvps::arrive(tx, &event.to_string(), &code, at).map_err(|e| e.to_string())
        })
        .await;
    phone.wait_acknowledged(&me.relay_storage).await;
}

async fn log(relay: &TestRelay, cookie: &str, doc: DocumentId) -> CheckinLog {
    CheckinLog::read(&relay_copy(relay, cookie, doc).await).expect("a check-in log")
}

#[tokio::test]
async fn a_confirmed_attendee_checks_herself_in_with_the_venue_code_once() {
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    // Starting within the hour, so the venue's code is good now; one seat.
    let starts = now() + 3600;
    let event = create_event(&relay, &admin_cookie, "OB・OG会", starts).await;
    let other = create_event(&relay, &admin_cookie, "別の会", starts).await;
    let checkins = event.checkins.expect("a check-in log");
    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    let staff = ken.user_id.clone();
    desk.edit_event(event.event, move |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = 1;
        e.staff = vec![staff];
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    // Hanako takes the seat; Ken (also staff) waits.
    let mut phones = Vec::new();
    for (cookie, me, status) in [
        (&hanako_cookie, &hanako, SeatStatus::Confirmed),
        (&ken_cookie, &ken, SeatStatus::Waiting),
    ] {
        let (rsvps, passes) = (me.rsvps_doc.expect("rsvps"), me.passes_doc.expect("passes"));
        let mut phone = device_with(&relay, cookie, &[rsvps, passes]).await;
        phone.answer(rsvps, event.event, true, now()).await;
        phone.wait_for_seat(passes, event.event, status).await;
        phones.push(phone);
    }
    let (mut hanako_phone, mut ken_phone) = (phones.remove(0), phones.remove(0));
    let hanako_passes = hanako.passes_doc.expect("passes");
    let ticket = hanako_phone
        .seat(&hanako_passes, &event.event)
        .expect("her seat")
        .ticket;
    let Ok(PassBody::Ticket(ticket)) = tsunagu_core::pass::read(
        &ticket,
        &hanako
            .pass_key
            .parse::<tsunagu_core::pass::VerifyingKey>()
            .expect("a key"),
    ) else {
        panic!("her ticket");
    };

    // The code: for admins and staff, good from six hours before to six after, as tickets.
    let id = event.event.to_string();
    for cookie in [&admin_cookie, &ken_cookie] {
        assert_eq!(
            venue_code(&relay, cookie, &id).await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        venue_code(&relay, &hanako_cookie, &id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        venue_code(&relay, &admin_cookie, "no-such-event")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let VenueCodeResponse { code } = venue_code(&relay, &admin_cookie, &id)
        .await
        .json()
        .await
        .expect("a code");
    let key: tsunagu_core::pass::VerifyingKey =
        admin.pass_key.parse().expect("the organisation's key");
    let VenueVerdict::Here(window) = judge_venue(&code, &key, &id, now()) else {
        panic!("the code is good now, offline");
    };
    assert_eq!(
        (window.not_before, window.not_after),
        (starts - 6 * 3600, starts + 2 * 3600 + 6 * 3600)
    );
    let VenueCodeResponse { code: elsewhere } =
        venue_code(&relay, &admin_cookie, &other.event.to_string())
            .await
            .json()
            .await
            .expect("a code");
    let forged = SigningKey::from_bytes(&[9; 32])
        .sign(&PassBody::Venue(VenueCode {
            event: id.clone(),
            ..window.clone()
        }))
        .expect("signed");

    // A forged code, another event's, and the waiting list's arrival admit no one.
    arrive(&mut hanako_phone, &hanako, event.event, &forged, now()).await;
    arrive(&mut hanako_phone, &hanako, event.event, &elsewhere, now()).await;
    arrive(&mut ken_phone, &ken, event.event, &code, now()).await;
    assert!(log(&relay, &admin_cookie, checkins).await.scans.is_empty());
    assert_eq!(
        hanako_phone
            .seat(&hanako_passes, &event.event)
            .map(|s| s.arrived_at),
        Some(0)
    );
    let ken_passes = ken.passes_doc.expect("passes");
    assert_eq!(
        ken_phone
            .seat(&ken_passes, &event.event)
            .map(|s| s.arrived_at),
        Some(0)
    );

    // Her real scan: admitted as the relay, under one nonce, and her seat says so.
    let at = now() - 30;
    arrive(&mut hanako_phone, &hanako, event.event, &code, at).await;
    hanako_phone
        .pump_until("her arrival in her passes", move |d| {
            d.seat(&hanako_passes, &event.event)
                .is_some_and(|s| s.arrived_at == at)
        })
        .await;
    let scans = log(&relay, &admin_cookie, checkins).await.scans;
    let scan = &scans[&format!("self-{}", hanako.user_id)];
    assert_eq!(scans.len(), 1);
    assert_eq!(
        (
            scan.ticket.as_str(),
            scan.attendee.as_str(),
            scan.by.as_str(),
            scan.device.as_str(),
            scan.method.as_str(),
            scan.at
        ),
        (
            ticket.id.as_str(),
            hanako.user_id.as_str(),
            hanako.user_id.as_str(),
            "self",
            "self",
            at
        )
    );
    // Scanning again changes nothing.
    arrive(&mut hanako_phone, &hanako, event.event, &code, now()).await;
    let again = log(&relay, &admin_cookie, checkins).await;
    assert_eq!(again.scans, scans);
    assert_eq!(
        hanako_phone
            .seat(&hanako_passes, &event.event)
            .map(|s| s.arrived_at),
        Some(at)
    );

    // The attendee list shows her checked in, once.
    let path = format!("/api/events/{id}/attendees.csv?lang=en");
    let response = call(&relay, Method::GET, &path, Some(&admin_cookie), None).await;
    let bytes = response.bytes().await.expect("a body");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    let hers = text
        .split("\r\n")
        .find(|l| l.starts_with("山田 花子"))
        .expect("her line");
    let fields: Vec<&str> = hers.split(',').collect();
    assert_eq!(fields[2], "Confirmed");
    assert_eq!(fields[3], ticket.id);
    assert!(!fields[4].is_empty(), "checked in: {hers}");
    assert_eq!(fields[5], "", "admitted once");
    let his = text
        .split("\r\n")
        .find(|l| l.starts_with("佐藤 健"))
        .expect("his line");
    assert!(his.ends_with(",Waiting list,,,"), "{his}");
}
