//! Cross-report invariants of the default site (DESIGN.md section 5), on the
//! sample data and on hand-made fixtures: no month missing from a series,
//! the last point of a series equals its headline and its total report, and
//! per-organization (or per-user, role, team, source, blueprint) breakdowns
//! sum to the company total where the definitions say they should. Where a
//! breakdown does not sum to a total, a comment says why and the test checks
//! the inequality that does hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::catalogue::default_site;
use crate::util::TestSite;

/// The repository's own site (site.toml, queries/, sample-data/) in a temp
/// dir.
pub fn sample_site() -> TestSite {
    let site = TestSite::empty();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(repo.join("site.toml"), site.path("site.toml")).unwrap();
    for dir in ["queries", "sample-data"] {
        for entry in walkdir::WalkDir::new(repo.join(dir)) {
            let entry = entry.unwrap();
            let target = site.path(&entry.path().strip_prefix(repo).unwrap().to_string_lossy());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    site
}

fn int(row: &Value, key: &str) -> i64 {
    row[key].as_i64().unwrap_or_else(|| panic!("`{key}` is not an integer in {row}"))
}

fn sum(rows: &[Value], key: &str) -> i64 {
    rows.iter().map(|r| int(r, key)).sum()
}

/// `2026-03-01` -> the next month's first day.
fn next_month(month: &str) -> String {
    let (year, month) = (month[..4].parse::<i32>().unwrap(), month[5..7].parse::<u32>().unwrap());
    if month == 12 {
        format!("{}-01-01", year + 1)
    } else {
        format!("{year}-{:02}-01", month + 1)
    }
}

/// Checks every invariant on a built site.
fn check_invariants(site: &TestSite) {
    let as_of = site.json("public/api/index.json")["as_of"].as_str().unwrap().to_string();
    let as_of_month = format!("{}-01", &as_of[..7]);
    let rows = |tab: &str, report: &str| site.report_rows(tab, report);

    // No month missing: every monthly series runs month by month to the
    // as-of month, each of its series (organizations) in every month.
    for (tab, report, split) in [
        ("users-activity", "monthly-active-seats", None),
        ("users-activity", "member-page-visits", None),
        ("users-activity", "admin-page-visits", None),
        ("entities", "monthly-entities", None),
        ("actions-automations", "monthly-automation-runs", Some("organization_name")),
        ("actions-automations", "monthly-action-runs", Some("organization_name")),
        ("data-sources", "monthly-data-sources", None),
        ("ai-mcp", "monthly-ai-interactions", None),
        ("ai-mcp", "monthly-mcp-calls", None),
    ] {
        let series = rows(tab, report);
        let mut months: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in &series {
            let key = split.map_or(String::new(), |s| row[s].as_str().unwrap().to_string());
            assert!(
                months.entry(row["month"].as_str().unwrap().to_string()).or_default().insert(key),
                "{tab}/{report}: a month twice for a series"
            );
        }
        let listed: Vec<&String> = months.keys().collect();
        assert_eq!(
            listed.last().map(|m| m.as_str()),
            Some(as_of_month.as_str()),
            "{tab}/{report} ends at the as-of month"
        );
        for pair in listed.windows(2) {
            assert_eq!(&next_month(pair[0]), pair[1], "{tab}/{report}: a month is missing after {}", pair[0]);
        }
        let first = months.values().next().unwrap();
        assert!(months.values().all(|s| s == first), "{tab}/{report}: a series misses a month");
    }

    // Levels: the total reports are the last month of their series.
    let last = |tab: &str, report: &str| rows(tab, report).last().cloned().unwrap();
    let entities = last("entities", "monthly-entities");
    let total = &rows("entities", "total-entities")[0];
    assert_eq!((&total["entities"], &total["change"]), (&entities["entities"], &entities["change"]));
    let sources = last("data-sources", "monthly-data-sources");
    let total_sources = &rows("data-sources", "total-data-sources")[0];
    assert_eq!(
        (&total_sources["data_sources"], &total_sources["change"]),
        (&sources["data_sources"], &sources["change"])
    );

    // Entities: the blueprints sum to the total, and each month's
    // organizations (carried forward) to that month of the series.
    let blueprints = rows("entities", "entities-by-blueprint");
    assert_eq!(
        blueprints.iter().map(|r| int(r, "entities")).sum::<i64>(),
        entities["entities"].as_i64().unwrap_or(0)
    );
    let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
    for row in rows("entities", "entities-log-by-organization") {
        *by_month.entry(row["month"].as_str().unwrap().to_string()).or_default() += int(&row, "entities");
    }
    for row in rows("entities", "monthly-entities") {
        let month = row["month"].as_str().unwrap();
        assert_eq!(by_month.get(month).copied(), row["entities"].as_i64(), "entities in {month}");
    }

    // Action runs: every breakdown of all action runs counts each run once,
    // by outcome too, and so does the monthly series.
    let tab = "actions-automations";
    let monthly_runs = sum(&rows(tab, "monthly-action-runs"), "runs");
    for report in ["actions-by-organization", "actions-by-user", "actions-by-role", "actions-by-team"] {
        let breakdown = rows(tab, report);
        assert_eq!(sum(&breakdown, "runs"), monthly_runs, "{report}");
        assert_eq!(
            sum(&breakdown, "successful") + sum(&breakdown, "failed") + sum(&breakdown, "in_progress"),
            monthly_runs,
            "{report}: every run has one outcome (success, failure or in progress on the as-of date)"
        );
        for outcome in ["successful", "failed", "in_progress"] {
            assert_eq!(
                sum(&breakdown, outcome),
                sum(&rows(tab, "actions-by-organization"), outcome),
                "{report}"
            );
        }
    }
    // The automation runs log is this month's automation runs.
    let this_month = |rows: &[Value]| -> i64 {
        rows.iter().filter(|r| r["month"] == as_of_month.as_str()).map(|r| int(r, "runs")).sum()
    };
    let automations = rows(tab, "monthly-automation-runs");
    assert_eq!(rows(tab, "automation-runs-log").len() as i64, this_month(&automations));
    // Not equal: the API + automation count adds the API-triggered action
    // runs, which no other report counts apart, and covers the year.
    let triggers = &rows(tab, "api-and-automation-triggers")[0];
    assert!(int(triggers, "this_month") >= this_month(&automations));
    assert!(int(triggers, "runs") >= int(triggers, "this_month"));
    // Not equal: top actions are the six most run.
    let actions = rows(tab, "monthly-action-runs");
    assert!(sum(&rows(tab, "top-actions"), "runs") <= this_month(&actions));

    // AI and MCP: per user and per source sum to the monthly series.
    let usage = rows("ai-mcp", "ai-mcp-usage-per-user");
    let interactions = sum(&rows("ai-mcp", "monthly-ai-interactions"), "interactions");
    assert_eq!(sum(&usage, "ai_interactions"), interactions);
    assert_eq!(sum(&rows("ai-mcp", "ai-invocations-by-source"), "invocations"), interactions);
    assert_eq!(sum(&usage, "mcp_calls"), sum(&rows("ai-mcp", "monthly-mcp-calls"), "mcp_calls"));

    // Data sources: the log's connected sources are the total.
    let connected =
        rows("data-sources", "data-sources-log").iter().filter(|r| r["status"] == "connected").count();
    assert_eq!(connected as i64, int(total_sources, "data_sources"));

    // Seats: the seats of the log that have not ended are the as-of month's.
    let tab = "users-activity";
    let seats = last(tab, "monthly-active-seats");
    let current = rows(tab, "activated-seats-log").iter().filter(|r| r["removed_on"].is_null()).count();
    assert_eq!(current as i64, int(&seats, "active_seats"));
    // Not equal: popular pages are the ten most visited, and member and
    // admin visits leave out visits by people the users export does not list
    // in that organization (or with another role).
    for (pages, visits) in
        [("popular-pages-members", "member-page-visits"), ("popular-pages-admins", "admin-page-visits")]
    {
        let month = last(tab, visits);
        assert!(sum(&rows(tab, pages), "visits") <= int(&month, "page_visits"), "{pages}");
    }

    // Headlines are the last point of their series, as the overview shows.
    let index = site.read("public/index.html");
    for (title, value) in [
        ("Total monthly active seats", seats["active_seats"].clone()),
        ("Monthly AI interactions", last("ai-mcp", "monthly-ai-interactions")["interactions"].clone()),
        ("Total amount of entities", entities["entities"].clone()),
        ("Data sources total amount", sources["data_sources"].clone()),
    ] {
        let shown = match value.as_i64() {
            Some(n) => tally::report::group_thousands(n),
            None => "\u{2014}".to_string(),
        };
        let start = index.find(title).unwrap_or_else(|| panic!("no headline `{title}`"));
        let card = &index[start..start + index[start..].find("</a>").unwrap()];
        assert!(card.contains(&format!("number__value\">{shown}<")), "{title}: {shown} in {card}");
    }
}

#[test]
fn the_sample_site_numbers_agree_with_each_other() {
    let site = sample_site();
    site.build_ok(&[]);
    check_invariants(&site);
}

#[test]
fn the_fixture_numbers_agree_with_each_other() {
    for fixture in
        ["catalogue", "edge-multi-org", "edge-no-organization", "edge-entity-levels", "edge-state-at-as-of"]
    {
        let site = default_site(fixture);
        site.build_ok(&[]);
        check_invariants(&site);
    }
}
