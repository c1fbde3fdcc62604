//! Company news on the relay (issue 13): a post reaches exactly the members in its segment once
//! it is out — and what a hostile member tries: starting a post, writing one, reading a draft, a
//! post outside their segment or one taken back, counting a segment.

mod common;

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use common::conversations::{T0, three};
use common::events::device_with;
use common::{Device, TestRelay, call, error_code, get_json, profile_part, unavailable_to};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tsunagu_core::api::{
    Applicant, AuditEntry, NewsRef, PostStats, SegmentReach, Talent, TalentPool, TalentQuery,
};
use tsunagu_core::event::DocError;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{JobApplication, JobApplications, Referral, Refusal, Stage};
use tsunagu_core::news::{NewsPost, PostStatus, Responses, Segment};
use tsunagu_core::profile::{Profile, Visibility};
use tsunagu_core::vocab::Audience;

/// "Left 2018–2022, open to rehire": Hanako (left 2021, open to rehire) is in it; Ken (left
/// 2019, open to collaboration and speaking) is not.
fn left_2018_to_2022_open_to_rehire() -> Segment {
    Segment {
        left_from: 2018,
        left_to: 2022,
        interests: vec!["rehire".into()],
        ..Segment::default()
    }
}

async fn start_post(
    relay: &TestRelay,
    cookie: &str,
    title: &str,
    segment: &Segment,
) -> reqwest::Response {
    let body = json!({ "title": title, "segment": segment });
    call(relay, Method::POST, "/api/news", Some(cookie), Some(body)).await
}

async fn reach(relay: &TestRelay, cookie: &str, segment: &Segment) -> reqwest::Response {
    let body = serde_json::to_value(segment).expect("a segment as JSON");
    call(
        relay,
        Method::POST,
        "/api/news/segment",
        Some(cookie),
        Some(body),
    )
    .await
}

/// How many members `segment` reaches, as the admin with `cookie` is told.
async fn reached(relay: &TestRelay, cookie: &str, segment: &Segment) -> usize {
    let response = reach(relay, cookie, segment).await;
    assert_eq!(response.status(), StatusCode::OK);
    response
        .json::<SegmentReach>()
        .await
        .expect("a count")
        .members
}

/// The posts the member with `cookie` may read, as `GET /api/news` lists them — and `GET /api/me`
/// too, which the app keeps (and lets go of whatever it no longer lists).
async fn news(relay: &TestRelay, cookie: &str) -> Vec<DocumentId> {
    let listed: Vec<NewsRef> = get_json(relay, "/api/news", cookie).await;
    assert_eq!(common::events::me(relay, cookie).await.news, listed);
    listed.into_iter().map(|r| r.post).collect()
}

fn post(device: &Device, doc: &DocumentId) -> Option<NewsPost> {
    device
        .engine
        .doc(doc)
        .filter(|d| !d.get_heads().is_empty())
        .map(|d| NewsPost::read(d).expect("a post"))
}

/// The admin's device edits the post as the app's editor does (only what differs is written).
async fn edit_post(admin: &mut Device, doc: DocumentId, edit: impl FnOnce(&mut NewsPost)) {
    let mut post = post(admin, &doc).expect("the admin holds the post");
    edit(&mut post);
    admin
        .change(doc, move |tx| post.write_to(tx).map_err(|e| e.to_string()))
        .await;
}

