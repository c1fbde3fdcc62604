//! `cargo xtask test`: every test the project has, on a machine that may be new.
//!
//! Steps run in order and all run even if one fails, so one report shows everything; the
//! command fails if any step failed.

use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::dist::{self, Profile, target_dir};
use crate::setup::{self, path_with_tools};
use crate::{cargo, root, run};

pub(crate) fn all() -> Result<()> {
    setup::build_tools()?;
    setup::chromium()?;
    setup::test_node_modules()?;

    let mut failed: Vec<&str> = Vec::new();
    let mut passed = 0;
    let mut step = |name: &'static str, result: Result<()>| match result {
        Ok(()) => passed += 1,
        Err(e) => {
            eprintln!("✗ {name}: {e:#}");
            failed.push(name);
        }
    };

    step("format", run(cargo().args(["fmt", "--all", "--check"])));
    step(
        "clippy (native)",
        run(cargo().args([
            "clippy",
            "--workspace",
            "--exclude",
            "tsunagu-app",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
    );
    step(
        "clippy (wasm app)",
        run(cargo().args([
            "clippy",
            "-p",
            "tsunagu-app",
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])),
    );
    step(
        "unit, engine and relay tests",
        run(cargo().args(["test", "--workspace", "--exclude", "tsunagu-app"])),
    );
    step(
        "IndexedDB store in headless Chromium",
        run(cargo()
            .args([
                "test",
                "-p",
                "tsunagu-app",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("PATH", path_with_tools())
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_TIMEOUT", "120")),
    );
    step("browser end-to-end and JS interop", browser_tests());

    eprintln!(
        "xtask test: {passed} steps ok, {} failed {failed:?}",
        failed.len()
    );
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}

/// The release app shell against a relay on a fresh database, driven by node: Playwright in
/// Chromium for the user story, and the JS automerge-repo client for interop.
fn browser_tests() -> Result<()> {
    dist::build(Profile::Release)?;
    // `cargo test` above already built the debug relay; reuse it rather than build another.
    let relay_bin = dist::build_relay(Profile::Debug)?;
    let port = free_port()?;
    let data = tempdir("tsunagu-e2e")?;
    let url = format!("http://127.0.0.1:{port}");
    let mut relay = Relay(
        Command::new(&relay_bin)
            .args(["--addr", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&data)
            .arg("--dist")
            .arg(dist::dist_dir())
            .spawn()?,
    );
    wait_for(&url)?;
    let mut files: Vec<String> = Vec::new();
    for dir in ["tests/interop", "tests/e2e"] {
        for entry in std::fs::read_dir(root().join(dir))? {
            let path = entry?.path();
            if path.to_string_lossy().ends_with(".test.mjs") {
                files.push(path.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    let result = run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .env("TSUNAGU_URL", &url)
        .env("TSUNAGU_RELAY_BIN", &relay_bin)
        .env("TSUNAGU_DIST", dist::dist_dir()));
    relay.0.kill().ok();
    relay.0.wait().ok();
    let _ = std::fs::remove_dir_all(&data);
    let _ = target_dir();
    result
}

/// Kills the relay even when a test step panics.
struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        self.0.kill().ok();
    }
}

pub(crate) fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub(crate) fn tempdir(prefix: &str) -> Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn wait_for(url: &str) -> Result<()> {
    let addr = url.trim_start_matches("http://");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the relay did not start listening on {url} within 60 s")
}
