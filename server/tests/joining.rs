//! How people join: an admin imports leavers from an HR export (UTF-8 or Shift_JIS), invites them
//! (a link to copy, or a mail through a real SMTP server), they register once with the link;
//! people not invited apply and wait: those HR knows confirm from the address on record, the
//! others wait for an admin. Only admins reach the admin calls, and everything they do is in the
//! audit log.

mod common;

use common::{
    Device, SmtpSink, TestRelay, call, error_code, get_json, post_session, session_cookie, sign_in,
};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::{
    Application, ApplicationStatus, ApplicationToConfirm, AuditEntry, ImportAction, ImportReport,
    InvitationInfo, InvitationSent, MatchedBy, Me, Member, MemberStatus, RowProblem,
};
use tsunagu_core::vocab::Role;

const ADMIN: &str = "admin@example.com";

/// An HR export as Excel in Japan writes it: Japanese headers, a column we do not know, dates in
/// several forms, and three rows with problems.
const HR_EXPORT: &str = "社員番号,氏名,フリガナ,メールアドレス,入社日,退職日,部署,備考\n\
    E1001,鈴木 一郎,スズキ イチロウ,ichiro.suzuki@example.net,2015/4/1,2020/3/31,営業部,\n\
    E1002,高橋 美咲,タカハシ ミサキ,misaki@example.net,2016年4月,2023年9月,開発本部,\n\
    E1003,田村 翼,タムラ ツバサ,tsubasa@example.net,2018-04,2022-06,人事部,\n\
    E1004,,,nobody@example.net,2018-04,,,名前なし\n\
    E1005,伊東 光,イトウ ヒカル,not-an-email,2018-04,,,\n\
    E1006,森 太郎,モリ タロウ,taro@example.net,2020-04,2019-03,,\n";

async fn upload(relay: &TestRelay, path: &str, cookie: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .post(relay.url(path))
        .header("cookie", cookie)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .expect("the relay answers")
}

