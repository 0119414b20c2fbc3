//! The edge cases of DESIGN.md section 5, one hand-made fixture each
//! (`tests/fixtures/edge-*`), run with the repository's own reports (as in
//! `catalogue.rs`). Every expected row is worked out by hand from the
//! fixture's files; the comments say how.

use serde_json::{json, Value};

use crate::catalogue::{default_site, edit, report_ids};
use crate::util::TestSite;

fn built(fixture: &str) -> TestSite {
    let site = default_site(fixture);
    site.build_ok(&[]);
    site
}

/// Enumerated values as exports may spell them (`tables.<name>.values`):
/// with " Member ", "ADMIN", "Disabled", "AI", " MCP" and "SUCCESS", every
/// report of the multi-organization fixture gives the rows it gives with
/// the lower-case values, and the build warns about nothing. A value that
/// is none of the listed ones loads as it is, and the build warns, naming
/// the table, its file, the column, the value and its rows.
#[test]
fn enumerated_values_match_whatever_their_case_and_others_are_warned_about() {
    let plain = built("edge-multi-org");
    let site = default_site("edge-multi-org");
    let users = site.read("data/users.csv");
    let users = users
        .replace(",admin,", ",ADMIN,")
        .replace(",member,", ", Member ,")
        .replace(",disabled,", ",Disabled,");
    site.write("data/users.csv", &users);
    let calls = site.read("data/ai_invocations.csv").replace(",ai,", ",AI,").replace(",mcp,", ", MCP,");
    site.write("data/ai_invocations.csv", &calls);
    edit(&site, "data/action_runs.csv", ",success,", ",SUCCESS,");
    let built = site.build_ok(&[]);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(!stderr.contains("none of"), "{stderr}");
    let ids = report_ids(&plain);
    assert_eq!(ids.len(), 30);
    for (tab, report) in ids {
        assert_eq!(site.report_rows(&tab, &report), plain.report_rows(&tab, &report), "{tab}/{report}");
    }

    // Ben's role becomes one the reports do not know: his member visit is
    // no longer a member's, and the build says why.
    edit(&site, "data/users.csv", "Ben Brown, Member ,", "Ben Brown,owner,");
    let built = site.build_ok(&[]);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(
        stderr.contains("table `users` from `")
            && stderr.contains("users.csv`: 1 row with a `role` that is none of admin, member (key `tables.users.values.role`): \"owner\" (1 row)"),
        "{stderr}"
    );
    let members = site.report_rows("users-activity", "member-page-visits");
    assert_eq!(members.last().unwrap()["page_visits"], json!(1), "Ana's Beta visit alone: {members:?}");
}

