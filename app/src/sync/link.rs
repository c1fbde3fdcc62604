//! The sync link: one WebSocket to `/sync` on the page's own origin (the session cookie
//! authenticates it), with its reconnect back-off.
//!
//! The link only moves bytes and knows nothing of what they mean: it reports
//! [`LinkEvent`]s to the one listener it was made with, and sends what it is given. It owns
//! everything about staying connected:
//!
//! - the back-off after a drop: 0.5 s doubling to 30 s, with jitter so a relay restart is not met
//!   by every phone at the same instant ([`backoff`]), reset once the listener says the handshake
//!   finished ([`SyncLink::ready`]);
//! - the open timeout: a socket that has not opened after [`OPEN_TIMEOUT`] is given up;
//! - the browser's `online` (reconnect at once) and `offline` (the socket is dead) events;
//! - stopping until the person signs in again ([`SyncLink::stop`]).

use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::time::Duration;

use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, poll_fn, select};
use futures::{Sink, SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, State};
use gloo_timers::callback::Timeout;

use crate::runtime::log;

const FIRST_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(30);
/// A socket that has not opened by then is given up and tried again with the usual back-off: on
/// a connection that opens and never answers (a train between stations) the browser would wait
/// minutes, and the socket would still hang once the signal is back.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened on the link, for its listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The socket opened: a new connection begins.
    Open,
    /// A binary frame arrived from the relay.
    Frame(Vec<u8>),
    /// The socket is gone; `opened` says whether it ever opened. The link reconnects by itself
    /// (unless stopped) after the listener has heard this.
    Closed { opened: bool },
}

/// The link to the relay; cheap to share, it lives as long as the page.
pub struct SyncLink(Rc<Inner>);

struct Inner {
    listener: Box<dyn Fn(LinkEvent)>,
    /// The open (or opening) socket, if any.
    socket: RefCell<Option<Socket>>,
    /// Numbers sockets, so a task whose socket was let go reports nothing.
    sockets_made: Cell<u64>,
    /// Reconnect attempts since the last finished handshake (for the back-off).
    attempt: Cell<u32>,
    /// No reconnecting until the person signs in again.
    stopped: Cell<bool>,
    /// The pending reconnect; dropping it cancels it.
    reconnect: RefCell<Option<Timeout>>,
}

/// The handle to one socket's task.
struct Socket {
    id: u64,
    commands: UnboundedSender<Command>,
}

/// What the task of a socket is asked to do; dropping the sender lets the socket go silently.
enum Command {
    Send(Vec<u8>),
    Close,
}

impl std::fmt::Debug for SyncLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncLink")
            .field("connected", &self.0.socket.borrow().is_some())
            .field("attempt", &self.0.attempt.get())
            .field("stopped", &self.0.stopped.get())
            .finish()
    }
}

impl SyncLink {
    /// A link that reports to `listener`; it connects when asked to.
    pub fn new(listener: impl Fn(LinkEvent) + 'static) -> Self {
        Self(Rc::new(Inner {
            listener: Box::new(listener),
            socket: RefCell::new(None),
            sockets_made: Cell::new(0),
            attempt: Cell::new(0),
            stopped: Cell::new(false),
            reconnect: RefCell::new(None),
        }))
    }

    /// Opens the socket unless one is open or the link is stopped.
    pub fn connect(&self) {
        Inner::connect(&self.0);
    }

    /// Sends one frame; lost if the socket drops first (the engine sends again what is missing
    /// after reconnecting).
    pub fn send(&self, bytes: Vec<u8>) {
        self.command(Command::Send(bytes));
    }

    /// Closes the socket; [`LinkEvent::Closed`] follows, and the usual reconnect.
    pub fn close(&self) {
        self.command(Command::Close);
    }

    /// The handshake finished: the next drop starts the back-off from the beginning.
    pub fn ready(&self) {
        self.0.attempt.set(0);
    }

    /// Stops syncing until [`Self::resume`]: lets the socket go without a `Closed` event (the
    /// caller has dealt with the loss) and cancels any reconnect.
    pub fn stop(&self) {
        self.0.stopped.set(true);
        self.0.reconnect.borrow_mut().take();
        self.0.socket.borrow_mut().take();
    }

    /// Allows connecting again (after a sign-in); does not connect by itself.
    pub fn resume(&self) {
        self.0.stopped.set(false);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.stopped.get()
    }

    /// The browser regained a network: reconnect now, not at the end of the back-off.
    pub fn online(&self) {
        self.0.attempt.set(0);
        self.connect();
    }

    /// The browser lost its network: the socket is dead even if it has not noticed yet.
    pub fn offline(&self) {
        let socket = self.0.socket.borrow_mut().take();
        if socket.is_some() {
            Inner::closed(&self.0, true);
        }
    }

