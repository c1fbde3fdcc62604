//! The `cargo fuzz` targets in `fuzz/`: the wire decoder feeding the relay's engine, and the
//! change validator against plain statements of the grant rule (a profile) and of the append
//! rule (a check-in log). `cargo xtask test` runs each
//! for a short, bounded time from an empty corpus and reports how many inputs it tried;
//! `cargo xtask fuzz --seconds N` runs them longer.
//!
//! Built without a sanitizer (`-s none`): the code under test is safe Rust, and stable rustc
//! can build it that way with no nightly flags.

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run};

/// cargo-fuzz, pinned so every machine runs the same driver.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

const TARGETS: [&str; 3] = ["wire", "validate", "append"];

/// Installs cargo-fuzz at the pinned version if it is missing or another version.
pub(crate) fn install() -> Result<()> {
    let have = cargo().args(["fuzz", "--version"]).output();
    let current = have
        .as_ref()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(CARGO_FUZZ_VERSION));
    if !current {
        run(cargo().args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--force",
        ]))?;
    }
    Ok(())
}

/// Runs every target for `seconds`, failing on the first crash with libFuzzer's report.
pub(crate) fn run_all(seconds: u32) -> Result<()> {
    for target in TARGETS {
        let shown = format!("cargo fuzz run -s none {target} -- -max_total_time={seconds}");
        eprintln!("» {shown}");
        let out = cargo()
            .args(["fuzz", "run", "-s", "none", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .current_dir(root().join("fuzz"))
            .output()
            .with_context(|| format!("could not start {shown}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            for line in tail.into_iter().rev() {
                eprintln!("  {line}");
            }
            bail!("fuzz target `{target}` failed; the input is under fuzz/artifacts/{target}");
        }
        let executions = log
            .lines()
            .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
            .map_or("?", str::trim);
        eprintln!("  fuzz {target}: {executions} inputs in {seconds} s, no failure");
    }
    Ok(())
}

/// `cargo xtask fuzz [--seconds N]`.
pub(crate) fn command(seconds: Option<String>) -> Result<()> {
    let seconds = seconds.map_or(Ok(60), |s| s.parse()).context("--seconds")?;
    install()?;
    run_all(seconds)
}
