//! The attendee list as CSV for admins and the event's staff: who is coming, their tickets,
//! when they were checked in, and a ticket two offline gates both admitted flagged — merged
//! from every staff phone's check-in log. UTF-8 with a BOM, so Excel reads the Japanese.

mod common;

use common::events::{JAN_15_2030, create_event, device_with};
use common::{TestRelay, call, download_csv, sign_in};
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
        let (disposition, rows) = download_csv(&relay, &path, cookie).await;
        assert_eq!(
            rows,
            [
                vec![
                    "氏名",
                    "ふりがな",
                    "状態",
                    "チケット",
                    "受付日時",
                    "重複入場"
                ],
                vec![
                    "山田 花子",
                    "やまだ はなこ",
                    "参加確定",
                    ticket.id.as_str(),
                    "2030-01-15 19:00:00+09:00",
                    "あり"
                ],
            ],
            "in Japanese, the organisation's language; Tokyo time, the event's zone"
        );
        assert_eq!(
            disposition,
            "attachment; filename=\"attendees-2030-01-15.csv\"; \
             filename*=UTF-8''%E5%BF%98%E5%B9%B4%E4%BC%9A_2030-01-15_%E5%8F%82%E5%8A%A0%E8%80%85.csv",
            "忘年会_2030-01-15_参加者.csv"
        );
    }

    // The event moves to New York: its times follow it; an admin reading English asks for it.
    desk.edit_event(event.event, |e| {
        e.time_zone = "America/New_York".into();
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let (disposition, rows) = download_csv(&relay, &format!("{path}?lang=en"), &admin_cookie).await;
    assert_eq!(
        rows,
        [
            vec![
                "Name",
                "Reading",
                "Status",
                "Ticket",
                "Checked in at",
                "Admitted more than once"
            ],
            vec![
                "山田 花子",
                "やまだ はなこ",
                "Confirmed",
                ticket.id.as_str(),
                "2030-01-15 05:00:00-05:00",
                "yes"
            ],
        ]
    );
    assert!(
        disposition
            .ends_with("filename*=UTF-8''%E5%BF%98%E5%B9%B4%E4%BC%9A_2030-01-15_attendees.csv"),
        "{disposition}"
    );
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