async fn import(relay: &TestRelay, cookie: &str, body: Vec<u8>) -> ImportReport {
    let response = upload(relay, "/api/admin/import", cookie, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("an import report")
}

async fn members(relay: &TestRelay, cookie: &str, query: &str) -> Vec<Member> {
    get_json(relay, &format!("/api/admin/members{query}"), cookie).await
}

async fn hr_id(relay: &TestRelay, cookie: &str, email: &str) -> String {
    members(relay, cookie, "")
        .await
        .into_iter()
        .find(|m| m.email == email)
        .and_then(|m| m.hr_record_id)
        .expect("the imported person is listed")
}

async fn invite(relay: &TestRelay, cookie: &str, ids: &[String]) -> Vec<InvitationSent> {
    let response = call(
        relay,
        Method::POST,
        "/api/admin/invitations",
        Some(cookie),
        Some(json!({ "hr_record_ids": ids })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("the invitations")
}

fn token_of(link: &str) -> String {
    link.rsplit_once("/#/join/")
        .expect("a join link")
        .1
        .to_owned()
}

async fn register(relay: &TestRelay, token: &str, password: &str) -> reqwest::Response {
    call(
        relay,
        Method::POST,
        "/api/register",
        None,
        Some(json!({ "token": token, "password": password })),
    )
    .await
}

async fn audit(relay: &TestRelay, cookie: &str) -> Vec<AuditEntry> {
    get_json(relay, "/api/admin/audit?limit=500", cookie).await
}

#[tokio::test]
async fn an_hr_export_is_previewed_then_imported_in_utf8_and_shift_jis() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;

    let preview = upload(
        &relay,
        "/api/admin/import/preview",
        &admin,
        HR_EXPORT.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: ImportReport = preview.json().await.expect("a report");
    assert_eq!(preview.encoding, "utf-8");
    assert_eq!(preview.counts, None);
    assert_eq!(preview.rows.len(), 3);
    assert!(preview.rows.iter().all(|r| r.action == ImportAction::New));
    assert_eq!(preview.rows[1].record.joined, "2016-04");
    assert_eq!(preview.rows[1].record.left, "2023-09");
    let problems: Vec<(u64, &str, RowProblem)> = preview
        .errors
        .iter()
        .map(|e| (e.line, e.field.as_str(), e.problem))
        .collect();
    assert_eq!(
        problems,
        vec![
            (5, "name", RowProblem::Missing),
            (6, "email", RowProblem::InvalidEmail),
            (7, "left", RowProblem::LeftBeforeJoined),
        ]
    );
    // A preview writes nothing.
    assert!(members(&relay, &admin, "?status=imported").await.is_empty());

    let report = import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let counts = report.counts.expect("counts");
    assert_eq!(
        (counts.new, counts.updated, counts.unchanged, counts.skipped),
        (3, 0, 0, 3)
    );
    let imported = members(&relay, &admin, "?status=imported").await;
    assert_eq!(imported.len(), 3);

    // The same people again, from Excel: Shift_JIS, other Japanese headers, one changed
    // department, one new person, one email already imported under another number.
    let sjis = "従業員番号,名前,ふりがな,メール,入社年月,退職年月,所属\r\n\
                E1001,鈴木 一郎,すずき いちろう,ichiro.suzuki@example.net,2015年4月,2020年3月,営業部\r\n\
                E1002,高橋 美咲,たかはし みさき,misaki@example.net,2016/04/01,2023/09/30,プロダクト部\r\n\
                E2001,中川 遥,なかがわ はるか,haruka@example.net,2019/4/1,2024/3/31,経理部\r\n\
                E9999,田村 翼,たむら つばさ,tsubasa@example.net,2018/4/1,,\r\n";
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(sjis);
    assert!(!unmappable);
    let preview: ImportReport = upload(&relay, "/api/admin/import/preview", &admin, bytes.to_vec())
        .await
        .json()
        .await
        .expect("a report");
    assert_eq!(preview.encoding, "shift_jis");
    let actions: Vec<(u64, ImportAction)> =
        preview.rows.iter().map(|r| (r.line, r.action)).collect();
    // HR now writes the reading in hiragana (line 2) and moved 高橋 to another department (line 3).
    assert_eq!(
        actions,
        vec![
            (2, ImportAction::Update),
            (3, ImportAction::Update),
            (4, ImportAction::New)
        ]
    );
    assert_eq!(preview.errors.len(), 1);
    assert_eq!(preview.errors[0].line, 5);
    assert_eq!(preview.errors[0].problem, RowProblem::ConflictsWithStored);

    let report = import(&relay, &admin, bytes.to_vec()).await;
    let counts = report.counts.expect("counts");
    assert_eq!((counts.new, counts.updated, counts.skipped), (1, 2, 1));
    let misaki = members(&relay, &admin, "?q=misaki@example.net").await;
    assert_eq!(misaki.len(), 1);
    assert_eq!(misaki[0].department, "プロダクト部");
    // Importing the same file again changes nothing.
    let again = import(&relay, &admin, bytes.to_vec())
        .await
        .counts
        .expect("counts");
    assert_eq!((again.new, again.updated, again.unchanged), (0, 0, 3));

    // Search folds katakana and hiragana, full and half width alike.
    let found = members(&relay, &admin, "?q=ナカガワ").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].email, "haruka@example.net");
    assert_eq!(members(&relay, &admin, "?q=ｅ２００１").await.len(), 1);

    // A file without an email column cannot be imported at all, and says which headers work.
    let response = upload(
        &relay,
        "/api/admin/import",
        &admin,
        "氏名,部署\n山田,人事部\n".into(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.expect("an ApiError");
    assert_eq!(body["error"], "invalid-csv");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("メールアドレス")),
        "{body}"
    );

    let log = audit(&relay, &admin).await;
    assert_eq!(log.iter().filter(|e| e.action == "import").count(), 3);
    // The counts are data, for the app and the CSV to say in the admin's language.
    let first: tsunagu_core::api::ImportLogged =
        serde_json::from_str(&log.last().expect("the first import").detail)
            .expect("an import's detail");
    assert_eq!(
        (
            first.encoding.as_str(),
            first.counts.new,
            first.counts.skipped
        ),
        ("utf-8", 3, 3)
    );
}

#[tokio::test]
async fn without_smtp_an_admin_gets_links_to_share_and_a_new_link_replaces_the_old() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let ichiro = hr_id(&relay, &admin, "ichiro.suzuki@example.net").await;

    let first = invite(&relay, &admin, std::slice::from_ref(&ichiro)).await;
    assert_eq!(first.len(), 1);
    assert!(!first[0].sent);
    let link = first[0].link.clone().expect("a link to copy");
    assert!(
        link.starts_with(&format!("http://{}/#/join/", relay.addr())),
        "{link}"
    );
    let listed = members(&relay, &admin, "?status=invited").await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0].invitation_expires_at.is_some());

    let info = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{}", token_of(&link)),
        None,
        None,
    )
    .await;
    assert_eq!(info.status(), StatusCode::OK);
    let info: InvitationInfo = info.json().await.expect("who it is for");
    assert_eq!(info.name, "鈴木 一郎");
    assert_eq!(info.reading, "スズキ イチロウ");

    // Sending again: the first link stops working, the second works.
    let second = invite(&relay, &admin, std::slice::from_ref(&ichiro)).await;
    let second_link = second[0].link.clone().expect("a link");
    assert_ne!(link, second_link);
    let old = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{}", token_of(&link)),
        None,
        None,
    )
    .await;
    assert_eq!(
        error_code(old, StatusCode::NOT_FOUND).await,
        "invitation-not-found"
    );

    let registered = register(&relay, &token_of(&second_link), "ichiro-password").await;
    assert_eq!(registered.status(), StatusCode::OK);
    let me: Me = registered.json().await.expect("Me");
    assert_eq!(me.email, "ichiro.suzuki@example.net");
    assert_eq!(me.roles, vec![Role::Alumni]);
    // (Demo members named 鈴木 are found by their readings too: the full name finds him.)
    let active = members(&relay, &admin, "?status=active&q=すずきいちろう").await;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].user_id.as_deref(), Some(me.user_id.as_str()));
    assert_eq!(active[0].joined, "2015-04");

    // Someone who registered cannot be invited again.
    let again = call(
        &relay,
        Method::POST,
        "/api/admin/invitations",
        Some(&admin),
        Some(json!({ "hr_record_ids": [ichiro] })),
    )
    .await;
    assert_eq!(error_code(again, StatusCode::CONFLICT).await, "conflict");
}

