//! What every scenario needs: a relay on a random loopback port with a throwaway data directory,
//! signed-in members, and devices that sync through real WebSockets, driven by the same
//! `tsunagu_core::engine::Engine` the app runs.
//!
//! A relay keeps its data in the SQLite file of its data directory, or, when
//! `TSUNAGU_TEST_POSTGRES` names a PostgreSQL server (`cargo xtask test` starts a throw-away one
//! and runs every suite on both), in a database of its own there: see [`config`].

#![allow(dead_code, unreachable_pub)]

pub mod conversations;
pub mod events;
pub mod process;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tsunagu_core::api::Me;
use tsunagu_core::engine::{ConnId, Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId, StorageId};
use tsunagu_core::memory::MemoryStore;
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::vocab::Audience;
use tsunagu_core::wire::Message;
use tsunagu_server::{Config, DEMO_PASSWORD, Limits, Server};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any one wait in a test may take before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestRelay {
    pub server: Server,
    pub dir: TempDir,
}

impl TestRelay {
    pub async fn start() -> Self {
        Self::start_with(Limits::default()).await
    }

    pub async fn start_with(limits: Limits) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = config(dir.path().join("data"), dir.path().join("dist")).await;
        config.limits = limits;
        config.seed_demo = true;
        let server = Server::start(config).await.expect("the relay starts");
        Self { server, dir }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }
}

/// `POST /api/session`.
pub async fn post_session(addr: SocketAddr, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{addr}/api/session"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("the relay answers")
}

/// The `name=value` part of the session cookie a response sets.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tsunagu_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Signs a demo member in and returns their cookie and who they are.
pub async fn sign_in(addr: SocketAddr, email: &str) -> (String, Me) {
    let response = post_session(addr, email, DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
    let cookie = session_cookie(&response).expect("a session cookie");
    let me: Me = response.json().await.expect("a Me body");
    credentials()
        .lock()
        .expect("not poisoned")
        .insert(cookie.clone(), (email.to_owned(), DEMO_PASSWORD.to_owned()));
    (cookie, me)
}

/// Who signed in with each cookie [`sign_in`] handed out, and the cookies a device already
/// syncs with: a session syncs from one device only, so a scenario's second device of the same
/// member signs in on its own, as a second phone would.
fn credentials() -> &'static std::sync::Mutex<std::collections::HashMap<String, (String, String)>> {
    static CREDENTIALS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, (String, String)>>,
    > = std::sync::OnceLock::new();
    CREDENTIALS.get_or_init(Default::default)
}

fn devices_of_cookies() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static USED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    USED.get_or_init(Default::default)
}

/// The cookie a new device of the member with `cookie` syncs with: `cookie` itself for their
/// first device, else a session of its own.
pub async fn session_for_new_device(addr: SocketAddr, cookie: &str) -> String {
    let first = devices_of_cookies()
        .lock()
        .expect("not poisoned")
        .insert(cookie.to_owned());
    let known = credentials()
        .lock()
        .expect("not poisoned")
        .get(cookie)
        .cloned();
    match known {
        Some((email, password)) if !first => {
            let response = post_session(addr, &email, &password).await;
            assert_eq!(response.status(), StatusCode::OK, "{email} signs in again");
            session_cookie(&response).expect("a session cookie")
        }
        _ => cookie.to_owned(),
    }
}

/// Opens `/sync`, with the cookie if one is given.
pub async fn open_socket(
    addr: SocketAddr,
    cookie: Option<&str>,
) -> Result<Socket, tungstenite::Error> {
    let mut request = format!("ws://{addr}/sync").into_client_request()?;
    if let Some(cookie) = cookie {
        request.headers_mut().insert(
            "cookie",
            HeaderValue::from_str(cookie).expect("a header value"),
        );
    }
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    Ok(socket)
}

/// The next protocol message on a socket; `None` once it is closed (or silent past `PATIENCE`).
pub async fn next_message(socket: &mut Socket) -> Option<Message> {
    loop {
        match timeout(PATIENCE, socket.next()).await {
            Ok(Some(Ok(Frame::Binary(bytes)))) => {
                return Some(Message::decode(&bytes).expect("the relay sends valid messages"));
            }
            Ok(Some(Ok(Frame::Ping(_) | Frame::Pong(_) | Frame::Frame(_)))) => {}
            Ok(Some(Ok(Frame::Text(t)))) => panic!("the relay sent a text frame: {t}"),
            Ok(Some(Ok(Frame::Close(_)) | Err(_)) | None) | Err(_) => return None,
        }
    }
}