/// Ana (u1) is in Acme (admin, Platform) and Beta (member, Data); Ben (u2)
/// in Acme; Cai (u3) in Acme and disabled in Beta; Dee (u4) removed from
/// Acme on Feb 10 and an admin in Beta. As of Wed 2026-03-18; term from
/// 2026-01-01.
#[test]
fn a_person_in_several_organizations_is_one_seat_and_counted_once_per_organization() {
    let site = built("edge-multi-org");
    let rows = |report| site.report_rows("users-activity", report);

    // Seats, counting each person's logins in every organization: Ana's
    // weeks of Jan 5 (Acme), Jan 12 and Jan 19 (Beta) make her a seat on
    // Jan 21; Dee's on Jan 22 (Acme); Ben on Feb 16; Cai on Mar 16 (his
    // Beta membership is disabled, his Acme one is not). Dee's removal from
    // Acme does not end her seat: Beta still lists her.
    assert_eq!(
        rows("monthly-active-seats"),
        vec![
            json!({"month": "2026-01-01", "active_seats": 2, "change": null}),
            json!({"month": "2026-02-01", "active_seats": 3, "change": 1}),
            json!({"month": "2026-03-01", "active_seats": 4, "change": 1}),
        ]
    );
    // One row per seat; organization, team and role of the organization of
    // the login that made it (Ana's third week was in Beta).
    let seat = |on: &str, email: &str, name: &str, org: &str, team: &str, role: &str| {
        json!({"activated_on": on, "email": email, "full_name": name, "organization_name": org,
               "team": team, "role": role, "removed_on": null})
    };
    assert_eq!(
        rows("activated-seats-log"),
        vec![
            seat("2026-03-16", "cai@example.test", "Cai Chen", "Acme", "Ops", "member"),
            seat("2026-02-16", "ben@example.test", "Ben Brown", "Acme", "Platform", "member"),
            seat("2026-01-22", "dee@example.test", "Dee Diaz", "Acme", "Support", "member"),
            seat("2026-01-21", "ana@example.test", "Ana Alves", "Beta", "Data", "member"),
        ]
    );

    // Page visits take the role the visitor has where the visit happened:
    // Ana's Beta visits (Feb 10, Mar 5) are a member's, her Acme ones (Mar 3,
    // Mar 4) an admin's; Dee's Beta visit (Mar 9) an admin's, Ben's (Mar 6) a
    // member's. 1-18 February holds Ana's Feb 10 visit.
    assert_eq!(
        rows("member-page-visits"),
        vec![
            json!({"month": "2026-02-01", "page_visits": 1, "visitors": 1, "change": null, "previous_to_date": null}),
            json!({"month": "2026-03-01", "page_visits": 2, "visitors": 2, "change": 1, "previous_to_date": 1}),
        ]
    );
    assert_eq!(
        rows("admin-page-visits"),
        vec![
            json!({"month": "2026-02-01", "page_visits": 0, "visitors": 0, "change": null, "previous_to_date": null}),
            json!({"month": "2026-03-01", "page_visits": 3, "visitors": 2, "change": 3, "previous_to_date": 0}),
        ]
    );
    assert_eq!(rows("popular-pages-members"), vec![json!({"page": "/catalog", "visits": 2, "users": 2})]);
    assert_eq!(
        rows("popular-pages-admins"),
        vec![
            json!({"page": "/settings", "visits": 2, "users": 1}),
            json!({"page": "/catalog", "visits": 1, "users": 1})
        ]
    );

    // Current members, one row per person and organization, with what they
    // did there in March: Ana in Acme 1 login (Mar 3) and 2 visits; Ana in
    // Beta 1 login (Mar 17) and 1 visit; Ben 0 logins (his were in
    // February), 1 visit; Cai in Acme 3 logins, 0 visits; Dee in Beta no
    // login ever there, 1 visit. Cai's Beta and Dee's Acme memberships are
    // not current.
    let member = |email: &str,
                  name: &str,
                  org: &str,
                  team: &str,
                  role: &str,
                  visits: i64,
                  logins: i64,
                  last: Value| {
        json!({"email": email, "full_name": name, "organization_name": org, "team": team, "role": role,
               "page_visits": visits, "logins": logins, "last_login_at": last})
    };
    assert_eq!(
        rows("least-engaged-users"),
        vec![
            member(
                "cai@example.test",
                "Cai Chen",
                "Acme",
                "Ops",
                "member",
                0,
                3,
                json!("2026-03-16T09:00:00Z")
            ),
            member(
                "ben@example.test",
                "Ben Brown",
                "Acme",
                "Platform",
                "member",
                1,
                0,
                json!("2026-02-16T09:00:00Z")
            ),
            member("dee@example.test", "Dee Diaz", "Beta", "Support", "admin", 1, 0, json!(null)),
            member(
                "ana@example.test",
                "Ana Alves",
                "Beta",
                "Data",
                "member",
                1,
                1,
                json!("2026-03-17T09:00:00Z")
            ),
            member(
                "ana@example.test",
                "Ana Alves",
                "Acme",
                "Platform",
                "admin",
                2,
                1,
                json!("2026-03-03T09:00:00Z")
            ),
        ]
    );
    // Teams belong to an organization: Acme Platform = Ana (Acme) + Ben: 1
    // login, 3 visits, 1.5 per member; Beta Data = Ana (Beta) 1.0; Beta
    // Support = Dee 1.0; Acme Ops = Cai 0.0. Ties by visits, then team name.
    let team = |team: &str, org: &str, users: i64, logins: i64, visits: i64, per_user: f64| {
        json!({"team": team, "organization_name": org, "users": users, "logins": logins,
               "page_visits": visits, "visits_per_user": per_user})
    };
    let platform = team("Platform", "Acme", 2, 1, 3, 1.5);
    let data = team("Data", "Beta", 1, 1, 1, 1.0);
    let support = team("Support", "Beta", 1, 0, 1, 1.0);
    let ops = team("Ops", "Acme", 1, 3, 0, 0.0);
    assert_eq!(
        rows("most-engaged-teams"),
        vec![platform.clone(), data.clone(), support.clone(), ops.clone()]
    );
    assert_eq!(rows("least-engaged-teams"), vec![ops, data, support, platform]);
    // The last 7 days (Mar 12-18): Ana in Beta (Mar 17), Cai in Acme (Mar
    // 16), each with their role there.
    assert_eq!(
        rows("latest-logins"),
        vec![
            json!({"email": "ana@example.test", "full_name": "Ana Alves", "organization_name": "Beta",
                   "role": "member", "logins": 1, "last_login_at": "2026-03-17T09:00:00Z"}),
            json!({"email": "cai@example.test", "full_name": "Cai Chen", "organization_name": "Acme",
                   "role": "member", "logins": 1, "last_login_at": "2026-03-16T09:00:00Z"}),
        ]
    );

    let rows = |report| site.report_rows("actions-automations", report);
    // Runs without their own role take the user's in the run's
    // organization: r1 (Ana, Acme) admin, r2 (Ana, Beta) member, r3 (Ben,
    // own role member, failed), r4 (Dee, Beta) admin. Four runs, once each.
    assert_eq!(
        rows("actions-by-role"),
        vec![
            json!({"role": "admin", "runs": 2, "successful": 2, "failed": 0, "in_progress": 0}),
            json!({"role": "member", "runs": 2, "successful": 1, "failed": 1, "in_progress": 0}),
        ]
    );
    assert_eq!(
        rows("actions-by-team"),
        vec![
            json!({"team": "Platform", "organization_name": "Acme", "runs": 2, "successful": 1, "failed": 1, "in_progress": 0}),
            json!({"team": "Data", "organization_name": "Beta", "runs": 1, "successful": 1, "failed": 0, "in_progress": 0}),
            json!({"team": "Support", "organization_name": "Beta", "runs": 1, "successful": 1, "failed": 0, "in_progress": 0}),
        ]
    );
    let by_user = |user: &str, name: &str, org: &str, ok: i64, failed: i64, last: &str| {
        json!({"user": user, "full_name": name, "organization_name": org, "runs": 1, "successful": ok,
               "failed": failed, "in_progress": 0, "last_run_at": last})
    };
    assert_eq!(
        rows("actions-by-user"),
        vec![
            by_user("ana@example.test", "Ana Alves", "Acme", 1, 0, "2026-03-03T10:00:00Z"),
            by_user("ana@example.test", "Ana Alves", "Beta", 1, 0, "2026-03-04T10:00:00Z"),
            by_user("ben@example.test", "Ben Brown", "Acme", 0, 1, "2026-03-05T10:00:00Z"),
            by_user("dee@example.test", "Dee Diaz", "Beta", 1, 0, "2026-03-06T10:00:00Z"),
        ]
    );
    assert_eq!(
        rows("actions-by-organization"),
        vec![
            json!({"organization_name": "Acme", "runs": 2, "successful": 1, "failed": 1, "in_progress": 0,
                   "last_run_at": "2026-03-05T10:00:00Z"}),
            json!({"organization_name": "Beta", "runs": 2, "successful": 2, "failed": 0, "in_progress": 0,
                   "last_run_at": "2026-03-06T10:00:00Z"}),
        ]
    );

    // Ana's invocations: i1 in Acme (ai), i2 (mcp) and i3 (ai) in Beta.
    assert_eq!(
        site.report_rows("ai-mcp", "ai-mcp-usage-per-user"),
        vec![
            json!({"user": "ana@example.test", "full_name": "Ana Alves", "organization_name": "Beta",
                   "ai_interactions": 1, "mcp_calls": 1, "total": 2, "last_used_at": "2026-03-04T10:00:00Z"}),
            json!({"user": "ana@example.test", "full_name": "Ana Alves", "organization_name": "Acme",
                   "ai_interactions": 1, "mcp_calls": 0, "total": 1, "last_used_at": "2026-03-02T10:00:00Z"}),
        ]
    );
}

