//! Who is on the other end of a request: the client's address, seen through the reverse proxies
//! the relay was told to trust ([`crate::Config::trusted_proxies`]), and the budget every
//! endpoint anyone may call without signing in spends per address ([`Anonymous`]).

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;
use crate::error::AppError;

/// The client's address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| {
                AppError::Internal(crate::Error::Config(
                    "the relay was started without connection info".into(),
                ))
            })?;
        Ok(Self(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
/// address in `X-Forwarded-For` that is not a trusted proxy (each proxy appends the address it
/// received from, so everything left of it could have been written by the client itself).
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => {}
            Ok(ip) => return ip,
            // Something the proxy did not write: nothing left of it can be believed.
            Err(_) => return peer,
        }
    }
    peer
}

/// The host the browser asked for: `X-Forwarded-Host` from a trusted proxy, else `Host`.
pub(crate) fn requested_host<'h>(
    peer: IpAddr,
    headers: &'h HeaderMap,
    trusted: &[IpAddr],
) -> Option<&'h str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if trusted.contains(&peer)
        && let Some(forwarded) = header("x-forwarded-host")
    {
        // A chain of proxies lists hosts left to right; the browser's is the first.
        return forwarded.split(',').next().map(str::trim);
    }
    header("host")
}

/// Whose budget a client address spends: the address itself, or for IPv6 its /64 network (one
/// household or phone holds a whole /64, so single addresses cost an attacker nothing).
pub(crate) fn budget_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(Ipv6Addr::from(segments))
        }
    }
}

/// A caller of an endpoint anyone may reach without signing in, who has not used up their
/// address's budget ([`crate::Limits::unauthenticated_per_address`]); 429 otherwise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anonymous(pub(crate) IpAddr);

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientAddr(ip) = ClientAddr::from_request_parts(parts, state).await?;
        if state.anonymous.take(&budget_key(ip)) {
            Ok(Self(ip))
        } else {
            tracing::info!(%ip, "unauthenticated calls over budget");
            Err(AppError::TooManyAttempts)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.0.0.2"),
        );
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &headers, &proxies),
            ip("198.51.100.1")
        );
        // Through the proxies: the last address they did not write themselves.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &proxies),
            ip("203.0.113.7")
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("nonsense"));
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &proxies),
            ip("10.0.0.1")
        );
        headers.remove("x-forwarded-for");
        assert_eq!(
            client_ip(ip("10.0.0.1"), &headers, &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_forwarded_host_counts_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(
            "x-forwarded-host",
            HeaderValue::from_static("alumni.example.com"),
        );
        let proxies = [ip("127.0.0.1")];
        assert_eq!(
            requested_host(ip("127.0.0.1"), &headers, &proxies),
            Some("alumni.example.com")
        );
        assert_eq!(
            requested_host(ip("192.0.2.9"), &headers, &proxies),
            Some("127.0.0.1:8080")
        );
    }

    #[test]
    fn an_ipv6_network_shares_one_budget() {
        assert_eq!(
            budget_key(ip("2001:db8:1:2:aaaa::1")),
            budget_key(ip("2001:db8:1:2:bbbb::2"))
        );
        assert_ne!(
            budget_key(ip("2001:db8:1:2::1")),
            budget_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(budget_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