    fn command(&self, command: Command) {
        if let Some(socket) = self.0.socket.borrow().as_ref() {
            // A task that ended has dropped its receiver: its `Closed` is on the way.
            let _ = socket.commands.unbounded_send(command);
        }
    }
}

impl Inner {
    fn connect(this: &Rc<Self>) {
        if this.stopped.get() || this.socket.borrow().is_some() {
            return;
        }
        this.reconnect.borrow_mut().take();
        let Some(url) = sync_url() else { return };
        let ws = match WebSocket::open(&url) {
            Ok(ws) => ws,
            Err(e) => {
                log(&format!("cannot open {url}: {e}"));
                Self::schedule_reconnect(this);
                return;
            }
        };
        let id = this.sockets_made.get() + 1;
        this.sockets_made.set(id);
        let (commands, received) = unbounded();
        *this.socket.borrow_mut() = Some(Socket { id, commands });
        wasm_bindgen_futures::spawn_local(run(Rc::downgrade(this), id, ws, received));
    }

    /// Reports `event` from socket `id`, unless that socket was let go meanwhile.
    fn report(this: &Rc<Self>, id: u64, event: LinkEvent) {
        if this.socket.borrow().as_ref().map(|s| s.id) != Some(id) {
            return;
        }
        match event {
            LinkEvent::Closed { opened } => {
                this.socket.borrow_mut().take();
                Self::closed(this, opened);
            }
            event => (this.listener)(event),
        }
    }

    fn closed(this: &Rc<Self>, opened: bool) {
        (this.listener)(LinkEvent::Closed { opened });
        Self::schedule_reconnect(this);
    }

    fn schedule_reconnect(this: &Rc<Self>) {
        if this.stopped.get() {
            return;
        }
        let delay = backoff(this.attempt.get(), js_sys::Math::random());
        this.attempt.set(this.attempt.get().saturating_add(1));
        let weak = Rc::downgrade(this);
        let timer = Timeout::new(millis(delay), move || {
            if let Some(inner) = weak.upgrade() {
                inner.reconnect.borrow_mut().take();
                Self::connect(&inner);
            }
        });
        // Replacing an older timer cancels it.
        *this.reconnect.borrow_mut() = Some(timer);
    }
}

/// One socket's life: wait for it to open (or give up), then pass frames in and out until it
/// closes or is let go.
async fn run(
    link: Weak<Inner>,
    id: u64,
    mut ws: WebSocket,
    mut commands: UnboundedReceiver<Command>,
) {
    let report = |event: LinkEvent| {
        if let Some(inner) = link.upgrade() {
            Inner::report(&inner, id, event);
        }
    };
    // The sink is ready once the socket left "connecting": opened, or failed.
    let opening = poll_fn(|cx| Pin::new(&mut ws).poll_ready(cx));
    let timeout = gloo_timers::future::sleep(OPEN_TIMEOUT);
    let opened = match select(opening, select(timeout, commands.next())).await {
        Either::Left(_) => true,
        Either::Right((Either::Left(_), _)) => {
            log("the relay did not answer in time; trying again");
            false
        }
        // Let go (stopped, or the browser went offline) or closed before it opened.
        Either::Right((Either::Right((None, _)), _)) => return,
        Either::Right((Either::Right((Some(_), _)), _)) => false,
    };
    if !opened || !matches!(ws.state(), State::Open) {
        // Dropping a socket closes it; one that failed by itself reports the same.
        drop(ws);
        report(LinkEvent::Closed { opened: false });
        return;
    }
    report(LinkEvent::Open);
    loop {
        let step = match select(ws.next(), commands.next()).await {
            Either::Left((incoming, _)) => Either::Left(incoming),
            Either::Right((command, _)) => Either::Right(command),
        };
        match step {
            Either::Left(Some(Ok(Message::Bytes(bytes)))) => report(LinkEvent::Frame(bytes)),
            Either::Left(Some(Ok(Message::Text(_)))) => log("ignoring a text frame from the relay"),
            // The error and close events come before the end of the stream.
            Either::Left(Some(Err(_))) => {}
            Either::Left(None) => break,
            Either::Right(Some(Command::Send(bytes))) => {
                if let Err(e) = ws.send(Message::Bytes(bytes)).await {
                    // The close event follows; the engine re-sends what is missing after
                    // reconnecting.
                    log(&format!("sending to the relay failed: {e}"));
                }
            }
            Either::Right(Some(Command::Close)) => {
                let _ = ws.close(None, None);
                break;
            }
            // Let go: the caller has already dealt with the loss.
            Either::Right(None) => return,
        }
    }
    report(LinkEvent::Closed { opened: true });
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

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// Back-off before reconnect attempt `attempt` (0-based): half fixed, half random.
pub(crate) fn backoff(attempt: u32, random: f64) -> Duration {
    let full = FIRST_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(MAX_DELAY);
    full.mul_f64(0.5 + 0.5 * random.clamp(0.0, 1.0))
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
