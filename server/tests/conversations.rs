//! Conversations on the relay (issue 11): starting one, and what the relay guarantees on the wire
//! — only its members read it and its pages, a member writes only as themselves, nobody adds
//! themselves, and a flood of new conversations is stopped while members keep chatting.

mod common;

use common::conversations::{
    T0, jpeg, messages, signed_in, start, started, three, upload, wait_for, write, write_draft,
};
use common::events::device_with;
use common::{Device, TestRelay, call, error_code, get_json, unavailable_to};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::{
    AuditEntry, ConversationKind, ConversationRef, MAX_REPORT_REASON_CHARS, Me, MessageReport,
    MessagesFrom, MessagesFromChoice,
};
use tsunagu_core::conversation::{Draft, Inbox, MessagePage};
use tsunagu_core::ids::DocumentId;
use tsunagu_core::photo;

/// Who the conversation `doc` lists, as `phone` has it.
fn members(phone: &Device, doc: &DocumentId) -> Vec<String> {
    use automerge::ReadDoc;
    let Some(doc) = phone.engine.doc(doc) else {
        return Vec::new();
    };
    match doc.get(automerge::ROOT, "members") {
        Ok(Some((_, who))) => doc.keys(&who).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn two_members_chat_one_to_one_and_a_third_cannot_read_or_join() {
    let (relay, hanako, ken, yuki) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    assert_eq!(chat.kind, ConversationKind::Direct);
    // Asking again, from either side, answers the same conversation.
    assert_eq!(
        started(&relay, &ken.0, &[&hanako.1.user_id], "").await,
        chat
    );
    let listed: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert_eq!(listed, std::slice::from_ref(&chat));
    let yukis: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &yuki.0).await;
    assert!(yukis.is_empty());

    let page = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[chat.conversation, page]).await;
    let mut his = device_with(&relay, &ken.0, &[chat.conversation, page]).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "来週の同期会、行きますか？",
        T0,
    )
    .await;
    wait_for(&mut his, page, "来週の同期会、行きますか？").await;
    assert_eq!(messages(&his, &page)[0].author, hanako.1.user_id);

    // Yuki, an admin, is in neither document: for her they do not exist.
    assert!(unavailable_to(&relay, &yuki.0, chat.conversation).await);
    assert!(unavailable_to(&relay, &yuki.0, page).await);

    // Ken's phone, tampered with, posts as Hanako and adds Yuki to the conversation: both
    // refused.
    write(
        &mut his,
        page,
        &hanako.1.user_id,
        "forged",
        "やっぱり行きません",
        T0 + 1,
    )
    .await;
    his.wait_rejected(page).await;
    let yuki_id = yuki.1.user_id.clone();
    his.change(chat.conversation, move |tx| {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let (_, members) = tx
            .get(automerge::ROOT, "members")
            .map_err(|e| e.to_string())?
            .ok_or("no members")?;
        tx.put(&members, yuki_id.as_str(), T0)
            .map_err(|e| e.to_string())
    })
    .await;
    his.wait_rejected(chat.conversation).await;
    assert!(
        unavailable_to(&relay, &yuki.0, page).await,
        "still not hers"
    );

    // Hanako keeps chatting; her phone never holds the forged message.
    write(&mut hers, page, &hanako.1.user_id, "h2", "了解です", T0 + 2).await;
    let mut his_again = device_with(&relay, &ken.0, &[page]).await;
    wait_for(&mut his_again, page, "了解です").await;
    let texts: Vec<String> = messages(&his_again, &page)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["来週の同期会、行きますか？", "了解です"]);
    assert!(!messages(&hers, &page).iter().any(|m| m.id == "forged"));
}

