//! `tsunagu-server`: runs the relay, or sets a new network up from the command line. See the
//! library docs for what it serves.

use std::io::{BufRead, IsTerminal};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use tsunagu_core::api::Setup;
use tsunagu_server::{Config, backup, serve, setup_from_command_line};

/// The tsunagu relay: sign-in, sync and the offline-first app, from one SQLite file (or PostgreSQL).
///
/// A fresh data directory waits for its first-run setup: the relay prints a one-time link for
/// it, or run `tsunagu-server setup`. `--demo` fills it with a demo company instead.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Data directory (holds tsunagu.sqlite3 and the pass signing key); created if missing.
    #[arg(long, default_value = "./data", global = true)]
    data: PathBuf,
    /// Keep the data in this PostgreSQL database (postgres://user:password@host/db) instead of
    /// the SQLite file in the data directory: for several relays that serve one network.
    #[arg(
        long,
        env = "TSUNAGU_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    database: Option<String>,
    /// The built app to serve.
    #[arg(long, default_value = "./dist")]
    dist: PathBuf,
    /// Fill an empty database with the demo company and its public demo sign-ins. Never for a
    /// real deployment.
    #[arg(long)]
    demo: bool,
    /// How many generated alumni the demo company has (60 unless asked): thousands show the
    /// directory at the scale of a large company.
    #[arg(long, value_name = "N", requires = "demo")]
    demo_alumni: Option<usize>,
    /// Mark the session cookie Secure and give it the `__Host-` prefix (when TLS terminates in
    /// front of the relay).
    #[arg(long)]
    secure_cookies: bool,
    /// Where members open the app, for links in mails (default: http://<addr>).
    #[arg(long)]
    public_url: Option<String>,
    /// Mail invitations and confirmations through this SMTP server: smtp://host:port (no TLS)
    /// or smtps://user:password@host:465. Without it, admins copy invitation links and approve
    /// every application themselves.
    #[arg(long, env = "TSUNAGU_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of mails.
    #[arg(long, default_value = "tsunagu <noreply@localhost>")]
    mail_from: String,
    /// A reverse proxy in front of the relay (repeat for several): client addresses are read
    /// from its X-Forwarded-For, and the browser's host from its X-Forwarded-Host.
    #[arg(long = "trusted-proxy", value_name = "ADDRESS")]
    trusted_proxies: Vec<IpAddr>,
    /// Who runs this relay, for the browsers' push services (mailto: or https:).
    #[arg(long, default_value = "mailto:noreply@localhost")]
    push_contact: String,
    /// Another push service notifications may be sent to, besides the browsers' own (an origin,
    /// `https://*.example.com` for its subdomains); repeat for several.
    #[arg(long = "push-service", value_name = "ORIGIN")]
    push_services: Vec<String>,
    /// Lets `GET /metrics` be read from elsewhere than the relay's own machine, by whoever
    /// presents this bearer token (Prometheus's `authorization` setting).
    #[arg(long, env = "TSUNAGU_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Messages on one page of a conversation before the next page starts (a phone opening a
    /// conversation syncs its newest page only).
    #[arg(long, value_name = "N")]
    messages_per_page: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sets up a new network (its organisation and first admin) in the data directory, once.
    /// The admin's password is read from TSUNAGU_ADMIN_PASSWORD, or asked for.
    Setup {
        /// The organisation's name, as members read it (e.g. 株式会社つなぐ商事).
        #[arg(long)]
        organisation: String,
        /// Its name in English.
        #[arg(long, default_value = "")]
        organisation_en: String,
        /// The network's default language: ja or en.
        #[arg(long, default_value = "ja")]
        language: String,
        /// The IANA time zone new events are held in.
        #[arg(long, default_value = "Asia/Tokyo")]
        time_zone: String,
        /// The first admin's name.
        #[arg(long)]
        admin_name: String,
        /// The first admin's email, to sign in with.
        #[arg(long)]
        admin_email: String,
    },
    /// Copies the database in the data directory to DEST, a new file: a consistent snapshot,
    /// safe while the relay runs. The pass-signing key file is not in it; keep that apart.
    Backup {
        /// The backup file to write; it must not exist yet.
        dest: PathBuf,
    },
    /// Puts the backup FROM in place of the data directory's database. Stop the relay first;
    /// the database it replaces is kept beside it (tsunagu.sqlite3.before-restore-<time>).
    Restore {
        /// A file made by `tsunagu-server backup`.
        from: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    if args.database.is_some()
        && matches!(
            args.command,
            Some(Command::Backup { .. } | Command::Restore { .. })
        )
    {
        eprintln!(
            "tsunagu-server: backup and restore copy the SQLite file; back a PostgreSQL \
             database up with pg_dump (see the README)"
        );
        return ExitCode::FAILURE;
    }
    match &args.command {
        Some(Command::Backup { dest }) => {
            return match backup::backup(&args.data, dest).await {
                Ok(made) => {
                    println!(
                        "Backed up {} members and {} documents ({:.1} MiB) to {}.",
                        made.members,
                        made.documents,
                        made.bytes as f64 / 1_048_576.0,
                        dest.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("tsunagu-server backup: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::Restore { from }) => {
            return match backup::restore(&args.data, from).await {
                Ok(kept) => {
                    println!("Restored {} into {}.", from.display(), args.data.display());
                    if let Some(kept) = kept {
                        println!("The database it replaced is kept at {}.", kept.display());
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("tsunagu-server restore: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    if let Some(Command::Setup {
        organisation,
        organisation_en,
        language,
        time_zone,
        admin_name,
        admin_email,
    }) = args.command
    {
        let admin_password = match admin_password() {
            Ok(password) => password,
            Err(e) => {
                eprintln!("tsunagu-server setup: reading the password: {e}");
                return ExitCode::FAILURE;
            }
        };
        let form = Setup {
            token: String::new(),
            organisation,
            organisation_en,
            language,
            time_zone,
            admin_name,
            admin_email,
            admin_password,
        };
        return match setup_from_command_line(&args.data, args.database.as_deref(), &form).await {
            Ok(email) => {
                println!("The network is set up. Start the relay and sign in as {email}.");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tsunagu-server setup: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut config = Config::new(args.addr, args.data, args.dist);
    config.database = args.database;
    config.seed_demo = args.demo;
    if let Some(n) = args.demo_alumni {
        config.demo_alumni = n;
    }
    config.secure_cookies = args.secure_cookies;
    config.public_url = args.public_url;
    config.smtp_url = args.smtp_url;
    config.mail_from = args.mail_from;
    config.trusted_proxies = args.trusted_proxies;
    config.push_contact = args.push_contact;
    config.push_services.extend(args.push_services);
    config.metrics_token = args.metrics_token.filter(|t| !t.is_empty());
    if let Some(n) = args.messages_per_page {
        config.limits.messages_per_page = n.max(1);
    }
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tsunagu-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The first admin's password: `TSUNAGU_ADMIN_PASSWORD`, else one line from standard input
/// (asked for on a terminal). Never a flag, which anyone on the host could read.
fn admin_password() -> std::io::Result<String> {
    if let Ok(password) = std::env::var("TSUNAGU_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("The first admin's password (at least 10 characters): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
