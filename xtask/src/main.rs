//! `cargo xtask` — the only commands a newcomer needs.
//!
//! - `cargo xtask run [--addr 127.0.0.1:8080] [--debug]`: installs what is missing, builds the
//!   app (wasm) and the relay, and serves them with the embedded SQLite demo data under `./data`.
//! - `cargo xtask test`: installs what is missing (Chromium, chromedriver, wasm-bindgen, npm
//!   packages) and runs every test: lints, unit and relay tests, wasm tests in headless Chromium,
//!   interop with the JS automerge-repo, and the end-to-end browser tests.
//! - `cargo xtask test-postgres [FILTER]`: only the relay's tests, on a throw-away PostgreSQL
//!   cluster (the test command runs them on both databases).
//! - `cargo xtask bench [--wire-only]`: prints sizes and bytes-on-the-wire figures.
//! - `cargo xtask bench relays`: tsunagu's relay against samod and the Node automerge-repo
//!   sync server, side by side (fan-out, idle memory, directory fetch and reconnect).
//! - `cargo xtask fuzz [--seconds N]`: runs the `cargo fuzz` targets (the test command runs
//!   them briefly too).
//! - `cargo xtask dist [--debug]`: only builds the app shell into `./dist`.
//!
//! Every install step is idempotent and uses only package registries (crates.io, npm, Debian).

mod bench;
mod bench_events;
mod bench_messages;
mod bench_relays;
mod bench_validation;
mod dist;
mod fuzz;
mod postgres;
mod setup;
mod split;
mod test;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let profile = if flag("--debug") {
        dist::Profile::Debug
    } else {
        dist::Profile::Release
    };
    match args.first().map(String::as_str) {
        Some("dist") => {
            setup::build_tools()?;
            dist::build(profile)?;
        }
        Some("run") => {
            setup::build_tools()?;
            dist::build(profile)?;
            let addr = value("--addr").unwrap_or_else(|| "127.0.0.1:8080".into());
            run_relay(&addr, profile)?;
        }
        Some("test") => test::all()?,
        // The relay's tests on a throw-away PostgreSQL only (what follows goes to the test
        // binaries: a filter, `--nocapture`).
        Some("test-postgres") => {
            setup::test_python_packages()?;
            test::relay_tests_on_postgres(&postgres::Cluster::start()?, &args[1..])?;
        }
        Some("bench") if args.get(1).is_some_and(|a| a == "relays") => bench_relays::all()?,
        Some("bench") => bench::all(flag("--wire-only"))?,
        Some("bench-release") => {
            bench_validation::all()?;
            bench_events::all()?;
            bench_messages::all()?;
        }
        Some("fuzz") => fuzz::command(value("--seconds"))?,
        _ => bail!(
            "usage: cargo xtask <run [--addr A] [--debug] | test | test-postgres [FILTER] | bench [relays | --wire-only] | fuzz [--seconds N] | dist [--debug]>"
        ),
    }
    Ok(())
}

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs a command from the workspace root, failing with its command line if it fails.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("» {shown}");
    let status = cmd
        .current_dir_if_unset()
        .status()
        .with_context(|| format!("could not start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

pub(crate) fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Builds the relay and runs it in the foreground on the demo database (`--demo`: a newcomer's
/// first look; a real deployment starts without it, at its first-run setup).
fn run_relay(addr: &str, profile: dist::Profile) -> Result<()> {
    let relay = dist::build_relay(profile)?;
    std::fs::create_dir_all(root().join("data"))?;
    run(Command::new(relay).args(["--addr", addr, "--data", "data", "--dist", "dist", "--demo"]))
}
