//! Known answers for the default site's report catalogue (DESIGN.md section
//! 5): the repository's own `site.toml` and `queries/` run on the hand-made
//! exports in `tests/fixtures/catalogue/data/`, and every report's rows are
//! compared with answers worked out by hand from those files.
//!
//! The fixture, in short (as-of 2026-03-18, a Wednesday; subscription term
//! from 2025-12-01; every stamp UTC):
//!
//! | user | org | role | team | state | logins (in the term) |
//! |---|---|---|---|---|---|
//! | u1 ana | Acme | admin | Platform | active | Dec 1 (Mon), Dec 9, Dec 17 (3rd week: active), Mar 10, Mar 16 |
//! | u2 ben | Acme | member | Platform | active | Sun Jan 4 23:30, Mon Jan 5, Jan 14 (3rd week: active), Mar 17, Mar 18 23:59:59 |
//! | u3 cai | Acme | member | Data | active | Feb 2 (Mon), Feb 3, Feb 10: 3 logins in 2 weeks, never active |
//! | u4 dee | Acme | member | Data | disabled | Dec 2, Dec 9, Dec 16: would be active, but disabled |
//! | u5 eli | Globex | member | (none) | removed 2026-02-10 | Dec 3, Dec 10, Dec 18 (active) |
//! | u6 fay | Globex | admin | Ops | removed 2026-03-25 (after as-of) | Jan 20, Feb 2, Feb 11 (active) , Mar 12 00:00 |
//! | u7 gus | Globex | member | Ops | active | Mar 2, Mar 9, Mar 11 23:59; Mar 20 is after the as-of date |
//! | u8 hal | Globex | member | Ops | active | Nov 20 (before the term), Dec 3, Dec 10: 2 weeks in the term |
//! | u9 ivy | Globex | member | Ops | created Mar 21, after the as-of date: dropped |
//!
//! The test copies the fixture, puts the repository's `queries/` next to it
//! and adds the repository's `[tables]` and `[[tabs]]` to the fixture's
//! `site.toml` (which holds `as_of`, `subscription_start` and `data_dir`), so
//! there is one source of truth for every query and table setting.

use serde_json::{json, Value};

use crate::util::TestSite;

/// The catalogue fixture, ready to build with the repository's reports.
fn catalogue_site() -> TestSite {
    TestSite::with_default_reports("catalogue")
}

/// A fixture whose `site.toml` holds only site-level settings (`as_of`,
/// `subscription_start`, `data_dir`), ready to build with the repository's
/// `queries/` and the `[tables]`, `[[tabs]]` and `prelude` of its `site.toml`.
pub fn default_site(fixture: &str) -> TestSite {
    TestSite::with_default_reports(fixture)
}

/// Replaces `from` (which must occur) by `to` in a file of the site.
pub fn edit(site: &TestSite, rel: &str, from: &str, to: &str) {
    let text = site.read(rel);
    assert!(text.contains(from), "{rel} has no `{from}`");
    site.write(rel, &text.replacen(from, to, 1));
}

/// Every report of the built site as (tab, report) ids, from the manifest.
pub fn report_ids(site: &TestSite) -> Vec<(String, String)> {
    let manifest = site.json("public/api/index.json");
    let mut ids = Vec::new();
    for tab in manifest["tabs"].as_array().unwrap() {
        for report in tab["reports"].as_array().unwrap() {
            ids.push((tab["id"].as_str().unwrap().to_string(), report["id"].as_str().unwrap().to_string()));
        }
    }
    ids
}

/// The JSON downloads of every report, for comparing two builds.
fn all_report_json(site: &TestSite) -> Vec<(String, Value)> {
    report_ids(site)
        .into_iter()
        .map(|(tab, report)| {
            let rel = format!("public/{tab}/{report}.json");
            let json = site.json(&rel);
            (rel, json)
        })
        .collect()
}

