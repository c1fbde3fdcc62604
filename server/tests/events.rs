//! Events on the wire: admins publish them over sync, their audience (and only it) reads them,
//! members answer offline in their own RSVP document and the relay decides seats in the order
//! answers reach it, writing each decision to the member's passes and the event's roster —
//! documents no member may write. Staff append to check-in logs and can never rewrite them.

mod common;

use std::collections::{BTreeSet, HashSet};

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use common::events::{JAN_15_2030, create_event, device_with, me, member_device, relay_copy};
use common::{PATIENCE, TestRelay, call, now, sign_in, unavailable_to};
use tsunagu_core::api::{EventRef, Me};
use tsunagu_core::checkin::{CheckinLog, Scan};
use tsunagu_core::event::{Event, EventStatus, Going, SeatCount, SeatStatus};
use tsunagu_core::grants::{DocFacts, EventFacts, Subject, access};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::pass::{Gate, PassBody, Verdict, VerifyingKey, judge_ticket};
use tsunagu_core::seats::LATE_ANSWER_GRACE_SECS;
use tsunagu_core::vocab::{DocKind, EventAudience, Role};

fn publish(capacity: u32) -> impl FnOnce(&mut Event) {
    move |e: &mut Event| {
        e.status = EventStatus::Published.key().into();
        e.capacity = capacity;
    }
}

