//! The browser side of sync: one WebSocket to `/sync` on the page's own origin (the session
//! cookie authenticates it), carrying the automerge-repo protocol the [`Engine`] speaks.
//!
//! The socket only moves bytes: frames in go to [`Runtime::on_frame`], the engine's `Send`
//! effects come back through [`SyncLink::send`]. When the socket drops, the runtime reconnects
//! with exponential back-off (0.5 s doubling to 30 s, with jitter so a relay restart is not met by
//! every phone at the same instant), and at once when the browser says it is back `online`.
//!
//! [`Engine`]: tsunagu_core::engine::Engine

use std::rc::{Rc, Weak};
use std::time::Duration;

use leptos::prelude::*;
use tsunagu_core::engine::ConnId;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use crate::runtime::{Runtime, log};

const FIRST_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(30);
/// A socket that has not opened by then is given up and tried again with the usual back-off: on
/// a connection that opens and never answers (a train between stations) the browser would wait
/// minutes, and the socket would still hang once the signal is back.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// An open (or opening) socket and the engine connection it carries.
pub struct SyncLink {
    ws: WebSocket,
    /// Set when the socket opens and the engine has a connection for it.
    pub(crate) conn: Option<ConnId>,
    // The callbacks live as long as the socket.
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl std::fmt::Debug for SyncLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncLink")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl SyncLink {
    pub(crate) fn send(&self, bytes: &[u8]) {
        if let Err(e) = self.ws.send_with_u8_array(bytes) {
            // The close event follows; the engine re-sends what is missing after reconnecting.
            log(&format!("sending to the relay failed: {e:?}"));
        }
    }

    /// Closes the socket; its close event then runs the usual reconnect logic.
    pub(crate) fn close(&self) {
        let _ = self.ws.close();
    }

    /// Closes the socket without a close event: the caller has already handled the loss.
    pub(crate) fn detach(&self) {
        self.ws.set_onclose(None);
        self.ws.set_onmessage(None);
        let _ = self.ws.close();
    }
}

/// `ws://` or `wss://` + this page's host + `/sync`.
fn sync_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/sync", location.host().ok()?))
}

/// Back-off before reconnect attempt `attempt` (0-based): half fixed, half random.
pub(crate) fn backoff(attempt: u32, random: f64) -> Duration {
    let full = FIRST_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX_DELAY);
    full.mul_f64(0.5 + 0.5 * random.clamp(0.0, 1.0))
}

impl Runtime {
    /// Opens the socket unless one is open or syncing is stopped.
    pub(crate) fn connect(self: &Rc<Self>) {
        if self.stopped.get()
            || self.link.borrow().is_some()
            || self.signals.me.get_untracked().is_none()
        {
            return;
        }
        if let Some(timer) = self.reconnect_timer.borrow_mut().take() {
            timer.clear();
        }
        let Some(url) = sync_url() else { return };
        let ws = match WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(e) => {
                log(&format!("cannot open {url}: {e:?}"));
                self.schedule_reconnect();
                return;
            }
        };
        ws.set_binary_type(BinaryType::Arraybuffer);

        let weak = Rc::downgrade(self);
        let on_open = Closure::<dyn FnMut(Event)>::new({
            let weak = Weak::clone(&weak);
            move |_: Event| {
                if let Some(rt) = weak.upgrade() {
                    rt.on_open();
                }
            }
        });
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new({
            let weak = Weak::clone(&weak);
            move |event: MessageEvent| {
                let Some(rt) = weak.upgrade() else { return };
                match event.data().dyn_into::<js_sys::ArrayBuffer>() {
                    Ok(buffer) => rt.on_frame(&js_sys::Uint8Array::new(&buffer).to_vec()),
                    Err(_) => log("ignoring a text frame from the relay"),
                }
            }
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new({
            let weak = Weak::clone(&weak);
            move |_: CloseEvent| {
                if let Some(rt) = weak.upgrade() {
                    let opened = rt.link.borrow().as_ref().is_some_and(|l| l.conn.is_some());
                    rt.on_closed(opened);
                }
            }
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        let opening = ws.clone();
        set_timeout(
            move || {
                // Closing a socket that is still connecting fails it: its close event reconnects.
                if opening.ready_state() == WebSocket::CONNECTING {
                    log("the relay did not answer in time; trying again");
                    let _ = opening.close();
                }
            },
            OPEN_TIMEOUT,
        );
        *self.link.borrow_mut() = Some(SyncLink {
            ws,
            conn: None,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        });
    }

    pub(crate) fn schedule_reconnect(self: &Rc<Self>) {
        if self.stopped.get() {
            return;
        }
        let delay = backoff(self.attempt.get(), js_sys::Math::random());
        self.attempt.set(self.attempt.get().saturating_add(1));
        let weak = Rc::downgrade(self);
        let timer = set_timeout_with_handle(
            move || {
                if let Some(rt) = weak.upgrade() {
                    rt.reconnect_timer.borrow_mut().take();
                    rt.connect();
                }
            },
            delay,
        );
        match timer {
            Ok(handle) => {
                if let Some(old) = self.reconnect_timer.borrow_mut().replace(handle) {
                    old.clear();
                }
            }
            Err(e) => log(&format!("cannot schedule a reconnect: {e:?}")),
        }
    }

    /// The browser regained a network: reconnect now, not at the end of the back-off.
    pub(crate) fn on_online(self: &Rc<Self>) {
        self.attempt.set(0);
        if self.link.borrow().is_none() {
            self.connect();
        }
        Rc::clone(self).refresh_me();
    }

    /// The browser lost its network: the socket is dead even if it has not noticed yet.
    pub(crate) fn on_offline(self: &Rc<Self>) {
        let had_link = match self.link.borrow().as_ref() {
            Some(link) => {
                link.detach();
                true
            }
            None => false,
        };
        if had_link {
            self.on_closed(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn backoff_doubles_from_half_a_second_to_thirty_seconds_with_jitter() {
        assert_eq!(backoff(0, 1.0), Duration::from_millis(500));
        assert_eq!(backoff(0, 0.0), Duration::from_millis(250));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(4));
        assert_eq!(backoff(10, 1.0), Duration::from_secs(30));
        assert_eq!(backoff(u32::MAX, 0.0), Duration::from_secs(15));
    }
}
