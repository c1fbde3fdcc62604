//! The one error type of the app. Every variant maps to a translated message (see `ui::messages`),
//! so a person always learns what went wrong and what happens to what they typed.

use thiserror::Error;
use tsunagu_core::api::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppError {
    /// The device's storage is full: writes stay in memory and are retried.
    #[error("the device's storage is full")]
    QuotaExceeded,
    /// IndexedDB is missing or refused (private browsing, blocked by policy, …).
    #[error("device storage is unavailable: {0}")]
    StorageUnavailable(String),
    /// Something read back from device storage is not what we wrote.
    #[error("stored data is corrupt: {0}")]
    CorruptStorage(String),
    /// The relay could not be reached (offline, DNS, relay down).
    #[error("the relay could not be reached")]
    Offline,
    /// The relay answered with one of its stable error codes.
    #[error("the relay refused: {0:?}")]
    Api(ErrorCode),
    /// The document this needs has not reached the device yet (the first sync is running).
    #[error("the document has not arrived on this device yet")]
    NotSynced,
    /// The relay wanted a recent sign-in first, and the member closed the dialog that asked for
    /// it: nothing happened, and nothing needs saying.
    #[error("the member did not confirm it is them")]
    NotConfirmed,
    /// The app has not finished starting (opening device storage), so it cannot do this yet.
    #[error("the app is still starting")]
    NotStarted,
    /// An edit could not be made to the document on this device (the document is not what the
    /// edit expects); nothing was saved or sent.
    #[error("the change could not be made on this device: {0}")]
    LocalEdit(String),
    /// The relay answered with something we do not understand.
    #[error("unexpected answer from the relay: {0}")]
    UnexpectedResponse(String),
}

impl AppError {
    /// Classifies an IndexedDB failure: a full disk is the one the person can act on.
    pub(crate) fn from_idb(context: &str, err: &indexed_db_futures::error::Error) -> Self {
        use indexed_db_futures::error::{DomException, Error, UnexpectedDataError};
        match err {
            Error::DomException(DomException::Other(e)) if e.name() == "QuotaExceededError" => {
                Self::QuotaExceeded
            }
            // Chromium reports an overflowing write by aborting the commit without a request error.
            Error::MissingData(UnexpectedDataError::TransactionAborted) => Self::QuotaExceeded,
            other => Self::StorageUnavailable(format!("{context}: {other}")),
        }
    }
}
