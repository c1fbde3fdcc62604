//! Photos on the relay (issue 11, docs/design.md §10): content-addressed blobs that exactly the
//! readers of a document naming them may read — and what a hostile member tries: naming a photo
//! id they learnt, reading after being removed, uploading what is not a photo or not its id,
//! flooding the disk.

mod common;

use common::conversations::{T0, jpeg, messages, started, three, upload, write_draft};
use common::events::device_with;
use common::{TestRelay, error_code, sign_in};
use reqwest::{Method, StatusCode};
use tsunagu_core::conversation::{Draft, MessagePage};
use tsunagu_core::photo;
use tsunagu_server::Limits;

/// What `GET /api/photos/{id}` answers the member with `cookie`: the bytes, or the status.
async fn download(relay: &TestRelay, cookie: &str, id: &str) -> Result<Vec<u8>, StatusCode> {
    let response = reqwest::Client::new()
        .get(relay.url(&format!("/api/photos/{id}")))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the relay answers");
    if response.status() != StatusCode::OK {
        return Err(response.status());
    }
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(
        response.headers()["cache-control"],
        "private, max-age=31536000, immutable"
    );
    Ok(response.bytes().await.expect("a body").to_vec())
}

fn with_photo(id: &str) -> Draft {
    Draft {
        photos: vec![id.to_owned()],
        ..Draft::text("", T0)
    }
}

