//! The runtime's part for the connection to the relay: what the engine makes of the sync link's
//! events, the relay's own messages that end this device's stay (its removal, the account's
//! deletion) or ask it to start over, and stopping and resuming sync around a session.

use std::rc::Rc;

use leptos::prelude::*;
use tsunagu_core::api::{ACCOUNT_DELETED, DEVICE_REVOKED, PERMISSIONS_CHANGED, SESSION_ENDED};
use tsunagu_core::wire::Message;

use super::{Farewell, Runtime, is_online, log};
use crate::state::Link;
use crate::sync::LinkEvent;

impl Runtime {
    /// What the sync link reports; it reconnects by itself after a `Closed`.
    pub(super) fn on_link(self: &Rc<Self>, event: LinkEvent) {
        match event {
            LinkEvent::Open => {
                self.on_open();
                // The relay is reachable: photos written offline go now.
                self.retry_features();
                if let Some(features) = self.features() {
                    features.online(self);
                }
            }
            LinkEvent::Frame(bytes) => self.on_frame(&bytes),
            LinkEvent::Closed { opened } => self.on_closed(opened),
        }
    }

    /// Opens the socket, once someone is signed in (and unless syncing is stopped).
    pub(super) fn connect(&self) {
        if self.signals.me.with_untracked(Option::is_some) {
            self.link.connect();
        }
    }

    /// The browser regained a network: reconnect now, not at the end of the back-off, and ask
    /// who we are.
    pub(crate) fn on_online(self: &Rc<Self>) {
        if self.signals.me.with_untracked(Option::is_some) {
            self.link.online();
        }
        self.retry_features();
        Rc::clone(self).refresh_me();
    }

    /// The browser lost its network: the socket is dead even if it has not noticed yet.
    pub(crate) fn on_offline(&self) {
        self.link.offline();
    }

    fn on_open(&self) {
        let effects = {
            let mut engine = self.docs.engine_mut();
            let conn = engine.connect();
            self.conn.set(Some(conn));
            engine.start(conn)
        };
        self.signals.link.set(Link::Connecting);
        self.perform(effects);
    }

    fn on_frame(self: &Rc<Self>, bytes: &[u8]) {
        let Some(conn) = self.conn.get() else {
            return;
        };
        let effects = match Message::decode(bytes) {
            Ok(Message::Error { message }) if message.starts_with(DEVICE_REVOKED) => {
                log(&format!("the relay revoked this device: {message}"));
                wasm_bindgen_futures::spawn_local(
                    Rc::clone(self).forget_this_device(Farewell::DeviceRemoved),
                );
                return;
            }
            Ok(Message::Error { message }) if message.starts_with(ACCOUNT_DELETED) => {
                log(&format!("the account was deleted: {message}"));
                wasm_bindgen_futures::spawn_local(
                    Rc::clone(self).forget_this_device(Farewell::AccountDeleted),
                );
                return;
            }
            Ok(Message::Error { message }) if message.starts_with(SESSION_ENDED) => {
                // The socket's session ended. Ask who we are: signed in again on this browser
                // (the cookie holds a newer session) the socket just reconnects; otherwise
                // `refresh_me` asks to sign in again, keeping the data and unsent changes.
                log(&format!("the session ended: {message}"));
                Rc::clone(self).refresh_me();
                self.docs
                    .engine_mut()
                    .receive(conn, Message::Error { message })
            }
            Ok(Message::Error { message }) if message.starts_with(PERMISSIONS_CHANGED) => {
                // Ask who we are again (roles, readable documents); the socket reconnects.
                log(&format!("the relay asks to start over: {message}"));
                Rc::clone(self).refresh_me();
                self.docs
                    .engine_mut()
                    .receive(conn, Message::Error { message })
            }
            Ok(message) => self.docs.engine_mut().receive(conn, message),
            Err(e) => {
                let mut effects = Vec::new();
                self.docs
                    .engine_mut()
                    .fail(conn, format!("undecodable frame: {e}"), &mut effects);
                effects
            }
        };
        self.mark_busy();
        self.perform(effects);
    }

    /// The socket closed; `opened` says whether it ever connected.
    fn on_closed(self: &Rc<Self>, opened: bool) {
        if let Some(conn) = self.conn.take() {
            self.docs.engine_mut().disconnect(conn);
        }
        self.signals.link.set(Link::Offline);
        if !opened && !self.link.is_stopped() && is_online() {
            // A refused upgrade looks like any failed connect: ask whether the session is the
            // reason, so an expired session shows "sign in again" instead of retrying forever.
            Rc::clone(self).refresh_me();
        }
    }

    /// Stops syncing until the person signs in again; everything stays on the device.
    pub(super) fn stop_syncing(&self) {
        self.link.stop();
        if let Some(conn) = self.conn.take() {
            self.docs.engine_mut().disconnect(conn);
        }
        self.signals.link.set(Link::Offline);
    }
}
