//! `cargo xtask bench relays` (issue 12): tsunagu's relay against the relays a company could
//! run instead, started side by side on loopback and driven by one load generator speaking the
//! automerge-repo protocol (tsunagu's own sync engine, as the app runs it):
//!
//! - **tsunagu** on SQLite and on PostgreSQL (the release binary, a demo company of 10,000
//!   alumni; every subscriber is a member of its own, signed in), and two and three relays over
//!   one PostgreSQL with the subscribers spread over them (fan-out only);
//! - the **Node automerge-repo sync server** (`tests/bench/peers/node_relay.mjs`);
//! - **samod**, the Rust automerge-repo, on axum (`tests/bench/peers/samod_relay`).
//!
//! Figures, for each relay:
//! - fan-out: one document, N subscribers, one writer making [`CHANGES`] small changes at
//!   [`RATE`] per second: the share of changes delivered to every subscriber, p50 / p99 from
//!   send to the last subscriber, deliveries per second. Subscribers join as the app does
//!   (announcing a storage id, so the relay keeps their sync state) and as a stock
//!   automerge-repo client does (ephemeral);
//! - idle: relay memory (RSS) per connection held, joined and (tsunagu) signed in;
//! - a fresh device's first sync of the 10,000-profile directory (bytes, time), and its
//!   reconnect with nothing changed (bytes, messages).
//!
//! Paths come from the environment (`cargo xtask bench relays` builds and sets them); a relay
//! whose path is missing is left out: `TSUNAGU_RELAY_BIN`, `TSUNAGU_BENCH_POSTGRES` (a database
//! URL of a cluster the bench may create databases in), `NODE_RELAY` (the script),
//! `SAMOD_RELAY_BIN`. `RELAY_BENCH_SUBSCRIBERS=100,500` narrows the fan-out sizes (empty: none),
//! `RELAY_BENCH_CLUSTERS=2,3` the relay counts over one PostgreSQL (empty: none), and
//! `RELAY_BENCH_ONLY=PostgreSQL` the relays to those whose name holds it.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use automerge::{ReadDoc, ScalarValue, Value};
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tsunagu_core::api::Me;
use tsunagu_core::engine::{ConnId, Effect, Engine};
use tsunagu_core::ids::{DocumentId, PeerId, StorageId};
use tsunagu_core::memory::sample_profile;
use tsunagu_core::profile::Profile;
use tsunagu_core::wire::Message;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Changes the writer makes in each fan-out run, and how many per second.
const CHANGES: u32 = 500;
const RATE: u32 = 50;
/// How long after the last change subscribers may take to catch up before the run ends.
const GRACE: Duration = Duration::from_secs(20);
/// Profiles in the directory a fresh device fetches.
const DIRECTORY: usize = 10_000;
/// Connections held for the idle figure.
const IDLE: usize = 2_000;
/// A run is over when nothing arrived for this long.
const QUIET: Duration = Duration::from_secs(2);