/// Whether the socket closes (after any number of further messages) within `PATIENCE`.
pub async fn closes(socket: &mut Socket) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return false,
            Ok(None | Some(Err(_)) | Some(Ok(Frame::Close(_)))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

pub async fn send(socket: &mut Socket, message: &Message) {
    socket
        .send(Frame::Binary(message.encode().into()))
        .await
        .expect("the frame is sent");
}

/// A device of a signed-in member: an engine that initiates, its local store, and its socket.
pub struct Device {
    /// The session this device syncs with (its own: see [`Device::connect`]).
    pub cookie: String,
    pub engine: Engine,
    pub store: MemoryStore,
    pub storage: StorageId,
    pub socket: Socket,
    pub conn: ConnId,
    /// Every message the relay sent this device, in order.
    pub received: Vec<Message>,
}

/// The part of `owner`'s profile for `audience`, as `me` lists it (if they may read it).
pub fn profile_part(me: &Me, owner: &Me, audience: Audience) -> Option<DocumentId> {
    me.parts
        .iter()
        .find(|p| p.profile == owner.profile_doc && p.audience == audience)
        .map(|p| p.doc)
}

impl Device {
    /// A new device (fresh storage) that wants `docs`, connected and past the handshake. The
    /// member's second device signs in on its own ([`session_for_new_device`]).
    pub async fn connect(addr: SocketAddr, cookie: &str, docs: &[DocumentId]) -> Self {
        let storage = StorageId::random();
        let mut engine = Engine::new(PeerId::random(), Some(storage.clone()));
        for doc in docs {
            engine.want(*doc);
        }
        let cookie = session_for_new_device(addr, cookie).await;
        Self::connect_engine(addr, &cookie, engine, MemoryStore::default(), storage).await
    }

    /// Connects an engine booted from an earlier device's store.
    pub async fn connect_engine(
        addr: SocketAddr,
        cookie: &str,
        mut engine: Engine,
        store: MemoryStore,
        storage: StorageId,
    ) -> Self {
        let socket = open_socket(addr, Some(cookie))
            .await
            .expect("the socket opens");
        let conn = engine.connect();
        let effects = engine.start(conn);
        let mut device = Self {
            cookie: cookie.to_owned(),
            engine,
            store,
            storage,
            socket,
            conn,
            received: Vec::new(),
        };
        device.perform(effects).await;
        device
            .pump_until("the handshake", |d| d.engine.is_ready(d.conn))
            .await;
        device
    }

    pub async fn perform(&mut self, effects: Vec<Effect>) {
        self.store.apply(&effects);
        for effect in effects {
            // An engine that outlived an earlier socket still lists that connection.
            if let Effect::Send { conn, message } = effect
                && conn == self.conn
            {
                send(&mut self.socket, &message).await;
            }
        }
    }

    /// Feeds the relay's messages to the engine until `done` holds; panics after `PATIENCE`.
    pub async fn pump_until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done(self) {
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(other) => panic!("the socket closed while waiting for {what}: {other:?}"),
                Err(_) => panic!("timed out waiting for {what}"),
            };
            if let Frame::Binary(bytes) = frame {
                let message = Message::decode(&bytes).expect("the relay sends valid messages");
                self.received.push(message.clone());
                let effects = self.engine.receive(self.conn, message);
                self.perform(effects).await;
            }
        }
    }

    /// The profile in `doc` as this device has it.
    pub fn profile(&self, doc: &DocumentId) -> Option<Profile> {
        let doc = self.engine.doc(doc)?;
        Profile::read(doc).ok()
    }

    /// Edits a profile locally and sends the change, until the relay holds it or refuses it.
    pub async fn edit(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Profile)) {
        let effects = self.edited(doc, edit);
        self.send_change(doc, effects).await;
    }

    /// Edits a profile locally and sends the change, reading no answer: an edit still in flight.
    pub async fn edit_in_flight(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Profile)) {
        let effects = self.edited(doc, edit);
        self.perform(effects).await;
    }

    fn edited(&mut self, doc: DocumentId, edit: impl FnOnce(&mut Profile)) -> Vec<Effect> {
        let mut profile = self.profile(&doc).expect("the profile is here");
        edit(&mut profile);
        self.engine
            .change(doc, |tx| profile.write_to(tx).map_err(|e| e.to_string()))
            .expect("the edit applies")
    }

    /// Performs what a local change to `doc` produced, then reads the relay's answers until it
    /// holds the change, refuses it, or closes the socket, as a phone that stays online does.
    /// Sending is not enough: automerge's Bloom filter has false positives (about one in a
    /// hundred changes), so the first message may leave a change out, and the relay asks for it
    /// by name; only a device still reading its socket answers.
    pub async fn send_change(&mut self, doc: DocumentId, effects: Vec<Effect>) {
        self.perform(effects).await;
        let Some(relay) = self.engine.remote_storage(self.conn).cloned() else {
            return;
        };
        let answered = self.received.len();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let held = self
                .engine
                .doc(&doc)
                .is_some_and(|d| d.get_heads() == self.engine.acknowledged_heads(&relay, &doc));
            let refused = self.received[answered..].iter().any(|m| {
                matches!(m, Message::ChangeRejected { doc: d, .. } | Message::DocUnavailable { doc: d, .. } if *d == doc)
                    || matches!(m, Message::Error { .. })
            });
            if held || refused {
                return;
            }
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Ok(Some(Ok(frame))) => frame,
                Ok(_) => return,
                Err(_) => panic!("the relay neither took nor refused a change to {doc}"),
            };
            if let Frame::Binary(bytes) = frame {
                let message = Message::decode(&bytes).expect("the relay sends valid messages");
                self.received.push(message.clone());
                let effects = self.engine.receive(self.conn, message);
                self.perform(effects).await;
            }
        }
    }

    /// Writes `profile` as its owner (`me`) does in the app: each field into the part for the
    /// audience `visibility` chooses, and the choice into the private part. The device holds
    /// every part.
    pub async fn write_profile(&mut self, me: &Me, profile: &Profile, visibility: &Visibility) {
        let part = |audience| profile_part(me, me, audience).expect("every part of one's own");
        for (audience, doc) in [
            (Audience::Everyone, me.profile_doc),
            (Audience::Members, part(Audience::Members)),
            (Audience::Admins, part(Audience::Admins)),
        ] {
            let effects = self
                .engine
                .change(doc, |tx| {
                    profile.write_part(audience, visibility, &Visibility::default(), tx)
                })
                .expect("an edit of one's own profile");
            self.perform(effects).await;
        }
        let effects = self
            .engine
            .change(part(Audience::OnlyMe), |tx| visibility.write_to(tx))
            .expect("one's own choice");
        self.perform(effects).await;
    }

    /// Waits until the relay has acknowledged every local change.
    pub async fn wait_acknowledged(&mut self, relay: &StorageId) {
        let relay = relay.clone();
        self.pump_until("the relay's acknowledgement", move |d| {
            d.engine.pending_changes(&relay) == 0
        })
        .await;
    }

    /// Closes the socket cleanly.
    pub async fn close(mut self) -> (Engine, MemoryStore, StorageId) {
        self.socket.close(None).await.ok();
        self.engine.disconnect(self.conn);
        (self.engine, self.store, self.storage)
    }
}

