//! The views' cache: an organization's views (its own and its teams') are
//! kept in `.tally-cache/views/<key>/` after a build, and a later build whose
//! inputs for that organization are the same links them into the new site
//! instead of running their queries again.
//!
//! The key hashes everything the files depend on: the organization's rows
//! in every table (a count, a sum and an xor of DuckDB's row hashes, taken
//! in the same grouped pass per table that makes its key table), the tables
//! no view filters, the whole config, the reports' SQL and prelude, the
//! as-of date and subscription start, the views of the group (slugs,
//! labels), and the tally binary itself (version, the locked versions of
//! its renderers, and the executable's size and time, so a rebuilt tally
//! never reuses files an older one wrote).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use duckdb::Connection;
use sha2::{Digest, Sha256};

use crate::data::{ident, LoadedTable};
use crate::output::Writer;
use crate::view::{View, ORG_COLUMN};

/// The marker a complete cache entry holds; an entry without it (a build
/// killed while storing) is never used.
const COMPLETE: &str = ".complete";
/// The chart and PDF cache keys the entry's files were made with, one per
/// line, so pruning those caches keeps them.
const KEYS: &str = ".keys";

/// Per-organization fingerprints of the loaded tables.
pub(super) struct Fingerprints {
    /// organization id -> hash of its rows in every table.
    by_org: BTreeMap<String, Vec<u8>>,
    /// The hash of everything that is not one organization's rows.
    common: Vec<u8>,
}

impl Fingerprints {
    /// Fingerprints every table (one grouped pass each), and hashes them
    /// with `inputs`, the build's other inputs.
    pub fn take(
        conn: &Connection,
        tables: &[LoadedTable],
        keys: &str,
        inputs: &[u8],
    ) -> Result<Fingerprints> {
        let mut common = Sha256::new();
        common.update(b"tally-views\0");
        common.update(identity());
        common.update(inputs);
        let mut by_org: BTreeMap<String, Sha256> = BTreeMap::new();
        for table in tables {
            let has_org = table.columns.iter().any(|(c, _)| c == ORG_COLUMN);
            // A view's rows are its organization's; rows of no organization
            // (and tables without one) are in every view. A table with
            // organizations has its count, sum and xor per raw id in its key
            // table already (`view::key_statements`): summed by the id as
            // views compare it, they are those of grouping every row by it.
            let sql = if has_org {
                format!(
                    "SELECT k, sum(c)::VARCHAR, sum(s)::VARCHAR, bit_xor(x)::VARCHAR \
                     FROM {}.{} GROUP BY k ORDER BY k NULLS FIRST",
                    ident(keys),
                    ident(&table.name)
                )
            } else {
                format!(
                    "SELECT CAST(NULL AS VARCHAR), count(*)::VARCHAR, sum(hash(r))::VARCHAR, \
                     bit_xor(hash(r))::VARCHAR FROM {} AS r",
                    ident(&table.name)
                )
            };
            let fail = |e: duckdb::Error| anyhow!("failed to fingerprint table `{}`: {e}", table.name);
            let mut stmt = conn.prepare(&sql).map_err(fail)?;
            let mut rows = stmt.query([]).map_err(fail)?;
            while let Some(row) = rows.next().map_err(fail)? {
                let org: Option<String> = row.get(0).map_err(fail)?;
                let parts: [Option<String>; 3] =
                    [row.get(1).map_err(fail)?, row.get(2).map_err(fail)?, row.get(3).map_err(fail)?];
                let hash = match org {
                    Some(org) => by_org.entry(org).or_default(),
                    None => &mut common,
                };
                hash.update(table.name.as_bytes());
                hash.update([0]);
                for part in parts {
                    hash.update(part.unwrap_or_default().as_bytes());
                    hash.update([0]);
                }
            }
            common.update(format!("{}\0{:?}\0", table.name, table.columns).as_bytes());
        }
        Ok(Fingerprints {
            by_org: by_org.into_iter().map(|(k, v)| (k, v.finalize().to_vec())).collect(),
            common: common.finalize().to_vec(),
        })
    }