/// The column names of a report's JSON download, in order.
fn column_names(site: &TestSite, tab: &str, report: &str) -> Vec<String> {
    site.json(&format!("public/{tab}/{report}.json"))["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// A tab's id and title, and its reports' ids and titles.
type TabIds<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

#[test]
fn the_catalogue_has_the_contracted_tabs_reports_and_titles() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let manifest = site.json("public/api/index.json");
    let tabs: Vec<TabIds> = manifest["tabs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tab| {
            let reports = tab["reports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["id"].as_str().unwrap(), r["title"].as_str().unwrap()))
                .collect();
            (tab["id"].as_str().unwrap(), tab["title"].as_str().unwrap(), reports)
        })
        .collect();
    let expected: Vec<TabIds> = vec![
        (
            "users-activity",
            "Users activity",
            vec![
                ("monthly-active-seats", "Total monthly active seats"),
                ("activated-seats-log", "Activated seats log"),
                ("most-engaged-teams", "Most engaged teams"),
                ("least-engaged-teams", "Least engaged teams"),
                ("least-engaged-users", "Least engaged users"),
                ("latest-logins", "Latest logins (last 7 days)"),
                ("popular-pages-members", "Popular pages by member users (current month)"),
                ("popular-pages-admins", "Popular pages by admin users (current month)"),
                ("member-page-visits", "Member page visits during month"),
                ("admin-page-visits", "Admin page visits during month"),
            ],
        ),
        (
            "entities",
            "Entities",
            vec![
                ("monthly-entities", "Total monthly entities"),
                ("total-entities", "Total amount of entities"),
                ("entities-by-blueprint", "Entities by blueprint"),
                ("entities-log-by-organization", "Entities log by organization"),
            ],
        ),
        (
            "actions-automations",
            "Actions & automations",
            vec![
                (
                    "api-and-automation-triggers",
                    "Actions triggered via API + automation triggers (current year)",
                ),
                ("monthly-automation-runs", "Total monthly automation runs, by organization"),
                ("automation-runs-log", "Automation runs log"),
                ("monthly-action-runs", "Total monthly action runs, by organization"),
                ("top-actions", "Top actions (current month)"),
                ("actions-by-organization", "Action logs: total by organization"),
                ("actions-by-user", "Action logs: total by user"),
                ("actions-by-role", "Action logs: total by role"),
                ("actions-by-team", "Action logs: total by team"),
            ],
        ),
        (
            "data-sources",
            "Data sources",
            vec![
                ("monthly-data-sources", "Total monthly data sources"),
                ("total-data-sources", "Data sources total amount"),
                ("data-sources-log", "Data sources log"),
            ],
        ),
        (
            "ai-mcp",
            "AI & MCP",
            vec![
                ("monthly-ai-interactions", "Monthly AI interactions"),
                ("monthly-mcp-calls", "Monthly MCP calls"),
                ("ai-invocations-by-source", "AI invocations by source"),
                ("ai-mcp-usage-per-user", "AI & MCP usage per user"),
            ],
        ),
    ];
    assert_eq!(tabs, expected);

    // The columns DESIGN.md names come first, in this order.
    for (tab, report, columns) in [
        ("users-activity", "monthly-active-seats", &["month", "active_seats", "change"][..]),
        ("entities", "monthly-entities", &["month", "entities"][..]),
        ("entities", "total-entities", &["entities"][..]),
        ("entities", "entities-by-blueprint", &["blueprint", "entities"][..]),
        ("actions-automations", "api-and-automation-triggers", &["runs"][..]),
        ("actions-automations", "top-actions", &["action_title", "runs"][..]),
        ("data-sources", "monthly-data-sources", &["month", "data_sources"][..]),
        ("data-sources", "total-data-sources", &["data_sources"][..]),
        ("ai-mcp", "monthly-ai-interactions", &["month", "interactions"][..]),
        ("ai-mcp", "monthly-mcp-calls", &["month", "mcp_calls"][..]),
        ("ai-mcp", "ai-invocations-by-source", &["source", "invocations"][..]),
    ] {
        let names = column_names(&site, tab, report);
        assert_eq!(&names[..columns.len()], columns, "{tab}/{report}");
    }
    // Every monthly series carries its month-over-month change.
    for (tab, report) in [
        ("users-activity", "monthly-active-seats"),
        ("users-activity", "member-page-visits"),
        ("users-activity", "admin-page-visits"),
        ("entities", "monthly-entities"),
        ("actions-automations", "monthly-automation-runs"),
        ("actions-automations", "monthly-action-runs"),
        ("data-sources", "monthly-data-sources"),
        ("ai-mcp", "monthly-ai-interactions"),
        ("ai-mcp", "monthly-mcp-calls"),
    ] {
        assert!(column_names(&site, tab, report).contains(&"change".to_string()), "{tab}/{report}");
    }
}

#[test]
fn users_activity_matches_the_hand_worked_answers() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let rows = |report| site.report_rows("users-activity", report);

    // Seats: ana active from Dec 17 and eli from Dec 18 (December); ben from
    // Jan 14; fay from Feb 11. Eli is removed on Feb 10, so January (ending
    // Feb 1) is his last month. Fay's removal (Mar 25) is after the as-of
    // date. Dee is disabled; cai has 2 weeks; hal has 2 weeks in the term
    // (Nov 20 is before it); gus's third week (Mar 20) is after the as-of.
    // The series starts at the subscription start (Dec), not at hal's Nov 20.
    assert_eq!(
        rows("monthly-active-seats"),
        vec![
            json!({"month": "2025-12-01", "active_seats": 2, "change": null}), // ana, eli
            json!({"month": "2026-01-01", "active_seats": 3, "change": 1}),    // + ben
            json!({"month": "2026-02-01", "active_seats": 3, "change": 0}),    // - eli + fay
            json!({"month": "2026-03-01", "active_seats": 3, "change": 0}),    // ana, ben, fay
        ]
    );
    // Latest activation first; eli counted in Dec and Jan, so he is listed.
    assert_eq!(
        rows("activated-seats-log"),
        vec![
            json!({"activated_on": "2026-02-11", "email": "fay@globex.test", "full_name": "Fay Fox",
                   "organization_name": "Globex", "team": "Ops", "role": "admin", "removed_on": null}),
            json!({"activated_on": "2026-01-14", "email": "ben@acme.test", "full_name": "Ben Brown",
                   "organization_name": "Acme", "team": "Platform", "role": "member", "removed_on": null}),
            json!({"activated_on": "2025-12-18", "email": "eli@globex.test", "full_name": "Eli Evans",
                   "organization_name": "Globex", "team": null, "role": "member", "removed_on": "2026-02-10"}),
            json!({"activated_on": "2025-12-17", "email": "ana@acme.test", "full_name": "Ana Alves",
                   "organization_name": "Acme", "team": "Platform", "role": "admin", "removed_on": null}),
        ]
    );

    // Current month = Mar 1..18. Current users: ana, ben, cai, fay (removal
    // after as-of), gus, hal (dee disabled, eli removed, ivy not yet created).
    // March logins: ana 2 (10th, 16th), ben 2 (17th, 18th 23:59:59), fay 1,
    // gus 3 (2nd, 9th, 11th), cai 0, hal 0. March page visits: ana 3, ben 3,
    // fay 1, gus 2, cai 0 (his visit on the 20th is after the as-of), hal 0.
    // Platform: ana + ben = 2 users, 4 logins, 6 visits, 3.0 per user.
    // Ops: fay + gus + hal = 3 users, 4 logins, 3 visits, 1.0 per user.
    // Data: cai = 1 user (dee is disabled), 0 logins, 0 visits.
    let platform = json!({"team": "Platform", "organization_name": "Acme", "users": 2, "logins": 4,
                          "page_visits": 6, "visits_per_user": 3.0});
    let ops = json!({"team": "Ops", "organization_name": "Globex", "users": 3, "logins": 4,
                     "page_visits": 3, "visits_per_user": 1.0});
    let data = json!({"team": "Data", "organization_name": "Acme", "users": 1, "logins": 0,
                      "page_visits": 0, "visits_per_user": 0.0});
    assert_eq!(rows("most-engaged-teams"), vec![platform.clone(), ops.clone(), data.clone()]);
    assert_eq!(rows("least-engaged-teams"), vec![data, ops, platform]);

    // Fewest March visits, then fewest March logins, then email; the last
    // login is the latest ever up to the as-of date (gus's Mar 20 is after).
    let user =
        |email: &str, name: &str, org: &str, team: &str, role: &str, visits: i64, logins: i64, last: &str| {
            json!({"email": email, "full_name": name, "organization_name": org, "team": team, "role": role,
               "page_visits": visits, "logins": logins, "last_login_at": last})
        };
    assert_eq!(
        rows("least-engaged-users"),
        vec![
            user("cai@acme.test", "Cai Chen", "Acme", "Data", "member", 0, 0, "2026-02-10T09:00:00Z"),
            user("hal@globex.test", "Hal Hill", "Globex", "Ops", "member", 0, 0, "2025-12-10T10:00:00Z"),
            user("fay@globex.test", "Fay Fox", "Globex", "Ops", "admin", 1, 1, "2026-03-12T00:00:00Z"),
            user("gus@globex.test", "Gus Green", "Globex", "Ops", "member", 2, 3, "2026-03-11T23:59:00Z"),
            user("ana@acme.test", "Ana Alves", "Acme", "Platform", "admin", 3, 2, "2026-03-16T08:30:00Z"),
            user("ben@acme.test", "Ben Brown", "Acme", "Platform", "member", 3, 2, "2026-03-18T23:59:59Z"),
        ]
    );

    // Last 7 days = Mar 12 00:00 .. Mar 18 23:59:59. Gus's Mar 11 23:59 is
    // just outside, fay's Mar 12 00:00 and ben's Mar 18 23:59:59 just inside.
    assert_eq!(
        rows("latest-logins"),
        vec![
            json!({"email": "ben@acme.test", "full_name": "Ben Brown", "organization_name": "Acme",
                   "role": "member", "logins": 2, "last_login_at": "2026-03-18T23:59:59Z"}),
            json!({"email": "ana@acme.test", "full_name": "Ana Alves", "organization_name": "Acme",
                   "role": "admin", "logins": 1, "last_login_at": "2026-03-16T08:30:00Z"}),
            json!({"email": "fay@globex.test", "full_name": "Fay Fox", "organization_name": "Globex",
                   "role": "admin", "logins": 1, "last_login_at": "2026-03-12T00:00:00Z"}),
        ]
    );

    // March member visits: ben /catalog x2 + /self-serve, gus /scorecards +
    // /catalog (cai's /catalog on the 20th is dropped). Ties by page name.
    assert_eq!(
        rows("popular-pages-members"),
        vec![
            json!({"page": "/catalog", "visits": 3, "users": 2}),
            json!({"page": "/scorecards", "visits": 1, "users": 1}),
            json!({"page": "/self-serve", "visits": 1, "users": 1}),
        ]
    );
    // March admin visits: ana /settings x2 + /catalog, fay /settings (ana's
    // /settings on the 20th is dropped).
    assert_eq!(
        rows("popular-pages-admins"),
        vec![
            json!({"page": "/settings", "visits": 3, "users": 2}),
            json!({"page": "/catalog", "visits": 1, "users": 1}),
        ]
    );

    // Visits from page_visits/2025-12.csv, 2026-01.csv and 2026-03.csv; there
    // is no February file, so February is a zero row. Members: Dec dee + eli,
    // Jan ben x2, Mar ben x3 + gus x2. Admins: Dec ana x2, Jan fay, Mar ana x3
    // + fay. Page visits are a flow: March so far (1-18) is compared with
    // 1-18 February (`previous_to_date`): no visits then.
    assert_eq!(
        rows("member-page-visits"),
        vec![
            json!({"month": "2025-12-01", "page_visits": 2, "visitors": 2, "change": null, "previous_to_date": null}),
            json!({"month": "2026-01-01", "page_visits": 2, "visitors": 1, "change": 0, "previous_to_date": null}),
            json!({"month": "2026-02-01", "page_visits": 0, "visitors": 0, "change": -2, "previous_to_date": null}),
            json!({"month": "2026-03-01", "page_visits": 5, "visitors": 2, "change": 5, "previous_to_date": 0}),
        ]
    );
    assert_eq!(
        rows("admin-page-visits"),
        vec![
            json!({"month": "2025-12-01", "page_visits": 2, "visitors": 1, "change": null, "previous_to_date": null}),
            json!({"month": "2026-01-01", "page_visits": 1, "visitors": 1, "change": -1, "previous_to_date": null}),
            json!({"month": "2026-02-01", "page_visits": 0, "visitors": 0, "change": -1, "previous_to_date": null}),
            json!({"month": "2026-03-01", "page_visits": 4, "visitors": 2, "change": 4, "previous_to_date": 0}),
        ]
    );
}

