//! Starting and stopping a relay: open the database (seeding the demo when asked, else offering
//! the first-run setup while there is no organisation), build the router, listen.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get, post, put};
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Semaphore, oneshot};
use tokio::task::JoinHandle;
use tsunagu_core::engine::Engine;
use tsunagu_core::ids::{PeerId, random_bytes};

use crate::budget::{Budgets, MemberBudgets};
use crate::relay::Relay;
use crate::setup::SetupToken;
use crate::throttle::SignInThrottle;
use crate::{
    AppState, Config, Error, api, auth, db, documents, events, joining, organisation, pass_keys,
    passkeys, photos, security, seed, setup, static_files, sync,
};

/// A running relay.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    seeded_demo: bool,
    /// `<public url>/#/setup/<token>`, while the network waits for its first-run setup.
    setup_link: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    /// What the handlers share (the relay, its sockets, the database), to stop them.
    state: AppState,
    /// Keeps other relays off the SQLite database until this one stops.
    sole: Option<db::SoleRelay>,
    task: JoinHandle<std::io::Result<()>>,
    /// Closes sockets whose session expired while they were idle, and forgets old sync states.
    sweeper: JoinHandle<()>,
}

/// How often a relay with a mail server looks for newsletters to queue and mails to send.
const NEWSLETTER_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Server {
    /// Opens the data directory, and listens on `config.addr` (port 0 picks a free port).
    pub async fn start(config: Config) -> Result<Self, Error> {
        crate::telemetry::install();
        let url = db::url(&config.data_dir, config.database.as_deref())?;
        let sole = db::claim(&config.data_dir, &url)?;
        let (state, setup_token) = open(config, &url).await?;
        let seeded_demo = db::meta(&state.db, "demo_seeded").await?.is_some();
        let addr = state.config.addr;
        let listener = TcpListener::bind(addr).await.map_err(|source| Error::Io {
            what: format!("listening on {addr}"),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| Error::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        let joining = joining::Joining::new(&state.config, addr)?;
        let setup_link = setup_token.map(|token| format!("{}/#/setup/{token}", joining.public_url));
        let passkeys = Arc::new(passkeys::Passkeys::new(&state.config, addr)?);
        if joining.mailer.is_some() {
            let (db, joining) = (state.db.clone(), joining.clone());
            tokio::spawn(crate::reactions::every(
                Arc::downgrade(&state.relay),
                // Soon after a post comes out, however seldom reminders are looked for.
                state.config.reminders_every.min(NEWSLETTER_EVERY),
                "mail newsletters",
                move |_| {
                    let (db, joining) = (db.clone(), joining.clone());
                    async move { crate::news::newsletter::mail_due(&db, &joining).await }
                },
            ));
        }
        let sweeper = tokio::spawn(sweep(state.clone()));
        let app = router(state.clone(), joining, passkeys)
            .into_make_service_with_connect_info::<SocketAddr>();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    stopped.await.ok();
                })
                .await
        });
        tracing::info!(%addr, "relay listening");
        Ok(Self {
            addr,
            seeded_demo,
            setup_link,
            shutdown: Some(shutdown),
            state,
            sole,
            task,
            sweeper,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the database holds the demo company (so the demo sign-ins work).
    pub fn has_demo(&self) -> bool {
        self.seeded_demo
    }

    /// The one-time first-run setup link, if the network has no organisation yet.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// Stops gracefully: accepts no more connections, closes every sync socket once nothing is
    /// half handled (code 1012: the devices reconnect elsewhere at once), waits a while for open
    /// requests and close frames, and closes the database (checkpointing its log).
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            shutdown.send(()).ok();
        }
        let (unwritten, presence) = {
            let mut relay = self.state.relay.lock().await;
            relay.shut_down();
            (relay.take_sync_states(), relay.take_presence())
        };
        crate::relay::write_sync_states(&self.state.db, unwritten).await;
        if let Some((me, gone)) = presence {
            crate::relays::write_presence(&self.state.db, &me, &gone).await;
        }
        self.state.sockets.close();
        if tokio::time::timeout(STOP_PATIENCE, self.state.sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sockets did not close in time");
        }
        if tokio::time::timeout(STOP_PATIENCE, &mut self.task)
            .await
            .is_err()
        {
            tracing::warn!("some requests did not finish in time");
            self.task.abort();
        }
        self.sweeper.abort();
        self.state.db.close().await;
        drop(self.sole.take());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        self.sweeper.abort();
    }
}