#[tokio::test]
async fn a_group_of_three_each_writes_under_their_own_key() {
    let (relay, hanako, ken, yuki) = three().await;
    let group = started(
        &relay,
        &hanako.0,
        &[&ken.1.user_id, &yuki.1.user_id],
        "2015年入社 同期会",
    )
    .await;
    assert_eq!(group.kind, ConversationKind::Group);
    let page = group.pages[0];
    let mut phones = Vec::new();
    for (cookie, me) in [&hanako, &ken, &yuki] {
        let mut phone = device_with(&relay, cookie, &[page]).await;
        write(
            &mut phone,
            page,
            &me.user_id,
            "m",
            &format!("{}です", me.display_name),
            T0,
        )
        .await;
        phones.push(phone);
    }
    for phone in &mut phones {
        phone
            .pump_until("every member's message", |d| messages(d, &page).len() == 3)
            .await;
    }
    let order = |phone: &Device| -> Vec<String> {
        messages(phone, &page)
            .into_iter()
            .map(|m| m.author)
            .collect()
    };
    assert_eq!(order(&phones[0]), order(&phones[1]));
    assert_eq!(order(&phones[1]), order(&phones[2]));
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_reason_and_start_nothing() {
    let (relay, hanako, ken, _) = three().await;
    for (members, name) in [
        (vec![], ""),
        (vec![hanako.1.user_id.as_str()], ""),
        (vec!["u-nobody"], ""),
        (vec![ken.1.user_id.as_str()], &*"名".repeat(61)),
    ] {
        let response = start(&relay, &hanako.0, &members, name).await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST).await,
            "bad-request"
        );
    }
    let malformed = call(
        &relay,
        Method::POST,
        "/api/conversations",
        Some(&hanako.0),
        Some(json!({ "members": "everyone" })),
    )
    .await;
    assert_eq!(
        error_code(malformed, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let anonymous = start(&relay, "", &[&ken.1.user_id], "").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let none: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &hanako.0).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_flood_of_new_conversations_is_stopped_while_members_keep_chatting() {
    let relay = TestRelay::start_configured(|config| config.limits.conversations_per_day = 3).await;
    let (hanako, ken, yuki) = signed_in(&relay).await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let mut his = device_with(&relay, &ken.0, &[page]).await;

    // Yuki starts groups with Ken until the relay says no.
    for i in 0..3 {
        started(&relay, &yuki.0, &[&ken.1.user_id], &format!("spam {i}")).await;
    }
    let refused = start(&relay, &yuki.0, &[&ken.1.user_id], "spam 3").await;
    assert_eq!(
        error_code(refused, StatusCode::TOO_MANY_REQUESTS).await,
        "too-many-attempts"
    );
    let kens: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert_eq!(kens.len(), 4, "the one with Hanako and three of Yuki's");

    // Hanako and Ken are not slowed down.
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    write(&mut hers, page, &hanako.1.user_id, "h1", "まだ話せる？", T0).await;
    wait_for(&mut his, page, "まだ話せる？").await;
}

#[tokio::test]
async fn a_member_chooses_who_may_start_a_conversation_with_them() {
    let (relay, hanako, ken, yuki) = three().await;
    let choice: MessagesFromChoice = get_json(&relay, "/api/me/messages-from", &ken.0).await;
    assert_eq!(choice.from, MessagesFrom::Everyone);
    let choose = |from: &'static str| {
        let cookie = ken.0.clone();
        let relay = &relay;
        async move {
            let body = json!({ "from": from });
            call(
                relay,
                Method::PUT,
                "/api/me/messages-from",
                Some(&cookie),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(choose("admins").await.status(), StatusCode::NO_CONTENT);

    // Hanako (an alumna) can start nothing with him, alone or in a group; an admin can.
    let alone = start(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    assert_eq!(error_code(alone, StatusCode::FORBIDDEN).await, "forbidden");
    let group = start(&relay, &hanako.0, &[&ken.1.user_id, &yuki.1.user_id], "会").await;
    assert_eq!(error_code(group, StatusCode::FORBIDDEN).await, "forbidden");
    let kens: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert!(kens.is_empty(), "nothing was started");
    started(&relay, &yuki.0, &[&ken.1.user_id], "").await;

    assert_eq!(
        error_code(choose("nobody").await, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    assert_eq!(choose("members").await.status(), StatusCode::NO_CONTENT);
    let choice: MessagesFromChoice = get_json(&relay, "/api/me/messages-from", &ken.0).await;
    assert_eq!(choice.from, MessagesFrom::Members);
    started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
}

async fn remove(
    relay: &TestRelay,
    cookie: &str,
    conversation: DocumentId,
    user: &str,
) -> reqwest::Response {
    let path = format!("/api/conversations/{conversation}/members/{user}");
    call(relay, Method::DELETE, &path, Some(cookie), None).await
}

#[tokio::test]
async fn a_member_removed_from_a_group_stops_receiving_it_at_once() {
    let (relay, hanako, ken, yuki) = three().await;
    let group = started(
        &relay,
        &hanako.0,
        &[&ken.1.user_id, &yuki.1.user_id],
        "幹事会",
    )
    .await;
    let page = group.pages[0];
    let docs = [group.conversation, page];
    let mut hers = device_with(&relay, &hanako.0, &docs).await;
    let mut his = device_with(&relay, &ken.0, &docs).await;
    let mut yukis = device_with(&relay, &yuki.0, &docs).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "準備を始めましょう",
        T0,
    )
    .await;
    wait_for(&mut his, page, "準備を始めましょう").await;

    // Only its creator, an admin, or the member themselves removes a member.
    let by_ken = remove(&relay, &ken.0, group.conversation, &yuki.1.user_id).await;
    assert_eq!(error_code(by_ken, StatusCode::FORBIDDEN).await, "forbidden");
    let direct = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let one_to_one = remove(&relay, &hanako.0, direct.conversation, &ken.1.user_id).await;
    assert_eq!(
        error_code(one_to_one, StatusCode::CONFLICT).await,
        "conflict"
    );
    let unknown = remove(&relay, &hanako.0, DocumentId::random(), &ken.1.user_id).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let removed = remove(&relay, &hanako.0, group.conversation, &ken.1.user_id).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let again = remove(&relay, &hanako.0, group.conversation, &ken.1.user_id).await;
    assert_eq!(error_code(again, StatusCode::CONFLICT).await, "conflict");
    // Now the group is not his: not listed, not readable, not even to remove someone from.
    let kens: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert_eq!(kens, [direct]);
    assert!(unavailable_to(&relay, &ken.0, page).await);
    assert!(unavailable_to(&relay, &ken.0, group.conversation).await);
    let by_outsider = remove(&relay, &ken.0, group.conversation, &yuki.1.user_id).await;
    assert_eq!(by_outsider.status(), StatusCode::NOT_FOUND);

    // His phone, still connected, gets nothing more; what it writes reaches no one.
    write(&mut his, page, &ken.1.user_id, "k1", "まだいます", T0 + 1).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h2",
        "会場の候補です",
        T0 + 2,
    )
    .await;
    wait_for(&mut yukis, page, "会場の候補です").await;
    let late = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        wait_for(&mut his, page, "会場の候補です"),
    )
    .await;
    assert!(
        late.is_err(),
        "a removed member's phone received a new message"
    );
    assert!(
        !messages(&yukis, &page)
            .iter()
            .any(|m| m.text == "まだいます")
    );
    assert!(
        !members(&yukis, &group.conversation).contains(&ken.1.user_id),
        "the conversation no longer lists him"
    );
}

#[tokio::test]
async fn a_deleted_account_leaves_its_conversations_and_takes_back_what_it_wrote() {
    let (relay, hanako, ken, yuki) = three().await;
    let group = started(
        &relay,
        &hanako.0,
        &[&ken.1.user_id, &yuki.1.user_id],
        "送別会",
    )
    .await;
    let page = group.pages[0];
    let docs = [group.conversation, page];
    let mut his = device_with(&relay, &ken.0, &docs).await;
    let mut yukis = device_with(&relay, &yuki.0, &docs).await;
    assert!(members(&yukis, &group.conversation).contains(&ken.1.user_id));
    let bytes = jpeg("送別会の写真");
    let id = photo::id_of(&bytes);
    assert_eq!(
        upload(&relay, &ken.0, &id, bytes).await.status(),
        StatusCode::CREATED
    );
    let with_photo = Draft {
        photos: vec![id.clone()],
        ..Draft::text("転職先の連絡先です: ken@example.net", T0)
    };
    write_draft(&mut his, page, &ken.1.user_id, "k1", with_photo).await;
    write(
        &mut yukis,
        page,
        &yuki.1.user_id,
        "y1",
        "ありがとう！",
        T0 + 1,
    )
    .await;
    wait_for(&mut yukis, page, "転職先の連絡先です: ken@example.net").await;
    let ken_id = ken.1.user_id.clone();
    his.change(page, move |tx| {
        MessagePage::react(tx, &ken_id, "y1", Some("🙏"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    yukis
        .pump_until("his reaction", move |d| {
            messages(d, &page).iter().any(|m| !m.reactions.is_empty())
        })
        .await;
    let photo_url = relay.url(&format!("/api/photos/{id}"));
    let yuki_reads = || async {
        reqwest::Client::new()
            .get(&photo_url)
            .header("cookie", &yuki.0)
            .send()
            .await
            .expect("the relay answers")
            .status()
    };
    assert_eq!(yuki_reads().await, StatusCode::OK);

    let deleted = call(&relay, Method::DELETE, "/api/me", Some(&ken.0), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = ken.1.user_id.clone();
    let conversation = group.conversation;
    yukis
        .pump_until("the conversation to stop listing him", move |d| {
            !members(d, &conversation).contains(&gone)
        })
        .await;
    // What he wrote is taken back on every phone, as if he had unsent it; the others' stays.
    yukis
        .pump_until("his message taken back", move |d| {
            messages(d, &page).iter().any(|m| m.id == "k1" && m.unsent)
        })
        .await;
    let now = messages(&yukis, &page);
    let his_message = now.iter().find(|m| m.id == "k1").expect("its place stays");
    assert!(his_message.text.is_empty() && his_message.photos.is_empty());
    let hers_now = now.iter().find(|m| m.id == "y1").expect("Yuki's message");
    assert_eq!(hers_now.text, "ありがとう！");
    assert!(hers_now.reactions.is_empty(), "his reaction went");
    assert_eq!(yuki_reads().await, StatusCode::NOT_FOUND);
    let hers: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &hanako.0).await;
    assert_eq!(hers, [group]);
}

/// The conversations `phone`'s copy of the inbox `doc` lists.
fn inbox(phone: &Device, doc: &DocumentId) -> Vec<String> {
    phone
        .engine
        .doc(doc)
        .map(|d| Inbox::read(d).expect("an inbox").into_keys().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_members_inbox_hears_of_new_conversations_at_once_and_only_the_relay_writes_it() {
    let (relay, hanako, ken, yuki) = three().await;
    let kens_inbox = ken.1.inbox_doc.expect("an inbox");
    let mut his = device_with(&relay, &ken.0, &[kens_inbox]).await;
    assert!(inbox(&his, &kens_inbox).is_empty());

    let group = started(
        &relay,
        &hanako.0,
        &[&ken.1.user_id, &yuki.1.user_id],
        "2015年入社 同期会",
    )
    .await;
    let listed = group.conversation.to_string();
    his.pump_until("the group in his inbox", move |d| {
        inbox(d, &kens_inbox).contains(&listed)
    })
    .await;

    // Muting it shows on his devices through the inbox too.
    let mute = format!("/api/conversations/{}/mute", group.conversation);
    let muted = send_json(
        &relay,
        Method::PUT,
        &mute,
        &ken.0,
        Some(json!({ "muted": true })),
    )
    .await;
    assert_eq!(muted.status(), StatusCode::NO_CONTENT);
    let listed = group.conversation.to_string();
    his.pump_until("the group muted in his inbox", move |d| {
        d.engine
            .doc(&kens_inbox)
            .is_some_and(|doc| Inbox::muted(doc).unwrap().contains(&listed))
    })
    .await;

    // Nobody else reads it; his own phone cannot add a conversation to it.
    assert!(unavailable_to(&relay, &hanako.0, kens_inbox).await);
    assert!(unavailable_to(&relay, &yuki.0, kens_inbox).await);
    his.change(kens_inbox, |tx| {
        Inbox::add(tx, &DocumentId::random().to_string(), 1).map_err(|e| e.to_string())
    })
    .await;
    his.wait_rejected(kens_inbox).await;

    // His read mark is his to move, and the others see it (既読); Hanako's is not his.
    let page = group.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    let me = ken.1.user_id.clone();
    let mut his_page = device_with(&relay, &ken.0, &[page]).await;
    his_page
        .change(page, move |tx| {
            MessagePage::mark_read(tx, &me, T0)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .await;
    let ken_id = ken.1.user_id.clone();
    hers.pump_until("Ken's read mark", move |d| {
        d.engine
            .doc(&page)
            .is_some_and(|doc| MessagePage::read_marks(doc).unwrap().get(&ken_id) == Some(&T0))
    })
    .await;
    let hanako_id = hanako.1.user_id.clone();
    his_page
        .change(page, move |tx| {
            MessagePage::mark_read(tx, &hanako_id, T0 + 9)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .await;
    his_page.wait_rejected(page).await;

    // Taken out of the group, it leaves his inbox.
    let removed = remove(&relay, &hanako.0, group.conversation, &ken.1.user_id).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let mut his_again = device_with(&relay, &ken.0, &[kens_inbox]).await;
    his_again
        .pump_until("the group gone from his inbox", move |d| {
            inbox(d, &kens_inbox).is_empty()
        })
        .await;
}

async fn send_json(
    relay: &TestRelay,
    method: Method,
    path: &str,
    cookie: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    call(relay, method, path, Some(cookie), body).await
}

/// `POST /api/reports` as the member with `cookie`.
async fn report_as(
    relay: &TestRelay,
    cookie: &str,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    send_json(relay, Method::POST, "/api/reports", cookie, body).await
}

/// The audit log's actions, newest first, as an admin reads it.
async fn audit_actions(relay: &TestRelay, admin: &str) -> Vec<String> {
    let entries: Vec<AuditEntry> = get_json(relay, "/api/admin/audit", admin).await;
    entries.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn a_block_stops_new_conversations_either_way_until_lifted_and_is_audited() {
    let (relay, hanako, ken, yuki) = three().await;
    let path = format!("/api/blocks/{}", ken.1.user_id);
    let blocked = send_json(&relay, Method::PUT, &path, &hanako.0, None).await;
    assert_eq!(blocked.status(), StatusCode::NO_CONTENT);
    let me: Me = get_json(&relay, "/api/me", &hanako.0).await;
    assert_eq!(me.blocked, std::slice::from_ref(&ken.1.user_id));

    // Neither starts a conversation with the other, nor a group with both.
    for (cookie, other) in [(&ken.0, &hanako.1.user_id), (&hanako.0, &ken.1.user_id)] {
        let refused = start(&relay, cookie, &[other], "").await;
        assert_eq!(
            error_code(refused, StatusCode::FORBIDDEN).await,
            "forbidden"
        );
    }
    let group = start(
        &relay,
        &ken.0,
        &[&hanako.1.user_id, &yuki.1.user_id],
        "同期会",
    )
    .await;
    assert_eq!(group.status(), StatusCode::FORBIDDEN);

    // Oneself and nobody cannot be blocked.
    let own = format!("/api/blocks/{}", hanako.1.user_id);
    let selfish = send_json(&relay, Method::PUT, &own, &hanako.0, None).await;
    assert_eq!(selfish.status(), StatusCode::BAD_REQUEST);
    let nobody = send_json(&relay, Method::PUT, "/api/blocks/u-nobody", &hanako.0, None).await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);

    let lifted = send_json(&relay, Method::DELETE, &path, &hanako.0, None).await;
    assert_eq!(lifted.status(), StatusCode::NO_CONTENT);
    started(&relay, &ken.0, &[&hanako.1.user_id], "").await;
    let actions = audit_actions(&relay, &yuki.0).await;
    assert!(actions.contains(&"block-member".to_owned()), "{actions:?}");
    assert!(
        actions.contains(&"unblock-member".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_reported_message_is_hidden_by_an_admin_on_every_phone() {
    let relay = TestRelay::start_configured(|config| config.limits.reports_per_day = 2).await;
    let (hanako, ken, yuki) = signed_in(&relay).await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let mut his = device_with(&relay, &ken.0, &[page]).await;
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    write(
        &mut his,
        page,
        &ken.1.user_id,
        "k1",
        "怪しい儲け話があります",
        T0,
    )
    .await;
    write(&mut his, page, &ken.1.user_id, "k2", "もう一つ", T0 + 1).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "やめてください",
        T0 + 2,
    )
    .await;
    wait_for(&mut hers, page, "もう一つ").await;

    let report =
        |message: &str, reason: &str| json!({ "page": page, "message": message, "reason": reason });
    // Only a member of the conversation reports, only someone else's message, only one that is there.
    let outsider = report_as(&relay, &yuki.0, Some(report("k1", ""))).await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    let own = report_as(&relay, &hanako.0, Some(report("h1", ""))).await;
    assert_eq!(own.status(), StatusCode::BAD_REQUEST);
    let missing = report_as(&relay, &hanako.0, Some(report("zz", ""))).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let long = "x".repeat(MAX_REPORT_REASON_CHARS + 1);
    let too_long = report_as(&relay, &hanako.0, Some(report("k1", &long))).await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    let malformed = report_as(&relay, &hanako.0, Some(json!({ "page": 7 }))).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);

    for _ in 0..2 {
        let reported = report_as(&relay, &hanako.0, Some(report("k1", "詐欺の勧誘"))).await;
        assert_eq!(
            reported.status(),
            StatusCode::NO_CONTENT,
            "twice is one report"
        );
    }
    let second = report_as(&relay, &hanako.0, Some(report("k2", ""))).await;
    assert_eq!(second.status(), StatusCode::NO_CONTENT);
    // A flood of reports is stopped.
    let flood = report_as(&relay, &hanako.0, Some(report("k2", "again"))).await;
    assert_eq!(
        error_code(flood, StatusCode::TOO_MANY_REQUESTS).await,
        "too-many-attempts"
    );

    // Only admins see reports; Yuki sees the message as the relay holds it.
    let not_admin = send_json(&relay, Method::GET, "/api/admin/reports", &ken.0, None).await;
    assert_eq!(not_admin.status(), StatusCode::FORBIDDEN);
    let open: Vec<MessageReport> = get_json(&relay, "/api/admin/reports", &yuki.0).await;
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].text, "怪しい儲け話があります");
    assert_eq!(open[0].author, ken.1.user_id);
    assert_eq!(open[0].reporter, hanako.1.user_id);
    assert_eq!(open[0].reason, "詐欺の勧誘");

    // Ken cannot decide about reports; Yuki hides the first and dismisses the second.
    let decide = |id: i64, decision: &str| {
        (
            format!("/api/admin/reports/{id}"),
            json!({ "decision": decision }),
        )
    };
    let (path, body) = decide(open[0].id, "hide");
    let by_ken = send_json(&relay, Method::POST, &path, &ken.0, Some(body.clone())).await;
    assert_eq!(by_ken.status(), StatusCode::FORBIDDEN);
    let hidden = send_json(&relay, Method::POST, &path, &yuki.0, Some(body.clone())).await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    let again = send_json(&relay, Method::POST, &path, &yuki.0, Some(body)).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let (path, body) = decide(open[1].id, "dismiss");
    let dismissed = send_json(&relay, Method::POST, &path, &yuki.0, Some(body)).await;
    assert_eq!(dismissed.status(), StatusCode::NO_CONTENT);
    let (path, _) = decide(open[1].id, "hide");
    let bad = send_json(
        &relay,
        Method::POST,
        &path,
        &yuki.0,
        Some(json!({ "decision": "delete" })),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let none: Vec<MessageReport> = get_json(&relay, "/api/admin/reports", &yuki.0).await;
    assert!(none.is_empty());

    // Both phones show it hidden, its text gone; the dismissed one stays.
    for phone in [&mut hers, &mut his] {
        phone
            .pump_until("the message hidden", move |d| {
                messages(d, &page)
                    .iter()
                    .any(|m| m.id == "k1" && m.hidden && m.text.is_empty())
            })
            .await;
        assert!(
            messages(phone, &page)
                .iter()
                .any(|m| m.id == "k2" && m.text == "もう一つ")
        );
    }
    // Ken's phone cannot unhide it: the hidden list is the relay's.
    his.change(page, |tx| {
        use automerge::ReadDoc;
        use automerge::transaction::Transactable;
        let (_, hidden) = tx
            .get(automerge::ROOT, "hidden")
            .map_err(|e| e.to_string())?
            .ok_or("no hidden map")?;
        tx.put(&hidden, "k1", false).map_err(|e| e.to_string())
    })
    .await;
    his.wait_rejected(page).await;
    let actions = audit_actions(&relay, &yuki.0).await;
    for action in ["report-message", "hide-message", "dismiss-report"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action}: {actions:?}"
        );
    }
}

/// The typing messages `phone` received on `page`, by whom they say is typing.
fn typing_seen(phone: &Device, page: &DocumentId) -> Vec<Option<String>> {
    phone
        .received
        .iter()
        .filter_map(|m| match m {
            tsunagu_core::wire::Message::Ephemeral { doc, data, .. } if doc == page => {
                Some(tsunagu_core::conversation::typing_member(data))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn typing_reaches_the_other_members_only_in_ones_own_name_and_never_outsiders() {
    use tsunagu_core::conversation::typing;
    let (relay, hanako, ken, yuki) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    let mut his = device_with(&relay, &ken.0, &[page]).await;
    // Yuki, an admin outside the conversation, asks for the page anyway.
    let mut yukis = common::Device::connect(relay.addr(), &yuki.0, &[page]).await;

    // Hanako's phone claims Ken is typing, then a message that is no typing at all, then says
    // she is: only the last reaches Ken.
    for data in [
        typing(&ken.1.user_id),
        b"\x01\x02junk".to_vec(),
        typing(&hanako.1.user_id),
    ] {
        let effects = hers.engine.broadcast(page, data);
        hers.perform(effects).await;
    }
    let me = hanako.1.user_id.clone();
    his.pump_until("Hanako typing", move |d| {
        typing_seen(d, &page).contains(&Some(me.clone()))
    })
    .await;
    assert_eq!(typing_seen(&his, &page), [Some(hanako.1.user_id.clone())]);
    // Ken's own typing reaches Hanako, not Yuki.
    let effects = his.engine.broadcast(page, typing(&ken.1.user_id));
    his.perform(effects).await;
    let him = ken.1.user_id.clone();
    hers.pump_until("Ken typing", move |d| {
        typing_seen(d, &page).contains(&Some(him.clone()))
    })
    .await;
    let quiet = tokio::time::timeout(
        std::time::Duration::from_millis(800),
        yukis.pump_until("anything typed", move |d| !typing_seen(d, &page).is_empty()),
    )
    .await;
    assert!(quiet.is_err(), "an outsider saw someone typing");
}

/// The pages the conversation `doc` lists, as `phone` has it.
fn pages(phone: &Device, doc: &DocumentId) -> Vec<String> {
    phone
        .engine
        .doc(doc)
        .and_then(|d| tsunagu_core::conversation::Conversation::read(d).ok())
        .map(|c| c.pages)
        .unwrap_or_default()
}

#[tokio::test]
async fn a_full_page_turns_to_a_new_one_that_only_members_read() {
    let relay = TestRelay::start_configured(|config| config.limits.messages_per_page = 3).await;
    let (hanako, ken, yuki) = signed_in(&relay).await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let first = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[chat.conversation, first]).await;
    for (i, text) in ["一", "二"].into_iter().enumerate() {
        write(
            &mut hers,
            first,
            &hanako.1.user_id,
            &format!("h{i}"),
            text,
            T0 + i as i64,
        )
        .await;
    }
    wait_for(&mut hers, first, "二").await;
    assert_eq!(pages(&hers, &chat.conversation).len(), 1, "not full yet");
    write(&mut hers, first, &hanako.1.user_id, "h2", "三", T0 + 2).await;
    let conversation = chat.conversation;
    hers.pump_until("the next page", move |d| pages(d, &conversation).len() == 2)
        .await;
    let next: DocumentId = pages(&hers, &conversation)[1].parse().expect("a page id");
    let listed: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert_eq!(listed[0].pages, [first, next]);

    // Ken writes on it; Yuki, outside, cannot read it.
    let mut his = device_with(&relay, &ken.0, &[next]).await;
    write(&mut his, next, &ken.1.user_id, "k1", "四", T0 + 3).await;
    let mut hers_next = device_with(&relay, &hanako.0, &[next]).await;
    wait_for(&mut hers_next, next, "四").await;
    assert!(unavailable_to(&relay, &yuki.0, next).await);
}

async fn add(
    relay: &TestRelay,
    cookie: &str,
    conversation: DocumentId,
    user: &str,
) -> reqwest::Response {
    let path = format!("/api/conversations/{conversation}/members");
    call(
        relay,
        Method::POST,
        &path,
        Some(cookie),
        Some(json!({ "user": user })),
    )
    .await
}

#[tokio::test]
async fn a_member_adds_someone_to_a_group_who_then_reads_it_and_writes_as_themselves() {
    let (relay, hanako, ken, yuki) = three().await;
    let group = started(&relay, &hanako.0, &[&ken.1.user_id], "幹事会").await;
    let page = group.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[group.conversation, page]).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "会場を決めましょう",
        T0,
    )
    .await;

    // Ken (any member) adds Yuki; her inbox lists it and her phone reads its history.
    let inbox = yuki.1.inbox_doc.expect("an inbox");
    let mut yukis = device_with(&relay, &yuki.0, &[inbox]).await;
    assert_eq!(
        add(&relay, &ken.0, group.conversation, &yuki.1.user_id)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let listed = group.conversation.to_string();
    yukis
        .pump_until("the group in her inbox", move |d| {
            inbox_has(d, &inbox, &listed)
        })
        .await;
    let mut yukis = device_with(&relay, &yuki.0, &[group.conversation, page]).await;
    wait_for(&mut yukis, page, "会場を決めましょう").await;
    assert!(members(&yukis, &group.conversation).contains(&yuki.1.user_id));
    // She writes under her own key, in the maps the relay made for her.
    write(
        &mut yukis,
        page,
        &yuki.1.user_id,
        "y1",
        "品川はどうですか",
        T0 + 1,
    )
    .await;
    wait_for(&mut hers, page, "品川はどうですか").await;

    // Twice is once; a one-to-one conversation takes no third; an unknown member is no one.
    let again = add(&relay, &hanako.0, group.conversation, &yuki.1.user_id).await;
    assert_eq!(error_code(again, StatusCode::CONFLICT).await, "conflict");
    let direct = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let third = add(&relay, &hanako.0, direct.conversation, &yuki.1.user_id).await;
    assert_eq!(third.status(), StatusCode::CONFLICT);
    let nobody = add(&relay, &hanako.0, group.conversation, "no-such-member").await;
    assert_eq!(
        error_code(nobody, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
}

#[tokio::test]
async fn no_one_is_added_to_a_group_by_someone_they_do_not_let_start_one() {
    let (relay, hanako, ken, yuki) = three().await;
    let body = json!({ "from": "admins" });
    let chose = call(
        &relay,
        Method::PUT,
        "/api/me/messages-from",
        Some(&ken.0),
        Some(body),
    )
    .await;
    assert_eq!(chose.status(), StatusCode::NO_CONTENT);
    let group = started(&relay, &hanako.0, &[&yuki.1.user_id], "同期会").await;
    let refused = add(&relay, &hanako.0, group.conversation, &ken.1.user_id).await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let kens: Vec<ConversationRef> = get_json(&relay, "/api/conversations", &ken.0).await;
    assert!(kens.is_empty());
    // An admin may: he lets admins.
    assert_eq!(
        add(&relay, &yuki.0, group.conversation, &ken.1.user_id)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    // A block works both ways here too.
    let other = started(&relay, &yuki.0, &[&ken.1.user_id], "運営").await;
    let blocked = call(
        &relay,
        Method::PUT,
        &format!("/api/blocks/{}", hanako.1.user_id),
        Some(&ken.0),
        None,
    )
    .await;
    assert_eq!(blocked.status(), StatusCode::NO_CONTENT);
    let blocked_pair = add(&relay, &ken.0, other.conversation, &hanako.1.user_id).await;
    assert_eq!(
        error_code(blocked_pair, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
}

#[tokio::test]
async fn an_official_group_is_marked_on_every_phone_and_only_admins_change_who_is_in_it() {
    let (relay, hanako, ken, yuki) = three().await;
    let body = json!({ "members": [&ken.1.user_id], "name": "アルムナイ事務局", "official": true });
    let by_alumna = call(
        &relay,
        Method::POST,
        "/api/conversations",
        Some(&hanako.0),
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        error_code(by_alumna, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let body = json!({ "members": [&hanako.1.user_id, &ken.1.user_id], "name": "アルムナイ事務局", "official": true });
    let response = call(
        &relay,
        Method::POST,
        "/api/conversations",
        Some(&yuki.0),
        Some(body),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let official: ConversationRef = response.json().await.expect("a conversation");
    let hers = device_with(&relay, &hanako.0, &[official.conversation]).await;
    let read = hers
        .engine
        .doc(&official.conversation)
        .map(|d| tsunagu_core::conversation::Conversation::read(d).expect("a conversation"))
        .expect("held");
    assert!(read.official);

    // Members neither add to it nor remove others; they may leave; admins do the rest.
    let remove_ken = remove(&relay, &hanako.0, official.conversation, &ken.1.user_id).await;
    assert_eq!(
        error_code(remove_ken, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let leaves = remove(&relay, &hanako.0, official.conversation, &hanako.1.user_id).await;
    assert_eq!(leaves.status(), StatusCode::NO_CONTENT);
    let back_by_ken = add(&relay, &ken.0, official.conversation, &hanako.1.user_id).await;
    assert_eq!(
        error_code(back_by_ken, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let back = add(&relay, &yuki.0, official.conversation, &hanako.1.user_id).await;
    assert_eq!(back.status(), StatusCode::NO_CONTENT);
}

fn inbox_has(phone: &Device, doc: &DocumentId, conversation: &str) -> bool {
    inbox(phone, doc).iter().any(|c| c == conversation)
}

#[tokio::test]
async fn an_events_staff_open_a_chat_for_its_confirmed_attendees_that_follows_the_seats() {
    use common::events::{create_event, going};
    use tsunagu_core::event::{EventStatus, SeatStatus};

    let (relay, hanako, ken, yuki) = three().await;
    let event = create_event(&relay, &yuki.0, "OB・OG 交流会", common::now() + 7 * 86400).await;
    let mut desk = device_with(&relay, &yuki.0, &[event.event]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = 1;
    })
    .await;
    desk.wait_acknowledged(&yuki.1.relay_storage).await;
    let (mut his_phone, _) = going(
        &relay,
        "ken@example.com",
        event.event,
        1,
        SeatStatus::Confirmed,
    )
    .await;
    let (mut her_phone, _) = going(
        &relay,
        "hanako@example.com",
        event.event,
        2,
        SeatStatus::Waiting,
    )
    .await;

    let path = format!("/api/events/{}/chat", event.event);
    let by_attendee = call(&relay, Method::POST, &path, Some(&hanako.0), None).await;
    assert_eq!(by_attendee.status(), StatusCode::FORBIDDEN);
    let opened = call(&relay, Method::POST, &path, Some(&yuki.0), None).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let chat: ConversationRef = opened.json().await.expect("a conversation");
    let again: ConversationRef = call(&relay, Method::POST, &path, Some(&yuki.0), None)
        .await
        .json()
        .await
        .expect("a conversation");
    assert_eq!(again, chat, "one chat per event");
    let listed = |cookie: String| {
        let relay = &relay;
        async move {
            let theirs: Vec<ConversationRef> = get_json(relay, "/api/conversations", &cookie).await;
            theirs
                .into_iter()
                .any(|c| c.conversation == chat.conversation)
        }
    };
    assert!(
        listed(ken.0.clone()).await,
        "the confirmed attendee is in it"
    );
    assert!(!listed(hanako.0.clone()).await, "the waiting one is not");
    let phone = device_with(&relay, &yuki.0, &[chat.conversation]).await;
    let read = phone
        .engine
        .doc(&chat.conversation)
        .map(|d| tsunagu_core::conversation::Conversation::read(d).expect("a conversation"))
        .expect("held");
    assert_eq!(read.name, "OB・OG 交流会");
    assert!(read.official, "only admins change it by hand");

    // Ken gives his seat up: Hanako gets it, and with it the chat; he leaves it.
    let rsvps = ken.1.rsvps_doc.expect("rsvps");
    his_phone.answer(rsvps, event.event, false, 3).await;
    let passes = hanako.1.passes_doc.expect("passes");
    her_phone
        .wait_for_seat(passes, event.event, SeatStatus::Confirmed)
        .await;
    assert!(listed(hanako.0.clone()).await);
    assert!(!listed(ken.0.clone()).await);
    assert!(listed(yuki.0.clone()).await, "whoever opened it stays");
}
