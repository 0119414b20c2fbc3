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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site: load the exports, run every report, write the pages and downloads.
    Build(BuildArgs),
    /// Validate the config, the data and every query without writing anything.
    Check(CheckArgs),
    /// Scaffold a new site (config, queries, sample data) in DIR.
    Init(InitArgs),
    /// Write synthetic usage exports (scale 1 gives the committed sample-data/).
    Sample(SampleArgs),
    /// Serve a built site to AI assistants: a read-only Model Context Protocol server on stdio.
    Mcp(McpArgs),
}

/// `tally build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The site config.
    #[arg(short, long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Write the site here instead of the config's `output_dir`.
    #[arg(short, long)]
    pub output_dir: Option<PathBuf>,
    /// Read the exports from here instead of the config's `data_dir`.
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
}

/// `tally check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The site config.
    #[arg(short, long, default_value = "site.toml")]
    pub config: PathBuf,
    /// Read the exports from here instead of the config's `data_dir`.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The as-of date (YYYY-MM-DD).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
}

/// `tally init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to create the site in (must be empty or missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
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

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}
