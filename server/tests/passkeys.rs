//! Passkeys, as far as they go without a browser's authenticator: who may start which ceremony,
//! what the options ask the browser for, and that a ceremony answers once, in time, and only its
//! own kind for its own member. The whole round trip with a (virtual) authenticator is in
//! `tests/e2e/passkeys.test.mjs`.

mod common;

use std::time::Duration;

use common::{TestRelay, call, error_code, sign_in};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tsunagu_server::{Config, Limits, Server};

async fn challenge(relay: &TestRelay, path: &str, cookie: Option<&str>) -> Value {
    let response = call(relay, Method::POST, path, cookie, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("a PasskeyChallenge")
}

/// An answer the relay can parse but that no authenticator made.
fn made_up_answer(ceremony: &str) -> Value {
    json!({
        "ceremony": ceremony,
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {
                "authenticatorData": "AAAA",
                "clientDataJSON": "AAAA",
                "signature": "AAAA",
                "userHandle": "AAAA"
            },
            "clientExtensionResults": {}
        }
    })
}

#[tokio::test]
async fn a_signed_in_member_is_asked_for_a_discoverable_passkey_bound_to_localhost() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let challenge = challenge(&relay, "/api/passkeys/register/start", Some(&cookie)).await;
    assert!(
        challenge["ceremony"]
            .as_str()
            .is_some_and(|c| c.len() >= 32)
    );
    let options = &challenge["options"];
    assert_eq!(options["rp"]["id"], "localhost");
    assert_eq!(options["user"]["name"], me.email.as_str());
    assert!(options["challenge"].as_str().is_some_and(|c| c.len() >= 40));
    let selection = &options["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");

    // The user handle is the member's own, the same every time, and not their user id.
    let again = challenge_options(&relay, &cookie).await;
    assert_eq!(again["user"]["id"], options["user"]["id"]);
    assert_ne!(again["challenge"], options["challenge"]);
    assert!(
        !options["user"]["id"]
            .as_str()
            .is_some_and(|id| id.contains(&me.user_id))
    );

    let list = call(&relay, Method::GET, "/api/passkeys", Some(&cookie), None).await;
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(list.json::<Value>().await.expect("a list"), json!([]));
}

async fn challenge_options(relay: &TestRelay, cookie: &str) -> Value {
    challenge(relay, "/api/passkeys/register/start", Some(cookie)).await["options"].clone()
}

#[tokio::test]
async fn managing_passkeys_needs_a_session() {
    let relay = TestRelay::start().await;
    for (method, path) in [
        (Method::GET, "/api/passkeys"),
        (Method::POST, "/api/passkeys/register/start"),
        (Method::POST, "/api/passkeys/register/finish"),
        (Method::DELETE, "/api/passkeys/passkey-1"),
    ] {
        let body = (method == Method::POST).then(|| made_up_answer("x"));
        let response = call(&relay, method, path, None, body).await;
        assert_eq!(
            error_code(response, StatusCode::UNAUTHORIZED).await,
            "unauthenticated",
            "{path}"
        );
    }
}

#[tokio::test]
async fn signing_in_asks_for_any_passkey_of_this_site_with_a_fresh_challenge() {
    let relay = TestRelay::start().await;
    let first = challenge(&relay, "/api/passkeys/sign-in/start", None).await;
    let second = challenge(&relay, "/api/passkeys/sign-in/start", None).await;
    let options = &first["options"];
    assert_eq!(options["rpId"], "localhost");
    assert_eq!(options["allowCredentials"], json!([]));
    assert_eq!(options["userVerification"], "required");
    assert_ne!(options["challenge"], second["options"]["challenge"]);
    assert_ne!(first["ceremony"], second["ceremony"]);
}

#[tokio::test]
async fn a_ceremony_the_relay_never_issued_is_refused() {
    let relay = TestRelay::start().await;
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/sign-in/finish",
        None,
        Some(made_up_answer("made-up")),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );
}

