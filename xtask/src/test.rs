//! `cargo xtask test`: every test the project has, on a machine that may be new.
//!
//! Steps run in order and all run even if one fails, so one report shows everything; the
//! command fails if any step failed.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::dist::{self, Profile};
use crate::fuzz;
use crate::postgres::Cluster;
use crate::setup::{self, path_with_tools};
use crate::{cargo, root, run};

/// How long each fuzz target runs in the test command.
const FUZZ_SECONDS: u32 = 20;

pub(crate) fn all() -> Result<()> {
    let started = Instant::now();
    setup::build_tools()?;
    setup::chromium()?;
    setup::test_node_modules()?;
    setup::test_python_packages()?;

    let mut failed: Vec<&str> = Vec::new();
    let mut passed = 0;
    // Each step's result is worked out just before it is handed here, so the time since the
    // last one is the step's own: printed at the end, to keep CI within its budget.
    let mut times: Vec<(&str, Duration)> = vec![("installing tools", started.elapsed())];
    let mut mark = Instant::now();
    let mut step = |name: &'static str, result: Result<()>| {
        times.push((name, mark.elapsed()));
        mark = Instant::now();
        match result {
            Ok(()) => passed += 1,
            Err(e) => {
                eprintln!("✗ {name}: {e:#}");
                failed.push(name);
            }
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
        // `postgres_…` tests compare the two databases: they run in the PostgreSQL pass.
        run(cargo()
            .args(["test"])
            .args(NATIVE)
            .args(["--", "--skip", "postgres_"])
            .env("TSUNAGU_TEST_PYTHON", setup::test_python())),
    );
    let postgres = Cluster::start();
    step(
        "relay tests on PostgreSQL",
        postgres
            .as_ref()
            .map_err(clone_error)
            .and_then(|cluster| relay_tests_on_postgres(cluster, &[])),
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
    step(
        "fuzzing the wire decoder and the change validator",
        fuzz::install().and_then(|()| fuzz::run_all(FUZZ_SECONDS)),
    );
    step("browser end-to-end and JS interop", browser_tests());
    step(
        "user stories in Chromium on PostgreSQL",
        postgres
            .as_ref()
            .map_err(clone_error)
            .and_then(browser_tests_on_postgres),
    );
    drop(postgres);

    for (name, took) in &times {
        eprintln!("{:>6.1} min  {name}", took.as_secs_f64() / 60.0);
    }
    eprintln!(
        "xtask test: {passed} steps ok, {} failed {failed:?}",
        failed.len()
    );
    if !failed.is_empty() {
        bail!("failed: {}", failed.join(", "));
    }
    Ok(())
}

/// What the native tests build: every crate but the app. The PostgreSQL pass and the relay the
/// browser tests drive are built with the same selection, so they reuse that build (`-p
/// tsunagu-server` alone, or `cargo build` without the test targets' dev-dependencies, unifies
/// other features and compiles the relay and its dependencies again).
const NATIVE: [&str; 3] = ["--workspace", "--exclude", "tsunagu-app"];

/// The relay's test suites again (with the other native tests, quick, so that the build is the
/// same), each relay on a new database in a throw-away PostgreSQL cluster (`args` go to the test
/// binaries). Tests named `sqlite_…` are about the SQLite file itself (backup, restore) and are
/// left out; `postgres_…` ones run only here.
pub(crate) fn relay_tests_on_postgres(cluster: &Cluster, args: &[String]) -> Result<()> {
    run(cargo()
        .args(["test", "--no-fail-fast"])
        .args(NATIVE)
        .args(["--", "--skip", "sqlite_"])
        .args(args)
        .env("TSUNAGU_TEST_POSTGRES", cluster.url())
        .env("TSUNAGU_TEST_PYTHON", setup::test_python()))
}

fn clone_error(e: &anyhow::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:#}")
}

/// The user story (sign in, edit, a second browser sees it, offline, reload) and interop with
/// the JS automerge-repo again, the relay binary on a new PostgreSQL database each: the app
/// works end to end on it. (Events, messages and the rest pass on PostgreSQL too, about 100 s
/// more; their database paths are the relay suites' job, which run on both.) Reuses the builds
/// of [`browser_tests`].
fn browser_tests_on_postgres(cluster: &Cluster) -> Result<()> {
    let files = [
        "tests/e2e/user_story.test.mjs",
        "tests/interop/automerge_repo.test.mjs",
    ];
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(files)
        .env("TSUNAGU_RELAY_BIN", relay_as_tested()?)
        .env("TSUNAGU_DIST", dist::dist_dir())
        .env("TSUNAGU_TEST_POSTGRES", cluster.url()))
}

/// The debug relay binary the native tests built (its integration tests need it), built again
/// only if those tests were not.
fn relay_as_tested() -> Result<std::path::PathBuf> {
    run(cargo().args(["test", "--no-run"]).args(NATIVE))?;
    Ok(dist::target_dir().join("debug").join("tsunagu-server"))
}

/// The release app shell and the relay, driven by node: Playwright in Chromium for the user
/// story, and the JS automerge-repo client for interop. Each test file starts its own relay on a
/// fresh database (it may kill and restart it), so files cannot disturb each other.
fn browser_tests() -> Result<()> {
    dist::build(Profile::Release)?;
    // `cargo test` above already built the debug relay; reuse it rather than build another.
    let relay = relay_as_tested()?;
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
    run(Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(&files)
        .env("TSUNAGU_RELAY_BIN", &relay)
        .env("TSUNAGU_DIST", dist::dist_dir()))
}
