//! The attendee list as CSV for admins and the event's staff: who is coming, their tickets,
//! when they were checked in, and a ticket two offline gates both admitted flagged — merged
//! from every staff phone's check-in log. UTF-8 with a BOM, so Excel reads the Japanese.

mod common;

use common::events::{JAN_15_2030, create_event, device_with};
use common::{TestRelay, call, sign_in};
use reqwest::{Method, StatusCode};
use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::event::{EventStatus, SeatStatus};
use tsunagu_core::pass::PassBody;

#[tokio::test]
async fn staff_download_who_came_with_tickets_admitted_twice_flagged() {
    let relay = TestRelay::start().await;
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(&relay, &admin_cookie, "忘年会", JAN_15_2030).await;
    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    let staff = ken.user_id.clone();
    desk.edit_event(event.event, move |e| {
        e.status = EventStatus::Published.key().into();
        e.staff = vec![staff];
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (rsvps, passes) = (
        hanako.rsvps_doc.expect("rsvps"),
        hanako.passes_doc.expect("passes"),
    );
    let mut phone = device_with(&relay, &hanako_cookie, &[rsvps, passes]).await;
    phone
        .answer(rsvps, event.event, true, JAN_15_2030 - 86_400 * 30)
        .await;
    let seat = phone
        .wait_for_seat(passes, event.event, SeatStatus::Confirmed)
        .await;
    let key: tsunagu_core::pass::VerifyingKey = hanako.pass_key.parse().expect("a key");
    let Ok(PassBody::Ticket(ticket)) = tsunagu_core::pass::read(&seat.ticket, &key) else {
        panic!("her ticket");
    };

    // Two gates, each offline, admit her: both admissions are kept.
    let log = event.checkins.expect("a check-in log");
    for (gate, at) in [("gate-a", JAN_15_2030), ("gate-b", JAN_15_2030 + 60)] {
        let mut device = device_with(&relay, &ken_cookie, &[log]).await;
        let scan = Scan {
            ticket: ticket.id.clone(),
            attendee: hanako.user_id.clone(),
            device: gate.into(),
            by: ken.user_id.clone(),
            at,
            method: "qr".into(),
        };
        device
            .change(log, move |tx| {
                CheckinLog::record(tx, &format!("nonce-{gate}"), &scan)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .await;
        device.wait_acknowledged(&ken.relay_storage).await;
    }

    let path = format!("/api/events/{}/attendees.csv", event.event);
    for cookie in [&ken_cookie, &admin_cookie] {
        let response = call(&relay, Method::GET, &path, Some(cookie), None).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()[reqwest::header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        let bytes = response.bytes().await.expect("a body");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
        let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines,
            [
                "name,reading,status,ticket,checked_in_at,admitted_more_than_once",
                &format!(
                    "山田 花子,やまだ はなこ,confirmed,{},2030-01-15T10:00:00Z,yes",
                    ticket.id
                ),
            ]
        );
    }
    let forbidden = call(&relay, Method::GET, &path, Some(&hanako_cookie), None).await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let unknown = call(
        &relay,
        Method::GET,
        "/api/events/not-an-event/attendees.csv",
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}
