//! Finding the export files in the data dir: one table per file, or per
//! folder of files (e.g. monthly exports), named after the file stem or the
//! folder. What is not an export (a README, `users (1).csv`, a `backup/`
//! folder inside a table's folder) is skipped with a reason the build prints
//! as a warning, never silently and never fatally: a data dir is a folder
//! people drop files into.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::config::{is_table_name, MARKER_FILE};

/// The file formats tally reads, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`, `.csv.gz`
    Csv,
    /// `.tsv`, `.tsv.gz`
    Tsv,
    /// `.json` (an array of objects)
    Json,
    /// `.jsonl`, `.ndjson`, `.jsonl.gz`
    JsonLines,
    /// `.parquet`
    Parquet,
}

/// Every extension tally reads, in the order messages list them.
const EXTENSIONS: [(&str, Format); 9] = [
    (".csv", Format::Csv),
    (".csv.gz", Format::Csv),
    (".tsv", Format::Tsv),
    (".tsv.gz", Format::Tsv),
    (".json", Format::Json),
    (".jsonl", Format::JsonLines),
    (".jsonl.gz", Format::JsonLines),
    (".ndjson", Format::JsonLines),
    (".parquet", Format::Parquet),
];

impl Format {
    /// The format and the file's stem (name without the format extension).
    pub fn of(path: &Path) -> Option<(Format, String)> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        // The longest match: `a.csv.gz` is gzipped CSV, not a `.gz` file.
        EXTENSIONS
            .iter()
            .filter(|(ext, _)| lower.ends_with(ext))
            .max_by_key(|(ext, _)| ext.len())
            .map(|(ext, format)| (*format, name[..name.len() - ext.len()].to_string()))
    }

    /// CSV and TSV are read the same way.
    pub fn family(self) -> &'static str {
        match self {
            Format::Csv | Format::Tsv => "csv",
            Format::Json | Format::JsonLines => "json",
            Format::Parquet => "parquet",
        }
    }

    /// The name a message gives the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Json => "JSON (an array)",
            Format::JsonLines => "JSON lines",
            Format::Parquet => "Parquet",
        }
    }
}

/// Every accepted extension, for messages: `.csv`, `.csv.gz`, `.tsv`, ….
pub fn accepted_extensions() -> String {
    EXTENSIONS.iter().map(|(ext, _)| format!("`{ext}`")).collect::<Vec<_>>().join(", ")
}

/// One table's files.
#[derive(Debug, Clone)]
pub struct Source {
    /// The table name.
    pub table: String,
    /// The format of its files.
    pub format: Format,
    /// Its files, sorted by path.
    pub files: Vec<PathBuf>,
    /// Whether it is a folder of files rather than one file.
    pub folder: bool,
}

/// What discovery found in a data dir.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The tables, in name order.
    pub sources: Vec<Source>,
    /// The files and folders skipped, in path order.
    pub skipped: Vec<Skipped>,
}

/// A file or folder of the data dir that is not read, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    /// Its path.
    pub path: PathBuf,
    /// Why it is skipped.
    pub reason: SkipReason,
}

/// Why a file or folder is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Its extension is not one tally reads.
    UnknownExtension,
    /// Its stem (or folder name) cannot be a table name.
    NotATableName(String),
    /// A folder inside a table's folder: tables are read one level deep.
    Nested,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.reason {
            SkipReason::UnknownExtension => write!(
                f,
                "skipped `{path}`: not a format tally reads (it reads {})",
                accepted_extensions()
            ),
            SkipReason::NotATableName(name) => write!(
                f,
                "skipped `{path}`: `{name}` cannot be a table name (letters, digits and `_`); rename it if it is an export"
            ),
            SkipReason::Nested => {
                write!(f, "skipped folder `{path}`: a table's folder is read one level deep")
            }
        }
    }
}

impl Discovery {
    /// The skipped entries that look like a try at `table`'s export
    /// (`users (1).csv` or `users.xlsx` for `users`), for the message when
    /// the table is missing.
    pub fn near_misses(&self, table: &str) -> Vec<&Skipped> {
        self.skipped
            .iter()
            .filter(|s| s.reason != SkipReason::Nested)
            .filter(|s| {
                let name = s.path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
                name.is_some_and(|n| {
                    n.strip_prefix(&table.to_ascii_lowercase()).is_some_and(|rest| {
                        rest.is_empty() || !rest.starts_with(|c: char| c.is_alphanumeric())
                    })
                })
            })
            .collect()
    }
}

