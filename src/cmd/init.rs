//! `tally init DIR`: scaffold a site that builds the default dashboard
//! from your exports in `DIR/data/` (and says how to fill it); with
//! `--sample`, from freshly generated sample exports in `DIR/sample-data/`.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::InitArgs;
use crate::config::Config;
use crate::data::{accepted_extensions, discover};
use crate::sample::{write_sample, SampleOptions, DEFAULT_SEED};

/// `(path, text)` of a file of the default site, embedded at compile time.
macro_rules! site_file {
    ($path:literal) => {
        ($path, include_str!(concat!("../../", $path)))
    };
}

/// The default site's config and queries, embedded at compile time.
const SITE_FILES: &[(&str, &str)] = &[
    site_file!("site.toml"),
    site_file!("queries/README.md"),
    site_file!("queries/_prelude.sql"),
    site_file!("queries/users-activity/monthly-active-seats.sql"),
    site_file!("queries/users-activity/activated-seats-log.sql"),
    site_file!("queries/users-activity/engaged-teams.sql"),
    site_file!("queries/users-activity/least-engaged-users.sql"),
    site_file!("queries/users-activity/latest-logins.sql"),
    site_file!("queries/users-activity/popular-pages.sql"),
    site_file!("queries/users-activity/page-visits.sql"),
    site_file!("queries/entities/monthly-entities.sql"),
    site_file!("queries/entities/total-entities.sql"),
    site_file!("queries/entities/entities-by-blueprint.sql"),
    site_file!("queries/entities/entities-log-by-organization.sql"),
    site_file!("queries/actions-automations/api-and-automation-triggers.sql"),
    site_file!("queries/actions-automations/monthly-runs.sql"),
    site_file!("queries/actions-automations/automation-runs-log.sql"),
    site_file!("queries/actions-automations/top-actions.sql"),
    site_file!("queries/actions-automations/actions-by-organization.sql"),
    site_file!("queries/actions-automations/actions-by-user.sql"),
    site_file!("queries/actions-automations/actions-by-role.sql"),
    site_file!("queries/actions-automations/actions-by-team.sql"),
    site_file!("queries/data-sources/monthly-data-sources.sql"),
    site_file!("queries/data-sources/total-data-sources.sql"),
    site_file!("queries/data-sources/data-sources-log.sql"),
    site_file!("queries/ai-mcp/monthly-ai-interactions.sql"),
    site_file!("queries/ai-mcp/monthly-mcp-calls.sql"),
    site_file!("queries/ai-mcp/ai-invocations-by-source.sql"),
    site_file!("queries/ai-mcp/ai-mcp-usage-per-user.sql"),
];

/// The line of the default `site.toml` that points at the sample exports.
const SAMPLE_DATA_LINE: &str = "data_dir = \"sample-data\"";

/// The default `site.toml`, reading `data/` unless `sample`.
fn site_toml(sample: bool) -> String {
    let text = SITE_FILES[0].1;
    if sample {
        return text.to_string();
    }
    let header = "# Created by `tally init`: the default dashboard over your own exports in\n\
                  # `data/`, one file or folder per table, in the format `[tables]` declares below.\n\n";
    format!("{header}{}", text.replacen(SAMPLE_DATA_LINE, "data_dir = \"data\"", 1))
}

/// Scaffolds a site.
pub fn run(args: InitArgs) -> Result<()> {
    let dir = &args.dir;
    let entries: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("failed to read `{}`", dir.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("failed to read `{}`", dir.display())),
    };
    // Your exports may be there first: `data/` is the one thing allowed.
    let allowed = |name: &String| !args.sample && name == "data";
    if let Some(other) = entries.iter().find(|name| !allowed(name)) {
        bail!(
            "`{}` is not empty (it holds `{other}`); tally init writes into a new or empty folder{}",
            dir.display(),
            if args.sample { "" } else { ", or one holding only your exports in `data/`" }
        );
    }
    let site = site_toml(args.sample);
    write(dir, "site.toml", site.as_bytes())?;
    for (rel, text) in &SITE_FILES[1..] {
        write(dir, rel, text.as_bytes())?;
    }
    if args.sample {
        write_sample(&SampleOptions { out: dir.join("sample-data"), scale: 1, seed: DEFAULT_SEED })?;
        println!(
            "Created a new site with sample exports in `{}`. Build it with:\n  cd {} && tally build",
            dir.display(),
            dir.display()
        );
        return Ok(());
    }
    let data = dir.join("data");
    std::fs::create_dir_all(&data).with_context(|| format!("failed to create `{}`", data.display()))?;
    let config = Config::parse(&site, "site.toml")?;
    println!("Created a new site in `{}`, reading your exports from `{}`.", dir.display(), data.display());
    println!("{}", data_report(&config, &data)?);
    Ok(())
}

