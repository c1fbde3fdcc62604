//! Conversations in scenarios: starting them over the API, writing on their pages as the app
//! does, and waiting for what another phone receives.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::{ConversationRef, Me};
use tsunagu_core::conversation::{Draft, Message, MessagePage};
use tsunagu_core::ids::DocumentId;

use super::{Device, TestRelay, call, sign_in};

/// A time messages are written at (ms).
pub const T0: i64 = 1_700_000_000_000;

pub async fn start(
    relay: &TestRelay,
    cookie: &str,
    members: &[&str],
    name: &str,
) -> reqwest::Response {
    let body = json!({ "members": members, "name": name });
    call(
        relay,
        Method::POST,
        "/api/conversations",
        Some(cookie),
        Some(body),
    )
    .await
}

pub async fn started(
    relay: &TestRelay,
    cookie: &str,
    members: &[&str],
    name: &str,
) -> ConversationRef {
    let response = start(relay, cookie, members, name).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a conversation")
}

/// `member`'s phone writes a message on `page` under `as_member`'s key.
pub async fn write(
    phone: &mut Device,
    page: DocumentId,
    as_member: &str,
    id: &str,
    text: &str,
    at: i64,
) {
    write_draft(phone, page, as_member, id, Draft::text(text, at)).await;
}

/// `member`'s phone writes `draft` on `page` under `as_member`'s key.
pub async fn write_draft(
    phone: &mut Device,
    page: DocumentId,
    as_member: &str,
    id: &str,
    draft: Draft,
) {
    let (as_member, id) = (as_member.to_owned(), id.to_owned());
    phone
        .change(page, move |tx| {
            MessagePage::write(tx, &as_member, &id, &draft)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .await;
}

pub fn messages(phone: &Device, page: &DocumentId) -> Vec<Message> {
    phone
        .engine
        .doc(page)
        .map(|doc| MessagePage::read(doc).expect("a page"))
        .unwrap_or_default()
}

pub async fn wait_for(phone: &mut Device, page: DocumentId, text: &str) {
    let text = text.to_owned();
    phone
        .pump_until("the message", move |d| {
            messages(d, &page).iter().any(|m| m.text == text)
        })
        .await;
}

/// A relay, and Hanako, Ken and Yuki (an admin) signed in: each one's cookie and `Me`.
pub async fn three() -> (TestRelay, (String, Me), (String, Me), (String, Me)) {
    let relay = TestRelay::start().await;
    let (hanako, ken, yuki) = signed_in(&relay).await;
    (relay, hanako, ken, yuki)
}

pub async fn signed_in(relay: &TestRelay) -> ((String, Me), (String, Me), (String, Me)) {
    (
        sign_in(relay.addr(), "hanako@example.com").await,
        sign_in(relay.addr(), "ken@example.com").await,
        sign_in(relay.addr(), "admin@example.com").await,
    )
}

/// Bytes a photo may be: a JPEG's signature, then `fill`.
pub fn jpeg(fill: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend_from_slice(fill.as_bytes());
    bytes
}

/// `PUT /api/photos/{id}` with `bytes`, as the member with `cookie`.
pub async fn upload(
    relay: &TestRelay,
    cookie: &str,
    id: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    reqwest::Client::new()
        .put(relay.url(&format!("/api/photos/{id}")))
        .header("cookie", cookie)
        .body(bytes)
        .send()
        .await
        .expect("the relay answers")
}
