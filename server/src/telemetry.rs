//! What an operator watches: `GET /healthz` (ready only while the database answers) and
//! `GET /metrics` in Prometheus's text format.
//!
//! The relay counts through the `metrics` facade where things happen (a change accepted or
//! refused, a sync message handled, a database write); what is true at a moment (connections,
//! documents in memory) is read from the relay when the page is asked for. The page is for the
//! host's own monitoring: it answers a client on the relay's own machine, or one that presents
//! `--metrics-token`, and is a plain 404 to anyone else.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::client::ClientAddr;

/// Sockets open now.
pub(crate) const CONNECTIONS: &str = "tsunagu_connections";
/// Documents the relay holds in memory now.
pub(crate) const DOCUMENTS_LOADED: &str = "tsunagu_documents_loaded";
/// Their stored size (what loading them read), in bytes.
pub(crate) const DOCUMENT_BYTES: &str = "tsunagu_loaded_document_bytes";
/// Changes members sent that the write check let through.
pub(crate) const CHANGES_ACCEPTED: &str = "tsunagu_changes_accepted_total";
/// Messages of changes it refused, by `reason`.
pub(crate) const CHANGES_REJECTED: &str = "tsunagu_changes_rejected_total";
/// From a sync message's arrival to everything it caused being committed and sent.
pub(crate) const SYNC_SECONDS: &str = "tsunagu_sync_message_seconds";
/// Database work, by `op`: `persist` (a change stored), `load` (a document read into memory),
/// `write` (a transaction of the relay's own writes).
pub(crate) const DATABASE_SECONDS: &str = "tsunagu_database_seconds";

/// Why a change was refused, as a label: a handful of values, never the member's words.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rejected {
    NotOpen,
    RelayRewrote,
    NotAllowed,
    DocumentFull,
    WritingTooFast,
}

impl Rejected {
    fn label(self) -> &'static str {
        match self {
            Self::NotOpen => "not-open",
            Self::RelayRewrote => "relay-rewrote",
            Self::NotAllowed => "not-allowed",
            Self::DocumentFull => "document-full",
            Self::WritingTooFast => "writing-too-fast",
        }
    }

    pub(crate) fn count(self) {
        metrics::counter!(CHANGES_REJECTED, "reason" => self.label()).increment(1);
    }
}

/// Records how long database work `op` took since `started`.
pub(crate) fn database_time(op: &'static str, started: Instant) {
    metrics::histogram!(DATABASE_SECONDS, "op" => op).record(started.elapsed().as_secs_f64());
}

/// The process's one recorder (the `metrics` facade has one per process; several relays in a
/// test process share it). Its histograms are drained every few seconds, scraped or not.
pub(crate) fn install() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let buckets = [
            0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ];
        let handle = PrometheusBuilder::new()
            .set_buckets(&buckets)
            .map(PrometheusBuilder::install_recorder)
            .ok()
            .and_then(Result::ok)
            // Another recorder already installed (only a test harness would): render that
            // one's absence rather than fail the relay.
            .unwrap_or_else(|| PrometheusBuilder::new().build_recorder().handle());
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            })
            .ok();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(CONNECTIONS, "Sockets open now.");
    describe_gauge!(DOCUMENTS_LOADED, "Documents held in memory now.");
    describe_gauge!(
        DOCUMENT_BYTES,
        Unit::Bytes,
        "Stored size of the documents in memory."
    );
    describe_counter!(
        CHANGES_ACCEPTED,
        "Changes from members the write check let through."
    );
    describe_counter!(CHANGES_REJECTED, "Messages of changes refused, by reason.");
    describe_histogram!(
        SYNC_SECONDS,
        Unit::Seconds,
        "A sync message, from arrival to its consequences committed and sent."
    );
    describe_histogram!(
        DATABASE_SECONDS,
        Unit::Seconds,
        "Database work, by operation."
    );
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(page))
}

/// 200 while the database answers within two seconds, else 503: a load balancer sends no one to
/// a relay that cannot store what they write.
async fn healthz(State(state): State<AppState>) -> Response {
    let asked = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.db);
    match tokio::time::timeout(Duration::from_secs(2), asked).await {
        Ok(Ok(1)) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Ok(_) | Err(_)) | Err(_) => {
            tracing::warn!("health check: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n",
            )
                .into_response()
        }
    }
}

async fn page(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
) -> Response {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let token_ok = match (&state.config.metrics_token, presented) {
        // Digests compared, so the time taken says nothing about the token.
        (Some(token), Some(presented)) => {
            Sha256::digest(token.as_bytes()) == Sha256::digest(presented.as_bytes())
        }
        _ => false,
    };
    if !token_ok && !client.is_loopback() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (connections, documents, bytes) = state.relay.lock().await.in_memory();
    metrics::gauge!(CONNECTIONS).set(connections as f64);
    metrics::gauge!(DOCUMENTS_LOADED).set(documents as f64);
    metrics::gauge!(DOCUMENT_BYTES).set(bytes as f64);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        install().render(),
    )
        .into_response()
}