/// How long stopping waits for sockets to send their close frames, and then for open requests.
const STOP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// How often sockets whose session expired are looked for (a busy socket is checked at each
/// message; this catches idle ones).
const EXPIRY_SWEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// How often sync states older than `Limits::sync_state_lifetime` and photos no document named
/// for `Limits::unnamed_photo_lifetime` are forgotten (and once at start): scans of whole
/// tables, so not often.
const DAILY_SWEEP: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

async fn sweep(state: AppState) {
    let limits = &state.config.limits;
    let ago = |lifetime: std::time::Duration| {
        db::now().saturating_sub(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
    };
    let mut sockets = tokio::time::interval(EXPIRY_SWEEP);
    let mut daily = tokio::time::interval(DAILY_SWEEP);
    loop {
        tokio::select! {
            _ = sockets.tick() => state.relay.lock().await.close_expired(db::now()).await,
            _ = daily.tick() => {
                match db::forget_sync_states_before(&state.db, ago(limits.sync_state_lifetime)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "forgot sync states no device refreshed"),
                    Err(e) => tracing::warn!(error = %e, "could not forget old sync states"),
                }
                match photos::collect_unnamed(&state.db, ago(limits.unnamed_photo_lifetime)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(n, "deleted photos no document names"),
                    Err(e) => tracing::warn!(error = %e, "could not delete unnamed photos"),
                }
            }
        }
    }
}