/// An event the admin created and published with `edit` applied, and the admin's device
/// holding it.
async fn published(
    relay: &TestRelay,
    title: &str,
    edit: impl FnOnce(&mut Event),
) -> (EventRef, common::Device, Me, String) {
    let (cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(relay, &cookie, title, JAN_15_2030).await;
    let mut device = device_with(relay, &cookie, &[event.event]).await;
    device.edit_event(event.event, edit).await;
    device.wait_acknowledged(&admin.relay_storage).await;
    (event, device, admin, cookie)
}

/// A member's device holding an event and their own RSVP and passes documents.
async fn attendee(
    relay: &TestRelay,
    email: &str,
    event: DocumentId,
) -> (common::Device, Me, String) {
    let (cookie, me) = sign_in(relay.addr(), email).await;
    let docs = [
        event,
        me.rsvps_doc.expect("an RSVP document"),
        me.passes_doc.expect("a passes document"),
    ];
    let device = device_with(relay, &cookie, &docs).await;
    (device, me, cookie)
}

#[tokio::test]
async fn an_admin_publishes_an_event_over_sync_and_alumni_see_it_only_then() {
    let relay = TestRelay::start().await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(&relay, &admin_cookie, "OB・OG会 2030", JAN_15_2030).await;
    assert!(
        event.roster.is_some() && event.checkins.is_some(),
        "admins read both"
    );

    // A draft does not exist for an alumna.
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    assert!(hanako.events.iter().all(|e| e.event != event.event));
    assert!(unavailable_to(&relay, &hanako_cookie, event.event).await);

    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    assert_eq!(
        desk.event(&event.event).expect("held").title,
        "OB・OG会 2030"
    );
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.venue.name = "本社 10F".into();
        e.capacity = 40;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    let listed = me(&relay, &hanako_cookie).await;
    assert_eq!(
        listed.events,
        [EventRef {
            event: event.event,
            roster: None,
            checkins: None
        }]
    );
    let mut phone = device_with(&relay, &hanako_cookie, &[event.event]).await;
    let seen = phone.event(&event.event).expect("held");
    assert_eq!(
        (seen.status(), seen.venue.name.as_str()),
        (EventStatus::Published, "本社 10F")
    );

    // She may read it, not write it.
    phone
        .edit_event(event.event, |e| e.title = "乗っ取り".into())
        .await;
    let reason = phone.wait_rejected(event.event).await;
    assert!(reason.contains("/title"), "{reason}");
    let stored =
        Event::read(&relay_copy(&relay, &admin_cookie, event.event).await).expect("an event");
    assert_eq!(stored.title, "OB・OG会 2030");
}

#[tokio::test]
async fn an_alumnas_proposal_waits_for_an_admin_and_she_follows_it_read_only() {
    let relay = TestRelay::start().await;
    let (hanako_cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let proposal = create_event(&relay, &hanako_cookie, "同期会をやりたい", JAN_15_2030).await;
    assert_eq!((proposal.roster, proposal.checkins), (None, None));
    // Until an admin publishes it, only she (and admins) see it: she reads it, with no roster
    // or check-ins, and cannot edit it.
    let mine = me(&relay, &hanako_cookie).await.events;
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].event, mine[0].roster, mine[0].checkins),
        (proposal.event, None, None)
    );
    let mut phone = device_with(&relay, &hanako_cookie, &[proposal.event]).await;
    assert_eq!(
        phone.event(&proposal.event).map(|e| e.status()),
        Some(EventStatus::Proposed)
    );
    phone
        .edit_event(proposal.event, |e| {
            e.status = EventStatus::Published.key().into();
        })
        .await;
    phone.wait_rejected(proposal.event).await;
    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    assert!(me(&relay, &ken_cookie).await.events.is_empty());
    assert!(unavailable_to(&relay, &ken_cookie, proposal.event).await);
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    assert!(admin.events.iter().any(|e| e.event == proposal.event));
    let stored =
        Event::read(&relay_copy(&relay, &admin_cookie, proposal.event).await).expect("an event");
    assert_eq!(stored.status(), EventStatus::Proposed);

    let bad = reqwest::Client::new()
        .post(relay.url("/api/events"))
        .header("cookie", &hanako_cookie)
        .json(&serde_json::json!({"title": " ", "starts_at": JAN_15_2030, "ends_at": JAN_15_2030}))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad.status(), reqwest::StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_second_going_waits_and_is_promoted_when_the_first_cancels() {
    let relay = TestRelay::start().await;
    let (event, mut desk, _, _) = published(&relay, "役員との座談会", publish(1)).await;
    let e = event.event;
    let (mut hanako_phone, hanako, _) = attendee(&relay, "hanako@example.com", e).await;
    let (mut ken_phone, ken, _) = attendee(&relay, "ken@example.com", e).await;
    let (h_rsvps, h_passes) = (
        hanako.rsvps_doc.expect("rsvps"),
        hanako.passes_doc.expect("passes"),
    );
    let (k_rsvps, k_passes) = (
        ken.rsvps_doc.expect("rsvps"),
        ken.passes_doc.expect("passes"),
    );

    hanako_phone.answer(h_rsvps, e, true, now()).await;
    let hers = hanako_phone
        .wait_for_seat(h_passes, e, SeatStatus::Confirmed)
        .await;
    assert!(
        !hers.ticket.is_empty(),
        "a confirmed seat carries its ticket"
    );

    let at = now();
    ken_phone.answer(k_rsvps, e, true, at).await;
    let his = ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Waiting)
        .await;
    assert_eq!(
        (his.position, his.ticket.as_str(), his.answered_at),
        (1, "", at)
    );

    // She cannot come after all: he is promoted, with a ticket of his own.
    hanako_phone.answer(h_rsvps, e, false, now()).await;
    let declined = hanako_phone
        .wait_for_seat(h_passes, e, SeatStatus::Declined)
        .await;
    assert!(declined.ticket.is_empty());
    let his = ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Confirmed)
        .await;
    assert_eq!(his.position, 0);

    // Any staff phone verifies his ticket offline with the key every member is given, and
    // finds hers on the revocation list in the roster.
    let key: VerifyingKey = ken.pass_key.parse().expect("the organisation's key");
    let event_id = e.to_string();
    let none = HashSet::new();
    let gate = Gate {
        event: &event_id,
        now: JAN_15_2030,
        revoked: &none,
    };
    let Verdict::Valid(ticket) = judge_ticket(&his.ticket, &key, &gate) else {
        panic!("his ticket is valid at the door");
    };
    assert_eq!(
        (ticket.attendee.as_str(), ticket.name.as_str()),
        (ken.user_id.as_str(), "佐藤 健")
    );
    assert!(ticket.not_before < JAN_15_2030 && ticket.not_after > JAN_15_2030 + 2 * 3600);
    let Ok(PassBody::Ticket(old)) = tsunagu_core::pass::read(&hers.ticket, &key) else {
        panic!("her old ticket reads");
    };
    let roster_doc = event.roster.expect("a roster");
    let effects = desk.engine.want(roster_doc);
    desk.perform(effects).await;
    let revoked_id = old.id.clone();
    desk.pump_until("her ticket on the revocation list", move |d| {
        d.roster(&roster_doc).is_revoked(&revoked_id)
    })
    .await;
    let roster = desk.roster(&roster_doc);
    assert_eq!(roster.attendees[&ken.user_id].status, "confirmed");
    assert_eq!(roster.attendees[&ken.user_id].ticket, ticket.id);
    assert_eq!(roster.attendees[&ken.user_id].name, "佐藤 健");
    assert_eq!(roster.attendees[&hanako.user_id].status, "declined");
    let revoked: HashSet<String> = roster.revoked.keys().cloned().collect();
    let at_door = Gate {
        revoked: &revoked,
        ..gate
    };
    assert!(matches!(
        judge_ticket(&hers.ticket, &key, &at_door),
        Verdict::Revoked(_)
    ));
}

