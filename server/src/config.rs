//! How a relay is set up: where it listens, where it keeps data, what app it serves, its limits.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use tsunagu_core::vocab::DocKind;

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// Holds `tsunagu.sqlite3` (unless `database` is set) and the pass signing key; created if
    /// missing.
    pub data_dir: PathBuf,
    /// A PostgreSQL database (`postgres://user:password@host/db`) instead of the SQLite file in
    /// the data directory, for relays that share one.
    pub database: Option<String>,
    /// The built app (`index.html`, `sw.js`, hashed assets).
    pub dist_dir: PathBuf,
    /// Fill an empty database with the demo company and its alumni (`--demo`). Off unless
    /// asked: a real deployment starts with its first-run setup instead.
    pub seed_demo: bool,
    /// How many generated alumni the demo company has besides its named members
    /// (`--demo-alumni`; 60 unless asked): thousands to try the directory, or measure the relay,
    /// at the scale of a large company.
    pub demo_alumni: usize,
    /// Mark the session cookie `Secure` (set it when TLS terminates in front of the relay).
    pub secure_cookies: bool,
    /// Where members open the app, for links in invitations (`https://alumni.example.com`);
    /// `http://<bound address>` when unset.
    pub public_url: Option<String>,
    /// Mail invitations through this SMTP server: `smtp://host:port` (no TLS: a local relay or
    /// tests) or `smtps://user:password@host:465` (TLS). Unset: admins copy the links instead.
    pub smtp_url: Option<String>,
    /// The sender of invitation mails.
    pub mail_from: String,
    /// Reverse proxies in front of the relay (their addresses): for requests from them, the
    /// client's address is read from `X-Forwarded-For` (and the browser's host from
    /// `X-Forwarded-Host`), so per-address limits and the WebSocket origin check see the real
    /// client. Requests from anyone else are taken at their word: the peer address.
    pub trusted_proxies: Vec<IpAddr>,
    /// The push services the relay sends notifications to (origins; `https://*.example` for any
    /// subdomain). A subscription elsewhere is refused: the relay would post wherever a member
    /// pointed it.
    pub push_services: Vec<String>,
    /// Who runs this relay, told to push services with every notification (`mailto:` or an
    /// `https:` page), as RFC 8292 asks.
    pub push_contact: String,
    /// How long after a push service could not take a notice (no answer, 429, 5xx) it is tried
    /// again; the wait doubles with each try, up to four tries.
    pub push_retry_after: std::time::Duration,
    /// How often the relay looks for event reminders that are due, and for important news
    /// posts to announce.
    pub reminders_every: std::time::Duration,
    /// Who else than a client on the relay's own machine may read `GET /metrics`: whoever
    /// presents this as a bearer token.
    pub metrics_token: Option<String>,
    pub limits: Limits,
}

/// The push services of the browsers members use: Chrome and Android (FCM), Firefox
/// (Mozilla's autopush), Safari (Apple), Edge (Windows push notification services).
pub const PUSH_SERVICES: [&str; 4] = [
    "https://fcm.googleapis.com",
    "https://updates.push.services.mozilla.com",
    "https://web.push.apple.com",
    "https://*.notify.windows.com",
];

impl Config {
    /// A relay with the default limits and no demo data: a fresh database waits for its
    /// first-run setup.
    pub fn new(
        addr: SocketAddr,
        data_dir: impl Into<PathBuf>,
        dist_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            addr,
            data_dir: data_dir.into(),
            database: None,
            dist_dir: dist_dir.into(),
            seed_demo: false,
            demo_alumni: crate::seed::GENERATED_ALUMNI,
            secure_cookies: false,
            public_url: None,
            smtp_url: None,
            mail_from: "tsunagu <noreply@localhost>".into(),
            trusted_proxies: Vec::new(),
            push_services: PUSH_SERVICES.map(String::from).to_vec(),
            push_contact: "mailto:noreply@localhost".into(),
            push_retry_after: std::time::Duration::from_secs(30),
            reminders_every: std::time::Duration::from_secs(60),
            metrics_token: None,
            limits: Limits::default(),
        }
    }

    /// The origin passkeys are bound to (`https://alumni.example.com`), from `public_url`, else
    /// `http://localhost:<port>` for a relay on a loopback or unspecified address. WebAuthn binds
    /// a passkey to a domain name (its relying party id: this origin's host) and refuses IP
    /// addresses, and browsers offer it only in a secure context (`https://`, or `http://` on
    /// `localhost`): so `None`, no passkeys, for a relay reached by an IP address only.
    pub fn passkey_origin(&self, bound: SocketAddr) -> Option<String> {
        let Some(public) = &self.public_url else {
            let ip = bound.ip();
            return (ip.is_loopback() || ip.is_unspecified())
                .then(|| format!("http://localhost:{}", bound.port()));
        };
        let url = webauthn_rs::prelude::Url::parse(public).ok()?;
        url.domain()
            .is_some()
            .then(|| url.origin().ascii_serialization())
    }
}