#[tokio::test]
async fn a_photo_is_read_by_the_members_of_the_conversation_it_is_sent_in_and_no_one_else() {
    let (relay, hanako, ken, yuki) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let bytes = jpeg("同期会の写真");
    let id = photo::id_of(&bytes);

    // Uploaded before the message is sent (or after: the phone uploads when it can).
    let first = upload(&relay, &hanako.0, &id, bytes.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = upload(&relay, &hanako.0, &id, bytes.clone()).await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "a retry changes nothing"
    );
    assert_eq!(download(&relay, &hanako.0, &id).await, Ok(bytes.clone()));
    assert_eq!(
        download(&relay, &ken.0, &id).await,
        Err(StatusCode::NOT_FOUND),
        "not sent to Ken yet"
    );

    let mut hers = device_with(&relay, &hanako.0, &[chat.conversation, page]).await;
    let mut his = device_with(&relay, &ken.0, &[chat.conversation, page]).await;
    write_draft(&mut hers, page, &hanako.1.user_id, "h1", with_photo(&id)).await;
    his.pump_until("the photo", |d| {
        messages(d, &page).iter().any(|m| m.photos == [id.clone()])
    })
    .await;
    assert_eq!(download(&relay, &ken.0, &id).await, Ok(bytes.clone()));
    assert_eq!(
        download(&relay, &yuki.0, &id).await,
        Err(StatusCode::NOT_FOUND),
        "an admin outside the conversation reads it no more than anyone"
    );
    let anonymous = reqwest::get(relay.url(&format!("/api/photos/{id}")))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Unsent: the photo leaves the page, and Ken's access with it.
    let h1 = hanako.1.user_id.clone();
    hers.change(page, move |tx| {
        MessagePage::unsend(tx, &h1, "h1")
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    his.pump_until("the message unsent", |d| {
        messages(d, &page).iter().any(|m| m.unsent)
    })
    .await;
    assert_eq!(
        download(&relay, &ken.0, &id).await,
        Err(StatusCode::NOT_FOUND)
    );
    assert_eq!(download(&relay, &hanako.0, &id).await, Ok(bytes));
}

#[tokio::test]
async fn naming_a_photo_one_did_not_upload_grants_nothing() {
    let (relay, hanako, ken, yuki) = three().await;
    let theirs = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let bytes = jpeg("二人だけの写真");
    let id = photo::id_of(&bytes);
    assert_eq!(
        upload(&relay, &hanako.0, &id, bytes).await.status(),
        StatusCode::CREATED
    );
    let mut hers = device_with(&relay, &hanako.0, &[theirs.conversation, theirs.pages[0]]).await;
    write_draft(
        &mut hers,
        theirs.pages[0],
        &hanako.1.user_id,
        "h1",
        with_photo(&id),
    )
    .await;

    // Yuki learnt the id. She names it in her own conversation with Ken, and in one with
    // Hanako: neither makes it hers, and Ken's access comes from Hanako's message alone.
    let hers_too = started(&relay, &yuki.0, &[&hanako.1.user_id], "").await;
    let with_ken = started(&relay, &yuki.0, &[&ken.1.user_id], "").await;
    for chat in [&hers_too, &with_ken] {
        let page = chat.pages[0];
        let mut yukis = device_with(&relay, &yuki.0, &[chat.conversation, page]).await;
        write_draft(&mut yukis, page, &yuki.1.user_id, "y1", with_photo(&id)).await;
        let me = yuki.1.user_id.clone();
        yukis
            .pump_until("her message acknowledged", move |d| {
                messages(d, &page).iter().any(|m| m.author == me)
            })
            .await;
        yukis.wait_acknowledged(&yuki.1.relay_storage).await;
    }
    assert_eq!(
        download(&relay, &yuki.0, &id).await,
        Err(StatusCode::NOT_FOUND)
    );
    // A photo that was never uploaded is not there for anyone, whoever names it.
    let never = photo::id_of(b"never uploaded");
    assert_eq!(
        download(&relay, &ken.0, &never).await,
        Err(StatusCode::NOT_FOUND)
    );
}

#[tokio::test]
async fn a_member_removed_from_a_group_no_longer_reads_its_photos() {
    let (relay, hanako, ken, yuki) = three().await;
    let group = started(
        &relay,
        &hanako.0,
        &[&ken.1.user_id, &yuki.1.user_id],
        "2015年入社 同期会",
    )
    .await;
    let page = group.pages[0];
    let bytes = jpeg("集合写真");
    let id = photo::id_of(&bytes);
    upload(&relay, &hanako.0, &id, bytes.clone()).await;
    let mut hers = device_with(&relay, &hanako.0, &[group.conversation, page]).await;
    let mut his = device_with(&relay, &ken.0, &[group.conversation, page]).await;
    write_draft(&mut hers, page, &hanako.1.user_id, "h1", with_photo(&id)).await;
    his.pump_until("the photo", |d| {
        messages(d, &page).iter().any(|m| !m.photos.is_empty())
    })
    .await;
    assert_eq!(download(&relay, &ken.0, &id).await, Ok(bytes.clone()));
    assert_eq!(download(&relay, &yuki.0, &id).await, Ok(bytes));

    // Sent offline before its upload: readable once the phone uploads it.
    let later = jpeg("電車で撮った写真");
    let later_id = photo::id_of(&later);
    write_draft(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h2",
        with_photo(&later_id),
    )
    .await;
    his.pump_until("the second photo", |d| {
        messages(d, &page)
            .iter()
            .any(|m| m.photos == [later_id.clone()])
    })
    .await;
    assert_eq!(
        download(&relay, &ken.0, &later_id).await,
        Err(StatusCode::NOT_FOUND)
    );
    upload(&relay, &hanako.0, &later_id, later.clone()).await;
    assert_eq!(download(&relay, &ken.0, &later_id).await, Ok(later));

    let path = format!(
        "/api/conversations/{}/members/{}",
        group.conversation, ken.1.user_id
    );
    let removed = common::call(&relay, Method::DELETE, &path, Some(&hanako.0), None).await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        download(&relay, &ken.0, &id).await,
        Err(StatusCode::NOT_FOUND)
    );
}

#[tokio::test]
async fn an_admin_hiding_a_reported_message_hides_its_photo() {
    let (relay, hanako, ken, yuki) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let bytes = jpeg("不適切な画像");
    let id = photo::id_of(&bytes);
    upload(&relay, &ken.0, &id, bytes).await;
    let mut his = device_with(&relay, &ken.0, &[chat.conversation, page]).await;
    let mut hers = device_with(&relay, &hanako.0, &[chat.conversation, page]).await;
    write_draft(&mut his, page, &ken.1.user_id, "k1", with_photo(&id)).await;
    hers.pump_until("the photo", |d| {
        messages(d, &page).iter().any(|m| !m.photos.is_empty())
    })
    .await;
    assert!(download(&relay, &hanako.0, &id).await.is_ok());

    let report = serde_json::json!({ "page": page, "message": "k1", "reason": "不適切" });
    let reported = common::call(
        &relay,
        Method::POST,
        "/api/reports",
        Some(&hanako.0),
        Some(report),
    )
    .await;
    assert_eq!(reported.status(), StatusCode::NO_CONTENT);
    let open: Vec<tsunagu_core::api::MessageReport> =
        common::get_json(&relay, "/api/admin/reports", &yuki.0).await;
    let decide = serde_json::json!({ "decision": "hide" });
    let path = format!("/api/admin/reports/{}", open[0].id);
    let hidden = common::call(&relay, Method::POST, &path, Some(&yuki.0), Some(decide)).await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        download(&relay, &hanako.0, &id).await,
        Err(StatusCode::NOT_FOUND)
    );
}

