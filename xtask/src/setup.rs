//! Installs what the build and the tests need, idempotently, from package registries only.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cargo, root, run};

/// Where `cargo install` puts tools: `$CARGO_HOME` (by default `~/.cargo`), whose `bin` is on the
/// PATH of every Rust set-up, so one install serves every checkout on the machine.
pub(crate) fn tools_dir() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| root().join(".tools"))
}

/// Everything `dist` needs: the wasm target, wasm-bindgen at the Cargo.lock version, binaryen.
pub(crate) fn build_tools() -> Result<()> {
    wasm_target()?;
    wasm_bindgen()?;
    binaryen()
}

fn wasm_target() -> Result<()> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup")?;
    if !String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
pub(crate) fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen package")
}

pub(crate) fn wasm_bindgen_bin() -> PathBuf {
    tools_dir().join("bin/wasm-bindgen")
}

fn wasm_bindgen() -> Result<()> {
    let want = locked_wasm_bindgen_version()?;
    let have = Command::new(wasm_bindgen_bin())
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if have
        .as_deref()
        .is_some_and(|v| v.split_whitespace().nth(1) == Some(want.as_str()))
    {
        return Ok(());
    }
    // Not `--locked`: its lock file pins a crate version this registry mirror lacks (TOOLCHAIN.md).
    run(cargo()
        .args(["install", "wasm-bindgen-cli", "--version", &want, "--root"])
        .arg(tools_dir()))
}

pub(crate) fn wasm_opt_bin() -> PathBuf {
    root().join("xtask/node_modules/.bin/wasm-opt")
}

fn binaryen() -> Result<()> {
    if !wasm_opt_bin().exists() {
        // npm's binaryen, not Debian's: Debian's wasm-opt silently breaks the wasm (TOOLCHAIN.md).
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root().join("xtask")))?;
    }
    Ok(())
}

/// Chromium and chromedriver from Debian, for wasm-bindgen-test and the end-to-end tests.
pub(crate) fn chromium() -> Result<()> {
    if PathBuf::from("/usr/bin/chromium").exists()
        && PathBuf::from("/usr/bin/chromedriver").exists()
    {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// Whether this process runs as root (a CI machine), so system tools need no `sudo`.
pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Installs Debian packages (through `sudo` unless root).
pub(crate) fn apt_install(packages: &[&str]) -> Result<()> {
    let apt = |args: &[&str]| -> Result<()> {
        if is_root() {
            run(Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive"))
        } else {
            run(Command::new("sudo")
                .args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"])
                .args(args))
        }
    };
    apt(&["update", "-qq"])?;
    apt(&[&["install", "-y", "-qq"][..], packages].concat())
}

/// The npm packages the browser and interop tests use (playwright-core, automerge-repo).
pub(crate) fn test_node_modules() -> Result<()> {
    let tests = root().join("tests");
    if !tests.join("node_modules/.package-lock.json").exists()
        || std::fs::metadata(tests.join("package-lock.json"))?.modified()?
            > std::fs::metadata(tests.join("node_modules/.package-lock.json"))?.modified()?
    {
        // `npm install`, not `npm ci`: npm 11 leaves cbor-x's optional per-platform packages out
        // of the lock and then `ci` calls it out of sync. The lock pins every version all the same.
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(&tests))?;
    }
    Ok(())
}

/// The aiosmtpd version the relay's SMTP tests run against (`tests/smtp_sink.py`).
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// The Python of `tests/.venv`, which has aiosmtpd.
pub(crate) fn test_python() -> PathBuf {
    root().join("tests/.venv/bin/python")
}

/// A virtualenv in `tests/.venv` with aiosmtpd from PyPI, for the SMTP tests' real mail server.
/// A venv rather than the system Python: Debian's refuses `pip install` (PEP 668).
pub(crate) fn test_python_packages() -> Result<()> {
    let python = test_python();
    let importable = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if importable {
        return Ok(());
    }
    if !python.exists() {
        run(Command::new("python3")
            .args(["-m", "venv"])
            .arg(root().join("tests/.venv")))?;
    }
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        AIOSMTPD,
    ]))
}

/// A PATH with the installed tools first.
pub(crate) fn path_with_tools() -> String {
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", tools_dir().join("bin").display())
}
