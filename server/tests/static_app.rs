//! The relay serves the built app: files with the right types and cache rules, `index.html` for
//! client-side routes, and a clear page when the app has not been built.

mod common;

use common::TestRelay;
use reqwest::StatusCode;

async fn get(relay: &TestRelay, path: &str) -> reqwest::Response {
    reqwest::get(relay.url(path))
        .await
        .expect("the relay answers")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_built_app_is_served_with_its_cache_rules() {
    let relay = TestRelay::start().await;
    let dist = relay.dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("dist");
    let files: [(&str, &[u8]); 5] = [
        ("index.html", b"<!doctype html><title>tsunagu</title>"),
        ("sw.js", b"self.addEventListener('fetch', () => {});"),
        ("app-3f2a9c.wasm", b"\0asm\x01\0\0\0"),
        ("app-3f2a9c.js", b"export default 1;"),
        ("manifest.webmanifest", b"{\"name\":\"tsunagu\"}"),
    ];
    for (name, bytes) in files {
        std::fs::write(dist.join(name), bytes).expect("a dist file");
    }

    let index = get(&relay, "/").await;
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(header(&index, "cache-control"), "no-cache");
    assert!(header(&index, "content-type").starts_with("text/html"));

    let route = get(&relay, "/members/some-profile").await;
    assert_eq!(
        route.status(),
        StatusCode::OK,
        "client-side routes get index.html"
    );
    assert_eq!(header(&route, "cache-control"), "no-cache");
    assert!(
        route
            .text()
            .await
            .expect("a body")
            .contains("<title>tsunagu</title>")
    );

    let worker = get(&relay, "/sw.js").await;
    assert_eq!(header(&worker, "cache-control"), "no-cache");

    let wasm = get(&relay, "/app-3f2a9c.wasm").await;
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert_eq!(
        header(&wasm, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let js = get(&relay, "/app-3f2a9c.js").await;
    assert_eq!(
        header(&js, "cache-control"),
        "public, max-age=31536000, immutable"
    );

    let manifest = get(&relay, "/manifest.webmanifest").await;
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );

    let api = get(&relay, "/api/unknown").await;
    assert_eq!(
        api.status(),
        StatusCode::NOT_FOUND,
        "unknown API paths are not the app"
    );
    assert!(header(&api, "content-type").starts_with("application/json"));
}

#[tokio::test]
async fn precompressed_assets_are_sent_to_browsers_that_accept_them() {
    let relay = TestRelay::start().await;
    let dist = relay.dir.path().join("dist");
    std::fs::create_dir_all(&dist).expect("dist");
    std::fs::write(dist.join("index.html"), "<!doctype html>").expect("index");
    std::fs::write(dist.join("app-1.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(dist.join("app-1.wasm.br"), b"brotli bytes").expect("wasm.br");
    let client = reqwest::Client::new();
    let fetch = |encoding: &'static str| {
        client
            .get(relay.url("/app-1.wasm"))
            .header("accept-encoding", encoding)
            .send()
    };

    let br = fetch("gzip, br").await.expect("the relay answers");
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(header(&br, "content-type"), "application/wasm");
    assert!(
        header(&br, "vary")
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert_eq!(br.bytes().await.expect("body").as_ref(), b"brotli bytes");

    let plain = fetch("identity").await.expect("the relay answers");
    assert_eq!(header(&plain, "content-encoding"), "");
    assert_eq!(
        plain.bytes().await.expect("body").as_ref(),
        b"\0asm\x01\0\0\0"
    );
}

#[tokio::test]
async fn without_a_built_app_the_relay_says_how_to_build_it() {
    let relay = TestRelay::start().await;
    let response = get(&relay, "/").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(header(&response, "content-type").starts_with("text/plain"));
    assert!(
        response
            .text()
            .await
            .expect("a body")
            .contains("cargo xtask run")
    );
}

/// The smallest PNG: one transparent pixel.
const PIXEL_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

async fn put_logo(relay: &TestRelay, cookie: &str, bytes: &[u8]) -> reqwest::Response {
    reqwest::Client::new()
        .put(relay.url("/api/admin/logo"))
        .header("cookie", cookie)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the relay answers")
}

#[tokio::test]
async fn an_admin_sets_the_logo_that_signed_out_pages_show_and_only_a_raster_image() {
    let relay = TestRelay::start().await;
    let network = |relay: &TestRelay| {
        let url = relay.url("/api/network");
        async move {
            let info: tsunagu_core::api::NetworkInfo = reqwest::get(url)
                .await
                .expect("answers")
                .json()
                .await
                .expect("json");
            info
        }
    };
    assert_eq!(network(&relay).await.logo, 0, "no logo yet");
    assert_eq!(
        get(&relay, "/api/network/logo").await.status(),
        StatusCode::NOT_FOUND
    );

    let (alumna, _) = common::sign_in(relay.addr(), "hanako@example.com").await;
    let refused = put_logo(&relay, &alumna, PIXEL_PNG).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "members may not");

    let (admin, _) = common::sign_in(relay.addr(), "admin@example.com").await;
    let svg = put_logo(
        &relay,
        &admin,
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
    )
    .await;
    assert_eq!(
        svg.status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "no SVG: it can carry script"
    );
    let mut big = PIXEL_PNG.to_vec();
    big.resize(300 * 1024, 0);
    let too_big = put_logo(&relay, &admin, &big).await;
    assert!(
        matches!(
            too_big.status(),
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{}",
        too_big.status()
    );
    assert_eq!(
        network(&relay).await.logo,
        0,
        "refused uploads change nothing"
    );

    let set = put_logo(&relay, &admin, PIXEL_PNG).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let version = network(&relay).await.logo;
    assert!(version > 0);
    let logo = get(&relay, &format!("/api/network/logo?v={version}")).await;
    assert_eq!(logo.status(), StatusCode::OK);
    assert_eq!(header(&logo, "content-type"), "image/png");
    assert_eq!(header(&logo, "x-content-type-options"), "nosniff");
    let etag = header(&logo, "etag");
    assert_eq!(logo.bytes().await.expect("bytes").as_ref(), PIXEL_PNG);
    let again = reqwest::Client::new()
        .get(relay.url("/api/network/logo"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answers");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let removed = reqwest::Client::new()
        .delete(relay.url("/api/admin/logo"))
        .header("cookie", &admin)
        .send()
        .await
        .expect("answers");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_eq!(network(&relay).await.logo, 0);
    assert_eq!(
        get(&relay, "/api/network/logo").await.status(),
        StatusCode::NOT_FOUND
    );
}