/// Whether `device` holds `doc` with the profile named `name`.
pub fn has_profile_named(device: &Device, doc: &DocumentId, name: &str) -> bool {
    device.profile(doc).is_some_and(|p| p.name == name)
}

// ---- joining: relays with a custom config, JSON calls, a real SMTP server --------------------

impl TestRelay {
    /// A relay with the demo company whose config `configure` adjusts (SMTP, limits, public
    /// URL; `seed_demo = false` for a fresh network).
    pub async fn start_configured(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = config(dir.path().join("data"), dir.path().join("dist")).await;
        config.seed_demo = true;
        configure(&mut config);
        let server = Server::start(config).await.expect("the relay starts");
        Self { server, dir }
    }
}

/// The demo relay started again on the data directory of `dir` (after it stopped or died), on
/// the same database.
pub async fn start_again(dir: &TempDir) -> Server {
    let mut config = config(dir.path().join("data"), dir.path().join("dist")).await;
    config.seed_demo = true;
    Server::start(config).await.expect("the relay starts again")
}

/// A second relay serving the same network as `first` (same data directory, so the same
/// database and pass key), which must outlive it. Only relays on PostgreSQL share a database.
pub async fn another_relay(first: &TestRelay) -> TestRelay {
    another_relay_with(first, |_| {}).await
}

/// [`another_relay`] with its config adjusted by `configure`.
pub async fn another_relay_with(
    first: &TestRelay,
    configure: impl FnOnce(&mut Config),
) -> TestRelay {
    let dir = first.dir.path();
    let mut config = config(dir.join("data"), dir.join("dist")).await;
    config.seed_demo = true;
    configure(&mut config);
    TestRelay {
        server: Server::start(config).await.expect("another relay starts"),
        dir: tempfile::tempdir().expect("a temporary directory"),
    }
}

