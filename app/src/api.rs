//! The relay's JSON API ([`tsunagu_core::api`]) over `fetch` (gloo-net's requests), on the same
//! origin so the HttpOnly session cookie rides along. Failures become [`AppError`]s the screens translate: a network
//! failure is [`AppError::Offline`], never "signed out".

use gloo_net::http::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tsunagu_core::api::{
    AddMember, AdminSummary, ApiError, Applicant, Application, ApplicationConfirmed,
    ApplicationReceived, ApplicationToConfirm, Apply, AuditEntry, CalendarFeed, ChangePassword,
    ConfirmApplication, ConversationRef, DeviceInfo, DirectoryListing, ErrorCode, EventRef,
    ImportReport, InvitationInfo, InvitationSent, Invite, Me, Member, MessageReport,
    MoveApplication, Mute, NetworkInfo, NewConversation, NewEvent, NewJob, NewPost, NewsRef,
    NewsletterChoice, OpenedPosts, PassKeyInfo, PasskeyAnswer, PasskeyChallenge, PasskeyInfo,
    PostStats, PushKey, PushSubscription, PushUnsubscribe, Register, ReportDecision,
    ReportDecisionBody, ReportMessage, SegmentReach, SetRoles, Setup, SignIn, TalentPool,
    TalentQuery, VenueCodeResponse,
};
use tsunagu_core::ids::{DocumentId, StorageId};
use tsunagu_core::news::Segment;
use tsunagu_core::vocab::Role;
use wasm_bindgen::JsValue;
use web_sys::RequestCredentials;

use crate::error::AppError;

/// `POST /api/session`: signs in and returns who we are.
pub async fn sign_in(email: &str, password: &str) -> Result<Me, AppError> {
    let body = serde_json::to_string(&SignIn {
        email: email.to_owned(),
        password: password.to_owned(),
    })
    .map_err(|e| AppError::UnexpectedResponse(e.to_string()))?;
    json(call(Method::POST, "/api/session", Some(body)).await?)
}

/// `DELETE /api/session`: revokes the session on the relay.
pub async fn sign_out() -> Result<(), AppError> {
    call(Method::DELETE, "/api/session", None).await.map(|_| ())
}

/// `DELETE /api/sessions`: ends every session of the member (signed out everywhere); this
/// browser's cookie is cleared too.
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    call(Method::DELETE, "/api/sessions", None)
        .await
        .map(|_| ())
}

/// `PUT /api/me/password` (needs a recent sign-in): every other session ends, this one stays.
pub async fn change_password(new_password: &str) -> Result<(), AppError> {
    let body = to_body(&ChangePassword {
        new_password: new_password.to_owned(),
    })?;
    call(Method::PUT, "/api/me/password", Some(body))
        .await
        .map(|_| ())
}

/// `GET /api/me`.
pub async fn me() -> Result<Me, AppError> {
    json(call(Method::GET, "/api/me", None).await?)
}

/// `GET /api/devices`: this member's devices, this one marked.
pub async fn devices(current: &StorageId) -> Result<Vec<DeviceInfo>, AppError> {
    let path = format!(
        "/api/devices?current={}",
        encode_component(current.as_str())
    );
    json(call(Method::GET, &path, None).await?)
}

