//! Who sees what of a profile, on the wire: a field goes only to the audience its owner chose
//! (its part is a separate document the relay refuses to everyone else, exactly as a missing
//! one), a member who hides from the directory is seen by admins only, and a deleted account
//! leaves nothing behind on the relay.

mod common;

use common::events::device_with;
use common::{Device, TestRelay, get_json, post_session, profile_part, sign_in, unavailable_to};
use reqwest::StatusCode;
use tsunagu_core::api::{DirectoryListing, Me};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::vocab::Audience;
use tsunagu_core::wire::Message;
use tsunagu_server::DEMO_PASSWORD;

/// A device of `email` holding every profile document they may read.
async fn device_of(relay: &TestRelay, email: &str) -> (Device, Me, String) {
    let (cookie, me) = sign_in(relay.addr(), email).await;
    let docs: Vec<DocumentId> = me
        .directory
        .iter()
        .copied()
        .chain(me.parts.iter().map(|p| p.doc))
        .collect();
    let device = device_with(relay, &cookie, &docs).await;
    (device, me, cookie)
}

#[tokio::test]
async fn a_field_for_admins_only_reaches_admins_and_no_other_alumnus() {
    let relay = TestRelay::start().await;
    let (mut phone, hanako, _) = device_of(&relay, "hanako@example.com").await;
    let (_, ken, ken_cookie) = device_of(&relay, "ken@example.com").await;
    let (_, admin, _) = device_of(&relay, "admin@example.com").await;

    // Every member lists her main profile; her parts go to their audiences only.
    assert!(ken.directory.contains(&hanako.profile_doc));
    let members = profile_part(&hanako, &hanako, Audience::Members).expect("her members part");
    let admins = profile_part(&hanako, &hanako, Audience::Admins).expect("her admins part");
    let private = profile_part(&hanako, &hanako, Audience::OnlyMe).expect("her private part");
    assert_eq!(
        profile_part(&ken, &hanako, Audience::Members),
        Some(members)
    );
    assert_eq!(profile_part(&ken, &hanako, Audience::Admins), None);
    assert_eq!(profile_part(&ken, &hanako, Audience::OnlyMe), None);
    assert_eq!(
        profile_part(&admin, &hanako, Audience::Admins),
        Some(admins)
    );
    assert_eq!(profile_part(&admin, &hanako, Audience::OnlyMe), None);

    // She writes her bio for admins only, as the app does: into that part, and her choice
    // into her private part.
    let mut visibility = Visibility::default();
    visibility.0.insert("bio".into(), Audience::Admins);
    let profile = Profile {
        bio: "社内異動を検討中".into(),
        ..Profile::read(phone.engine.doc(&hanako.profile_doc).expect("held")).expect("a profile")
    };
    phone.write_profile(&hanako, &profile, &visibility).await;
    phone.wait_acknowledged(&hanako.relay_storage).await;

    // The admin's device gets the bio; Ken's may not even learn the part exists.
    let (admin_device, _, _) = device_of(&relay, "admin@example.com").await;
    let seen = Profile::read_parts(
        [hanako.profile_doc, members, admins]
            .iter()
            .map(|d| admin_device.engine.doc(d).expect("held")),
    )
    .expect("her profile");
    assert_eq!(seen.bio, "社内異動を検討中");
    let (ken_device, _, _) = device_of(&relay, "ken@example.com").await;
    let readable: Vec<&automerge::Automerge> = [hanako.profile_doc, members]
        .iter()
        .map(|d| ken_device.engine.doc(d).expect("held"))
        .collect();
    assert_eq!(Profile::read_parts(readable).expect("her profile").bio, "");
    assert!(ken_device.engine.doc(&admins).is_none());
    assert!(unavailable_to(&relay, &ken_cookie, admins).await);
    assert!(unavailable_to(&relay, &ken_cookie, private).await);
}

#[tokio::test]
async fn a_member_hidden_from_the_directory_is_seen_by_admins_only() {
    let relay = TestRelay::start().await;
    let (hanako_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let listing = |hidden| {
        reqwest::Client::new()
            .put(relay.url("/api/me/directory"))
            .header("cookie", &hanako_cookie)
            .json(&DirectoryListing { hidden })
            .send()
    };
    assert_eq!(
        listing(true).await.expect("answer").status(),
        StatusCode::NO_CONTENT
    );

    let (ken_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    assert!(!ken.directory.contains(&hanako.profile_doc));
    assert!(ken.parts.iter().all(|p| p.profile != hanako.profile_doc));
    assert!(unavailable_to(&relay, &ken_cookie, hanako.profile_doc).await);
    let (_, admin) = sign_in(relay.addr(), "admin@example.com").await;
    assert!(admin.directory.contains(&hanako.profile_doc));
    let (_, hanako_again) = sign_in(relay.addr(), "hanako@example.com").await;
    assert!(hanako_again.hidden_from_directory);
    assert!(
        hanako_again.directory.contains(&hanako.profile_doc),
        "she still has her own"
    );

    assert_eq!(
        listing(false).await.expect("answer").status(),
        StatusCode::NO_CONTENT
    );
    let (_, ken) = sign_in(relay.addr(), "ken@example.com").await;
    assert!(ken.directory.contains(&hanako.profile_doc));
    assert!(!unavailable_to(&relay, &ken_cookie, hanako.profile_doc).await);
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_readable_and_its_devices_are_told() {
    let relay = TestRelay::start().await;
    let (mut phone, ken, ken_cookie) = device_of(&relay, "ken@example.com").await;
    let deleted = reqwest::Client::new()
        .delete(relay.url("/api/me"))
        .header("cookie", &ken_cookie)
        .send()
        .await
        .expect("answer");
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "{:?}",
        deleted.text().await
    );

    // His phone is told, and closes.
    let told = async {
        loop {
            match futures_util::StreamExt::next(&mut phone.socket).await {
                Some(Ok(tokio_tungstenite::tungstenite::Message::Binary(bytes))) => {
                    if let Ok(Message::Error { message }) = Message::decode(&bytes) {
                        return message;
                    }
                }
                other => panic!("closed without a reason: {other:?}"),
            }
        }
    };
    let reason = tokio::time::timeout(common::PATIENCE, told)
        .await
        .expect("in time");
    assert!(
        reason.starts_with(tsunagu_core::api::ACCOUNT_DELETED),
        "{reason}"
    );

    assert_eq!(
        post_session(relay.addr(), "ken@example.com", DEMO_PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    assert!(!admin.directory.contains(&ken.profile_doc));
    for doc in std::iter::once(ken.profile_doc).chain(
        ken.parts
            .iter()
            .filter(|p| p.profile == ken.profile_doc)
            .map(|p| p.doc),
    ) {
        assert!(
            unavailable_to(&relay, &admin_cookie, doc).await,
            "{doc} is erased"
        );
    }
    let audit: serde_json::Value = get_json(&relay, "/api/admin/audit", &admin_cookie).await;
    assert!(
        audit.to_string().contains("delete-account"),
        "the deletion is in the audit log: {audit}"
    );
}