#[test]
fn entities_match_the_hand_worked_answers() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let rows = |report| site.report_rows("entities", report);

    // Each organization's last snapshot of the month: Jan: Acme Jan 31
    // (12 + 3; the Jan 15 snapshot is not the last) + Globex Jan 31 (5 + 1) =
    // 21. Feb: Acme Feb 28 (14 + 3) + Globex Feb 27 (6 + 2) = 25. Mar: Acme
    // Mar 10 (15; the team blueprint is gone) + Globex Mar 17 (7 + 2) = 24.
    // The Mar 20 snapshots (100 each) are after the as-of date.
    assert_eq!(
        rows("monthly-entities"),
        vec![
            json!({"month": "2026-01-01", "entities": 21, "change": null}),
            json!({"month": "2026-02-01", "entities": 25, "change": 4}),
            json!({"month": "2026-03-01", "entities": 24, "change": -1}),
        ]
    );
    // Latest snapshots on or before Mar 18: 15 + 9; at the end of February 25.
    assert_eq!(rows("total-entities"), vec![json!({"entities": 24, "change": -1})]);
    // service: Acme 15 + Globex 7; cluster: Globex 2.
    assert_eq!(
        rows("entities-by-blueprint"),
        vec![json!({"blueprint": "service", "entities": 22}), json!({"blueprint": "cluster", "entities": 2})]
    );
    assert_eq!(
        rows("entities-log-by-organization"),
        vec![
            json!({"month": "2026-03-01", "organization_name": "Acme", "snapshot_date": "2026-03-10",
                   "entities": 15, "change": -2}),
            json!({"month": "2026-03-01", "organization_name": "Globex", "snapshot_date": "2026-03-17",
                   "entities": 9, "change": 1}),
            json!({"month": "2026-02-01", "organization_name": "Acme", "snapshot_date": "2026-02-28",
                   "entities": 17, "change": 2}),
            json!({"month": "2026-02-01", "organization_name": "Globex", "snapshot_date": "2026-02-27",
                   "entities": 8, "change": 2}),
            json!({"month": "2026-01-01", "organization_name": "Acme", "snapshot_date": "2026-01-31",
                   "entities": 15, "change": null}),
            json!({"month": "2026-01-01", "organization_name": "Globex", "snapshot_date": "2026-01-31",
                   "entities": 6, "change": null}),
        ]
    );
}