/// Session cookies for `n` of the demo's generated alumni (who have no password), made as
/// signing in would make them, straight in the database of data directory `data`.
pub async fn generated_members(data: &Path, n: usize) -> Vec<String> {
    use sha2::Digest;
    let db = database(data).await;
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE password_hash IS NULL AND status = 'active' ORDER BY id LIMIT $1",
    )
    .bind(i64::try_from(n).expect("a count"))
    .fetch_all(&db)
    .await
    .expect("the generated alumni");
    assert_eq!(users.len(), n, "the demo has {n} generated alumni");
    let mut cookies = Vec::new();
    for user in &users {
        let token = format!("test-{}", PeerId::random());
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(sha2::Sha256::digest(token.as_bytes()).to_vec())
        .bind(user)
        .bind(now())
        .bind(now() + 86_400)
        .execute(&db)
        .await
        .expect("a session");
        cookies.push(format!("tsunagu_session={token}"));
    }
    db.close().await;
    cookies
}

/// Hanako signed in on the relay at `addr`, her phone holding her profile: her session cookie,
/// who she is, the phone.
pub async fn hanako_online(addr: SocketAddr) -> (String, Me, Device) {
    let (cookie, me) = sign_in(addr, "hanako@example.com").await;
    let doc = me.profile_doc;
    let mut phone = Device::connect(addr, &cookie, &[doc]).await;
    phone
        .pump_until("her profile", |d| has_profile_named(d, &doc, "山田 花子"))
        .await;
    (cookie, me, phone)
}

/// `DELETE /api/me` as the member with `cookie` (signed in just now, as deleting asks).
pub async fn delete_account(relay: &TestRelay, cookie: &str) {
    let deleted = call(
        relay,
        reqwest::Method::DELETE,
        "/api/me",
        Some(cookie),
        None,
    )
    .await;
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "the account is deleted"
    );
}

/// A call to the JSON API, with the cookie if one is given.
pub async fn call(
    relay: &TestRelay,
    method: reqwest::Method,
    path: &str,
    cookie: Option<&str>,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut request = reqwest::Client::new().request(method, relay.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("the relay answers")
}

/// `GET path` with the cookie, answered 200 with a JSON body of type `T`.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    relay: &TestRelay,
    path: &str,
    cookie: &str,
) -> T {
    let response = call(relay, reqwest::Method::GET, path, Some(cookie), None).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("a JSON body")
}

/// A socket of the member with `cookie` that sent its `join` as `sender`, from a device with
/// `storage` (an ephemeral one without).
pub async fn joined(
    relay: &TestRelay,
    cookie: &str,
    sender: &str,
    storage: Option<&str>,
) -> Socket {
    let mut socket = open_socket(relay.addr(), Some(cookie))
        .await
        .expect("the socket opens");
    let join = Message::Join {
        sender: PeerId::new(sender),
        metadata: Some(tsunagu_core::wire::PeerMetadata {
            storage_id: storage.map(StorageId::new),
            is_ephemeral: storage.is_none(),
            summaries: false,
        }),
        versions: vec!["1".into()],
    };
    send(&mut socket, &join).await;
    socket
}

/// A relay's config with data directory `data` and no demo data: its database is the SQLite
/// file in `data`, or on PostgreSQL the one [`postgres_database`] names for `data` (so a relay
/// started again on the same directory finds its data).
pub async fn config(data: impl Into<PathBuf>, dist: impl Into<PathBuf>) -> Config {
    let data = data.into();
    let database = postgres_database(&data).await;
    let mut config = Config::new("127.0.0.1:0".parse().expect("an address"), data, dist);
    config.database = database;
    config
}

/// With `TSUNAGU_TEST_POSTGRES` set, the URL of the PostgreSQL database that stands for data
/// directory `data` (created empty the first time).
pub async fn postgres_database(data: &Path) -> Option<String> {
    use sqlx::Connection;
    use std::hash::{Hash, Hasher};
    let server = std::env::var("TSUNAGU_TEST_POSTGRES").ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut hasher);
    let name = format!("relay_{:016x}", hasher.finish());
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("the test PostgreSQL answers");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .expect("a query");
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("a new database");
    }
    admin.close().await.expect("closed");
    Some(format!("{server}/{name}"))
}

/// The `--database` argument for a relay binary on data directory `data` (none on SQLite).
pub async fn database_args(data: &Path) -> Vec<String> {
    postgres_database(data)
        .await
        .map(|url| vec!["--database".to_owned(), url])
        .unwrap_or_default()
}

