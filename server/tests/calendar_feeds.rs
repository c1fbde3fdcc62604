//! Events in calendar apps: one event as an iCalendar file for members who may read it, and a
//! personal feed URL (its token the only credential, revocable) listing the member's events,
//! read back with an independent iCalendar parser (calcard): UID, SEQUENCE growing with edits
//! attendees care about, STATUS:CANCELLED once called off, the event's own time zone.

mod common;

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarProperty, ICalendarStatus,
};
use calcard::{Entry, Parser};
use common::events::{JAN_15_2030, create_event, device_with};
use common::{TestRelay, call, now, sign_in};
use reqwest::{Method, StatusCode};
use tsunagu_core::api::CalendarFeed;
use tsunagu_core::event::{EventStatus, SeatStatus};

/// Fetches `url` with no cookie, as a calendar app polls, and parses it.
async fn poll(url: &str) -> Result<ICalendar, StatusCode> {
    let response = reqwest::get(url).await.expect("the relay answers");
    if response.status() != StatusCode::OK {
        return Err(response.status());
    }
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].clone();
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    Ok(parse(&response.text().await.expect("a body")))
}

fn parse(ics: &str) -> ICalendar {
    match Parser::new(ics).entry() {
        Entry::ICalendar(calendar) => calendar,
        other => panic!("not a calendar: {other:?}\n{ics}"),
    }
}

fn events(calendar: &ICalendar) -> Vec<&ICalendarComponent> {
    calendar
        .components
        .iter()
        .filter(|c| c.component_type == ICalendarComponentType::VEvent)
        .collect()
}

fn sequence(event: &ICalendarComponent) -> i64 {
    event
        .property(&ICalendarProperty::Sequence)
        .and_then(|p| p.values.first())
        .and_then(|v| v.as_integer())
        .expect("a SEQUENCE")
}

#[tokio::test]
async fn an_event_downloads_as_icalendar_for_those_who_may_read_it() {
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(&relay, &admin_cookie, "OB会, 2030", JAN_15_2030).await;
    let (hanako_cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let path = format!("/api/events/{}/ics", event.event);
    let draft = call(&relay, Method::GET, &path, Some(&hanako_cookie), None).await;
    assert_eq!(
        draft.status(),
        StatusCode::NOT_FOUND,
        "a draft does not exist for her"
    );

    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.venue.name = "本社 10F".into();
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let response = call(&relay, Method::GET, &path, Some(&hanako_cookie), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let calendar = parse(&response.text().await.expect("a body"));
    let vevents = events(&calendar);
    assert_eq!(vevents.len(), 1);
    let vevent = vevents[0];
    assert_eq!(
        vevent.uid(),
        Some(format!("{}@tsunagu", event.event).as_str())
    );
    assert_eq!(vevent.status(), Some(&ICalendarStatus::Confirmed));
    assert_eq!(sequence(vevent), 0);
    let summary = vevent
        .property(&ICalendarProperty::Summary)
        .and_then(|p| p.values.first())
        .and_then(|v| v.as_text());
    assert_eq!(summary, Some("OB会, 2030"));
    let start = vevent
        .property(&ICalendarProperty::Dtstart)
        .expect("DTSTART");
    assert_eq!(start.tz_id(), Some("Asia/Tokyo"));
    assert!(vevent.property(&ICalendarProperty::Dtstamp).is_some());
    let location = vevent
        .property(&ICalendarProperty::Location)
        .and_then(|p| p.values.first())
        .and_then(|v| v.as_text());
    assert_eq!(location, Some("本社 10F"));

    let no_cookie = call(&relay, Method::GET, &path, None, None).await;
    assert_eq!(no_cookie.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_personal_feed_follows_the_members_seats_and_can_be_revoked() {
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let mine = create_event(&relay, &admin_cookie, "交流会", JAN_15_2030).await;
    let other = create_event(&relay, &admin_cookie, "別の会", JAN_15_2030).await;
    let mut desk = device_with(&relay, &admin_cookie, &[mine.event, other.event]).await;
    for doc in [mine.event, other.event] {
        desk.edit_event(doc, |e| e.status = EventStatus::Published.key().into())
            .await;
    }
    desk.wait_acknowledged(&admin.relay_storage).await;

    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (rsvps, passes) = (
        hanako.rsvps_doc.expect("rsvps"),
        hanako.passes_doc.expect("passes"),
    );
    let mut phone = device_with(&relay, &cookie, &[rsvps, passes]).await;
    phone.answer(rsvps, mine.event, true, now()).await;
    phone
        .wait_for_seat(passes, mine.event, SeatStatus::Confirmed)
        .await;

    let feed: CalendarFeed = call(
        &relay,
        Method::POST,
        "/api/me/calendar",
        Some(&cookie),
        None,
    )
    .await
    .json()
    .await
    .expect("a CalendarFeed");
    assert!(
        feed.url.ends_with(".ics") && feed.url.contains("/ics/"),
        "{}",
        feed.url
    );
    let uid = format!("{}@tsunagu", mine.event);
    let calendar = poll(&feed.url).await.expect("the feed");
    let listed = events(&calendar);
    assert_eq!(listed.len(), 1, "only the event she is going to");
    assert_eq!(listed[0].uid(), Some(uid.as_str()));
    assert_eq!(sequence(listed[0]), 0);

    // Moved: calendar apps replace their copy.
    desk.edit_event(mine.event, |e| {
        e.starts_at += 3600;
        e.ends_at += 3600;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let calendar = poll(&feed.url).await.expect("the feed");
    assert_eq!(sequence(events(&calendar)[0]), 1);
    // A capacity change is nothing an attendee's calendar needs to hear of.
    desk.edit_event(mine.event, |e| e.capacity = 100).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    assert_eq!(
        sequence(events(&poll(&feed.url).await.expect("the feed"))[0]),
        1
    );

    // Cancelled: still listed, so the calendar app removes it.
    desk.edit_event(mine.event, |e| {
        e.status = EventStatus::Cancelled.key().into()
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    phone
        .wait_for_seat(passes, mine.event, SeatStatus::Declined)
        .await;
    let calendar = poll(&feed.url).await.expect("the feed");
    let listed = events(&calendar);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status(), Some(&ICalendarStatus::Cancelled));
    assert_eq!(sequence(listed[0]), 2);

    // A new address stops the old one; deleting stops the new one.
    let renewed: CalendarFeed = call(
        &relay,
        Method::POST,
        "/api/me/calendar",
        Some(&cookie),
        None,
    )
    .await
    .json()
    .await
    .expect("a CalendarFeed");
    assert_ne!(renewed.url, feed.url);
    assert_eq!(poll(&feed.url).await.err(), Some(StatusCode::NOT_FOUND));
    assert!(poll(&renewed.url).await.is_ok());
    let deleted = call(
        &relay,
        Method::DELETE,
        "/api/me/calendar",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(poll(&renewed.url).await.err(), Some(StatusCode::NOT_FOUND));
    let guessed = format!("{}/ics/not-a-token.ics", relay.url(""));
    assert_eq!(poll(&guessed).await.err(), Some(StatusCode::NOT_FOUND));
}