/// Finds every table in `data_dir`. Hidden files (`.DS_Store`, editors'
/// lock files) are skipped silently; other files that are not exports are
/// skipped with a reason in [`Discovery::skipped`].
pub fn discover(data_dir: &Path) -> Result<Discovery> {
    if !data_dir.is_dir() {
        bail!("data dir `{}` not found", data_dir.display());
    }
    let mut found = Discovery::default();
    let mut tables: BTreeMap<String, Source> = BTreeMap::new();

    for entry in sorted_entries(data_dir)? {
        let path = entry;
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        // A built site (say `public/` when the exports sit beside
        // site.toml) is output, not data.
        if is_hidden(&name) || path.join(MARKER_FILE).is_file() {
            continue;
        }
        if path.is_dir() {
            if !is_table_name(&name) {
                found.skipped.push(Skipped { path, reason: SkipReason::NotATableName(name) });
                continue;
            }
            let mut files: Vec<(Format, PathBuf)> = Vec::new();
            for file in sorted_entries(&path)? {
                let file_name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
                if is_hidden(&file_name) {
                    continue;
                }
                if file.is_dir() {
                    found.skipped.push(Skipped { path: file, reason: SkipReason::Nested });
                } else if let Some((format, _)) = Format::of(&file) {
                    files.push((format, file));
                } else {
                    found.skipped.push(Skipped { path: file, reason: SkipReason::UnknownExtension });
                }
            }
            let Some((format, first)) = files.first().cloned() else { continue };
            if let Some((other, file)) = files.iter().find(|(f, _)| *f != format) {
                bail!(
                    "table `{name}`: folder `{}` mixes formats: `{}` is {} and `{}` is {}; a table's files must share one format",
                    path.display(),
                    first.display(),
                    format.name(),
                    file.display(),
                    other.name()
                );
            }
            let files = files.into_iter().map(|(_, f)| f).collect();
            add(&mut tables, Source { table: name, format, files, folder: true })?;
        } else {
            match Format::of(&path) {
                None => found.skipped.push(Skipped { path, reason: SkipReason::UnknownExtension }),
                Some((_, stem)) if !is_table_name(&stem) => {
                    found.skipped.push(Skipped { path, reason: SkipReason::NotATableName(stem) })
                }
                Some((format, stem)) => {
                    add(&mut tables, Source { table: stem, format, files: vec![path], folder: false })?
                }
            }
        }
    }
    found.sources = tables.into_values().collect();
    Ok(found)
}

