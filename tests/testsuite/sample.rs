//! `tally sample`: the synthetic exports are deterministic, scale 1 with the
//! default seed is the committed `sample-data/`, and the files follow the
//! export format of DESIGN.md section 4.

use std::path::Path;

use crate::util::TestSite;

/// Runs `tally sample --out <dir> --scale 1 <extra>` and returns its stdout.
fn sample(site: &TestSite, dir: &str, extra: &[&str]) -> String {
    let mut args = vec!["sample", "--out", dir, "--scale", "1"];
    args.extend_from_slice(extra);
    let out = site.tally(&args);
    assert!(
        out.status.success(),
        "tally sample failed\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn names(tree: &[(String, Vec<u8>)]) -> Vec<&str> {
    tree.iter().map(|(name, _)| name.as_str()).collect()
}

const FILES: [&str; 24] = [
    "action_runs.csv",
    "ai_invocations.jsonl",
    "data_sources.csv",
    "entity_counts.parquet",
    "logins.csv",
    "organizations.csv",
    "page_visits/2025-07.csv",
    "page_visits/2025-08.csv",
    "page_visits/2025-09.csv",
    "page_visits/2025-10.csv",
    "page_visits/2025-11.csv",
    "page_visits/2025-12.csv",
    "page_visits/2026-01.csv",
    "page_visits/2026-02.csv",
    "page_visits/2026-03.csv",
    "page_visits/2026-04.csv",
    "page_visits/2026-05.csv",
    "page_visits/2026-06.csv",
    "page_visits/2026-07.csv",
    "page_visits/2026-08.csv",
    "page_visits/2026-09.csv",
    "page_visits/2026-10.csv",
    "page_visits/2026-11.csv",
    "users.csv",
];

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let site = TestSite::empty();
    sample(&site, "a", &["--seed", "7"]);
    sample(&site, "b", &["--seed", "7"]);
    let a = site.snapshot_tree("a");
    assert_eq!(names(&a), FILES);
    // Compare file by file so a failure names the file.
    for ((name, bytes), (_, other)) in a.iter().zip(site.snapshot_tree("b").iter()) {
        assert!(bytes == other, "{name} differs between two runs with the same seed");
    }
}

#[test]
fn scale_one_with_the_default_seed_is_the_committed_sample() {
    let site = TestSite::empty();
    let stdout = sample(&site, "out", &[]);
    assert!(stdout.contains("page_visits: ") && stdout.contains(" rows in 17 files"), "stdout: {stdout}");
    let generated = site.snapshot_tree("out");
    let repo_sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let committed_tree: Vec<(String, Vec<u8>)> = {
        let mut files: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(&repo_sample)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&repo_sample).unwrap().to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    assert_eq!(names(&generated), names(&committed_tree));
    for ((name, bytes), (_, other)) in generated.iter().zip(committed_tree.iter()) {
        assert!(
            bytes == other,
            "{name} differs from sample-data/{name}; regenerate with `tally sample --out sample-data`"
        );
    }
}

#[test]
fn another_seed_gives_other_data() {
    let site = TestSite::empty();
    sample(&site, "a", &["--seed", "1"]);
    sample(&site, "b", &["--seed", "2"]);
    for file in [
        "users.csv",
        "logins.csv",
        "page_visits/2026-03.csv",
        "action_runs.csv",
        "ai_invocations.jsonl",
        "entity_counts.parquet",
    ] {
        assert_ne!(site.bytes(&format!("a/{file}")), site.bytes(&format!("b/{file}")), "{file}");
    }
    // The names of the organizations are part of the story, not of the seed.
    assert_eq!(site.read("a/organizations.csv"), site.read("b/organizations.csv"));
}

/// The header of a CSV file of the committed sample.
fn header(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    text.lines().next().unwrap_or_default().to_string()
}

#[test]
fn the_committed_sample_follows_the_export_format() {
    assert_eq!(header("organizations.csv"), "organization_id,organization_name");
    assert_eq!(
        header("users.csv"),
        "user_id,organization_id,email,full_name,role,team,user_type,created_at,removed_at"
    );
    assert_eq!(header("logins.csv"), "user_id,organization_id,logged_in_at");
    assert_eq!(header("page_visits/2025-07.csv"), "visited_at,organization_id,user_id,page");
    assert_eq!(
        header("action_runs.csv"),
        "run_id,organization_id,run_type,action_identifier,action_title,trigger,status,user_id,role,team,started_at,ended_at"
    );
    assert_eq!(header("data_sources.csv"), "data_source_id,organization_id,type,name,created_at,deleted_at");

    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let organizations = std::fs::read_to_string(base.join("organizations.csv")).unwrap();
    assert_eq!(organizations.lines().count(), 4, "three organizations");

    // Every page visit of a month's file is stamped in that month, in UTC.
    let march = std::fs::read_to_string(base.join("page_visits/2026-03.csv")).unwrap();
    for line in march.lines().skip(1) {
        let stamp = line.split(',').next().unwrap();
        assert!(stamp.starts_with("2026-03-") && stamp.ends_with('Z') && stamp.len() == 20, "{line}");
    }

    // About one AI invocation in ten has no source: absent, null or empty.
    let jsonl = std::fs::read_to_string(base.join("ai_invocations.jsonl")).unwrap();
    let (mut total, mut absent, mut null, mut empty) = (0, 0, 0, 0);
    let mut interfaces = std::collections::BTreeSet::new();
    for line in jsonl.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        total += 1;
        match row.get("source") {
            None => absent += 1,
            Some(serde_json::Value::Null) => null += 1,
            Some(serde_json::Value::String(s)) if s.is_empty() => empty += 1,
            Some(_) => {}
        }
        interfaces.insert(row["interface"].as_str().unwrap().to_string());
        assert!(row["invoked_at"].as_str().unwrap() <= "2026-11-25T23:59:59Z", "{line}");
    }
    assert!(absent > 0 && null > 0 && empty > 0, "{absent} absent, {null} null, {empty} empty");
    let missing = absent + null + empty;
    assert!(missing * 100 >= total * 8 && missing * 100 <= total * 12, "{missing} of {total} missing");
    assert_eq!(interfaces.into_iter().collect::<Vec<_>>(), ["ai", "mcp"]);
}

#[test]
fn entity_counts_parquet_has_the_export_columns() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/entity_counts.parquet");
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT min(snapshot_date)::VARCHAR, max(snapshot_date)::VARCHAR, count(DISTINCT organization_id), \
         typeof(any_value(snapshot_date)), typeof(any_value(entity_count)) FROM read_parquet('{}')",
        path.display()
    );
    let row: (String, String, i64, String, String) =
        conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap();
    assert_eq!(row, ("2025-11-01".into(), "2026-11-25".into(), 3, "DATE".into(), "BIGINT".into()));
}
