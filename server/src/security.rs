//! Defence in depth on every HTTP answer and every state-changing call, beyond what the session
//! cookie's `SameSite=Strict` already gives:
//!
//! - [`headers`]: a Content-Security-Policy that lets the page run only the app's own script
//!   and wasm (`'wasm-unsafe-eval'`, no inline script: the boot script is a file), talk only to
//!   this relay, and never be framed; `nosniff`; no referrer beyond this site; no cross-origin
//!   opener; the camera for this site only (check-in), nothing else.
//! - [`same_site_writes`]: a `POST`, `PUT`, `PATCH` or `DELETE` to the API from a browser must
//!   come from a page of this site — `Sec-Fetch-Site: same-origin` (or `none`: typed by the user),
//!   else an `Origin` naming the host the browser asked for. Clients that are not browsers send
//!   neither and are judged by their session alone.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, ORIGIN, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::client::requested_host;
use crate::error::AppError;

/// What the app's pages may load and do. Styles allow inline `style` attributes: the directory
/// colours each avatar through one (no script comes with a style).
const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
    connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every answer.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (CONTENT_SECURITY_POLICY, CSP),
        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (X_FRAME_OPTIONS, "DENY"),
        (REFERRER_POLICY, "same-origin"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(), geolocation=(), payment=()",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Refuses a state-changing API call that a browser made from another site.
pub(crate) async fn same_site_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if writes {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let host = peer.and_then(|peer| {
            requested_host(peer, request.headers(), &state.config.trusted_proxies)
        });
        if !from_this_site(request.headers(), host) {
            tracing::info!(path = %request.uri().path(), "refused a cross-site write");
            return AppError::CrossSite.into_response();
        }
    }
    next.run(request).await
}

/// Whether a browser's request came from a page of this site (`host`: what the browser asked
/// for); requests that carry neither `Sec-Fetch-Site` nor `Origin` are not a browser's.
fn from_this_site(headers: &HeaderMap, host: Option<&str>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            host.is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn only_pages_of_this_site_write() {
        let host = Some("alumni.example.com");
        assert!(from_this_site(
            &with(&[("sec-fetch-site", "same-origin")]),
            host
        ));
        assert!(from_this_site(&with(&[("sec-fetch-site", "none")]), host));
        assert!(!from_this_site(
            &with(&[("sec-fetch-site", "cross-site")]),
            host
        ));
        assert!(!from_this_site(
            &with(&[("sec-fetch-site", "same-site")]),
            host
        ));
        assert!(from_this_site(
            &with(&[("origin", "https://alumni.example.com")]),
            host
        ));
        assert!(!from_this_site(
            &with(&[("origin", "https://evil.example")]),
            host
        ));
        assert!(!from_this_site(&with(&[("origin", "null")]), host));
        // Not a browser: no opinion here, the session decides.
        assert!(from_this_site(&HeaderMap::new(), host));
    }
}
