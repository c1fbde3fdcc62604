//! Signing in and out, and what an unauthenticated caller gets.

mod common;

use common::{TestRelay, open_socket, post_session, session_cookie, sign_in};
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite;
use tsunagu_core::api::{ApiError, ErrorCode, Me};
use tsunagu_core::vocab::Role;
use tsunagu_server::{DEMO_PASSWORD, Limits};

async fn error_of(response: reqwest::Response) -> ApiError {
    response.json().await.expect("an ApiError body")
}

async fn get_me(relay: &TestRelay, cookie: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(relay.url("/api/me"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("the relay answers")
}

/// Neither the API nor the sync socket accepts the session any more, and the API says so.
async fn assert_session_refused(relay: &TestRelay, cookie: &str) {
    let response = get_me(relay, Some(cookie)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(response).await.error, ErrorCode::SessionExpired);
    assert_eq!(
        upgrade_status(open_socket(relay.addr(), Some(cookie)).await),
        Some(401)
    );
}

fn upgrade_status(result: Result<common::Socket, tungstenite::Error>) -> Option<u16> {
    match result {
        Err(tungstenite::Error::Http(response)) => Some(response.status().as_u16()),
        _ => None,
    }
}

#[tokio::test]
async fn the_right_password_opens_a_session_that_me_recognises() {
    let relay = TestRelay::start().await;
    let response = post_session(relay.addr(), "Hanako@Example.com ", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a Set-Cookie header")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} has {attribute}"
        );
    }
    let cookie = session_cookie(&response).expect("the session cookie");
    let token = cookie.trim_start_matches("tsunagu_session=");
    assert_eq!(token.len(), 43, "32 bytes of base64url");

    let me: Me = response.json().await.expect("a Me body");
    assert_eq!(me.email, "hanako@example.com");
    assert_eq!(me.display_name, "山田 花子");
    assert_eq!(me.roles, vec![Role::Alumni]);
    assert_eq!(me.organisation, "株式会社つなぐ商事");
    assert!(
        me.directory.len() >= 63,
        "the demo directory has {} profiles",
        me.directory.len()
    );
    assert!(me.directory.contains(&me.profile_doc));

    let again = get_me(&relay, Some(&cookie)).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Me>().await.expect("a Me body"), me);

    let (_, admin) = sign_in(relay.addr(), "admin@example.com").await;
    assert!(admin.roles.contains(&Role::Admin));
    assert_eq!(admin.relay_storage, me.relay_storage);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let relay = TestRelay::start().await;
    let wrong = post_session(relay.addr(), "hanako@example.com", "tsunagu-dem0").await;
    let unknown = post_session(relay.addr(), "nobody@example.com", DEMO_PASSWORD).await;
    // A generated alumnus exists but has no password.
    let passwordless = post_session(relay.addr(), "lucas.muller@example.com", DEMO_PASSWORD).await;
    for response in [wrong, unknown, passwordless] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(session_cookie(&response).is_none());
        let error = error_of(response).await;
        assert_eq!(error.error, ErrorCode::InvalidCredentials);
        assert_eq!(error.message, "wrong email or password");
    }
}

#[tokio::test]
async fn without_a_cookie_neither_the_api_nor_the_sync_socket_answers() {
    let relay = TestRelay::start().await;
    let response = get_me(&relay, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(response).await.error, ErrorCode::Unauthenticated);
    assert_eq!(
        upgrade_status(open_socket(relay.addr(), None).await),
        Some(401)
    );

    let forged = "tsunagu_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let response = get_me(&relay, Some(forged)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_of(response).await.error, ErrorCode::SessionExpired);
    assert_eq!(
        upgrade_status(open_socket(relay.addr(), Some(forged)).await),
        Some(401)
    );
}

#[tokio::test]
async fn a_signed_out_session_no_longer_opens_anything() {
    let relay = TestRelay::start().await;
    let (cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    let mut open = open_socket(relay.addr(), Some(&cookie))
        .await
        .expect("the socket opens");

    let response = reqwest::Client::new()
        .delete(relay.url("/api/session"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        cleared.contains("Max-Age=0"),
        "the cookie is cleared: {cleared}"
    );
    // A socket opened with the session is told and closed.
    match common::next_message(&mut open).await {
        Some(tsunagu_core::wire::Message::Error { message }) => {
            assert_eq!(
                message,
                format!("{}: signed out", tsunagu_core::api::SESSION_ENDED)
            );
        }
        other => panic!("expected an error message, got {other:?}"),
    }
    assert!(common::closes(&mut open).await);

    assert_session_refused(&relay, &cookie).await;
}

#[tokio::test]
async fn an_expired_session_asks_to_sign_in_again() {
    let relay = TestRelay::start().await;
    let (cookie, _) = sign_in(relay.addr(), "ken@example.com").await;
    assert_eq!(get_me(&relay, Some(&cookie)).await.status(), StatusCode::OK);

    // Thirty days pass.
    let db = common::database(&relay.dir.path().join("data")).await;
    sqlx::query("UPDATE sessions SET expires_at = 0")
        .execute(&db)
        .await
        .expect("sessions age");

    assert_session_refused(&relay, &cookie).await;
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_with_a_reason() {
    let relay = TestRelay::start().await;
    let client = reqwest::Client::new();
    for body in [
        r#"{"email": "hanako@example.com""#,
        r#"{"email": "hanako@example.com"}"#,
        "[1, 2]",
    ] {
        let response = client
            .post(relay.url("/api/session"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the relay answers");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error = error_of(response).await;
        assert_eq!(error.error, ErrorCode::BadRequest);
        assert!(!error.message.is_empty());
    }
    let huge = format!(r#"{{"email": "{}", "password": "x"}}"#, "a".repeat(100_000));
    let response = client
        .post(relay.url("/api/session"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "an oversized body is refused"
    );
    let response = client
        .get(relay.url("/api/no-such-thing"))
        .send()
        .await
        .expect("the relay answers");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_of(response).await.error, ErrorCode::NotFound);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let limits = Limits {
        sign_in_failures: 3,
        ..Limits::default()
    };
    let relay = TestRelay::start_with(limits).await;
    for _ in 0..3 {
        let response = post_session(relay.addr(), "hanako@example.com", "guess").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = post_session(relay.addr(), "hanako@example.com", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_of(response).await.error, ErrorCode::TooManyAttempts);
    // Other members are not locked out.
    sign_in(relay.addr(), "ken@example.com").await;
}