#[tokio::test]
async fn members_who_may_not_read_the_roster_see_how_full_the_event_and_who_chose_to_be_named() {
    let relay = TestRelay::start().await;
    let (event, _desk, _, _) = published(&relay, "少人数の勉強会", publish(1)).await;
    let e = event.event;
    let (mut hanako_phone, hanako, _) = attendee(&relay, "hanako@example.com", e).await;
    let (mut ken_phone, ken, _) = attendee(&relay, "ken@example.com", e).await;
    let counted = |taken, waiting| Some(SeatCount { taken, waiting });
    let count_on = |d: &common::Device| d.engine.doc(&e).and_then(SeatCount::read);
    assert_eq!(
        count_on(&hanako_phone),
        None,
        "nobody answered: no count, every seat free"
    );

    hanako_phone
        .answer(hanako.rsvps_doc.expect("rsvps"), e, true, now())
        .await;
    hanako_phone
        .wait_for_seat(hanako.passes_doc.expect("passes"), e, SeatStatus::Confirmed)
        .await;
    // Ken's phone holds the event, not its roster: the relay wrote the count into the event.
    ken_phone
        .pump_until("one seat taken", move |d| count_on(d) == counted(1, 0))
        .await;

    let (k_rsvps, k_passes) = (
        ken.rsvps_doc.expect("rsvps"),
        ken.passes_doc.expect("passes"),
    );
    ken_phone.answer(k_rsvps, e, true, now()).await;
    ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Waiting)
        .await;
    hanako_phone
        .pump_until("full, one waiting", move |d| count_on(d) == counted(1, 1))
        .await;

    // Counts only: the event document names no one who answered.
    let doc = hanako_phone.engine.doc(&e).expect("the event").clone();
    let (_, seats) = doc
        .get(automerge::ROOT, SeatCount::KEY)
        .expect("readable")
        .expect("the count");
    let keys: Vec<String> = doc.keys(&seats).collect();
    assert_eq!(keys, ["taken", "waiting"]);
    let text = serde_json::to_string(&automerge::AutoSerde::from(&doc)).expect("json");
    assert!(!text.contains(&ken.user_id) && !text.contains(&hanako.user_id));
    assert!(!text.contains("山田") && !text.contains("佐藤"));

    // She chooses to be listed among who is going; he, waiting, would be listed only once he
    // holds a seat.
    // A later answer than the last, as the app writes it (the relay knows answers by their time).
    let later = now() + 5;
    hanako_phone
        .show_name(hanako.rsvps_doc.expect("rsvps"), e, true, later)
        .await;
    ken_phone.show_name(k_rsvps, e, true, later).await;
    let named = |names: &[&str]| {
        Some(Going {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
        })
    };
    let going_on = |d: &common::Device| d.engine.doc(&e).and_then(Going::read);
    ken_phone
        .pump_until("her name among who is going", move |d| {
            going_on(d) == named(&["山田 花子"])
        })
        .await;
    ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Waiting)
        .await;

    // She gives up her seat: he is promoted, and the count follows.
    hanako_phone
        .answer(hanako.rsvps_doc.expect("rsvps"), e, false, later + 1)
        .await;
    ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Confirmed)
        .await;
    ken_phone
        .pump_until("his seat, no one waiting; his name, not hers", move |d| {
            count_on(d) == counted(1, 0) && going_on(d) == named(&["佐藤 健"])
        })
        .await;
}

