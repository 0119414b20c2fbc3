//! The example sites under `examples/`, built where they are (as a user
//! would, with `-c`), with the output and the caches outside the repository.

use serde_json::{json, Value};

use crate::util::{repo, TestSite};

/// Builds `examples/events` from its folder in the repository into the test
/// site, the caches in the test site too (`TALLY_CACHE_DIR`).
fn build_events_example(site: &TestSite, extra: &[&str]) -> String {
    let config = repo("examples/events/site.toml");
    let mut args = vec!["build", "-c", config.to_str().unwrap(), "-o", "public"];
    args.extend_from_slice(extra);
    let (_, stderr) = site.ok(&args, &[("TALLY_CACHE_DIR", "cache")]);
    stderr
}

fn rows_by(rows: &[Value], key: &str) -> Vec<Value> {
    let mut rows = rows.to_vec();
    rows.sort_by_key(|r| r[key].to_string());
    rows
}

#[test]
fn the_events_example_derives_the_dashboard_from_one_export() {
    let before: Vec<_> =
        std::fs::read_dir(repo("examples/events")).unwrap().map(|e| e.unwrap().file_name()).collect();
    let site = TestSite::empty();
    let stderr = build_events_example(&site, &[]);
    assert_eq!(stderr, "", "no warnings expected");
    // Nothing was written beside the example's config.
    let after: Vec<_> =
        std::fs::read_dir(repo("examples/events")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after);
    assert!(site.path("cache/build.lock").is_file() && site.path("cache/charts").is_dir());

    // The hand-made `data/events.csv` spans 2026-01-02 to 2026-03-20.
    let manifest = site.json("public/api/index.json");
    assert_eq!(manifest["as_of"], "2026-03-20");
    assert_eq!(manifest["subscription_start"], "2026-01-02");
    let tabs: Vec<&str> =
        manifest["tabs"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(tabs, ["users-activity", "entities", "actions-automations", "data-sources", "ai-mcp"]);

    // Active seats: u1 logs in in the ISO weeks of 5, 12 and 19 January (a
    // seat from January), u2 in those of 2, 9 and 16 February (February),
    // u3 on 7 January, 10 February and 10 March (March); u4 has three weeks
    // in January but is disabled.
    let seats = site.report_rows("users-activity", "monthly-active-seats");
    let seats: Vec<(Value, Value)> =
        seats.iter().map(|r| (r["month"].clone(), r["active_seats"].clone())).collect();
    assert_eq!(
        seats,
        [(json!("2026-01-01"), json!(1)), (json!("2026-02-01"), json!(2)), (json!("2026-03-01"), json!(3))]
    );
    // The last snapshot (20 March): org-a 12 services and 6 repositories,
    // org-b 4 services.
    assert_eq!(site.report_rows("entities", "total-entities")[0]["entities"], 22);
    // ds-1 and ds-3 are connected; ds-2 was deleted on 15 February.
    assert_eq!(site.report_rows("data-sources", "total-data-sources")[0]["data_sources"], 2);
    // March's actions: Deploy service r2, r3 (a failure counts too) and r5
    // (through the API); Create environment r6. r1 ran in February, r4 is
    // an automation.
    let top = site.report_rows("actions-automations", "top-actions");
    let top: Vec<(Value, Value)> =
        top.iter().map(|r| (r["action_title"].clone(), r["runs"].clone())).collect();
    assert_eq!(top, [(json!("Deploy service"), json!(3)), (json!("Create environment"), json!(1))]);
    // AI invocations: slack i1 i2, web i3; i4 has no `source` key and i5 an
    // empty one, so both count as Other; i6 is MCP.
    let sources = rows_by(&site.report_rows("ai-mcp", "ai-invocations-by-source"), "source");
    assert_eq!(
        sources,
        [
            json!({"source": "Other", "invocations": 2}),
            json!({"source": "slack", "invocations": 2}),
            json!({"source": "web", "invocations": 1}),
        ]
    );
    // History notes come from the data: the first login is on 5 January,
    // the first entity snapshot on 28 February.
    let page = site.read("public/users-activity/index.html");
    assert!(page.contains("Login history starts in January 2026."), "no login note");
    let page = site.read("public/entities/index.html");
    assert!(page.contains("Entity counts are recorded from February 2026."), "no entity note");
}

#[test]
fn the_events_example_over_the_whole_sample_equals_the_default_site() {
    // The same history as one events export and as eight table exports:
    // every report of the two sites must give the same rows.
    let site = TestSite::empty();
    site.ok(&["sample", "--events", "--out", "events"], &[]);
    assert!(site.path("events/events.csv").is_file());
    assert!(!site.path("events/.tally-sample-tables").exists(), "the intermediate tables are removed");
    // The same scale and seed give the same bytes.
    site.ok(&["sample", "--events", "--out", "again"], &[]);
    assert!(
        site.bytes("events/events.csv") == site.bytes("again/events.csv"),
        "events.csv differs between runs"
    );
    let stderr = build_events_example(&site, &["--data-dir", "events"]);
    assert_eq!(stderr, "", "no warnings expected");
    let default = repo("site.toml");
    site.ok(
        &["build", "-c", default.to_str().unwrap(), "-o", "default"],
        &[("TALLY_CACHE_DIR", "cache-default")],
    );

    let events = site.json("public/api/index.json");
    let tables = site.json("default/api/index.json");
    assert_eq!(events["as_of"], tables["as_of"]);
    assert_eq!(events["subscription_start"], tables["subscription_start"]);
    let mut compared = 0;
    for tab in tables["tabs"].as_array().unwrap() {
        for report in tab["reports"].as_array().unwrap() {
            let file = report["files"]["json"].as_str().unwrap();
            let want = site.json(&format!("default/{file}"));
            let got = site.json(&format!("public/{file}"));
            assert_eq!(got["rows"], want["rows"], "{file} differs");
            compared += 1;
        }
    }
    assert!(compared >= 30, "compared {compared} reports");
}

#[test]
fn a_mistyped_year_in_the_only_export_is_warned_about() {
    // The events example has one export: a single event stamped 2099 stands
    // out against the rest of its own rows (the latest on 2026-03-20).
    let site = TestSite::empty();
    let events = std::fs::read_to_string(repo("examples/events/data/events.csv")).unwrap();
    site.write("events/events.csv", &(events + "login,2099-03-20T08:00:00Z,u1,org-a,{}\n"));
    let stderr = build_events_example(&site, &["--data-dir", "events"]);
    assert!(stderr.contains("`events` alone: 1 of its rows is stamped after 2026-03-20"), "{stderr}");
    insta::assert_snapshot!("events_as_of_outlier", stderr);
    assert_eq!(site.json("public/api/index.json")["as_of"], "2099-03-20");
}
