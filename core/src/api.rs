//! The relay's small JSON API, shared so the app and the relay cannot drift apart.
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/session` | [`SignIn`] | [`Me`], and the `tsunagu_session` cookie (HttpOnly, SameSite=Strict) |
//! | `DELETE /api/session` | — | 204; the session is revoked and the cookie cleared |
//! | `DELETE /api/sessions` | — | 204; every session of the member is revoked (signed out everywhere) |
//! | `PUT /api/me/password` | [`ChangePassword`] | 204; needs a recent sign-in; ends every other session |
//! | `GET /api/me` | — | [`Me`] |
//! | `GET /sync` | — | WebSocket: the automerge-repo protocol ([`crate::wire`]) |
//! | `GET /api/invitations/<token>` | — | [`InvitationInfo`], to prefill the join form |
//! | `POST /api/register` | [`Register`] | [`Me`] and the session cookie, like sign-in |
//! | `POST /api/applications` | [`Apply`] | 202 [`ApplicationReceived`], whatever the relay knows of the email |
//! | `GET /api/applications/confirm/<token>` | — | [`ApplicationToConfirm`] |
//! | `POST /api/applications/confirm` | [`ConfirmApplication`] | [`ApplicationConfirmed`] |
//! | `GET /api/network` | — | [`NetworkInfo`] |
//! | `POST /api/setup` | [`Setup`] | [`Me`] and the session cookie (once, with the relay's setup token) |
//! | `POST /api/passkeys/sign-in/start` | — | [`PasskeyChallenge`] (usernameless: any passkey of this site) |
//! | `POST /api/passkeys/sign-in/finish` | [`PasskeyAnswer`] | [`Me`] and the session cookie, like sign-in |
//!
//! Passkeys of the signed-in member:
//!
//! | call | body | answer |
//! |---|---|---|
//! | `GET /api/passkeys` | — | [`Vec<PasskeyInfo>`] |
//! | `POST /api/passkeys/register/start` | — | [`PasskeyChallenge`] |
//! | `POST /api/passkeys/register/finish` | [`PasskeyAnswer`] | [`PasskeyInfo`] |
//! | `DELETE /api/passkeys/<id>` | — | 204 |
//!
//! Admins only (403 `forbidden` for anyone else):
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/admin/import/preview` | the CSV file's bytes | [`ImportReport`]; nothing is written |
//! | `POST /api/admin/import` | the CSV file's bytes | [`ImportReport`] with `counts` |
//! | `DELETE /api/admin/hr-records/<id>` | — | 204 (only for someone not yet registered) |
//! | `POST /api/admin/invitations` | [`Invite`] | [`Vec<InvitationSent>`] |
//! | `GET /api/admin/applications?status=pending` | — | [`Vec<Application>`] |
//! | `POST /api/admin/applications/<id>/approve`, `.../reject` | — | [`Application`] |
//! | `GET /api/admin/members?q=&status=&role=` | — | [`Vec<Member>`] |
//! | `PUT /api/admin/members/<user id>/roles` | [`SetRoles`] | 204 |
//! | `POST /api/admin/members/<user id>/suspend`, `.../reactivate` | — | 204 |
//! | `GET /api/admin/members/<user id>/devices` | — | [`Vec<DeviceInfo>`] |
//! | `DELETE /api/admin/devices/<id>` | — | 204 |
//! | `GET /api/admin/summary` | — | [`AdminSummary`]: what waits for an admin (the badges on the admin tabs) |
//! | `GET /api/admin/audit?limit=&before=` | — | [`Vec<AuditEntry>`], newest first |
//! | `GET /api/admin/audit.csv?lang=` | — | the whole audit log as CSV (UTF-8 with BOM, for Excel) in a [`CsvLanguage`] |
//! | `GET /api/admin/pass-keys` | — | [`Vec<PassKeyInfo>`] |
//! | `POST /api/admin/pass-keys` | — | [`PassKeyInfo`]: a new current key; live passes signed again |
//! | `DELETE /api/admin/pass-keys/<id>` | — | 204: passes that key signed stop being valid |
//!
//! Every failure is an [`ApiError`] body with a stable `error` code the app translates.

