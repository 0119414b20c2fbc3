//! The synthetic usage-export generator behind `tally sample`. (Stub: the
//! default-site issue fills this in.)

use std::path::PathBuf;

use anyhow::{bail, Result};

/// What `tally sample` was asked for.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// The folder to write the exports into.
    pub out: PathBuf,
    /// Size multiplier; 1 gives the committed `sample-data/`.
    pub scale: u32,
    /// The random seed.
    pub seed: u64,
}

/// Writes the exports; returns one line per table written, for the summary.
pub fn write_sample(_opts: &SampleOptions) -> Result<Vec<String>> {
    bail!("the sample generator is not built yet")
}

/// The seed of the committed sample.
pub const DEFAULT_SEED: u64 = 1;