#[tokio::main]
async fn main() -> Result<()> {
    let sizes = counts("RELAY_BENCH_SUBSCRIBERS", "100,500,2000")?;
    let mut kinds = Vec::new();
    // Several tsunagu relays over one PostgreSQL, subscribers spread over them.
    let clusters = counts("RELAY_BENCH_CLUSTERS", "2,3")?;
    if let Ok(bin) = std::env::var("TSUNAGU_RELAY_BIN") {
        kinds.push(Kind::Tsunagu {
            bin: bin.clone().into(),
            postgres: None,
            relays: 1,
        });
        if let Ok(url) = std::env::var("TSUNAGU_BENCH_POSTGRES") {
            for relays in std::iter::once(1).chain(clusters) {
                kinds.push(Kind::Tsunagu {
                    bin: bin.clone().into(),
                    postgres: Some(url.clone()),
                    relays,
                });
            }
        }
    }
    if let Ok(script) = std::env::var("NODE_RELAY") {
        kinds.push(Kind::Node(script.into()));
    }
    if let Ok(bin) = std::env::var("SAMOD_RELAY_BIN") {
        kinds.push(Kind::Samod(bin.into()));
    }

    // `RELAY_BENCH_ONLY=PostgreSQL`: only the relays whose name holds it.
    if let Ok(only) = std::env::var("RELAY_BENCH_ONLY") {
        kinds.retain(|k| k.name().contains(&only));
    }

    // Each scenario gets the relay fresh from its storage (a relay still working off the last
    // scenario's backlog would measure that instead).
    let mut report = Report::default();
    for kind in &kinds {
        let name = kind.name();
        let site = Site::new(kind).await?;
        if kind.relays() > 1 {
            for &n in &sizes {
                eprintln!("{name}: fan-out to {n} (as the app)");
                let relay = Relay::start(kind, &site).await?;
                let figures = shown(fan_out(&relay, n, true).await);
                report.fan_out.push((name.clone(), n, true, figures));
            }
            continue;
        }
        eprintln!("{name}: idle connections");
        let relay = Relay::start(kind, &site).await;
        report.idle.push((name.clone(), shown(idle(&relay?).await)));
        for &n in &sizes {
            for app in [true, false] {
                eprintln!("{name}: fan-out to {n} ({})", mode(app));
                let relay = Relay::start(kind, &site).await?;
                let figures = shown(fan_out(&relay, n, app).await);
                report.fan_out.push((name.clone(), n, app, figures));
            }
        }
        eprintln!("{name}: directory");
        let relay = Relay::start(kind, &site).await?;
        report
            .directory
            .push((name.clone(), shown(directory(&relay).await)));
    }
    report.print();
    Ok(())
}

/// The comma-separated numbers in environment variable `name` (`default` if unset; empty: none).
fn counts(name: &str, default: &str) -> Result<Vec<usize>> {
    Ok(std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter(|n| !n.is_empty())
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()?)
}

/// A scenario that failed is reported as such, and the run goes on.
fn shown<T>(result: Result<T>) -> Option<T> {
    result.inspect_err(|e| eprintln!("  failed: {e}")).ok()
}

fn mode(app: bool) -> &'static str {
    if app { "as the app" } else { "ephemeral" }
}

// ---- the relays ------------------------------------------------------------------------------

enum Kind {
    Tsunagu {
        bin: PathBuf,
        postgres: Option<String>,
        /// Relay processes on the one database.
        relays: usize,
    },
    Node(PathBuf),
    Samod(PathBuf),
}

impl Kind {
    fn name(&self) -> String {
        match self {
            Self::Tsunagu { postgres: None, .. } => "tsunagu (SQLite)".into(),
            Self::Tsunagu {
                postgres: Some(_),
                relays: 1,
                ..
            } => "tsunagu (PostgreSQL)".into(),
            Self::Tsunagu { relays, .. } => format!("tsunagu (PostgreSQL, {relays} relays)"),
            Self::Node(_) => "Node automerge-repo".into(),
            Self::Samod(_) => "samod".into(),
        }
    }

    fn relays(&self) -> usize {
        match self {
            Self::Tsunagu { relays, .. } => *relays,
            _ => 1,
        }
    }
}

/// A relay process on a loopback port, and what the load generator needs to use it.
struct Relay {
    child: Child,
    addr: SocketAddr,
    /// More relay processes on the same database (tsunagu over PostgreSQL).
    others: Vec<(Child, SocketAddr)>,
    /// tsunagu's `/sync`, the others' `/`.
    path: &'static str,
    /// tsunagu's database, where the bench signs members in.
    database: Option<String>,
    /// The profiles a member may read (tsunagu); the others get it from the bench.
    directory: Vec<DocumentId>,
    /// The writer's own profile (tsunagu), which every member may read.
    writer_doc: Option<DocumentId>,
}

/// Where a relay keeps its data from one start to the next: a directory, and tsunagu's
/// database.
struct Site {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl Site {
    async fn new(kind: &Kind) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data)?;
        let database = match kind {
            Kind::Tsunagu {
                postgres: Some(cluster),
                ..
            } => Some(new_database(cluster).await?),
            Kind::Tsunagu { postgres: None, .. } => Some(format!(
                "sqlite://{}",
                data.join(tsunagu_server::DATABASE_FILE).display()
            )),
            _ => None,
        };
        Ok(Self { dir, database })
    }
}

