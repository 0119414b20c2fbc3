//! The output folder. A build never writes into the live site: it fills a
//! staging folder beside it and swaps that in with two renames, so the
//! previous site survives any failure or kill; a folder tally did not write
//! is never replaced; one build per site runs at a time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{anyhow, bail, Context, Result};

use crate::config::MARKER_FILE;

/// Refuses an output dir that would replace the data or the config's folder
/// (or holds them), and a non-empty folder tally did not write unless
/// `force`.
pub fn check(output: &Path, data_dir: &Path, root: &Path, force: bool) -> Result<()> {
    let out = absolute(output)?;
    let data = absolute(data_dir)?;
    let root = absolute(root)?;
    for (what, dir) in [("data dir", &data), ("config's folder", &root)] {
        if dir.starts_with(&out) {
            bail!(
                "output dir `{}` would replace the {what} `{}`; choose another output dir",
                output.display(),
                dir.display()
            );
        }
    }
    if out.is_dir() && !out.join(MARKER_FILE).is_file() && !force {
        let empty = std::fs::read_dir(&out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            bail!(
                "output dir `{}` exists and was not written by tally; pass --force to replace it",
                output.display()
            );
        }
    }
    Ok(())
}

/// Every write of a build goes through here, into the staging folder.
pub struct Writer {
    root: PathBuf,
    // Views are written from several threads at once.
    files: AtomicUsize,
}

impl Writer {
    /// Starts a staging folder beside `output`, removing one an interrupted
    /// build left.
    pub fn stage(output: &Path) -> Result<Writer> {
        let staging = sibling(output, "staging")?;
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("failed to remove stray staging folder `{}`", staging.display()))?;
        }
        let writer = Writer { root: staging, files: 0.into() };
        // What `check` looks for before it replaces a folder.
        writer.write(
            MARKER_FILE,
            b"This folder is written by `tally build`; it is replaced on every build.\n",
        )?;
        Ok(writer)
    }

    /// Writes straight into `dir`, with no staging folder and no marker:
    /// for files added to a site that is already in place (`tally serve`
    /// builds a view when it is first asked for).
    pub fn into_folder(dir: &Path) -> Writer {
        Writer { root: dir.to_path_buf(), files: 0.into() }
    }

    /// Writes `bytes` to `rel`.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let mut out = self.create(rel)?;
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .with_context(|| format!("failed to write `{}`", self.root.join(rel).display()))
    }

    /// Removes `rel`, if it was written or linked.
    pub fn remove(&self, rel: &str) {
        if std::fs::remove_file(self.root.join(rel)).is_ok() {
            self.files.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Creates `rel` for writing through a buffer.
    pub fn create(&self, rel: &str) -> Result<std::io::BufWriter<std::fs::File>> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        let file =
            std::fs::File::create(&path).with_context(|| format!("failed to create `{}`", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        Ok(std::io::BufWriter::with_capacity(1 << 16, file))
    }

    /// Where `rel` is in the staging folder.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Puts the file `from` (a cache entry, a file written before in this
    /// build, or `tally serve`'s previous build of an unchanged report) at
    /// `rel`, as a hard link where it can: neither is ever written in place
    /// again.
    pub fn link(&self, from: &Path, rel: &str) -> Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        if std::fs::hard_link(from, &path).is_err() {
            std::fs::copy(from, &path)
                .with_context(|| format!("failed to copy `{}` to `{}`", from.display(), path.display()))?;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Drops what was staged: the live site was never touched.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }

    /// How many files were written so far.
    pub fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// Swaps the staged site in for `output`. From here on a stop signal
    /// that `stop_signals_before_commit` set up waits for the build to end.
    pub fn commit(self, output: &Path) -> Result<()> {
        COMMITTING.store(true, Ordering::SeqCst);
        swap_into_place(&self.root, output)
    }
}

/// Set once a build starts swapping its site in.
static COMMITTING: AtomicBool = AtomicBool::new(false);
/// Set by a stop signal that arrived after that.
static STOPPED_LATE: AtomicBool = AtomicBool::new(false);

/// For `tally build`: Ctrl-C (SIGINT) or SIGTERM ends the process at once,
/// as they would anyway (the staging folder is left for the next build to
/// remove), until the build starts moving its new site in; from then on
/// the build finishes instead (a few renames and the previous site's
/// removal), so that a build whose new site is in place never reports a
/// failure, and one that reports a failure left the previous site.
#[cfg(unix)]
pub fn stop_signals_before_commit() {
    extern "C" fn on_signal(signal: libc::c_int) {
        if COMMITTING.load(Ordering::SeqCst) {
            STOPPED_LATE.store(true, Ordering::SeqCst);
        } else {
            // SAFETY: `_exit` is async-signal-safe.
            unsafe { libc::_exit(128 + signal) };
        }
    }
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only touches atomics and calls `_exit`, both
    // allowed in a signal handler.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(not(unix))]
pub fn stop_signals_before_commit() {}

/// Whether a stop signal arrived while the build was moving its site in.
pub fn stopped_late() -> bool {
    STOPPED_LATE.load(Ordering::SeqCst)
}

/// `public` -> `.public.tally-<what>` in the same parent folder, so the
/// final rename never crosses file systems.
fn sibling(output: &Path, what: &str) -> Result<PathBuf> {
    let name =
        output.file_name().ok_or_else(|| anyhow!("output dir `{}` has no folder name", output.display()))?;
    Ok(output.with_file_name(format!(".{}.tally-{what}", name.to_string_lossy())))
}

fn absolute(path: &Path) -> Result<PathBuf> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().context("failed to read the working directory")?.join(path)
    };
    // Resolve `..` and symlinks where the path exists.
    Ok(abs.canonicalize().unwrap_or(abs))
}

/// A build killed between the two renames of `swap_into_place` leaves the
/// previous site only in `.<output>.tally-old`: put it back first, so that
/// this build failing too still leaves it in place. (`-old` is only ever a
/// whole site: deleting goes through `-trash`.)
pub fn restore_interrupted_swap(output: &Path) -> Result<()> {
    // An output dir without a name (`.`) is refused later, with its reason.
    let Ok(old) = sibling(output, "old") else { return Ok(()) };
    if old.is_dir() && !output.exists() {
        std::fs::rename(&old, output).with_context(|| {
            format!("failed to restore the previous site from `{}` to `{}`", old.display(), output.display())
        })?;
    }
    Ok(())
}

/// Holds `build.lock` in the site's cache folder (`.tally-cache/` by
/// default) for the build, so two builds of one site never share a staging
/// folder, a chart cache or a spill folder. The OS drops the lock when the
/// process ends, however it ends.
pub fn lock_site(cache_dir: &Path) -> Result<std::fs::File> {
    let dir = cache_dir;
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
    let path = dir.join("build.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to create the build lock `{}`", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another `tally build` of this site is running (it holds `{}`); wait for it to finish",
            path.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("failed to lock `{}`", path.display()))
        }
    }
}