/// Acme snapshots Jan 31 (service 10 + team 2) and Feb 28 (service 12, the
/// team blueprint gone), none in March, Apr 10 (15); Beta Feb 15 (5) and
/// Feb 20 (6), then stops; Cyan's first snapshot is Apr 12 (cluster 3).
/// Beta's Apr 20 snapshot is after the as-of date (2026-04-15).
#[test]
fn entity_counts_are_a_level_carried_forward() {
    let site = built("edge-entity-levels");
    let rows = |report| site.report_rows("entities", report);
    // Jan: Acme 12. Feb: Acme 12 + Beta 6 = 18. Mar: nobody snapshots, both
    // carried: 18 (not 0). Apr: Acme 15 + Beta 6 carried + Cyan 3 = 24.
    assert_eq!(
        rows("monthly-entities"),
        vec![
            json!({"month": "2026-01-01", "entities": 12, "change": null}),
            json!({"month": "2026-02-01", "entities": 18, "change": 6}),
            json!({"month": "2026-03-01", "entities": 18, "change": 0}),
            json!({"month": "2026-04-01", "entities": 24, "change": 6}),
        ]
    );
    // The three agree: the total is April's, the blueprints sum to it.
    assert_eq!(rows("total-entities"), vec![json!({"entities": 24, "change": 6})]);
    assert_eq!(
        rows("entities-by-blueprint"),
        vec![json!({"blueprint": "service", "entities": 21}), json!({"blueprint": "cluster", "entities": 3})]
    );
    // Every month from each organization's first snapshot, with the snapshot
    // the value comes from; none for Beta in January or Cyan before April.
    let log = |month: &str, org: &str, day: &str, entities: i64, change: Value| json!({"month": month, "organization_name": org, "snapshot_date": day, "entities": entities, "change": change});
    assert_eq!(
        rows("entities-log-by-organization"),
        vec![
            log("2026-04-01", "Acme", "2026-04-10", 15, json!(3)),
            log("2026-04-01", "Beta", "2026-02-20", 6, json!(0)),
            log("2026-04-01", "Cyan", "2026-04-12", 3, json!(null)),
            log("2026-03-01", "Acme", "2026-02-28", 12, json!(0)),
            log("2026-03-01", "Beta", "2026-02-20", 6, json!(0)),
            log("2026-02-01", "Acme", "2026-02-28", 12, json!(0)),
            log("2026-02-01", "Beta", "2026-02-20", 6, json!(null)),
            log("2026-01-01", "Acme", "2026-01-31", 12, json!(null)),
        ]
    );

    // Without any snapshot there is no value, which is not zero.
    let empty = default_site("edge-entity-levels");
    empty.write("data/entity_counts.csv", "snapshot_date,organization_id,blueprint,entity_count\n");
    empty.build_ok(&[]);
    let rows = |report| empty.report_rows("entities", report);
    assert_eq!(
        rows("monthly-entities"),
        vec![json!({"month": "2026-04-01", "entities": null, "change": null})]
    );
    assert_eq!(rows("total-entities"), vec![json!({"entities": null, "change": null})]);
    assert_eq!(rows("entities-by-blueprint"), Vec::<Value>::new());
}