/// Runs a relay until Ctrl-C (or SIGTERM), printing where to open it.
pub async fn serve(config: Config) -> Result<(), Error> {
    let dist = config.dist_dir.clone();
    let settings = config.clone();
    let server = Server::start(config).await?;
    println!("tsunagu relay: http://{}/", server.local_addr());
    match settings.passkey_origin(server.local_addr()) {
        Some(origin) => println!("  passkeys work at {origin}/"),
        None => println!("  no passkeys: they need a domain name (--public-url https://…)"),
    }
    if !dist.join("index.html").is_file() {
        println!(
            "  (no app in {}: run `cargo xtask run` to build and serve it)",
            dist.display()
        );
    }
    if let Some(link) = server.setup_link() {
        println!("  first-run setup (works once; a restart prints a new link):");
        println!("    {link}");
        println!("  or from the command line: tsunagu-server setup --help");
    }
    if server.has_demo() {
        println!("  demo sign-ins, password `{}`:", seed::DEMO_PASSWORD);
        for (email, who) in seed::DEMO_SIGN_INS {
            println!("    {email:<22} {who}");
        }
    }
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// Opens the data directory; also returns the first-run setup token when the network has none.
async fn open(config: Config, url: &str) -> Result<(AppState, Option<String>), Error> {
    let db = db::open(url).await?;
    crate::documents::backfill_heads(&db).await?;
    let relay_storage = db::relay_storage_id(&db).await?;
    let relay_actor = db::relay_actor(&db).await?;
    if config.seed_demo {
        seed::demo_if_empty(&db, &relay_actor, config.demo_alumni).await?;
    }
    organisation::ensure_document(&db, &relay_actor).await?;
    documents::ensure_profile_parts(&db, &relay_actor).await?;
    documents::ensure_member_docs(&db, &relay_actor).await?;
    let passes = pass_keys::load(&config.data_dir, &db).await?;
    let actors = db::actor_book(&db).await?;
    let decoy = tokio::task::spawn_blocking(|| {
        let password: String = random_bytes::<16>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        auth::hash_password(&password)
    })
    .await
    .map_err(|e| Error::PasswordHash(e.to_string()))??;
    // The relay writes passes and rosters as its reserved actor, which no member can claim.
    let engine = Engine::new(PeerId::random(), Some(relay_storage.clone()))
        .with_actor(relay_actor)
        .with_queue_limit(config.limits.queued_change_bytes)
        .coalescing();
    let mut relay = Relay::new(
        engine,
        db.clone(),
        config.limits.clone(),
        actors,
        passes.clone(),
        vec![
            Box::new(events::reactions::Events),
            Box::new(crate::push::Messages {
                messages_per_page: config.limits.messages_per_page,
            }),
            Box::new(crate::photos::Profiles),
            Box::new(crate::news::Posts),
            Box::new(crate::news::jobs::Applying { db: db.clone() }),
        ],
    );
    let vapid = crate::push::Vapid::load(&db, config.push_contact.clone()).await?;
    let sender = crate::push::Sender::new(
        db.clone(),
        vapid.clone(),
        config.push_services.clone(),
        config.push_retry_after,
    )?;
    relay.wake_pushes_with(sender.wake());
    let fellows = if db::is_postgres(&db) {
        let fellows = crate::relays::Fellows::new(db.clone());
        relay.join_fellows(fellows.clone());
        Some((fellows, crate::relays::listener(url).await?))
    } else {
        None
    };
    tokio::spawn(sender.run());
    relay.settle().await?;
    relay.write(events::authority::Change::Publish).await?;
    let throttle =
        SignInThrottle::new(config.limits.sign_in_failures, config.limits.sign_in_window);
    let (setup_token, setup) = if db::organisation(&db).await?.is_some() {
        (None, SetupToken::default())
    } else {
        let (token, setup) = SetupToken::issue();
        (Some(token), setup)
    };
    let limits = &config.limits;
    let state = AppState {
        db,
        relay: Arc::new(Mutex::new(relay)),
        throttle: Arc::new(throttle),
        decoy_hash: decoy.into(),
        relay_storage,
        passes,
        budgets: Arc::new(MemberBudgets::new(
            f64::from(limits.messages_per_second),
            limits.message_burst,
        )),
        anonymous: Arc::new(Budgets::with_rate(limits.unauthenticated_per_address)),
        applications_per_address: Arc::new(Budgets::with_rate(limits.applications_per_address)),
        applications_overall: Arc::new(Budgets::with_rate(limits.applications_overall)),
        hashing: Arc::new(Semaphore::new(limits.password_hashes_at_once.max(1))),
        setup: Arc::new(setup),
        profile_years: Arc::default(),
        vapid,
        sockets: tokio_util::task::TaskTracker::new(),
        config: Arc::new(config),
    };
    tokio::spawn(crate::relay::tend(
        Arc::downgrade(&state.relay),
        state.db.clone(),
    ));
    if let Some((fellows, listener)) = fellows {
        tokio::spawn(crate::relays::listen(
            listener,
            url.to_owned(),
            fellows.me,
            Arc::downgrade(&state.relay),
        ));
    }
    let every = state.config.reminders_every;
    tokio::spawn(crate::reactions::every(
        Arc::downgrade(&state.relay),
        every,
        "send event reminders",
        |relay| async move { relay.lock().await.write(events::notices::Remind).await },
    ));
    let db = state.db.clone();
    tokio::spawn(crate::reactions::every(
        Arc::downgrade(&state.relay),
        every,
        "tell of and announce news",
        move |relay| {
            let db = db.clone();
            async move {
                crate::news::tell_due(&relay, &db).await?;
                crate::news::announce_due(&relay, &db).await
            }
        },
    ));
    Ok((state, setup_token))
}

fn router(state: AppState, joining: joining::Joining, passkeys: Arc<passkeys::Passkeys>) -> Router {
    let api = Router::new()
        .merge(joining::routes(joining, state.config.limits.csv_body_bytes))
        .merge(passkeys::routes(passkeys))
        .route("/session", post(api::sign_in).delete(api::sign_out))
        .route("/sessions", delete(api::sign_out_everywhere))
        .route("/me/password", put(api::change_password))
        .route(
            "/admin/pass-keys",
            get(pass_keys::list).post(pass_keys::rotate),
        )
        .route("/admin/pass-keys/{id}", delete(pass_keys::retire))
        .route("/network", get(setup::network))
        .route("/network/logo", get(crate::logo::get))
        .route(
            "/admin/logo",
            put(crate::logo::put)
                .delete(crate::logo::remove)
                .layer(DefaultBodyLimit::max(crate::logo::MAX_LOGO_BYTES + 1)),
        )
        .route("/setup", post(setup::setup))
        .route("/me", get(api::get_me))
        .route("/me", delete(crate::account::delete))
        .route("/me/export", get(crate::export::export))
        .route("/me/directory", put(crate::account::set_listing))
        .route("/devices", get(crate::devices::list))
        .route("/devices/{id}", delete(crate::devices::revoke))
        .merge(events::api_routes())
        .merge(crate::conversations::api_routes())
        .merge(crate::moderation::api_routes())
        .merge(crate::push::api_routes())
        .merge(crate::photos::api_routes())
        .merge(crate::news::api_routes())
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(state.config.limits.json_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::same_site_writes,
        ));
    Router::new()
        .nest("/api", api)
        .route("/api", any(api::not_found))
        .route("/sync", get(sync::upgrade))
        .merge(crate::telemetry::routes())
        .merge(events::public_routes())
        .fallback(static_files::serve)
        .layer(middleware::from_fn(security::headers))
        .with_state(state)
}