#[tokio::test]
async fn an_invitation_mailed_over_smtp_registers_its_person_once() {
    let sink = SmtpSink::start();
    let smtp_url = sink.url();
    let relay = TestRelay::start_configured(|config| {
        config.smtp_url = Some(smtp_url);
        config.mail_from = "つなぐ商事 <alumni@example.com>".into();
        config.public_url = Some("https://alumni.example.com/".into());
    })
    .await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let misaki = hr_id(&relay, &admin, "misaki@example.net").await;

    let sent = invite(&relay, &admin, &[misaki]).await;
    assert!(sent[0].sent, "{sent:?}");
    assert_eq!(sent[0].link, None);
    assert_eq!(sent[0].mail_error, None);

    let (raw, text) = sink.mail(1).await;
    assert!(raw.contains("misaki@example.net"), "{raw}");
    assert!(raw.contains("alumni@example.com"), "{raw}");
    let japanese = text.find("ご招待します").expect("the Japanese text");
    let english = text.find("You are invited").expect("the English text");
    assert!(japanese < english, "Japanese comes first");
    assert!(text.starts_with("高橋 美咲 様"), "{text}");
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("https://alumni.example.com/#/join/"))
        .expect("the link in the mail");
    let token = token_of(link);

    let info: InvitationInfo = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{token}"),
        None,
        None,
    )
    .await
    .json()
    .await
    .expect("who it is for");
    assert_eq!(info.email, "misaki@example.net");

    let short = register(&relay, &token, "short").await;
    assert_eq!(
        error_code(short, StatusCode::BAD_REQUEST).await,
        "password-too-short"
    );

    let registered = register(&relay, &token, "misaki-password-1").await;
    assert_eq!(registered.status(), StatusCode::OK);
    let cookie = session_cookie(&registered).expect("she is signed in");
    let me: Me = registered.json().await.expect("Me");
    assert_eq!(me.display_name, "高橋 美咲");
    assert!(me.directory.contains(&me.profile_doc));
    let again: Me = get_json(&relay, "/api/me", &cookie).await;
    assert_eq!(again.user_id, me.user_id);

    // Her profile document syncs like any seeded member's, filled from the HR record.
    let mut device = Device::connect(relay.addr(), &cookie, &[me.profile_doc]).await;
    device
        .pump_until("her profile", |d| {
            common::has_profile_named(d, &me.profile_doc, "高橋 美咲")
        })
        .await;
    let profile = device.profile(&me.profile_doc).expect("her profile");
    assert_eq!(profile.owner, me.user_id);
    assert_eq!(profile.reading, "タカハシ ミサキ");
    assert_eq!(
        (profile.joined.as_str(), profile.left.as_str()),
        ("2016-04", "2023-09")
    );
    assert_eq!(profile.positions[0].department, "開発本部");

    // Single use.
    let twice = register(&relay, &token, "another-password").await;
    assert_eq!(error_code(twice, StatusCode::GONE).await, "invitation-used");
    let shown = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(error_code(shown, StatusCode::GONE).await, "invitation-used");
    // She signs in with the password she chose.
    assert_eq!(
        post_session(relay.addr(), "misaki@example.net", "misaki-password-1")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(sink.count(), 1);
}