/// Runs r2 (API, service token), r3 and r4 (automations) carry no
/// organization; so do invocation i1, data source d1, one snapshot and three
/// of Ana's logins. Beta has no rows. As of 2026-03-18.
#[test]
fn rows_without_an_organization_count_and_are_named() {
    let site = built("edge-no-organization");
    let rows = |report| site.report_rows("actions-automations", report);
    let month = |m: &str, org: &str, runs: i64, change: Value, same_days: Value| json!({"month": m, "organization_name": org, "runs": runs, "change": change, "previous_to_date": same_days});
    // From the first run's month (February); "(no organization)" sorts first.
    assert_eq!(
        rows("monthly-action-runs"),
        vec![
            month("2026-02-01", "(no organization)", 0, json!(null), json!(null)),
            month("2026-02-01", "Acme", 0, json!(null), json!(null)),
            month("2026-02-01", "Beta", 0, json!(null), json!(null)),
            month("2026-03-01", "(no organization)", 1, json!(1), json!(0)),
            month("2026-03-01", "Acme", 1, json!(1), json!(0)),
            month("2026-03-01", "Beta", 0, json!(0), json!(0)),
        ]
    );
    // r3 (Feb 10) falls in 1-18 February.
    assert_eq!(
        rows("monthly-automation-runs"),
        vec![
            month("2026-02-01", "(no organization)", 1, json!(null), json!(null)),
            month("2026-02-01", "Acme", 0, json!(null), json!(null)),
            month("2026-02-01", "Beta", 0, json!(null), json!(null)),
            month("2026-03-01", "(no organization)", 1, json!(0), json!(1)),
            month("2026-03-01", "Acme", 1, json!(1), json!(0)),
            month("2026-03-01", "Beta", 0, json!(0), json!(0)),
        ]
    );
    assert_eq!(
        rows("automation-runs-log"),
        vec![
            json!({"started_at": "2026-03-05T10:00:00Z", "action_title": "Sync", "organization_name": "Acme",
                   "trigger": "automation", "status": "success", "ended_at": "2026-03-05T10:05:00Z",
                   "duration_seconds": 300, "run_id": "r5"}),
            json!({"started_at": "2026-03-04T10:00:00Z", "action_title": "Sync", "organization_name": "(no organization)",
                   "trigger": "automation", "status": "failure", "ended_at": "2026-03-04T10:05:00Z",
                   "duration_seconds": 300, "run_id": "r4"}),
        ]
    );
    assert_eq!(
        rows("actions-by-organization"),
        vec![
            json!({"organization_name": "(no organization)", "runs": 1, "successful": 1, "failed": 0,
                   "in_progress": 0, "last_run_at": "2026-03-03T10:00:00Z"}),
            json!({"organization_name": "Acme", "runs": 1, "successful": 1, "failed": 0,
                   "in_progress": 0, "last_run_at": "2026-03-02T10:00:00Z"}),
            json!({"organization_name": "Beta", "runs": 0, "successful": 0, "failed": 0,
                   "in_progress": 0, "last_run_at": null}),
        ]
    );
    // 2026, not from the UI: r2 (api), r3, r4, r5; in March r2, r4, r5.
    assert_eq!(rows("api-and-automation-triggers"), vec![json!({"runs": 4, "this_month": 3})]);
    assert_eq!(
        rows("actions-by-user"),
        vec![
            json!({"user": "No user", "full_name": null, "organization_name": "(no organization)", "runs": 1,
                   "successful": 1, "failed": 0, "in_progress": 0, "last_run_at": "2026-03-03T10:00:00Z"}),
            json!({"user": "ana@example.test", "full_name": "Ana Alves", "organization_name": "Acme", "runs": 1,
                   "successful": 1, "failed": 0, "in_progress": 0, "last_run_at": "2026-03-02T10:00:00Z"}),
        ]
    );
    assert_eq!(
        rows("actions-by-team"),
        vec![
            json!({"team": "No team", "organization_name": "(no organization)", "runs": 1, "successful": 1,
                   "failed": 0, "in_progress": 0}),
            json!({"team": "Platform", "organization_name": "Acme", "runs": 1, "successful": 1, "failed": 0,
                   "in_progress": 0}),
        ]
    );

    // i1 has neither an organization nor a user.
    assert_eq!(
        site.report_rows("ai-mcp", "ai-mcp-usage-per-user"),
        vec![
            json!({"user": "No user", "full_name": null, "organization_name": "(no organization)",
                   "ai_interactions": 1, "mcp_calls": 0, "total": 1, "last_used_at": "2026-03-01T10:00:00Z"}),
            json!({"user": "ana@example.test", "full_name": "Ana Alves", "organization_name": "Acme",
                   "ai_interactions": 1, "mcp_calls": 0, "total": 1, "last_used_at": "2026-03-02T10:00:00Z"}),
        ]
    );
    // d1 counts in the totals and is named in the log.
    assert_eq!(
        site.report_rows("data-sources", "total-data-sources"),
        vec![json!({"data_sources": 2, "change": 0})]
    );
    assert_eq!(
        site.report_rows("data-sources", "data-sources-log")[1],
        json!({"type": "github", "name": "ci-github", "organization_name": "(no organization)",
               "created_at": "2026-01-05T10:00:00Z", "deleted_at": null, "status": "connected"})
    );
    // The snapshot without an organization counts: 4 + Acme's 10.
    assert_eq!(site.report_rows("entities", "total-entities"), vec![json!({"entities": 14, "change": null})]);
    assert_eq!(
        site.report_rows("entities", "entities-log-by-organization"),
        vec![
            json!({"month": "2026-03-01", "organization_name": "(no organization)", "snapshot_date": "2026-03-01",
                   "entities": 4, "change": null}),
            json!({"month": "2026-03-01", "organization_name": "Acme", "snapshot_date": "2026-03-01",
                   "entities": 10, "change": null}),
        ]
    );
    // Ana's logins without an organization count towards her seat (weeks of
    // Jan 5, 12 and 19: a seat on Jan 20); the log names her organization,
    // as the login that made her one has none. Her Mar 17 login has none
    // either, and no role there.
    let rows = |report| site.report_rows("users-activity", report);
    assert_eq!(
        rows("activated-seats-log"),
        vec![json!({"activated_on": "2026-01-20", "email": "ana@example.test", "full_name": "Ana Alves",
                    "organization_name": "Acme", "team": "Platform", "role": "admin", "removed_on": null})]
    );
    assert_eq!(
        rows("latest-logins"),
        vec![
            json!({"email": "ana@example.test", "full_name": "Ana Alves", "organization_name": "(no organization)",
                    "role": null, "logins": 1, "last_login_at": "2026-03-17T09:00:00Z"})
        ]
    );
}