/// Removes what an earlier build cut short left beside `output`: a
/// deletion's `-trash`, and an `-old` site two builds back (after
/// `restore_interrupted_swap`, `-old` beside `output` is never the latest).
pub fn remove_leftovers(output: &Path) -> Result<()> {
    let Ok(old) = sibling(output, "old") else { return Ok(()) };
    for leftover in [sibling(output, "trash")?, old] {
        if leftover.exists() {
            std::fs::remove_dir_all(&leftover)
                .with_context(|| format!("failed to remove `{}`", leftover.display()))?;
        }
    }
    Ok(())
}

/// Replaces `output` with `staging`: the previous site is renamed aside
/// first and removed only once the new one is in place, by way of `-trash`,
/// so a deletion cut short never leaves a partial site under `-old`.
fn swap_into_place(staging: &Path, output: &Path) -> Result<()> {
    remove_leftovers(output)?;
    let (old, trash) = (sibling(output, "old")?, sibling(output, "trash")?);
    if output.exists() {
        std::fs::rename(output, &old)
            .with_context(|| format!("failed to move the previous site `{}` aside", output.display()))?;
    }
    if let Err(e) = std::fs::rename(staging, output) {
        if old.exists() {
            let _ = std::fs::rename(&old, output);
        }
        return Err(e).with_context(|| format!("failed to move the new site into `{}`", output.display()));
    }
    if old.exists() {
        std::fs::rename(&old, &trash)
            .with_context(|| format!("failed to move the previous site `{}` aside", old.display()))?;
        std::fs::remove_dir_all(&trash)
            .with_context(|| format!("failed to remove the previous site `{}`", trash.display()))?;
    }
    Ok(())
}
