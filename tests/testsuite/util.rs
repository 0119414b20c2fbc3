//! The test helper: copy a fixture site to a temp dir, run the real `tally`
//! binary in it, and read what it wrote.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;
use walkdir::WalkDir;

/// A fixture site copied into its own temp dir.
pub struct TestSite {
    dir: TempDir,
}

impl TestSite {
    /// Copies `tests/fixtures/<name>` into a fresh temp dir.
    pub fn new(name: &str) -> TestSite {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        assert!(src.is_dir(), "no fixture `{}`", src.display());
        let dir = tempfile::Builder::new().prefix("tally-test-").tempdir().unwrap();
        copy_dir(&src, dir.path());
        TestSite { dir }
    }

    /// Copies `tests/fixtures/<name>` (which holds `site.toml` with its
    /// site-level settings and a data dir) and gives it the repository's
    /// default reports: its `queries/` folder beside the fixture's
    /// `site.toml`, and its `[tables]` and `[[tabs]]` merged into it, so the
    /// reports that run are exactly the default site's.
    pub fn with_default_reports(name: &str) -> TestSite {
        let site = TestSite::new(name);
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&repo.join("queries"), &site.path("queries"));
        let mut config: toml::Table =
            toml::from_str(&std::fs::read_to_string(repo.join("site.toml")).unwrap()).unwrap();
        let fixture: toml::Table = toml::from_str(&site.read("site.toml")).unwrap();
        for (key, value) in fixture {
            config.insert(key, value);
        }
        site.write("site.toml", &toml::to_string(&config).unwrap());
        site
    }

    /// An empty site dir.
    pub fn empty() -> TestSite {
        TestSite { dir: tempfile::Builder::new().prefix("tally-test-").tempdir().unwrap() }
    }

    /// Forgets the last build's stamp, so the next build does its work
    /// even when nothing changed (tests of what a real rebuild writes).
    pub fn forget_last_build(&self) {
        let _ = std::fs::remove_file(self.path(".tally-cache/build-stamp"));
    }

    /// The site's folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the site's folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `tally <args>` in the site's folder.
    pub fn tally(&self, args: &[&str]) -> Output {
        self.tally_env(args, &[])
    }

    /// Runs `tally <args>` with extra environment variables.
    pub fn tally_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tally"));
        cmd.args(args).current_dir(self.dir.path());
        // The tests choose where caches go; a developer's setting must not.
        cmd.env_remove("TALLY_CACHE_DIR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("failed to run tally")
    }

    /// Runs `tally <args>` and asserts that it succeeded; returns its stdout
    /// and stderr, paths filtered (see [`TestSite::filter`]).
    pub fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
        let out = self.tally_env(args, env);
        let (stdout, stderr) = (self.filter(&out.stdout), self.filter(&out.stderr));
        assert!(out.status.success(), "tally {args:?} failed\nstdout: {stdout}\nstderr: {stderr}");
        (stdout, stderr)
    }

    /// Runs `tally <args>`, asserts that it failed with exit code 1 and
    /// without a panic, and returns its stderr, paths filtered.
    pub fn fails(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = self.tally_env(args, env);
        let stderr = self.filter(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "tally {args:?}: stderr: {stderr}");
        assert!(!stderr.contains("panicked"), "tally panicked: {stderr}");
        stderr
    }

    /// `bytes` as text with this site's folder shown as `[SITE]` and the
    /// repository's as `[REPO]`, so messages can be snapshot whole.
    pub fn filter(&self, bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes);
        let site = self.root().to_string_lossy().into_owned();
        // Temp dirs may be reached through a link (`/tmp` on macOS).
        let canonical =
            self.root().canonicalize().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let mut text = text.replace(&site, "[SITE]");
        if !canonical.is_empty() {
            text = text.replace(&canonical, "[SITE]");
        }
        text.replace(env!("CARGO_MANIFEST_DIR"), "[REPO]")
    }

    /// Runs `tally build <args>` and asserts that it succeeded.
    pub fn build_ok(&self, args: &[&str]) -> Output {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let out = self.tally(&all);
        assert!(
            out.status.success(),
            "tally build failed\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `tally build <args>`, asserts it failed with exit code `code`, and
    /// returns its stderr.
    pub fn build_err(&self, args: &[&str], code: i32) -> String {
        let mut all = vec!["build"];
        all.extend_from_slice(args);
        let out = self.tally(&all);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
        assert!(!stderr.contains("panicked"), "tally panicked: {stderr}");
        stderr
    }

    /// Reads a file of the site as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Reads a file of the site as bytes.
    pub fn bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Reads and parses a JSON file of the site.
    pub fn json(&self, rel: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(rel)).unwrap_or_else(|e| panic!("parse {rel}: {e}"))
    }

    /// Writes a file into the site (creating folders).
    pub fn write(&self, rel: &str, contents: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// The `rows` of a report's JSON download: `public/<tab>/<report>.json`.
    pub fn report_rows(&self, tab: &str, report: &str) -> Vec<serde_json::Value> {
        let json = self.json(&format!("public/{tab}/{report}.json"));
        json["rows"].as_array().unwrap_or_else(|| panic!("{tab}/{report}: no rows")).clone()
    }

    /// Every file under `rel` with its bytes, sorted by path, for comparing
    /// whole trees.
    pub fn snapshot_tree(&self, rel: &str) -> Vec<(String, Vec<u8>)> {
        let base = self.path(rel);
        let mut files: Vec<(String, Vec<u8>)> = WalkDir::new(&base)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&base).unwrap().to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    }
}

/// A path inside the repository (an example site, the default site).
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn copy_dir(src: &Path, dst: &Path) {
    for entry in WalkDir::new(src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let target = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