use serde::{Deserialize, Serialize};

use crate::ids::{DocumentId, StorageId};
use crate::vocab::{Audience, Role};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tsunagu_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// `PUT /api/me/password`: a new password, within a few minutes of signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassword {
    pub new_password: String,
}

/// Who is signed in, and which documents they may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub organisation: String,
    /// Their own profile document, which they may edit.
    pub profile_doc: DocumentId,
    /// Every profile document they may read (their own included).
    pub directory: Vec<DocumentId>,
    /// The organisation's own document (its names), which every member reads and admins edit.
    #[serde(default)]
    pub organisation_doc: Option<DocumentId>,
    /// Every other part of a profile they may read (their own four included): fields whose
    /// owner shows them to alumni and employees, to admins, or to no one else.
    #[serde(default)]
    pub parts: Vec<ProfilePart>,
    /// They hid from the directory: only admins see their profile.
    #[serde(default)]
    pub hidden_from_directory: bool,
    /// The relay's storage id: sync states for the relay are saved under it.
    pub relay_storage: StorageId,
    /// Every event they may read, with its roster and check-in log where they may read those.
    #[serde(default)]
    pub events: Vec<EventRef>,
    /// Their answers to events ([`crate::event::Rsvps`]), which they write.
    #[serde(default)]
    pub rsvps_doc: Option<DocumentId>,
    /// Their seats, tickets and ID card ([`crate::event::Passes`]), which only the relay writes.
    #[serde(default)]
    pub passes_doc: Option<DocumentId>,
    /// The organisation's public key for tickets and ID cards ([`crate::pass`]), so any device
    /// verifies them offline.
    #[serde(default)]
    pub pass_key: String,
}

/// An event a member may read (see [`Me::events`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub event: DocumentId,
    /// Its attendees and revoked tickets ([`crate::event::Roster`]): for its staff and admins.
    #[serde(default)]
    pub roster: Option<DocumentId>,
    /// Its check-in log ([`crate::checkin`]): for its staff and admins.
    #[serde(default)]
    pub checkins: Option<DocumentId>,
}

/// `POST /api/events`: a new event. An admin's starts as a draft they then edit and publish;
/// anyone else's is a proposal that an admin publishes or drops. Answered with [`EventRef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Unix seconds, UTC.
    pub starts_at: i64,
    pub ends_at: i64,
    /// IANA zone; empty for the default (`Asia/Tokyo`).
    #[serde(default)]
    pub time_zone: String,
}

/// `POST /api/me/calendar`: a new personal calendar feed address (any earlier one stops
/// working); `DELETE /api/me/calendar` revokes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarFeed {
    /// The feed's full URL, holding a secret token; calendar apps poll it.
    pub url: String,
}

/// `GET /api/events/{event}/venue-code`, for admins and the event's staff: the signed code the
/// venue shows for self check-in ([`crate::pass::VenueCode`]), to print or show as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCodeResponse {
    pub code: String,
}

/// One part of a member's profile (see [`crate::vocab::DocKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePart {
    /// The member's main profile document, which the part belongs with.
    pub profile: DocumentId,
    pub audience: Audience,
    pub doc: DocumentId,
}

/// `PUT /api/me/directory`: hide from the directory, or be listed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryListing {
    pub hidden: bool,
}

/// A device a member's app syncs from (`GET /api/devices?current=<storage id>`); revoke one with
/// `DELETE /api/devices/<id>`. A revoked device is refused at its next connect with a protocol
/// `error` whose message starts with [`DEVICE_REVOKED`], and wipes its local data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    /// Browser and system, e.g. "Chrome · Android".
    pub label: String,
    /// Unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
    pub revoked: bool,
    /// The device asking (it named its storage id in `current`).
    pub this_device: bool,
}

/// How the relay's protocol `error` to a revoked device begins.
pub const DEVICE_REVOKED: &str = "device-revoked";

