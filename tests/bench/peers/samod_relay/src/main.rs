//! samod as a sync server, the way its own interop tests run it: one repo on tokio with file
//! storage, every WebSocket on `/` accepted and trusted for the peer id it claims, documents
//! served to whoever asks for them by id.
//!
//!     samod-relay PORT DATA_DIR
//!
//! Prints "listening" once it accepts connections.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use samod::{AcceptorHandle, Repo};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: samod-relay PORT DATA_DIR");
    let dir = args.next().expect("usage: samod-relay PORT DATA_DIR");
    let repo = Repo::build_tokio()
        .with_storage(samod::storage::TokioFilesystemStorage::new(dir))
        .load()
        .await;
    let url = url::Url::parse(&format!("ws://127.0.0.1:{port}")).expect("a URL");
    let acceptor = repo.make_acceptor(url).expect("the repo runs");
    let app = axum::Router::new()
        .route("/", axum::routing::get(accept))
        .with_state(acceptor);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free");
    println!("listening");
    axum::serve(listener, app).await.expect("serves");
}

async fn accept(socket: WebSocketUpgrade, State(acceptor): State<AcceptorHandle>) -> Response {
    socket.on_upgrade(move |socket| async move {
        if let Err(e) = acceptor.accept_axum(socket, None) {
            eprintln!("samod refused a connection: {e:?}");
        }
    })
}
