//! `tally mcp`: find the site folder (and the config, for report SQL), then
//! serve it over stdio until the client disconnects.

use std::path::PathBuf;

use crate::cli::McpArgs;
use crate::config::Config;
use crate::mcp::{self, SiteDir};

/// Serves the site.
pub fn run(args: McpArgs) -> anyhow::Result<()> {
    let site = match (args.site, args.config) {
        (Some(site), Some(config)) => SiteDir::new(site, Some(Config::from_file(&config)?)),
        // `--site` alone needs no config (explain_report then has only the
        // SQL the downloads carry).
        (Some(site), None) => SiteDir::new(site, None),
        // Without `--site` the config says where the site is.
        (None, config) => {
            let (config, root) = Config::from_file(&config.unwrap_or_else(|| PathBuf::from("site.toml")))?;
            SiteDir::new(root.join(&config.output_dir), Some((config, root)))
        }
    };
    mcp::serve(site)
}
