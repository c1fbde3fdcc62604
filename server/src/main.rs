//! `tsunagu-server`: runs the relay. See the library docs for what it serves.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tsunagu_server::{Config, serve};

/// The tsunagu relay: sign-in, sync and the offline-first app, from one SQLite file.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Data directory (holds tsunagu.sqlite3); created if missing.
    #[arg(long, default_value = "./data")]
    data: PathBuf,
    /// The built app to serve.
    #[arg(long, default_value = "./dist")]
    dist: PathBuf,
    /// Do not fill an empty database with the demo company.
    #[arg(long)]
    no_demo: bool,
    /// Mark the session cookie Secure (when TLS terminates in front of the relay).
    #[arg(long)]
    secure_cookies: bool,
    /// Where members open the app, for invitation links (default: http://<addr>).
    #[arg(long)]
    public_url: Option<String>,
    /// Mail invitations through this SMTP server: smtp://host:port (no TLS) or
    /// smtps://user:password@host:465. Without it, admins copy the links.
    #[arg(long, env = "TSUNAGU_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of invitation mails.
    #[arg(long, default_value = "tsunagu <noreply@localhost>")]
    mail_from: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    let mut config = Config::new(args.addr, args.data, args.dist);
    config.seed_demo = !args.no_demo;
    config.secure_cookies = args.secure_cookies;
    config.public_url = args.public_url;
    config.smtp_url = args.smtp_url;
    config.mail_from = args.mail_from;
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tsunagu-server: {e}");
            ExitCode::FAILURE
        }
    }
}