#[tokio::test]
async fn an_expired_invitation_is_refused() {
    let relay = TestRelay::start_configured(|config| {
        config.limits.invitation_lifetime = std::time::Duration::ZERO;
    })
    .await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let tsubasa = hr_id(&relay, &admin, "tsubasa@example.net").await;
    let sent = invite(&relay, &admin, &[tsubasa]).await;
    let token = token_of(sent[0].link.as_deref().expect("a link"));

    let shown = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        error_code(shown, StatusCode::GONE).await,
        "invitation-expired"
    );
    let registered = register(&relay, &token, "tsubasa-password").await;
    assert_eq!(
        error_code(registered, StatusCode::GONE).await,
        "invitation-expired"
    );
    let unknown = call(
        &relay,
        Method::GET,
        "/api/invitations/not-a-token",
        None,
        None,
    )
    .await;
    assert_eq!(
        error_code(unknown, StatusCode::NOT_FOUND).await,
        "invitation-not-found"
    );
    // Expired, it no longer counts as invited.
    assert_eq!(members(&relay, &admin, "?status=invited").await.len(), 0);
}

/// `POST /api/applications`: the answer is the same whoever applies.
async fn apply(relay: &TestRelay, body: serde_json::Value) -> reqwest::Response {
    let response = call(relay, Method::POST, "/api/applications", None, Some(body)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(session_cookie(&response).is_none(), "nobody is signed in");
    response
}

/// The confirmation link in a mail's text.
fn confirmation_token(text: &str) -> String {
    text.split_whitespace()
        .find_map(|w| w.split_once("/#/confirm/"))
        .map(|(_, token)| token.to_owned())
        .unwrap_or_else(|| panic!("a confirmation link in:\n{text}"))
}

#[tokio::test]
async fn an_applicant_hr_knows_confirms_from_the_address_on_record_and_others_wait_for_an_admin() {
    let sink = SmtpSink::start();
    let smtp_url = sink.url();
    let relay = TestRelay::start_configured(|config| config.smtp_url = Some(smtp_url)).await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;

    // Employee number and name match an imported record; he applies with a private email.
    apply(
        &relay,
        json!({
            "name": "田村翼", "reading": "たむら つばさ", "email": "Tsubasa.Private@example.org",
            "employee_number": "Ｅ1003", "password": "tsubasa-password"
        }),
    )
    .await;
    let refused = post_session(
        relay.addr(),
        "tsubasa.private@example.org",
        "tsubasa-password",
    )
    .await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "application-pending",
        "not a member yet: his application waits"
    );
    // The link goes to the address HR has, never to the one he typed.
    let (raw, text) = sink.mail(1).await;
    assert!(raw.contains("tsubasa@example.net"), "{raw}");
    assert!(!raw.contains("tsubasa.private@example.org>"), "{raw}");
    assert!(
        text.contains("tsubasa.private@example.org"),
        "the mail names who will sign in"
    );
    let token = confirmation_token(&text);
    let pending: Vec<Application> =
        get_json(&relay, "/api/admin/applications?status=pending", &admin).await;
    let his = pending
        .iter()
        .find(|a| a.email == "tsubasa.private@example.org")
        .expect("his application waits");
    let hint = his.hr_match.as_ref().expect("the admin sees the match");
    assert_eq!(
        (hint.name.as_str(), hint.by),
        ("田村 翼", MatchedBy::EmployeeNumberAndName)
    );
    assert!(his.awaiting_confirmation);

    let shown: ApplicationToConfirm = call(
        &relay,
        Method::GET,
        &format!("/api/applications/confirm/{token}"),
        None,
        None,
    )
    .await
    .json()
    .await
    .expect("whose application it is");
    assert_eq!(shown.email, "tsubasa.private@example.org");
    let confirmed = call(
        &relay,
        Method::POST,
        "/api/applications/confirm",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(
        session_cookie(&confirmed).is_none(),
        "confirming opens no session"
    );
    let signed_in = post_session(
        relay.addr(),
        "tsubasa.private@example.org",
        "tsubasa-password",
    )
    .await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "he signs in with the password he applied with"
    );
    let tamura = members(&relay, &admin, "?q=E1003").await;
    assert_eq!(tamura.len(), 1, "the record is now the member: {tamura:?}");
    assert_eq!(tamura[0].status, MemberStatus::Active);
    assert_eq!(
        (tamura[0].joined.as_str(), tamura[0].left.as_str()),
        ("2018-04", "2022-06")
    );
    let again = call(
        &relay,
        Method::POST,
        "/api/applications/confirm",
        None,
        Some(json!({ "token": token })),
    )
    .await;
    assert_eq!(error_code(again, StatusCode::GONE).await, "invitation-used");

    // The number alone, with another name, matches nothing: it waits, and no mail goes out.
    apply(
        &relay,
        json!({
            "name": "誰か", "email": "someone@example.org", "employee_number": "E1001",
            "password": "someone-password"
        }),
    )
    .await;
    apply(
        &relay,
        json!({
            "name": "小野 誠", "reading": "おの まこと", "email": "makoto@example.org",
            "joined": "2010/4/1", "left": "2014年3月", "department": "総務部",
            "note": "2010年入社の同期です", "password": "makoto-password"
        }),
    )
    .await;
    assert_eq!(
        members(&relay, &admin, "?status=pending").await.len(),
        2,
        "both wait on the Members screen"
    );

    let pending: Vec<Application> =
        get_json(&relay, "/api/admin/applications?status=pending", &admin).await;
    assert_eq!(pending.len(), 2);
    let makoto = pending
        .iter()
        .find(|a| a.email == "makoto@example.org")
        .expect("his application");
    assert_eq!(
        (makoto.joined.as_str(), makoto.left.as_str()),
        ("2010-04", "2014-03")
    );
    assert_eq!(makoto.hr_match, None);
    let someone = pending
        .iter()
        .find(|a| a.email == "someone@example.org")
        .expect("the guess");

    let approved = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/approve", makoto.id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Application = approved.json().await.expect("the application");
    assert_eq!(approved.status, ApplicationStatus::Approved);
    assert!(approved.user_id.is_some());
    let signed_in = post_session(relay.addr(), "makoto@example.org", "makoto-password").await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "he signs in with the password he applied with"
    );

    let rejected = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/reject", someone.id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let refused = post_session(relay.addr(), "someone@example.org", "someone-password").await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "application-not-approved",
        "told kindly, since he knows the password he applied with"
    );
    let twice = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/approve", someone.id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(error_code(twice, StatusCode::CONFLICT).await, "conflict");
    assert_eq!(sink.count(), 1, "only the matched applicant was mailed");

    // Someone applies with the address HR has for 高橋 美咲; the link goes there, but an admin
    // rejects the application first: the link then says so, kindly, rather than "used".
    apply(
        &relay,
        json!({ "name": "高橋 美咲", "email": "misaki@example.net", "password": "misaki-applies" }),
    )
    .await;
    let (_, text) = sink.mail(2).await;
    let misaki_token = confirmation_token(&text);
    let hers = call(
        &relay,
        Method::GET,
        "/api/admin/applications?status=pending",
        Some(&admin),
        None,
    )
    .await
    .json::<Vec<Application>>()
    .await
    .expect("applications")
    .into_iter()
    .find(|a| a.email == "misaki@example.net")
    .expect("her application waits");
    let rejected = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/reject", hers.id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    for (method, path, body) in [
        (
            Method::GET,
            format!("/api/applications/confirm/{misaki_token}"),
            None,
        ),
        (
            Method::POST,
            "/api/applications/confirm".to_owned(),
            Some(json!({ "token": misaki_token })),
        ),
    ] {
        let answer = call(&relay, method, &path, None, body).await;
        assert_eq!(
            error_code(answer, StatusCode::FORBIDDEN).await,
            "application-not-approved"
        );
    }

    let actions: Vec<String> = audit(&relay, &admin)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["apply", "confirm-application", "approve", "reject"] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn without_mail_an_applicant_hr_knows_waits_and_the_admin_links_the_record() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    apply(
        &relay,
        json!({ "name": "高橋 美咲", "email": "misaki@example.net", "password": "misaki-applies" }),
    )
    .await;
    let pending: Vec<Application> =
        get_json(&relay, "/api/admin/applications?status=pending", &admin).await;
    let hers = &pending[0];
    assert_eq!(hers.hr_match.as_ref().map(|m| m.by), Some(MatchedBy::Email));
    assert!(!hers.awaiting_confirmation, "no mail, no link");
    let approved = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/approve", hers.id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let misaki = members(&relay, &admin, "?q=E1002").await;
    assert_eq!(misaki.len(), 1, "the record is now the member: {misaki:?}");
    assert_eq!(misaki[0].status, MemberStatus::Active);
    assert_eq!(misaki[0].left, "2023-09", "with HR's years");
}