/// What one peer may ask of the relay.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Sustained WebSocket messages per second per member, over all their connections.
    pub messages_per_second: u32,
    /// Messages a member may send at once before the rate applies: a first sync sends about two
    /// per document, and an alumnus reads two per member (the profile and its part for alumni and
    /// employees), so this covers a 25,000-person network.
    pub message_burst: u32,
    /// Distinct documents one connection may ask about that it may not read (or that do not
    /// exist): an honest device asks about the few it lost access to, a prober about many.
    /// Those it may read are bounded by the organisation itself.
    pub unreadable_per_connection: usize,
    /// The stored size of the documents the relay keeps in memory while no socket has them
    /// open: beyond it, the least recently used leave memory (loaded again when next asked for).
    /// Documents open on a socket always stay, so every change reaches their readers at once.
    pub idle_document_bytes: usize,
    /// How long the relay keeps what it shares with a device of a document (its sync state)
    /// after they last synced it. A state forgotten costs that device a fuller sync of the
    /// document, never data; one kept forever costs a row per device and document ever synced.
    pub sync_state_lifetime: Duration,
    /// Frames queued for a connection before it counts as too slow and is dropped.
    pub outbox_frames: usize,
    /// Failed sign-ins per (email, address) within `sign_in_window` before attempts are refused.
    pub sign_in_failures: usize,
    pub sign_in_window: Duration,
    /// Bytes of a JSON request body.
    pub json_body_bytes: usize,
    /// Bytes of an uploaded HR CSV file.
    pub csv_body_bytes: usize,
    /// How long an invitation link stays valid.
    pub invitation_lifetime: Duration,
    /// How long a passkey ceremony (the challenge the relay issued) may wait for its answer.
    pub passkey_ceremony: Duration,
    /// Passkey ceremonies waiting for an answer, over all callers, before new ones are refused.
    pub passkey_ceremonies_pending: usize,
    /// Calls to the endpoints anyone may reach without signing in (sign-in, joining, passkey
    /// sign-in, setup), per client address. Generous: a venue's visitors may share one address.
    pub unauthenticated_per_address: Rate,
    /// Applications to join, per client address.
    pub applications_per_address: Rate,
    /// Applications to join from everyone together: each may send a mail, so this bounds what
    /// the relay can be made to send.
    pub applications_overall: Rate,
    /// How long a link confirming an application (mailed to the address HR has) stays valid.
    pub confirmation_lifetime: Duration,
    /// Password hashes (argon2id, 19 MiB and tens of milliseconds each) computed at once (by
    /// default one fewer than the cores, so one is always left to sync); more wait their turn,
    /// and a caller that waits longer than `password_hashing_wait` is told the relay is busy.
    pub password_hashes_at_once: usize,
    pub password_hashing_wait: Duration,
    /// How long a session lasts from sign-in.
    pub session_lifetime: Duration,
    /// Passkey sign-in ceremonies one client address may keep waiting at once, so one address
    /// cannot fill `passkey_ceremonies_pending` and stop passkey sign-in for everyone.
    pub passkey_ceremonies_per_address: usize,
    /// The stored size a member's own document (a profile part, their answers to events) may
    /// grow to; a change beyond it is refused with `document-full`.
    pub document_bytes: usize,
    /// The same for an event's check-in log, which every gate appends to.
    pub checkin_log_bytes: usize,
    /// Conversations a member may start in a day: starting one reaches people who did not ask
    /// for it, so a spammer is stopped here while members keep chatting in the ones they have.
    pub conversations_per_day: usize,
    /// Messages a member may report in a day: each one asks an admin's time.
    pub reports_per_day: usize,
    /// Posts of news and job openings one writer may start in a day: each is a few documents
    /// and rows, so a stolen recruiter's session cannot fill the relay with drafts.
    pub posts_per_day: usize,
    /// New photos a member may upload in a day (each up to
    /// [`tsunagu_core::photo::MAX_PHOTO_BYTES`]), so one account cannot fill the relay's disk.
    pub photos_per_day: usize,
    /// How long the relay keeps a photo no document names, after its last upload: a phone
    /// uploads a message's photos before the message can sync (perhaps days later, after a
    /// trip offline); past this the photo, never sent or since unsent or replaced, is deleted.
    pub unnamed_photo_lifetime: Duration,
    /// Messages on one page of a conversation before the relay starts the next page: a phone
    /// opening a long conversation syncs the newest page only (docs/design.md §7).
    pub messages_per_page: usize,
    /// Bytes of changes a member may send, over all their documents and devices.
    pub member_write_bytes: Rate,
    /// Bytes of sync messages whose changes wait for history that never arrives, per document,
    /// before the relay drops them and closes the connection.
    pub queued_change_bytes: usize,
    /// Sockets one member may hold open at once (phones, laptops, tabs).
    pub sockets_per_member: usize,
    /// Devices (storages) one member may sync from; more must wait for one to be removed.
    pub devices_per_member: usize,
    /// How recent a sign-in must be to add a passkey, change the password or delete the
    /// account (a stolen session cannot make itself permanent).
    pub recent_sign_in: Duration,
}

