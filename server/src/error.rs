//! The relay's errors: [`Error`] for what went wrong inside, [`AppError`] for what an API caller
//! is told (an [`ApiError`] body with a stable code the app translates, and the matching status).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tsunagu_core::api::{ApiError, ErrorCode};
use tsunagu_core::engine::EngineError;

/// Something inside the relay failed: storage, startup, or a corrupt stored value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// Boxed: automerge's errors are large, and this one is rare.
    #[error("sync engine: {0}")]
    Engine(Box<EngineError>),
    #[error("password hashing: {0}")]
    PasswordHash(String),
    /// A setting cannot be used (e.g. an SMTP URL lettre does not understand).
    #[error("configuration: {0}")]
    Config(String),
}

/// The answer to a failed API call.
#[derive(Debug)]
pub(crate) enum AppError {
    InvalidCredentials,
    Unauthenticated,
    SessionExpired,
    TooManyAttempts,
    BadRequest(String),
    NotFound,
    /// A thing the caller named (an application, a member, a device) does not exist.
    Missing(String),
    Forbidden,
    Conflict(String),
    InvalidCsv(String),
    InvitationNotFound,
    InvitationExpired,
    InvitationUsed,
    PasswordTooShort,
    EmailUnavailable,
    SetupLinkInvalid,
    AlreadySetUp,
    /// Too many password hashes wait already (a flood of sign-ins).
    Busy,
    /// A state-changing call a browser made from a page of another site.
    CrossSite,
    /// The member holds as many sockets as they may.
    TooManyConnections,
    /// The body is not of a type this call takes.
    UnsupportedMediaType(String),
    /// The session is older than [`crate::Limits::recent_sign_in`] for what was asked.
    ReauthenticationRequired,
    /// The caller gave the password of an application that still waits.
    ApplicationPending,
    /// The caller gave the password of (or holds a link for) an application an admin rejected.
    ApplicationNotApproved,
    /// Logged in full where it happens; the caller only learns that it was not their fault.
    Internal(Error),
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        Self::Engine(Box::new(e))
    }
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        Self::Internal(e)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl AppError {
    fn parts(&self) -> (StatusCode, ErrorCode, String) {
        match self {
            Self::InvalidCredentials => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidCredentials,
                "wrong email or password".into(),
            ),
            Self::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                "please sign in".into(),
            ),
            Self::SessionExpired => (
                StatusCode::UNAUTHORIZED,
                ErrorCode::SessionExpired,
                "the session has expired or was signed out; please sign in again".into(),
            ),
            Self::TooManyAttempts => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                "too many attempts; wait a few minutes and try again".into(),
            ),
            Self::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                message.clone(),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorCode::NotFound,
                "no such API endpoint".into(),
            ),
            Self::Missing(message) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, message.clone()),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "only an admin may do this".into(),
            ),
            Self::Conflict(message) => (StatusCode::CONFLICT, ErrorCode::Conflict, message.clone()),
            Self::InvalidCsv(message) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidCsv,
                message.clone(),
            ),
            Self::InvitationNotFound => (
                StatusCode::NOT_FOUND,
                ErrorCode::InvitationNotFound,
                "this invitation link is not valid; it may have been replaced by a newer one"
                    .into(),
            ),
            Self::InvitationExpired => (
                StatusCode::GONE,
                ErrorCode::InvitationExpired,
                "this invitation link has expired; ask the alumni office for a new one".into(),
            ),
            Self::InvitationUsed => (
                StatusCode::GONE,
                ErrorCode::InvitationUsed,
                "this invitation link was already used; sign in instead".into(),
            ),
            Self::PasswordTooShort => (
                StatusCode::BAD_REQUEST,
                ErrorCode::PasswordTooShort,
                format!(
                    "choose a password of at least {} characters",
                    tsunagu_core::api::MIN_PASSWORD_CHARS
                ),
            ),
            Self::EmailUnavailable => (
                StatusCode::CONFLICT,
                ErrorCode::EmailUnavailable,
                "this email cannot be used to join; if you already have an account, sign in".into(),
            ),
            Self::SetupLinkInvalid => (
                StatusCode::NOT_FOUND,
                ErrorCode::SetupLinkInvalid,
                "this setup link is not valid; use the newest link the relay printed".into(),
            ),
            Self::AlreadySetUp => (
                StatusCode::CONFLICT,
                ErrorCode::AlreadySetUp,
                "this network is already set up; sign in".into(),
            ),
            Self::ReauthenticationRequired => (
                StatusCode::FORBIDDEN,
                ErrorCode::ReauthenticationRequired,
                "sign in again to confirm it is you, then try again".into(),
            ),
            Self::ApplicationPending => (
                StatusCode::FORBIDDEN,
                ErrorCode::ApplicationPending,
                "your application is being reviewed; you will hear by email, and can sign in \
                 once it is approved"
                    .into(),
            ),
            Self::ApplicationNotApproved => (
                StatusCode::FORBIDDEN,
                ErrorCode::ApplicationNotApproved,
                "your application was not approved; please contact the alumni office".into(),
            ),
            Self::TooManyConnections => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyAttempts,
                "too many open connections for this account; close the app somewhere else".into(),
            ),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                ErrorCode::Forbidden,
                "requests from pages of other sites are refused".into(),
            ),
            Self::UnsupportedMediaType(message) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadRequest,
                message.clone(),
            ),
            Self::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Busy,
                "the relay is busy; try again in a moment".into(),
            ),
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "the relay failed; try again later".into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(error = %e, "API call failed");
        }
        let (status, error, message) = self.parts();
        (status, Json(ApiError { error, message })).into_response()
    }
}
