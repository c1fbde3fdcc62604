//! Two members sync profiles through the relay: edits to your own profile reach every reader;
//! edits to someone else's are never applied.

mod common;

use automerge::Automerge;
use automerge::sync::{State, SyncDoc};
use common::{Device, TestRelay, has_profile_named, send, sign_in};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::Profile;
use tsunagu_core::wire::Message;

/// The profile as the relay has committed it.
async fn stored_profile(relay: &TestRelay, doc: &DocumentId) -> Profile {
    let db = common::database(&relay.dir.path().join("data")).await;
    let chunks: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT bytes FROM chunks WHERE document_id = $1 ORDER BY seq")
            .bind(doc.to_string())
            .fetch_all(&db)
            .await
            .expect("chunks are read");
    let mut automerge = Automerge::new();
    for chunk in &chunks {
        automerge
            .load_incremental(chunk)
            .expect("stored chunks load");
    }
    Profile::read(&automerge).expect("a profile")
}

#[tokio::test]
async fn an_edit_to_my_own_profile_reaches_a_member_reading_it() {
    let relay = TestRelay::start().await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (ken_cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let doc = hanako.profile_doc;

    let mut phone = Device::connect(relay.addr(), &hanako_cookie, &[doc]).await;
    phone
        .pump_until("her profile", |d| has_profile_named(d, &doc, "山田 花子"))
        .await;
    let mut reader = Device::connect(relay.addr(), &ken_cookie, &[doc]).await;
    reader
        .pump_until("her profile", |d| has_profile_named(d, &doc, "山田 花子"))
        .await;

    phone
        .edit(doc, |p| {
            p.title = "People Partner".into();
            p.skills.push("コーチング".into());
        })
        .await;
    phone.wait_acknowledged(&hanako.relay_storage).await;
    reader
        .pump_until("her edit", |d| {
            d.profile(&doc).is_some_and(|p| p.title == "People Partner")
        })
        .await;
    let seen = reader.profile(&doc).expect("the profile");
    assert!(seen.skills.contains(&"コーチング".to_owned()));
    assert_eq!(stored_profile(&relay, &doc).await.title, "People Partner");
}

#[tokio::test]
async fn changes_to_someone_elses_profile_are_rejected_and_the_device_restores_the_relays_version()
{
    let relay = TestRelay::start().await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let (own, theirs) = (hanako.profile_doc, ken.profile_doc);
    let before = stored_profile(&relay, &theirs).await;
    assert_eq!(before.name, "佐藤 健");

    let mut ken_phone = Device::connect(relay.addr(), &ken_cookie, &[theirs, own]).await;
    ken_phone
        .pump_until("both profiles", |d| {
            has_profile_named(d, &theirs, "佐藤 健") && has_profile_named(d, &own, "山田 花子")
        })
        .await;
    let mut hanako_phone = Device::connect(relay.addr(), &hanako_cookie, &[own, theirs]).await;
    hanako_phone
        .pump_until("both profiles", |d| {
            has_profile_named(d, &theirs, "佐藤 健") && has_profile_named(d, &own, "山田 花子")
        })
        .await;

    // Through the engine: the relay refuses the change and tells her device.
    hanako_phone
        .edit(theirs, |p| p.title = "edited by the engine".into())
        .await;
    // Around the engine: a hand-made sync message that carries the change anyway.
    let mut forged = hanako_phone
        .engine
        .doc(&theirs)
        .expect("his profile")
        .fork();
    let mut known = ken_phone.engine.doc(&theirs).expect("his profile").clone();
    let mut profile = Profile::read(&forged).expect("a profile");
    profile.title = "edited around the engine".into();
    let mut tx = forged.transaction();
    profile.write_to(&mut tx).expect("the forged edit");
    tx.commit();
    for data in messages_carrying_changes(&mut forged, &mut known) {
        let sender = hanako_phone.engine.peer_id().clone();
        let target = hanako_phone.received.iter().find_map(|m| match m {
            Message::Peer { sender, .. } => Some(sender.clone()),
            _ => None,
        });
        let message = Message::Sync {
            sender,
            target: target.expect("the relay's peer id"),
            doc: theirs,
            data,
        };
        send(&mut hanako_phone.socket, &message).await;
    }

    // Her own edit after the attempts: once Ken sees it, the relay has handled everything before it.
    hanako_phone
        .edit(own, |p| p.title = "after the attempts".into())
        .await;
    ken_phone
        .pump_until("her later edit", |d| {
            d.profile(&own)
                .is_some_and(|p| p.title == "after the attempts")
        })
        .await;
    assert_eq!(
        ken_phone.profile(&theirs).expect("his profile").title,
        before.title
    );
    let refused = |d: &Device| {
        d.received
            .iter()
            .any(|m| matches!(m, Message::ChangeRejected { doc, .. } if *doc == theirs))
    };
    hanako_phone.pump_until("the refusal", refused).await;
    let refusals: Vec<&String> = hanako_phone
        .received
        .iter()
        .filter_map(|m| match m {
            Message::ChangeRejected { doc, reason, .. } if *doc == theirs => Some(reason),
            _ => None,
        })
        .collect();
    assert!(
        refusals.first().is_some_and(|r| r.contains("`/title`")),
        "her device is told which change was refused and why: {refusals:?}"
    );
    // Her device dropped its copy and fetched the relay's version again.
    hanako_phone
        .pump_until("his profile as the relay has it", |d| {
            d.profile(&theirs).is_some_and(|p| p.title == before.title)
        })
        .await;
    assert_eq!(stored_profile(&relay, &theirs).await, before);
    assert_eq!(
        stored_profile(&relay, &own).await.title,
        "after the attempts"
    );
}

/// The sync messages `ours` sends while syncing with `theirs` in memory, at least one of which
/// carries `ours`'s extra changes.
fn messages_carrying_changes(ours: &mut Automerge, theirs: &mut Automerge) -> Vec<Vec<u8>> {
    let (mut our_state, mut their_state) = (State::new(), State::new());
    let mut sent = Vec::new();
    for _ in 0..10 {
        let ours_said = ours.generate_sync_message(&mut our_state);
        if let Some(m) = &ours_said {
            sent.push(m.clone().encode());
            theirs
                .receive_sync_message(&mut their_state, m.clone())
                .expect("in-memory sync");
        }
        let theirs_said = theirs.generate_sync_message(&mut their_state);
        if let Some(m) = theirs_said.clone() {
            ours.receive_sync_message(&mut our_state, m)
                .expect("in-memory sync");
        }
        if ours_said.is_none() && theirs_said.is_none() {
            break;
        }
    }
    assert!(
        sent.iter()
            .any(|m| automerge::sync::Message::decode(m).is_ok_and(|m| !m.changes.is_empty())),
        "some message carries the change"
    );
    sent
}
