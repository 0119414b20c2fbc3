//! Finding the ECharts script that the `charming` crate ships in its
//! sources (`src/asset/echarts-<version>.min.js`), wherever cargo put those
//! sources: unpacked from the registry, vendored (`cargo vendor`), checked
//! out from git, or a path dependency or `[patch]`. Cargo tells a build
//! script nothing about another package's sources (charming declares no
//! `links`), and running `cargo metadata` from a build script can deadlock
//! on cargo's own locks, so this looks in the places cargo uses.

use std::fs;
use std::path::{Path, PathBuf};

use super::lock::Package;

/// Where to look, from the build script's environment.
pub struct Search {
    /// `CARGO_HOME` (default `~/.cargo`).
    pub cargo_home: Option<PathBuf>,
    /// The package's folder (`CARGO_MANIFEST_DIR`).
    pub manifest_dir: PathBuf,
    /// charming as `Cargo.lock` has it, if it does.
    pub locked: Option<Package>,
}

/// The script, or the message saying where it was looked for and what to
/// do.
pub fn find(search: &Search) -> Result<PathBuf, String> {
    let version = search.locked.as_ref().map(|p| p.version.as_str());
    let mut looked = Vec::new();
    for (what, dir) in candidate_dirs(search) {
        if let Some(script) = script_in(&dir, version) {
            return Ok(script);
        }
        looked.push(format!("  - {} ({what})", dir.display()));
    }
    looked.sort();
    looked.dedup();
    let version = version.map(|v| format!(" {v}")).unwrap_or_default();
    Err(format!(
        "tally's build could not find the ECharts script.\n\
         tally embeds the `src/asset/echarts-*.min.js` that the `charming` crate{version} ships in its sources, \
         and looked for those sources in:\n{}\n\
         Do one of these, then build again:\n\
         \x20 - run `cargo fetch`, so cargo unpacks charming into its registry;\n\
         \x20 - with `cargo vendor`, keep the vendored `charming` folder where `.cargo/config.toml`'s `directory` points;\n\
         \x20 - set TALLY_ECHARTS_JS to the script's path, e.g. the one in a copy of charming{version}'s sources:\n\
         \x20     TALLY_ECHARTS_JS=/path/to/charming/src/asset/echarts-5.5.1.min.js cargo build --release",
        if looked.is_empty() { "  (nowhere: no cargo home, vendor folder or lock entry)".to_string() } else { looked.join("\n") }
    ))
}

/// Folders that may hold charming's sources, with what each is.
fn candidate_dirs(search: &Search) -> Vec<(&'static str, PathBuf)> {
    let mut dirs = Vec::new();
    let source = search.locked.as_ref().and_then(|p| p.source.as_deref()).unwrap_or("");
    // Vendored sources first: with source replacement, they are what cargo
    // builds even though the lock still says `registry+…`.
    for vendor in vendor_dirs(search) {
        for entry in entries(&vendor) {
            if is_charming_dir(&entry) {
                dirs.push(("vendored sources", entry));
            }
        }
        dirs.push(("vendored sources", vendor.join("charming")));
    }
    // A path dependency or a `[patch]` with a path.
    for path in path_dependencies(&search.manifest_dir) {
        dirs.push(("a path dependency in Cargo.toml", path));
    }
    if let Some(home) = &search.cargo_home {
        let registry = home.join("registry").join("src");
        for index in entries(&registry) {
            for entry in entries(&index) {
                if is_charming_dir(&entry) {
                    dirs.push(("cargo's registry", entry));
                }
            }
        }
        if !source.starts_with("git+") {
            let version = search.locked.as_ref().map(|p| p.version.as_str()).unwrap_or("*");
            dirs.push(("cargo's registry", registry.join("*").join(format!("charming-{version}"))));
        }
        if source.starts_with("git+") || search.locked.is_none() {
            // `git/checkouts/charming-<hash>/<rev>/`, where the crate is
            // the repository's `charming/` folder or its root.
            for repo in entries(&home.join("git").join("checkouts")) {
                if !repo.file_name().is_some_and(|n| n.to_string_lossy().starts_with("charming")) {
                    continue;
                }
                for rev in entries(&repo) {
                    dirs.push(("a git checkout", rev.join("charming")));
                    dirs.push(("a git checkout", rev));
                }
            }
        }
    }
    dirs
}

/// `charming`, `charming-0.6.0`, but not `charming_macros-0.6.0`.
fn is_charming_dir(dir: &Path) -> bool {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name == "charming"
        || name.strip_prefix("charming-").is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
}

/// The vendor folders named by `.cargo/config.toml` (in the package's
/// folder and its parents, and in cargo's home), and `vendor/` beside
/// `Cargo.toml`, the folder `cargo vendor` writes by default.
fn vendor_dirs(search: &Search) -> Vec<PathBuf> {
    let mut dirs = vec![search.manifest_dir.join("vendor")];
    let mut configs = Vec::new();
    for dir in search.manifest_dir.ancestors() {
        // Paths in a `.cargo/config.toml` are relative to the folder that
        // holds `.cargo`.
        configs.push((dir.join(".cargo").join("config.toml"), dir.to_path_buf()));
        configs.push((dir.join(".cargo").join("config"), dir.to_path_buf()));
    }
    if let Some(home) = &search.cargo_home {
        let base = home.parent().map(Path::to_path_buf).unwrap_or_default();
        configs.push((home.join("config.toml"), base.clone()));
        configs.push((home.join("config"), base));
    }
    for (config, base) in configs {
        let Ok(text) = fs::read_to_string(&config) else { continue };
        for line in text.lines() {
            let line = line.trim();
            if let Some(value) =
                line.strip_prefix("directory").map(str::trim_start).and_then(|l| l.strip_prefix('='))
            {
                let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                dirs.push(base.join(value));
            }
        }
    }
    dirs
}

/// `path = "…"` of a `charming` entry in the package's `Cargo.toml` (a
/// dependency or a `[patch]`), relative to its folder.
fn path_dependencies(manifest_dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string(manifest_dir.join("Cargo.toml")) else { return Vec::new() };
    text.lines()
        .filter(|line| line.trim_start().starts_with("charming") && line.contains("path"))
        .filter_map(|line| {
            let rest = &line[line.find("path")? + 4..];
            let rest = rest.trim_start().strip_prefix('=')?.trim_start().strip_prefix('"')?;
            Some(manifest_dir.join(&rest[..rest.find('"')?]))
        })
        .collect()
}

/// The script in a charming source folder, if the folder is charming (of
/// `version`, when known) and has one.
fn script_in(dir: &Path, version: Option<&str>) -> Option<PathBuf> {
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let field = |key: &str| {
        manifest.lines().map(str::trim).find_map(|l| {
            let value = l.strip_prefix(key)?.trim_start().strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_string())
        })
    };
    if field("name").as_deref() != Some("charming")
        || version.is_some_and(|v| field("version").as_deref() != Some(v))
    {
        return None;
    }
    let mut found: Vec<PathBuf> = entries(&dir.join("src").join("asset"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("echarts-") && n.ends_with(".min.js"))
        })
        .collect();
    found.sort();
    found.pop()
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> =
        fs::read_dir(dir).map(|entries| entries.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    paths.sort();
    paths
}