/// A token bucket: `burst` calls at once, refilled at `per_hour`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_hour: u32,
}

impl Rate {
    pub(crate) fn per_second(self) -> f64 {
        f64::from(self.per_hour) / 3600.0
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            messages_per_second: 200,
            message_burst: 100_000,
            unreadable_per_connection: 1_000,
            idle_document_bytes: 16 << 20,
            sync_state_lifetime: Duration::from_secs(180 * 24 * 60 * 60),
            outbox_frames: 1024,
            sign_in_failures: 10,
            sign_in_window: Duration::from_secs(600),
            json_body_bytes: 16 * 1024,
            csv_body_bytes: 4 * 1024 * 1024,
            invitation_lifetime: Duration::from_secs(14 * 24 * 60 * 60),
            passkey_ceremony: Duration::from_secs(300),
            passkey_ceremonies_pending: 10_000,
            unauthenticated_per_address: Rate {
                burst: 120,
                per_hour: 3600,
            },
            applications_per_address: Rate {
                burst: 5,
                per_hour: 10,
            },
            applications_overall: Rate {
                burst: 100,
                per_hour: 300,
            },
            confirmation_lifetime: Duration::from_secs(3 * 24 * 60 * 60),
            // One core is always left to sync: a flood of sign-ins must not stall members' sync.
            password_hashes_at_once: std::thread::available_parallelism()
                .map_or(1, |cores| usize::from(cores).saturating_sub(1).max(1)),
            password_hashing_wait: Duration::from_secs(10),
            session_lifetime: Duration::from_secs(30 * 24 * 60 * 60),
            passkey_ceremonies_per_address: 16,
            document_bytes: 1024 * 1024,
            checkin_log_bytes: 16 * 1024 * 1024,
            conversations_per_day: 20,
            posts_per_day: 50,
            reports_per_day: 20,
            photos_per_day: 200,
            unnamed_photo_lifetime: Duration::from_secs(30 * 24 * 60 * 60),
            messages_per_page: 300,
            member_write_bytes: Rate {
                burst: 4 * 1024 * 1024,
                per_hour: 8 * 1024 * 1024,
            },
            queued_change_bytes: 1024 * 1024,
            sockets_per_member: 16,
            devices_per_member: 20,
            recent_sign_in: Duration::from_secs(5 * 60),
        }
    }
}

impl Limits {
    /// The stored size a document of `kind` may grow to: a check-in log's, or any other's.
    pub(crate) fn document_quota(&self, kind: DocKind) -> usize {
        if kind == DocKind::EventCheckins {
            self.checkin_log_bytes
        } else {
            self.document_bytes
        }
    }
}
