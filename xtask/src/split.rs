//! Cuts the release wasm into the main module and lazily loaded chunks, the way cargo-leptos does
//! with `--split`: after `cargo` links (with `--emit-relocs`, so calls can be rewired) and before
//! `wasm-bindgen`. Every `#[leptos::lazy]` function (the app's `ui::lazy` screens) becomes a chunk;
//! code two chunks share goes into a chunk of its own.
//!
//! The tool also writes a small JS link module: the main wasm imports its loaders, and it fetches
//! each chunk next to itself and instantiates it with the main module's memory and table. The two
//! JS files import each other, so [`name_bundle`] names both after one hash over the whole bundle.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use sha2::{Digest, Sha256};

use crate::dist::hex;

/// The module name the main wasm imports the chunk loaders from; `wasm-bindgen` turns it into an
/// `import` in the glue, which [`name_bundle`] points at the hashed link module.
const LINK_MODULE: &str = "./__tsunagu_split.js";
/// Where the link module imports the glue's `initSync` from (for the main module's exports).
const MAIN_MODULE: &str = "./__tsunagu_app.js";

/// What the split wrote into its directory.
#[derive(Debug)]
pub(crate) struct Split {
    /// The main module, for `wasm-bindgen` (with `--keep-lld-exports`: the chunks import them).
    pub(crate) main: PathBuf,
    /// One wasm file per lazily loaded chunk.
    pub(crate) chunks: Vec<PathBuf>,
    /// The JS that loads them.
    link: PathBuf,
}

/// Splits `wasm` (linked with `--emit-relocs`) into `dir`.
pub(crate) fn split(wasm: &Path, dir: &Path) -> Result<Split> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir)?;
    let input = fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let main = dir.join("main.wasm");
    let result = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = dir;
        opts.main_out_path = &main;
        opts.main_module = MAIN_MODULE;
        opts.link_name = LINK_MODULE;
        opts
    })
    // eyre's report is not a std error; its Debug form carries the whole chain.
    .map_err(|e| anyhow!("splitting {}: {e:?}", wasm.display()))?;
    let mut chunks = result.split_modules;
    chunks.sort();
    Ok(Split {
        main,
        chunks,
        link: dir.join(LINK_MODULE.trim_start_matches("./")),
    })
}

/// The names the bundle's files get in `dist/`.
#[derive(Debug)]
pub(crate) struct BundleNames {
    /// The wasm-bindgen glue.
    pub(crate) js: String,
    /// The JS link module.
    pub(crate) link: String,
    /// Each chunk, in the order of [`Split::chunks`].
    pub(crate) chunks: Vec<String>,
}

/// Writes the glue, the link module and the (optimised) chunks into `out` under content-hashed
/// names, each file pointing at the others' new names. `main_wasm` is the optimised main module.
pub(crate) fn name_bundle(
    out: &Path,
    split: &Split,
    glue: &str,
    main_wasm: &[u8],
) -> Result<BundleNames> {
    let link = fs::read_to_string(&split.link)
        .with_context(|| format!("reading {}", split.link.display()))?;
    // The tool compiles a chunk only once the chunks it depends on are instantiated; compiling
    // it as it arrives instead overlaps the work (a screen opened at start waits less for it).
    let mut link = replace_all(
        &link,
        "return async (imports) => (WebAssembly.instantiateStreaming(src, imports));",
        "const compiled = WebAssembly.compileStreaming(src);\n    compiled.catch(() => {});\n    \
         return async (imports) => (WebAssembly.instantiate(await compiled, imports));",
    )?;
    let mut chunks = Vec::new();
    for chunk in &split.chunks {
        let bytes = fs::read(chunk)?;
        let file = chunk
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .context("chunk without a file name")?;
        let stem = file.trim_end_matches(".wasm");
        let name = format!("{stem}-{}.wasm", hex(&Sha256::digest(&bytes)[..5]));
        fs::write(out.join(&name), &bytes)?;
        link = replace_once(&link, &format!("\"./{file}\""), &format!("\"./{name}\""))?;
        chunks.push(name);
    }

    // The glue and the link module import each other, so neither can be named after its own
    // content alone: both take one hash over every file of the bundle.
    let mut hasher = Sha256::new();
    hasher.update(main_wasm);
    hasher.update(glue.as_bytes());
    hasher.update(link.as_bytes());
    let bundle = hex(&hasher.finalize()[..5]);
    let (js, link_name) = (format!("app-{bundle}.js"), format!("split-{bundle}.js"));

    // Only the `import … from` lines: the imports object keeps the module name the wasm asks for.
    let glue = replace_all(
        glue,
        &format!("from \"{LINK_MODULE}\""),
        &format!("from \"./{link_name}\""),
    )?;
    let link = replace_once(
        &link,
        &format!("from \"{MAIN_MODULE}\""),
        &format!("from \"./{js}\""),
    )?;
    fs::write(out.join(&js), glue)?;
    fs::write(out.join(&link_name), link)?;
    Ok(BundleNames {
        js,
        link: link_name,
        chunks,
    })
}

/// Replaces every occurrence of `from`, failing loudly if there is none (a tool's output changed).
fn replace_all(text: &str, from: &str, to: &str) -> Result<String> {
    if !text.contains(from) {
        return Err(anyhow!("expected `{from}` in the split bundle"));
    }
    Ok(text.replace(from, to))
}

/// Replaces the one occurrence of `from`, failing loudly if a tool's output changed shape.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(anyhow!(
            "expected `{from}` once in the split bundle, found it {n} times"
        )),
    }
}