#[test]
fn actions_and_automations_match_the_hand_worked_answers() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let rows = |report| site.report_rows("actions-automations", report);

    // 2026 up to Mar 18, not from the UI: r05 (api), r06, r07, r08
    // (automations), r13 (api), r17 (api) = 6; r02 and r03 are in 2025 and
    // r19 is after the as-of date. Added in March: r08, r13, r17.
    // `this_month` is the part of `runs` that started in March, not a change.
    assert_eq!(rows("api-and-automation-triggers"), vec![json!({"runs": 6, "this_month": 3})]);

    // Automation runs: r03 Acme Dec, r06 Globex Jan, r07 Globex Feb, r08 Acme
    // Mar (r19 is after the as-of date). Months from the first run (Dec).
    // Runs are a flow: the as-of month carries the organization's runs on the
    // same days of February (1-18) as `previous_to_date`.
    let month = |m: &str, org: &str, runs: i64, change: Value| json!({"month": m, "organization_name": org, "runs": runs, "change": change, "previous_to_date": null});
    let as_of_month = |org: &str, runs: i64, change: i64, same_days: i64| json!({"month": "2026-03-01", "organization_name": org, "runs": runs, "change": change, "previous_to_date": same_days});
    assert_eq!(
        rows("monthly-automation-runs"),
        vec![
            month("2025-12-01", "Acme", 1, json!(null)),
            month("2025-12-01", "Globex", 0, json!(null)),
            month("2026-01-01", "Acme", 0, json!(-1)),
            month("2026-01-01", "Globex", 1, json!(1)),
            month("2026-02-01", "Acme", 0, json!(0)),
            month("2026-02-01", "Globex", 1, json!(0)),
            as_of_month("Acme", 1, 1, 0),
            as_of_month("Globex", 0, -1, 1), // r07 on Feb 11
        ]
    );
    assert_eq!(
        rows("automation-runs-log"),
        vec![json!({"started_at": "2026-03-02T10:00:00Z", "action_title": "Sync catalog",
                    "organization_name": "Acme", "trigger": "automation", "status": "success",
                    "ended_at": "2026-03-02T10:05:00Z", "duration_seconds": 300, "run_id": "r08"})]
    );
    // Action runs: Dec Acme r01 r02; Jan Acme r04 r05; nothing in February;
    // Mar Acme r10 r11 r14 r15 r17, Globex r09 r12 r13 r16 (r18 is dropped).
    assert_eq!(
        rows("monthly-action-runs"),
        vec![
            month("2025-12-01", "Acme", 2, json!(null)),
            month("2025-12-01", "Globex", 0, json!(null)),
            month("2026-01-01", "Acme", 2, json!(0)),
            month("2026-01-01", "Globex", 0, json!(0)),
            month("2026-02-01", "Acme", 0, json!(-2)),
            month("2026-02-01", "Globex", 0, json!(0)),
            as_of_month("Acme", 5, 5, 0),
            as_of_month("Globex", 4, 4, 0),
        ]
    );
    // March action runs by action (`action_identifier`), named by its latest
    // title: deploy r10 + r17 = 2 (r18 on the 19th is dropped); Globex's own
    // deploy-gx (r09) has the same title but is another action. Seven actions
    // with one run each, by title then identifier: the first five make the
    // cut (Rotate secret and Scaffold service do not).
    let action = |title: &str, runs: i64, id: &str| json!({"action_title": title, "runs": runs, "action_identifier": id});
    assert_eq!(
        rows("top-actions"),
        vec![
            action("Deploy service", 2, "deploy"),
            action("Create environment", 1, "create-env"),
            action("Delete environment", 1, "delete-env"),
            action("Deploy service", 1, "deploy-gx"),
            action("Restart pod", 1, "restart"),
            action("Rollback", 1, "rollback"),
        ]
    );
    // All action runs up to Mar 18: Acme r01 r02 r04 r05 r10 r11 r14 r15 r17
    // (r04 failed, r11 in progress), Globex r09 r12 r13 r16.
    assert_eq!(
        rows("actions-by-organization"),
        vec![
            json!({"organization_name": "Acme", "runs": 9, "successful": 7, "failed": 1, "in_progress": 1,
                   "last_run_at": "2026-03-11T10:00:00Z"}),
            json!({"organization_name": "Globex", "runs": 4, "successful": 4, "failed": 0, "in_progress": 0,
                   "last_run_at": "2026-03-10T10:00:00Z"}),
        ]
    );
    // ana r01 r10 r17; ben r04 (failed) r05 r11 (in progress); cai r14 r15;
    // fay r09 r16; gus r12; no user: r02 (Acme), r13 (Globex). Ties by user
    // ("No user" sorts before lower-case emails).
    let by_user =
        |user: &str, name: Value, org: &str, runs: i64, ok: i64, failed: i64, open: i64, last: &str| {
            json!({"user": user, "full_name": name, "organization_name": org, "runs": runs, "successful": ok,
               "failed": failed, "in_progress": open, "last_run_at": last})
        };
    assert_eq!(
        rows("actions-by-user"),
        vec![
            by_user("ana@acme.test", json!("Ana Alves"), "Acme", 3, 3, 0, 0, "2026-03-11T10:00:00Z"),
            by_user("ben@acme.test", json!("Ben Brown"), "Acme", 3, 1, 1, 1, "2026-03-05T10:00:00Z"),
            by_user("cai@acme.test", json!("Cai Chen"), "Acme", 2, 2, 0, 0, "2026-03-09T10:00:00Z"),
            by_user("fay@globex.test", json!("Fay Fox"), "Globex", 2, 2, 0, 0, "2026-03-10T10:00:00Z"),
            by_user("No user", json!(null), "Acme", 1, 1, 0, 0, "2025-12-06T10:00:00Z"),
            by_user("No user", json!(null), "Globex", 1, 1, 0, 0, "2026-03-07T10:00:00Z"),
            by_user("gus@globex.test", json!("Gus Green"), "Globex", 1, 1, 0, 0, "2026-03-06T10:00:00Z"),
        ]
    );
    // Roles: r17 has an empty role, so ana's current role (admin) is used.
    // admin: r01 r09 r10 r16 r17; member: r04 r05 r11 r12 r14 r15; no role:
    // r02 r13 (no user).
    assert_eq!(
        rows("actions-by-role"),
        vec![
            json!({"role": "member", "runs": 6, "successful": 4, "failed": 1, "in_progress": 1}),
            json!({"role": "admin", "runs": 5, "successful": 5, "failed": 0, "in_progress": 0}),
            json!({"role": "No role", "runs": 2, "successful": 2, "failed": 0, "in_progress": 0}),
        ]
    );
    // Teams: r17's empty team falls back to ana's (Platform). Platform: r01
    // r04 r05 r10 r11 r17; Ops: r09 r12 r16; Data: r14 r15; no team: r02
    // (Acme), r13 (Globex).
    assert_eq!(
        rows("actions-by-team"),
        vec![
            json!({"team": "Platform", "organization_name": "Acme", "runs": 6, "successful": 4, "failed": 1,
                   "in_progress": 1}),
            json!({"team": "Ops", "organization_name": "Globex", "runs": 3, "successful": 3, "failed": 0,
                   "in_progress": 0}),
            json!({"team": "Data", "organization_name": "Acme", "runs": 2, "successful": 2, "failed": 0,
                   "in_progress": 0}),
            json!({"team": "No team", "organization_name": "Acme", "runs": 1, "successful": 1, "failed": 0,
                   "in_progress": 0}),
            json!({"team": "No team", "organization_name": "Globex", "runs": 1, "successful": 1, "failed": 0,
                   "in_progress": 0}),
        ]
    );
}

