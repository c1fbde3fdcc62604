//! A member sees the devices their app syncs from and revokes one: it is cut off at once with a
//! `device-revoked` protocol error, and the session it synced with ends everywhere — its socket
//! and the HTTP API refuse it, whatever storage it announces.

mod common;

use common::{Device, TestRelay, closes, sign_in};
use reqwest::StatusCode;
use tsunagu_core::api::{DEVICE_REVOKED, DeviceInfo};
use tsunagu_core::wire::Message;

async fn devices(relay: &TestRelay, cookie: &str, current: &str) -> Vec<DeviceInfo> {
    common::get_json(relay, &format!("/api/devices?current={current}"), cookie).await
}

async fn revoke(relay: &TestRelay, cookie: &str, id: &str) -> StatusCode {
    reqwest::Client::new()
        .delete(relay.url(&format!("/api/devices/{id}")))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the relay answers")
        .status()
}

#[tokio::test]
async fn a_revoked_device_is_cut_off_and_refused_when_it_comes_back() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let phone = Device::connect(relay.addr(), &cookie, &[me.profile_doc]).await;
    let phone_storage = phone.storage.as_str().to_owned();
    let mut laptop = Device::connect(relay.addr(), &cookie, &[me.profile_doc]).await;
    let laptop_storage = laptop.storage.as_str().to_owned();
    laptop
        .pump_until("her profile", |d| {
            common::has_profile_named(d, &me.profile_doc, "山田 花子")
        })
        .await;

    // Each device syncs with a session of its own; she looks from the laptop.
    assert_ne!(laptop.cookie, phone.cookie);
    let laptop_cookie = laptop.cookie.clone();
    let listed = devices(&relay, &laptop_cookie, &laptop_storage).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    let this = listed
        .iter()
        .find(|d| d.this_device)
        .expect("the laptop is marked");
    let other = listed
        .iter()
        .find(|d| !d.this_device)
        .expect("the phone is listed");
    assert!(!this.revoked && !other.revoked);

    // Another member cannot revoke it, nor learn that it exists.
    let (ken, _) = sign_in(relay.addr(), "ken@example.com").await;
    assert_eq!(revoke(&relay, &ken, &other.id).await, StatusCode::NOT_FOUND);

    assert_eq!(
        revoke(&relay, &laptop_cookie, &other.id).await,
        StatusCode::NO_CONTENT
    );
    let mut socket = phone.socket;
    let mut told = false;
    while let Some(message) = common::next_message(&mut socket).await {
        if let Message::Error { message } = message {
            told = message.starts_with(DEVICE_REVOKED);
            break;
        }
    }
    assert!(told, "the phone is told it was revoked");
    assert!(closes(&mut socket).await);

    // The phone's session is over: no socket, whatever storage it announces, and no API.
    assert!(
        common::open_socket(relay.addr(), Some(&cookie))
            .await
            .is_err()
    );
    let me_again = common::call(&relay, reqwest::Method::GET, "/api/me", Some(&cookie), None).await;
    assert_eq!(me_again.status(), StatusCode::UNAUTHORIZED);
    // Signed in again on that browser, the revoked storage is still refused.
    let (fresh, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let refused = join_as(&relay, &fresh, &phone_storage).await;
    assert!(
        refused.is_some_and(|m| m.starts_with(DEVICE_REVOKED)),
        "refused on reconnect"
    );
    // The laptop is unaffected.
    let listed = devices(&relay, &laptop_cookie, &laptop_storage).await;
    assert!(listed.iter().any(|d| d.id == other.id && d.revoked));
    assert!(listed.iter().any(|d| d.this_device && !d.revoked));
    drop(laptop);
}

/// Opens a socket, joins announcing `storage`, and returns the protocol error, if one comes.
async fn join_as(relay: &TestRelay, cookie: &str, storage: &str) -> Option<String> {
    let mut socket = common::joined(relay, cookie, "returning-phone", Some(storage)).await;
    while let Some(message) = common::next_message(&mut socket).await {
        if let Message::Error { message } = message {
            return Some(message);
        }
    }
    None
}
