//! The browser side of sync: the [`SyncLink`] carries the automerge-repo protocol the
//! [`Engine`] speaks over one WebSocket to the relay.
//!
//! The link moves bytes only. The runtime listens to its [`LinkEvent`]s (a socket opened, a
//! frame arrived, the socket closed) and hands them to the engine; the engine's `Send` effects
//! come back through [`SyncLink::send`].
//!
//! [`Engine`]: tsunagu_core::engine::Engine

mod link;

pub use link::{LinkEvent, SyncLink};
