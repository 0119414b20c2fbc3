//! Finding the export files in the data dir: one table per file, or per
//! folder of files (e.g. monthly exports), named after the file stem or the
//! folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use walkdir::WalkDir;

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
    /// `.jsonl`, `.ndjson`
    JsonLines,
    /// `.parquet`
    Parquet,
}

impl Format {
    /// The format and the file's stem (name without the format extension).
    pub fn of(path: &Path) -> Option<(Format, String)> {
        let name = path.file_name()?.to_str()?;
        let lower = name.to_ascii_lowercase();
        const EXTENSIONS: [(&str, Format); 9] = [
            (".csv.gz", Format::Csv),
            (".tsv.gz", Format::Tsv),
            (".csv", Format::Csv),
            (".tsv", Format::Tsv),
            (".json", Format::Json),
            (".jsonl", Format::JsonLines),
            (".ndjson", Format::JsonLines),
            (".parquet", Format::Parquet),
            (".jsonl.gz", Format::JsonLines),
        ];
        EXTENSIONS
            .iter()
            .find(|(ext, _)| lower.ends_with(ext))
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
}

/// Finds every table in `data_dir`. Hidden files and files of other
/// extensions (a README, say) are skipped.
pub fn discover(data_dir: &Path) -> Result<Vec<Source>> {
    if !data_dir.is_dir() {
        bail!("data dir `{}` not found", data_dir.display());
    }
    let mut tables: BTreeMap<String, Source> = BTreeMap::new();
    let mut add = |table: String, format: Format, file: PathBuf, origin: &Path| -> Result<()> {
        if !is_table_name(&table) {
            bail!("`{}`: `{table}` cannot be a table name (use letters, digits and `_`)", origin.display());
        }
        match tables.get_mut(&table) {
            Some(source) if source.format.family() != format.family() => bail!(
                "table `{table}` has files of two formats: `{}` and `{}`",
                source.files[0].display(),
                file.display()
            ),
            Some(source) if origin.is_file() => bail!(
                "table `{table}` is defined twice: `{}` and `{}`",
                source.files[0].display(),
                file.display()
            ),
            Some(source) => source.files.push(file),
            None => {
                tables.insert(table.clone(), Source { table, format, files: vec![file] });
            }
        }
        Ok(())
    };

    let mut entries: Vec<_> = std::fs::read_dir(data_dir)
        .with_context(|| format!("failed to read data dir `{}`", data_dir.display()))?
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("failed to read data dir `{}`", data_dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // A built site (say `public/` when the exports sit beside
        // site.toml) is output, not data.
        if name.starts_with('.') || path.join(MARKER_FILE).is_file() {
            continue;
        }
        if path.is_dir() {
            let mut files: Vec<PathBuf> = WalkDir::new(&path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .collect::<std::result::Result<Vec<_>, _>>()
                .with_context(|| format!("failed to read folder `{}`", path.display()))?
                .into_iter()
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .collect();
            files.sort();
            for file in files {
                if let Some((format, _)) = Format::of(&file) {
                    add(name.clone(), format, file, &path)?;
                }
            }
        } else if let Some((format, stem)) = Format::of(&path) {
            add(stem, format, path.clone(), &path)?;
        }
    }
    Ok(tables.into_values().collect())
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
        assert_eq!(of("ai.ndjson"), Some((Format::JsonLines, "ai".into())));
        assert_eq!(of("x.json"), Some((Format::Json, "x".into())));
        assert_eq!(of("e.parquet"), Some((Format::Parquet, "e".into())));
        assert_eq!(of("README.md"), None);
    }

    #[test]
    fn a_folder_is_one_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("page_visits")).unwrap();
        std::fs::write(dir.path().join("page_visits/2025-08.csv"), "a\n1\n").unwrap();
        std::fs::write(dir.path().join("page_visits/2025-07.csv"), "a\n1\n").unwrap();
        std::fs::write(dir.path().join("users.csv"), "a\n1\n").unwrap();
        std::fs::write(dir.path().join("README.md"), "hi").unwrap();
        std::fs::write(dir.path().join(".hidden.csv"), "a\n").unwrap();
        let sources = discover(dir.path()).unwrap();
        let names: Vec<_> = sources.iter().map(|s| s.table.as_str()).collect();
        assert_eq!(names, ["page_visits", "users"]);
        assert_eq!(sources[0].files.len(), 2);
        assert!(sources[0].files[0].ends_with("2025-07.csv"));
    }

    #[test]
    fn rejects_a_table_defined_twice() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.csv"), "a\n1\n").unwrap();
        std::fs::write(dir.path().join("users.json"), "[]").unwrap();
        let err = discover(dir.path()).unwrap_err().to_string();
        assert!(err.contains("table `users`"), "{err}");
    }
}