fn add(tables: &mut BTreeMap<String, Source>, source: Source) -> Result<()> {
    if let Some(first) = tables.get(&source.table) {
        let describe = |s: &Source| {
            if s.folder {
                format!("folder `{}`", s.files[0].parent().unwrap_or(Path::new("")).display())
            } else {
                format!("`{}`", s.files[0].display())
            }
        };
        bail!(
            "table `{}` is defined twice: {} and {}; keep one",
            source.table,
            describe(first),
            describe(&source)
        );
    }
    tables.insert(source.table.clone(), source);
    Ok(())
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// The entries of `dir`, sorted by name (byte order, the same everywhere).
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .and_then(|entries| entries.map(|e| e.map(|e| e.path())).collect())
        .with_context(|| format!("failed to read folder `{}`", dir.display()))?;
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_formats() {
        let of = |p: &str| Format::of(Path::new(p));
        assert_eq!(of("logins.csv"), Some((Format::Csv, "logins".into())));
        assert_eq!(of("logins.csv.gz"), Some((Format::Csv, "logins".into())));
        assert_eq!(of("a.tsv"), Some((Format::Tsv, "a".into())));
        assert_eq!(of("ai.jsonl"), Some((Format::JsonLines, "ai".into())));
        assert_eq!(of("ai.jsonl.gz"), Some((Format::JsonLines, "ai".into())));
        assert_eq!(of("ai.ndjson"), Some((Format::JsonLines, "ai".into())));
        assert_eq!(of("x.json"), Some((Format::Json, "x".into())));
        assert_eq!(of("e.parquet"), Some((Format::Parquet, "e".into())));
        assert_eq!(of("README.md"), None);
    }

    #[test]
    fn lists_every_extension_with_its_compressed_form_after_it() {
        assert_eq!(
            accepted_extensions(),
            "`.csv`, `.csv.gz`, `.tsv`, `.tsv.gz`, `.json`, `.jsonl`, `.jsonl.gz`, `.ndjson`, `.parquet`"
        );
    }

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn skipped(found: &Discovery, base: &Path) -> Vec<String> {
        found.skipped.iter().map(|s| s.path.strip_prefix(base).unwrap().display().to_string()).collect()
    }

    #[test]
    fn a_folder_is_one_table() {
        let dir = dir_with(&[
            ("page_visits/2025-08.csv", "a\n1\n"),
            ("page_visits/2025-07.csv", "a\n1\n"),
            ("users.csv", "a\n1\n"),
            ("README.md", "hi"),
            (".hidden.csv", "a\n"),
            (".DS_Store", "x"),
        ]);
        let found = discover(dir.path()).unwrap();
        let names: Vec<_> = found.sources.iter().map(|s| s.table.as_str()).collect();
        assert_eq!(names, ["page_visits", "users"]);
        assert_eq!(found.sources[0].files.len(), 2);
        assert!(found.sources[0].files[0].ends_with("2025-07.csv"));
        // The README is skipped with a reason; hidden files silently.
        assert_eq!(skipped(&found, dir.path()), ["README.md"]);
        assert_eq!(found.skipped[0].reason, SkipReason::UnknownExtension);
    }

    #[test]
    fn stray_copies_and_nested_folders_are_skipped_not_fatal() {
        let dir = dir_with(&[
            ("users.csv", "a\n1\n"),
            ("users (1).csv", "a\n1\n"),
            ("page_visits/2025-07.csv", "a\n1\n"),
            ("page_visits/backup/2025-07.csv", "a\n1\n"),
            ("page_visits/notes.txt", "x"),
            ("old exports/logins.csv", "a\n1\n"),
        ]);
        let found = discover(dir.path()).unwrap();
        let names: Vec<_> = found.sources.iter().map(|s| s.table.as_str()).collect();
        assert_eq!(names, ["page_visits", "users"]);
        assert_eq!(found.sources[0].files.len(), 1, "the backup folder is not read");
        assert_eq!(
            skipped(&found, dir.path()),
            ["old exports", "page_visits/backup", "page_visits/notes.txt", "users (1).csv"]
        );
        assert_eq!(found.skipped[0].reason, SkipReason::NotATableName("old exports".into()));
        assert_eq!(found.skipped[1].reason, SkipReason::Nested);
        assert_eq!(found.skipped[3].reason, SkipReason::NotATableName("users (1)".into()));
        let near: Vec<_> = found.near_misses("users").iter().map(|s| s.path.clone()).collect();
        assert_eq!(near, [dir.path().join("users (1).csv")]);
        assert!(found.near_misses("user").is_empty(), "`users (1).csv` is not a try at `user`");
    }

    #[test]
    fn rejects_a_table_defined_twice() {
        let dir = dir_with(&[("users.csv", "a\n1\n"), ("users.json", "[]")]);
        let err = discover(dir.path()).unwrap_err().to_string();
        assert!(err.contains("table `users` is defined twice"), "{err}");
    }

    #[test]
    fn rejects_a_folder_mixing_formats() {
        let dir = dir_with(&[("visits/a.csv", "a\n1\n"), ("visits/b.tsv", "a\n1\n")]);
        let err = discover(dir.path()).unwrap_err().to_string();
        assert!(err.contains("mixes formats") && err.contains("b.tsv` is TSV"), "{err}");
        // A compressed file of the same format is the same format.
        let dir = dir_with(&[("visits/a.csv", "a\n1\n"), ("visits/b.csv.gz", "")]);
        assert_eq!(discover(dir.path()).unwrap().sources[0].files.len(), 2);
    }
}
