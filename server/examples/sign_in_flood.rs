//! `cargo xtask bench` (issue 8): how many sign-in attempts per second the relay absorbs while
//! wrong passwords pour in from many addresses, and what that costs the members who are
//! syncing meanwhile.
//!
//! A relay runs in this process with the demo company, behind a "proxy" (it trusts 127.0.0.1's
//! `X-Forwarded-For`, so every attempt can come from an address of its own and no per-address
//! budget hides the cost of hashing). 50 honest devices each edit their member's profile and
//! wait for the relay's acknowledgement, over and over; the time from edit to acknowledgement is
//! their sync latency. It is measured for a while without the flood, then with it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tsunagu_core::api::Me;
use tsunagu_core::engine::{Effect, Engine};
use tsunagu_core::ids::{PeerId, StorageId};
use tsunagu_core::profile::Profile;
use tsunagu_core::wire::Message;
use tsunagu_server::{Config, DEMO_PASSWORD, Server};

/// Devices syncing all along, one per member.
const HONEST: usize = 50;
/// Concurrent attackers, each posting a wrong password as soon as the last one was answered.
const ATTACKERS: usize = 64;
const PHASE: Duration = Duration::from_secs(8);

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut config = Config::new(
        "127.0.0.1:0".parse()?,
        dir.path().join("data"),
        dir.path().join("dist"),
    );
    config.seed_demo = true;
    config.trusted_proxies = vec!["127.0.0.1".parse()?];
    let hashes = config.limits.password_hashes_at_once;
    // The demo's generated alumni cannot sign in: give 50 of them the demo password, so each
    // honest device is a member of its own, editing their own profile.
    Server::start(config.clone()).await?.stop().await;
    let members = give_passwords(&config, HONEST).await?;
    let server = Server::start(config).await?;
    let addr = server.local_addr();

    let recorder = Arc::new(Recorder::default());
    let mut devices = Vec::new();
    for (i, email) in members.into_iter().enumerate() {
        devices.push(tokio::spawn(honest_device(
            addr,
            email,
            i,
            recorder.clone(),
        )));
    }
    // Let every device finish its first sync before measuring.
    tokio::time::sleep(Duration::from_secs(3)).await;

    recorder.phase.store(QUIET, Ordering::Relaxed);
    tokio::time::sleep(PHASE).await;
    let flood = Flood::default();
    let attackers: Vec<_> = (0..ATTACKERS)
        .map(|i| tokio::spawn(attacker(addr, i, flood.clone())))
        .collect();
    recorder.phase.store(LOUD, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(PHASE).await;
    let elapsed = started.elapsed().as_secs_f64();
    recorder.phase.store(DONE, Ordering::Relaxed);
    flood.stop.store(true, Ordering::Relaxed);
    attackers.iter().for_each(tokio::task::JoinHandle::abort);
    devices.iter().for_each(tokio::task::JoinHandle::abort);

    let per_second = |n: u64| n as f64 / elapsed;
    println!(
        "\n### Sign-in flood (wrong passwords from {ATTACKERS} clients at once, each from addresses of its own)\n"
    );
    println!("| | per second |\n|---|---:|");
    println!(
        "| attempts answered | {:.0} |",
        per_second(flood.answered())
    );
    println!(
        "| … checked (argon2id, {hashes} at once): 401 | {:.0} |",
        per_second(flood.checked.load(Ordering::Relaxed))
    );
    println!(
        "| … told the relay is busy: 503 | {:.0} |",
        per_second(flood.busy.load(Ordering::Relaxed))
    );
    println!(
        "| … refused by a budget: 429 | {:.0} |",
        per_second(flood.throttled.load(Ordering::Relaxed))
    );
    println!("\n### Sync latency of {HONEST} members' devices (edit → acknowledgement)\n");
    println!("| | edits | p50 | p99 |\n|---|---:|---:|---:|");
    for (name, phase) in [("before the flood", QUIET), ("during the flood", LOUD)] {
        let (n, p50, p99) = recorder.summary(phase);
        println!("| {name} | {n} | {p50:.1} ms | {p99:.1} ms |");
    }
    server.stop().await;
    Ok(())
}

#[derive(Debug, Default, Clone)]
struct Flood {
    stop: Arc<AtomicBool>,
    checked: Arc<AtomicU64>,
    busy: Arc<AtomicU64>,
    throttled: Arc<AtomicU64>,
}

impl Flood {
    fn answered(&self) -> u64 {
        self.checked.load(Ordering::Relaxed)
            + self.busy.load(Ordering::Relaxed)
            + self.throttled.load(Ordering::Relaxed)
    }
}

