//! `tally check`: load the data and prepare every query; write nothing.

use crate::cli::CheckArgs;
use crate::site::{self, BuildOptions};

/// Checks the site.
pub fn run(args: CheckArgs) -> anyhow::Result<()> {
    let options = BuildOptions {
        config: args.config,
        data_dir: args.data_dir,
        as_of: args.as_of,
        ..BuildOptions::default()
    };
    let (reports, as_of) = site::check(&options)?;
    println!("OK: {reports} reports prepared as of {as_of}");
    Ok(())
}
