//! `tally sample`: write synthetic usage exports, one file or folder per
//! table, or (`--events`) one events export.

use crate::cli::SampleArgs;
use crate::sample::{write_events_sample, write_sample, SampleOptions, DEFAULT_SEED};

/// Writes the sample exports.
pub fn run(args: SampleArgs) -> anyhow::Result<()> {
    let options = SampleOptions { out: args.out, scale: args.scale, seed: args.seed.unwrap_or(DEFAULT_SEED) };
    let lines = if args.events { write_events_sample(&options)? } else { write_sample(&options)? };
    for line in lines {
        println!("{line}");
    }
    Ok(())
}
