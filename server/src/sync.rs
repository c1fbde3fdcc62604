//! `GET /sync`: the automerge-repo WebSocket endpoint.
//!
//! Each connection runs a send task (outbox → socket) and a receive loop (socket →
//! [`Relay`](crate::relay::Relay)).
//! The receive loop decodes every frame strictly and hands it to the shared relay; anything a
//! peer should not send — a text frame, bytes that are not a message, more messages than its
//! budget — gets a protocol `error` and closes that connection only. The receive loop is never
//! cancelled in the middle of a message, so an effect (a commit above all) is never half done.

use std::time::Duration;

use std::net::SocketAddr;

use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;
use tsunagu_core::engine::ConnId;
use tsunagu_core::wire::{MAX_FRAME_BYTES, Message};

use crate::AppState;
use crate::auth::SignedIn;
use crate::client::requested_host;
use crate::db;
use crate::error::AppError;
use crate::relay::{Caller, Outgoing};

/// WebSocket messages a little over the protocol's limit still reach the decoder, so the peer is
/// told why its frame was refused; anything larger is cut off by the socket itself.
const SOCKET_MESSAGE_LIMIT: usize = MAX_FRAME_BYTES + 64 * 1024;

/// How long a closing connection may take to flush its last frames.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What a socket buffers for reading and before writing. axum's defaults (128 KiB each) made an
/// idle connection cost ~135 KB; sync messages are mostly a few hundred bytes, and a larger
/// one simply takes more reads. 8 KiB: 8.4 KB per idle connection; 4 KiB: 7.0 KB, the first
/// sync of a 10,000-profile directory no slower (`cargo xtask bench relays`).
const SOCKET_BUFFER_BYTES: usize = 4 * 1024;

/// Close frame reasons are limited to 123 bytes.
const CLOSE_REASON_BYTES: usize = 123;

pub(crate) async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    signed_in: SignedIn,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let host = requested_host(peer.ip(), &headers, &state.config.trusted_proxies);
    if !same_origin(&headers, host) {
        return Err(AppError::BadRequest(
            "cross-origin WebSocket connections are refused".into(),
        ));
    }
    let user = signed_in.user.id;
    if state.relay.lock().await.sockets_of(&user) >= state.config.limits.sockets_per_member {
        return Err(AppError::TooManyConnections);
    }
    let caller = Caller {
        roles: db::roles(&state.db, &user).await?,
        device_label: crate::devices::label(
            headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default(),
        ),
        session: signed_in.token_hash,
        session_expires: signed_in.expires_at,
        user: user.clone(),
    };
    Ok(ws
        .max_message_size(SOCKET_MESSAGE_LIMIT)
        .max_frame_size(SOCKET_MESSAGE_LIMIT)
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .on_failed_upgrade(|e| tracing::info!(error = %e, "WebSocket upgrade failed"))
        .on_upgrade(move |socket| {
            let span = tracing::info_span!("sync", %user);
            // Shutting down waits (a while) for every socket to send its close frame.
            let live = state.sockets.token();
            async move {
                connection(state, caller, socket).await;
                drop(live);
            }
            .instrument(span)
        }))
}

/// A browser always sends `Origin`; it must name the host the browser asked for (`host`: the
/// `Host` header, or a trusted proxy's `X-Forwarded-Host`), or another site is using the
/// member's cookie. Clients that are not browsers send none.
fn same_origin(headers: &HeaderMap, host: Option<&str>) -> bool {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = host else {
        return false;
    };
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    origin_host.eq_ignore_ascii_case(host)
}

