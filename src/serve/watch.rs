//! Watching a site's files for `tally serve` by polling their times and
//! sizes. A poll of a site is a few dozen `stat` calls (the sample site:
//! 40 files), so every 50 ms costs nothing measurable, and polling sees a
//! change the same way on every file system (network mounts, container
//! volumes) and through every way an editor saves (in place, or a new file
//! renamed over the old one), with no watch limit to run into.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use walkdir::WalkDir;

/// What a file looked like: its modification time and size, or absent.
type Stamp = Option<(SystemTime, u64)>;

/// The state of the watched files at one poll.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    files: BTreeMap<PathBuf, Stamp>,
}

impl Snapshot {
    /// Reads the stamps of `files` (present or not) and of every file in
    /// `dirs`, two levels deep (the data dir's table folders; a theme's
    /// `templates/` and `static/` go one level further, so a theme gets
    /// three).
    pub fn take(files: &[PathBuf], dirs: &[PathBuf]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for file in files {
            snapshot.files.insert(file.clone(), stamp(file));
        }
        for dir in dirs {
            for entry in WalkDir::new(dir).max_depth(4).into_iter().filter_map(Result::ok) {
                if entry.file_type().is_file() {
                    snapshot.files.insert(entry.path().to_path_buf(), stamp(entry.path()));
                }
            }
        }
        snapshot
    }

    /// The paths whose stamp differs between `self` (older) and `newer`:
    /// changed, added or removed.
    pub fn changes(&self, newer: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = (newer.files.iter())
            .filter(|(path, now)| self.files.get(*path).is_none_or(|before| before != *now))
            .map(|(path, _)| path.clone())
            .collect();
        changed.extend(
            (self.files.iter())
                .filter(|(path, before)| before.is_some() && !newer.files.contains_key(*path))
                .map(|(path, _)| path.clone()),
        );
        changed.sort();
        changed
    }

    /// `newer`, except that a path both know keeps this snapshot's stamp:
    /// after a rebuild the watch list may have changed (a new SQL file),
    /// and a file both lists hold that changed during the rebuild must
    /// still count as changed at the next poll.
    pub fn carried_into(&self, mut newer: Snapshot) -> Snapshot {
        for (path, stamp) in newer.files.iter_mut() {
            if let Some(before) = self.files.get(path) {
                *stamp = *before;
            }
        }
        newer
    }
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sees_changes_additions_and_removals() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let config = root.join("site.toml");
        let data = root.join("data");
        std::fs::create_dir_all(data.join("page_visits")).unwrap();
        std::fs::write(&config, "a").unwrap();
        std::fs::write(data.join("logins.csv"), "x\n1\n").unwrap();
        let files = [config.clone(), root.join("queries/missing.sql")];
        let dirs = [data.clone()];
        let before = Snapshot::take(&files, &dirs);
        assert!(before.changes(&Snapshot::take(&files, &dirs)).is_empty());

        std::fs::write(&config, "ab").unwrap();
        std::fs::write(data.join("page_visits/2025-07.csv"), "x\n").unwrap();
        std::fs::remove_file(data.join("logins.csv")).unwrap();
        std::fs::create_dir_all(root.join("queries")).unwrap();
        std::fs::write(root.join("queries/missing.sql"), "SELECT 1").unwrap();
        let after = Snapshot::take(&files, &dirs);
        assert_eq!(
            before.changes(&after),
            [
                data.join("logins.csv"),
                data.join("page_visits/2025-07.csv"),
                root.join("queries/missing.sql"),
                config.clone(),
            ]
        );
    }

    #[test]
    fn a_change_during_a_rebuild_is_kept_for_the_next_poll() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.sql"), dir.path().join("b.sql"));
        std::fs::write(&a, "1").unwrap();
        std::fs::write(&b, "1").unwrap();
        let before = Snapshot::take(std::slice::from_ref(&a), &[]);
        // During the rebuild `a` changes, and the new config watches `b`.
        std::fs::write(&a, "22").unwrap();
        let next = before.carried_into(Snapshot::take(&[a.clone(), b.clone()], &[]));
        assert_eq!(next.changes(&Snapshot::take(&[a.clone(), b.clone()], &[])), [a]);
    }
}
