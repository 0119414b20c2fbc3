//! Build script, two jobs:
//!
//! - Find the ECharts script that the `charming` crate ships in its sources
//!   and export its path as `ECHARTS_JS`, so `src/render/chart` can
//!   `include_str!` it. The script is never copied into this repository; it
//!   comes from the dependency (see `build/echarts.rs` for where it looks).
//!   `TALLY_ECHARTS_JS` overrides the search.
//! - Export the locked versions of the crates that decide a chart's or a
//!   PDF's bytes (renderers, fonts, layout) as `TALLY_CHART_DEPS` and
//!   `TALLY_PDF_DEPS`, so the build caches key on them and a `cargo update`
//!   never serves bytes a fresh build would not make.

#[path = "build/echarts.rs"]
mod echarts;
#[path = "build/lock.rs"]
mod lock;

use std::env;
use std::fs;
use std::path::PathBuf;

/// The crates whose code or data shapes a chart's SVG and PNG: the option
/// builder, the JavaScript engine ECharts runs in, the rasteriser and its
/// text stack, the fonts and the font metrics.
const CHART_CRATES: &[&str] = &["charming", "rquickjs", "resvg", "dejavu", "ttf-parser"];

/// The crates whose code or data shapes a tab PDF: typst's compiler and
/// PDF writer, the embedded fonts, the fonts charts use.
const PDF_CRATES: &[&str] = &["typst", "typst-pdf", "typst-as-lib", "dejavu"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/echarts.rs");
    println!("cargo:rerun-if-changed=build/lock.rs");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-env-changed=TALLY_ECHARTS_JS");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");

    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    // Two checkouts of tally may share one target folder (.ci/target-dir
    // links `./target` to one cache, so DuckDB compiles once). Cargo keeps
    // one set of tally's own artifacts there and judges them by file times,
    // not by checkout, so a checkout whose files are older than the other's
    // last build would silently reuse the other's binary (rust-lang/cargo
    // #17312). Cargo records the variables named here from its own
    // environment, where the shell's PWD is the folder cargo runs in: in
    // another checkout this script reruns, and the checkout's path below
    // changes tally's environment, so tally is compiled from its own files.
    println!("cargo:rerun-if-env-changed=PWD");
    println!("cargo:rustc-env=TALLY_CHECKOUT={}", manifest_dir.display());
    let packages =
        fs::read_to_string(manifest_dir.join("Cargo.lock")).map(|t| lock::parse(&t)).unwrap_or_default();

    let path = match env::var_os("TALLY_ECHARTS_JS").filter(|v| !v.is_empty()) {
        Some(p) => {
            let path = PathBuf::from(p);
            if !path.is_file() {
                fail(&format!(
                    "TALLY_ECHARTS_JS is `{}`, which is not a file; point it at an ECharts script \
                     (charming's src/asset/echarts-5.5.1.min.js), or unset it to let the build find charming's",
                    path.display()
                ));
            }
            path
        }
        None => {
            let search = echarts::Search {
                cargo_home: env::var_os("CARGO_HOME")
                    .map(PathBuf::from)
                    .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"))),
                manifest_dir: manifest_dir.clone(),
                locked: lock::dependency(&packages, "tally", "charming").cloned(),
            };
            echarts::find(&search).unwrap_or_else(|message| fail(&message))
        }
    };
    println!("cargo:rerun-if-changed={}", path.display());
    println!("cargo:rustc-env=ECHARTS_JS={}", path.display());

    let versions = |crates: &[&str]| {
        if packages.is_empty() {
            // No lock file (an install without one): key the caches on this
            // build instead, so a different build never reuses them.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            format!("unlocked build {}", now.as_nanos())
        } else {
            lock::closure(&packages, "tally", crates)
        }
    };
    // Multi-line values cannot go through `rustc-env`; `;` separates.
    println!("cargo:rustc-env=TALLY_CHART_DEPS={}", versions(CHART_CRATES).replace('\n', ";"));
    println!("cargo:rustc-env=TALLY_PDF_DEPS={}", versions(PDF_CRATES).replace('\n', ";"));
}

/// Stops the build with `message` (cargo shows a failed build script's
/// stderr), without a panic's backtrace noise.
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
