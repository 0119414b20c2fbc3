//! Build script: finds the ECharts script that the `charming` crate ships in
//! its sources (`src/asset/echarts-<version>.min.js`) and exports its path as
//! `ECHARTS_JS`, so `src/render/chart` can `include_str!` it. The script is
//! never copied into this repository; it comes from the dependency.
//!
//! Cargo gives a build script no path to another package's sources (charming
//! declares no `links`), so we look where Cargo unpacks registry crates:
//! `$CARGO_HOME/registry/src/<index>/charming-<version>/`, with the version
//! taken from `Cargo.lock`. `TALLY_ECHARTS_JS` overrides the search (for
//! vendored or offline setups).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-env-changed=TALLY_ECHARTS_JS");
    println!("cargo:rerun-if-env-changed=CARGO_HOME");

    let path = match env::var_os("TALLY_ECHARTS_JS") {
        Some(p) => PathBuf::from(p),
        None => find_echarts().unwrap_or_else(|err| panic!("{err}")),
    };
    if !path.is_file() {
        panic!("ECharts script `{}` does not exist", path.display());
    }
    println!("cargo:rerun-if-changed={}", path.display());
    println!("cargo:rustc-env=ECHARTS_JS={}", path.display());
}

fn find_echarts() -> Result<PathBuf, String> {
    let cargo_home = match env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => {
            PathBuf::from(env::var_os("HOME").ok_or("neither CARGO_HOME nor HOME is set")?).join(".cargo")
        }
    };
    let registry = cargo_home.join("registry").join("src");
    let version = locked_charming_version();
    let mut candidates = Vec::new();
    let indexes = fs::read_dir(&registry)
        .map_err(|e| format!("cannot read the cargo registry `{}`: {e}", registry.display()))?;
    for index in indexes.flatten() {
        let Ok(crates) = fs::read_dir(index.path()) else {
            continue;
        };
        for krate in crates.flatten() {
            let name = krate.file_name().to_string_lossy().into_owned();
            let Some(crate_version) = name.strip_prefix("charming-") else {
                continue;
            };
            // `charming-0.6.0` but not `charming_macros-…`; with a lock file,
            // exactly the locked version.
            if !crate_version.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            if version.as_deref().is_some_and(|v| v != crate_version) {
                continue;
            }
            if let Some(script) = echarts_in(&krate.path().join("src").join("asset")) {
                candidates.push((crate_version.to_owned(), script));
            }
        }
    }
    // Without a lock file entry, prefer the newest unpacked charming; the
    // sort is on the version's numeric parts.
    candidates.sort_by_key(|(v, _)| {
        v.split(|c: char| !c.is_ascii_digit()).map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>()
    });
    candidates.pop().map(|(_, p)| p).ok_or_else(|| {
        format!(
            "could not find charming{}'s `src/asset/echarts-*.min.js` under `{}`; \
             run `cargo fetch`, or set TALLY_ECHARTS_JS to the script's path",
            version.map(|v| format!(" {v}")).unwrap_or_default(),
            registry.display()
        )
    })
}

/// The `echarts-<version>.min.js` file in charming's asset folder.
fn echarts_in(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("echarts-") && n.ends_with(".min.js"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// charming's version in `Cargo.lock`, if there is one.
fn locked_charming_version() -> Option<String> {
    let dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR")?);
    let lock = fs::read_to_string(dir.join("Cargo.lock")).ok()?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"charming\"" {
            let version = lines.next()?.trim();
            return version.strip_prefix("version = \"").and_then(|v| v.strip_suffix('"')).map(str::to_owned);
        }
    }
    None
}