#[tokio::test]
async fn a_ceremony_answers_once() {
    let relay = TestRelay::start().await;
    let issued = challenge(&relay, "/api/passkeys/sign-in/start", None).await;
    let ceremony = issued["ceremony"].as_str().expect("a ceremony");
    let first = call(
        &relay,
        Method::POST,
        "/api/passkeys/sign-in/finish",
        None,
        Some(made_up_answer(ceremony)),
    )
    .await;
    // Not a passkey of anyone here.
    assert_eq!(
        error_code(first, StatusCode::UNAUTHORIZED).await,
        "passkey-not-recognised"
    );
    let replayed = call(
        &relay,
        Method::POST,
        "/api/passkeys/sign-in/finish",
        None,
        Some(made_up_answer(ceremony)),
    )
    .await;
    assert_eq!(
        error_code(replayed, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );
}

#[tokio::test]
async fn an_expired_ceremony_is_refused() {
    let relay = TestRelay::start_with(Limits {
        passkey_ceremony: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let issued = challenge(&relay, "/api/passkeys/sign-in/start", None).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/sign-in/finish",
        None,
        Some(made_up_answer(
            issued["ceremony"].as_str().expect("a ceremony"),
        )),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );
}

#[tokio::test]
async fn a_ceremony_is_only_for_its_own_kind_and_member() {
    let relay = TestRelay::start().await;
    let (hanako, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let (ken, _) = sign_in(relay.addr(), "ken@example.com").await;

    // Hanako's registration, answered by Ken, is as unknown as one never issued.
    let issued = challenge(&relay, "/api/passkeys/register/start", Some(&hanako)).await;
    let ceremony = issued["ceremony"].as_str().expect("a ceremony");
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/register/finish",
        Some(&ken),
        Some(made_up_answer(ceremony)),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );

    // A registration ceremony cannot be used to sign in.
    let issued = challenge(&relay, "/api/passkeys/register/start", Some(&hanako)).await;
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/sign-in/finish",
        None,
        Some(made_up_answer(
            issued["ceremony"].as_str().expect("a ceremony"),
        )),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );

    // Nor a sign-in ceremony to register.
    let issued = challenge(&relay, "/api/passkeys/sign-in/start", None).await;
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/register/finish",
        Some(&hanako),
        Some(made_up_answer(
            issued["ceremony"].as_str().expect("a ceremony"),
        )),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::GONE).await,
        "passkey-ceremony-expired"
    );
}

#[tokio::test]
async fn a_made_up_registration_is_rejected() {
    let relay = TestRelay::start().await;
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let issued = challenge(&relay, "/api/passkeys/register/start", Some(&cookie)).await;
    let answer = json!({
        "ceremony": issued["ceremony"],
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": { "attestationObject": "AAAA", "clientDataJSON": "AAAA" },
            "clientExtensionResults": {}
        }
    });
    let response = call(
        &relay,
        Method::POST,
        "/api/passkeys/register/finish",
        Some(&cookie),
        Some(answer),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::UNAUTHORIZED).await,
        "passkey-rejected"
    );
    let list = call(&relay, Method::GET, "/api/passkeys", Some(&cookie), None).await;
    assert_eq!(list.json::<Value>().await.expect("a list"), json!([]));
}

#[tokio::test]
async fn someone_elses_or_a_missing_passkey_cannot_be_removed() {
    let relay = TestRelay::start().await;
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let response = call(
        &relay,
        Method::DELETE,
        "/api/passkeys/passkey-0000",
        Some(&cookie),
        None,
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not-found"
    );
}

#[tokio::test]
async fn a_relay_reached_only_by_an_ip_address_offers_no_passkeys() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = common::config(dir.path().join("data"), dir.path().join("dist")).await;
    config.public_url = Some("http://192.168.1.20:8080".into());
    let server = Server::start(config).await.expect("the relay starts");
    let response = reqwest::Client::new()
        .post(format!(
            "http://{}/api/passkeys/sign-in/start",
            server.local_addr()
        ))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "passkeys-unavailable"
    );
    server.stop().await;
}

#[test]
fn passkeys_are_bound_to_the_public_domain_or_to_localhost() {
    let config = |public: Option<&str>| {
        let mut config = Config::new("127.0.0.1:8080".parse().expect("an address"), "d", "d");
        config.public_url = public.map(str::to_owned);
        config
    };
    let loopback = "127.0.0.1:8080".parse().expect("an address");
    assert_eq!(
        config(None).passkey_origin(loopback).as_deref(),
        Some("http://localhost:8080")
    );
    assert_eq!(
        config(None)
            .passkey_origin("0.0.0.0:9000".parse().expect("an address"))
            .as_deref(),
        Some("http://localhost:9000")
    );
    assert_eq!(
        config(None).passkey_origin("192.168.1.20:8080".parse().expect("an address")),
        None
    );
    assert_eq!(
        config(Some("https://alumni.example.com/"))
            .passkey_origin(loopback)
            .as_deref(),
        Some("https://alumni.example.com")
    );
    assert_eq!(
        config(Some("http://10.0.0.2:8080")).passkey_origin(loopback),
        None
    );
}