/// `deploy` ran as "Deploy" on Mar 2 and 3 and as "Deploy service" on Mar
/// 10 (its Mar 20 run, as "Deploy to production", is after the as-of
/// date); `deploy-eu` is titled "Deploy service" too (Mar 4); `restart`
/// ran twice. The `sync` automation became "Sync catalog" on Mar 2.
#[test]
fn actions_are_identified_by_their_identifier_and_named_by_their_latest_title() {
    let site = built("edge-renamed-action");
    let rows = |report| site.report_rows("actions-automations", report);
    assert_eq!(
        rows("top-actions"),
        vec![
            json!({"action_title": "Deploy service", "runs": 3, "action_identifier": "deploy"}),
            json!({"action_title": "Restart pod", "runs": 2, "action_identifier": "restart"}),
            json!({"action_title": "Deploy service", "runs": 1, "action_identifier": "deploy-eu"}),
        ]
    );
    let titles: Vec<Value> = rows("automation-runs-log").iter().map(|r| r["action_title"].clone()).collect();
    assert_eq!(titles, [json!("Sync catalog"), json!("Sync catalog")]);
}

/// As of 2026-03-18: b2 (an automation) and x1 (an action) end on Mar 19;
/// b3 has not ended. Data source d1 is deleted on Mar 25, d2 on Mar 10, d3
/// is created on Mar 20. Ana is removed on Mar 25, Ben on Mar 10.
#[test]
fn logs_show_the_state_at_the_as_of_date() {
    let site = built("edge-state-at-as-of");
    let rows = |report| site.report_rows("actions-automations", report);
    let run = |started: &str, title: &str, status: &str, ended: Value, seconds: Value, id: &str| {
        json!({"started_at": started, "action_title": title, "organization_name": "Acme", "trigger": "automation",
               "status": status, "ended_at": ended, "duration_seconds": seconds, "run_id": id})
    };
    assert_eq!(
        rows("automation-runs-log"),
        vec![
            run("2026-03-18T23:30:00Z", "Backup", "in_progress", json!(null), json!(null), "b3"),
            run("2026-03-18T23:00:00Z", "Sync", "in_progress", json!(null), json!(null), "b2"),
            run("2026-03-10T02:00:00Z", "Sync", "success", json!("2026-03-10T02:05:00Z"), json!(300), "b1"),
        ]
    );
    // x1 failed after the as-of date: on it, it was still running.
    assert_eq!(
        rows("actions-by-organization"),
        vec![json!({"organization_name": "Acme", "runs": 2, "successful": 1, "failed": 0, "in_progress": 1,
                    "last_run_at": "2026-03-18T22:00:00Z"})]
    );
    assert_eq!(rows("actions-by-user")[0]["in_progress"], 1);
    let rows = |report| site.report_rows("data-sources", report);
    assert_eq!(
        rows("data-sources-log"),
        vec![
            json!({"type": "jira", "name": "acme-jira", "organization_name": "Acme", "created_at": "2026-02-01T10:00:00Z",
                   "deleted_at": "2026-03-10T10:00:00Z", "status": "deleted"}),
            json!({"type": "github", "name": "acme-github", "organization_name": "Acme",
                   "created_at": "2026-01-05T10:00:00Z", "deleted_at": null, "status": "connected"}),
        ]
    );
    assert_eq!(rows("total-data-sources"), vec![json!({"data_sources": 1, "change": -1})]);
    // Ana's removal has not happened yet; Ben's has.
    let current: Vec<Value> = site
        .report_rows("users-activity", "least-engaged-users")
        .iter()
        .map(|r| r["email"].clone())
        .collect();
    assert_eq!(current, vec![json!("ana@example.test")]);
}

