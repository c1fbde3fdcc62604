//! # tsunagu-core
//!
//! Everything the offline-first app and the relay must agree on, free of any I/O:
//!
//! - [`vocab`]: the words every other module shares: roles, document kinds, audiences and the
//!   profile's fields;
//! - [`api`]: the JSON API of the relay (sign-in, who am I);
//! - [`grants`]: who may read and write each kind of document, as one declarative table;
//! - [`ids`]: document, peer and storage ids, encoded exactly as automerge-repo does;
//! - [`wire`]: the automerge-repo WebSocket protocol v1 (CBOR), with strict decoding of hostile input;
//! - [`engine`]: a sans-IO sync engine — messages in, [`engine::Effect`]s out — that both the
//!   browser and the relay drive, persisting sync state per peer so reconnects cost what changed;
//! - [`profile`]: the alumni profile document schema;
//! - [`event`], [`seats`], [`checkin`]: events, the relay's seat allocation, and check-in logs
//!   that flag a ticket admitted twice;
//! - [`conversation`]: pages of a conversation's messages, each member writing only under their
//!   own key, ordered alike on every device;
//! - [`news`]: posts of company news aimed at a segment of the network, and who is in one;
//! - [`pass`]: event tickets and alumni ID cards the relay signs and staff phones check offline;
//! - [`memory`]: an in-memory runtime (store and network) for tests and benchmarks;
//! - [`search`]: offline directory search (NFKC, kana/romaji-insensitive);
//! - `ics` (behind the `ics` feature, which the relay turns on): iCalendar for events, to add one
//!   to a calendar or to subscribe to a personal feed.
//!
//! The app and the server only move bytes between these types and their sockets and databases.
//!
//! ```
//! use tsunagu_core::{engine::{Engine, Effect}, ids::{DocumentId, PeerId}, profile::Profile};
//!
//! // A relay that owns a profile, and a device that wants it.
//! let mut relay = Engine::new(PeerId::new("relay"), None);
//! let doc = DocumentId::random();
//! let mut profile = Profile::default();
//! profile.name = "山田 花子".into();
//! relay.create(doc, |d| profile.write_to(d)).unwrap();
//!
//! let mut phone = Engine::new(PeerId::new("phone"), None);
//! phone.want(doc);
//! let (mut to_relay, mut to_phone) = (Vec::new(), Vec::new());
//! let r = relay.accept();
//! let p = phone.connect();
//! to_relay.extend(sends(phone.start(p)));
//! for _ in 0..10 {
//!     for m in to_relay.drain(..).collect::<Vec<_>>() { to_phone.extend(sends(relay.receive(r, m))); }
//!     for m in to_phone.drain(..).collect::<Vec<_>>() { to_relay.extend(sends(phone.receive(p, m))); }
//! }
//! assert_eq!(Profile::read(phone.doc(&doc).unwrap()).unwrap().name, "山田 花子");
//!
//! fn sends(effects: Vec<Effect>) -> Vec<tsunagu_core::wire::Message> {
//!     effects.into_iter().filter_map(|e| match e { Effect::Send { message, .. } => Some(message), _ => None }).collect()
//! }
//! ```

pub mod api;
pub mod checkin;
pub mod conversation;
pub mod engine;
pub mod event;
pub mod grants;
#[cfg(feature = "ics")]
pub mod ics;
pub mod ids;
pub mod job_application;
pub mod memory;
pub mod news;
pub mod pass;
pub mod photo;
pub mod profile;
pub mod search;
pub mod seats;
pub mod validate;
pub mod vocab;
pub mod wire;
