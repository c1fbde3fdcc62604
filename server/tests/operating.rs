//! What an operator watches: `/healthz` and the Prometheus page at `/metrics`, which counts what
//! the relay does and is read only from the relay's machine or with the operator's token.

mod common;

use common::{Device, TestRelay, sign_in};
use reqwest::StatusCode;
use tsunagu_core::wire::Message;

async fn get(relay: &TestRelay, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(relay.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the relay answers")
}

/// The value of the sample `name` (with its labels, as rendered), if the page has it.
fn sample(page: &str, name: &str) -> Option<f64> {
    page.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(relay: &TestRelay) -> String {
    let page = get(relay, "/metrics", &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/plain; version=0.0.4"))
    );
    page.text().await.expect("a text page")
}

#[tokio::test]
async fn the_metrics_page_counts_connections_documents_and_changes_taken_and_refused() {
    let relay = TestRelay::start().await;
    let health = get(&relay, "/healthz", &[]).await;
    assert_eq!(health.status(), StatusCode::OK);

    let (cookie, me) = sign_in(relay.addr(), "hanako@example.com").await;
    let theirs = me
        .directory
        .iter()
        .copied()
        .find(|d| *d != me.profile_doc)
        .expect("another profile");
    let before = metrics(&relay).await;
    let mut phone = Device::connect(relay.addr(), &cookie, &[me.profile_doc, theirs]).await;
    phone
        .pump_until("both profiles", |d| {
            [me.profile_doc, theirs]
                .iter()
                .all(|doc| d.profile(doc).is_some_and(|p| !p.name.is_empty()))
        })
        .await;
    phone
        .edit(me.profile_doc, |p| p.title = "計測中".into())
        .await;
    phone.edit(theirs, |p| p.title = "乗っ取り".into()).await;
    assert!(
        phone
            .received
            .iter()
            .any(|m| matches!(m, Message::ChangeRejected { doc, .. } if *doc == theirs))
    );

    let after = metrics(&relay).await;
    let count = |page: &str, name: &str| sample(page, name).unwrap_or(0.0);
    // This relay's own state, read when the page is asked for.
    assert_eq!(sample(&after, "tsunagu_connections"), Some(1.0));
    assert!(count(&after, "tsunagu_documents_loaded") >= 2.0);
    assert!(count(&after, "tsunagu_loaded_document_bytes") > 0.0);
    // Counters (shared by every relay of this test process, so compared with before).
    let accepted = "tsunagu_changes_accepted_total";
    assert!(count(&after, accepted) > count(&before, accepted));
    let refused = "tsunagu_changes_rejected_total{reason=\"not-allowed\"}";
    assert!(count(&after, refused) > count(&before, refused), "{after}");
    for histogram in [
        "tsunagu_sync_message_seconds_count",
        "tsunagu_database_seconds_count{op=\"persist\"}",
        "tsunagu_database_seconds_count{op=\"load\"}",
    ] {
        assert!(count(&after, histogram) > 0.0, "{histogram} in {after}");
    }
    assert!(after.contains("# HELP tsunagu_connections"));
}

#[tokio::test]
async fn only_the_relays_machine_or_the_operators_token_reads_the_metrics() {
    // Behind a proxy on this machine, the client is whoever the proxy says it forwards.
    let relay = TestRelay::start_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1".parse().expect("an address")];
        config.metrics_token = Some("s3cret-token".into());
    })
    .await;
    let outside = [("x-forwarded-for", "203.0.113.9")];
    assert_eq!(
        get(&relay, "/metrics", &outside).await.status(),
        StatusCode::NOT_FOUND
    );
    let wrong = [outside[0], ("authorization", "Bearer guess")];
    assert_eq!(
        get(&relay, "/metrics", &wrong).await.status(),
        StatusCode::NOT_FOUND
    );
    let right = [outside[0], ("authorization", "Bearer s3cret-token")];
    assert_eq!(
        get(&relay, "/metrics", &right).await.status(),
        StatusCode::OK
    );
    // Health is for load balancers anywhere: it says nothing but "ok".
    let health = get(&relay, "/healthz", &outside).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.expect("a body"), "ok\n");
}

#[tokio::test]
async fn a_stopping_relay_closes_every_socket_as_a_restart_and_keeps_what_it_acknowledged() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as Frame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    let TestRelay { server, dir } = TestRelay::start().await;
    let (_, me, mut phone) = common::hanako_online(server.local_addr()).await;
    let doc = me.profile_doc;
    phone.edit(doc, |p| p.title = "再起動の前".into()).await;
    phone.wait_acknowledged(&me.relay_storage).await;

    server.stop().await;
    let close = loop {
        match phone.socket.next().await {
            Some(Ok(Frame::Close(frame))) => break frame,
            Some(Ok(_)) => {}
            other => panic!("no close frame: {other:?}"),
        }
    };
    let close = close.expect("a close frame with a code");
    assert_eq!(close.code, CloseCode::Restart);
    assert!(
        close
            .reason
            .starts_with(tsunagu_core::api::RELAY_RESTARTING)
    );

    // The relay that replaces it has everything the first one acknowledged.
    let next = common::start_again(&dir).await;
    let (his_cookie, _) = sign_in(next.local_addr(), "ken@example.com").await;
    let mut his = Device::connect(next.local_addr(), &his_cookie, &[doc]).await;
    his.pump_until("her edit", |d| {
        d.profile(&doc).is_some_and(|p| p.title == "再起動の前")
    })
    .await;
}