/// How the relay's protocol `error` begins when the session a socket was opened with ended
/// (expired, signed out, signed out everywhere, or it belongs to another device): the app asks
/// to sign in again, keeping unsent changes.
pub const SESSION_ENDED: &str = "session-ended";

/// How the relay's protocol `error` begins when what the member may read or write changed
/// (their roles): the app asks who it is again and reconnects.
pub const PERMISSIONS_CHANGED: &str = "permissions-changed";

/// How the reason of a `change-rejected` begins when a document reached the size the relay
/// keeps for one of its kind.
pub const DOCUMENT_FULL: &str = "document-full";

/// How the reason of a `change-rejected` begins when a member sent more bytes of changes within
/// the hour than the relay takes from one member.
pub const WRITING_TOO_FAST: &str = "writing-too-fast";

/// How the reason of a `change-rejected` begins when the relay rewrote a document it alone
/// writes (a deleted member's name gone from a roster's history): the device drops its copy and
/// fetches the new one, and nobody needs to be told.
pub const DOCUMENT_RESET: &str = "document-reset";

/// How the relay's protocol `error` to the devices of a deleted account begins; they wipe
/// themselves as a revoked device does.
pub const ACCOUNT_DELETED: &str = "account-deleted";

/// Stable error codes; the app shows a translated message for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    InvalidCredentials,
    Unauthenticated,
    SessionExpired,
    TooManyAttempts,
    BadRequest,
    NotFound,
    Internal,
    /// Signed in, but this needs a role they do not hold (admin screens).
    Forbidden,
    /// The request contradicts what is stored (e.g. an application already decided).
    Conflict,
    /// An uploaded CSV file could not be read at all (encoding, missing column).
    InvalidCsv,
    /// No invitation has this link (never sent, or replaced by a newer one).
    InvitationNotFound,
    /// The invitation link is past its expiry; ask for a new one.
    InvitationExpired,
    /// The invitation link was already used to register; sign in instead.
    InvitationUsed,
    /// The password is shorter than [`MIN_PASSWORD_CHARS`].
    PasswordTooShort,
    /// This email cannot be used to register (an account or application already has it).
    EmailUnavailable,
    /// This relay cannot offer passkeys where it is reached (WebAuthn needs a domain name, such
    /// as `localhost`, and a secure context): sign in with the password.
    PasskeysUnavailable,
    /// The passkey request is unknown, already used or past its time: start again.
    PasskeyCeremonyExpired,
    /// No member has this passkey (never registered here, or removed): sign in with the password.
    PasskeyNotRecognised,
    /// The authenticator's answer did not verify (wrong site, no user verification, bad signature).
    PasskeyRejected,
    /// The passkey is right, but the member is suspended.
    AccountSuspended,
    /// The first-run setup link is not this relay's (or the relay restarted and printed a new one).
    SetupLinkInvalid,
    /// The network is already set up: sign in instead.
    AlreadySetUp,
    /// The relay is busy (too many sign-ins at once): try again in a moment.
    Busy,
    /// This needs a recent sign-in (adding a passkey, changing the password, deleting the
    /// account): sign in again with the password or a passkey, then retry.
    ReauthenticationRequired,
    /// The email and password are those of an application that waits for an admin (or for the
    /// link mailed to the address HR has): they can sign in once it is approved, and hear by
    /// email. Only ever told to someone who gave the application's password.
    ApplicationPending,
    /// The application with this email (and, at sign-in, this password) was not approved:
    /// contact the alumni office. Only ever told to someone who gave the application's password
    /// or holds its confirmation link.
    ApplicationNotApproved,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorCode,
    pub message: String,
}

// ---- joining: HR import, invitations, registration, applications -----------------------------

/// The shortest password a new member may choose, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// One leaver as the HR export describes them. Months are `YYYY-MM` (empty when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HrRecord {
    pub employee_number: String,
    pub name: String,
    pub reading: String,
    pub email: String,
    pub joined: String,
    pub left: String,
    pub department: String,
}

/// What importing a row does to the stored records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportAction {
    New,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// The row's line in the file (1 is the header).
    pub line: u64,
    pub record: HrRecord,
    pub action: ImportAction,
}

