//! `tally sample --events`: the same synthetic history as one product-
//! analytics events export, the shape tools like PostHog or Segment give:
//! `events.csv` with `event`, `timestamp`, `user_id`, `org` and the rest in
//! a JSON `properties` column. `examples/events/site.toml` derives the
//! export-format tables from it with `[tables.x] sql`, and builds the same
//! numbers as the default site over the per-table sample.
//!
//! The per-table exports are written first (into a hidden folder, removed
//! after), then DuckDB turns them into events in one query, one thread, one
//! total order, so a scale and seed give the same bytes every time.

use std::path::Path;

use anyhow::{Context, Result};

use super::{write_sample, SampleOptions};

/// The events, in the order they are listed: what each is made from, its
/// stamp and its properties.
const EVENTS_SQL: &str = r#"
WITH stamps AS (
    SELECT organization_id AS org, created_at AS at FROM users
    UNION ALL SELECT organization_id, created_at FROM data_sources
),
events AS (
    -- An organization appears with its first user or data source.
    SELECT 'organization_created' AS event, min(s.at) AS timestamp, NULL AS user_id, o.organization_id AS org,
           json_object('name', o.organization_name) AS properties
    FROM organizations o JOIN stamps s ON s.org = o.organization_id
    GROUP BY o.organization_id, o.organization_name
    UNION ALL
    SELECT 'user_created', created_at, user_id, organization_id,
           json_object('email', email, 'full_name', full_name, 'role', role, 'team', team, 'user_type', user_type)
    FROM users
    UNION ALL
    SELECT 'user_removed', removed_at, user_id, organization_id, '{}' FROM users WHERE removed_at IS NOT NULL
    UNION ALL
    SELECT 'login', logged_in_at, user_id, organization_id, '{}' FROM logins
    UNION ALL
    SELECT 'page_view', visited_at, user_id, organization_id, json_object('page', page) FROM page_visits
    UNION ALL
    SELECT 'entity_snapshot', strftime(snapshot_date, '%Y-%m-%dT00:00:00Z'), NULL, organization_id,
           json_object('blueprint', blueprint, 'count', entity_count)
    FROM entity_counts
    UNION ALL
    SELECT 'action_run', started_at, user_id, organization_id,
           json_object('run_id', run_id, 'run_type', run_type, 'action_identifier', action_identifier,
                       'action_title', action_title, 'trigger', "trigger", 'status', status,
                       'role', role, 'team', team, 'ended_at', ended_at)
    FROM action_runs
    UNION ALL
    SELECT 'data_source_connected', created_at, NULL, organization_id,
           json_object('data_source_id', data_source_id, 'type', type, 'name', name)
    FROM data_sources
    UNION ALL
    SELECT 'data_source_deleted', deleted_at, NULL, organization_id, json_object('data_source_id', data_source_id)
    FROM data_sources WHERE deleted_at IS NOT NULL
    UNION ALL
    SELECT 'ai_invocation', invoked_at, user_id, organization_id,
           json_object('invocation_id', invocation_id, 'interface', interface, 'source', source,
                       'agent', agent, 'tool', tool, 'status', status)
    FROM ai_invocations
)
SELECT event, timestamp, user_id, org, properties::VARCHAR AS properties FROM events
ORDER BY timestamp, event, org, user_id, properties
"#;

/// Writes `events.csv` into `opts.out`; returns the summary lines.
pub fn write_events_sample(opts: &SampleOptions) -> Result<Vec<String>> {
    let out = &opts.out;
    std::fs::create_dir_all(out).with_context(|| format!("failed to create `{}`", out.display()))?;
    // Hidden, so a build over `out` skips it if a crash leaves it behind.
    let tables = out.join(".tally-sample-tables");
    if tables.exists() {
        std::fs::remove_dir_all(&tables)
            .with_context(|| format!("failed to remove `{}`", tables.display()))?;
    }
    write_sample(&SampleOptions { out: tables.clone(), ..opts.clone() })?;
    let rows = to_events(&tables, &out.join("events.csv"));
    std::fs::remove_dir_all(&tables).with_context(|| format!("failed to remove `{}`", tables.display()))?;
    Ok(vec![format!("events: {} rows in 1 file", super::thousands(rows?))])
}

/// Reads the per-table exports in `tables` and writes them as events.
fn to_events(tables: &Path, target: &Path) -> Result<u64> {
    let config =
        duckdb::Config::default().enable_autoload_extension(false).context("failed to configure DuckDB")?;
    let conn = duckdb::Connection::open_in_memory_with_flags(config).context("failed to open DuckDB")?;
    let path = |name: &str| tables.join(name).to_string_lossy().replace('\'', "''");
    // Every value as the text the exports hold, so stamps keep their form.
    let mut setup = String::from("SET threads = 1;\n");
    for table in ["organizations", "users", "logins", "action_runs", "data_sources"] {
        setup.push_str(&format!(
            "CREATE VIEW {table} AS SELECT * FROM read_csv('{}', header = true, all_varchar = true);\n",
            path(&format!("{table}.csv"))
        ));
    }
    setup.push_str(&format!(
        "CREATE VIEW page_visits AS SELECT * FROM read_csv('{}', header = true, all_varchar = true);\n",
        path("page_visits/*.csv")
    ));
    setup.push_str(&format!(
        "CREATE VIEW entity_counts AS SELECT * FROM read_parquet('{}');\n",
        path("entity_counts.parquet")
    ));
    // Every key as text: a missing `source` stays missing (NULL), an empty
    // one empty.
    setup.push_str(&format!(
        "CREATE VIEW ai_invocations AS SELECT * FROM read_json('{}', format = 'newline_delimited', \
         columns = {{invocation_id: 'VARCHAR', organization_id: 'VARCHAR', user_id: 'VARCHAR', invoked_at: 'VARCHAR', \
         interface: 'VARCHAR', source: 'VARCHAR', agent: 'VARCHAR', tool: 'VARCHAR', status: 'VARCHAR'}});\n",
        path("ai_invocations.jsonl")
    ));
    conn.execute_batch(&setup).context("failed to read the sample tables back")?;
    let target_sql = target.to_string_lossy().replace('\'', "''");
    conn.execute_batch(&format!("COPY ({EVENTS_SQL}) TO '{target_sql}' (FORMAT csv, HEADER true)"))
        .with_context(|| format!("failed to write `{}`", target.display()))?;
    let rows: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM read_csv('{target_sql}', header = true, all_varchar = true)"),
            [],
            |r| r.get(0),
        )
        .with_context(|| format!("failed to count `{}`", target.display()))?;
    Ok(rows as u64)
}
