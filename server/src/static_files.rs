//! Serves the built app from `--dist`, as an installable offline app expects:
//! unknown paths fall back to `index.html` (client-side routes); `index.html`, `sw.js` and the web
//! manifest are revalidated on every load (`no-cache`) so a new version is picked up; every other
//! file has a content-hashed name and is cached for good, and is sent brotli- or gzip-compressed
//! when the build left a `.br` / `.gz` beside it (the wasm shrinks from ~2.2 MiB to ~0.7 MiB).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::AppState;

const REVALIDATE: &str = "no-cache";
const FOREVER: &str = "public, max-age=31536000, immutable";

pub(crate) async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let dist = &state.config.dist_dir;
    let index = dist.join("index.html");
    if !index.is_file() {
        return not_built(dist);
    }
    let path = request.uri().path().to_owned();
    let service = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(index));
    let response = match service.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    with_headers(&path, response)
}

fn with_headers(path: &str, mut response: Response) -> Response {
    let headers = response.headers_mut();
    // Set here rather than trusting the MIME table: browsers refuse streaming wasm compilation
    // and manifests served as anything else.
    if path.ends_with(".wasm") {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/wasm"));
    } else if path.ends_with(".webmanifest") {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/manifest+json"),
        );
    }
    let is_html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = if is_html || path.ends_with("/sw.js") || path.ends_with(".webmanifest") {
        Some(REVALIDATE)
    } else if response.status().is_success() {
        // The same URL may be sent compressed or not: caches must key on what was accepted.
        response
            .headers_mut()
            .insert(VARY, HeaderValue::from_static("accept-encoding"));
        Some(FOREVER)
    } else {
        None
    };
    if let Some(policy) = policy {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

fn not_built(dist: &std::path::Path) -> Response {
    let text = format!(
        "tsunagu: the app is not built.\n\n\
         The relay is running, but {} holds no index.html.\n\
         Build the app and start the relay with:\n\n    cargo xtask run\n\n\
         (or pass --dist <folder> pointing at a built app).\n",
        dist.display()
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CACHE_CONTROL, REVALIDATE)],
        text,
    )
        .into_response()
}