/// `DELETE /api/devices/<id>`: removes a device from the account; it wipes itself.
pub async fn revoke_device(id: &str) -> Result<(), AppError> {
    let path = format!("/api/devices/{}", encode_component(id));
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// `PUT /api/me/directory`: hides the member from the directory (admins still see them), or
/// lists them again.
pub async fn set_directory_hidden(hidden: bool) -> Result<(), AppError> {
    let body = to_body(&DirectoryListing { hidden })?;
    call(Method::PUT, "/api/me/directory", Some(body))
        .await
        .map(|_| ())
}

/// `DELETE /api/me`: deletes the account and everything the relay holds of it.
pub async fn delete_account() -> Result<(), AppError> {
    call(Method::DELETE, "/api/me", None).await.map(|_| ())
}

/// `GET /api/passkeys`: the signed-in member's passkeys.
pub async fn passkeys() -> Result<Vec<PasskeyInfo>, AppError> {
    json(call(Method::GET, "/api/passkeys", None).await?)
}

/// `POST /api/passkeys/register/start`: options for `navigator.credentials.create`.
pub async fn passkey_registration() -> Result<PasskeyChallenge, AppError> {
    json(call(Method::POST, "/api/passkeys/register/start", None).await?)
}

/// `POST /api/passkeys/register/finish`: stores the passkey the browser made.
pub async fn register_passkey(answer: &PasskeyAnswer) -> Result<PasskeyInfo, AppError> {
    json(
        call(
            Method::POST,
            "/api/passkeys/register/finish",
            Some(to_body(answer)?),
        )
        .await?,
    )
}

/// `DELETE /api/passkeys/<id>`.
pub async fn remove_passkey(id: &str) -> Result<(), AppError> {
    let path = format!("/api/passkeys/{}", encode_component(id));
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// `POST /api/passkeys/sign-in/start`: options for `navigator.credentials.get`.
pub async fn passkey_sign_in_challenge() -> Result<PasskeyChallenge, AppError> {
    json(call(Method::POST, "/api/passkeys/sign-in/start", None).await?)
}

/// `POST /api/passkeys/sign-in/finish`: opens a session, as signing in with a password does.
pub async fn sign_in_with_passkey(answer: &PasskeyAnswer) -> Result<Me, AppError> {
    json(
        call(
            Method::POST,
            "/api/passkeys/sign-in/finish",
            Some(to_body(answer)?),
        )
        .await?,
    )
}

// ---- events ----------------------------------------------------------------------------------

/// `POST /api/events`: a new event — a draft from an admin, a proposal from anyone else.
pub async fn create_event(new: &NewEvent) -> Result<EventRef, AppError> {
    json(call(Method::POST, "/api/events", Some(to_body(new)?)).await?)
}

/// `POST /api/news`: a new draft post (admins).
pub async fn create_post(new: &NewPost) -> Result<NewsRef, AppError> {
    json(call(Method::POST, "/api/news", Some(to_body(new)?)).await?)
}

/// `POST /api/jobs`: starts a job opening (admins, recruiters), a draft.
pub async fn create_job(new: &NewJob) -> Result<NewsRef, AppError> {
    json(call(Method::POST, "/api/jobs", Some(to_body(new)?)).await?)
}

/// `GET /api/jobs/<post>/applications`: the applications for an opening (those who post
/// openings).
pub async fn applicants(post: &DocumentId) -> Result<Vec<Applicant>, AppError> {
    json(call(Method::GET, &format!("/api/jobs/{post}/applications"), None).await?)
}

/// `PUT /api/jobs/<post>/applications/<user id>`: moves an application to `stage`.
pub async fn move_application(
    post: &DocumentId,
    user: &str,
    stage: tsunagu_core::job_application::Stage,
) -> Result<(), AppError> {
    let body = to_body(&MoveApplication {
        stage: stage.key().to_owned(),
    })?;
    let path = format!("/api/jobs/{post}/applications/{user}");
    call(Method::PUT, &path, Some(body)).await.map(drop)
}

/// `GET /api/talent?<query>` (admins, recruiters): the talent pool.
pub async fn talent(query: &TalentQuery) -> Result<TalentPool, AppError> {
    json(
        call(
            Method::GET,
            &format!("/api/talent?{}", query.to_query()),
            None,
        )
        .await?,
    )
}

/// `GET /api/talent.csv?<query>&lang=`: the talent pool as a CSV download (a link).
pub fn talent_csv(query: &TalentQuery, lang: &str) -> String {
    let query = query.to_query();
    let and = if query.is_empty() { "" } else { "&" };
    format!("/api/talent.csv?{query}{and}lang={lang}")
}

/// `PUT` or `DELETE /api/talent/shortlist/<user id>`: on or off the recruiters' shortlist.
pub async fn shortlist(user: &str, on: bool) -> Result<(), AppError> {
    let method = if on { Method::PUT } else { Method::DELETE };
    call(method, &format!("/api/talent/shortlist/{user}"), None)
        .await
        .map(drop)
}

/// `POST /api/news/opened`: the posts this member opened.
pub async fn news_opened(posts: &[DocumentId]) -> Result<(), AppError> {
    let body = to_body(&OpenedPosts {
        posts: posts.to_vec(),
    })?;
    call(Method::POST, "/api/news/opened", Some(body))
        .await
        .map(drop)
}

/// `GET /api/news/<post>/stats`: how a post is doing (admins).
pub async fn post_stats(post: &DocumentId) -> Result<PostStats, AppError> {
    json(call(Method::GET, &format!("/api/news/{post}/stats"), None).await?)
}

/// `GET /api/news`: the posts one may read now.
pub async fn news() -> Result<Vec<NewsRef>, AppError> {
    json(call(Method::GET, "/api/news", None).await?)
}

/// `GET /api/newsletter`: whether one receives posts by mail, and whether the relay mails.
pub async fn newsletter() -> Result<NewsletterChoice, AppError> {
    json(call(Method::GET, "/api/newsletter", None).await?)
}

/// `PUT /api/newsletter`: receive posts by mail, or not.
pub async fn set_newsletter(receive: bool) -> Result<NewsletterChoice, AppError> {
    let body = to_body(&NewsletterChoice {
        receive,
        mail_server: false,
    })?;
    json(call(Method::PUT, "/api/newsletter", Some(body)).await?)
}

/// `POST /api/news/segment`: how many members a segment reaches now (admins).
pub async fn segment_reach(segment: &Segment) -> Result<SegmentReach, AppError> {
    json(call(Method::POST, "/api/news/segment", Some(to_body(segment)?)).await?)
}

/// `GET /api/push/key`: the relay's VAPID public key.
pub async fn push_key() -> Result<PushKey, AppError> {
    json(call(Method::GET, "/api/push/key", None).await?)
}

/// `PUT /api/push/subscription`: this device's subscription.
pub async fn push_subscribe(subscription: &PushSubscription) -> Result<(), AppError> {
    call(
        Method::PUT,
        "/api/push/subscription",
        Some(to_body(subscription)?),
    )
    .await
    .map(|_| ())
}

/// `DELETE /api/push/subscription`.
pub async fn push_unsubscribe(endpoint: &str) -> Result<(), AppError> {
    let body = to_body(&PushUnsubscribe {
        endpoint: endpoint.to_owned(),
    })?;
    call(Method::DELETE, "/api/push/subscription", Some(body))
        .await
        .map(|_| ())
}

/// `PUT /api/conversations/<id>/mute`.
pub async fn set_muted(conversation: &DocumentId, muted: bool) -> Result<(), AppError> {
    let path = format!("/api/conversations/{conversation}/mute");
    call(Method::PUT, &path, Some(to_body(&Mute { muted })?))
        .await
        .map(|_| ())
}

/// `DELETE /api/conversations/<id>/members/<user>`: leaves a group (or, for its creator or an
/// admin, removes someone).
pub async fn leave_conversation(conversation: &DocumentId, user: &str) -> Result<(), AppError> {
    let path = format!(
        "/api/conversations/{conversation}/members/{}",
        encode_component(user)
    );
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// `POST /api/conversations/<id>/members`: adds a member to a group.
pub async fn add_member(conversation: &DocumentId, user: &str) -> Result<(), AppError> {
    let path = format!("/api/conversations/{conversation}/members");
    let body = to_body(&AddMember {
        user: user.to_owned(),
    })?;
    call(Method::POST, &path, Some(body)).await.map(|_| ())
}

/// `POST /api/events/<id>/chat`: the event's chat with its confirmed attendees (staff, admins).
pub async fn open_event_chat(event: &DocumentId) -> Result<ConversationRef, AppError> {
    json(call(Method::POST, &format!("/api/events/{event}/chat"), None).await?)
}

/// `POST /api/conversations`: starts a conversation (or answers the one-to-one that exists).
pub async fn start_conversation(new: &NewConversation) -> Result<ConversationRef, AppError> {
    json(call(Method::POST, "/api/conversations", Some(to_body(new)?)).await?)
}

/// `PUT /api/blocks/<user>` (or `DELETE` to unblock).
pub async fn set_blocked(user: &str, blocked: bool) -> Result<(), AppError> {
    let method = if blocked { Method::PUT } else { Method::DELETE };
    let path = format!("/api/blocks/{}", encode_component(user));
    call(method, &path, None).await.map(|_| ())
}

/// `POST /api/reports`: reports a message to the admins.
pub async fn report_message(report: &ReportMessage) -> Result<(), AppError> {
    call(Method::POST, "/api/reports", Some(to_body(report)?))
        .await
        .map(|_| ())
}

/// `GET /api/admin/reports`: reports waiting for a decision.
pub async fn message_reports() -> Result<Vec<MessageReport>, AppError> {
    json(call(Method::GET, "/api/admin/reports", None).await?)
}

/// `POST /api/admin/reports/<id>`: hides the message or dismisses the report.
pub async fn decide_report(id: i64, decision: ReportDecision) -> Result<(), AppError> {
    let path = format!("/api/admin/reports/{id}");
    call(
        Method::POST,
        &path,
        Some(to_body(&ReportDecisionBody { decision })?),
    )
    .await
    .map(|_| ())
}

/// Where one event downloads as an iCalendar file ("add to calendar").
pub fn event_ics(event: &DocumentId) -> String {
    format!("/api/events/{event}/ics")
}

/// Where an event's attendee list downloads as CSV (its staff and admins).
pub fn attendees_csv(event: &DocumentId) -> String {
    format!("/api/events/{event}/attendees.csv")
}

/// `GET /api/events/<event>/venue-code` (admins and the event's staff): the signed code the
/// venue shows for self check-in.
pub async fn venue_code(event: &DocumentId) -> Result<String, AppError> {
    let path = format!("/api/events/{event}/venue-code");
    json::<VenueCodeResponse>(call(Method::GET, &path, None).await?).map(|r| r.code)
}

/// The body of `PUT /api/events/<event>/join-url`.
#[derive(Serialize)]
struct JoinUrl<'a> {
    url: &'a str,
}

/// `PUT /api/events/<event>/join-url` (admins): the link confirmed attendees of an online event
/// get in their passes; empty removes it. The link never goes into the event document.
pub async fn set_join_url(event: &DocumentId, url: &str) -> Result<(), AppError> {
    let path = format!("/api/events/{event}/join-url");
    let body = to_body(&JoinUrl { url })?;
    call(Method::PUT, &path, Some(body)).await.map(|_| ())
}

/// `POST /api/me/calendar`: a new personal calendar feed address; an earlier one stops working.
pub async fn new_calendar_feed() -> Result<CalendarFeed, AppError> {
    json(call(Method::POST, "/api/me/calendar", None).await?)
}

/// `DELETE /api/me/calendar`: the personal calendar feed stops working.
pub async fn revoke_calendar_feed() -> Result<(), AppError> {
    call(Method::DELETE, "/api/me/calendar", None)
        .await
        .map(|_| ())
}

// ---- joining ---------------------------------------------------------------------------------

/// `GET /api/invitations/<token>`: who an invitation link is for.
pub async fn invitation(token: &str) -> Result<InvitationInfo, AppError> {
    let path = format!("/api/invitations/{}", encode_component(token));
    json(call(Method::GET, &path, None).await?)
}

/// `POST /api/register`: accepts an invitation; the relay sets the session cookie.
pub async fn register(register: &Register) -> Result<Me, AppError> {
    json(call(Method::POST, "/api/register", Some(to_body(register)?)).await?)
}

/// `POST /api/applications`: always "received" — the relay says nothing here about whether it
/// knows the email; what happens next arrives by mail.
pub async fn apply(apply: &Apply) -> Result<ApplicationReceived, AppError> {
    json(call(Method::POST, "/api/applications", Some(to_body(apply)?)).await?)
}

/// `GET /api/applications/confirm/<token>`: whose application a mailed confirmation link is for.
pub async fn application_to_confirm(token: &str) -> Result<ApplicationToConfirm, AppError> {
    let path = format!("/api/applications/confirm/{}", encode_component(token));
    json(call(Method::GET, &path, None).await?)
}

/// `POST /api/applications/confirm`: the applicant becomes a member. No session is opened: they
/// sign in with the email and the password they applied with.
pub async fn confirm_application(token: &str) -> Result<ApplicationConfirmed, AppError> {
    let body = to_body(&ConfirmApplication {
        token: token.to_owned(),
    })?;
    json(call(Method::POST, "/api/applications/confirm", Some(body)).await?)
}

// ---- the network and its first-run setup -------------------------------------------------------

/// `GET /api/network` (no sign-in): which network this is, or that it waits for its setup.
pub async fn network() -> Result<NetworkInfo, AppError> {
    json(call(Method::GET, "/api/network", None).await?)
}

/// `POST /api/events/<event>/attendees/<user>/release`: staff give up a member's seat for them.
pub async fn release_seat(event: &DocumentId, user: &str) -> Result<(), AppError> {
    let path = format!(
        "/api/events/{event}/attendees/{}/release",
        encode_component(user)
    );
    call(Method::POST, &path, None).await.map(|_| ())
}

/// `PUT /api/admin/logo`: the organisation's logo (PNG, JPEG or WebP; the relay checks).
pub async fn set_logo(image: &[u8]) -> Result<(), AppError> {
    let body = js_sys::Uint8Array::from(image);
    request(
        Method::PUT,
        "/api/admin/logo",
        Some((body.into(), "application/octet-stream")),
    )
    .await
    .map(|_| ())
}

/// `/api/photos/<id>`: where the relay keeps a photo (or a CV file) by its id.
pub fn photo_path(id: &str) -> String {
    format!("/api/photos/{}", encode_component(id))
}

/// `PUT /api/photos/<id>`: a photo this member attached (shrunk on the device; the relay checks
/// that `id` is the SHA-256 of its bytes and that they are an image).
pub async fn upload_photo(id: &str, photo: &web_sys::Blob) -> Result<(), AppError> {
    request(
        Method::PUT,
        &photo_path(id),
        Some((photo.into(), "image/jpeg")),
    )
    .await
    .map(|_| ())
}

/// `GET /api/photos/<id>`: the bytes of a photo this member may see.
pub async fn photo(id: &str) -> Result<Vec<u8>, AppError> {
    let response = send(Method::GET, &photo_path(id), None).await?;
    response.binary().await.map_err(|_| AppError::Offline)
}

/// `DELETE /api/admin/logo`.
pub async fn remove_logo() -> Result<(), AppError> {
    call(Method::DELETE, "/api/admin/logo", None)
        .await
        .map(|_| ())
}

/// Where the organisation's logo of `version` ([`NetworkInfo::logo`]) is served.
pub fn logo_url(version: u32) -> String {
    format!("/api/network/logo?v={version}")
}

/// `POST /api/setup`: the first-run setup from the link the relay printed; the relay signs the
/// new admin in (the session cookie is set).
pub async fn setup(setup: &Setup) -> Result<Me, AppError> {
    json(call(Method::POST, "/api/setup", Some(to_body(setup)?)).await?)
}

// ---- administration ----------------------------------------------------------------------------

/// `POST /api/admin/import/preview` (`apply` false) or `POST /api/admin/import`: the CSV file as is.
pub async fn import_hr_csv(file: &[u8], apply: bool) -> Result<ImportReport, AppError> {
    let path = if apply {
        "/api/admin/import"
    } else {
        "/api/admin/import/preview"
    };
    let body = js_sys::Uint8Array::from(file);
    json(request(Method::POST, path, Some((body.into(), "text/csv"))).await?)
}

/// `DELETE /api/admin/hr-records/<id>`: forgets an imported person who has not registered.
pub async fn delete_hr_record(id: &str) -> Result<(), AppError> {
    let path = format!("/api/admin/hr-records/{}", encode_component(id));
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// `POST /api/admin/invitations`: (re)invites imported people.
pub async fn invite(hr_record_ids: Vec<String>) -> Result<Vec<InvitationSent>, AppError> {
    let body = to_body(&Invite { hr_record_ids })?;
    json(call(Method::POST, "/api/admin/invitations", Some(body)).await?)
}

/// `GET /api/admin/applications?status=`.
pub async fn applications(status: &str) -> Result<Vec<Application>, AppError> {
    let path = format!(
        "/api/admin/applications?status={}",
        encode_component(status)
    );
    json(call(Method::GET, &path, None).await?)
}

/// `POST /api/admin/applications/<id>/approve` or `.../reject`.
pub async fn decide_application(id: &str, approve: bool) -> Result<Application, AppError> {
    let verb = if approve { "approve" } else { "reject" };
    let path = format!("/api/admin/applications/{}/{verb}", encode_component(id));
    json(call(Method::POST, &path, None).await?)
}

/// `GET /api/admin/members?q=&status=&role=` (empty strings filter nothing).
pub async fn members(q: &str, status: &str, role: &str) -> Result<Vec<Member>, AppError> {
    let path = format!(
        "/api/admin/members?q={}&status={}&role={}",
        encode_component(q),
        encode_component(status),
        encode_component(role)
    );
    json(call(Method::GET, &path, None).await?)
}

/// `PUT /api/admin/members/<user id>/roles`: the complete set of roles from now on.
pub async fn set_roles(user_id: &str, roles: Vec<Role>) -> Result<(), AppError> {
    let path = format!("/api/admin/members/{}/roles", encode_component(user_id));
    let body = to_body(&SetRoles { roles })?;
    call(Method::PUT, &path, Some(body)).await.map(|_| ())
}

/// `POST /api/admin/members/<user id>/suspend` (`suspend` true) or `.../reactivate`.
pub async fn set_suspended(user_id: &str, suspend: bool) -> Result<(), AppError> {
    let verb = if suspend { "suspend" } else { "reactivate" };
    let path = format!("/api/admin/members/{}/{verb}", encode_component(user_id));
    call(Method::POST, &path, None).await.map(|_| ())
}

/// `GET /api/admin/members/<user id>/devices`.
pub async fn member_devices(user_id: &str) -> Result<Vec<DeviceInfo>, AppError> {
    let path = format!("/api/admin/members/{}/devices", encode_component(user_id));
    json(call(Method::GET, &path, None).await?)
}

/// `DELETE /api/admin/devices/<id>`: revokes anyone's device; it wipes itself.
pub async fn revoke_member_device(id: &str) -> Result<(), AppError> {
    let path = format!("/api/admin/devices/{}", encode_component(id));
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// `GET /api/admin/audit?limit=&before=`: newest first; `before` is the last id of the page above.
pub async fn audit(limit: u32, before: Option<i64>) -> Result<Vec<AuditEntry>, AppError> {
    let mut path = format!("/api/admin/audit?limit={limit}");
    if let Some(before) = before {
        path.push_str(&format!("&before={before}"));
    }
    json(call(Method::GET, &path, None).await?)
}

/// `GET /api/admin/pass-keys`: the keys passes may be signed with, the current one marked.
pub async fn pass_keys() -> Result<Vec<PassKeyInfo>, AppError> {
    json(call(Method::GET, "/api/admin/pass-keys", None).await?)
}

/// `POST /api/admin/pass-keys`: a new current key; every live ticket and ID card is signed
/// again with it.
pub async fn rotate_pass_key() -> Result<PassKeyInfo, AppError> {
    json(call(Method::POST, "/api/admin/pass-keys", None).await?)
}

/// `DELETE /api/admin/pass-keys/<id>`: passes that key signed stop being valid on every phone.
pub async fn retire_pass_key(id: &str) -> Result<(), AppError> {
    let path = format!("/api/admin/pass-keys/{}", encode_component(id));
    call(Method::DELETE, &path, None).await.map(|_| ())
}

/// Where the whole audit log downloads as CSV, in `lang` (`ja` or `en`).
pub fn audit_csv(lang: &str) -> String {
    format!("/api/admin/audit.csv?lang={lang}")
}

/// `GET /api/admin/summary`: what waits for an admin (the badges on the admin tabs).
pub async fn admin_summary() -> Result<AdminSummary, AppError> {
    json(call(Method::GET, "/api/admin/summary", None).await?)
}

fn to_body<T: Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::UnexpectedResponse(e.to_string()))
}

fn encode_component(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}

fn json<T: DeserializeOwned>(text: String) -> Result<T, AppError> {
    serde_json::from_str(&text).map_err(|e| AppError::UnexpectedResponse(e.to_string()))
}

/// Makes a request with a JSON body (if any) and returns the body of a 2xx answer.
async fn call(method: Method, path: &str, body: Option<String>) -> Result<String, AppError> {
    let body = body.map(|b| (JsValue::from_str(&b), "application/json"));
    request(method, path, body).await
}

/// Makes the request with a body of the given content type and returns the body of a 2xx answer.
async fn request(
    method: Method,
    path: &str,
    body: Option<(JsValue, &str)>,
) -> Result<String, AppError> {
    let response = send(method, path, body).await?;
    response.text().await.map_err(|_| AppError::Offline)
}

/// Makes the request and returns a 2xx answer, or the error the answer or its absence means.
async fn send(
    method: Method,
    path: &str,
    body: Option<(JsValue, &str)>,
) -> Result<gloo_net::http::Response, AppError> {
    let unexpected = |e: gloo_net::Error| AppError::UnexpectedResponse(e.to_string());
    let builder = RequestBuilder::new(path)
        .method(method.clone())
        .credentials(RequestCredentials::SameOrigin)
        .header("accept", "application/json");
    let request = match body {
        Some((body, content_type)) => builder
            .header("content-type", content_type)
            .body(body)
            .map_err(unexpected)?,
        None => builder.build().map_err(unexpected)?,
    };
    // fetch rejects only when no answer came at all: offline, or the relay is down.
    let response = request.send().await.map_err(|_| AppError::Offline)?;
    let status = response.status();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    let text = response.text().await.map_err(|_| AppError::Offline)?;
    if let Ok(error) = serde_json::from_str::<ApiError>(&text) {
        return Err(AppError::Api(error.error));
    }
    Err(match status {
        401 => AppError::Api(ErrorCode::Unauthenticated),
        404 => AppError::Api(ErrorCode::NotFound),
        429 => AppError::Api(ErrorCode::TooManyAttempts),
        // A proxy or the service worker answering for an unreachable relay.
        502..=504 => AppError::Offline,
        _ => AppError::UnexpectedResponse(format!("{method} {path}: HTTP {status}")),
    })
}
