//! Web Push from the relay (issue 11), against a push service run by the test: it records what
//! the relay posts, checks the VAPID signature (RFC 8292) and decrypts the body with the
//! device's keys (RFC 8291), as a browser's push service and the browser would.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::events::device_with;
use common::{TestRelay, call, error_code, get_json, sign_in};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::mpsc;
use tsunagu_core::api::{ConversationRef, PushKey, PushNotice};
use tsunagu_core::conversation::{Draft, MessagePage};
use web_push_native::Auth;

/// One push the relay posted: to which device, its headers and encrypted body.
#[derive(Debug)]
struct Push {
    device: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A push service on loopback: records every push; answers 201, or what a device is set to.
struct PushService {
    origin: String,
    pushes: mpsc::UnboundedReceiver<Push>,
    answers: Arc<Mutex<HashMap<String, u16>>>,
}

#[derive(Clone)]
struct Shared {
    pushes: mpsc::UnboundedSender<Push>,
    answers: Arc<Mutex<HashMap<String, u16>>>,
}

async fn receive(
    State(shared): State<Shared>,
    Path(device): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> AxumStatus {
    let answer = shared
        .answers
        .lock()
        .expect("as the test set it up")
        .get(&device)
        .copied();
    shared
        .pushes
        .send(Push {
            device,
            headers,
            body: body.to_vec(),
        })
        .ok();
    AxumStatus::from_u16(answer.unwrap_or(201)).expect("as the test set it up")
}

impl PushService {
    async fn start() -> Self {
        let (tx, pushes) = mpsc::unbounded_channel();
        let answers = Arc::new(Mutex::new(HashMap::new()));
        let shared = Shared {
            pushes: tx,
            answers: Arc::clone(&answers),
        };
        let app = Router::new()
            .route("/push/{device}", post(receive))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("as the test set it up");
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("as the test set it up")
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            origin,
            pushes,
            answers,
        }
    }

    fn endpoint(&self, device: &str) -> String {
        format!("{}/push/{device}", self.origin)
    }

    async fn next(&mut self) -> Push {
        tokio::time::timeout(Duration::from_secs(10), self.pushes.recv())
            .await
            .expect("a push within 10 s")
            .expect("the push service runs")
    }

    /// Nothing arrives for a while.
    async fn quiet(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(1500), self.pushes.recv()).await;
        assert!(got.is_err(), "no push expected, got {got:?}");
    }
}

/// A browser's push subscription keys.
struct DeviceKeys {
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl DeviceKeys {
    fn new() -> Self {
        Self {
            secret: p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng),
            auth: rand_auth(),
        }
    }

    fn subscription(&self, endpoint: &str, preview: bool) -> serde_json::Value {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        json!({
            "endpoint": endpoint,
            "p256dh": B64.encode(self.secret.public_key().to_encoded_point(false).as_bytes()),
            "auth": B64.encode(self.auth),
            "preview": preview,
        })
    }

    /// What the browser would read from `push`, after checking who signed it.
    fn open(&self, push: &Push, relay_key: &VerifyingKey, push_origin: &str) -> PushNotice {
        assert_eq!(push.headers["content-encoding"], "aes128gcm");
        assert!(push.headers.contains_key("ttl"));
        let authorization = push.headers["authorization"]
            .to_str()
            .expect("as the test set it up");
        let (token, key) = authorization
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("a VAPID authorization");
        assert_eq!(
            B64.decode(key).expect("as the test set it up"),
            relay_key.to_encoded_point(false).as_bytes()
        );
        let (signed, signature) = token.rsplit_once('.').expect("as the test set it up");
        let signature =
            Signature::from_slice(&B64.decode(signature).expect("as the test set it up"))
                .expect("as the test set it up");
        relay_key
            .verify(signed.as_bytes(), &signature)
            .expect("signed by the relay's VAPID key");
        let claims: serde_json::Value = serde_json::from_slice(
            &B64.decode(signed.split_once('.').expect("as the test set it up").1)
                .expect("as the test set it up"),
        )
        .expect("as the test set it up");
        assert_eq!(claims["aud"], push_origin);
        assert!(claims["exp"].as_i64().expect("as the test set it up") > common::now());
        let plain = web_push_native::decrypt(
            push.body.clone(),
            &self.secret,
            &Auth::clone_from_slice(&self.auth),
        )
        .expect("the body decrypts with the device's keys");
        serde_json::from_slice(&plain).expect("a notice")
    }
}

fn rand_auth() -> [u8; 16] {
    use p256::elliptic_curve::rand_core::RngCore;
    let mut auth = [0; 16];
    p256::elliptic_curve::rand_core::OsRng.fill_bytes(&mut auth);
    auth
}

async fn put_json(
    relay: &TestRelay,
    path: &str,
    cookie: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    call(relay, Method::PUT, path, Some(cookie), Some(body)).await
}

fn ms_now() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("as the test set it up");
    i64::try_from(since.as_millis()).expect("as the test set it up")
}

