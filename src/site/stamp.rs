//! The build stamp: a rebuild with nothing changed does nothing.
//!
//! After a successful build, `.tally-cache/build-stamp` records a hash of
//! everything the build read (the config, the prelude and every query; the
//! files of the data folder, the site's templates, static files and theme,
//! by path, size and modification time, as make and cargo judge freshness;
//! the build's options; the tally binary), a hash of the
//! output folder's listing (path, size and modification time of each file)
//! and the build's summary. A build whose inputs and output folder both
//! hash the same has nothing to do: it says so and leaves the site as it
//! is, without loading the data.

use std::fs;
use std::path::Path;
use std::time::UNIX_EPOCH;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use walkdir::WalkDir;

use super::{BuildOptions, BuildSummary, Site};

const FILE: &str = "build-stamp";

/// The inputs' hash of one build.
pub(super) struct Stamp {
    inputs: String,
}

impl Stamp {
    /// Hashes the inputs of building `site` with `options`.
    pub fn take(site: &Site, options: &BuildOptions) -> Result<Stamp> {
        let mut hash = Sha256::new();
        hash.update(super::views::identity());
        hash.update(
            format!("{:?}\0{:?}\0{:?}\0", options.as_of, options.view, options.keep_going).as_bytes(),
        );
        hash.update(serde_json::to_vec(&site.config)?);
        hash.update(site.prelude.text.as_bytes());
        for (_, report) in site.config.reports() {
            hash.update(report.load_sql(&site.root)?.as_bytes());
            hash.update([0]);
        }
        for (name, table) in &site.config.tables {
            hash.update(table.load_sql(name, &site.root)?.unwrap_or_default().as_bytes());
            hash.update([0]);
        }
        let theme = site.root.join("themes").join(&site.config.theme);
        for dir in [site.root.join("templates"), site.root.join("static"), theme, site.data_dir.clone()] {
            hash.update(format!("{}\0", dir.display()).as_bytes());
            listing(&mut hash, &dir);
        }
        Ok(Stamp { inputs: crate::render::cache::key(hash) })
    }

    /// The last build's summary, marked unchanged, if it had these inputs
    /// and the output folder is as it left it.
    pub fn unchanged(&self, site: &Site) -> Option<BuildSummary> {
        let text = fs::read_to_string(site.cache_dir.join(FILE)).ok()?;
        let mut lines = text.lines();
        let (inputs, output, summary) = (lines.next()?, lines.next()?, lines.next()?);
        if inputs != self.inputs || !site.output_dir.is_dir() || output != output_hash(&site.output_dir) {
            return None;
        }
        let mut words = summary.split(' ');
        let mut count = || words.next()?.parse::<usize>().ok();
        let (tabs, reports, views, views_dropped, files) = (count()?, count()?, count()?, count()?, count()?);
        Some(BuildSummary {
            tabs,
            reports,
            views,
            views_dropped,
            files,
            as_of: words.next()?.parse().ok()?,
            timings: Vec::new(),
            view_times: Default::default(),
            failures: Vec::new(),
            unchanged: true,
        })
    }

    /// Records a successful build: these inputs give the output in
    /// `staged` (the staging folder, whose files keep their names, sizes
    /// and times when it becomes the output folder).
    pub fn save(&self, cache_dir: &Path, staged: &Path, summary: &BuildSummary) -> Result<()> {
        let s = summary;
        let text = format!(
            "{}\n{}\n{} {} {} {} {} {}\n",
            self.inputs,
            output_hash(staged),
            s.tabs,
            s.reports,
            s.views,
            s.views_dropped,
            s.files,
            s.as_of
        );
        let path = cache_dir.join(FILE);
        fs::write(&path, text).with_context(|| format!("failed to write {}", path.display()))
    }
}

/// Forgets the last build's stamp (a build that changes the output starts
/// with this, so a failed one never leaves a stamp that matches).
pub(super) fn clear(cache_dir: &Path) -> Result<()> {
    let path = cache_dir.join(FILE);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("failed to remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

fn output_hash(dir: &Path) -> String {
    let mut hash = Sha256::new();
    listing(&mut hash, dir);
    crate::render::cache::key(hash)
}

/// Hashes the path, size and modification time of every file under `dir`
/// (in name order; none when it does not exist), through symlinks, as the
/// build reads them. What cannot be listed (a link loop, say) is hashed as
/// its error, so a build is never refused for it: the data discovery has
/// its own say.
fn listing(hash: &mut Sha256, dir: &Path) {
    if !dir.exists() {
        return;
    }
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                hash.update(format!("{e}\0").as_bytes());
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let (len, modified) = match entry.metadata() {
            Ok(meta) => (meta.len(), meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok())),
            Err(_) => (0, None),
        };
        hash.update(entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().as_bytes());
        hash.update(format!("\0{len}\0{}\0", modified.unwrap_or_default().as_nanos()).as_bytes());
    }
}
