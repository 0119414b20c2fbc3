//! The build caches in `.tally-cache/`, outside the output: rendered charts
//! (`<key>.svg` + `<key>.png`, keyed by `ChartJob::cache_key`) and tab PDFs
//! (`<key>.pdf`), where `<key>` is a SHA-256 of everything the bytes depend
//! on, including the locked versions of the crates that make them
//! (`TALLY_CHART_DEPS`, `TALLY_PDF_DEPS` from build.rs). Files are written under a temporary name and renamed into place, so
//! an interrupted build never leaves a half-written entry behind.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context as _, Result};
use sha2::{Digest, Sha256};

/// The cache key of everything hashed into `hash`: its SHA-256 as 64
/// lower-case hex digits (the one hex encoding in tally).
pub(crate) fn key(hash: Sha256) -> String {
    format!("{:x}", hash.finalize())
}

/// The cached SVG and PNG of `key`, if both are there.
pub(crate) fn load(dir: &Path, key: &str) -> Result<Option<(String, Vec<u8>)>> {
    let svg = match fs::read_to_string(dir.join(format!("{key}.svg"))) {
        Ok(svg) => svg,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
    };
    match fs::read(dir.join(format!("{key}.png"))) {
        Ok(png) => Ok(Some((svg, png))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
    }
}

/// Stores a rendered chart under `key`.
pub(crate) fn store(dir: &Path, key: &str, svg: &str, png: &[u8]) -> Result<()> {
    // The PNG first: `load` needs both, and the SVG is looked up first.
    write_atomic(dir, &format!("{key}.png"), png)?;
    write_atomic(dir, &format!("{key}.svg"), svg.as_bytes())
}

/// Writes `dir/name` whole or not at all.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    fs::rename(&tmp, &path).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Deletes `<key>.<ext>` files (for `ext` in `exts`) whose key is not in
/// `keep`, and temporary files left by an interrupted build.
pub(crate) fn prune(dir: &Path, keep: &HashSet<String>, exts: &[&str]) -> Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read `{}`", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = match name.rsplit_once('.') {
            Some((key, ext)) if exts.contains(&ext) => is_key(key) && !keep.contains(key),
            Some((_, "tmp")) => name.starts_with('.'),
            _ => false,
        };
        if stale {
            let path = entry.path();
            fs::remove_file(&path).with_context(|| format!("cannot remove `{}`", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether `name` is a key made by [`key`].
fn is_key(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_hex_sha256() {
        // SHA-256 of the empty input, from FIPS 180-2's examples.
        let empty = key(Sha256::new());
        assert_eq!(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(is_key(&empty) && !is_key("e3b0") && !is_key(&empty.to_uppercase()));
    }

    #[test]
    fn the_keys_cover_the_renderers_and_fonts_with_their_versions() {
        let chart: Vec<&str> = env!("TALLY_CHART_DEPS").split(';').collect();
        let pdf: Vec<&str> = env!("TALLY_PDF_DEPS").split(';').collect();
        let has = |list: &[&str], name: &str| list.iter().any(|l| l.starts_with(&format!("{name} ")));
        // The direct renderers, and what they pull in that draws or encodes.
        for name in ["charming", "rquickjs", "resvg", "usvg", "tiny-skia", "ttf-parser", "dejavu", "png"] {
            assert!(has(&chart, name), "{name} not in the chart key: {chart:?}");
        }
        for name in ["typst", "typst-pdf", "typst-layout", "dejavu"] {
            assert!(has(&pdf, name), "{name} not in the PDF key: {pdf:?}");
        }
        // Crates that never touch the bytes stay out, so updating them
        // keeps the caches.
        for name in ["duckdb", "rust_xlsxwriter", "clap"] {
            assert!(!has(&chart, name) && !has(&pdf, name), "{name} is in a key");
        }
    }
}