    /// The cache key of one organization's group of views.
    pub fn key(&self, organization: &str, views: &[&View]) -> String {
        let mut hash = Sha256::new();
        hash.update(&self.common);
        hash.update(organization.as_bytes());
        hash.update([0]);
        hash.update(self.by_org.get(organization).map(Vec::as_slice).unwrap_or_default());
        for view in views {
            hash.update(format!("{:?}\0", view).as_bytes());
        }
        crate::render::cache::key(hash)
    }
}

/// The tally binary's identity: its version, the locked versions of the
/// crates that render charts and PDFs, and the executable's size and time.
pub(crate) fn identity() -> Vec<u8> {
    let exe = std::env::current_exe()
        .and_then(fs::metadata)
        .map(|m| format!("{}\0{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    format!("{}\0{}\0{}\0{exe}", env!("CARGO_PKG_VERSION"), env!("TALLY_CHART_DEPS"), env!("TALLY_PDF_DEPS"))
        .into_bytes()
}

/// The cache folder of the views.
pub(super) struct ViewCache {
    dir: PathBuf,
}

impl ViewCache {
    /// The cache in `<cache_dir>/views`.
    pub fn new(cache_dir: &Path) -> ViewCache {
        ViewCache { dir: cache_dir.join("views") }
    }

    /// Links the files of entry `key` into the site under `writer`; returns
    /// the chart and PDF keys they were made with, or `None` when the entry
    /// is not (wholly) there.
    pub fn restore(&self, key: &str, writer: &Writer) -> Result<Option<Vec<String>>> {
        let entry = self.dir.join(key);
        if !entry.join(COMPLETE).is_file() {
            return Ok(None);
        }
        let keys = fs::read_to_string(entry.join(KEYS)).unwrap_or_default();
        for file in walkdir::WalkDir::new(&entry).sort_by_file_name() {
            let file =
                file.with_context(|| format!("failed to read the view cache `{}`", entry.display()))?;
            if !file.file_type().is_file() || file.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let rel = file.path().strip_prefix(&entry).unwrap_or(file.path());
            writer.link(file.path(), &rel.to_string_lossy())?;
        }
        Ok(Some(keys.lines().map(str::to_string).collect()))
    }

    /// Stores the files under `folders` (site-relative, as `writer` wrote
    /// them) as entry `key`, with the chart and PDF `keys` they used.
    pub fn store(&self, key: &str, writer: &Writer, folders: &[String], keys: &[String]) -> Result<()> {
        let entry = self.dir.join(key);
        let partial = self.dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let _ = fs::remove_dir_all(&partial);
        for folder in folders {
            let from = writer.path(folder);
            for file in walkdir::WalkDir::new(&from) {
                let file = file.with_context(|| format!("failed to read `{}`", from.display()))?;
                if !file.file_type().is_file() {
                    continue;
                }
                let rel = file.path().strip_prefix(writer.path("")).unwrap_or(file.path());
                let to = partial.join(rel);
                if let Some(parent) = to.parent() {
                    fs::create_dir_all(parent)
                        .with_context(|| format!("failed to create `{}`", parent.display()))?;
                }
                if fs::hard_link(file.path(), &to).is_err() {
                    fs::copy(file.path(), &to)
                        .with_context(|| format!("failed to copy `{}`", file.path().display()))?;
                }
            }
        }
        fs::create_dir_all(&partial).with_context(|| format!("failed to create `{}`", partial.display()))?;
        fs::write(partial.join(KEYS), keys.join("\n"))
            .with_context(|| format!("failed to write `{}`", partial.display()))?;
        fs::write(partial.join(COMPLETE), b"")
            .with_context(|| format!("failed to write `{}`", partial.display()))?;
        let _ = fs::remove_dir_all(&entry);
        fs::rename(&partial, &entry)
            .with_context(|| format!("failed to store the view cache `{}`", entry.display()))
    }

    /// Removes every entry not in `keep` (and what an interrupted build left).
    pub fn prune(&self, keep: &HashSet<String>) -> Result<()> {
        let Ok(entries) = fs::read_dir(&self.dir) else { return Ok(()) };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !keep.contains(&name) {
                fs::remove_dir_all(entry.path()).with_context(|| {
                    format!("failed to prune the view cache `{}`", entry.path().display())
                })?;
            }
        }
        Ok(())
    }
}