#[test]
fn data_sources_match_the_hand_worked_answers() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let rows = |report| site.report_rows("data-sources", report);

    // d1 (Dec 2), d2 (Dec 15, deleted Jan 20), d3 (Jan 5), d4 (Feb 1, deleted
    // Mar 25: after the as-of date, so still connected), d5 (Mar 2), d6 (Mar
    // 20: after the as-of date, dropped). End of Dec: d1 d2; Jan: d1 d3; Feb:
    // d1 d3 d4; Mar 18: d1 d3 d4 d5.
    assert_eq!(
        rows("monthly-data-sources"),
        vec![
            json!({"month": "2025-12-01", "data_sources": 2, "change": null}),
            json!({"month": "2026-01-01", "data_sources": 2, "change": 0}),
            json!({"month": "2026-02-01", "data_sources": 3, "change": 1}),
            json!({"month": "2026-03-01", "data_sources": 4, "change": 1}),
        ]
    );
    assert_eq!(rows("total-data-sources"), vec![json!({"data_sources": 4, "change": 1})]);
    let source = |ty: &str, name: &str, org: &str, created: &str, deleted: Value, status: &str| {
        json!({"type": ty, "name": name, "organization_name": org, "created_at": created,
               "deleted_at": deleted, "status": status})
    };
    assert_eq!(
        rows("data-sources-log"),
        vec![
            source("jira", "acme-jira", "Acme", "2026-03-02T10:00:00Z", json!(null), "connected"),
            source("datadog", "globex-datadog", "Globex", "2026-02-01T00:00:00Z", json!(null), "connected"),
            source("gitlab", "globex-gitlab", "Globex", "2026-01-05T10:00:00Z", json!(null), "connected"),
            source(
                "pagerduty",
                "acme-pagerduty",
                "Acme",
                "2025-12-15T10:00:00Z",
                json!("2026-01-20T10:00:00Z"),
                "deleted"
            ),
            source("github", "acme-github", "Acme", "2025-12-02T10:00:00Z", json!(null), "connected"),
        ]
    );
}