/// The whole answer to a sign-in: status and body, to compare answers byte for byte.
async fn sign_in_answer(relay: &TestRelay, email: &str, password: &str) -> (StatusCode, String) {
    let response = post_session(relay.addr(), email, password).await;
    let status = response.status();
    assert!(session_cookie(&response).is_none(), "{email}: no session");
    (status, response.text().await.expect("a body"))
}

#[tokio::test]
async fn an_applicant_who_signs_in_is_told_how_the_application_stands_and_nobody_else_is() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    apply(
        &relay,
        json!({ "name": "小野 誠", "email": "makoto@example.org", "password": "makoto-password" }),
    )
    .await;

    // With the password he applied with, he learns that it waits for an admin.
    let (status, body) = sign_in_answer(&relay, "Makoto@Example.org", "makoto-password").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let body: serde_json::Value = serde_json::from_str(&body).expect("an ApiError");
    assert_eq!(body["error"], "application-pending");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("email"))
    );

    // Without it, the answer is exactly that of an email nobody applied with: nothing tells
    // whether he applied.
    let unknown = sign_in_answer(&relay, "nobody@example.org", "makoto-password").await;
    assert_eq!(unknown.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in_answer(&relay, "makoto@example.org", "a-wrong-password").await,
        unknown,
        "a wrong password for a pending application's email"
    );
    assert_eq!(
        sign_in_answer(&relay, "makoto@example.org", "").await,
        unknown
    );

    // Rejected, he is told so kindly — still only with his password.
    let pending: Vec<Application> =
        get_json(&relay, "/api/admin/applications?status=pending", &admin).await;
    let rejected = call(
        &relay,
        Method::POST,
        &format!("/api/admin/applications/{}/reject", pending[0].id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(rejected.status(), StatusCode::OK);
    let (status, body) = sign_in_answer(&relay, "makoto@example.org", "makoto-password").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("application-not-approved"), "{body}");
    assert_eq!(
        sign_in_answer(&relay, "makoto@example.org", "a-wrong-password").await,
        unknown
    );

    // He applies again: the new application waits, and is what he is told about.
    apply(
        &relay,
        json!({ "name": "小野 誠", "email": "makoto@example.org", "password": "makoto-again-1" }),
    )
    .await;
    let (_, body) = sign_in_answer(&relay, "makoto@example.org", "makoto-again-1").await;
    assert!(body.contains("application-pending"), "{body}");
    // A member's wrong password, too, reads as every other wrong password.
    assert_eq!(
        sign_in_answer(&relay, ADMIN, "makoto-password").await,
        unknown
    );
}

