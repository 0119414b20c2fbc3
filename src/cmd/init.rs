//! `tally init DIR`: scaffold a site that builds: a `site.toml`, its
//! queries, and sample exports from the generator.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::InitArgs;
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

#[cfg(test)]
mod tests {
    use super::SITE_FILES;
    use crate::config::Config;

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