#[test]
fn ai_and_mcp_match_the_hand_worked_answers() {
    let site = catalogue_site();
    site.build_ok(&[]);
    let rows = |report| site.report_rows("ai-mcp", report);

    // AI: i01 (Dec), i03 i04 (Feb), i05 i06 i07 (Mar); i10 (Mar 20) dropped.
    // MCP: i02 (Dec), i08 i09 (Mar). Nothing at all in January.
    assert_eq!(
        rows("monthly-ai-interactions"),
        vec![
            json!({"month": "2025-12-01", "interactions": 1, "change": null, "previous_to_date": null}),
            json!({"month": "2026-01-01", "interactions": 0, "change": -1, "previous_to_date": null}),
            json!({"month": "2026-02-01", "interactions": 2, "change": 2, "previous_to_date": null}),
            // i03 (Feb 5) and i04 (Feb 6) fall in 1-18 February.
            json!({"month": "2026-03-01", "interactions": 3, "change": 1, "previous_to_date": 2}),
        ]
    );
    assert_eq!(
        rows("monthly-mcp-calls"),
        vec![
            json!({"month": "2025-12-01", "mcp_calls": 1, "change": null, "previous_to_date": null}),
            json!({"month": "2026-01-01", "mcp_calls": 0, "change": -1, "previous_to_date": null}),
            json!({"month": "2026-02-01", "mcp_calls": 0, "change": 0, "previous_to_date": null}),
            json!({"month": "2026-03-01", "mcp_calls": 2, "change": 2, "previous_to_date": 0}),
        ]
    );
    // AI only: slack i01 i07; web i03; Other: i04 (no `source` key), i05
    // (null), i06 (""). MCP sources (cursor, claude) do not count.
    assert_eq!(
        rows("ai-invocations-by-source"),
        vec![
            json!({"source": "Other", "invocations": 3}),
            json!({"source": "slack", "invocations": 2}),
            json!({"source": "web", "invocations": 1}),
        ]
    );
    // ben: ai i06 i07, mcp i02; ana: ai i01 i05 (i10 dropped); fay: ai i03
    // i04; gus: mcp i09; no user: mcp i08 (Globex).
    let usage = |user: &str, name: Value, org: &str, ai: i64, mcp: i64, last: &str| {
        json!({"user": user, "full_name": name, "organization_name": org, "ai_interactions": ai,
               "mcp_calls": mcp, "total": ai + mcp, "last_used_at": last})
    };
    assert_eq!(
        rows("ai-mcp-usage-per-user"),
        vec![
            usage("ben@acme.test", json!("Ben Brown"), "Acme", 2, 1, "2026-03-04T10:00:00Z"),
            usage("ana@acme.test", json!("Ana Alves"), "Acme", 2, 0, "2026-03-02T10:00:00Z"),
            usage("fay@globex.test", json!("Fay Fox"), "Globex", 2, 0, "2026-02-06T10:00:00Z"),
            usage("No user", json!(null), "Globex", 0, 1, "2026-03-05T10:00:00Z"),
            usage("gus@globex.test", json!("Gus Green"), "Globex", 0, 1, "2026-03-06T10:00:00Z"),
        ]
    );
}

/// The months and values of the active-seat series.
fn seats(site: &TestSite) -> Vec<(String, i64)> {
    site.report_rows("users-activity", "monthly-active-seats")
        .iter()
        .map(|r| (r["month"].as_str().unwrap().to_string(), r["active_seats"].as_i64().unwrap()))
        .collect()
}