#[tokio::test]
async fn what_is_not_a_photo_or_not_its_id_is_refused_with_a_reason() {
    let relay = TestRelay::start().await;
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let bytes = jpeg("写真");
    let wrong = photo::id_of(b"something else");
    let mismatch = upload(&relay, &cookie, &wrong, bytes.clone()).await;
    assert_eq!(
        error_code(mismatch, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let not_an_id = upload(&relay, &cookie, "..%2F..%2Fetc%2Fpasswd", bytes.clone()).await;
    assert_eq!(not_an_id.status(), StatusCode::BAD_REQUEST);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let script = upload(&relay, &cookie, &photo::id_of(&svg), svg).await;
    assert_eq!(script.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = jpeg("");
    huge.resize(photo::MAX_PHOTO_BYTES + 1, 0);
    let too_big = upload(&relay, &cookie, &photo::id_of(&huge), huge).await;
    assert_eq!(
        error_code(too_big, StatusCode::BAD_REQUEST).await,
        "bad-request"
    );
    let signed_out = reqwest::Client::new()
        .put(relay.url(&format!("/api/photos/{}", photo::id_of(&bytes))))
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::UNAUTHORIZED);
    // Nothing of it was kept.
    let nothing = reqwest::Client::new()
        .get(relay.url(&format!("/api/photos/{wrong}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_flood_of_photos_is_stopped_for_the_day() {
    let relay = TestRelay::start_with(Limits {
        photos_per_day: 3,
        ..Limits::default()
    })
    .await;
    let (cookie, _) = sign_in(relay.addr(), "hanako@example.com").await;
    let (other, _) = sign_in(relay.addr(), "ken@example.com").await;
    for n in 0..3 {
        let bytes = jpeg(&format!("写真 {n}"));
        let id = photo::id_of(&bytes);
        assert_eq!(
            upload(&relay, &cookie, &id, bytes).await.status(),
            StatusCode::CREATED
        );
    }
    let bytes = jpeg("写真 3");
    let id = photo::id_of(&bytes);
    let refused = upload(&relay, &cookie, &id, bytes.clone()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // A retry of one already uploaded still answers, and others upload as before.
    let first = jpeg("写真 0");
    assert_eq!(
        upload(&relay, &cookie, &photo::id_of(&first), first)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        upload(&relay, &other, &id, bytes).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_profile_photo_is_seen_by_those_who_see_the_profile() {
    let (relay, hanako, ken, yuki) = three().await;
    let bytes = jpeg("プロフィール写真");
    let id = photo::id_of(&bytes);
    assert_eq!(
        upload(&relay, &hanako.0, &id, bytes.clone()).await.status(),
        StatusCode::CREATED
    );
    let profile = hanako.1.profile_doc;
    let mut hers = device_with(&relay, &hanako.0, &[profile]).await;
    let photo_id = id.clone();
    hers.edit(profile, move |p| p.photo = photo_id).await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    assert_eq!(download(&relay, &ken.0, &id).await, Ok(bytes.clone()));

    // Ken names a photo of Yuki's conversation with Hanako as his own: nobody gains it.
    let chat = started(&relay, &yuki.0, &[&hanako.1.user_id], "").await;
    let private = jpeg("二人の写真");
    let private_id = photo::id_of(&private);
    upload(&relay, &yuki.0, &private_id, private).await;
    let mut yukis = device_with(&relay, &yuki.0, &[chat.conversation, chat.pages[0]]).await;
    write_draft(
        &mut yukis,
        chat.pages[0],
        &yuki.1.user_id,
        "y1",
        with_photo(&private_id),
    )
    .await;
    yukis.wait_acknowledged(&yuki.1.relay_storage).await;
    let his_profile = ken.1.profile_doc;
    let mut his = device_with(&relay, &ken.0, &[his_profile]).await;
    let stolen = private_id.clone();
    his.edit(his_profile, move |p| p.photo = stolen).await;
    his.wait_acknowledged(&ken.1.relay_storage).await;
    assert_eq!(
        download(&relay, &ken.0, &private_id).await,
        Err(StatusCode::NOT_FOUND)
    );

    // Hidden from the directory, her profile and its photo are hers and the admins' alone.
    let hide = serde_json::json!({ "hidden": true });
    let hidden = common::call(
        &relay,
        Method::PUT,
        "/api/me/directory",
        Some(&hanako.0),
        Some(hide),
    )
    .await;
    assert_eq!(hidden.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        download(&relay, &ken.0, &id).await,
        Err(StatusCode::NOT_FOUND)
    );
    // A new photo replaces the old: the old one is no longer hers to show.
    let newer = jpeg("新しい写真");
    let newer_id = photo::id_of(&newer);
    upload(&relay, &hanako.0, &newer_id, newer.clone()).await;
    let replaced = newer_id.clone();
    hers.edit(profile, move |p| p.photo = replaced).await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    assert_eq!(
        download(&relay, &yuki.0, &newer_id).await.map(|b| b.len()),
        Ok(newer.len())
    );
    assert_eq!(
        download(&relay, &yuki.0, &id).await,
        Err(StatusCode::NOT_FOUND),
        "an admin reads her profile, which no longer names it"
    );
}

#[tokio::test]
async fn photos_no_document_names_are_deleted_a_month_after_their_upload() {
    let (relay, hanako, ken, _) = three().await;
    let chat = started(&relay, &hanako.0, &[&ken.1.user_id], "").await;
    let page = chat.pages[0];
    let mut hers = device_with(
        &relay,
        &hanako.0,
        &[chat.conversation, page, hanako.1.profile_doc],
    )
    .await;
    let uploaded = |label: &str| {
        let bytes = jpeg(label);
        (photo::id_of(&bytes), bytes)
    };
    let (never_sent, sent, taken_back, profile, fresh) = (
        uploaded("送らなかった写真"),
        uploaded("送った写真"),
        uploaded("取り消した写真"),
        uploaded("プロフィール写真"),
        uploaded("これから送る写真"),
    );
    for (id, bytes) in [&never_sent, &sent, &taken_back, &profile] {
        let response = upload(&relay, &hanako.0, id, bytes.clone()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    write_draft(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h1",
        with_photo(&sent.0),
    )
    .await;
    write_draft(
        &mut hers,
        page,
        &hanako.1.user_id,
        "h2",
        with_photo(&taken_back.0),
    )
    .await;
    let me = hanako.1.user_id.clone();
    hers.change(page, move |tx| {
        MessagePage::unsend(tx, &me, "h2")
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await;
    let avatar = profile.0.clone();
    hers.edit(hanako.1.profile_doc, move |p| p.photo = avatar)
        .await;
    hers.wait_acknowledged(&hanako.1.relay_storage).await;
    drop(hers);

    // A month and a day pass; then a photo is uploaded for a message not synced yet.
    let common::TestRelay { server, dir } = relay;
    server.stop().await;
    let db = common::database(&dir.path().join("data")).await;
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs(),
    )
    .expect("a time");
    sqlx::query("UPDATE photo_owners SET uploaded_at = $1")
        .bind(now - 31 * 24 * 60 * 60)
        .execute(&db)
        .await
        .expect("an update");
    let next = TestRelay {
        server: common::start_again(&dir).await,
        dir,
    };
    let (cookie, _) = sign_in(next.addr(), "hanako@example.com").await;
    let response = upload(&next, &cookie, &fresh.0, fresh.1.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // At start the relay deleted what no document names; what a message or her profile shows
    // stays, and so does the photo just uploaded.
    let held = |id: &str| {
        let db = db.clone();
        let id = id.to_owned();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM photos WHERE id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .expect("a count")
                == 1
        }
    };
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    while held(&never_sent.0).await || held(&taken_back.0).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "photos no document names are deleted at start"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for (id, bytes) in [&sent, &profile, &fresh] {
        assert_eq!(download(&next, &cookie, id).await, Ok(bytes.clone()));
    }
    assert_eq!(
        download(&next, &cookie, &never_sent.0).await,
        Err(StatusCode::NOT_FOUND)
    );
}
