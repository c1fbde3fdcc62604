//! Who is calling: argon2id passwords, session tokens, the session cookie, and the
//! [`SignedIn`] extractor every authenticated route (the JSON API and `/sync`) starts with.
//!
//! A session token is 32 random bytes, sent to the browser as base64url in an `HttpOnly;
//! SameSite=Strict` cookie; the database keeps only its SHA-256, so a copy of the database opens
//! no session.

use argon2::Argon2;
#[cfg(test)]
use argon2::password_hash::PasswordVerifier;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, Salt, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use tsunagu_core::api::SESSION_COOKIE;
use tsunagu_core::ids::random_bytes;

use crate::AppState;
use crate::db;
use crate::error::{AppError, Error};

/// Hashes a password with argon2id and a fresh random salt (OWASP's parameters, the crate's default).
pub(crate) fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| Error::PasswordHash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::PasswordHash(e.to_string()))
}

/// Whether `password` matches the stored PHC string, as the argon2 crate checks it: what
/// [`check_password`] must agree with. A corrupt hash never matches.
#[cfg(test)]
fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Hashes `password` with the salt and parameters of `like` (a PHC string), or a fresh salt if
/// `like` cannot be read: one argon2 computation either way. A sign-in later checked against
/// `like` computes the very same output for the same password, so it can tell whether it was
/// this password without computing anything more ([`check_password`]).
pub(crate) fn hash_password_like(password: &str, like: Option<&str>) -> Result<String, Error> {
    let Some(hash) = like.and_then(|l| PasswordHash::new(l).ok()) else {
        return hash_password(password);
    };
    let (Some(salt), Ok(params)) = (hash.salt, argon2::Params::try_from(&hash)) else {
        return hash_password(password);
    };
    Argon2::default()
        .hash_password_customized(
            password.as_bytes(),
            Some(hash.algorithm),
            hash.version,
            params,
            salt,
        )
        .map(|h| h.to_string())
        .map_err(|e| Error::PasswordHash(e.to_string()))
}

/// What a password matched, checked with one argon2 computation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Checked {
    /// The stored hash it was checked against.
    pub(crate) stored: bool,
    /// One of the other hashes made with the same salt ([`hash_password_like`]).
    pub(crate) other: bool,
}

/// Checks `password` against the stored PHC string and against `others` made with its salt,
/// computing argon2 once; the outputs are compared in constant time. A corrupt hash never
/// matches.
pub(crate) fn check_password(password: &str, stored: &str, others: &[String]) -> Checked {
    let Ok(computed) = hash_password_like(password, Some(stored)) else {
        return Checked::default();
    };
    let Some((salt, ours)) = salt_and_output(&computed) else {
        return Checked::default();
    };
    let same = |phc: &str| salt_and_output(phc).is_some_and(|(s, o)| s == salt && o == ours);
    Checked {
        stored: same(stored),
        other: others.iter().any(|o| same(o)),
    }
}

fn salt_and_output(phc: &str) -> Option<(Salt<'_>, Output)> {
    let hash = PasswordHash::new(phc).ok()?;
    hash.salt.zip(hash.hash)
}

/// Hashes a password on the blocking pool, within the relay's cap on hashes at once
/// ([`crate::Limits::password_hashes_at_once`]); [`AppError::Busy`] if the turn does not come.
pub(crate) async fn hash(state: &AppState, password: String) -> Result<String, AppError> {
    Ok(hashing(state, move || hash_password(&password)).await??)
}

/// [`hash_password_like`] within the same cap as [`hash`].
pub(crate) async fn hash_like(
    state: &AppState,
    password: String,
    like: Option<String>,
) -> Result<String, AppError> {
    Ok(hashing(state, move || {
        hash_password_like(&password, like.as_deref())
    })
    .await??)
}

/// [`check_password`] within the same cap as [`hash`].
pub(crate) async fn check(
    state: &AppState,
    password: String,
    stored: String,
    others: Vec<String>,
) -> Result<Checked, AppError> {
    hashing(state, move || check_password(&password, &stored, &others)).await
}

async fn hashing<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let wait = state.config.limits.password_hashing_wait;
    let permit = tokio::time::timeout(wait, state.hashing.clone().acquire_owned())
        .await
        .map_err(|_| AppError::Busy)?
        .map_err(|_| AppError::Busy)?;
    tokio::task::spawn_blocking(move || {
        let _turn = permit;
        job()
    })
    .await
    .map_err(|e| AppError::Internal(Error::PasswordHash(e.to_string())))
}

/// A new session token: what goes into the cookie, and the hash that goes into the database.
pub(crate) fn new_token() -> (String, Vec<u8>) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let hash = token_hash(&token);
    (token, hash)
}

pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session cookie's name: with secure cookies (TLS in front), `__Host-` prefixed, which
/// browsers accept only from this very origin over HTTPS, for the whole site and no other
/// domain — a neighbouring subdomain cannot plant or overwrite it.
pub(crate) fn cookie_name(secure: bool) -> &'static str {
    if secure {
        concat!("__Host-", "tsunagu_session")
    } else {
        SESSION_COOKIE
    }
}

/// The session token from the request's `Cookie` headers, if there is one (under the name
/// [`cookie_name`] gives; a cookie under the other name is not this relay's).
pub(crate) fn session_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    let wanted = cookie_name(secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session lasting `lifetime` seconds (`None`: clear the cookie).
pub(crate) fn session_cookie(token: Option<(&str, i64)>, secure: bool) -> HeaderValue {
    let (value, max_age) = token.unwrap_or(("", 0));
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    let cookie =
        format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}");
    // Only base64url characters and fixed ASCII: always a valid header value.
    HeaderValue::from_str(&cookie)
        .unwrap_or_else(|_| HeaderValue::from_static("tsunagu_session=; Max-Age=0"))
}

