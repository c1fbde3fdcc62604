//! Builds the app shell into `./dist`: wasm (release: size-optimised and wasm-opt'ed), its JS glue,
//! CSS and static files, with content-hashed names, and fills in `index.html` and `sw.js`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::setup::{wasm_bindgen_bin, wasm_opt_bin};
use crate::{cargo, root, run, split};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Profile {
    Debug,
    Release,
}

pub(crate) fn dist_dir() -> PathBuf {
    root().join("dist")
}

pub(crate) fn build(profile: Profile) -> Result<()> {
    let wasm = compile(profile)?;
    let staging = target_dir().join("wasm-bindgen");
    let _ = fs::remove_dir_all(&staging);
    // Release: rarely opened screens go into chunks of their own (see `split`); the debug build
    // keeps one wasm, quick to build and to step through.
    let split = match profile {
        Profile::Release => Some(split::split(&wasm, &target_dir().join("wasm-split"))?),
        Profile::Debug => None,
    };
    let mut bindgen = Command::new(wasm_bindgen_bin());
    bindgen.args(["--target", "web", "--no-typescript", "--out-name", "app"]);
    if split.is_some() {
        // The chunks link against the main module's memory, table and stack pointer exports.
        bindgen.args(["--keep-lld-exports", "--no-demangle"]);
    }
    run(bindgen
        .arg("--out-dir")
        .arg(&staging)
        .arg(split.as_ref().map_or(&wasm, |s| &s.main)))?;
    let bindgen_wasm = staging.join("app_bg.wasm");
    if profile == Profile::Release {
        optimise(&bindgen_wasm)?;
    }
    for chunk in split.iter().flat_map(|s| &s.chunks) {
        optimise(chunk)?;
    }

    let out = dist_dir();
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out)?;
    copy_dir(&root().join("public"), &out)?;
    fs::remove_file(out.join("sw.js")).ok();

    let main_wasm = fs::read(&bindgen_wasm)?;
    let wasm_name = hashed(&out, "app", "wasm", &main_wasm)?;
    let glue = fs::read_to_string(staging.join("app.js"))?;
    // The glue names its wasm file only as a default; index.html passes the hashed one.
    let (js_name, mut bundle) = match &split {
        Some(split) => {
            let names = split::name_bundle(&out, split, &glue, &main_wasm)?;
            let mut bundle = names.chunks;
            bundle.push(names.link);
            (names.js, bundle)
        }
        None => (hashed(&out, "app", "js", glue.as_bytes())?, Vec::new()),
    };
    let css = concat_css(&root().join("style"))?;
    let css_name = hashed(&out, "style", "css", css.as_bytes())?;

    // The boot script names the hashed glue and wasm, so it is hashed after them.
    let boot = fs::read_to_string(root().join("app/boot.js"))
        .context("app/boot.js")?
        .replace("__TSUNAGU_JS__", &format!("/{js_name}"))
        .replace("__TSUNAGU_WASM__", &format!("/{wasm_name}"));
    let boot_name = hashed(&out, "boot", "js", boot.as_bytes())?;

    bundle.extend([&wasm_name, &js_name, &css_name, &boot_name].map(String::clone));
    for name in &bundle {
        precompress(&out.join(name))?;
    }

    let index = fs::read_to_string(root().join("app/index.html"))
        .context("app/index.html")?
        .replace("__TSUNAGU_CSS__", &format!("/{css_name}"))
        .replace("__TSUNAGU_BOOT__", &format!("/{boot_name}"))
        .replace("__TSUNAGU_JS__", &format!("/{js_name}"))
        .replace("__TSUNAGU_WASM__", &format!("/{wasm_name}"));
    fs::write(out.join("index.html"), &index)?;

    // The service worker precaches the whole shell, versioned by its content.
    let mut shell: Vec<String> = Vec::new();
    collect_files(&out, &out, &mut shell)?;
    shell.sort();
    let mut hasher = Sha256::new();
    for path in &shell {
        hasher.update(path.as_bytes());
        hasher.update(fs::read(out.join(path.trim_start_matches('/')))?);
    }
    let version = hex(&hasher.finalize()[..6]);
    let mut precache: Vec<String> = vec!["/".into()];
    precache.extend(
        shell
            .iter()
            .filter(|p| !p.ends_with(".br") && !p.ends_with(".gz"))
            .cloned(),
    );
    let sw = fs::read_to_string(root().join("public/sw.js"))
        .context("public/sw.js")?
        .replace("__TSUNAGU_VERSION__", &version)
        .replace("__TSUNAGU_PRECACHE__", &serde_json::to_string(&precache)?);
    fs::write(out.join("sw.js"), sw)?;
    eprintln!(
        "app shell {version} built into {} ({} files)",
        out.display(),
        shell.len() + 1
    );
    Ok(())
}

