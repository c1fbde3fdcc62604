//! The network before anyone signs in: what it is called, and its first-run setup.

use serde::{Deserialize, Serialize};

/// `GET /api/network`, before anyone signs in: which network this is, or that it still waits
/// for its first-run setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// An organisation and its first admin exist.
    pub set_up: bool,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    /// `ja` or `en`: the language the organisation chose for its network.
    #[serde(default)]
    pub language: String,
    /// The IANA zone new events are held in unless their editor chooses another.
    #[serde(default)]
    pub time_zone: String,
    /// It holds the demo company (started with `--demo`), whose sign-ins are public.
    #[serde(default)]
    pub demo: bool,
    /// The version of the organisation's logo (`GET /api/network/logo?v=<it>`); 0 for none.
    #[serde(default)]
    pub logo: u32,
}

/// The languages an organisation may choose as its default.
pub const LANGUAGES: [&str; 2] = ["ja", "en"];

/// `POST /api/setup`: the first-run setup, with the one-time token the relay printed. Answered
/// like a sign-in ([`Me`](super::Me) and the session cookie); it works once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Setup {
    pub token: String,
    /// The organisation's name, as members read it (e.g. 株式会社つなぐ商事).
    pub organisation: String,
    /// Its name in English (may be empty).
    pub organisation_en: String,
    /// One of [`LANGUAGES`].
    pub language: String,
    /// IANA zone new events are held in, e.g. `Asia/Tokyo`.
    pub time_zone: String,
    pub admin_name: String,
    pub admin_email: String,
    pub admin_password: String,
}