pub(crate) fn set_cookie_header(
    token: Option<(&str, i64)>,
    secure: bool,
) -> (axum::http::HeaderName, HeaderValue) {
    (SET_COOKIE, session_cookie(token, secure))
}

/// A caller with a live session.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    pub(crate) user: db::User,
    /// Identifies the session, so signing out can close its sockets.
    pub(crate) token_hash: Vec<u8>,
    /// When they signed in (unix seconds): what [`Self::recently`] judges.
    pub(crate) signed_in_at: i64,
    pub(crate) expires_at: i64,
}

/// Declares an extractor for a signed-in caller who holds one of `$roles` (refused with
/// `Forbidden` otherwise; [`SignedIn::holding`]), carrying the caller's [`db::User`].
macro_rules! holder_of {
    ($(#[$doc:meta])* $name:ident, $roles:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[allow(dead_code, reason = "some handlers only need the caller to hold the role")]
        pub(crate) struct $name(pub(crate) crate::db::User);

        impl axum::extract::FromRequestParts<crate::AppState> for $name {
            type Rejection = crate::error::AppError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &crate::AppState,
            ) -> Result<Self, Self::Rejection> {
                crate::auth::SignedIn::holding(parts, state, &$roles)
                    .await
                    .map(Self)
            }
        }
    };
}
pub(crate) use holder_of;

impl SignedIn {
    /// The signed-in caller of a request, if they hold one of `allowed` (roles are read at each
    /// call, so a role taken back is gone at once); `Forbidden` otherwise.
    pub(crate) async fn holding(
        parts: &mut Parts,
        state: &AppState,
        allowed: &[tsunagu_core::vocab::Role],
    ) -> Result<db::User, AppError> {
        let signed_in = Self::from_request_parts(parts, state).await?;
        let roles = db::roles(&state.db, &signed_in.user.id).await?;
        if roles.iter().any(|r| allowed.contains(r)) {
            Ok(signed_in.user)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// For what a stolen session must not be able to do (add a passkey, change the password,
    /// delete the account): the member signed in within [`crate::Limits::recent_sign_in`].
    pub(crate) fn recently(&self, state: &AppState) -> Result<(), AppError> {
        let window = i64::try_from(state.config.limits.recent_sign_in.as_secs()).unwrap_or(0);
        if db::now() - self.signed_in_at <= window {
            Ok(())
        } else {
            Err(AppError::ReauthenticationRequired)
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers, state.config.secure_cookies)
            .ok_or(AppError::Unauthenticated)?;
        let token_hash = token_hash(&token);
        // A token we never issued, one signed out, and one past its time all read as expired:
        // the app's answer (sign in again) is the same, and nothing is revealed.
        let session = db::session(&state.db, &token_hash)
            .await?
            .ok_or(AppError::SessionExpired)?;
        if session.revoked_at.is_some() || session.expires_at <= db::now() {
            return Err(AppError::SessionExpired);
        }
        let user = db::user_by_id(&state.db, &session.user_id)
            .await?
            .ok_or(AppError::SessionExpired)?;
        if !user.active {
            return Err(AppError::SessionExpired);
        }
        Ok(Self {
            user,
            token_hash,
            signed_in_at: session.created_at,
            expires_at: session.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("tsunagu-demo").expect("hashing works");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("tsunagu-demo", &hash));
        assert!(!verify_password("tsunagu-dem0", &hash));
        assert!(!verify_password("tsunagu-demo", "not a hash"));
    }

    #[test]
    fn one_computation_tells_the_stored_hash_from_others_made_with_its_salt() {
        let stored = hash_password("the member's password").expect("a hash");
        let other = hash_password_like("an applicant's password", Some(&stored)).expect("a hash");
        let elsewhere = hash_password("an applicant's password").expect("a hash");
        assert!(verify_password("an applicant's password", &other));
        let others = [other, elsewhere.clone()].to_vec();
        assert_eq!(
            check_password("the member's password", &stored, &others),
            Checked {
                stored: true,
                other: false
            }
        );
        assert_eq!(
            check_password("an applicant's password", &stored, &others),
            Checked {
                stored: false,
                other: true
            }
        );
        assert_eq!(
            check_password("an applicant's password", &stored, &[elsewhere]),
            Checked::default(),
            "a hash with another salt is not matched"
        );
        assert_eq!(
            check_password("anything", "not a hash", &others),
            Checked::default()
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("theme=dark; tsunagu_session=abc-_12"),
        );
        assert_eq!(session_token(&headers, false).as_deref(), Some("abc-_12"));
        assert_eq!(session_token(&headers, true), None, "not the secure name");
        headers.clear();
        headers.append(COOKIE, HeaderValue::from_static("tsunagu_session="));
        assert_eq!(session_token(&headers, false), None);
        headers.append(
            COOKIE,
            HeaderValue::from_static("__Host-tsunagu_session=xyz"),
        );
        assert_eq!(session_token(&headers, true).as_deref(), Some("xyz"));
    }

    #[test]
    fn secure_cookies_are_host_only_and_secure() {
        let cookie = session_cookie(Some(("t", 60)), true);
        let cookie = cookie.to_str().expect("ASCII");
        assert!(cookie.starts_with("__Host-tsunagu_session=t;"), "{cookie}");
        for part in ["; Secure", "; Path=/", "; HttpOnly", "; SameSite=Strict"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        assert!(!cookie.contains("Domain"), "{cookie}");
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, hash_a) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_a, token_hash(&a));
        assert_ne!(hash_a, a.as_bytes());
    }
}