/// Why a row cannot be imported; the app translates it, `message` says it in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowProblem {
    Missing,
    InvalidEmail,
    InvalidDate,
    LeftBeforeJoined,
    DuplicateInFile,
    /// The email belongs to another stored record than the employee number does.
    ConflictsWithStored,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportError {
    pub line: u64,
    /// `name`, `reading`, `email`, `employee_number`, `joined`, `left` or `department`.
    pub field: String,
    pub problem: RowProblem,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub new: u32,
    pub updated: u32,
    pub unchanged: u32,
    /// Rows left out because of an error.
    pub skipped: u32,
}

/// The answer to an import or its preview: every valid row with what it does, every problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// `utf-8` or `shift_jis`: how the file was read.
    pub encoding: String,
    pub rows: Vec<ImportRow>,
    pub errors: Vec<ImportError>,
    /// Only when the import was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<ImportCounts>,
}

/// `POST /api/admin/invitations`: invite these imported people (again: an earlier link stops working).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub hr_record_ids: Vec<String>,
}

/// One invitation made. With SMTP configured it was mailed (`sent`); otherwise, or if mailing
/// failed (`mail_error`), `link` is there for the admin to copy and share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSent {
    pub hr_record_id: String,
    pub email: String,
    pub name: String,
    pub sent: bool,
    pub link: Option<String>,
    pub mail_error: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

/// What an invitation link knows, to prefill the join form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub email: String,
    pub name: String,
    pub reading: String,
}

/// `POST /api/register`: accept an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    pub token: String,
    pub password: String,
    /// How they want to be shown; the imported name when absent.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/applications`: someone who was not invited asks to join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Apply {
    pub name: String,
    pub reading: String,
    pub email: String,
    pub employee_number: Option<String>,
    pub joined: Option<String>,
    pub left: Option<String>,
    pub department: Option<String>,
    pub note: Option<String>,
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
}

impl ApplicationStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|s| s.key() == key)
    }
}

/// 202 to an application that waits for an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationReceived {
    pub status: ApplicationStatus,
}

/// How an application matched a leaver HR imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    /// The email they applied with is the one HR has on record.
    Email,
    /// Their employee number, with the name HR has on record.
    EmployeeNumberAndName,
}

impl MatchedBy {
    pub fn key(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::EmployeeNumberAndName => "employee-number-and-name",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Email, Self::EmployeeNumberAndName]
            .into_iter()
            .find(|m| m.key() == key)
    }
}

/// The imported leaver an application matched: a hint for the admin who decides it. A match
/// never lets anyone in by itself; the applicant proves they hold the address HR has on record
/// (a link mailed there), or an admin approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HrMatch {
    pub hr_record_id: String,
    pub name: String,
    pub employee_number: String,
    pub by: MatchedBy,
}

/// An application as admins review it (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub email: String,
    pub name: String,
    pub reading: String,
    pub employee_number: String,
    pub joined: String,
    pub left: String,
    pub department: String,
    pub note: String,
    pub status: ApplicationStatus,
    /// Unix seconds.
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The member it became, once approved.
    pub user_id: Option<String>,
    /// The imported leaver it matched, if any.
    #[serde(default)]
    pub hr_match: Option<HrMatch>,
    /// A confirmation link was mailed to the address HR has on record and can still be used:
    /// the application becomes a member by itself if it is opened.
    #[serde(default)]
    pub awaiting_confirmation: bool,
}

/// `GET /api/applications/confirm/<token>`: whose application a confirmation link is for, shown
/// before anything is done so the person who opened the mail can tell whether it was them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationToConfirm {
    pub name: String,
    /// The email the new member will sign in with.
    pub email: String,
}

/// `POST /api/applications/confirm`: the link's owner confirms; the member is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmApplication {
    pub token: String,
}

/// The answer to [`ConfirmApplication`]: sign in with this email and the password applied with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationConfirmed {
    pub email: String,
}

