//! Daily entity counts per organization and blueprint (from 2025-11-01),
//! written as Parquet through DuckDB. Counts follow the organization's size
//! (so a rollout shows) and the data sources feeding each blueprint (so a
//! removed integration takes its entities with it).

use std::path::Path;

use anyhow::{Context, Result};

use super::clock::{END_DAY, ENTITY_START_DAY};
use super::rng::Rng;
use super::world::World;

/// A blueprint: the data source types that feed it (none: kept by hand,
/// always there), entities per 1000 users per feeding source, and growth per
/// year in percent.
struct Blueprint {
    name: &'static str,
    fed_by: &'static [&'static str],
    per_1000_users: i64,
    growth_pct: i64,
}

const fn bp(
    name: &'static str,
    fed_by: &'static [&'static str],
    per_1000_users: i64,
    growth_pct: i64,
) -> Blueprint {
    Blueprint { name, fed_by, per_1000_users, growth_pct }
}

const BLUEPRINTS: [Blueprint; 12] = [
    bp("service", &[], 600, 25),
    bp("environment", &[], 70, 10),
    bp("repository", &["github", "gitlab"], 1_400, 30),
    bp("pull_request", &["github", "gitlab"], 9_000, 80),
    bp("workload", &["kubernetes"], 900, 20),
    bp("cloud_resource", &["aws", "azure"], 4_000, 15),
    bp("argocd_application", &["argocd"], 700, 20),
    bp("incident", &["pagerduty", "opsgenie", "servicenow"], 300, 60),
    bp("jira_issue", &["jira"], 22_000, 40),
    bp("vulnerability", &["snyk", "sonarqube"], 2_500, -10),
    bp("monitor", &["datadog"], 1_500, 25),
    bp("terraform_workspace", &["terraform"], 250, 10),
];

/// Calls `row(day, org, blueprint, count)` for every snapshot row in order
/// of day, organization and blueprint.
pub fn for_each_row(
    world: &World,
    seed: u64,
    mut row: impl FnMut(i32, usize, &'static str, i64) -> Result<()>,
) -> Result<()> {
    let mut rng = Rng::stream(seed, "entities");
    // Accounts created by each day, per organization: entities grow with
    // the people who make them (removed people's services stay).
    let created: Vec<Vec<i32>> = world
        .orgs
        .iter()
        .map(|org| {
            let mut days: Vec<i32> = world.users[org.users.clone()]
                .iter()
                .map(|u| u.created_at.div_euclid(super::clock::DAY) as i32)
                .collect();
            days.sort_unstable();
            days
        })
        .collect();
    for d in ENTITY_START_DAY..=END_DAY {
        for (o, org) in world.orgs.iter().enumerate() {
            let users = created[o].partition_point(|&c| c <= d) as i64;
            let first_day = created[o].first().copied().unwrap_or(d);
            for blueprint in &BLUEPRINTS {
                // (days since it started feeding) for each feeding source.
                let ages: Vec<i64> = if blueprint.fed_by.is_empty() {
                    vec![i64::from(d - first_day)]
                } else {
                    org.sources
                        .iter()
                        .map(|&i| &world.data_sources[i])
                        .filter(|s| blueprint.fed_by.contains(&s.ty) && s.alive_on(d))
                        .map(|s| i64::from(d) - s.created_at.div_euclid(super::clock::DAY))
                        .collect()
                };
                if ages.is_empty() {
                    continue;
                }
                let mut count = 0;
                for age in ages {
                    let base = blueprint.per_1000_users * users / 1000;
                    let mut n = base + base * blueprint.growth_pct * age / (100 * 365);
                    if age < 7 {
                        // The first sync takes about a week to bring everything in.
                        n = n * (age + 1) / 8;
                    }
                    let wobble = n / 200;
                    count += (n + rng.range(-wobble, wobble)).max(0);
                }
                row(d, o, blueprint.name, count)?;
            }
        }
    }
    Ok(())
}

/// Writes `entity_counts.parquet`; returns its number of rows.
///
/// DuckDB writes the file: one thread, rows appended in a fixed order, so the
/// bytes are the same on every run.
pub fn write_parquet(world: &World, seed: u64, path: &Path) -> Result<u64> {
    use duckdb::types::Value;

    let config =
        duckdb::Config::default().enable_autoload_extension(false).context("failed to configure DuckDB")?;
    let conn = duckdb::Connection::open_in_memory_with_flags(config).context("failed to open DuckDB")?;
    conn.execute_batch(
        "SET threads = 1;
         CREATE TABLE entity_counts (snapshot_date DATE, organization_id VARCHAR, blueprint VARCHAR, entity_count BIGINT);",
    )
    .context("failed to prepare the entity_counts table")?;
    let mut rows = 0u64;
    {
        let mut appender = conn.appender("entity_counts").context("failed to append entity counts")?;
        for_each_row(world, seed, |d, o, blueprint, count| {
            rows += 1;
            appender
                .append_row(duckdb::params![Value::Date32(d), world.orgs[o].id.as_str(), blueprint, count])
                .context("failed to append an entity count")
        })?;
        appender.flush().context("failed to append entity counts")?;
    }
    let target = path.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!("COPY entity_counts TO '{target}' (FORMAT parquet)")).with_context(|| {
        format!("failed to write `{}` (DuckDB needs its `parquet` extension built in)", path.display())
    })?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::clock::day;

    fn totals(world: &World, org: usize, blueprint: &str) -> Vec<(i32, i64)> {
        let mut out = Vec::new();
        for_each_row(world, 1, |d, o, b, n| {
            if o == org && b == blueprint {
                out.push((d, n));
            }
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn jira_issues_vanish_with_the_jira_integration() {
        let world = World::new(1, 1);
        let jira = totals(&world, 0, "jira_issue");
        let removed = day(2026, 6, 9);
        assert_eq!(jira.first().unwrap().0, ENTITY_START_DAY);
        assert_eq!(jira.last().unwrap().0, removed - 1);
        assert!(jira.iter().all(|&(_, n)| n > 1_000));
    }

    #[test]
    fn the_rollout_multiplies_services() {
        let world = World::new(1, 1);
        let services = totals(&world, 1, "service");
        let at = |d: i32| services.iter().find(|r| r.0 == d).unwrap().1;
        let before = at(day(2026, 1, 31));
        let after = at(day(2026, 3, 1));
        assert!(after > 3 * before, "{before} -> {after}");
        // Snyk arrives on 2026-05-11 and takes a week to sync fully.
        let vulns = totals(&world, 1, "vulnerability");
        assert_eq!(vulns[0].0, day(2026, 5, 11));
        assert!(vulns[0].1 * 4 < vulns[8].1);
    }
}
