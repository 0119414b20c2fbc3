//! The synthetic usage-export generator behind `tally sample`: a believable
//! product-usage history (three organizations per unit of scale, their users,
//! logins, page visits, entity counts, action and automation runs, data
//! sources, AI and MCP invocations) from 2025-07-01 to 2026-11-25, in the
//! export format of DESIGN.md section 4.
//!
//! Everything comes from one seed through our own PRNG and integer maths, so
//! a scale and seed give the same bytes on any machine; scale 1 with
//! [`DEFAULT_SEED`] is the committed `sample-data/`. Rows are streamed day by
//! day to buffered files, so scale 100 (about 10 million page visits) runs in
//! flat memory. With `--events` the same history is written as one
//! product-analytics events export instead (see `events`).

mod activity;
mod clock;
mod entities;
mod events;
mod rng;
mod world;

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use clock::Stamp;
use world::World;

pub use events::write_events_sample;

/// The seed of the committed `sample-data/`.
pub const DEFAULT_SEED: u64 = 20_261_125;

/// What `tally sample` was asked for.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// The folder to write the exports into.
    pub out: PathBuf,
    /// Size multiplier; 1 gives the committed `sample-data/`.
    pub scale: u32,
    /// The random seed.
    pub seed: u64,
}

/// Writes the exports; returns one line per table written, for the summary.
pub fn write_sample(opts: &SampleOptions) -> Result<Vec<String>> {
    if opts.scale == 0 {
        bail!("the scale must be at least 1");
    }
    let out = &opts.out;
    std::fs::create_dir_all(out).with_context(|| format!("failed to create `{}`", out.display()))?;
    let world = World::new(opts.scale, opts.seed);

    let mut summary = Vec::new();
    let mut line = |table: &str, rows: u64, files: u64| {
        let unit = if files == 1 { "file" } else { "files" };
        summary.push(format!("{table}: {} rows in {files} {unit}", thousands(rows)));
    };
    line("organizations", write_organizations(&world, out)?, 1);
    line("users", write_users(&world, out)?, 1);
    let activity = activity::write_activity(&world, opts.seed, out)?;
    line("logins", activity.logins, 1);
    line("page_visits", activity.page_visits, activity.page_visit_files);
    line("action_runs", activity.action_runs, 1);
    line("data_sources", write_data_sources(&world, out)?, 1);
    line("ai_invocations", activity.ai_invocations, 1);
    // Last, as it is the one step that needs DuckDB's Parquet writer.
    let entity_rows = entities::write_parquet(&world, opts.seed, &out.join("entity_counts.parquet"))?;
    line("entity_counts", entity_rows, 1);
    Ok(summary)
}

/// `31204` → `31,204`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A CSV file with a header; the small tables go through the csv crate so
/// names are quoted if they ever need it.
fn csv_file(path: &Path, header: &[&str]) -> Result<csv::Writer<BufWriter<File>>> {
    let file = File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
    let mut w = csv::Writer::from_writer(BufWriter::new(file));
    w.write_record(header).with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(w)
}

fn finish(mut w: csv::Writer<BufWriter<File>>, path: &Path) -> Result<()> {
    // The csv writer flushes its own buffer and then the file's.
    w.flush().with_context(|| format!("failed to write `{}`", path.display()))
}

fn write_organizations(world: &World, out: &Path) -> Result<u64> {
    let path = out.join("organizations.csv");
    let mut w = csv_file(&path, &["organization_id", "organization_name"])?;
    for org in &world.orgs {
        w.write_record([org.id.as_str(), org.name.as_str()])?;
    }
    finish(w, &path)?;
    Ok(world.orgs.len() as u64)
}

fn write_users(world: &World, out: &Path) -> Result<u64> {
    let path = out.join("users.csv");
    let header = [
        "user_id",
        "organization_id",
        "email",
        "full_name",
        "role",
        "team",
        "user_type",
        "created_at",
        "removed_at",
    ];
    let mut w = csv_file(&path, &header)?;
    for user in &world.users {
        let org = &world.orgs[user.org];
        let removed = user.removed_at.map(|t| Stamp::new(t).as_str().to_string()).unwrap_or_default();
        w.write_record([
            user.id.as_str(),
            org.id.as_str(),
            user.email.as_str(),
            user.full_name.as_str(),
            user.role.as_str(),
            user.team.map_or("", |t| org.teams[t]),
            if user.disabled { "disabled" } else { "active" },
            Stamp::new(user.created_at).as_str(),
            removed.as_str(),
        ])?;
    }
    finish(w, &path)?;
    Ok(world.users.len() as u64)
}

fn write_data_sources(world: &World, out: &Path) -> Result<u64> {
    let path = out.join("data_sources.csv");
    let header = ["data_source_id", "organization_id", "type", "name", "created_at", "deleted_at"];
    let mut w = csv_file(&path, &header)?;
    for s in &world.data_sources {
        let deleted = s.deleted_at.map(|t| Stamp::new(t).as_str().to_string()).unwrap_or_default();
        w.write_record([
            s.id.as_str(),
            world.orgs[s.org].id.as_str(),
            s.ty,
            s.name.as_str(),
            Stamp::new(s.created_at).as_str(),
            deleted.as_str(),
        ])?;
    }
    finish(w, &path)?;
    Ok(world.data_sources.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(31_204), "31,204");
        assert_eq!(thousands(10_123_456), "10,123,456");
    }
}