/// As of Wed 2026-03-18: AI interactions on Feb 3, 5, 10, 25 and Mar 2, 17;
/// MCP calls on Feb 20 and Mar 5; one automation run in January and one on
/// Mar 2; a seat since February; a data source since Feb 1; 5 entities at
/// the end of February and 7 on Mar 10.
#[test]
fn headlines_and_summaries_compare_like_with_like() {
    let site = built("edge-month-to-date");
    // March so far (2) against 1-18 February (3 of February's 4).
    assert_eq!(
        site.report_rows("ai-mcp", "monthly-ai-interactions"),
        vec![
            json!({"month": "2026-02-01", "interactions": 4, "change": null, "previous_to_date": null}),
            json!({"month": "2026-03-01", "interactions": 2, "change": -2, "previous_to_date": 3}),
        ]
    );
    let index = site.read("public/index.html");
    // The headline: 2, down 1 against the same days, said so (not -2 against
    // the whole of February).
    let card = headline_card(&index, "Monthly AI interactions");
    assert!(
        card.contains(">2<") && card.contains("\u{2212}1") && card.contains("vs 1\u{2013}18 Feb"),
        "{card}"
    );
    assert!(card.contains("1\u{2013}18 Mar 2026"), "{card}");
    // The runs-this-month figure is a part of the year's runs, and says so.
    let card = headline_card(&index, "Actions triggered via API + automation triggers");
    assert!(card.contains(">2<") && card.contains("+1") && card.contains("this month"), "{card}");
    assert!(!card.contains("change--up"), "{card}");
    // Levels compare with the end of February.
    let card = headline_card(&index, "Total amount of entities");
    assert!(card.contains(">7<") && card.contains("+2") && card.contains("vs end of Feb"), "{card}");
    let card = headline_card(&index, "Data sources total amount");
    assert!(card.contains(">1<") && card.contains("vs end of Feb"), "{card}");

    // The chart summaries say the same.
    let page = site.read("public/ai-mcp/index.html");
    assert!(
        page.contains("Interactions 2 in 1\u{2013}18 Mar 2026, down 1 (-33.3%) from 1\u{2013}18 Feb."),
        "no like-for-like AI summary in the page"
    );
    // MCP: 1 on Mar 5 against none on 1-18 February (Feb 20 is later).
    assert!(
        page.contains("MCP calls 1 in 1\u{2013}18 Mar 2026, up 1 from 1\u{2013}18 Feb."),
        "no MCP summary"
    );
    let page = site.read("public/users-activity/index.html");
    assert!(
        page.contains("Active seats 1 on 18 Mar 2026, unchanged from the end of Feb 2026."),
        "no level summary for the active seats"
    );
}

/// The HTML of the overview's headline card titled `title`: from the title
/// to the end of its card.
fn headline_card<'a>(index: &'a str, title: &str) -> &'a str {
    let title = title.replace('&', "&amp;");
    let start = index.find(&title).unwrap_or_else(|| panic!("no headline `{title}` in the overview"));
    let rest = &index[start..];
    &rest[..rest.find("</a>").unwrap_or(rest.len())]
}