/// The emails in the activated-seats log.
fn activated(site: &TestSite) -> Vec<String> {
    site.report_rows("users-activity", "activated-seats-log")
        .iter()
        .map(|r| r["email"].as_str().unwrap().to_string())
        .collect()
}

fn months(values: [i64; 4]) -> Vec<(String, i64)> {
    ["2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
        .iter()
        .map(|m| m.to_string())
        .zip(values)
        .collect()
}

#[test]
fn three_logins_in_two_iso_weeks_is_not_an_active_seat() {
    // cai logs in on Mon Feb 2, Tue Feb 3 and Tue Feb 10: three logins, two
    // ISO weeks.
    let site = catalogue_site();
    site.build_ok(&[]);
    assert!(!activated(&site).contains(&"cai@acme.test".to_string()));
    assert_eq!(seats(&site), months([2, 3, 3, 3]));

    // One more login in a third week (Mon Feb 16) makes him one from then.
    let site = catalogue_site();
    edit(
        &site,
        "data/logins.csv",
        "u3,org-a,2026-02-10T09:00:00Z\n",
        "u3,org-a,2026-02-10T09:00:00Z\nu3,org-a,2026-02-16T09:00:00Z\n",
    );
    site.build_ok(&[]);
    assert_eq!(site.report_rows("users-activity", "activated-seats-log")[0]["activated_on"], "2026-02-16");
    assert_eq!(activated(&site)[0], "cai@acme.test");
    assert_eq!(seats(&site), months([2, 3, 4, 4]));
}

#[test]
fn logins_on_a_sunday_and_the_next_monday_fall_in_two_iso_weeks() {
    // ben: Sun Jan 4 23:30 UTC, Mon Jan 5, Wed Jan 14: three ISO weeks (a
    // Sunday-first week, or a week taken in a time zone east of UTC, would
    // put the first two together and delay him to March).
    let site = catalogue_site();
    site.build_ok(&[]);
    let log = site.report_rows("users-activity", "activated-seats-log");
    let ben = log.iter().find(|r| r["email"] == "ben@acme.test").expect("ben is an active seat");
    assert_eq!(ben["activated_on"], "2026-01-14");

    // Move the Monday login back onto the Sunday: January has only two of
    // his weeks, and his third comes with his login on Tue Mar 17.
    let site = catalogue_site();
    edit(&site, "data/logins.csv", "u2,org-a,2026-01-05T09:00:00Z", "u2,org-a,2026-01-04T09:00:00Z");
    site.build_ok(&[]);
    let log = site.report_rows("users-activity", "activated-seats-log");
    assert_eq!(log[0]["email"], "ben@acme.test");
    assert_eq!(log[0]["activated_on"], "2026-03-17");
    assert_eq!(seats(&site), months([2, 2, 2, 3]));
}

#[test]
fn a_disabled_user_counts_in_no_month() {
    // dee's logins (Dec 2, 9, 16) make three weeks, but she is disabled.
    let site = catalogue_site();
    site.build_ok(&[]);
    assert!(!activated(&site).contains(&"dee@acme.test".to_string()));

    // Enabled, she counts from December on.
    let site = catalogue_site();
    edit(&site, "data/users.csv", "Dee Diaz,member,Data,disabled", "Dee Diaz,member,Data,active");
    site.build_ok(&[]);
    assert!(activated(&site).contains(&"dee@acme.test".to_string()));
    assert_eq!(seats(&site), months([3, 4, 4, 4]));
}

#[test]
fn a_removed_user_stops_counting() {
    // eli (active from Dec 18) is removed on Feb 10: he counts in December
    // and January (which end before Feb 10), not from February on.
    let site = catalogue_site();
    site.build_ok(&[]);
    assert_eq!(seats(&site), months([2, 3, 3, 3]));

    // Not removed, he counts in every month.
    let site = catalogue_site();
    edit(
        &site,
        "data/users.csv",
        "active,2025-11-01T08:00:00Z,2026-02-10T12:00:00Z",
        "active,2025-11-01T08:00:00Z,",
    );
    site.build_ok(&[]);
    assert_eq!(seats(&site), months([2, 3, 4, 4]));

    // Seen from Feb 5, his removal has not happened yet, so he still counts
    // in February (and fay, active only from Feb 11, not yet).
    let site = catalogue_site();
    site.build_ok(&["--as-of", "2026-02-05"]);
    assert_eq!(seats(&site), months([2, 3, 3, 0])[..3]);
    assert_eq!(activated(&site), ["ben@acme.test", "eli@globex.test", "ana@acme.test"]);
    assert_eq!(site.report_rows("users-activity", "activated-seats-log")[1]["removed_on"], json!(null));
}

#[test]
fn a_missing_null_or_empty_source_is_other() {
    // i04 has no `source` key, i05 a null source and i06 an empty one.
    let site = catalogue_site();
    site.build_ok(&[]);
    let sources = site.report_rows("ai-mcp", "ai-invocations-by-source");
    assert_eq!(sources[0], json!({"source": "Other", "invocations": 3}));
    assert!(sources.iter().all(|r| r["source"].is_string() && r["source"] != ""), "{sources:?}");
}

#[test]
fn a_month_with_no_events_is_a_zero_row() {
    let site = catalogue_site();
    site.build_ok(&[]);
    // No page-visit file for February 2026; no AI invocation in January; no
    // action run anywhere in February.
    let row = |tab: &str, report: &str, i: usize| site.report_rows(tab, report)[i].clone();
    assert_eq!(row("users-activity", "member-page-visits", 2)["page_visits"], 0);
    assert_eq!(row("users-activity", "admin-page-visits", 2)["page_visits"], 0);
    assert_eq!(
        row("ai-mcp", "monthly-ai-interactions", 1),
        json!({"month": "2026-01-01", "interactions": 0, "change": -1, "previous_to_date": null})
    );
    for i in [4, 5] {
        assert_eq!(row("actions-automations", "monthly-action-runs", i)["month"], "2026-02-01");
        assert_eq!(row("actions-automations", "monthly-action-runs", i)["runs"], 0);
    }
}

#[test]
fn rows_after_the_as_of_date_change_nothing() {
    let site = catalogue_site();
    site.build_ok(&[]);

    // The same exports without any row stamped after 2026-03-18 (by the time
    // column each table declares in site.toml) give the same downloads.
    let trimmed = catalogue_site();
    let config: toml::Table = toml::from_str(&trimmed.read("site.toml")).unwrap();
    let mut dropped = 0;
    for (table, settings) in config["tables"].as_table().unwrap() {
        let Some(column) = settings.get("time_column").and_then(|c| c.as_str()) else { continue };
        // The table's file, or every file of its folder.
        let folder = trimmed.path(&format!("data/{table}"));
        let files: Vec<String> = if folder.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(&folder)
                .unwrap()
                .map(|e| format!("data/{table}/{}", e.unwrap().file_name().to_string_lossy()))
                .collect();
            names.sort();
            names
        } else {
            std::fs::read_dir(trimmed.path("data"))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.split('.').next() == Some(table.as_str()))
                .map(|name| format!("data/{name}"))
                .collect()
        };
        assert!(!files.is_empty(), "no file for table {table}");
        for rel in files {
            let text = trimmed.read(&rel);
            let mut lines = text.lines();
            let mut kept = Vec::new();
            let index = if rel.ends_with(".csv") {
                let header = lines.next().unwrap();
                kept.push(header.to_string());
                header.split(',').position(|c| c == column)
            } else {
                None
            };
            for line in lines {
                let stamp = match index {
                    Some(i) => line.split(',').nth(i).unwrap().to_string(),
                    None => {
                        serde_json::from_str::<Value>(line).unwrap()[column].as_str().unwrap().to_string()
                    }
                };
                // ISO 8601 stamps compare as text; a date sorts before any
                // time of the same day.
                if stamp.as_str() > "2026-03-18T23:59:59Z" {
                    dropped += 1;
                } else {
                    kept.push(line.to_string());
                }
            }
            trimmed.write(&rel, &(kept.join("\n") + "\n"));
        }
    }
    // ivy; gus's and ivy's logins; 2 page visits; 2 snapshots; r18 and r19;
    // d6; i10.
    assert_eq!(dropped, 11);
    trimmed.build_ok(&[]);
    assert_eq!(all_report_json(&site), all_report_json(&trimmed));

    // Seen from Feb 28, every monthly series is the full build's series
    // without March: rows after the earlier as-of date are ignored too.
    let early = catalogue_site();
    early.build_ok(&["--as-of", "2026-02-28"]);
    for (tab, report, per_month) in [
        ("users-activity", "monthly-active-seats", 1),
        ("users-activity", "member-page-visits", 1),
        ("users-activity", "admin-page-visits", 1),
        ("entities", "monthly-entities", 1),
        ("actions-automations", "monthly-automation-runs", 2),
        ("actions-automations", "monthly-action-runs", 2),
        ("data-sources", "monthly-data-sources", 1),
        ("ai-mcp", "monthly-ai-interactions", 1),
        ("ai-mcp", "monthly-mcp-calls", 1),
    ] {
        // A flow's `previous_to_date` belongs to its as-of month only: the
        // early build has it on February, the full one on March.
        let without_same_days = |rows: Vec<Value>| -> Vec<Value> {
            rows.into_iter()
                .map(|mut row| {
                    row.as_object_mut().unwrap().remove("previous_to_date");
                    row
                })
                .collect()
        };
        let full = without_same_days(site.report_rows(tab, report));
        let until_feb = without_same_days(early.report_rows(tab, report));
        assert_eq!(until_feb[..], full[..full.len() - per_month], "{tab}/{report}");
    }
    // The current-period reports move with it: 2026 up to Feb 28 has r05,
    // r06 and r07 (r07 in February); at the end of February d1, d3 and d4
    // are connected, against d1 and d3 at the end of January.
    assert_eq!(
        early.report_rows("actions-automations", "api-and-automation-triggers"),
        vec![json!({"runs": 3, "this_month": 1})]
    );
    assert_eq!(
        early.report_rows("data-sources", "total-data-sources"),
        vec![json!({"data_sources": 3, "change": 1})]
    );
    assert_eq!(early.report_rows("actions-automations", "top-actions"), Vec::<Value>::new());
}

#[test]
fn the_same_build_in_another_time_zone_gives_the_same_json() {
    let site = catalogue_site();
    site.build_ok(&[]);
    for tz in ["Pacific/Auckland", "America/Los_Angeles"] {
        let other = catalogue_site();
        let out = other.tally_env(&["build"], &[("TZ", tz)]);
        assert!(out.status.success(), "{tz}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(all_report_json(&site), all_report_json(&other), "TZ={tz}");
    }
}
