//! The relay's small JSON API, shared so the app and the relay cannot drift apart. One file per
//! feature; every type is re-exported here, as `tsunagu_core::api::X`.
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
//! Conversations (docs/design.md §7):
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/conversations` | [`NewConversation`] | [`ConversationRef`]; 403 `forbidden` if a member lets no one like the caller start one with them; 429 `too-many-attempts` past the day's limit |
//! | `GET /api/conversations` | — | [`Vec<ConversationRef>`]: the caller's, newest first |
//! | `DELETE /api/conversations/<id>/members/<user id>` | — | 204: they leave a group (themselves, or removed by its creator or an admin) |
//! | `GET`, `PUT /api/me/messages-from` | —, [`MessagesFromChoice`] | [`MessagesFromChoice`], 204: who may start a conversation with the caller |
//!
//! News and job openings (docs/design.md §13; writers only, 403 `forbidden` for anyone else):
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /api/news` | [`NewPost`] | [`NewsRef`] of a new draft (admins, editors) |
//! | `POST /api/jobs` | [`NewJob`] | [`NewsRef`] of a new draft opening (admins, recruiters) |
//! | `GET /api/jobs/<post>/applications` | — | [`Vec<Applicant>`], oldest first (admins, recruiters) |
//! | `PUT /api/jobs/<post>/applications/<user id>` | [`MoveApplication`] | 204; the stage, dated, reaches the applicant's document (admins, recruiters) |
//! | `GET /api/talent?<query>` | — | [`TalentPool`]: alumni open to coming back or working together who answer the [`TalentQuery`] (admins, recruiters) |
//! | `GET /api/talent.csv?<query>&lang=` | — | every one of them as CSV (admins, recruiters) |
//! | `PUT`, `DELETE /api/talent/shortlist/<user id>` | — | 204: on or off the recruiters' shared shortlist (admins, recruiters) |
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
//! | `GET /api/admin/audit.csv?lang=` | — | the whole audit log as CSV (UTF-8 with BOM, for Excel) in a [`Language`] |
//! | `GET /api/admin/pass-keys` | — | [`Vec<PassKeyInfo>`] |
//! | `POST /api/admin/pass-keys` | — | [`PassKeyInfo`]: a new current key; live passes signed again |
//! | `DELETE /api/admin/pass-keys/<id>` | — | 204: passes that key signed stop being valid |
//!
//! Every failure is an [`ApiError`] body with a stable `error` code the app translates.

mod audit;
mod conversations;
mod devices;
mod error;
mod events;
mod import;
mod joining;
mod members;
mod news;
mod pass_keys;
mod passkeys;
mod push;
mod refusals;
mod session;
mod setup;
mod talent;

pub use audit::*;
pub use conversations::*;
pub use devices::*;
pub use error::*;
pub use events::*;
pub use import::*;
pub use joining::*;
pub use members::*;
pub use news::*;
pub use pass_keys::*;
pub use passkeys::*;
pub use push::*;
pub use refusals::*;
pub use session::*;
pub use setup::*;
pub use talent::*;