#[tokio::test]
async fn a_message_to_someone_away_reaches_their_devices_through_their_push_service() {
    let mut push = PushService::start().await;
    let origin = push.origin.clone();
    let relay = TestRelay::start_configured(|c| c.push_services.push(origin)).await;
    let hanako = sign_in(relay.addr(), "hanako@example.com").await;
    let ken = sign_in(relay.addr(), "ken@example.com").await;
    let yuki = sign_in(relay.addr(), "admin@example.com").await;
    let PushKey { key } = get_json(&relay, "/api/push/key", &ken.0).await;
    let relay_key =
        VerifyingKey::from_sec1_bytes(&B64.decode(&key).expect("as the test set it up"))
            .expect("as the test set it up");

    // Subscriptions elsewhere than a trusted push service, or with broken keys, are refused.
    let (phone, laptop) = (DeviceKeys::new(), DeviceKeys::new());
    for (endpoint, body) in [
        (
            "https://evil.example/x",
            phone.subscription("https://evil.example/x", true),
        ),
        (
            "http://127.0.0.1:1/x",
            phone.subscription("http://127.0.0.1:1/x", true),
        ),
        (
            "broken keys",
            json!({ "endpoint": push.endpoint("ken-phone"), "p256dh": "AAAA", "auth": "AAAA" }),
        ),
    ] {
        let refused = put_json(&relay, "/api/push/subscription", &ken.0, body).await;
        assert_eq!(
            error_code(refused, StatusCode::BAD_REQUEST).await,
            "bad-request",
            "{endpoint}"
        );
    }
    let anonymous = call(&relay, Method::GET, "/api/push/key", None, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // His phone shows previews; his laptop chose not to.
    for (device, keys, preview) in [("ken-phone", &phone, true), ("ken-laptop", &laptop, false)] {
        let ok = put_json(
            &relay,
            "/api/push/subscription",
            &ken.0,
            keys.subscription(&push.endpoint(device), preview),
        )
        .await;
        assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    }

    let chat: ConversationRef = call(
        &relay,
        Method::POST,
        "/api/conversations",
        Some(&hanako.0),
        Some(json!({ "members": [ken.1.user_id] })),
    )
    .await
    .json()
    .await
    .expect("as the test set it up");
    let page = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    let write = |id: &'static str, text: &'static str| {
        let author = hanako.1.user_id.clone();
        move |tx: &mut automerge::transaction::Transaction<'_>| {
            MessagePage::write(tx, &author, id, &Draft::text(text, ms_now()))
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    };
    hers.change(page, write("h1", "来週の同期会、行きますか？"))
        .await;

    let mut seen = HashMap::new();
    for _ in 0..2 {
        let p = push.next().await;
        let keys = if p.device == "ken-phone" {
            &phone
        } else {
            &laptop
        };
        seen.insert(p.device.clone(), keys.open(&p, &relay_key, &push.origin));
    }
    let expected = |text: Option<&str>| PushNotice::Message {
        conversation: chat.conversation,
        sender: "山田 花子".into(),
        group: String::new(),
        text: text.map(String::from),
        photos: 0,
    };
    assert_eq!(
        seen["ken-phone"],
        expected(Some("来週の同期会、行きますか？"))
    );
    assert_eq!(
        seen["ken-laptop"],
        expected(None),
        "no preview on the laptop"
    );
    push.quiet().await;

    // With the app open (a socket), Ken is not pushed to.
    let his = device_with(&relay, &ken.0, &[page]).await;
    hers.change(page, write("h2", "会場は渋谷です")).await;
    push.quiet().await;
    his.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Muted, nothing; outsiders cannot mute it; unmuted, it rings again.
    let mute = format!("/api/conversations/{}/mute", chat.conversation);
    let outsider = put_json(&relay, &mute, &yuki.0, json!({ "muted": true })).await;
    assert_eq!(outsider.status(), StatusCode::NOT_FOUND);
    let muted = put_json(&relay, &mute, &ken.0, json!({ "muted": true })).await;
    assert_eq!(muted.status(), StatusCode::NO_CONTENT);
    hers.change(page, write("h3", "ミュート中")).await;
    push.quiet().await;
    put_json(&relay, &mute, &ken.0, json!({ "muted": false })).await;

    // The laptop's subscription is gone at its push service: the relay drops it too.
    push.answers
        .lock()
        .expect("as the test set it up")
        .insert("ken-laptop".into(), 410);
    hers.change(page, write("h4", "まだいますか")).await;
    let mut devices = vec![push.next().await.device, push.next().await.device];
    devices.sort();
    assert_eq!(devices, ["ken-laptop", "ken-phone"]);
    hers.change(page, write("h5", "もう一度")).await;
    let only = push.next().await;
    assert_eq!(only.device, "ken-phone");
    assert_eq!(
        phone.open(&only, &relay_key, &push.origin),
        expected(Some("もう一度"))
    );
    push.quiet().await;

    // Ken blocks Hanako: her messages no longer ring.
    let block = format!("/api/blocks/{}", hanako.1.user_id);
    call(&relay, Method::PUT, &block, Some(&ken.0), None).await;
    hers.change(page, write("h6", "ブロック後")).await;
    push.quiet().await;

    // A subscription is his own to remove.
    let gone = call(
        &relay,
        Method::DELETE,
        "/api/push/subscription",
        Some(&ken.0),
        Some(json!({ "endpoint": push.endpoint("ken-phone") })),
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    call(&relay, Method::DELETE, &block, Some(&ken.0), None).await;
    hers.change(page, write("h7", "解除後")).await;
    push.quiet().await;
}