#[tokio::test]
async fn a_post_reaches_its_segment_once_out_and_no_one_else() {
    let (relay, hanako, ken, yuki) = three().await;
    let segment = left_2018_to_2022_open_to_rehire();

    // Only admins start posts and count segments.
    let by_hanako = start_post(&relay, &hanako.0, "私の告知", &Segment::default()).await;
    assert_eq!(
        error_code(by_hanako, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let counted = reach(&relay, &hanako.0, &segment).await;
    assert_eq!(
        error_code(counted, StatusCode::FORBIDDEN).await,
        "forbidden"
    );

    // The live count: the segment is smaller than the network, and holds Hanako.
    let everyone = reached(&relay, &yuki.0, &Segment::default()).await;
    let aimed = reached(&relay, &yuki.0, &segment).await;
    assert!(aimed >= 1 && aimed < everyone, "{aimed} of {everyone}");
    let nobody = Segment {
        left_from: 1950,
        left_to: 1951,
        ..Segment::default()
    };
    assert_eq!(reached(&relay, &yuki.0, &nobody).await, 0);

    let started = start_post(&relay, &yuki.0, "アルムナイ採用を始めます", &segment).await;
    assert_eq!(started.status(), StatusCode::OK);
    let doc = started.json::<NewsRef>().await.expect("a post").post;
    let audit: Vec<AuditEntry> = get_json(&relay, "/api/admin/audit", &yuki.0).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "create-post" && e.detail == "アルムナイ採用を始めます"),
        "{audit:?}"
    );

    // A draft is the admins' alone.
    assert!(unavailable_to(&relay, &hanako.0, doc).await);
    assert!(news(&relay, &hanako.0).await.is_empty());
    assert_eq!(news(&relay, &yuki.0).await, [doc]);

    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    edit_post(&mut admins, doc, |p| {
        p.body = "出戻り歓迎です。詳しくは人事部まで。".into();
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;

    // Out: Hanako, in the segment, lists it and syncs it; Ken does neither.
    assert_eq!(news(&relay, &hanako.0).await, [doc]);
    let mut hers = device_with(&relay, &hanako.0, &[doc]).await;
    assert_eq!(
        post(&hers, &doc).map(|p| p.title),
        Some("アルムナイ採用を始めます".into())
    );
    assert!(news(&relay, &ken.0).await.is_empty());
    assert!(unavailable_to(&relay, &ken.0, doc).await);

    // Hanako cannot write it: not the text, not the segment to let others in.
    hers.change(doc, |tx| {
        let mut p = NewsPost::read(tx).map_err(|e| e.to_string())?;
        p.segment = Segment::default();
        p.title = "書き換え".into();
        p.write_to(tx).map_err(|e| e.to_string())
    })
    .await;
    hers.wait_rejected(doc).await;
    assert!(unavailable_to(&relay, &ken.0, doc).await);
    let as_admin = common::events::relay_copy(&relay, &yuki.0, doc).await;
    assert_eq!(
        NewsPost::read(&as_admin).expect("a post").title,
        "アルムナイ採用を始めます"
    );

    // Taken back, it leaves the members again.
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Unpublished.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert!(news(&relay, &hanako.0).await.is_empty());
    assert!(unavailable_to(&relay, &hanako.0, doc).await);
}

#[tokio::test]
async fn a_scheduled_post_is_read_from_its_time_and_a_wider_segment_lets_others_in() {
    let (relay, hanako, ken, yuki) = three().await;
    let started = start_post(
        &relay,
        &yuki.0,
        "来月のお知らせ",
        &left_2018_to_2022_open_to_rehire(),
    )
    .await;
    let doc = started.json::<NewsRef>().await.expect("a post").post;
    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
        p.publish_at = common::now() + 3600;
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert!(unavailable_to(&relay, &hanako.0, doc).await, "not yet");
    assert!(news(&relay, &hanako.0).await.is_empty());

    edit_post(&mut admins, doc, |p| {
        p.publish_at = common::now() - 60;
        p.segment = Segment::default();
        p.pinned = true;
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    for cookie in [&hanako.0, &ken.0] {
        let listed: Vec<NewsRef> = get_json(&relay, "/api/news", cookie).await;
        assert_eq!(listed.len(), 1);
        assert!(listed[0].pinned && listed[0].out_at > 0);
        assert!(!unavailable_to(&relay, cookie, doc).await);
    }
}

#[tokio::test]
async fn the_count_and_the_audience_follow_a_profile_that_changes() {
    let (relay, hanako, _, yuki) = three().await;
    let segment = left_2018_to_2022_open_to_rehire();
    let before = reached(&relay, &yuki.0, &segment).await;
    assert_eq!(
        reached(&relay, &yuki.0, &segment).await,
        before,
        "counted again alike"
    );
    let started = start_post(&relay, &yuki.0, "出戻り採用説明会", &segment).await;
    let doc = started.json::<NewsRef>().await.expect("a post").post;
    let her_profile = hanako.1.profile_doc;
    let mut admins = device_with(&relay, &yuki.0, &[doc, her_profile]).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert_eq!(news(&relay, &hanako.0).await, [doc]);

    // HR corrects her years: she left in 2010, so the segment no longer holds her.
    admins
        .edit(her_profile, |p| p.left = "2010-03".into())
        .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert_eq!(reached(&relay, &yuki.0, &segment).await, before - 1);
    assert!(news(&relay, &hanako.0).await.is_empty());
    assert!(unavailable_to(&relay, &hanako.0, doc).await);
}

#[tokio::test]
async fn bad_posts_and_segments_are_refused_with_a_reason() {
    let (relay, _, _, yuki) = three().await;
    let backwards = Segment {
        left_from: 2022,
        left_to: 2018,
        ..Segment::default()
    };
    let refused = start_post(&relay, &yuki.0, "逆順", &backwards).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let unknown = Segment {
        interests: vec!["gossip".into()],
        ..Segment::default()
    };
    let refused = reach(&relay, &yuki.0, &unknown).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let long = "長".repeat(201);
    let refused = start_post(&relay, &yuki.0, &long, &Segment::default()).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let malformed = call(
        &relay,
        Method::POST,
        "/api/news",
        Some(&yuki.0),
        Some(json!({ "segment": "everyone" })),
    )
    .await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(
        news(&relay, &yuki.0).await.is_empty(),
        "nothing was started"
    );
}

/// What `device` holds of the responses `doc`.
fn responses(device: &Device, doc: &DocumentId) -> Responses {
    device
        .engine
        .doc(doc)
        .map(|d| Responses::read(d).expect("responses"))
        .unwrap_or_default()
}

/// A hostile write into a post's responses.
type Write = Box<dyn FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), DocError>>;

/// One change to `doc` on `device` made by `write`, as the app makes it.
async fn respond(
    device: &mut Device,
    doc: DocumentId,
    write: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), DocError> + 'static,
) {
    device
        .change(doc, move |tx| write(tx).map_err(|e| e.to_string()))
        .await;
}

#[tokio::test]
async fn readers_like_and_comment_only_as_themselves_and_only_while_they_read_the_post() {
    let (relay, hanako, ken, yuki) = three().await;
    let started = start_post(
        &relay,
        &yuki.0,
        "ホームカミングデーのお知らせ",
        &left_2018_to_2022_open_to_rehire(),
    )
    .await;
    let created = started.json::<NewsRef>().await.expect("a post");
    let (doc, answers) = (created.post, created.responses.expect("its responses"));
    let mut admins = device_with(&relay, &yuki.0, &[doc, answers]).await;
    // Not out yet: the responses are no reader's either.
    assert!(unavailable_to(&relay, &hanako.0, answers).await);
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    let listed: Vec<NewsRef> = get_json(&relay, "/api/news", &hanako.0).await;
    assert_eq!(listed[0].responses, Some(answers), "listed with the post");
    assert!(
        unavailable_to(&relay, &ken.0, answers).await,
        "outside the segment"
    );

    // Hanako likes it and comments, as herself.
    let mut hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        Responses::like(tx, &me, Some(T0))?;
        Responses::comment(tx, &me, "c1", "参加します！", T0).map(drop)
    })
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    let admin_id = yuki.1.user_id.clone();
    respond(&mut admins, answers, move |tx| {
        Responses::comment(tx, &admin_id, "a1", "お待ちしています", T0 + 1).map(drop)
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    hers.pump_until("the admin's comment", move |d| {
        d.engine
            .doc(&answers)
            .is_some_and(|d| Responses::read(d).is_ok_and(|r| r.comments.len() == 2))
    })
    .await;

    // Under someone else's id, or into someone else's comment, or hiding one: refused, and
    // nothing of it kept.
    let forged: [(&str, Write); 4] = [
        ("a like as Ken", {
            let ken = ken.1.user_id.clone();
            Box::new(move |tx| Responses::like(tx, &ken, Some(T0)).map(drop))
        }),
        ("a comment as the admin", {
            let admin = yuki.1.user_id.clone();
            Box::new(move |tx| Responses::comment(tx, &admin, "f1", "偽物", T0).map(drop))
        }),
        ("an edit of the admin's comment", {
            let key = format!("{}:a1", yuki.1.user_id);
            Box::new(move |tx| {
                let comments = tx.get(automerge::ROOT, "comments")?.expect("comments").1;
                let entry = tx.get(&comments, key.as_str())?.expect("the comment").1;
                tx.put(&entry, "text", "改ざん").map_err(DocError::from)
            })
        }),
        ("hiding a comment", {
            let key = format!("{}:a1", yuki.1.user_id);
            Box::new(move |tx| Responses::hide(tx, &key, "me", true).map(drop))
        }),
    ];
    for (what, write) in forged {
        respond(&mut hers, answers, write).await;
        hers.wait_rejected(answers).await;
        let kept = common::events::relay_copy(&relay, &yuki.0, answers).await;
        let kept = Responses::read(&kept).expect("responses");
        assert_eq!(kept.likes.len(), 1, "{what}");
        assert_eq!(kept.comments.len(), 2, "{what}");
        assert_eq!(kept.comments[1].text, "お待ちしています", "{what}");
        assert!(kept.comments.iter().all(|c| !c.hidden), "{what}");
        hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    }

    // The admin hides her comment for everyone.
    let key = format!("{}:c1", hanako.1.user_id);
    let admin_id = yuki.1.user_id.clone();
    respond(&mut admins, answers, move |tx| {
        Responses::hide(tx, &key, &admin_id, true).map(drop)
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    hers.pump_until("her comment hidden", move |d| {
        d.engine
            .doc(&answers)
            .is_some_and(|d| Responses::read(d).is_ok_and(|r| r.comments.iter().any(|c| c.hidden)))
    })
    .await;
    assert_eq!(responses(&hers, &answers).shown().count(), 1);

    // Taken back, the post's responses leave its readers with it.
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Unpublished.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert!(unavailable_to(&relay, &hanako.0, answers).await);

    // Her account deleted, her いいね and comments leave the post.
    common::delete_account(&relay, &hanako.0).await;
    admins
        .pump_until("her responses taken back", move |d| {
            d.engine.doc(&answers).is_some_and(|d| {
                Responses::read(d).is_ok_and(|r| r.likes.is_empty() && r.comments.len() == 1)
            })
        })
        .await;
}

#[tokio::test]
async fn admins_see_how_many_a_post_reached_and_opened_and_only_readers_count() {
    let (relay, hanako, ken, yuki) = three().await;
    let segment = left_2018_to_2022_open_to_rehire();
    let started = start_post(&relay, &yuki.0, "社内報 12月号", &segment).await;
    let created = started.json::<NewsRef>().await.expect("a post");
    let (doc, answers) = (created.post, created.responses.expect("its responses"));
    let stats_path = format!("/api/news/{doc}/stats");
    let stats = |cookie: String| {
        let relay = &relay;
        let path = stats_path.clone();
        async move { call(relay, Method::GET, &path, Some(&cookie), None).await }
    };
    let opened = |cookie: String, posts: Vec<DocumentId>| {
        let relay = &relay;
        async move {
            let body = json!({ "posts": posts });
            call(
                relay,
                Method::POST,
                "/api/news/opened",
                Some(&cookie),
                Some(body),
            )
            .await
        }
    };
    let draft: PostStats = stats(yuki.0.clone()).await.json().await.expect("stats");
    assert_eq!(
        draft,
        PostStats {
            reached: 0,
            opened: 0,
            likes: 0,
            comments: 0,
            mailed: 0,
            undelivered: 0
        }
    );

    let mut admins = device_with(&relay, &yuki.0, &[doc, answers]).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;

    // Hanako opened it (twice: counted once); Ken cannot count a post he may not read.
    for _ in 0..2 {
        let said = opened(hanako.0.clone(), vec![doc]).await;
        assert_eq!(said.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(
        opened(ken.0.clone(), vec![doc]).await.status(),
        StatusCode::NO_CONTENT
    );
    // Nor the admin who looks after it: they are not its audience.
    assert_eq!(
        opened(yuki.0.clone(), vec![doc]).await.status(),
        StatusCode::NO_CONTENT
    );
    let mut hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        Responses::like(tx, &me, Some(T0))?;
        Responses::comment(tx, &me, "c1", "楽しみです", T0).map(drop)
    })
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;

    let now: PostStats = stats(yuki.0.clone()).await.json().await.expect("stats");
    let aimed = reached(&relay, &yuki.0, &segment).await;
    assert_eq!(
        now,
        PostStats {
            reached: aimed,
            opened: 1,
            likes: 1,
            comments: 1,
            mailed: 0,
            undelivered: 0
        }
    );

    // Only admins see them; a flood of reports is refused whole.
    let by_hanako = stats(hanako.0.clone()).await;
    assert_eq!(
        error_code(by_hanako, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let flood = vec![doc; 501];
    let flooded = opened(hanako.0.clone(), flood).await;
    assert_eq!(
        error_code(flooded, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
}

/// The mail in `mails` sent to `email`, if any.
fn mail_to<'a>(mails: &'a [(String, String)], email: &str) -> Option<&'a (String, String)> {
    mails.iter().find(|(raw, _)| {
        raw.lines()
            .any(|l| l.starts_with("To:") && l.contains(email))
    })
}

/// The unsubscribe link in a newsletter's text.
fn unsubscribe_link(text: &str) -> String {
    text.lines()
        .find(|l| l.contains("/api/newsletter/unsubscribe/"))
        .expect("an unsubscribe link")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_newsletter_mails_its_segment_once_and_its_link_unsubscribes_without_signing_in() {
    // Ken's mail server refuses his mail for good (his mailbox is gone).
    let sink = common::SmtpSink::refusing(&["ken@example.com"]);
    let smtp_url = sink.url();
    let relay = TestRelay::start_configured(|c| {
        c.smtp_url = Some(smtp_url);
        c.reminders_every = std::time::Duration::from_millis(200);
    })
    .await;
    let (hanako, ken, yuki) = common::conversations::signed_in(&relay).await;
    let segment = left_2018_to_2022_open_to_rehire();
    let aimed = reached(&relay, &yuki.0, &segment).await;
    let started = start_post(&relay, &yuki.0, "アルムナイ採用 説明会", &segment).await;
    let refs = started.json::<NewsRef>().await.expect("a post");
    let mut admins = device_with(&relay, &yuki.0, &[refs.post]).await;
    edit_post(&mut admins, refs.post, |p| {
        p.body = "**12月**に説明会を開きます。".into();
        p.newsletter = true;
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    // A draft is never mailed.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sink.count(), 0, "a draft went out");

    edit_post(&mut admins, refs.post, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    let mails = sink.mails(aimed).await;
    let (raw, text) = mail_to(&mails, "hanako@example.com").expect("Hanako's mail");
    assert!(
        mail_to(&mails, "ken@example.com").is_none(),
        "Ken is not in the segment"
    );
    assert!(text.contains("アルムナイ採用 説明会") && text.contains("**12月**に説明会"));
    assert!(
        text.contains("Read, like and comment in the app"),
        "English too: {text}"
    );
    assert!(text.contains(&relay.url(&format!("/news/{}", refs.post))));
    let link = unsubscribe_link(text);
    assert!(
        raw.contains(&format!("List-Unsubscribe: <{link}>")),
        "{raw}"
    );
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    // Once: later rounds send nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sink.count(), aimed);
    let stats: PostStats =
        get_json(&relay, &format!("/api/news/{}/stats", refs.post), &yuki.0).await;
    assert_eq!((stats.mailed, stats.undelivered), (aimed, 0));

    // The link works without signing in: opening it changes nothing (a link checker follows
    // links), its button unsubscribes.
    let choice = |cookie: String| {
        let relay = &relay;
        async move {
            let said: tsunagu_core::api::NewsletterChoice =
                get_json(relay, "/api/newsletter", &cookie).await;
            assert!(said.mail_server, "this relay mails");
            said.receive
        }
    };
    let anonymous = reqwest::Client::new();
    let page = anonymous.get(&link).send().await.expect("the page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("data-state=\"unsubscribe\"")
    );
    assert!(
        choice(hanako.0.clone()).await,
        "opening the link unsubscribed"
    );
    let done = anonymous.post(&link).send().await.expect("unsubscribed");
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        done.text()
            .await
            .expect("html")
            .contains("data-state=\"unsubscribed\"")
    );
    assert!(!choice(hanako.0.clone()).await);
    let forged = format!("{link}x");
    let unknown = anonymous.post(&forged).send().await.expect("an answer");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Members choose in the app too.
    for receive in [false, true] {
        let body = json!({ "receive": receive });
        let put = call(
            &relay,
            Method::PUT,
            "/api/newsletter",
            Some(&ken.0),
            Some(body),
        )
        .await;
        assert_eq!(put.status(), StatusCode::OK);
        assert_eq!(choice(ken.0.clone()).await, receive);
    }

    // A post for everyone: Hanako (unsubscribed) gets none; Ken's refused mail is counted and
    // holds up no one else's.
    let everyone = reached(&relay, &yuki.0, &Segment::default()).await;
    let started = start_post(&relay, &yuki.0, "年末のご挨拶", &Segment::default()).await;
    let second = started.json::<NewsRef>().await.expect("a post").post;
    let mut admins = device_with(&relay, &yuki.0, &[second]).await;
    edit_post(&mut admins, second, |p| {
        p.newsletter = true;
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    let all = sink.mails(aimed + everyone - 2).await;
    let later = &all[aimed..];
    assert!(
        mail_to(later, "hanako@example.com").is_none(),
        "unsubscribed"
    );
    assert!(mail_to(later, "ken@example.com").is_none(), "refused");
    let path = format!("/api/news/{second}/stats");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let stats: PostStats = get_json(&relay, &path, &yuki.0).await;
        if stats.mailed + stats.undelivered == everyone - 1 {
            assert_eq!((stats.mailed, stats.undelivered), (everyone - 2, 1));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{stats:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Admins' own newsletter choices are theirs; the stats stay admins'.
    let by_ken = call(&relay, Method::GET, &path, Some(&ken.0), None).await;
    assert_eq!(error_code(by_ken, StatusCode::FORBIDDEN).await, "forbidden");
}

/// `GET /api/news/<doc>/stats`, as the member with `cookie` asks it.
async fn stats_of(relay: &TestRelay, cookie: &str, doc: DocumentId) -> reqwest::Response {
    let path = format!("/api/news/{doc}/stats");
    call(relay, Method::GET, &path, Some(cookie), None).await
}

/// The admin with `admin` gives the member `user` exactly `roles`.
async fn give_roles(relay: &TestRelay, admin: &str, user: &str, roles: &[&str]) {
    let path = format!("/api/admin/members/{user}/roles");
    let body = json!({ "roles": roles });
    let given = call(relay, Method::PUT, &path, Some(admin), Some(body)).await;
    assert!(given.status().is_success(), "{}", given.status());
}

#[tokio::test]
async fn an_editor_writes_news_as_admins_do_and_nothing_else_and_not_once_the_role_goes() {
    let (relay, hanako, ken, yuki) = three().await;
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "editor"]).await;

    // Ken, now an editor, starts a post, counts its segment, and sees every post, drafts too.
    let segment = left_2018_to_2022_open_to_rehire();
    assert!(reached(&relay, &ken.0, &segment).await >= 1);
    let started = start_post(&relay, &ken.0, "社内報 12月号", &segment).await;
    assert_eq!(started.status(), StatusCode::OK);
    let refs = started.json::<NewsRef>().await.expect("a post");
    let (doc, answers) = (refs.post, refs.responses.expect("its responses"));
    assert!(
        news(&relay, &ken.0).await.contains(&doc),
        "an editor lists drafts"
    );
    let mut his = device_with(&relay, &ken.0, &[doc, answers]).await;
    edit_post(&mut his, doc, |p| {
        p.body = "今月の社内報です。".into();
        p.status = PostStatus::Published.key().into();
    })
    .await;
    his.wait_acknowledged(&ken.1.relay_storage).await;
    assert!(
        news(&relay, &hanako.0).await.contains(&doc),
        "out to its segment"
    );

    // Hanako comments; Ken hides the comment, as admins do, and sees the post's figures.
    let mut hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        Responses::comment(tx, &me, "c1", "読みました", T0).map(drop)
    })
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    his.pump_until("her comment", |d| {
        responses(d, &answers).comments.len() == 1
    })
    .await;
    let key = responses(&his, &answers).comments[0].key.clone();
    let editor = ken.1.user_id.clone();
    respond(&mut his, answers, move |tx| {
        Responses::hide(tx, &key, &editor, true).map(drop)
    })
    .await;
    his.wait_acknowledged(&ken.1.relay_storage).await;
    let stats = stats_of(&relay, &ken.0, doc).await;
    assert_eq!(stats.status(), StatusCode::OK);
    assert_eq!(stats.json::<PostStats>().await.expect("stats").comments, 0);

    // Nothing of the admins' else (the grant table's tests go through every document kind).
    for path in ["/api/admin/members", "/api/admin/audit"] {
        let refused = call(&relay, Method::GET, path, Some(&ken.0), None).await;
        assert_eq!(
            error_code(refused, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{path}"
        );
    }

    // The role taken back, so is all of it: a new post, the count, drafts, writing the post.
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni"]).await;
    let refused = start_post(&relay, &ken.0, "もう一本", &Segment::default()).await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let counted = reach(&relay, &ken.0, &segment).await;
    assert_eq!(
        error_code(counted, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Draft.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert!(
        unavailable_to(&relay, &ken.0, doc).await,
        "a draft again, not his to read"
    );
    assert!(news(&relay, &ken.0).await.is_empty());
}

/// How many "news changed" messages `phone` received on the organisation's document.
fn told(phone: &Device, org: &DocumentId) -> usize {
    phone
        .received
        .iter()
        .filter(|m| {
            matches!(m, tsunagu_core::wire::Message::Ephemeral { doc, data, .. }
                if doc == org && tsunagu_core::news::is_news_changed(data))
        })
        .count()
}

#[tokio::test]
async fn open_apps_are_told_when_a_post_comes_out_and_not_of_drafts() {
    let relay = TestRelay::start_configured(|c| {
        c.reminders_every = std::time::Duration::from_millis(200);
    })
    .await;
    let (hanako, ken, yuki) = common::conversations::signed_in(&relay).await;
    let org = hanako
        .1
        .organisation_doc
        .expect("the organisation's document");
    // Ken's app is open: it syncs the organisation's document.
    let mut his = device_with(&relay, &ken.0, &[org]).await;

    // A post aimed elsewhere, saved as a draft and then published: told once, when it is out
    // (the message names no post: Ken's app asks, and is given nothing).
    let started = start_post(
        &relay,
        &yuki.0,
        "下書き",
        &left_2018_to_2022_open_to_rehire(),
    )
    .await;
    let doc = started.json::<NewsRef>().await.expect("a post").post;
    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    edit_post(&mut admins, doc, |p| p.body = "まだ書きかけ".into()).await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    his.pump_until("told of the post", |d| told(d, &org) == 1)
        .await;
    assert!(news(&relay, &ken.0).await.is_empty(), "not his to read");
    // An edit of a post already out tells no one: its readers sync it.
    edit_post(&mut admins, doc, |p| p.body = "説明会は12月です".into()).await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    // Aimed wider while out: told again, and now it is his.
    edit_post(&mut admins, doc, |p| p.segment = Segment::default()).await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    his.pump_until("told again", |d| told(d, &org) == 2).await;
    assert_eq!(news(&relay, &ken.0).await, [doc]);

    // A post scheduled for a moment later is told of when its time comes.
    let started = start_post(&relay, &yuki.0, "予約投稿", &Segment::default()).await;
    let later = started.json::<NewsRef>().await.expect("a post").post;
    let mut admins = device_with(&relay, &yuki.0, &[later]).await;
    edit_post(&mut admins, later, |p| {
        p.status = PostStatus::Published.key().into();
        p.publish_at = common::now() + 2;
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    his.pump_until("told at its time", |d| told(d, &org) == 3)
        .await;
    assert!(news(&relay, &hanako.0).await.contains(&later));
}

#[tokio::test]
async fn one_member_cannot_fill_a_posts_responses_with_comments() {
    use tsunagu_core::news::MAX_COMMENTS_PER_MEMBER;
    let (relay, hanako, ken, yuki) = three().await;
    let started = start_post(&relay, &yuki.0, "ご意見募集", &Segment::default()).await;
    let refs = started.json::<NewsRef>().await.expect("a post");
    let (doc, answers) = (refs.post, refs.responses.expect("its responses"));
    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;

    // As many comments as one member may have, in one go: taken.
    let mut hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        for n in 0..MAX_COMMENTS_PER_MEMBER {
            Responses::comment(tx, &me, &format!("c{n}"), "宣伝です", T0)?;
        }
        Ok(())
    })
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    // One more: refused, and not kept.
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        Responses::comment(tx, &me, "over", "まだ宣伝", T0).map(drop)
    })
    .await;
    let why = hers.wait_rejected(answers).await;
    assert!(why.contains("at most 100 comments on this post"), "{why}");
    let kept = common::events::relay_copy(&relay, &yuki.0, answers).await;
    assert_eq!(
        Responses::comments_by(&kept, &hanako.1.user_id),
        MAX_COMMENTS_PER_MEMBER
    );

    // Others still comment; and she does again once she deleted one of hers.
    let mut his = device_with(&relay, &ken.0, &[doc, answers]).await;
    let him = ken.1.user_id.clone();
    respond(&mut his, answers, move |tx| {
        Responses::comment(tx, &him, "k1", "参加します", T0).map(drop)
    })
    .await;
    his.wait_acknowledged(&ken.1.relay_storage).await;
    let mut hers = device_with(&relay, &hanako.0, &[doc, answers]).await;
    let me = hanako.1.user_id.clone();
    respond(&mut hers, answers, move |tx| {
        Responses::delete_comment(tx, &me, &format!("{me}:c0"))?;
        Responses::comment(tx, &me, "again", "訂正します", T0).map(drop)
    })
    .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    let kept = common::events::relay_copy(&relay, &yuki.0, answers).await;
    let said = Responses::read(&kept).expect("responses");
    assert_eq!(said.comments.len(), MAX_COMMENTS_PER_MEMBER + 1);
    assert!(said.comments.iter().any(|c| c.text == "訂正します"));
}

#[tokio::test]
async fn a_posts_photos_reach_its_readers_only_and_only_those_its_writers_uploaded() {
    use common::conversations::{jpeg, upload};
    let (relay, hanako, ken, yuki) = three().await;
    let get = |cookie: String, id: String| {
        let relay = &relay;
        async move {
            call(
                relay,
                Method::GET,
                &format!("/api/photos/{id}"),
                Some(&cookie),
                None,
            )
            .await
            .status()
        }
    };
    // The admin's photo of the venue; one Ken uploaded (for a message, say).
    let venue = jpeg("説明会の会場");
    let venue_id = tsunagu_core::photo::id_of(&venue);
    assert!(
        upload(&relay, &yuki.0, &venue_id, venue)
            .await
            .status()
            .is_success()
    );
    let kens = jpeg("ケンの写真");
    let kens_id = tsunagu_core::photo::id_of(&kens);
    assert!(
        upload(&relay, &ken.0, &kens_id, kens)
            .await
            .status()
            .is_success()
    );

    let started = start_post(
        &relay,
        &yuki.0,
        "説明会の会場",
        &left_2018_to_2022_open_to_rehire(),
    )
    .await;
    let doc = started.json::<NewsRef>().await.expect("a post").post;
    let mut admins = device_with(&relay, &yuki.0, &[doc]).await;
    let (v, k) = (venue_id.clone(), kens_id.clone());
    edit_post(&mut admins, doc, move |p| {
        p.body = format!("会場はこちら。\n\n![会場](photo:{v})\n\n![ケン](photo:{k})");
        p.status = PostStatus::Published.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;

    // Hanako reads the post, so its photo; Ken does not read it, so not the venue.
    assert_eq!(
        get(hanako.0.clone(), venue_id.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        get(ken.0.clone(), venue_id.clone()).await,
        StatusCode::NOT_FOUND
    );
    // A photo the post names that no news writer uploaded is not given away by it.
    assert_eq!(
        get(hanako.0.clone(), kens_id.clone()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(ken.0.clone(), kens_id).await, StatusCode::OK, "his own");

    // Taken back, the post's photo goes with it.
    edit_post(&mut admins, doc, |p| {
        p.status = PostStatus::Unpublished.key().into();
    })
    .await;
    admins.wait_acknowledged(&yuki.1.relay_storage).await;
    assert_eq!(get(hanako.0.clone(), venue_id).await, StatusCode::NOT_FOUND);
}

async fn start_job(relay: &TestRelay, cookie: &str, body: serde_json::Value) -> reqwest::Response {
    call(relay, Method::POST, "/api/jobs", Some(cookie), Some(body)).await
}

/// A gig for "left 2018–2022, open to rehire".
fn gig() -> serde_json::Value {
    json!({
        "title": "営業企画の業務委託",
        "segment": left_2018_to_2022_open_to_rehire(),
        "opening": {
            "kind": "gig", "department": "営業企画部", "location": "東京本社", "remote": true,
            "duration": "3か月", "rate": "月額40万円", "closes_at": 0
        }
    })
}

#[tokio::test]
async fn a_recruiter_posts_a_job_opening_that_reaches_its_segment_and_only_its_writers_write_it() {
    let (relay, hanako, ken, yuki) = three().await;

    // Alumni post no openings; a recruiter does, and no news.
    let by_hanako = start_job(&relay, &hanako.0, gig()).await;
    assert_eq!(
        error_code(by_hanako, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;
    let news_by_ken = start_post(&relay, &ken.0, "社内報", &Segment::default()).await;
    assert_eq!(
        error_code(news_by_ken, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let mut unknown = gig();
    unknown["opening"]["kind"] = json!("volunteer");
    let refused = start_job(&relay, &ken.0, unknown).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let mut long = gig();
    long["opening"]["rate"] = json!("円".repeat(201));
    let refused = start_job(&relay, &ken.0, long).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let mut missing = gig();
    missing
        .as_object_mut()
        .expect("an object")
        .remove("opening");
    let refused = start_job(&relay, &ken.0, missing).await;
    assert_eq!(
        error_code(refused, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );

    let started = start_job(&relay, &ken.0, gig()).await;
    assert_eq!(started.status(), StatusCode::OK);
    let job = started.json::<NewsRef>().await.expect("an opening");
    assert!(job.job);
    assert_eq!(
        job.responses, None,
        "openings gather applications, not comments"
    );
    let doc = job.post;
    assert!(reached(&relay, &ken.0, &left_2018_to_2022_open_to_rehire()).await >= 1);
    assert!(
        news(&relay, &ken.0).await.contains(&doc),
        "its writers list drafts"
    );
    assert!(
        unavailable_to(&relay, &hanako.0, doc).await,
        "a draft is its writers' alone"
    );

    let mut his = device_with(&relay, &ken.0, &[doc]).await;
    edit_post(&mut his, doc, |p| {
        p.body = "新サービスの営業企画を3か月お手伝いいただける方を募集します。".into();
        p.status = PostStatus::Published.key().into();
    })
    .await;
    his.wait_acknowledged(&ken.1.relay_storage).await;

    // Out: Hanako, in the segment, lists and syncs it with its particulars.
    let listed: Vec<NewsRef> = get_json(&relay, "/api/news", &hanako.0).await;
    assert_eq!(
        listed.iter().map(|r| (r.post, r.job)).collect::<Vec<_>>(),
        [(doc, true)]
    );
    let mut hers = device_with(&relay, &hanako.0, &[doc]).await;
    let opening = post(&hers, &doc)
        .and_then(|p| p.job)
        .expect("its particulars");
    assert_eq!(opening.kind(), Some(tsunagu_core::news::JobKind::Gig));
    assert_eq!(opening.rate, "月額40万円");
    let stats = stats_of(&relay, &ken.0, doc).await;
    assert_eq!(
        stats.status(),
        StatusCode::OK,
        "its recruiter sees how it does"
    );

    // A reader cannot change it — not to close it, not to let others in — and neither can an
    // editor, who writes news, not openings.
    hers.change(doc, |tx| {
        let mut p = NewsPost::read(tx).map_err(|e| e.to_string())?;
        p.segment = Segment::default();
        if let Some(job) = p.job.as_mut() {
            job.rate = "月額100万円".into();
        }
        p.write_to(tx).map_err(|e| e.to_string())
    })
    .await;
    hers.wait_rejected(doc).await;
    give_roles(&relay, &yuki.0, &hanako.1.user_id, &["alumni", "editor"]).await;
    let mut editors = device_with(&relay, &hanako.0, &[doc]).await;
    editors
        .change(doc, |tx| {
            let mut p = NewsPost::read(tx).map_err(|e| e.to_string())?;
            p.title = "書き換え".into();
            p.write_to(tx).map_err(|e| e.to_string())
        })
        .await;
    editors.wait_rejected(doc).await;
    let as_admin = common::events::relay_copy(&relay, &yuki.0, doc).await;
    let kept = NewsPost::read(&as_admin).expect("an opening");
    assert_eq!(kept.title, "営業企画の業務委託");
    assert_eq!(kept.job.map(|j| j.rate), Some("月額40万円".into()));

    // The role taken back, Ken (left 2019, not open to rehire) is outside the segment: the
    // opening is no longer his to read, nor is starting another.
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni"]).await;
    assert!(unavailable_to(&relay, &ken.0, doc).await);
    assert!(news(&relay, &ken.0).await.is_empty());
    let refused = start_job(&relay, &ken.0, gig()).await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
}

/// The applications document of the member signed in with `me`, read on `device`.
fn applications(device: &Device, me: &tsunagu_core::api::Me) -> JobApplications {
    let doc = me.applications_doc.expect("an applications document");
    device
        .engine
        .doc(&doc)
        .map(|d| JobApplications::read(d).expect("applications"))
        .unwrap_or_default()
}

/// Applies for `job` from `device`, as the app does: one new entry in one change.
async fn apply(device: &mut Device, me: &tsunagu_core::api::Me, job: DocumentId, note: &str) {
    let written = JobApplication {
        note: note.into(),
        since: "退職後はスタートアップでPMを5年".into(),
        link: "https://example.com/hanako-cv.pdf".into(),
        ..JobApplication::default()
    };
    apply_with(device, me, job, written).await;
}

/// Applies for `job` from `device` with `written` (dated now), and waits until the relay took it.
async fn applied(
    device: &mut Device,
    me: &tsunagu_core::api::Me,
    job: DocumentId,
    written: JobApplication,
) {
    apply_with(device, me, job, written).await;
    let key = job.to_string();
    device
        .pump_until("応募済", |d| {
            applications(d, me).stage(&key) == Some(Stage::Applied)
        })
        .await;
}

async fn apply_with(
    device: &mut Device,
    me: &tsunagu_core::api::Me,
    job: DocumentId,
    written: JobApplication,
) {
    let doc = me.applications_doc.expect("an applications document");
    let written = JobApplication {
        at: common::now(),
        ..written
    };
    device
        .change(doc, |tx| {
            JobApplications::apply(tx, &job.to_string(), &written).map_err(|e| e.to_string())
        })
        .await;
}

async fn move_application(
    relay: &TestRelay,
    cookie: &str,
    job: DocumentId,
    user: &str,
    stage: &str,
) -> reqwest::Response {
    call(
        relay,
        Method::PUT,
        &format!("/api/jobs/{job}/applications/{user}"),
        Some(cookie),
        Some(json!({ "stage": stage })),
    )
    .await
}

/// A recruiter's opening, published from his device.
async fn published_job(
    relay: &TestRelay,
    cookie: &str,
    me: &tsunagu_core::api::Me,
    body: serde_json::Value,
) -> NewsRef {
    let started = start_job(relay, cookie, body).await;
    assert_eq!(started.status(), StatusCode::OK);
    let job = started.json::<NewsRef>().await.expect("an opening");
    let mut his = device_with(relay, cookie, &[job.post]).await;
    edit_post(&mut his, job.post, |p| {
        p.status = PostStatus::Published.key().into();
    })
    .await;
    his.wait_acknowledged(&me.relay_storage).await;
    job
}

#[tokio::test]
async fn an_application_is_taken_moved_only_by_recruiters_and_refused_when_closed_or_out_of_reach()
{
    let (relay, hanako, ken, yuki) = three().await;
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;
    let job = published_job(&relay, &ken.0, &ken.1, gig()).await;
    let notes = job
        .notes
        .expect("its recruiter is given the notes document");
    let hanako_id = hanako.1.user_id.clone();

    // Hanako applies; the relay takes it up and her phone shows 応募済 with its date.
    let mine = hanako.1.applications_doc.expect("an applications document");
    let listed: Vec<NewsRef> = get_json(&relay, "/api/news", &hanako.0).await;
    assert_eq!(
        listed[0].notes, None,
        "applicants are never given the notes"
    );
    let mut hers = device_with(&relay, &hanako.0, &[mine, job.post]).await;
    apply(
        &mut hers,
        &hanako.1,
        job.post,
        "また営業企画に関わりたいです",
    )
    .await;
    let key = job.post.to_string();
    hers.pump_until("応募済", |d| {
        applications(d, &hanako.1).stage(&key) == Some(Stage::Applied)
    })
    .await;
    assert!(applications(&hers, &hanako.1).stages[&key][0].at >= common::now() - 60);

    // The recruiters' board lists it as she wrote it; no one else sees the board.
    let board = format!("/api/jobs/{}/applications", job.post);
    let seen: Vec<Applicant> = get_json(&relay, &board, &ken.0).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].id, hanako_id);
    assert_eq!(seen[0].referral, None);
    assert_eq!(seen[0].application.note, "また営業企画に関わりたいです");
    assert_eq!(seen[0].stages.len(), 1);
    let as_admin: Vec<Applicant> = get_json(&relay, &board, &yuki.0).await;
    assert_eq!(as_admin, seen);
    let refused = call(&relay, Method::GET, &board, Some(&hanako.0), None).await;
    assert_eq!(
        error_code(refused, StatusCode::FORBIDDEN).await,
        "forbidden"
    );

    // Ken moves it to 面接; her phone shows it, dated.
    let moved = move_application(&relay, &ken.0, job.post, &hanako_id, "interview").await;
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    hers.pump_until("面接", |d| {
        applications(d, &hanako.1).stage(&key) == Some(Stage::Interview)
    })
    .await;
    let stages: Vec<String> = applications(&hers, &hanako.1).stages[&key]
        .iter()
        .map(|e| e.stage.clone())
        .collect();
    assert_eq!(stages, ["applied", "interview"]);
    let audit: Vec<AuditEntry> = get_json(&relay, "/api/admin/audit", &yuki.0).await;
    assert!(audit.iter().any(|e| e.action == "move-application"));

    // She cannot move it herself — not through the board, not in her document — nor change
    // what she sent; an unknown stage, applicant or opening is refused with a reason.
    let by_her = move_application(&relay, &hanako.0, job.post, &hanako_id, "offer").await;
    assert_eq!(error_code(by_her, StatusCode::FORBIDDEN).await, "forbidden");
    let unknown = move_application(&relay, &ken.0, job.post, &hanako_id, "promoted").await;
    assert_eq!(
        error_code(unknown, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let nobody = move_application(&relay, &ken.0, job.post, &yuki.1.user_id, "offer").await;
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND);
    let news_post = start_post(&relay, &yuki.0, "社内報", &Segment::default()).await;
    let news_post = news_post.json::<NewsRef>().await.expect("a post").post;
    let not_job = move_application(&relay, &ken.0, news_post, &hanako_id, "offer").await;
    assert_eq!(not_job.status(), StatusCode::NOT_FOUND);
    hers.change(mine, |tx| {
        JobApplications::enter_stage(tx, &key, Stage::Offer, common::now())
            .map_err(|e| e.to_string())
    })
    .await;
    hers.wait_rejected(mine).await;
    let mut again = device_with(&relay, &hanako.0, &[mine]).await;
    again
        .change(mine, |tx| {
            let entry = match tx.get(automerge::ROOT, "applications").expect("read") {
                Some((_, apps)) => match tx.get(&apps, &key).expect("read") {
                    Some((_, entry)) => entry,
                    None => return Err("no application".into()),
                },
                None => return Err("no applications".into()),
            };
            tx.put(&entry, "note", "書き換え")
                .map_err(|e| e.to_string())
        })
        .await;
    again.wait_rejected(mine).await;
    let seen: Vec<Applicant> = get_json(&relay, &board, &ken.0).await;
    assert_eq!(seen[0].application.note, "また営業企画に関わりたいです");
    assert_eq!(seen[0].stages.len(), 2);

    // She refers a former colleague: on the board as a referral, credited to her once hired,
    // and her phone follows it. A referral without an address is refused.
    let referral = Referral {
        post: key.clone(),
        name: "佐藤 次郎".into(),
        email: "jiro@example.com".into(),
        why: "前職の同僚で、新規事業の立ち上げ経験があります".into(),
        at: common::now(),
    };
    let (good, bad) = (format!("{key}:a1"), format!("{key}:b2"));
    let mut referring = device_with(&relay, &hanako.0, &[mine]).await;
    referring
        .change(mine, |tx| {
            JobApplications::refer(tx, &good, &referral).map_err(|e| e.to_string())?;
            let no_address = Referral {
                email: "jiro".into(),
                ..referral.clone()
            };
            JobApplications::refer(tx, &bad, &no_address).map_err(|e| e.to_string())
        })
        .await;
    referring
        .pump_until("the referrals answered", |d| {
            let a = applications(d, &hanako.1);
            a.stage(&good) == Some(Stage::Applied) && a.refusal(&bad) == Some(Refusal::Invalid)
        })
        .await;
    let seen: Vec<Applicant> = get_json(&relay, &board, &ken.0).await;
    let referred = seen
        .iter()
        .find(|a| a.id == good)
        .expect("the referral is on the board");
    assert_eq!(referred.name, "佐藤 次郎");
    let by = referred.referral.as_ref().expect("a referral");
    assert_eq!(
        (by.referrer_id.as_str(), by.email.as_str()),
        (hanako_id.as_str(), "jiro@example.com")
    );
    assert_eq!(by.credited_at, None);
    assert_eq!(seen.len(), 2, "the refused referral is not on the board");
    let hired = move_application(&relay, &ken.0, job.post, &good, "hired").await;
    assert_eq!(hired.status(), StatusCode::NO_CONTENT);
    referring
        .pump_until("入社", |d| {
            applications(d, &hanako.1).stage(&good) == Some(Stage::Hired)
        })
        .await;
    let seen: Vec<Applicant> = get_json(&relay, &board, &ken.0).await;
    let referred = seen
        .iter()
        .find(|a| a.id == good)
        .expect("still on the board");
    assert!(
        referred
            .referral
            .as_ref()
            .and_then(|r| r.credited_at)
            .is_some(),
        "credited to Hanako"
    );

    // Nobody else receives her applications, recruiters included; nor the notes, but their
    // writers.
    assert!(unavailable_to(&relay, &ken.0, mine).await);
    assert!(unavailable_to(&relay, &yuki.0, mine).await);
    assert!(unavailable_to(&relay, &hanako.0, notes).await);
    let mut recruiter = device_with(&relay, &ken.0, &[notes]).await;
    recruiter
        .change(notes, |tx| {
            let all = tx
                .get(automerge::ROOT, "notes")
                .map_err(|e| e.to_string())?;
            let all = all.ok_or("no notes map")?.1;
            tx.put(&all, hanako_id.as_str(), "面接では企画経験を深掘り")
                .map_err(|e| e.to_string())
        })
        .await;
    recruiter.wait_acknowledged(&ken.1.relay_storage).await;

    // An opening that has closed, and one she may not read: refused, and her phone says why.
    let mut closed_gig = gig();
    closed_gig["title"] = json!("締切済みの案件");
    closed_gig["opening"]["closes_at"] = json!(common::now() - 60);
    let closed = published_job(&relay, &ken.0, &ken.1, closed_gig).await;
    let mut for_ken = gig();
    for_ken["title"] = json!("講演者の募集");
    for_ken["segment"] = json!({ "left_from": 2019, "left_to": 2019 });
    let elsewhere = published_job(&relay, &ken.0, &ken.1, for_ken).await;
    let mut hers = referring;
    apply(&mut hers, &hanako.1, closed.post, "応募します").await;
    apply(&mut hers, &hanako.1, elsewhere.post, "応募します").await;
    let (closed_key, elsewhere_key) = (closed.post.to_string(), elsewhere.post.to_string());
    hers.pump_until("both refused", |d| {
        let a = applications(d, &hanako.1);
        a.refusal(&closed_key).is_some() && a.refusal(&elsewhere_key).is_some()
    })
    .await;
    let said = applications(&hers, &hanako.1);
    assert_eq!(said.refusal(&closed_key), Some(Refusal::Closed));
    assert_eq!(said.refusal(&elsewhere_key), Some(Refusal::Unavailable));
    assert_eq!(said.stage(&closed_key), None);
    for refused in [closed.post, elsewhere.post] {
        let board: Vec<Applicant> =
            get_json(&relay, &format!("/api/jobs/{refused}/applications"), &ken.0).await;
        assert!(board.is_empty(), "a refused application is on no board");
    }

    // A flood of applications in one change: the first few judged (no such openings), the rest
    // refused unread, all in one answer.
    let flood: Vec<String> = (0..60).map(|_| DocumentId::random().to_string()).collect();
    let written = JobApplication {
        note: "大量応募".into(),
        ..JobApplication::default()
    };
    hers.change(mine, |tx| {
        flood
            .iter()
            .try_for_each(|post| JobApplications::apply(tx, post, &written))
            .map_err(|e| e.to_string())
    })
    .await;
    hers.pump_until("the flood refused", |d| {
        let a = applications(d, &hanako.1);
        flood.iter().all(|p| a.refusal(p).is_some())
    })
    .await;
    let said = applications(&hers, &hanako.1);
    let unread = flood
        .iter()
        .filter(|p| said.refusal(p) == Some(Refusal::Invalid))
        .count();
    assert_eq!(unread, 50, "beyond ten at once, refused unread");
}

#[tokio::test]
async fn a_stage_written_with_the_relays_own_actor_is_rejected() {
    let (relay, hanako, ken, yuki) = three().await;
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;
    let job = published_job(&relay, &ken.0, &ken.1, gig()).await;
    let mine = hanako.1.applications_doc.expect("an applications document");
    let mut hers = device_with(&relay, &hanako.0, &[mine, job.post]).await;
    apply(&mut hers, &hanako.1, job.post, "よろしくお願いします").await;
    let key = job.post.to_string();
    hers.pump_until("応募済", |d| {
        applications(d, &hanako.1).stage(&key) == Some(Stage::Applied)
    })
    .await;
    // The relay's actor is in her document's history for anyone holding it to read.
    let relays_actor = hers
        .engine
        .doc(&mine)
        .and_then(|d| d.get_changes(&[]).last().map(|c| c.actor_id().clone()))
        .expect("the relay's change");
    let storage = tsunagu_core::ids::StorageId::random();
    let mut engine = tsunagu_core::engine::Engine::new(
        tsunagu_core::ids::PeerId::random(),
        Some(storage.clone()),
    )
    .with_actor(relays_actor);
    engine.want(mine);
    let cookie = common::session_for_new_device(relay.addr(), &hanako.0).await;
    let mut forger = Device::connect_engine(
        relay.addr(),
        &cookie,
        engine,
        tsunagu_core::memory::MemoryStore::default(),
        storage,
    )
    .await;
    forger
        .pump_until("her applications", |d| {
            applications(d, &hanako.1).stage(&key).is_some()
        })
        .await;
    forger
        .change(mine, |tx| {
            JobApplications::enter_stage(tx, &key, Stage::Offer, common::now())
                .map_err(|e| e.to_string())
        })
        .await;
    // Refused: a change under the relay's actor that the relay did not make is no history of
    // its own, and nobody else's to offer.
    let reason = forger.wait_rejected(mine).await;
    assert!(!reason.is_empty());
    let seen: Vec<Applicant> = get_json(
        &relay,
        &format!("/api/jobs/{}/applications", job.post),
        &ken.0,
    )
    .await;
    assert_eq!(seen[0].stages.len(), 1, "still only 応募済");
    let fresh = device_with(&relay, &hanako.0, &[mine]).await;
    assert_eq!(
        applications(&fresh, &hanako.1).stage(&key),
        Some(Stage::Applied)
    );
}

/// `GET /api/talent?<query>` as the member with `cookie`.
async fn talent(relay: &TestRelay, cookie: &str, query: &TalentQuery) -> TalentPool {
    get_json(relay, &format!("/api/talent?{}", query.to_query()), cookie).await
}

fn in_pool<'a>(pool: &'a TalentPool, id: &str) -> Option<&'a Talent> {
    pool.people.iter().find(|t| t.id == id)
}

#[tokio::test]
async fn recruiters_find_alumni_open_to_coming_back_as_they_may_read_them_and_shortlist_them() {
    let (relay, hanako, ken, yuki) = three().await;
    let (hanako_id, ken_id) = (hanako.1.user_id.clone(), ken.1.user_id.clone());
    let everyone = TalentQuery::default();

    // Only those who post job openings see the pool, export it or keep its shortlist.
    let shortlist = format!("/api/talent/shortlist/{hanako_id}");
    for (method, path) in [
        (Method::GET, "/api/talent"),
        (Method::GET, "/api/talent.csv"),
        (Method::PUT, shortlist.as_str()),
        (Method::DELETE, shortlist.as_str()),
    ] {
        let refused = call(&relay, method, path, Some(&ken.0), None).await;
        assert_eq!(
            error_code(refused, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{path}"
        );
    }
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;

    // Alumni open to coming back (Hanako) or to working together (Ken); not Yuki, an employee.
    let pool = talent(&relay, &ken.0, &everyone).await;
    assert_eq!(pool.total, pool.people.len());
    let hers = in_pool(&pool, &hanako_id).expect("Hanako, open to rehire");
    assert_eq!(hers.name, "山田 花子");
    assert_eq!(hers.open_to, ["rehire"]);
    assert_eq!(hers.departments, ["人事部"], "each once");
    assert_eq!(hers.engagement.applications, 0);
    assert!(hers.shortlisted.is_none());
    assert_eq!(
        in_pool(&pool, &ken_id).map(|t| t.open_to.clone()),
        Some(vec!["collaboration".to_owned()])
    );
    assert!(in_pool(&pool, &yuki.1.user_id).is_none());
    assert!(pool.people.iter().all(|t| !t.open_to.is_empty()));

    // Skills, places, years, departments and what they are open to narrow it.
    let found = |query: TalentQuery| {
        let relay = &relay;
        let cookie = ken.0.clone();
        async move {
            let pool = talent(relay, &cookie, &query).await;
            pool.people.into_iter().map(|t| t.id).collect::<Vec<_>>()
        }
    };
    let hanakos = TalentQuery {
        skills: "people analytics, 簿記".into(),
        locations: "東京".into(),
        departments: "人事部".into(),
        left_from: 2018,
        left_to: 2022,
        ..TalentQuery::default()
    };
    assert!(found(hanakos.clone()).await.contains(&hanako_id));
    for narrower in [
        TalentQuery {
            left_from: 2022,
            ..hanakos.clone()
        },
        TalentQuery {
            locations: "大阪".into(),
            ..hanakos.clone()
        },
        TalentQuery {
            open_to: "collaboration".into(),
            ..hanakos.clone()
        },
    ] {
        assert!(!found(narrower).await.contains(&hanako_id));
    }
    let rust = found(TalentQuery {
        skills: "rust".into(),
        open_to: "collaboration".into(),
        ..TalentQuery::default()
    })
    .await;
    assert!(rust.contains(&ken_id) && !rust.contains(&hanako_id));

    // A query that cannot be one is refused with a reason.
    for (query, why) in [
        (
            "left_from=2022&left_to=2018",
            "a segment's years run backwards",
        ),
        ("open_to=mentoring", "open_to is rehire or collaboration"),
    ] {
        let bad = call(
            &relay,
            Method::GET,
            &format!("/api/talent?{query}"),
            Some(&ken.0),
            None,
        )
        .await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert!(bad.text().await.expect("a body").contains(why), "{query}");
    }
    let not_a_year = call(
        &relay,
        Method::GET,
        "/api/talent?left_from=abc",
        Some(&ken.0),
        None,
    )
    .await;
    assert_eq!(not_a_year.status(), StatusCode::BAD_REQUEST);

    // Engagement: she applied for an opening, was checked in at an event, and synced.
    let job = published_job(&relay, &ken.0, &ken.1, gig()).await;
    let mine = hanako.1.applications_doc.expect("an applications document");
    let mut phone = device_with(&relay, &hanako.0, &[mine, job.post]).await;
    let note = JobApplication {
        note: "また採用に関わりたいです".into(),
        ..JobApplication::default()
    };
    applied(&mut phone, &hanako.1, job.post, note).await;
    let event = common::events::create_event(&relay, &yuki.0, "同期会", T0).await;
    let log = event.checkins.expect("admins read the check-in log");
    let mut gate = device_with(&relay, &yuki.0, &[log]).await;
    let scan = tsunagu_core::checkin::Scan {
        ticket: "t-hanako".into(),
        attendee: hanako_id.clone(),
        device: "gate".into(),
        by: yuki.1.user_id.clone(),
        at: T0,
        method: "qr".into(),
    };
    gate.change(log, |tx| {
        tsunagu_core::checkin::CheckinLog::record(tx, "n1", &scan)
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await;
    gate.wait_acknowledged(&yuki.1.relay_storage).await;
    let pool = talent(&relay, &ken.0, &everyone).await;
    let engaged = in_pool(&pool, &hanako_id)
        .expect("still in the pool")
        .engagement;
    assert_eq!(engaged.applications, 1);
    assert_eq!(engaged.events_attended, 1);
    assert!(
        engaged
            .last_active
            .is_some_and(|at| at >= common::now() - 600)
    );

    // The shortlist, shared with every recruiter and admin, and audited; only alumni go on it.
    let employee = format!("/api/talent/shortlist/{}", yuki.1.user_id);
    for (path, status) in [
        (shortlist.as_str(), StatusCode::NO_CONTENT),
        (shortlist.as_str(), StatusCode::NO_CONTENT),
        (employee.as_str(), StatusCode::NOT_FOUND),
        ("/api/talent/shortlist/u-nobody", StatusCode::NOT_FOUND),
    ] {
        let put = call(&relay, Method::PUT, path, Some(&ken.0), None).await;
        assert_eq!(put.status(), status, "{path}");
    }
    let shortlisted = TalentQuery {
        shortlisted: true,
        ..TalentQuery::default()
    };
    let listed = talent(&relay, &yuki.0, &shortlisted).await;
    assert_eq!(
        listed
            .people
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        [hanako_id.as_str()]
    );
    let on_it = listed.people[0]
        .shortlisted
        .clone()
        .expect("when and by whom");
    assert_eq!(on_it.by, "佐藤 健");
    let audit: Vec<AuditEntry> = get_json(&relay, "/api/admin/audit", &yuki.0).await;
    let shortlistings = audit
        .iter()
        .filter(|e| e.action == "shortlist" && e.subject == hanako_id)
        .count();
    assert_eq!(shortlistings, 1, "put twice, logged once");

    // The CSV holds the same, in the admin's language, safe for Excel.
    let (disposition, rows) = common::download_csv(
        &relay,
        &format!("/api/talent.csv?{}&lang=en", shortlisted.to_query()),
        &yuki.0,
    )
    .await;
    assert!(
        disposition.starts_with("attachment; filename=\"talent-pool.csv\""),
        "{disposition}"
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][0], "Name");
    assert_eq!(rows[1][0], "山田 花子");
    assert_eq!(rows[1][9], "Rehire");
    let row = &rows[1];
    assert_eq!(
        [&row[10], &row[12], &row[13], &row[14]],
        ["1", "1", "0", "0"]
    );
    assert!(
        !row[11].is_empty() && !row[15].is_empty(),
        "last active, shortlisted"
    );

    // Off the shortlist.
    let off = call(&relay, Method::DELETE, &shortlist, Some(&ken.0), None).await;
    assert_eq!(off.status(), StatusCode::NO_CONTENT);
    assert!(talent(&relay, &ken.0, &shortlisted).await.people.is_empty());

    // She tells only admins she would come back: the recruiter no longer finds her; the admin
    // does. Hidden from the directory, she is in no one's pool.
    let mut visibility = Visibility::default();
    visibility.0.insert("interests".into(), Audience::Admins);
    let her_parts: Vec<DocumentId> = [Audience::Members, Audience::Admins, Audience::OnlyMe]
        .into_iter()
        .filter_map(|audience| profile_part(&hanako.1, &hanako.1, audience))
        .chain([hanako.1.profile_doc])
        .collect();
    let mut profiles = device_with(&relay, &hanako.0, &her_parts).await;
    let profile =
        Profile::read(profiles.engine.doc(&hanako.1.profile_doc).expect("held")).expect("hers");
    profiles
        .write_profile(&hanako.1, &profile, &visibility)
        .await;
    profiles.wait_acknowledged(&hanako.1.relay_storage).await;
    assert!(in_pool(&talent(&relay, &ken.0, &everyone).await, &hanako_id).is_none());
    assert!(in_pool(&talent(&relay, &yuki.0, &everyone).await, &hanako_id).is_some());
    let hidden = call(
        &relay,
        Method::PUT,
        "/api/me/directory",
        Some(&hanako.0),
        Some(json!({ "hidden": true })),
    )
    .await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    assert!(in_pool(&talent(&relay, &yuki.0, &everyone).await, &hanako_id).is_none());
}

#[tokio::test]
async fn a_cv_file_reaches_recruiters_only_once_its_application_is_taken() {
    let (relay, hanako, ken, yuki) = three().await;
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;
    let job = published_job(&relay, &ken.0, &ken.1, gig()).await;
    let cv = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    let id = tsunagu_core::photo::id_of(&cv);
    let uploaded = common::conversations::upload(&relay, &hanako.0, &id, cv.clone()).await;
    assert_eq!(uploaded.status(), StatusCode::CREATED);
    let path = format!("/api/photos/{id}");
    let fetch = |cookie: String| {
        let path = path.clone();
        let relay = &relay;
        async move { call(relay, Method::GET, &path, Some(&cookie), None).await }
    };
    // Uploaded, named by nothing yet: hers alone.
    assert_eq!(fetch(hanako.0.clone()).await.status(), StatusCode::OK);
    assert_eq!(fetch(ken.0.clone()).await.status(), StatusCode::NOT_FOUND);

    // Named by her application, taken: the recruiters may save it, as an attachment.
    let mine = hanako.1.applications_doc.expect("an applications document");
    let mut hers = device_with(&relay, &hanako.0, &[mine, job.post]).await;
    let with_cv = |note: &str| JobApplication {
        note: note.into(),
        cv: id.clone(),
        ..JobApplication::default()
    };
    applied(
        &mut hers,
        &hanako.1,
        job.post,
        with_cv("履歴書を添付しました"),
    )
    .await;
    for cookie in [&ken.0, &yuki.0] {
        let got = fetch(cookie.clone()).await;
        assert_eq!(got.status(), StatusCode::OK);
        assert_eq!(got.headers()["content-type"], "application/pdf");
        assert_eq!(
            got.headers()["content-disposition"],
            "attachment; filename=\"cv.pdf\""
        );
        assert_eq!(got.bytes().await.expect("the file").as_ref(), cv.as_slice());
    }
    let board: Vec<Applicant> = get_json(
        &relay,
        &format!("/api/jobs/{}/applications", job.post),
        &ken.0,
    )
    .await;
    assert_eq!(board[0].application.cv, id);

    // The role taken back, the file is gone for him.
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni"]).await;
    assert_eq!(fetch(ken.0.clone()).await.status(), StatusCode::NOT_FOUND);

    // An application naming a file its applicant did not upload grants nothing: Ken names her
    // CV in an application of his own, which the relay takes; he still cannot read it.
    let mut for_everyone = gig();
    for_everyone
        .as_object_mut()
        .expect("a body")
        .remove("segment");
    let open_to_all = published_job(&relay, &yuki.0, &yuki.1, for_everyone).await;
    let his_doc = ken.1.applications_doc.expect("an applications document");
    let mut his = device_with(&relay, &ken.0, &[his_doc, open_to_all.post]).await;
    applied(&mut his, &ken.1, open_to_all.post, with_cv("彼女の履歴書")).await;
    assert_eq!(fetch(ken.0.clone()).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_writer_cannot_fill_the_relay_with_drafts() {
    let relay = TestRelay::start_configured(|c| c.limits.posts_per_day = 3).await;
    let (_, ken, yuki) = common::conversations::signed_in(&relay).await;
    give_roles(&relay, &yuki.0, &ken.1.user_id, &["alumni", "recruiter"]).await;
    // News and openings count together, per writer, per day.
    let news = start_post(&relay, &ken.0, "告知", &Segment::default()).await;
    assert_eq!(
        error_code(news, StatusCode::FORBIDDEN).await,
        "forbidden",
        "a recruiter writes openings, not news"
    );
    for _ in 0..3 {
        assert_eq!(
            start_job(&relay, &ken.0, gig()).await.status(),
            StatusCode::OK
        );
    }
    let flood = start_job(&relay, &ken.0, gig()).await;
    assert_eq!(
        error_code(flood, StatusCode::TOO_MANY_REQUESTS).await,
        "too-many-attempts"
    );
    // Another writer is not held back by him.
    let theirs = start_post(&relay, &yuki.0, "年末年始のお知らせ", &Segment::default()).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    let openings: Vec<NewsRef> = get_json(&relay, "/api/news", &ken.0).await;
    assert_eq!(openings.iter().filter(|r| r.job).count(), 3);
}