impl Relay {
    async fn start(kind: &Kind, site: &Site) -> Result<Self> {
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let data = site.dir.path().join("data");
        let database = site.database.clone();
        let mut command = match kind {
            Kind::Tsunagu { bin, postgres, .. } => {
                let mut c = Command::new(bin);
                c.args(["--addr", &addr.to_string(), "--demo", "--demo-alumni"])
                    .arg(DIRECTORY.to_string())
                    .arg("--data")
                    .arg(&data)
                    .arg("--dist")
                    .arg(site.dir.path().join("dist"));
                if let (Some(_), Some(url)) = (postgres, &database) {
                    c.arg("--database").arg(url);
                }
                c
            }
            Kind::Node(script) => {
                let mut c = Command::new("node");
                c.arg(script).arg(port.to_string()).arg(&data);
                c
            }
            Kind::Samod(bin) => {
                let mut c = Command::new(bin);
                c.arg(port.to_string()).arg(&data);
                c
            }
        };
        let child = command.stdout(Stdio::null()).spawn()?;
        let mut relay = Self {
            child,
            addr,
            others: Vec::new(),
            path: "/",
            database: None,
            directory: Vec::new(),
            writer_doc: None,
        };
        // Seeding 10,000 alumni takes a while.
        let deadline = Instant::now() + Duration::from_secs(600);
        while TcpStream::connect(addr).await.is_err() {
            if Instant::now() > deadline {
                return Err("the relay did not start".into());
            }
            if let Some(status) = relay.child.try_wait()? {
                return Err(format!("the relay exited: {status}").into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if let Some(database) = database {
            // It listens before it has seeded: ready is when it says so.
            let http = reqwest::Client::new();
            let healthz = format!("http://{addr}/healthz");
            while !http
                .get(&healthz)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                if Instant::now() > deadline {
                    return Err("the relay did not get ready".into());
                }
                if let Some(status) = relay.child.try_wait()? {
                    return Err(format!("the relay exited: {status}").into());
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            relay.path = "/sync";
            let writer = sign_in(&database, 1).await?;
            relay.database = Some(database);
            let me: Me = reqwest::Client::new()
                .get(format!("http://{addr}/api/me"))
                .header("cookie", &writer[0])
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            relay.writer_doc = Some(me.profile_doc);
            relay.directory = me.directory;
            // The others once the first has made the schema and the demo, one at a time.
            for _ in 1..kind.relays() {
                let port = free_port()?;
                let other: SocketAddr = ([127, 0, 0, 1], port).into();
                let mut args: Vec<std::ffi::OsString> =
                    command.get_args().map(Into::into).collect();
                args[1] = other.to_string().into();
                let child = Command::new(command.get_program())
                    .args(args)
                    .stdout(Stdio::null())
                    .spawn()?;
                relay.others.push((child, other));
                while !http
                    .get(format!("http://{other}/healthz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    if Instant::now() > deadline {
                        return Err("another relay did not get ready".into());
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        Ok(relay)
    }

    /// The address the `i`-th peer connects to: the relays in turn.
    fn addr_for(&self, i: usize) -> SocketAddr {
        match i % (self.others.len() + 1) {
            0 => self.addr,
            k => self.others[k - 1].1,
        }
    }

    fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or("no VmRSS")?;
        Ok(kib * 1024)
    }

    /// Session cookies of `n` distinct members, signed in anew (a session syncs from the one
    /// device that first used it, and each run's peers are new devices); nothing for the relays
    /// that take anyone.
    async fn sessions(&self, n: usize) -> Result<Vec<Option<String>>> {
        match &self.database {
            Some(database) => Ok(sign_in(database, n).await?.into_iter().map(Some).collect()),
            None => Ok(vec![None; n]),
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for (child, _) in &mut self.others {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A new database on the cluster `url` points at, for one relay.
async fn new_database(url: &str) -> Result<String> {
    use sqlx::Connection;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "relay_bench_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await?;
    let base = url.rsplit_once('/').map_or(url, |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// Signs in `n` of the demo's generated alumni the way a browser ends up signed in: a session
/// row for a token only the bench knows (hashing 2,000 passwords would measure argon2, not
/// sync). Returns their session cookies.
async fn sign_in(database: &str, n: usize) -> Result<Vec<String>> {
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(database).await?;
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM users WHERE password_hash IS NULL AND status = 'active' ORDER BY id LIMIT $1",
    )
    .bind(i64::try_from(n)?)
    .fetch_all(&db)
    .await?;
    if users.len() < n {
        return Err(format!("only {} members to sign in", users.len()).into());
    }
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
    )?;
    let mut cookies = Vec::new();
    let mut tx = db.begin().await?;
    for user in &users {
        let token = format!("bench-{}", PeerId::random());
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(Sha256::digest(token.as_bytes()).to_vec())
        .bind(user)
        .bind(now)
        .bind(now + 86_400)
        .execute(&mut *tx)
        .await?;
        cookies.push(format!("tsunagu_session={token}"));
    }
    tx.commit().await?;
    db.close().await;
    Ok(cookies)
}

// ---- a peer: tsunagu's sync engine on a WebSocket ---------------------------------------------

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

struct Peer {
    engine: Engine,
    conn: ConnId,
    socket: Socket,
    /// Frames and bytes, both directions.
    frames: u64,
    bytes: u64,
}

impl Peer {
    /// Connects (as `member` on tsunagu), joins, and asks for `wanted`. `storage`: announce a
    /// storage id, as the app does; without one the peer is ephemeral.
    async fn open(relay: &Relay, member: Option<&str>, storage: bool) -> Result<Self> {
        Self::open_at(relay, relay.addr, member, storage).await
    }

    /// [`Self::open`] on the relay at `addr` (one of several on a database).
    async fn open_at(
        relay: &Relay,
        addr: SocketAddr,
        member: Option<&str>,
        storage: bool,
    ) -> Result<Self> {
        let engine = Engine::new(PeerId::random(), storage.then(StorageId::random));
        Self::open_with(relay, addr, member, engine).await
    }

    async fn open_with(
        relay: &Relay,
        addr: SocketAddr,
        member: Option<&str>,
        mut engine: Engine,
    ) -> Result<Self> {
        let mut request = format!("ws://{addr}{}", relay.path).into_client_request()?;
        if let Some(cookie) = member {
            request.headers_mut().insert("cookie", cookie.parse()?);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let conn = engine.connect();
        let start = engine.start(conn);
        let mut peer = Self {
            engine,
            conn,
            socket,
            frames: 0,
            bytes: 0,
        };
        peer.perform(start).await?;
        Ok(peer)
    }

    /// Sends what the engine asks to send; returns the documents that changed.
    async fn perform(&mut self, effects: Vec<Effect>) -> Result<Vec<DocumentId>> {
        let mut changed = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send { message, .. } => {
                    let bytes = message.encode();
                    self.frames += 1;
                    self.bytes += bytes.len() as u64;
                    self.socket.feed(Frame::Binary(bytes.into())).await?;
                }
                Effect::DocChanged { doc } => changed.push(doc),
                Effect::Close { reason, .. } => return Err(reason.into()),
                _ => {}
            }
        }
        self.socket.flush().await?;
        Ok(changed)
    }

    /// The next frame from the relay, taken in; `None` once the socket closed.
    async fn next(&mut self) -> Result<Option<Vec<DocumentId>>> {
        let frame = self.socket.next().await;
        self.take(frame).await
    }

    /// Takes in a frame read from the socket (reading is what may be cancelled; taking in is
    /// not: it answers the relay).
    async fn take(
        &mut self,
        frame: Option<std::result::Result<Frame, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Option<Vec<DocumentId>>> {
        match frame {
            Some(Ok(Frame::Binary(bytes))) => {
                self.frames += 1;
                self.bytes += bytes.len() as u64;
                let effects = self.engine.receive(self.conn, Message::decode(&bytes)?);
                self.perform(effects).await.map(Some)
            }
            Some(Ok(Frame::Close(_))) | None => Ok(None),
            Some(Ok(_)) => Ok(Some(Vec::new())),
            Some(Err(e)) => Err(e.into()),
        }
    }

    async fn want(&mut self, doc: DocumentId) -> Result<()> {
        let effects = self.engine.want(doc);
        self.perform(effects).await.map(drop)
    }

    /// Takes in frames until none came for [`QUIET`]; the time of the last one.
    async fn until_quiet(&mut self) -> Result<Instant> {
        let mut last = Instant::now();
        while let Ok(frame) = tokio::time::timeout(QUIET, self.next()).await {
            if frame?.is_none() {
                break;
            }
            last = Instant::now();
        }
        Ok(last)
    }
}

/// The number the writer last put in a document's title.
fn counter(engine: &Engine, doc: &DocumentId) -> u32 {
    let Some(doc) = engine.doc(doc) else {
        return 0;
    };
    let text = match doc.get(automerge::ROOT, "title") {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            _ => return 0,
        },
        Ok(Some((Value::Object(_), id))) => doc.text(id).unwrap_or_default(),
        _ => return 0,
    };
    text.strip_prefix("change ")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

// ---- idle connections --------------------------------------------------------------------------

/// Relay memory per connection held: [`IDLE`] peers join (signed in as distinct members on
/// tsunagu) and then say nothing.
async fn idle(relay: &Relay) -> Result<f64> {
    let sessions = relay.sessions(IDLE).await?;
    let before = relay.rss()?;
    let mut peers = Vec::with_capacity(IDLE);
    for session in &sessions {
        let mut peer = Peer::open(relay, session.as_deref(), true).await?;
        // Wait for the relay's `peer`: the connection is established on both sides.
        tokio::time::timeout(Duration::from_secs(10), peer.next()).await??;
        // Idle, but alive: reading answers the relay's pings (the Node server drops a socket
        // that does not answer within its keep-alive interval).
        peers.push(tokio::spawn(async move {
            while let Ok(Some(_)) = peer.next().await {}
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = relay.rss()?;
    peers.iter().for_each(tokio::task::JoinHandle::abort);
    tokio::time::sleep(Duration::from_secs(1)).await;
    Ok(after.saturating_sub(before) as f64 / IDLE as f64)
}

// ---- fan-out ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct FanOut {
    /// Share of changes every subscriber received.
    delivered: f64,
    /// From send to the last subscriber, over the changes every subscriber received.
    p50: Duration,
    p99: Duration,
    /// Deliveries (change × subscriber) per second, from the first send to the last delivery.
    per_second: f64,
}

/// When each change was sent, and when and how often it arrived, in microseconds since `t0`.
struct Log {
    t0: Instant,
    sent: Vec<AtomicU64>,
    last: Vec<AtomicU64>,
    arrived: Vec<AtomicU32>,
    deliveries: AtomicU64,
    latest: AtomicU64,
}

impl Log {
    fn new() -> Self {
        let n = CHANGES as usize + 1;
        Self {
            t0: Instant::now(),
            sent: (0..n).map(|_| AtomicU64::new(0)).collect(),
            last: (0..n).map(|_| AtomicU64::new(0)).collect(),
            arrived: (0..n).map(|_| AtomicU32::new(0)).collect(),
            deliveries: AtomicU64::new(0),
            latest: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.t0.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    fn sent(&self, k: u32) {
        self.sent[k as usize].store(self.now(), Ordering::Relaxed);
    }

    /// A subscriber that had every change up to `from` now has every change up to `to`.
    fn arrived(&self, from: u32, to: u32) {
        let now = self.now();
        for k in from + 1..=to {
            self.last[k as usize].fetch_max(now, Ordering::Relaxed);
            self.arrived[k as usize].fetch_add(1, Ordering::Relaxed);
        }
        self.deliveries
            .fetch_add(u64::from(to - from), Ordering::Relaxed);
        self.latest.fetch_max(now, Ordering::Relaxed);
    }

    fn complete(&self, subscribers: usize) -> bool {
        self.arrived[CHANGES as usize].load(Ordering::Relaxed) as usize == subscribers
            && self
                .arrived
                .iter()
                .skip(1)
                .all(|a| a.load(Ordering::Relaxed) as usize == subscribers)
    }

    fn figures(&self, subscribers: usize) -> FanOut {
        let mut latencies: Vec<u64> = (1..=CHANGES as usize)
            .filter(|&k| self.arrived[k].load(Ordering::Relaxed) as usize == subscribers)
            .map(|k| {
                self.last[k]
                    .load(Ordering::Relaxed)
                    .saturating_sub(self.sent[k].load(Ordering::Relaxed))
            })
            .collect();
        latencies.sort_unstable();
        let at = |q: f64| {
            let i = ((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1));
            Duration::from_micros(latencies.get(i).copied().unwrap_or(0))
        };
        let span = self
            .latest
            .load(Ordering::Relaxed)
            .saturating_sub(self.sent[1].load(Ordering::Relaxed));
        FanOut {
            delivered: latencies.len() as f64 / f64::from(CHANGES),
            p50: at(0.5),
            p99: at(0.99),
            per_second: self.deliveries.load(Ordering::Relaxed) as f64
                / (span as f64 / 1e6).max(1e-6),
        }
    }
}

async fn fan_out(relay: &Relay, n: usize, app: bool) -> Result<FanOut> {
    // The writer: on tsunagu a member editing their own profile, elsewhere a new document.
    let sessions = relay.sessions(n + 1).await?;
    let mut writer = Peer::open(relay, sessions[0].as_deref(), app).await?;
    let doc = match relay.writer_doc {
        Some(doc) => {
            writer.want(doc).await?;
            while writer
                .engine
                .doc(&doc)
                .is_none_or(|d| d.get_heads().is_empty())
            {
                writer.next().await?.ok_or("the relay closed")?;
            }
            doc
        }
        None => {
            let doc = DocumentId::random();
            let effects = writer
                .engine
                .create(doc, |tx| sample_profile(0).write_to(tx))?;
            writer.perform(effects).await?;
            doc
        }
    };
    let mut profile = Profile::read(writer.engine.doc(&doc).ok_or("the document")?)?;
    profile.title = "change 0".into();
    let effects = writer.engine.change(doc, |tx| profile.write_to(tx))?;
    writer.perform(effects).await?;
    writer.until_quiet().await?;

    // The writer: until the subscribers are ready it only takes in what the relay sends (and
    // answers its pings); then CHANGES changes at RATE per second, taking in the answers.
    let log = Arc::new(Log::new());
    let ready = Arc::new(AtomicUsize::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let (go, mut going) = tokio::sync::watch::channel(false);
    let log_w = log.clone();
    let mut stopped_w = stopped.clone();
    let writing = tokio::spawn(async move {
        loop {
            tokio::select! {
                frame = writer.socket.next() => if writer.take(frame).await?.is_none() {
                    return Err("the relay closed the writer's socket".into());
                },
                _ = going.changed() => break,
                _ = stopped_w.changed() => return Ok(()),
            }
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1) / RATE);
        let mut k = 0;
        loop {
            tokio::select! {
                _ = tick.tick(), if k < CHANGES => {
                    k += 1;
                    profile.title = format!("change {k}");
                    let effects = writer.engine.change(doc, |tx| profile.write_to(tx))?;
                    log_w.sent(k);
                    writer.perform(effects).await?;
                }
                frame = writer.socket.next() => if writer.take(frame).await?.is_none() { break },
                _ = stopped_w.changed() => break,
            }
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    });

    // Subscribers, each synced before the writer starts.
    let mut tasks = Vec::new();
    for (i, session) in sessions[1..].iter().enumerate() {
        let mut peer = Peer::open_at(relay, relay.addr_for(i), session.as_deref(), app)
            .await
            .map_err(|e| format!("subscriber {i} could not connect: {e}"))?;
        peer.want(doc)
            .await
            .map_err(|e| format!("subscriber {i} could not ask for the document: {e}"))?;
        let (log, ready, mut stopped) = (log.clone(), ready.clone(), stopped.clone());
        tasks.push(tokio::spawn(async move {
            let mut synced = false;
            let mut seen = 0;
            loop {
                tokio::select! {
                    frame = peer.socket.next() => match peer.take(frame).await {
                        Ok(Some(changed)) if changed.contains(&doc) => {
                            if !synced {
                                synced = true;
                                ready.fetch_add(1, Ordering::Relaxed);
                            }
                            let k = counter(&peer.engine, &doc);
                            if k > seen {
                                log.arrived(seen, k);
                                seen = k;
                            }
                        }
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    },
                    _ = stopped.changed() => break,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while ready.load(Ordering::Relaxed) < n {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {n} subscribers synced",
                ready.load(Ordering::Relaxed)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let _ = go.send(true);
    let sending = Duration::from_secs(1) / RATE * CHANGES;
    tokio::time::sleep(sending).await;
    let deadline = Instant::now() + GRACE;
    while !log.complete(n) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    writing.await??;
    for task in tasks {
        let _ = task.await;
    }
    Ok(log.figures(n))
}

// ---- the directory -----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Directory {
    profiles: usize,
    fetch_bytes: u64,
    fetch_time: Duration,
    reconnect_bytes: u64,
    reconnect_frames: u64,
}

/// A fresh device fetches the directory, then reconnects with nothing changed.
async fn directory(relay: &Relay) -> Result<Directory> {
    let docs = if relay.directory.is_empty() {
        seed_directory(relay).await?
    } else {
        relay.directory.clone()
    };
    let mut engine = Engine::new(PeerId::random(), Some(StorageId::random()));
    for doc in &docs {
        let _ = engine.want(*doc);
    }
    let session = relay.sessions(1).await?.remove(0);
    let started = Instant::now();
    let mut device = Peer::open_with(relay, relay.addr, session.as_deref(), engine).await?;
    let last = device.until_quiet().await?;
    let profiles = docs
        .iter()
        .filter(|d| {
            device
                .engine
                .doc(d)
                .is_some_and(|d| !d.get_heads().is_empty())
        })
        .count();
    let fetch = (device.bytes, last - started);

    let Peer { engine, socket, .. } = device;
    drop(socket);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut device = Peer::open_with(relay, relay.addr, session.as_deref(), engine).await?;
    device.until_quiet().await?;
    Ok(Directory {
        profiles,
        fetch_bytes: fetch.0,
        fetch_time: fetch.1,
        reconnect_bytes: device.bytes,
        reconnect_frames: device.frames,
    })
}

/// Gives a relay that takes anyone's documents [`DIRECTORY`] profiles, as an import would: a
/// batch at a time, each acknowledged before the next (all at once, the Node server's document
/// loads time out and the process dies).
async fn seed_directory(relay: &Relay) -> Result<Vec<DocumentId>> {
    let mut seeder = Peer::open(relay, None, true).await?;
    while !seeder.engine.is_ready(seeder.conn) {
        seeder.next().await?.ok_or("the relay closed")?;
    }
    let storage = seeder.engine.remote_storage(seeder.conn).cloned();
    let mut docs = Vec::new();
    for batch in (0..DIRECTORY).collect::<Vec<_>>().chunks(200) {
        let mut new = Vec::new();
        for &i in batch {
            let doc = DocumentId::random();
            let effects = seeder
                .engine
                .create(doc, |tx| sample_profile(i).write_to(tx))?;
            seeder.perform(effects).await?;
            new.push(doc);
        }
        match &storage {
            Some(storage) => {
                let acknowledged = |e: &Engine| {
                    new.iter().all(|d| {
                        e.doc(d).is_some_and(|doc| {
                            doc.get_heads().as_slice() == e.acknowledged_heads(storage, d)
                        })
                    })
                };
                while !acknowledged(&seeder.engine) {
                    tokio::time::timeout(Duration::from_secs(60), seeder.next())
                        .await??
                        .ok_or("the relay closed")?;
                }
            }
            None => {
                seeder.until_quiet().await?;
            }
        }
        docs.extend(new);
    }
    Ok(docs)
}

// ---- the report --------------------------------------------------------------------------------

/// Figures by relay; `None` where the scenario failed (the error went to stderr).
#[derive(Default)]
struct Report {
    idle: Vec<(String, Option<f64>)>,
    fan_out: Vec<(String, usize, bool, Option<FanOut>)>,
    directory: Vec<(String, Option<Directory>)>,
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

impl Report {
    fn print(&self) {
        println!("\n### Fan-out: one writer, {CHANGES} changes at {RATE}/s, N subscribers\n");
        println!(
            "| relay | N | subscribers | delivered to all | p50 | p99 | deliveries/s |\n|---|---:|---|---:|---:|---:|---:|"
        );
        for (name, n, app, f) in &self.fan_out {
            let figures = f.map_or_else(
                || "failed | | |".to_owned(),
                |f| {
                    format!(
                        "{:.0} % | {} | {} | {:.0}",
                        f.delivered * 100.0,
                        ms(f.p50),
                        ms(f.p99),
                        f.per_second
                    )
                },
            );
            println!("| {name} | {n} | {} | {figures} |", mode(*app));
        }
        println!("\n### Idle: {IDLE} connections held\n");
        println!("| relay | RSS per connection |\n|---|---:|");
        for (name, bytes) in &self.idle {
            let shown = bytes.map_or("failed".into(), |b| format!("{:.1} KB", b / 1000.0));
            println!("| {name} | {shown} |");
        }
        println!("\n### A fresh device and the {DIRECTORY}-profile directory\n");
        println!(
            "| relay | profiles synced | first sync | time | reconnect, nothing changed | messages |\n|---|---:|---:|---:|---:|---:|"
        );
        for (name, d) in &self.directory {
            let shown = d.map_or("failed | | | |".into(), |d| {
                format!(
                    "{} | {:.1} MB | {} | {} B | {}",
                    d.profiles,
                    d.fetch_bytes as f64 / 1e6,
                    ms(d.fetch_time),
                    d.reconnect_bytes,
                    d.reconnect_frames
                )
            });
            println!("| {name} | {shown} |");
        }
        self.ratios();
    }

    /// Each relay's figures over tsunagu's on SQLite (the first relay): below 1, it does better.
    fn ratios(&self) {
        let Some((base, _)) = self.idle.first() else {
            return;
        };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
            _ => "–".into(),
        };
        let idle = |name: &str| self.idle.iter().find(|(n, _)| n == name).and_then(|r| r.1);
        let fetch = |name: &str| {
            self.directory
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|r| r.1)
                .map(|d| d.fetch_time.as_secs_f64())
        };
        let p99 = |name: &str, size: usize| {
            self.fan_out
                .iter()
                .find(|(n, s, app, _)| n == name && *s == size && *app)
                .and_then(|r| r.3)
                .filter(|f| f.delivered > 0.0)
                .map(|f| f.p99.as_secs_f64())
        };
        println!("\n### Over {base} (below 1: better than it)\n");
        println!(
            "| relay | fresh fetch time | idle RSS per connection | fan-out p99 by N (as the app) |\n|---|---:|---:|---|"
        );
        for (name, _) in self.idle.iter().skip(1) {
            let sizes: Vec<String> = self
                .fan_out
                .iter()
                .filter(|(n, _, app, _)| n == name && *app)
                .map(|(_, size, _, _)| {
                    format!("{size}: {}", ratio(p99(name, *size), p99(base, *size)))
                })
                .collect();
            println!(
                "| {name} | {} | {} | {} |",
                ratio(fetch(name), fetch(base)),
                ratio(idle(name), idle(base)),
                sizes.join(", ")
            );
        }
    }
}
