//! The build script's search for charming's ECharts script and its reading
//! of `Cargo.lock`, on made-up folder layouts (the real build only ever
//! sees the one this machine has).

#[path = "../../build/echarts.rs"]
mod echarts;
#[path = "../../build/lock.rs"]
mod lock;

use std::path::{Path, PathBuf};

use echarts::{find, Search};
use lock::Package;

fn charming(source: &str) -> Option<Package> {
    Some(Package {
        name: "charming".into(),
        version: "0.6.0".into(),
        source: Some(source.into()).filter(|s: &String| !s.is_empty()),
        dependencies: Vec::new(),
    })
}

const REGISTRY: &str = "registry+https://github.com/rust-lang/crates.io-index";

/// A charming source folder at `dir` with its script.
fn charming_at(dir: &Path, version: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("src/asset")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nedition = \"2021\"\nname = \"charming\"\nversion = \"{version}\"\n"),
    )
    .unwrap();
    let script = dir.join("src/asset/echarts-5.5.1.min.js");
    std::fs::write(&script, "/* echarts */").unwrap();
    script
}

struct Layout {
    dir: tempfile::TempDir,
}

impl Layout {
    fn new() -> Layout {
        let layout = Layout { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(layout.project()).unwrap();
        std::fs::write(layout.project().join("Cargo.toml"), "[package]\nname = \"tally\"\n").unwrap();
        layout
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("cargo-home")
    }
    fn project(&self) -> PathBuf {
        self.dir.path().join("work/tally")
    }
    fn search(&self, locked: Option<Package>) -> Search {
        Search { cargo_home: Some(self.home()), manifest_dir: self.project(), locked }
    }
}

#[test]
fn finds_the_locked_version_in_the_registry() {
    let layout = Layout::new();
    let index = layout.home().join("registry/src/index.crates.io-1949cf8c6b5b557f");
    charming_at(&index.join("charming-0.5.0"), "0.5.0");
    let want = charming_at(&index.join("charming-0.6.0"), "0.6.0");
    std::fs::create_dir_all(index.join("charming_macros-0.6.0/src/asset")).unwrap();
    assert_eq!(find(&layout.search(charming(REGISTRY))).unwrap(), want);
}

#[test]
fn finds_vendored_sources_where_the_cargo_config_points() {
    // `cargo vendor third_party` and its `[source]` lines in the project's
    // `.cargo/config.toml`; no registry at all (an offline machine).
    let layout = Layout::new();
    std::fs::create_dir_all(layout.project().join(".cargo")).unwrap();
    std::fs::write(
        layout.project().join(".cargo/config.toml"),
        "[source.crates-io]\nreplace-with = \"vendored-sources\"\n\n[source.vendored-sources]\ndirectory = \"third_party\"\n",
    )
    .unwrap();
    let want = charming_at(&layout.project().join("third_party/charming"), "0.6.0");
    assert_eq!(find(&layout.search(charming(REGISTRY))).unwrap(), want);
    // `cargo vendor --versioned-dirs` into the default `vendor/` works too.
    let layout = Layout::new();
    let want = charming_at(&layout.project().join("vendor/charming-0.6.0"), "0.6.0");
    assert_eq!(find(&layout.search(charming(REGISTRY))).unwrap(), want);
}

#[test]
fn finds_a_git_checkout_and_a_path_dependency() {
    let layout = Layout::new();
    let checkout = layout.home().join("git/checkouts/charming-5a1d2c3e4f5a6b7c/8f3e2d1");
    let want = charming_at(&checkout.join("charming"), "0.6.0");
    assert_eq!(
        find(&layout.search(charming("git+https://github.com/yuankunzhang/charming#8f3e2d1"))).unwrap(),
        want
    );

    let layout = Layout::new();
    std::fs::write(
        layout.project().join("Cargo.toml"),
        "[package]\nname = \"tally\"\n\n[patch.crates-io]\ncharming = { path = \"../charming/charming\" }\n",
    )
    .unwrap();
    let want = charming_at(&layout.project().join("../charming/charming"), "0.6.0");
    assert_eq!(find(&layout.search(charming(""))).unwrap(), want);
}

#[test]
fn says_where_it_looked_and_what_to_do() {
    let layout = Layout::new();
    std::fs::create_dir_all(layout.home().join("registry/src/index.crates.io-1949cf8c6b5b557f")).unwrap();
    let message = find(&layout.search(charming(REGISTRY))).unwrap_err();
    let message = message.replace(&layout.dir.path().to_string_lossy().into_owned(), "[TMP]");
    insta::assert_snapshot!("echarts_not_found", message);
}

#[test]
fn the_lock_closure_follows_dependencies_and_versions() {
    let text = r#"
version = 4

[[package]]
name = "tally"
version = "0.1.0"
dependencies = [
 "png 0.17.16",
 "resvg",
]

[[package]]
name = "resvg"
version = "0.45.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "png 0.18.0",
 "tiny-skia",
]

[[package]]
name = "tiny-skia"
version = "0.11.4"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["png 0.18.0"]

[[package]]
name = "png"
version = "0.17.16"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "png"
version = "0.18.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;
    let packages = lock::parse(text);
    assert_eq!(packages.len(), 5);
    assert_eq!(lock::dependency(&packages, "tally", "png").unwrap().version, "0.17.16");
    // resvg's png is 0.18, not tally's own 0.17.
    assert_eq!(lock::closure(&packages, "tally", &["resvg"]), "png 0.18.0\nresvg 0.45.1\ntiny-skia 0.11.4");
}
