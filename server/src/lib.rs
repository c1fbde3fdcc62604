//! # tsunagu-server
//!
//! The relay of a tsunagu alumni network: it signs members in, serves the built offline-first
//! app, and syncs Automerge documents with every device over the automerge-repo WebSocket
//! protocol, deciding per document who may read and who may write (docs/design.md §4). The protocol
//! itself lives in [`tsunagu_core::engine`]; this crate only moves bytes between that engine,
//! sockets and SQLite, acknowledging a change only after it is committed.
//!
//! | route | what |
//! |---|---|
//! | `POST /api/session`, `DELETE /api/session`, `GET /api/me` | the JSON API ([`tsunagu_core::api`]) |
//! | `GET /api/network`, `POST /api/setup` | which network this is; its first-run setup (`setup`) |
//! | `/api/admin/...`, `/api/invitations/...`, `/api/register`, `/api/applications` | joining and the admin screens (`joining`) |
//! | `/api/passkeys/...` | passkeys: register, list, remove, sign in (`passkeys`) |
//! | `/api/events...`, `/api/me/calendar`, `GET /ics/{token}.ics` | events, calendars, attendee lists (`events`) |
//! | `GET /sync` | the sync WebSocket, for signed-in members |
//! | anything else | the app from `--dist`, with `index.html` for client-side routes |
//!
//! Start one in-process (as the tests do) and stop it:
//!
//! ```no_run
//! # async fn demo() -> Result<(), tsunagu_server::Error> {
//! use tsunagu_server::{Config, Server};
//! let config = Config::new("127.0.0.1:0".parse().expect("an address"), "./data", "./dist");
//! let server = Server::start(config).await?;
//! println!("listening on http://{}", server.local_addr());
//! server.stop().await;
//! # Ok(()) }
//! ```

mod access;
mod account;
mod api;
mod auth;
pub mod backup;
mod budget;
mod client;
mod config;
mod conversations;
mod csv_export;
mod db;
mod demo_people;
mod devices;
mod documents;
mod error;
mod events;
mod export;
mod joining;
mod logo;
mod moderation;
mod news;
mod organisation;
mod pass_keys;
mod passkeys;
mod photos;
mod push;
mod reactions;
mod relay;
mod relays;
mod scribe;
mod security;
mod seed;
mod server;
mod setup;
mod static_files;
mod sync;
mod telemetry;
mod throttle;

use std::sync::Arc;

use sqlx::AnyPool;
use tokio::sync::Mutex;
use tsunagu_core::ids::StorageId;

pub use config::{Config, Limits, PUSH_SERVICES, Rate};
pub use db::DATABASE_FILE;
pub use error::Error;
pub use seed::{DEMO_PASSWORD, DEMO_SIGN_INS};
pub use server::{Server, serve};
pub use setup::{SetupRefused, setup_from_command_line};

use relay::Relay;
use throttle::SignInThrottle;

/// What every handler shares.
#[derive(Debug, Clone)]
struct AppState {
    db: AnyPool,
    relay: Arc<Mutex<Relay>>,
    throttle: Arc<SignInThrottle>,
    /// A real argon2id hash of a random password: unknown emails are checked against it, so they
    /// take as long as known ones.
    decoy_hash: Arc<str>,
    relay_storage: StorageId,
    /// The organisation's key for tickets and ID cards; its public half is in every [`Me`] and
    /// in the organisation document.
    ///
    /// [`Me`]: tsunagu_core::api::Me
    passes: pass_keys::PassSigner,
    /// Messages per second per member, over all their connections.
    budgets: Arc<budget::MemberBudgets>,
    /// Calls to endpoints anyone may reach, per client address ([`client::Anonymous`]).
    anonymous: Arc<budget::Budgets<std::net::IpAddr>>,
    /// Applications to join, per client address and from everyone together.
    applications_per_address: Arc<budget::Budgets<std::net::IpAddr>>,
    applications_overall: Arc<budget::Budgets<()>>,
    /// Turns at password hashing ([`Limits::password_hashes_at_once`]).
    hashing: Arc<tokio::sync::Semaphore>,
    /// The first-run setup token, while the network has no organisation.
    setup: Arc<setup::SetupToken>,
    /// Members' years as their profiles hold them, read once per document version.
    profile_years: Arc<joining::tenure::ProfileYears>,
    /// The relay's VAPID identity for Web Push.
    vapid: push::Vapid,
    /// Every open sync socket's task, so shutting down can wait for their close frames.
    sockets: tokio_util::task::TaskTracker,
    config: Arc<Config>,
}