async fn connection(state: AppState, caller: Caller, socket: WebSocket) {
    let limits = state.config.limits.clone();
    let user = caller.user.clone();
    let (sink, mut stream) = socket.split();
    let (outbox, outbox_rx) = mpsc::channel(limits.outbox_frames);
    let (kill, killed) = oneshot::channel();
    let conn = state.relay.lock().await.accept(caller, outbox, kill);
    let _cleanup = Cleanup {
        state: state.clone(),
        conn,
    };
    tracing::info!(conn, "connected");
    let mut sender = tokio::spawn(send_frames(sink, outbox_rx, killed));
    let mut sender_done = false;

    loop {
        let frame = tokio::select! {
            frame = stream.next() => frame,
            _ = &mut sender => { sender_done = true; break; }
        };
        let failure = match frame {
            None | Some(Ok(Frame::Close(_))) => break,
            Some(Err(e)) => Some(format!("WebSocket error: {e}")),
            Some(Ok(_)) if !state.budgets.take(&user) => Some(format!(
                "more than {} messages per second; slow down and reconnect",
                limits.messages_per_second
            )),
            Some(Ok(Frame::Ping(_) | Frame::Pong(_))) => None,
            Some(Ok(Frame::Text(_))) => Some(
                "text frames are not part of the protocol; send CBOR messages in binary frames"
                    .into(),
            ),
            Some(Ok(Frame::Binary(bytes))) => match Message::decode(&bytes) {
                Err(e) => Some(format!("could not decode message: {e}")),
                Ok(message) => {
                    if state.relay.lock().await.receive(conn, message).await {
                        None
                    } else {
                        break;
                    }
                }
            },
        };
        if let Some(reason) = failure {
            state.relay.lock().await.fail(conn, reason).await;
            break;
        }
    }

    // Dropping the relay's outbox lets the send task flush what is queued (an `error`, a close).
    state.relay.lock().await.disconnect(conn);
    if !sender_done
        && tokio::time::timeout(FLUSH_TIMEOUT, &mut sender)
            .await
            .is_err()
    {
        sender.abort();
    }
    tracing::info!(conn, "disconnected");
}

async fn send_frames(
    mut sink: SplitSink<WebSocket, Frame>,
    mut outbox: mpsc::Receiver<Outgoing>,
    mut killed: oneshot::Receiver<()>,
) {
    // The relay drops the kill switch along with the outbox when a connection closes normally;
    // only a fired switch means "stop now, without flushing".
    let mut switch_live = true;
    loop {
        let next = tokio::select! {
            biased;
            fired = &mut killed, if switch_live => match fired {
                Ok(()) => return,
                Err(_) => {
                    switch_live = false;
                    continue;
                }
            },
            next = outbox.recv() => next,
        };
        match next {
            Some(Outgoing::Frame(bytes)) => {
                if sink.send(Frame::Binary(bytes.into())).await.is_err() {
                    return;
                }
            }
            Some(Outgoing::Close(reason)) => {
                let frame = CloseFrame {
                    code: close_code(&reason),
                    reason: truncate(&reason).into(),
                };
                sink.send(Frame::Close(Some(frame))).await.ok();
                return;
            }
            None => {
                sink.send(Frame::Close(None)).await.ok();
                return;
            }
        }
    }
}

/// 1000 for a peer that left, 1012 (service restart) when the relay shuts down, 1008 (policy
/// violation) for one closed for what it sent.
fn close_code(reason: &str) -> u16 {
    if reason == "peer left" {
        1000
    } else if reason.starts_with(tsunagu_core::api::RELAY_RESTARTING) {
        1012
    } else {
        1008
    }
}

fn truncate(reason: &str) -> String {
    let mut end = reason.len().min(CLOSE_REASON_BYTES);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// Forgets the connection even if its task panicked or was dropped.
struct Cleanup {
    state: AppState,
    conn: ConnId,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let relay = self.state.relay.clone();
        let conn = self.conn;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { relay.lock().await.disconnect(conn) });
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn only_same_origin_browsers_may_connect() {
        let mut headers = HeaderMap::new();
        let host = Some("127.0.0.1:8080");
        assert!(same_origin(&headers, host));
        headers.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_origin(&headers, host));
        assert!(!same_origin(&headers, None));
        headers.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&headers, host));
    }

    #[test]
    fn close_reasons_are_cut_at_a_character_boundary() {
        let long = "あ".repeat(100);
        let cut = truncate(&long);
        assert!(cut.len() <= CLOSE_REASON_BYTES);
        assert!(cut.chars().all(|c| c == 'あ'));
    }
}
