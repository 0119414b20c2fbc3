//! `tally init DIR`: scaffold a site that builds: a `site.toml`, its
//! queries, and sample exports from the generator.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::InitArgs;
use crate::sample::{write_sample, SampleOptions, DEFAULT_SEED};

/// The default site's config and queries, embedded at compile time.
const SITE_FILES: &[(&str, &str)] = &[("site.toml", include_str!("../../site.toml"))];

/// Scaffolds a site.
pub fn run(args: InitArgs) -> Result<()> {
    let dir = &args.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("failed to read `{}`", dir.display()))?
            .next()
            .is_some()
    {
        bail!("`{}` is not empty; tally init only writes into an empty or new folder", dir.display());
    }
    for (rel, text) in SITE_FILES {
        write(dir, rel, text.as_bytes())?;
    }
    write_sample(&SampleOptions { out: dir.join("sample-data"), scale: 1, seed: DEFAULT_SEED })?;
    println!(
        "Created a new site in `{}`. Build it with:\n  cd {} && tally build",
        dir.display(),
        dir.display()
    );
    Ok(())
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}