// ---- first-run setup --------------------------------------------------------------------------

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
/// like a sign-in ([`Me`] and the session cookie); it works once.
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

/// Where someone stands, as the Members screen filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberStatus {
    /// Imported from HR, not invited yet.
    Imported,
    /// Holds an unused, unexpired invitation.
    Invited,
    /// Applied and waits for an admin.
    Pending,
    Active,
    Suspended,
}

impl MemberStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Imported => "imported",
            Self::Invited => "invited",
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Self::Imported,
            Self::Invited,
            Self::Pending,
            Self::Active,
            Self::Suspended,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

/// One line of the Members screen: a member, an imported leaver or a pending application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub status: MemberStatus,
    pub user_id: Option<String>,
    pub hr_record_id: Option<String>,
    pub application_id: Option<String>,
    pub name: String,
    pub reading: String,
    pub email: String,
    pub employee_number: String,
    pub joined: String,
    pub left: String,
    pub department: String,
    pub roles: Vec<Role>,
    /// Devices not revoked.
    pub devices: u32,
    /// When an outstanding invitation expires (unix seconds).
    pub invitation_expires_at: Option<i64>,
}

/// `PUT /api/admin/members/<user id>/roles`: the complete set of roles they hold from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRoles {
    pub roles: Vec<Role>,
}

/// One of the organisation's pass keys (`GET /api/admin/pass-keys`): passes signed by a listed
/// key are valid; `POST /api/admin/pass-keys` makes a new current one (everything live is signed
/// again with it), `DELETE /api/admin/pass-keys/<id>` retires an old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassKeyInfo {
    /// What passes name it by.
    pub id: String,
    /// The public key, base64url.
    pub key: String,
    /// The key passes are signed with now.
    pub current: bool,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_id: Option<String>,
    /// The actor's email; empty for what the relay did on its own (an automatic approval).
    pub actor: String,
    /// The actor's name; empty as `actor` is, or for a deleted account.
    #[serde(default)]
    pub actor_name: String,
    /// An [`AuditAction`] key; older logs may hold keys no longer written (`auto-approve`).
    pub action: String,
    /// What the action was done to, as stored: a member's, an imported person's, an
    /// application's, a device's, an event's, the organisation's or a pass key's id.
    pub subject: String,
    /// Who or what `subject` is, for people to read: the name of the member, imported person or
    /// applicant (a device: its member's name and its label), an event's title, the
    /// organisation's name; empty when the relay knows none (deleted, or a key's id).
    #[serde(default)]
    pub subject_name: String,
    /// The email of the person `subject` is (or whose device it is), when it is a person's.
    #[serde(default)]
    pub subject_email: String,
    /// What the relay wrote with the entry: text (an email, roles before → after), or for
    /// imports and applications JSON ([`ImportLogged`], [`ApplyLogged`]) to translate.
    pub detail: String,
}

/// The [`AuditEntry::detail`] of an [`AuditAction::Import`], as JSON, for the app and the CSV
/// to say in the reader's language. (Entries written before it hold English text.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLogged {
    /// `utf-8` or `shift_jis`.
    pub encoding: String,
    #[serde(flatten)]
    pub counts: ImportCounts,
}

/// The [`AuditEntry::detail`] of an [`AuditAction::Apply`], as JSON (entries written before it
/// hold English text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyLogged {
    pub email: String,
    /// How it matched a leaver HR imported, if it did.
    #[serde(default)]
    pub matched_by: Option<MatchedBy>,
    /// A confirmation link went to the address HR has on record.
    #[serde(default)]
    pub confirmation_mailed: bool,
}