#[tokio::test]
async fn staff_release_a_seat_the_next_in_line_gets_it_and_her_answer_is_not_applied_again() {
    let relay = TestRelay::start().await;
    let (event, _desk, _, admin) = published(&relay, "定員1名の見学会", publish(1)).await;
    let e = event.event;
    let (mut hanako_phone, hanako, _) = attendee(&relay, "hanako@example.com", e).await;
    let (mut ken_phone, ken, ken_cookie) = attendee(&relay, "ken@example.com", e).await;
    let (h_rsvps, h_passes) = (
        hanako.rsvps_doc.expect("rsvps"),
        hanako.passes_doc.expect("passes"),
    );
    let k_passes = ken.passes_doc.expect("passes");
    hanako_phone.answer(h_rsvps, e, true, now()).await;
    hanako_phone
        .wait_for_seat(h_passes, e, SeatStatus::Confirmed)
        .await;
    ken_phone
        .answer(ken.rsvps_doc.expect("rsvps"), e, true, now())
        .await;
    ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Waiting)
        .await;

    let release = |cookie: String, who: String| {
        let relay = &relay;
        async move {
            let path = format!("/api/events/{e}/attendees/{who}/release");
            call(relay, reqwest::Method::POST, &path, Some(&cookie), None).await
        }
    };
    // Ken is neither staff nor an admin.
    let refused = release(ken_cookie.clone(), hanako.user_id.clone()).await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);

    // The admin gives up her seat: Ken gets it, with a ticket; she is declined.
    let released = release(admin.clone(), hanako.user_id.clone()).await;
    assert_eq!(released.status(), reqwest::StatusCode::NO_CONTENT);
    let his = ken_phone
        .wait_for_seat(k_passes, e, SeatStatus::Confirmed)
        .await;
    assert!(!his.ticket.is_empty());
    let hers = hanako_phone
        .wait_for_seat(h_passes, e, SeatStatus::Declined)
        .await;
    assert!(hers.ticket.is_empty());

    // Her answer still says "going"; the relay reading her answers again (another event
    // answered) does not seat her again.
    let (other, ..) = published(&relay, "別の見学会", publish(10)).await;
    hanako_phone.answer(h_rsvps, other.event, true, now()).await;
    hanako_phone
        .wait_for_seat(h_passes, other.event, SeatStatus::Confirmed)
        .await;
    assert_eq!(
        hanako_phone.passes(&h_passes).events[&e.to_string()].status(),
        Some(SeatStatus::Declined)
    );
    // Nothing to release twice; and the admin's act is in the audit log.
    let again = release(admin.clone(), hanako.user_id.clone()).await;
    assert_eq!(again.status(), reqwest::StatusCode::CONFLICT);
    let audit: Vec<tsunagu_core::api::AuditEntry> =
        common::get_json(&relay, "/api/admin/audit", &admin).await;
    assert!(
        audit
            .iter()
            .any(|a| a.action == tsunagu_core::api::AuditAction::ReleaseSeat.key())
    );
}

#[tokio::test]
async fn an_answer_after_the_deadline_and_its_grace_is_refused() {
    let relay = TestRelay::start().await;
    let deadline = now() - LATE_ANSWER_GRACE_SECS - 3600;
    let (event, _, _, _) = published(&relay, "締切済み", |e| {
        publish(10)(e);
        e.deadline = deadline;
    })
    .await;
    let (mut phone, hanako, _) = attendee(&relay, "hanako@example.com", event.event).await;
    // Answered on a train before the deadline, but reached the relay long after it.
    phone
        .answer(
            hanako.rsvps_doc.expect("rsvps"),
            event.event,
            true,
            deadline - 60,
        )
        .await;
    let seat = phone
        .wait_for_seat(
            hanako.passes_doc.expect("passes"),
            event.event,
            SeatStatus::Refused,
        )
        .await;
    assert_eq!(
        (seat.ticket.as_str(), seat.answered_at),
        ("", deadline - 60)
    );
}