/// What the new site's data folder holds against what its tables need, and
/// what to do next.
fn data_report(config: &Config, data: &Path) -> Result<String> {
    let found = discover(data)?;
    // Required tables first, each group in name order.
    let mut file_tables: Vec<(&String, bool)> =
        config.tables.iter().filter(|(_, t)| !t.is_derived()).map(|(name, t)| (name, t.required)).collect();
    file_tables.sort_by_key(|(name, required)| (!required, name.to_string()));
    let files = |required: bool| {
        let names: Vec<String> = file_tables
            .iter()
            .filter(|(_, r)| *r == required)
            .map(|(name, _)| format!("{name}.csv"))
            .collect();
        names.join(", ")
    };
    let mut lines = Vec::new();
    if found.sources.is_empty() {
        lines.push(format!(
            "`{}` is empty. Put one export per table there, a file or a folder of files named after the table:",
            data.display()
        ));
        lines.push(format!("  required: {}", files(true)));
        lines.push(format!(
            "  optional (a missing one loads empty, its reports show zeros): {}",
            files(false)
        ));
        lines.push(format!("tally reads {}.", accepted_extensions()));
        lines.push("The columns each table needs are in site.toml's `[tables]` and in the README".into());
        lines.push(format!(
            "(\"Bring your own data\"). To try the site first with synthetic exports: tally sample --out {}",
            data.display()
        ));
    } else {
        lines.push(format!("In `{}`:", data.display()));
        for (name, required) in &file_tables {
            let state = match found.sources.iter().find(|s| &s.table == *name) {
                Some(source) => {
                    format!(
                        "found ({} file{})",
                        source.files.len(),
                        if source.files.len() == 1 { "" } else { "s" }
                    )
                }
                None if *required => "missing: the build needs it".into(),
                None => "missing: optional, its reports will show zeros".into(),
            };
            lines.push(format!("  {name}: {state}"));
        }
        for source in found.sources.iter().filter(|s| !config.tables.contains_key(&s.table)) {
            lines.push(format!("  {}: found, not read by the default reports", source.table));
        }
        for skipped in &found.skipped {
            lines.push(format!("  {skipped}"));
        }
    }
    lines.push(format!("Then build with:\n  cd {} && tally build", data.parent().unwrap_or(data).display()));
    Ok(lines.join("\n"))
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::write(&path, bytes).with_context(|| format!("failed to write `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_site_reads_data_and_the_sample_site_sample_data() {
        assert!(SITE_FILES[0].1.contains(SAMPLE_DATA_LINE), "site.toml's data_dir line changed");
        let own = Config::parse(&site_toml(false), "site.toml").unwrap();
        assert_eq!(own.data_dir, Path::new("data"));
        let sample = Config::parse(&site_toml(true), "site.toml").unwrap();
        assert_eq!(sample.data_dir, Path::new("sample-data"));
    }

    #[test]
    fn no_history_date_is_written_into_a_new_site() {
        // Notes name where a table's history starts; a new site's data
        // starts elsewhere, so the dates come from the data.
        let config = Config::parse(&site_toml(false), "site.toml").unwrap();
        for (tab, report) in config.reports() {
            for note in report.note.iter().chain(&tab.notes) {
                assert!(
                    !["2024", "2025", "2026"].iter().any(|y| note.contains(y)),
                    "{}/{}: a hard-coded date in `{note}`",
                    tab.id,
                    report.id
                );
            }
        }
    }

    #[test]
    fn embeds_every_query_the_default_site_names() {
        let config = Config::parse(SITE_FILES[0].1, "site.toml").unwrap();
        for (tab, report) in config.reports() {
            let file = report.sql_file.as_ref().expect("the default site keeps its SQL in files");
            let file = file.to_str().unwrap();
            assert!(
                SITE_FILES.iter().any(|(path, _)| *path == file),
                "{}/{}: `{file}` is not embedded in SITE_FILES",
                tab.id,
                report.id
            );
        }
        let prelude = config.prelude.as_ref().expect("the default site has a prelude");
        assert!(
            SITE_FILES.iter().any(|(path, _)| std::path::Path::new(path) == prelude),
            "the prelude is not embedded"
        );
    }
}