#[tokio::test]
async fn the_admin_tab_counts_applications_that_wait() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let summary = |cookie: String| {
        let relay = &relay;
        async move {
            call(
                relay,
                Method::GET,
                "/api/admin/summary",
                Some(&cookie),
                None,
            )
            .await
            .json::<tsunagu_core::api::AdminSummary>()
            .await
            .expect("a summary")
        }
    };
    assert_eq!(summary(admin.clone()).await.pending_applications, 0);
    for (name, email) in [
        ("小野 誠", "makoto@example.org"),
        ("誰か", "someone@example.org"),
    ] {
        apply(
            &relay,
            json!({ "name": name, "email": email, "password": "a-long-password" }),
        )
        .await;
    }
    assert_eq!(summary(admin.clone()).await.pending_applications, 2);
    let (ken, _) = sign_in(relay.addr(), "ken@example.com").await;
    let refused = call(&relay, Method::GET, "/api/admin/summary", Some(&ken), None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_members_screen_shows_the_years_profiles_hold_when_hr_has_none() {
    let relay = TestRelay::start().await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    let started = std::time::Instant::now();
    let everyone = members(&relay, &admin, "").await;
    let first = started.elapsed();
    let active: Vec<&Member> = everyone
        .iter()
        .filter(|m| m.status == MemberStatus::Active)
        .collect();
    assert!(active.len() > 50, "the demo company: {}", active.len());
    // The demo's members came with their years in their profiles, not from an HR import.
    assert!(active.iter().all(|m| m.hr_record_id.is_none()));
    let hanako = active
        .iter()
        .find(|m| m.email == "hanako@example.com")
        .expect("山田 花子");
    assert_eq!(
        (hanako.joined.as_str(), hanako.left.as_str()),
        ("2012-04", "2021-03")
    );
    assert_eq!(hanako.reading, "やまだ はなこ");
    let with_years = active.iter().filter(|m| !m.joined.is_empty()).count();
    assert!(
        with_years * 10 >= active.len() * 9,
        "{with_years} of {} show their years",
        active.len()
    );

    // Read again, nothing changed: no document is loaded a second time.
    let started = std::time::Instant::now();
    assert_eq!(members(&relay, &admin, "").await, everyone);
    let again = started.elapsed();
    println!(
        "members list of {}: first {first:?} (every profile read), again {again:?}",
        everyone.len()
    );
}

#[tokio::test]
async fn only_admins_reach_the_admin_calls() {
    let relay = TestRelay::start().await;
    let (alumna, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let user = &me.user_id;
    let calls: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::POST, "/api/admin/import/preview".into(), None),
        (Method::POST, "/api/admin/import".into(), None),
        (Method::DELETE, "/api/admin/hr-records/hr-1".into(), None),
        (
            Method::POST,
            "/api/admin/invitations".into(),
            Some(json!({ "hr_record_ids": [] })),
        ),
        (
            Method::GET,
            "/api/admin/applications?status=pending".into(),
            None,
        ),
        (
            Method::POST,
            "/api/admin/applications/a/approve".into(),
            None,
        ),
        (
            Method::POST,
            "/api/admin/applications/a/reject".into(),
            None,
        ),
        (Method::GET, "/api/admin/members".into(), None),
        (
            Method::PUT,
            format!("/api/admin/members/{user}/roles"),
            Some(json!({ "roles": ["admin"] })),
        ),
        (
            Method::POST,
            format!("/api/admin/members/{user}/suspend"),
            None,
        ),
        (
            Method::POST,
            format!("/api/admin/members/{user}/reactivate"),
            None,
        ),
        (
            Method::GET,
            format!("/api/admin/members/{user}/devices"),
            None,
        ),
        (Method::DELETE, "/api/admin/devices/device-1".into(), None),
        (Method::GET, "/api/admin/audit".into(), None),
        (Method::GET, "/api/admin/audit.csv".into(), None),
    ];
    for (method, path, body) in calls {
        let anonymous = call(&relay, method.clone(), &path, None, body.clone()).await;
        assert_eq!(
            error_code(anonymous, StatusCode::UNAUTHORIZED).await,
            "unauthenticated",
            "{method} {path}"
        );
        let member = call(&relay, method.clone(), &path, Some(&alumna), body).await;
        assert_eq!(
            error_code(member, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{method} {path}"
        );
    }
    // She did not make herself an admin on the way.
    let me: Me = get_json(&relay, "/api/me", &alumna).await;
    assert_eq!(me.roles, vec![Role::Alumni]);
}

#[tokio::test]
async fn what_admins_do_to_members_is_in_the_audit_log_and_its_csv() {
    let relay = TestRelay::start().await;
    let (admin, admin_me) = sign_in(relay.addr(), ADMIN).await;
    let (ken, ken_me) = sign_in(relay.addr(), "ken@example.com").await;
    let ken_id = ken_me.user_id.clone();

    // Roles.
    let set = call(
        &relay,
        Method::PUT,
        &format!("/api/admin/members/{ken_id}/roles"),
        Some(&admin),
        Some(json!({ "roles": ["alumni", "event-staff"] })),
    )
    .await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let staff = members(&relay, &admin, "?role=event-staff").await;
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].email, "ken@example.com");
    let own = call(
        &relay,
        Method::PUT,
        &format!("/api/admin/members/{}/roles", admin_me.user_id),
        Some(&admin),
        Some(json!({ "roles": ["employee"] })),
    )
    .await;
    assert_eq!(error_code(own, StatusCode::CONFLICT).await, "conflict");

    // Devices: an admin sees Ken's device and revokes it; it is cut off at once.
    let mut phone = Device::connect(relay.addr(), &ken, &[ken_me.profile_doc]).await;
    phone
        .pump_until("his profile", |d| {
            common::has_profile_named(d, &ken_me.profile_doc, "佐藤 健")
        })
        .await;
    let devices: Vec<tsunagu_core::api::DeviceInfo> = get_json(
        &relay,
        &format!("/api/admin/members/{ken_id}/devices"),
        &admin,
    )
    .await;
    assert_eq!(devices.len(), 1);
    let revoked = call(
        &relay,
        Method::DELETE,
        &format!("/api/admin/devices/{}", devices[0].id),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert!(
        common::closes(&mut phone.socket).await,
        "the revoked device is cut off"
    );

    // Suspension ends his sessions; reactivation lets him sign in again.
    let suspended = call(
        &relay,
        Method::POST,
        &format!("/api/admin/members/{ken_id}/suspend"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(suspended.status(), StatusCode::NO_CONTENT);
    let me = call(&relay, Method::GET, "/api/me", Some(&ken), None).await;
    assert_eq!(
        error_code(me, StatusCode::UNAUTHORIZED).await,
        "session-expired"
    );
    assert_eq!(members(&relay, &admin, "?status=suspended").await.len(), 1);
    assert_eq!(
        post_session(
            relay.addr(),
            "ken@example.com",
            tsunagu_server::DEMO_PASSWORD
        )
        .await
        .status(),
        StatusCode::UNAUTHORIZED
    );
    let reactivated = call(
        &relay,
        Method::POST,
        &format!("/api/admin/members/{ken_id}/reactivate"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(reactivated.status(), StatusCode::NO_CONTENT);
    sign_in(relay.addr(), "ken@example.com").await;

    // An imported person nobody invited yet can be deleted.
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let ichiro = hr_id(&relay, &admin, "ichiro.suzuki@example.net").await;
    let deleted = call(
        &relay,
        Method::DELETE,
        &format!("/api/admin/hr-records/{ichiro}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let log = audit(&relay, &admin).await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "delete-hr-record",
            "import",
            "reactivate",
            "suspend",
            "revoke-device",
            "roles"
        ],
        "newest first"
    );
    assert!(log.iter().all(|e| e.actor == ADMIN));
    assert_eq!(log[5].detail, "alumni → event-staff, alumni");
    // Paging: the two before the third newest.
    let older: Vec<AuditEntry> = get_json(
        &relay,
        &format!("/api/admin/audit?limit=2&before={}", log[2].id),
        &admin,
    )
    .await;
    assert_eq!(
        older.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["suspend", "revoke-device"]
    );

    // Entries name their subjects: members by name and email, imported people too.
    let roles = &log[5];
    assert_eq!(roles.subject, ken_id);
    assert_eq!(
        (roles.subject_name.as_str(), roles.subject_email.as_str()),
        ("佐藤 健", "ken@example.com")
    );
    assert_eq!(roles.actor_name, "中島 由紀");
    assert_eq!(log[4].action, "revoke-device");
    assert!(
        log[4].subject_name.starts_with("佐藤 健 · ") && log[4].subject_email == "ken@example.com",
        "a device by its member: {:?}",
        log[4]
    );

    // The CSV, in Japanese (the demo organisation's language) unless asked otherwise: times in
    // the organisation's zone with the offset, actions translated, people by name and email.
    let download = |query: &'static str| {
        let (relay, admin) = (&relay, &admin);
        async move {
            let csv = call(
                relay,
                Method::GET,
                &format!("/api/admin/audit.csv{query}"),
                Some(admin),
                None,
            )
            .await;
            assert_eq!(csv.status(), StatusCode::OK);
            assert!(
                csv.headers()["content-type"]
                    .to_str()
                    .is_ok_and(|t| t.starts_with("text/csv"))
            );
            let disposition = csv.headers()["content-disposition"]
                .to_str()
                .expect("an ASCII header")
                .to_owned();
            let bytes = csv.bytes().await.expect("the file");
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM");
            let rows: Vec<Vec<String>> = csv::Reader::from_reader(&bytes[3..])
                .records()
                .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
                .collect();
            let header = csv::Reader::from_reader(&bytes[3..])
                .headers()
                .expect("a header")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            (disposition, header, rows)
        }
    };
    let (disposition, header, rows) = download("").await;
    assert_eq!(header, ["日時", "実行者", "操作", "対象", "詳細", "対象ID"]);
    assert_eq!(rows.len(), 6);
    let roles = &rows[0];
    assert!(
        roles[0].ends_with("+09:00") && roles[0].len() == "2026-11-22 19:00:00+09:00".len(),
        "Tokyo time with its offset: {}",
        roles[0]
    );
    assert_eq!(roles[1], "中島 由紀 <admin@example.com>");
    assert_eq!(roles[2], "権限の変更");
    assert_eq!(roles[3], "佐藤 健 <ken@example.com>");
    assert_eq!(roles[4], "alumni → event-staff, alumni");
    assert_eq!(roles[5], ken_id);
    let deleted = &rows[5];
    assert_eq!(deleted[2], "人事データの削除");
    assert_eq!(deleted[4], "ichiro.suzuki@example.net");
    assert!(
        disposition.starts_with("attachment; filename=\"tsunagu-audit-log-20")
            && disposition.contains("filename*=UTF-8''%E7%9B%A3%E6%9F%BB%E3%83%AD%E3%82%B0_20"),
        "{disposition}"
    );

    let (disposition, header, rows) = download("?lang=en").await;
    assert_eq!(
        header,
        ["When", "Who", "Action", "Subject", "Detail", "Subject id"]
    );
    assert_eq!(rows[0][2], "Roles changed");
    assert_eq!(rows[2][2], "Suspended");
    assert!(
        disposition.contains("filename*=UTF-8''audit-log_20"),
        "{disposition}"
    );
    let refused = call(
        &relay,
        Method::GET,
        "/api/admin/audit.csv?lang=fr",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
}

#[tokio::test]
async fn when_the_mail_server_cannot_be_reached_the_admin_gets_the_link_instead() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let relay = TestRelay::start_configured(|config| {
        config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    let (admin, _) = sign_in(relay.addr(), ADMIN).await;
    import(&relay, &admin, HR_EXPORT.as_bytes().to_vec()).await;
    let ichiro = hr_id(&relay, &admin, "ichiro.suzuki@example.net").await;
    let sent = invite(&relay, &admin, &[ichiro]).await;
    assert!(!sent[0].sent);
    assert!(sent[0].mail_error.is_some());
    let token = token_of(sent[0].link.as_deref().expect("the link to share instead"));
    let shown = call(
        &relay,
        Method::GET,
        &format!("/api/invitations/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(shown.status(), StatusCode::OK, "the link works");
}
