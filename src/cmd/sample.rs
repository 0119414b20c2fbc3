//! `tally sample`: write synthetic usage exports.

use crate::cli::SampleArgs;
use crate::sample::{write_sample, SampleOptions, DEFAULT_SEED};

/// Writes the sample exports.
pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let options = SampleOptions { out: args.out, scale: args.scale, seed: args.seed.unwrap_or(DEFAULT_SEED) };
    for line in write_sample(&options)? {
        println!("{line}");
    }
    Ok(())
}