#[tokio::test]
async fn nobody_writes_passes_or_rosters_and_nobody_reads_anothers_answers() {
    let relay = TestRelay::start().await;
    let (_, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let ken_id = ken.user_id.clone();
    let (event, mut desk, admin, admin_cookie) = published(&relay, "懇親会", move |e| {
        publish(0)(e);
        e.staff = vec![ken_id];
    })
    .await;
    let (mut phone, hanako, hanako_cookie) =
        attendee(&relay, "hanako@example.com", event.event).await;
    let passes = hanako.passes_doc.expect("passes");

    // Her own passes: she reads them, but a seat or a card is the relay's to issue.
    phone
        .change(passes, |tx| {
            tx.put(automerge::ROOT, "card", "TSU1.self-made")
                .map_err(|e| e.to_string())
        })
        .await;
    phone.wait_rejected(passes).await;

    // Another member's answers and passes do not exist for her.
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    for doc in [
        ken.rsvps_doc.expect("rsvps"),
        ken.passes_doc.expect("passes"),
    ] {
        assert!(unavailable_to(&relay, &hanako_cookie, doc).await);
        assert!(
            unavailable_to(&relay, &admin_cookie, doc).await,
            "not even to admins"
        );
    }

    // The roster: staff and admins read it; neither writes it.
    let roster = event.roster.expect("roster");
    assert!(unavailable_to(&relay, &hanako_cookie, roster).await);
    let mut staff_phone = device_with(&relay, &ken_cookie, &[roster]).await;
    staff_phone
        .change(roster, |tx| {
            tx.put(automerge::ROOT, "checkins", "elsewhere")
                .map_err(|e| e.to_string())
        })
        .await;
    staff_phone.wait_rejected(roster).await;
    let effects = desk.engine.want(roster);
    desk.perform(effects).await;
    desk.pump_until("the roster", move |d| {
        d.engine
            .doc(&roster)
            .is_some_and(|r| !r.get_heads().is_empty())
    })
    .await;
    desk.change(roster, |tx| {
        let revoked = tx
            .get(automerge::ROOT, "revoked")
            .ok()
            .flatten()
            .map(|(_, id)| id)
            .ok_or("no map")?;
        tx.put(&revoked, "someone", 1).map_err(|e| e.to_string())
    })
    .await;
    desk.wait_rejected(roster).await;
    let _ = admin;
}

#[tokio::test]
async fn staff_append_check_ins_but_never_rewrite_or_delete_them() {
    let relay = TestRelay::start().await;
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let ken_id = ken.user_id.clone();
    // Staff read their event while it is still a draft, to prepare.
    let (cookie, _) = sign_in(relay.addr(), "admin@example.com").await;
    let event = create_event(&relay, &cookie, "準備中", JAN_15_2030).await;
    let mut desk = device_with(&relay, &cookie, &[event.event]).await;
    desk.edit_event(event.event, move |e| e.staff = vec![ken_id])
        .await;
    let admin = me(&relay, &cookie).await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    let listed = me(&relay, &ken_cookie).await;
    assert_eq!(
        listed.events,
        [EventRef {
            event: event.event,
            roster: event.roster,
            checkins: event.checkins
        }]
    );
    let log = event.checkins.expect("a check-in log");
    let mut gate = device_with(&relay, &ken_cookie, &[log, event.event]).await;
    let scan = Scan {
        ticket: "t1".into(),
        attendee: "someone".into(),
        device: "gate-a".into(),
        by: ken.user_id.clone(),
        at: JAN_15_2030,
        method: "qr".into(),
    };
    let recorded = scan.clone();
    gate.change(log, move |tx| {
        CheckinLog::record(tx, "nonce-1", &recorded)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    gate.wait_acknowledged(&listed.relay_storage).await;

    // Rewriting the admission (to hide a duplicate) is refused, and so is removing it.
    gate.change(log, |tx| {
        let scans = tx
            .get(automerge::ROOT, "scans")
            .ok()
            .flatten()
            .ok_or("no scans")?
            .1;
        let entry = tx
            .get(&scans, "nonce-1")
            .ok()
            .flatten()
            .ok_or("no entry")?
            .1;
        tx.put(&entry, "ticket", "t2").map_err(|e| e.to_string())
    })
    .await;
    gate.wait_rejected(log).await;
    let mut gate = device_with(&relay, &ken_cookie, &[log]).await;
    gate.change(log, |tx| {
        let scans = tx
            .get(automerge::ROOT, "scans")
            .ok()
            .flatten()
            .ok_or("no scans")?
            .1;
        tx.delete(&scans, "nonce-1").map_err(|e| e.to_string())
    })
    .await;
    gate.wait_rejected(log).await;
    let stored = CheckinLog::read(&relay_copy(&relay, &ken_cookie, log).await).expect("a log");
    assert_eq!(stored.scans.values().collect::<Vec<_>>(), [&scan]);

    // Someone who is not staff cannot even read it.
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    assert!(hanako.events.is_empty(), "a draft");
    assert!(unavailable_to(&relay, &hanako_cookie, log).await);
}

#[tokio::test]
async fn an_event_for_a_list_is_hidden_from_the_uninvited_at_once() {
    let relay = TestRelay::start().await;
    let (event, mut desk, admin, _) = published(&relay, "招待制の会", publish(0)).await;
    let (mut ken_phone, _, ken_cookie) =
        member_device(&relay, "ken@example.com", &[event.event]).await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let mut hanako_phone = device_with(&relay, &hanako_cookie, &[event.event]).await;

    let invited = hanako.user_id.clone();
    desk.edit_event(event.event, move |e| {
        e.audience = EventAudience::List.key().into();
        e.invited = vec![invited];
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    desk.edit_event(event.event, |e| e.title = "招待制の会（会場決定）".into())
        .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    hanako_phone
        .pump_until("the new title", |d| {
            d.event(&event.event)
                .is_some_and(|e| e.title.ends_with("（会場決定）"))
        })
        .await;
    // Ken's phone, connected all along, hears nothing more of it.
    let more = tokio::time::timeout(std::time::Duration::from_millis(500), async {
        ken_phone
            .pump_until("the new title", |d| {
                d.event(&event.event)
                    .is_some_and(|e| e.title.ends_with("（会場決定）"))
            })
            .await;
    })
    .await;
    assert!(more.is_err(), "the uninvited phone got the edit");
    assert!(me(&relay, &ken_cookie).await.events.is_empty());
    assert!(unavailable_to(&relay, &ken_cookie, event.event).await);
    assert_eq!(me(&relay, &hanako_cookie).await.events.len(), 1);
    let _ = PATIENCE;
}

/// How each signed-in demo member relates to an event, and what the admin makes of it.
struct Case {
    title: &'static str,
    status: EventStatus,
    audience: EventAudience,
    /// Demo emails invited by name, and on its staff.
    invited: &'static [&'static str],
    staff: &'static [&'static str],
}

#[tokio::test]
async fn me_lists_exactly_the_events_the_grant_table_allows() {
    let relay = TestRelay::start().await;
    let people = ["hanako@example.com", "ken@example.com", "admin@example.com"];
    let mut members = Vec::new();
    for email in people {
        let (cookie, me) = sign_in(relay.addr(), email).await;
        members.push((email, cookie, me));
    }
    let id_of = |email: &str| {
        members
            .iter()
            .find(|(e, _, _)| *e == email)
            .map(|(_, _, m)| m.user_id.clone())
            .expect("a demo member")
    };
    use EventAudience::{Alumni, Employees, Everyone, List};
    use EventStatus::{Cancelled, Draft, Published};
    let cases = [
        Case {
            title: "draft",
            status: Draft,
            audience: Everyone,
            invited: &[],
            staff: &[],
        },
        Case {
            title: "draft with staff",
            status: Draft,
            audience: Everyone,
            invited: &[],
            staff: &["ken@example.com"],
        },
        Case {
            title: "everyone",
            status: Published,
            audience: Everyone,
            invited: &[],
            staff: &[],
        },
        Case {
            title: "alumni",
            status: Published,
            audience: Alumni,
            invited: &[],
            staff: &[],
        },
        Case {
            title: "employees",
            status: Published,
            audience: Employees,
            invited: &[],
            staff: &[],
        },
        Case {
            title: "list",
            status: Published,
            audience: List,
            invited: &["hanako@example.com"],
            staff: &[],
        },
        Case {
            title: "list with staff",
            status: Published,
            audience: List,
            invited: &[],
            staff: &["hanako@example.com"],
        },
        Case {
            title: "cancelled",
            status: Cancelled,
            audience: Alumni,
            invited: &[],
            staff: &[],
        },
    ];
    let admin_cookie = members[2].1.clone();
    let admin_storage = members[2].2.relay_storage.clone();
    let mut refs = Vec::new();
    for case in &cases {
        refs.push(create_event(&relay, &admin_cookie, case.title, JAN_15_2030).await);
    }
    let docs: Vec<DocumentId> = refs.iter().map(|r| r.event).collect();
    let mut desk = device_with(&relay, &admin_cookie, &docs).await;
    for (case, event) in cases.iter().zip(&refs) {
        let invited: Vec<String> = case.invited.iter().map(|e| id_of(e)).collect();
        let staff: Vec<String> = case.staff.iter().map(|e| id_of(e)).collect();
        desk.edit_event(event.event, |e| {
            e.status = case.status.key().into();
            e.audience = case.audience.key().into();
            e.invited = invited;
            e.staff = staff;
        })
        .await;
    }
    desk.wait_acknowledged(&admin_storage).await;
    // A proposal, which only admins see.
    let proposal = create_event(&relay, &members[0].1, "proposal", JAN_15_2030).await;

    for (email, cookie, member) in &members {
        let subject = Subject {
            user: &member.user_id,
            roles: &member.roles,
        };
        let mut expected = BTreeSet::new();
        for (case, event) in cases.iter().zip(&refs) {
            let facts = EventFacts {
                public: case.status.is_public(),
                audience: case.audience,
                invited: case.invited.contains(email),
                staff: case.staff.contains(email),
                proposer: false,
            };
            let readable = |kind| {
                access(
                    &subject,
                    &DocFacts {
                        event: Some(facts),
                        ..DocFacts::of(kind)
                    },
                )
                .is_some()
            };
            if readable(DocKind::Event) {
                expected.insert(format!(
                    "{} roster={} checkins={}",
                    case.title,
                    readable(DocKind::EventRoster),
                    readable(DocKind::EventCheckins)
                ));
            }
            let _ = event;
        }
        if member.roles.contains(&Role::Admin) {
            expected.insert("proposal roster=true checkins=true".into());
        } else if *email == members[0].0 {
            // Its proposer follows it, read only.
            expected.insert("proposal roster=false checkins=false".into());
        }
        let titles: Vec<(DocumentId, &str)> = refs
            .iter()
            .zip(&cases)
            .map(|(r, c)| (r.event, c.title))
            .chain([(proposal.event, "proposal")])
            .collect();
        let listed: BTreeSet<String> = me(&relay, cookie)
            .await
            .events
            .iter()
            .map(|r| {
                let title = titles
                    .iter()
                    .find(|(d, _)| *d == r.event)
                    .map_or("?", |(_, t)| t);
                format!(
                    "{title} roster={} checkins={}",
                    r.roster.is_some(),
                    r.checkins.is_some()
                )
            })
            .collect();
        assert_eq!(listed, expected, "{email}");
    }
    // And the lists are not empty by accident.
    assert!(me(&relay, &members[0].1).await.events.len() >= 4);
}