/// The relay's `tsunagu_documents_loaded` once it settles at what `settled` accepts.
async fn documents_loaded_until(relay: &TestRelay, settled: impl Fn(f64) -> bool) -> f64 {
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    loop {
        let loaded = sample(&metrics(relay).await, "tsunagu_documents_loaded").unwrap_or(-1.0);
        if settled(loaded) || tokio::time::Instant::now() > deadline {
            return loaded;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn documents_no_socket_has_open_leave_memory_beyond_the_budget_and_come_back_when_asked() {
    let relay = TestRelay::start_configured(|config| config.limits.idle_document_bytes = 0).await;
    let (his_cookie, ken) = sign_in(relay.addr(), "ken@example.com").await;
    let (her_cookie, hanako) = sign_in(relay.addr(), "hanako@example.com").await;
    let directory = ken.directory.clone();
    let synced = |d: &Device| {
        directory
            .iter()
            .all(|doc| d.profile(doc).is_some_and(|p| !p.name.is_empty()))
    };
    let mut his = Device::connect(relay.addr(), &his_cookie, &directory).await;
    his.pump_until("the directory", synced).await;
    let open = documents_loaded_until(&relay, |n| n >= directory.len() as f64).await;
    assert!(
        open >= directory.len() as f64,
        "{open} loaded while he syncs"
    );

    // He closes the app: nothing is open, and nothing stays.
    let (engine, store, storage) = his.close().await;
    assert_eq!(documents_loaded_until(&relay, |n| n == 0.0).await, 0.0);

    // Back on the train: his phone picks up where it was, and hears her edit at once.
    let mut his = Device::connect_engine(relay.addr(), &his_cookie, engine, store, storage).await;
    his.pump_until("the directory again", synced).await;
    let mut hers = Device::connect(relay.addr(), &her_cookie, &[hanako.profile_doc]).await;
    hers.pump_until("her profile", |d| {
        common::has_profile_named(d, &hanako.profile_doc, "山田 花子")
    })
    .await;
    hers.edit(hanako.profile_doc, |p| p.title = "読み込み直し".into())
        .await;
    his.pump_until("her edit", |d| {
        d.profile(&hanako.profile_doc)
            .is_some_and(|p| p.title == "読み込み直し")
    })
    .await;
}

#[tokio::test]
async fn within_the_budget_documents_stay_in_memory_after_their_readers_leave() {
    let relay = TestRelay::start().await;
    let (cookie, me) = sign_in(relay.addr(), "ken@example.com").await;
    let mut phone = Device::connect(relay.addr(), &cookie, &me.directory).await;
    phone
        .pump_until("the directory", |d| {
            me.directory
                .iter()
                .all(|doc| d.profile(doc).is_some_and(|p| !p.name.is_empty()))
        })
        .await;
    let open = documents_loaded_until(&relay, |_| true).await;
    phone.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(documents_loaded_until(&relay, |_| true).await, open);
}

#[tokio::test]
async fn a_second_relay_on_the_same_sqlite_database_refuses_to_start_until_the_first_stops() {
    if common::on_postgres() {
        // Relays share a PostgreSQL database: several_relays.rs.
        return;
    }
    let relay = TestRelay::start().await;
    let data = relay.dir.path().join("data");
    let dist = relay.dir.path().join("dist");

    let second = tsunagu_server::Server::start(common::config(&data, &dist).await).await;
    let refused = second.expect_err("the database is taken").to_string();
    assert!(
        refused.contains("another relay is running on this data directory"),
        "{refused}"
    );
    // The first one is unharmed.
    let (_, me, mut phone) = common::hanako_online(relay.addr()).await;
    phone
        .edit(me.profile_doc, |p| p.title = "一台目".into())
        .await;
    phone.wait_acknowledged(&me.relay_storage).await;

    let common::TestRelay { server, dir } = relay;
    server.stop().await;
    // Free once the first stopped.
    let next = common::start_again(&dir).await;
    let (cookie, _) = sign_in(next.local_addr(), "hanako@example.com").await;
    let mut again = Device::connect(next.local_addr(), &cookie, &[me.profile_doc]).await;
    again
        .pump_until("her edit", |d| {
            d.profile(&me.profile_doc)
                .is_some_and(|p| p.title == "一台目")
        })
        .await;
}

#[tokio::test]
async fn what_the_relay_shares_with_a_device_is_forgotten_half_a_year_after_they_last_synced() {
    let relay = TestRelay::start().await;
    let (_, me, mut phone) = common::hanako_online(relay.addr()).await;
    phone.wait_acknowledged(&me.relay_storage).await;
    let common::TestRelay { server, dir } = relay;
    server.stop().await;

    let data = dir.path().join("data");
    let db = common::database(&data).await;
    let states = |db: sqlx::AnyPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sync_states")
            .fetch_one(&db)
            .await
            .expect("a count")
    };
    let stored = states(db.clone()).await;
    assert!(stored > 0, "stopping wrote what it shares with her phone");
    // One of them was last refreshed 181 days ago.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let long_ago = i64::try_from(now).expect("a time") - 181 * 24 * 60 * 60;
    sqlx::query("UPDATE sync_states SET updated_at = $1 WHERE document_id = $2")
        .bind(long_ago)
        .bind(me.profile_doc.to_string())
        .execute(&db)
        .await
        .expect("an update");

    let next = common::start_again(&dir).await;
    let deadline = tokio::time::Instant::now() + common::PATIENCE;
    while states(db.clone()).await != stored - 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the old state is forgotten at start, the others kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Her phone still syncs: the relay only sends it that document again.
    common::hanako_online(next.local_addr()).await;
}