/// What the audit log records: the one list the relay writes and the app and the CSV export
/// translate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditAction {
    /// The first-run setup made the organisation and its first admin.
    Setup,
    /// An admin imported an HR export.
    Import,
    Invite,
    /// Someone registered with an invitation.
    Register,
    /// Someone who was not invited applied.
    Apply,
    /// An applicant HR knows opened the link mailed to the address on record.
    ConfirmApplication,
    Approve,
    Reject,
    Roles,
    Suspend,
    Reactivate,
    RevokeDevice,
    DeleteHrRecord,
    DeleteAccount,
    ChangePassword,
    SignOutEverywhere,
    RotatePassKey,
    RetirePassKey,
    CreateEvent,
    /// A member who is not an admin proposed an event.
    ProposeEvent,
    SetJoinUrl,
    ClearJoinUrl,
    /// An admin set the organisation's logo.
    SetLogo,
    RemoveLogo,
    /// An event's staff or an admin gave up a member's seat for them.
    ReleaseSeat,
}

impl AuditAction {
    pub const ALL: [AuditAction; 25] = [
        Self::Setup,
        Self::Import,
        Self::Invite,
        Self::Register,
        Self::Apply,
        Self::ConfirmApplication,
        Self::Approve,
        Self::Reject,
        Self::Roles,
        Self::Suspend,
        Self::Reactivate,
        Self::RevokeDevice,
        Self::DeleteHrRecord,
        Self::DeleteAccount,
        Self::ChangePassword,
        Self::SignOutEverywhere,
        Self::RotatePassKey,
        Self::RetirePassKey,
        Self::CreateEvent,
        Self::ProposeEvent,
        Self::SetJoinUrl,
        Self::ClearJoinUrl,
        Self::SetLogo,
        Self::RemoveLogo,
        Self::ReleaseSeat,
    ];

    /// The key stored in the log and sent in [`AuditEntry::action`].
    pub fn key(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Import => "import",
            Self::Invite => "invite",
            Self::Register => "register",
            Self::Apply => "apply",
            Self::ConfirmApplication => "confirm-application",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Roles => "roles",
            Self::Suspend => "suspend",
            Self::Reactivate => "reactivate",
            Self::RevokeDevice => "revoke-device",
            Self::DeleteHrRecord => "delete-hr-record",
            Self::DeleteAccount => "delete-account",
            Self::ChangePassword => "change-password",
            Self::SignOutEverywhere => "sign-out-everywhere",
            Self::RotatePassKey => "rotate-pass-key",
            Self::RetirePassKey => "retire-pass-key",
            Self::CreateEvent => "create-event",
            Self::ProposeEvent => "propose-event",
            Self::SetJoinUrl => "set-join-url",
            Self::ClearJoinUrl => "clear-join-url",
            Self::SetLogo => "set-logo",
            Self::RemoveLogo => "remove-logo",
            Self::ReleaseSeat => "release-seat",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// `GET /api/admin/summary`: what waits for an admin, for the badges on the admin tabs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminSummary {
    /// Applications waiting for a decision (or for their confirmation link).
    pub pending_applications: u32,
}

/// The language of a CSV download (`?lang=ja` / `?lang=en`): its headers, statuses and actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    Ja,
    En,
}

impl Language {
    /// As in [`LANGUAGES`] and `?lang=`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Ja => "ja",
            Self::En => "en",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Ja, Self::En].into_iter().find(|l| l.key() == key)
    }
}

// ---- passkeys ---------------------------------------------------------------------------------

/// The relay's half of a passkey ceremony (registration or sign-in), valid for a few minutes and
/// for one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    /// Names this ceremony in the [`PasskeyAnswer`].
    pub ceremony: String,
    /// The WebAuthn `publicKey` options in their JSON form (WebAuthn Level 3), as
    /// `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON` take them.
    pub options: serde_json::Value,
}

/// The browser's answer to a [`PasskeyChallenge`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyAnswer {
    pub ceremony: String,
    /// The `PublicKeyCredential` in its JSON form (`credential.toJSON()`).
    pub credential: serde_json::Value,
}

/// One of a member's passkeys (`GET /api/passkeys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: String,
    /// Where it was made, e.g. "Chrome · Android".
    pub label: String,
    /// Unix seconds.
    pub created_at: i64,
    pub last_used: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_action_has_one_key_and_serde_writes_it() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(action.key()), Some(action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::Value::String(action.key().into()))
            );
        }
        assert_eq!(AuditAction::from_key("auto-approve"), None);
    }
}
