//! A member downloads everything the organisation holds about them, as JSON: their account,
//! roles, sessions (never tokens) and the current content of every document they own.

mod common;

use common::{TestRelay, sign_in};
use reqwest::StatusCode;

#[tokio::test]
async fn a_member_downloads_their_data_and_it_includes_their_latest_edit() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;

    // An edit synced before the export is in it.
    let mut phone = common::Device::connect(relay.addr(), &cookie, &[me.profile_doc]).await;
    phone
        .pump_until("her profile", |d| {
            common::has_profile_named(d, &me.profile_doc, "山田 花子")
        })
        .await;
    phone
        .edit(me.profile_doc, |p| p.title = "データ保護責任者".into())
        .await;
    phone.wait_acknowledged(&me.relay_storage).await;

    let response = reqwest::Client::new()
        .get(relay.url("/api/me/export"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = response.text().await.expect("a body");
    let token = cookie.split_once('=').map(|(_, t)| t).unwrap_or_default();
    assert!(
        !text.contains(token),
        "the export never contains a session token"
    );
    let export: serde_json::Value = serde_json::from_str(&text).expect("JSON");

    assert_eq!(export["account"]["email"], "hanako@example.com");
    assert_eq!(export["account"]["roles"], serde_json::json!(["alumni"]));
    assert!(!export["sessions"].as_array().expect("sessions").is_empty());
    assert!(export["devices"].is_array());
    assert!(
        export["hr_record"].is_null(),
        "the demo members did not join from HR's export"
    );
    assert!(export["audit_log"].is_array());
    let documents = export["documents"].as_array().expect("documents");
    let mut kinds: Vec<&str> = documents
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(kinds[0], "profile", "her profile first");
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "inbox",
            "job-applications",
            "passes",
            "profile",
            "profile-admins",
            "profile-members",
            "profile-private",
            "rsvps",
        ],
        "her profile and each of its parts, her answers to events, her passes, her inbox and her job applications"
    );
    let profile = &documents[0];
    assert_eq!(profile["url"], me.profile_doc.url());
    assert_eq!(profile["content"]["name"], "山田 花子");
    assert_eq!(
        profile["changes_in_history"], 2,
        "the seeded profile and her edit"
    );
    assert_eq!(profile["content"]["title"], "データ保護責任者");
}

#[tokio::test]
async fn the_export_needs_a_session() {
    let relay = TestRelay::start().await;
    let response = reqwest::get(relay.url("/api/me/export"))
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_export_holds_the_messages_a_member_wrote_and_the_photos_they_uploaded() {
    use common::conversations::{T0, jpeg, started, three, upload, write, write_draft};
    use common::events::device_with;
    use tsunagu_core::conversation::Draft;

    let (relay, hanako, ken, _) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let photo = jpeg("書いた人の写真");
    let id = tsunagu_core::photo::id_of(&photo);
    let uploaded = upload(&relay, &hanako.0, &id, photo).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let mut hers = device_with(&relay, &hanako.0, &[chat.conversation, page]).await;
    let mut his = device_with(&relay, &ken.0, &[chat.conversation, page]).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "私の書いたメッセージ",
        T0,
    )
    .await;
    let with_photo = Draft {
        photos: vec![id.clone()],
        ..Draft::text("", T0 + 1)
    };
    write_draft(&mut hers, page, &hanako.1.user_id, "h2", with_photo).await;
    write(
        &mut his,
        page,
        &ken.1.user_id,
        "k1",
        "健さんのメッセージ",
        T0 + 2,
    )
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    his.wait_acknowledged(&ken.1.relay_storage).await;

    let export: serde_json::Value = reqwest::Client::new()
        .get(relay.url("/api/me/export"))
        .header("cookie", &hanako.0)
        .send()
        .await
        .expect("the relay answers")
        .json()
        .await
        .expect("JSON");
    let messages = export["messages"].as_array().expect("messages");
    let ids: Vec<&str> = messages.iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["h1", "h2"], "hers only, not Ken's");
    assert_eq!(messages[0]["text"], "私の書いたメッセージ");
    assert_eq!(messages[0]["conversation"], chat.conversation.url());
    assert_eq!(messages[1]["photos"], serde_json::json!([id]));
    assert_eq!(export["photos"][0]["id"], id.as_str());
}
