//! The command line (clap derive). The contract is DESIGN.md section 2.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::date::Date;

/// tally: usage exports in, a static report site out.
#[derive(Debug, Parser)]
#[command(name = "tally", version, about, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// How paths resolve, for the help of the commands that take them.
const PATHS_HELP: &str = "Paths: -c, -o and --data-dir given here resolve against the working directory; \
paths inside site.toml (data_dir, output_dir, sql_file, cache_dir) resolve against site.toml's folder. \
Caches, spill files and the build lock go to `.tally-cache/` beside site.toml, or to `cache_dir` in site.toml, \
or to $TALLY_CACHE_DIR (relative to the working directory), so a read-only config folder still builds.";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site: load the exports, run every report, write the pages and downloads.
    #[command(after_help = PATHS_HELP)]
    Build(BuildArgs),
    /// Validate the config, the data and every query without writing anything.
    #[command(after_help = PATHS_HELP)]
    Check(CheckArgs),
    /// Scaffold a new site in DIR: the default dashboard reading your exports from DIR/data/.
    Init(InitArgs),
    /// Write synthetic usage exports (scale 1 gives the committed sample-data/).
    Sample(SampleArgs),
    /// Serve a built site to AI assistants: a read-only Model Context Protocol server on stdio.
    Mcp(McpArgs),
    /// Preview the site while you write it: build it into a folder of its own, serve it on
    /// 127.0.0.1, rebuild what a change touches and reload the open pages.
    #[command(after_help = PATHS_HELP)]
    Serve(ServeArgs),
}

/// `tally build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site config (relative to the working directory).
    #[arg(short, long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Write the site here instead of the config's `output_dir` (relative to the working directory).
    #[arg(short, long)]
    pub output_dir: Option<PathBuf>,
    /// Read the exports from here instead of the config's `data_dir` (relative to the working directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The as-of date (YYYY-MM-DD); default: the config's `as_of`, else the latest date in the data.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Replace an output folder that tally did not create.
    #[arg(long)]
    pub force: bool,
    /// Build every other report when one fails; mark the failed ones on their page and exit 1.
    #[arg(long)]
    pub keep_going: bool,
    /// Publish one view as a site of its own, holding no other organization's data:
    /// `organization=<id>` or `team=<organization id>/<team>`.
    #[arg(long, value_name = "FILTER=VALUE")]
    pub view: Option<String>,
    /// Print only errors (no progress, no summary line).
    #[arg(short, long)]
    pub quiet: bool,
}

/// `tally check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The site config (relative to the working directory).
    #[arg(short, long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Read the exports from here instead of the config's `data_dir` (relative to the working directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
}

/// `tally init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to create the site in: missing, empty, or holding only your exports in `data/`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also write synthetic sample exports (into DIR/sample-data/) and build from those.
    #[arg(long)]
    pub sample: bool,
}

/// `tally sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The folder to write the exports into.
    #[arg(long)]
    pub out: PathBuf,
    /// Size multiplier: 1 is the committed sample (~400 users), 100 about 10 million page visits.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Random seed; the same scale and seed give the same bytes.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the same history as one product-analytics events export (`events.csv`: event,
    /// timestamp, user_id, org, properties as JSON), as examples/events/ reads it.
    #[arg(long)]
    pub events: bool,
}

/// `tally mcp`.
#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// The site config: its `output_dir` is the site served, and its SQL explains a report when the
    /// site's downloads do not carry it. Default: `site.toml`, unless `--site` is given.
    #[arg(short, long)]
    pub config: Option<PathBuf>,
    /// The built site folder to serve (the one holding `api/index.json`); default: the config's `output_dir`.
    #[arg(long)]
    pub site: Option<PathBuf>,
}

/// `tally serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The site config (relative to the working directory).
    #[arg(short, long, default_value = "site.toml")]
    pub config: PathBuf,
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(short, long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Anything but a loopback address lets other machines read the site.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the site in the browser once it is built.
    #[arg(long)]
    pub open: bool,
    /// Read the exports from here instead of the config's `data_dir` (relative to the working directory).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The as-of date (YYYY-MM-DD); default: the config's `as_of`, else the latest date in the data.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}