async fn attacker(addr: SocketAddr, i: usize, flood: Flood) {
    let client = reqwest::Client::new();
    let mut n: u32 = 0;
    while !flood.stop.load(Ordering::Relaxed) {
        n = n.wrapping_add(1);
        // A new address per attempt: 10.x.y.z.
        let from = format!("10.{}.{}.{}", i % 250, (n >> 8) % 250, n % 250);
        let answer = client
            .post(format!("http://{addr}/api/session"))
            .header("x-forwarded-for", from)
            .json(&serde_json::json!({ "email": "admin@example.com", "password": format!("guess-{n}") }))
            .send()
            .await;
        let counter = match answer.map(|r| r.status().as_u16()) {
            Ok(401) => &flood.checked,
            Ok(503) => &flood.busy,
            Ok(429) => &flood.throttled,
            _ => continue,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

// Phase 0: devices make their first sync, nothing is recorded.
const QUIET: u8 = 1;
const LOUD: u8 = 2;
const DONE: u8 = 3;

/// Edit → acknowledgement times, in microseconds, by the phase they were measured in.
#[derive(Debug, Default)]
struct Recorder {
    phase: std::sync::atomic::AtomicU8,
    times: std::sync::Mutex<Vec<(u8, u64)>>,
}

impl Recorder {
    fn record(&self, micros: u64) {
        let phase = self.phase.load(Ordering::Relaxed);
        if phase == QUIET || phase == LOUD {
            self.times
                .lock()
                .expect("not poisoned")
                .push((phase, micros));
        }
    }

    fn running(&self) -> bool {
        self.phase.load(Ordering::Relaxed) != DONE
    }

    /// (count, p50 ms, p99 ms) of one phase.
    fn summary(&self, phase: u8) -> (usize, f64, f64) {
        let mut all: Vec<u64> = self
            .times
            .lock()
            .expect("not poisoned")
            .iter()
            .filter(|(p, _)| *p == phase)
            .map(|(_, t)| *t)
            .collect();
        all.sort_unstable();
        let at = |q: f64| {
            let i = ((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1));
            all.get(i).map_or(0.0, |m| *m as f64 / 1000.0)
        };
        (all.len(), at(0.5), at(0.99))
    }
}

/// One member's device: signs in, syncs its profile, then edits it and waits for the relay's
/// acknowledgement, again and again, recording each wait.
/// The emails of `n` generated alumni, who now sign in with the demo password.
async fn give_passwords(config: &Config, n: usize) -> Result<Vec<String>> {
    use argon2::PasswordHasher;
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        config
            .data_dir
            .join(tsunagu_server::DATABASE_FILE)
            .display()
    ))
    .await?;
    let salt = argon2::password_hash::SaltString::encode_b64(b"bench-salt-16byt")
        .map_err(|e| e.to_string())?;
    let hash = argon2::Argon2::default()
        .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
        .map_err(|e| e.to_string())?
        .to_string();
    let emails: Vec<String> = sqlx::query_scalar(
        "SELECT email FROM users WHERE password_hash IS NULL AND status = 'active' LIMIT ?",
    )
    .bind(i64::try_from(n)?)
    .fetch_all(&db)
    .await?;
    for email in &emails {
        sqlx::query("UPDATE users SET password_hash = ? WHERE email = ?")
            .bind(&hash)
            .bind(email)
            .execute(&db)
            .await?;
    }
    db.close().await;
    Ok(emails)
}

async fn honest_device(
    addr: SocketAddr,
    email: String,
    i: usize,
    recorder: Arc<Recorder>,
) -> Result<()> {
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/api/session"))
        .header(
            "x-forwarded-for",
            format!("192.168.{}.{}", i / 200, i % 200 + 1),
        )
        .json(&serde_json::json!({ "email": email, "password": DEMO_PASSWORD }))
        .send()
        .await?;
    let cookie = answer
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|c| c.starts_with("tsunagu_session="))
        })
        .map(str::to_owned)
        .ok_or("no session cookie")?;
    let me: Me = answer.json().await?;
    let doc = me.profile_doc;
    let storage = StorageId::random();
    let mut engine = Engine::new(PeerId::random(), Some(storage));
    engine.want(doc);
    let mut request = format!("ws://{addr}/sync").into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let conn = engine.connect();
    let mut outgoing = engine.start(conn);
    let mut edits = 0u32;
    let mut sent_at: Option<Instant> = None;
    while recorder.running() {
        for effect in outgoing.drain(..) {
            if let Effect::Send { message, .. } = effect {
                socket.send(Frame::Binary(message.encode().into())).await?;
            }
        }
        let synced = engine.doc(&doc).is_some_and(|d| !d.get_heads().is_empty())
            && engine.pending_changes(&me.relay_storage) == 0;
        if synced {
            if let Some(at) = sent_at.take() {
                recorder.record(u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            edits += 1;
            let mut profile = Profile::read(engine.doc(&doc).ok_or("the profile")?)?;
            profile.title = format!("device {i}, edit {edits}");
            outgoing = engine.change(doc, |tx| profile.write_to(tx))?;
            sent_at = Some(Instant::now());
            continue;
        }
        match socket.next().await {
            Some(Ok(Frame::Binary(bytes))) => {
                outgoing = engine.receive(conn, Message::decode(&bytes)?);
            }
            Some(Ok(_)) => {}
            _ => return Ok(()),
        }
    }
    Ok(())
}