/// The relay's database for data directory `data` (the relay may be running or stopped).
pub async fn database(data: &Path) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = match postgres_database(data).await {
        Some(url) => url,
        None => format!(
            "sqlite://{}",
            data.join(tsunagu_server::DATABASE_FILE).display()
        ),
    };
    sqlx::AnyPool::connect(&url)
        .await
        .expect("the relay's database opens")
}

/// Whether the relays of this test run keep their data in PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var_os("TSUNAGU_TEST_POSTGRES").is_some()
}

/// The `error` code of an `ApiError` answer, after checking its status.
pub async fn error_code(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "{:?}", response.url().path());
    let body: serde_json::Value = response.json().await.expect("an ApiError body");
    body["error"].as_str().expect("an error code").to_owned()
}

/// The Python that has aiosmtpd: `TSUNAGU_TEST_PYTHON`, else the venv `cargo xtask test` makes.
pub fn test_python() -> std::path::PathBuf {
    if let Some(python) = std::env::var_os("TSUNAGU_TEST_PYTHON") {
        return python.into();
    }
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/.venv/bin/python");
    assert!(
        venv.exists(),
        "run `cargo xtask test` once: it installs aiosmtpd (no {})",
        venv.display()
    );
    venv
}

/// `tests/smtp_sink.py`: aiosmtpd on a free loopback port, keeping every mail it receives.
pub struct SmtpSink {
    pub port: u16,
    pub dir: TempDir,
    child: std::process::Child,
}

impl SmtpSink {
    pub fn start() -> Self {
        Self::refusing(&[])
    }

    /// A sink whose server refuses mail to `refused` for good (550), as for a mailbox that does
    /// not exist.
    pub fn refusing(refused: &[&str]) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/smtp_sink.py");
        let mut child = std::process::Command::new(test_python())
            .arg(script)
            .arg(port.to_string())
            .arg(dir.path())
            .arg(refused.join(","))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the SMTP sink starts");
        let stdout = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the SMTP sink says it is ready");
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        Self { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Mail number `n` (from 1): the raw message and its decoded plain-text body.
    pub async fn mail(&self, n: usize) -> (String, String) {
        let eml = self.dir.path().join(format!("{n}.eml"));
        let deadline = Instant::now() + PATIENCE;
        while !eml.exists() {
            assert!(Instant::now() < deadline, "no mail number {n} arrived");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let raw = std::fs::read_to_string(&eml).expect("the .eml is text");
        let text = std::fs::read_to_string(self.dir.path().join(format!("{n}.txt")))
            .expect("the decoded body");
        (raw, text)
    }

    /// Waits until `n` mails arrived, then returns them all (raw, decoded body), in order.
    pub async fn mails(&self, n: usize) -> Vec<(String, String)> {
        let mut all = Vec::with_capacity(n);
        for i in 1..=n {
            all.push(self.mail(i).await);
        }
        all
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Closing stdin stops it; kill in case it hangs.
        drop(self.child.stdin.take());
        std::thread::sleep(Duration::from_millis(50));
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Asks for `doc` on a raw socket and returns whether the relay says it does not exist.
pub async fn unavailable_to(relay: &TestRelay, cookie: &str, doc: DocumentId) -> bool {
    let mut socket = open_socket(relay.addr(), Some(cookie))
        .await
        .expect("a socket");
    let me = PeerId::new("probe");
    send(
        &mut socket,
        &Message::Join {
            sender: me.clone(),
            metadata: None,
            versions: vec!["1".into()],
        },
    )
    .await;
    let Some(Message::Peer {
        sender: relay_peer, ..
    }) = next_message(&mut socket).await
    else {
        panic!("no handshake");
    };
    let data = automerge::sync::SyncDoc::generate_sync_message(
        &automerge::Automerge::new(),
        &mut automerge::sync::State::new(),
    )
    .map(|m| m.encode())
    .unwrap_or_default();
    send(
        &mut socket,
        &Message::Request {
            sender: me,
            target: relay_peer,
            doc,
            data,
        },
    )
    .await;
    matches!(
        next_message(&mut socket).await,
        Some(Message::DocUnavailable { .. })
    )
}

/// Seconds since 1970, by this machine's clock.
pub fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("in range")
}

/// A CSV download at `path` as the member with `cookie`: its Content-Disposition and its rows,
/// after checking what Excel needs (the type, a BOM, CRLF line ends).
pub async fn download_csv(
    relay: &TestRelay,
    path: &str,
    cookie: &str,
) -> (String, Vec<Vec<String>>) {
    let response = call(relay, reqwest::Method::GET, path, Some(cookie), None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()[reqwest::header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .expect("an ASCII header")
        .to_owned();
    let bytes = response.bytes().await.expect("a body");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (disposition, rows)
}
