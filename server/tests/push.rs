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
use tsunagu_core::api::{ConversationRef, Me, PushKey, PushNotice};
use tsunagu_core::conversation::{Draft, MessagePage};
use tsunagu_core::ids::DocumentId;
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
    // A slow push service: the notice stays in the relay's outbox while it is being sent.
    if device.starts_with("slow-") {
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
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

/// A relay that delivers to `push` and looks for due reminders and announcements five times a
/// second.
async fn relay_reminding(push: &PushService) -> TestRelay {
    let origin = push.origin.clone();
    TestRelay::start_configured(|c| {
        c.push_services.push(origin);
        c.reminders_every = Duration::from_millis(200);
    })
    .await
}

/// `email` signs in and subscribes the device `device` (with `keys`) to `push`.
async fn subscribe(
    relay: &TestRelay,
    push: &PushService,
    email: &str,
    device: &str,
    keys: &DeviceKeys,
    preview: bool,
) {
    let (cookie, _) = sign_in(relay.addr(), email).await;
    let body = keys.subscription(&push.endpoint(device), preview);
    let subscribed = put_json(relay, "/api/push/subscription", &cookie, body).await;
    assert_eq!(subscribed.status(), StatusCode::NO_CONTENT);
}

/// The key the relay signs its pushes with (VAPID, RFC 8292), as `GET /api/push/key` gives it.
async fn relay_key(relay: &TestRelay, cookie: &str) -> VerifyingKey {
    let PushKey { key } = get_json(relay, "/api/push/key", cookie).await;
    VerifyingKey::from_sec1_bytes(&B64.decode(&key).expect("base64")).expect("a P-256 key")
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
    let relay_key = relay_key(&relay, &ken.0).await;

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

#[tokio::test]
async fn attendees_away_are_reminded_before_an_event_and_told_when_it_moves_or_is_cancelled() {
    use common::events::{create_event, going};
    use tsunagu_core::api::EventNotice;
    use tsunagu_core::event::{EventStatus, SeatStatus};

    let mut push = PushService::start().await;
    let relay = relay_reminding(&push).await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let in_three_days = common::now() + 3 * 24 * 3600;
    let event = create_event(&relay, &admin_cookie, "新年会", in_three_days).await;
    let mut desk = device_with(&relay, &admin_cookie, &[event.event]).await;
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Published.key().into();
        e.capacity = 1;
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    // Ken has the seat, Hanako waits for one; both subscribed, both with the app closed.
    let (his_keys, her_keys) = (DeviceKeys::new(), DeviceKeys::new());
    let (ken, _) = going(
        &relay,
        "ken@example.com",
        event.event,
        1,
        SeatStatus::Confirmed,
    )
    .await;
    let (hanako, _) = going(
        &relay,
        "hanako@example.com",
        event.event,
        2,
        SeatStatus::Waiting,
    )
    .await;
    subscribe(
        &relay,
        &push,
        "ken@example.com",
        "ken-phone",
        &his_keys,
        true,
    )
    .await;
    subscribe(
        &relay,
        &push,
        "hanako@example.com",
        "hanako-phone",
        &her_keys,
        true,
    )
    .await;
    ken.close().await;
    hanako.close().await;
    // Time for the relay to see their sockets close (a member with the app open is not pushed to).
    tokio::time::sleep(Duration::from_secs(1)).await;
    push.quiet().await;

    let relay_key = relay_key(&relay, &admin_cookie).await;
    let next = async |push: &mut PushService| {
        let p = push.next().await;
        let keys = if p.device == "ken-phone" {
            &his_keys
        } else {
            &her_keys
        };
        let PushNotice::Event {
            event: doc,
            title,
            starts_at,
            about,
        } = keys.open(&p, &relay_key, &push.origin)
        else {
            panic!("an event notice");
        };
        assert_eq!((doc, title.as_str()), (event.event, "新年会"));
        (p.device, about, starts_at)
    };

    // Moved to three hours from now: Ken (who has a seat) is told, then reminded the day before.
    let in_three_hours = common::now() + 3 * 3600;
    desk.edit_event(event.event, move |e| {
        e.starts_at = in_three_hours;
        e.ends_at = in_three_hours + 7200;
    })
    .await;
    assert_eq!(
        next(&mut push).await,
        ("ken-phone".into(), EventNotice::TimeChanged, in_three_hours)
    );
    assert_eq!(
        next(&mut push).await,
        ("ken-phone".into(), EventNotice::DayBefore, in_three_hours)
    );
    // Once only; a title's edit is no news.
    desk.edit_event(event.event, |e| e.title = "新年会".into())
        .await;
    push.quiet().await;

    // Moved to half an hour from now: told, and reminded the hour before.
    let soon = common::now() + 30 * 60;
    desk.edit_event(event.event, move |e| {
        e.starts_at = soon;
        e.ends_at = soon + 7200;
    })
    .await;
    assert_eq!(
        next(&mut push).await,
        ("ken-phone".into(), EventNotice::TimeChanged, soon)
    );
    assert_eq!(
        next(&mut push).await,
        ("ken-phone".into(), EventNotice::HourBefore, soon)
    );

    // Cancelled: everyone with a seat or waiting for one hears of it.
    desk.edit_event(event.event, |e| {
        e.status = EventStatus::Cancelled.key().into();
    })
    .await;
    let mut told = vec![next(&mut push).await, next(&mut push).await];
    told.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        told,
        [
            ("hanako-phone".into(), EventNotice::Cancelled, soon),
            ("ken-phone".into(), EventNotice::Cancelled, soon),
        ]
    );
    push.quiet().await;
}

#[tokio::test]
async fn a_notice_a_push_service_cannot_take_now_is_tried_again_later() {
    use common::conversations::{started, write};

    let mut push = PushService::start().await;
    let origin = push.origin.clone();
    let relay = TestRelay::start_configured(|c| {
        c.push_services.push(origin);
        c.push_retry_after = Duration::from_secs(1);
    })
    .await;
    let hanako = sign_in(relay.addr(), "hanako@example.com").await;
    let ken = sign_in(relay.addr(), "ken@example.com").await;
    let keys = DeviceKeys::new();
    let body = keys.subscription(&push.endpoint("ken-phone"), true);
    let subscribed = put_json(&relay, "/api/push/subscription", &ken.0, body).await;
    assert_eq!(subscribed.status(), StatusCode::NO_CONTENT);
    let relay_key = relay_key(&relay, &ken.0).await;

    // His push service is overloaded for the first try.
    push.answers
        .lock()
        .expect("as the test set it up")
        .insert("ken-phone".into(), 503);
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    write(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        "届きますように",
        ms_now(),
    )
    .await;
    let refused = push.next().await;
    push.answers
        .lock()
        .expect("as the test set it up")
        .remove("ken-phone");
    let retried = push.next().await;
    assert_eq!(retried.device, "ken-phone");
    assert_eq!(
        keys.open(&retried, &relay_key, &push.origin),
        keys.open(&refused, &relay_key, &push.origin),
        "the same notice, once more"
    );
    push.quiet().await;
}

#[tokio::test]
async fn a_device_whose_session_ended_is_told_nothing_more_though_it_could_not_unsubscribe() {
    use common::conversations::{started, write};

    let mut push = PushService::start().await;
    let origin = push.origin.clone();
    let relay = TestRelay::start_configured(|c| c.push_services.push(origin)).await;
    let hanako = sign_in(relay.addr(), "hanako@example.com").await;
    // Ken on two devices, each with its own session and subscription.
    let phone = sign_in(relay.addr(), "ken@example.com").await;
    let laptop = sign_in(relay.addr(), "ken@example.com").await;
    for (session, device) in [(&phone.0, "ken-phone"), (&laptop.0, "ken-laptop")] {
        let body = DeviceKeys::new().subscription(&push.endpoint(device), true);
        let subscribed = put_json(&relay, "/api/push/subscription", session, body).await;
        assert_eq!(subscribed.status(), StatusCode::NO_CONTENT);
    }
    let chat = started(&relay, &hanako.0, &[&phone.1.user_id], "").await;
    let page = chat.pages[0];
    let mut hers = device_with(&relay, &hanako.0, &[page]).await;
    let mut devices = Vec::new();
    write(&mut hers, page, &hanako.1.user_id, "h1", "一通目", ms_now()).await;
    devices.push(push.next().await.device);
    devices.push(push.next().await.device);
    devices.sort();
    assert_eq!(devices, ["ken-laptop", "ken-phone"]);

    // The laptop signs out while offline from its push service's point of view: it never
    // unsubscribes, yet it hears nothing more.
    let out = call(
        &relay,
        Method::DELETE,
        "/api/session",
        Some(&laptop.0),
        None,
    )
    .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    write(&mut hers, page, &hanako.1.user_id, "h2", "二通目", ms_now()).await;
    assert_eq!(push.next().await.device, "ken-phone");
    push.quiet().await;

    // Signed out everywhere (a lost phone): no device of his is told anything.
    let everywhere = call(
        &relay,
        Method::DELETE,
        "/api/sessions",
        Some(&phone.0),
        None,
    )
    .await;
    assert_eq!(everywhere.status(), StatusCode::NO_CONTENT);
    write(&mut hers, page, &hanako.1.user_id, "h3", "三通目", ms_now()).await;
    push.quiet().await;
    let db = common::database(&relay.dir.path().join("data")).await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM push_subscriptions")
        .fetch_one(&db)
        .await
        .expect("the relay's database answers");
    assert_eq!(left, 0, "their subscriptions are gone with their sessions");

    // Signing in again and subscribing again brings the notices back.
    let again = sign_in(relay.addr(), "ken@example.com").await;
    let body = DeviceKeys::new().subscription(&push.endpoint("ken-phone"), true);
    put_json(&relay, "/api/push/subscription", &again.0, body).await;
    write(&mut hers, page, &hanako.1.user_id, "h4", "四通目", ms_now()).await;
    assert_eq!(push.next().await.device, "ken-phone");
}

/// Two relays on one database, both trusting `push`'s service (and adjusted by `configure`):
/// Ken subscribed through the second as `device`, Hanako's phone holding a new chat with him
/// through the first.
struct TwoRelays {
    second: TestRelay,
    /// Holds the data directory both use; dropped after the second.
    _first: TestRelay,
    hanako_id: String,
    ken: (String, Me),
    page: DocumentId,
    hers: common::Device,
}

async fn two_relays(
    push: &PushService,
    device: &str,
    configure: impl Fn(&mut tsunagu_server::Config),
) -> TwoRelays {
    use common::conversations::started;

    let both = |c: &mut tsunagu_server::Config| {
        c.push_services.push(push.origin.clone());
        configure(c);
    };
    let first = TestRelay::start_configured(both).await;
    let second = common::another_relay_with(&first, both).await;
    let hanako = sign_in(first.addr(), "hanako@example.com").await;
    let ken = sign_in(second.addr(), "ken@example.com").await;
    let body = DeviceKeys::new().subscription(&push.endpoint(device), true);
    let subscribed = put_json(&second, "/api/push/subscription", &ken.0, body).await;
    assert_eq!(subscribed.status(), StatusCode::NO_CONTENT);
    let chat = started(&first, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let hers = device_with(&first, &hanako.0, &[page]).await;
    TwoRelays {
        second,
        _first: first,
        hanako_id: hanako.1.user_id,
        ken,
        page,
        hers,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_on_one_database_send_each_notice_once() {
    use common::conversations::write;

    if !common::on_postgres() {
        // Relays share a PostgreSQL database only.
        return;
    }
    let mut push = PushService::start().await;
    // Both look in the outbox every second, and his push service takes its time: each notice
    // waits in the outbox while it is sent, and the other relay looks meanwhile.
    let mut net = two_relays(&push, "slow-ken-phone", |c| {
        c.push_retry_after = Duration::from_secs(1);
    })
    .await;
    for n in 0..3 {
        let text = format!("{n} 通目");
        let id = format!("h{n}");
        write(
            &mut net.hers,
            net.page,
            &net.hanako_id,
            &id,
            &text,
            ms_now(),
        )
        .await;
        assert_eq!(push.next().await.device, "slow-ken-phone");
        push.quiet().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_with_the_app_open_through_another_relay_is_not_pushed() {
    use common::conversations::write;

    if !common::on_postgres() {
        // Relays share a PostgreSQL database only.
        return;
    }
    let mut push = PushService::start().await;
    let mut net = two_relays(&push, "ken-phone", |_| {}).await;

    // Ken has the app open through the second relay; Hanako writes through the first.
    let his = device_with(&net.second, &net.ken.0, &[net.page]).await;
    // The second relay says so within a second.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    write(
        &mut net.hers,
        net.page,
        &net.hanako_id,
        "h1",
        "見てる?",
        ms_now(),
    )
    .await;
    push.quiet().await;

    // He closes it: the next message reaches his phone through its push service.
    his.close().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    write(
        &mut net.hers,
        net.page,
        &net.hanako_id,
        "h2",
        "閉じたね",
        ms_now(),
    )
    .await;
    assert_eq!(push.next().await.device, "ken-phone");
}

#[tokio::test]
async fn an_important_post_is_announced_once_to_its_segment_with_the_app_closed() {
    use tsunagu_core::api::NewsRef;
    use tsunagu_core::news::{NewsPost, PostStatus, Segment};

    let mut push = PushService::start().await;
    let relay = relay_reminding(&push).await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    // Hanako (left 2021, open to rehire) is in the segment; Ken (left 2019) is not.
    let (her_keys, his_keys) = (DeviceKeys::new(), DeviceKeys::new());
    subscribe(
        &relay,
        &push,
        "hanako@example.com",
        "hanako-phone",
        &her_keys,
        false,
    )
    .await;
    subscribe(
        &relay,
        &push,
        "ken@example.com",
        "ken-phone",
        &his_keys,
        false,
    )
    .await;
    let segment = Segment {
        left_from: 2018,
        left_to: 2022,
        interests: vec!["rehire".into()],
        ..Segment::default()
    };
    let body = json!({ "title": "アルムナイ採用説明会のお知らせ", "segment": segment });
    let started = call(
        &relay,
        Method::POST,
        "/api/news",
        Some(&admin_cookie),
        Some(body),
    )
    .await;
    let post = started.json::<NewsRef>().await.expect("a post").post;
    let mut desk = device_with(&relay, &admin_cookie, &[post]).await;
    let publish = |important: bool| {
        move |tx: &mut automerge::transaction::Transaction<'_>| {
            let mut p = NewsPost::read(tx).map_err(|e| e.to_string())?;
            p.status = PostStatus::Published.key().into();
            p.important = important;
            p.write_to(tx).map_err(|e| e.to_string())
        }
    };
    // Published but not important: nobody is disturbed.
    desk.change(post, publish(false)).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    push.quiet().await;

    // Marked important: announced to Hanako's phone, never to Ken's, once.
    desk.change(post, publish(true)).await;
    desk.wait_acknowledged(&admin.relay_storage).await;
    let relay_key = relay_key(&relay, &admin_cookie).await;
    let p = push.next().await;
    assert_eq!(p.device, "hanako-phone");
    assert_eq!(
        her_keys.open(&p, &relay_key, &push.origin),
        PushNotice::News {
            post,
            title: "アルムナイ採用説明会のお知らせ".into()
        },
        "the title goes even without previews: it is the company's, not someone's words"
    );
    push.quiet().await;
}

#[tokio::test]
async fn an_applicant_away_is_told_when_a_recruiter_moves_their_application() {
    use tsunagu_core::api::NewsRef;
    use tsunagu_core::job_application::{JobApplication, JobApplications, Stage};
    use tsunagu_core::news::{NewsPost, PostStatus};

    let mut push = PushService::start().await;
    let origin = push.origin.clone();
    let relay = TestRelay::start_configured(|c| c.push_services.push(origin)).await;
    let (admin_cookie, admin) = sign_in(relay.addr(), "admin@example.com").await;
    let keys = DeviceKeys::new();
    subscribe(
        &relay,
        &push,
        "hanako@example.com",
        "hanako-phone",
        &keys,
        false,
    )
    .await;

    // An opening for everyone, out.
    let body = json!({
        "title": "営業企画の業務委託",
        "opening": { "kind": "gig", "department": "", "location": "", "remote": true,
                     "duration": "", "rate": "", "closes_at": 0 }
    });
    let started = call(
        &relay,
        Method::POST,
        "/api/jobs",
        Some(&admin_cookie),
        Some(body),
    )
    .await;
    let job = started.json::<NewsRef>().await.expect("an opening").post;
    let mut desk = device_with(&relay, &admin_cookie, &[job]).await;
    desk.change(job, |tx| {
        let mut p = NewsPost::read(tx).map_err(|e| e.to_string())?;
        p.status = PostStatus::Published.key().into();
        p.write_to(tx).map_err(|e| e.to_string())
    })
    .await;
    desk.wait_acknowledged(&admin.relay_storage).await;

    // Hanako applies from her phone, then closes the app; being taken tells her nothing new.
    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let mine = me.applications_doc.expect("an applications document");
    let mut phone = device_with(&relay, &cookie, &[mine, job]).await;
    let written = JobApplication {
        note: "また営業企画に関わりたいです".into(),
        at: common::now(),
        ..JobApplication::default()
    };
    let key = job.to_string();
    phone
        .change(mine, |tx| {
            JobApplications::apply(tx, &key, &written).map_err(|e| e.to_string())
        })
        .await;
    phone
        .pump_until("応募済", |d| {
            d.engine
                .doc(&mine)
                .and_then(|doc| JobApplications::read(doc).ok())
                .and_then(|a| a.stage(&key))
                == Some(Stage::Applied)
        })
        .await;
    phone.close().await;
    push.quiet().await;

    // The admin moves it to 面接: her phone is told, in the device's own words.
    let moved = call(
        &relay,
        Method::PUT,
        &format!("/api/jobs/{job}/applications/{}", me.user_id),
        Some(&admin_cookie),
        Some(json!({ "stage": "interview" })),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    let relay_key = relay_key(&relay, &admin_cookie).await;
    let p = push.next().await;
    assert_eq!(p.device, "hanako-phone");
    assert_eq!(
        keys.open(&p, &relay_key, &push.origin),
        PushNotice::Application {
            post: job,
            title: "営業企画の業務委託".into(),
            stage: "interview".into(),
            referral: false,
        }
    );
    push.quiet().await;
}
