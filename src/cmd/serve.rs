//! `tally serve`: build, serve on 127.0.0.1, rebuild and reload on change.

use crate::cli::ServeArgs;
use crate::serve::{self, ServeOptions};

/// Serves the site until Ctrl-C.
pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    serve::serve(&ServeOptions {
        config: args.config,
        data_dir: args.data_dir,
        as_of: args.as_of,
        bind: args.bind,
        port: args.port,
        open: args.open,
    })
}