/// Compiles the app to wasm. A release build has the `split` feature and keeps its relocations,
/// which the split needs to move code between modules; `cargo rustc` passes the link flag to the
/// app crate only, so the dependencies' builds stay as they are.
fn compile(profile: Profile) -> Result<PathBuf> {
    let mut build = cargo();
    let dir = match profile {
        Profile::Release => {
            build.args(["rustc", "-p", "tsunagu-app", "--lib", "--release"]);
            build.args(["--target", "wasm32-unknown-unknown", "--features", "split"]);
            build.args(["--", "-Clink-args=--emit-relocs"]);
            "release"
        }
        Profile::Debug => {
            build.args([
                "build",
                "-p",
                "tsunagu-app",
                "--target",
                "wasm32-unknown-unknown",
            ]);
            "debug"
        }
    };
    run(&mut build)?;
    Ok(target_dir()
        .join("wasm32-unknown-unknown")
        .join(dir)
        .join("tsunagu_app.wasm"))
}

/// Shrinks a wasm file in place with `wasm-opt -Oz`.
fn optimise(wasm: &Path) -> Result<()> {
    let optimised = wasm.with_extension("opt.wasm");
    run(Command::new(wasm_opt_bin())
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
        ])
        .args([
            "--enable-mutable-globals",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&optimised))?;
    fs::rename(&optimised, wasm)?;
    Ok(())
}

/// Builds the relay binary; a release app goes with a release relay (no fat LTO: quick rebuilds).
pub(crate) fn build_relay(profile: Profile) -> Result<PathBuf> {
    let mut build = cargo();
    build.args(["build", "-p", "tsunagu-server"]);
    let dir = match profile {
        Profile::Release => {
            build.args(["--profile", "release-server"]);
            "release-server"
        }
        Profile::Debug => "debug",
    };
    run(&mut build)?;
    Ok(target_dir().join(dir).join("tsunagu-server"))
}

pub(crate) fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn hashed(out: &Path, stem: &str, ext: &str, bytes: &[u8]) -> Result<String> {
    let name = format!("{stem}-{}.{ext}", hex(&Sha256::digest(bytes)[..5]));
    fs::write(out.join(&name), bytes)?;
    Ok(name)
}

/// Writes `.br` and `.gz` beside a content-hashed asset for the relay to send as they are.
/// (Never for `index.html` or `sw.js`: their names stay, so a stale compressed copy could linger.)
fn precompress(path: &Path) -> Result<()> {
    use std::io::Write;
    let bytes = fs::read(path)?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut bytes.as_slice(), &mut br, &params)?;
    fs::write(path.with_extension(format!("{}.br", ext(path))), br)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    fs::write(
        path.with_extension(format!("{}.gz", ext(path))),
        gz.finish()?,
    )?;
    Ok(())
}

fn ext(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// All of `style/*.css`, `main.css` first, then the rest by name.
fn concat_css(dir: &Path) -> Result<String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "css"))
        .collect();
    files.sort_by_key(|p| (p.file_name().is_none_or(|n| n != "main.css"), p.clone()));
    let mut css = String::new();
    for f in files {
        css.push_str(&fs::read_to_string(&f)?);
        css.push('\n');
    }
    Ok(css)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if src.is_dir() {
            fs::create_dir_all(&dst)?;
            copy_dir(&src, &dst)?;
        } else if !name.ends_with(".py") && !name.ends_with(".md") {
            fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

fn collect_files(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push(format!("/{}", rel.to_string_lossy()));
        }
    }
    Ok(())
}
