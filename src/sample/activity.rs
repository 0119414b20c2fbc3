//! Everything that happens day by day: logins and page visits, action and
//! automation runs, AI and MCP invocations. Days are generated in order and
//! each day's rows are sorted and written before the next day is drawn, so
//! memory stays flat at any scale.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::clock::{weekday, year_month, Stamp, DAY, END_DAY, EXPORT_AT, START_DAY};
use super::rng::Rng;
use super::world::{ai_launch, Role, World};

/// How busy each weekday is, in percent (Monday first).
const WEEKDAY_PCT: [u32; 7] = [95, 100, 100, 97, 80, 8, 6];

/// An action or automation of the catalog.
struct Action {
    identifier: &'static str,
    title: &'static str,
    /// Relative weights when started from the UI / through the API.
    ui: u32,
    api: u32,
    /// Run time range in seconds.
    secs: (i64, i64),
    /// Failure rate (ppm).
    fails: u32,
}

const fn action(
    identifier: &'static str,
    title: &'static str,
    ui: u32,
    api: u32,
    secs: (i64, i64),
    fails: u32,
) -> Action {
    Action { identifier, title, ui, api, secs, fails }
}

/// Self-service actions people run; "Deploy service" is the popular one.
const ACTIONS: [Action; 10] = [
    action("deploy_service", "Deploy service", 30, 55, (90, 900), 70_000),
    action("create_environment", "Create ephemeral environment", 12, 20, (240, 1_500), 60_000),
    action("scaffold_service", "Scaffold a new service", 10, 0, (30, 240), 40_000),
    action("rollback_deployment", "Roll back deployment", 5, 6, (60, 600), 120_000),
    // Access requests wait for an approver, sometimes past the export.
    action("request_access", "Request temporary access", 14, 0, (60, 172_800), 20_000),
    action("toggle_feature_flag", "Toggle feature flag", 8, 10, (2, 12), 15_000),
    action("restart_pod", "Restart Kubernetes pod", 6, 2, (10, 90), 50_000),
    action("create_jira_ticket", "Create Jira ticket", 5, 3, (2, 10), 30_000),
    action("rotate_secret", "Rotate secret", 4, 2, (20, 150), 40_000),
    action("run_db_migration", "Run database migration", 4, 2, (60, 2_700), 100_000),
];
const DEPLOY: usize = 0;
const JIRA_TICKET: usize = 7;

/// Automations, run by the product itself.
const AUTOMATIONS: [Action; 5] = [
    action("recalculate_scorecards", "Recalculate scorecards", 0, 0, (40, 420), 8_000),
    action("sync_jira_issues", "Sync Jira issues", 0, 0, (60, 900), 25_000),
    action("sync_pagerduty_oncall", "Sync on-call schedules from PagerDuty", 0, 0, (10, 70), 10_000),
    action("notify_failed_deployment", "Notify Slack of a failed deployment", 0, 0, (1, 6), 5_000),
    action("assign_service_owner", "Assign owner to new service", 0, 0, (2, 15), 20_000),
];
const SCORECARDS: usize = 0;
const JIRA_SYNC: usize = 1;
const PAGERDUTY_SYNC: usize = 2;
const NOTIFY_FAILED: usize = 3;
const ASSIGN_OWNER: usize = 4;

/// Pages with their weights for members and for admins.
const PAGES: [(&str, u32, u32); 20] = [
    ("/home", 20, 12),
    ("/catalog", 14, 8),
    ("/services", 12, 6),
    ("/self-service", 10, 4),
    ("/deployments", 8, 3),
    ("/environments", 6, 2),
    ("/scorecards", 6, 7),
    ("/my-team", 6, 2),
    ("/search", 5, 3),
    ("/pull-requests", 5, 1),
    ("/incidents", 4, 2),
    ("/docs", 3, 1),
    ("/ai-assistant", 4, 2),
    ("/builder", 0, 14),
    ("/data-sources", 0, 10),
    ("/automations", 1, 9),
    ("/settings/users", 0, 8),
    ("/audit-log", 0, 6),
    ("/settings/permissions", 0, 5),
    ("/api-tokens", 1, 3),
];
const AI_PAGE: u8 = 12;

/// Where an AI invocation came from, and MCP clients.
const AI_SOURCES: [(&str, u32); 4] = [("slack", 40), ("web", 35), ("ms_teams", 15), ("api", 10)];
const MCP_SOURCES: [(&str, u32); 4] = [("cursor", 35), ("claude_code", 30), ("vscode", 25), ("windsurf", 10)];
const AGENTS: [(&str, u32); 4] =
    [("catalog_assistant", 45), ("incident_helper", 20), ("onboarding_guide", 20), ("scorecard_coach", 15)];
const MCP_TOOLS: [(&str, u32); 6] = [
    ("search_entities", 34),
    ("get_entity", 26),
    ("list_blueprints", 10),
    ("get_scorecard", 12),
    ("run_action", 10),
    ("get_user_details", 8),
];

/// Rows written per table, for the summary.
#[derive(Debug, Default)]
pub struct ActivityCounts {
    pub logins: u64,
    pub page_visits: u64,
    pub page_visit_files: u64,
    pub action_runs: u64,
    pub ai_invocations: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Trigger {
    Ui,
    Api,
    Automation,
}

struct Run {
    start: i64,
    org: usize,
    /// Index into `ACTIONS`, or into `AUTOMATIONS` when `trigger` is
    /// `Automation`.
    action: usize,
    trigger: Trigger,
    user: Option<usize>,
    end: i64,
    failed: bool,
}

/// How a missing `source` is spelled: the three ways exports do it.
#[derive(Clone, Copy)]
enum Source {
    Named(&'static str),
    Absent,
    Null,
    Empty,
}

struct Invocation {
    at: i64,
    org: usize,
    user: Option<usize>,
    mcp: bool,
    source: Source,
    agent: Option<&'static str>,
    tool: Option<&'static str>,
    failed: bool,
}

/// One day's rows, sorted and written together.
#[derive(Default)]
struct Day {
    logins: Vec<(i64, usize)>,
    visits: Vec<(i64, usize, u8)>,
    runs: Vec<Run>,
    invocations: Vec<Invocation>,
}

/// The open output files.
struct Writers {
    out: PathBuf,
    logins: BufWriter<File>,
    runs: BufWriter<File>,
    invocations: BufWriter<File>,
    visits: Option<((i64, u32), BufWriter<File>)>,
    counts: ActivityCounts,
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("failed to create `{}`", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, file))
}

/// Writes `logins.csv`, `page_visits/*.csv`, `action_runs.csv` and
/// `ai_invocations.jsonl` into `out`.
pub fn write_activity(world: &World, seed: u64, out: &Path) -> Result<ActivityCounts> {
    let visits_dir = out.join("page_visits");
    std::fs::create_dir_all(&visits_dir)
        .with_context(|| format!("failed to create `{}`", visits_dir.display()))?;
    let mut w = Writers {
        out: out.to_path_buf(),
        logins: create(&out.join("logins.csv"))?,
        runs: create(&out.join("action_runs.csv"))?,
        invocations: create(&out.join("ai_invocations.jsonl"))?,
        visits: None,
        counts: ActivityCounts::default(),
    };
    writeln!(w.logins, "user_id,organization_id,logged_in_at")?;
    writeln!(
        w.runs,
        "run_id,organization_id,run_type,action_identifier,action_title,trigger,status,user_id,role,team,started_at,ended_at"
    )?;

    let mut rng = Rng::stream(seed, "activity");
    let mut today = Day::default();
    let mut alive = vec![0u64; world.orgs.len()];
    for d in START_DAY..=END_DAY {
        draw_people(world, d, &mut rng, &mut today, &mut alive);
        draw_org_runs(world, d, &mut rng, &mut today, &alive);
        w.write_day(world, d, &mut today)
            .with_context(|| format!("failed to write into `{}`", out.display()))?;
    }
    w.finish()?;
    Ok(w.counts)
}

/// Busyness of a day in percent: the weekly rhythm and the year-end lull.
fn day_pct(d: i32) -> u32 {
    let (_, month, dom) = crate::date::civil_from_days(i64::from(d));
    let holiday = (month == 12 && dom >= 22) || (month == 1 && dom <= 2);
    WEEKDAY_PCT[weekday(d)] * if holiday { 30 } else { 100 } / 100
}

/// Sessions of every user who shows up on day `d`.
fn draw_people(world: &World, d: i32, rng: &mut Rng, today: &mut Day, alive: &mut [u64]) {
    let pct = day_pct(d);
    let day_end = (i64::from(d) + 1) * DAY;
    let member_pages: [u32; 20] = std::array::from_fn(|i| PAGES[i].1);
    let admin_pages: [u32; 20] = std::array::from_fn(|i| PAGES[i].2);
    for (o, org) in world.orgs.iter().enumerate() {
        alive[o] = 0;
        for u in org.users.clone() {
            let user = &world.users[u];
            if d < user.active_from || d >= user.active_until || user.engagement == 0 {
                continue;
            }
            alive[o] += 1;
            let mut ppm = u64::from(user.engagement) * u64::from(pct) / 100;
            if d - user.active_from < 14 {
                // New accounts look around more in their first two weeks.
                ppm = ppm * 3 / 2;
            }
            if !rng.chance(ppm.min(1_000_000) as u32) {
                continue;
            }
            let admin = user.role == Role::Admin;
            for _ in 0..=rng.weighted(&[86, 12, 2]) {
                let start = if rng.chance(40_000) {
                    i64::from(d) * DAY + rng.below(DAY as u64) as i64
                } else {
                    // Triangular over the working window: busiest mid-day.
                    let half = 9 * 3600 / 2;
                    i64::from(d) * DAY + org.work_start + rng.below(half) as i64 + rng.below(half) as i64
                };
                today.logins.push((start, u));
                let pages = if admin {
                    rng.weighted(&[10, 15, 20, 18, 15, 12, 10])
                } else {
                    rng.weighted(&[20, 22, 20, 15, 11, 7, 5])
                } + 1;
                let mut t = start + rng.range(1, 8);
                let mut last = start;
                for p in 0..pages {
                    if t >= day_end {
                        break;
                    }
                    let page = if p == 0 && rng.chance(400_000) {
                        0
                    } else {
                        rng.weighted(if admin { &admin_pages } else { &member_pages }) as u8
                    };
                    // The AI assistant page exists only once the assistant does.
                    let page = if page == AI_PAGE && d < ai_launch() { 0 } else { page };
                    today.visits.push((t, u, page));
                    last = t;
                    // Mostly quick clicks, now and then a long read.
                    t += rng.range(8, 420).min(rng.range(8, 420));
                }
                if rng.chance(if admin { 50_000 } else { 90_000 }) {
                    let weights: [u32; 10] = std::array::from_fn(|i| ACTIONS[i].ui);
                    let mut a = rng.weighted(&weights);
                    if a == JIRA_TICKET && !world.has_source(o, "jira", d) {
                        a = DEPLOY;
                    }
                    let at = last + rng.range(5, 60);
                    push_run(today, rng, at, o, a, Trigger::Ui, Some(u));
                }
                if user.ai_from.is_some_and(|from| d >= from) && rng.chance(200_000) {
                    let mut at = start + rng.range(30, 600);
                    for _ in 0..rng.range(1, 3) {
                        let source = pick_source(rng, &AI_SOURCES);
                        let user = if matches!(source, Source::Named("api")) && rng.chance(500_000) {
                            None
                        } else {
                            Some(u)
                        };
                        let agent = Some(AGENTS[rng.weighted(&AGENTS.map(|a| a.1))].0);
                        let tool =
                            rng.chance(300_000).then(|| MCP_TOOLS[rng.weighted(&MCP_TOOLS.map(|t| t.1))].0);
                        let failed = rng.chance(40_000);
                        today.invocations.push(Invocation {
                            at,
                            org: o,
                            user,
                            mcp: false,
                            source,
                            agent,
                            tool,
                            failed,
                        });
                        at += rng.range(20, 900);
                    }
                }
                if user.mcp_from.is_some_and(|from| d >= from) && rng.chance(300_000) {
                    let mut at = start + rng.range(60, 1800);
                    let source = pick_source(rng, &MCP_SOURCES);
                    for _ in 0..rng.range(1, 6) {
                        let tool = Some(MCP_TOOLS[rng.weighted(&MCP_TOOLS.map(|t| t.1))].0);
                        let failed = rng.chance(50_000);
                        today.invocations.push(Invocation {
                            at,
                            org: o,
                            user: Some(u),
                            mcp: true,
                            source,
                            agent: None,
                            tool,
                            failed,
                        });
                        at += rng.range(3, 120);
                    }
                }
            }
        }
    }
}

/// A named source, or about one time in ten a missing one, spelled one of
/// the three ways (absent key, null, empty string).
fn pick_source(rng: &mut Rng, sources: &[(&'static str, u32)]) -> Source {
    if rng.chance(100_000) {
        match rng.weighted(&[40, 35, 25]) {
            0 => Source::Absent,
            1 => Source::Null,
            _ => Source::Empty,
        }
    } else {
        let weights: Vec<u32> = sources.iter().map(|s| s.1).collect();
        Source::Named(sources[rng.weighted(&weights)].0)
    }
}

fn push_run(
    today: &mut Day,
    rng: &mut Rng,
    start: i64,
    org: usize,
    action: usize,
    trigger: Trigger,
    user: Option<usize>,
) {
    let spec = if trigger == Trigger::Automation { &AUTOMATIONS[action] } else { &ACTIONS[action] };
    let end = start + rng.range(spec.secs.0, spec.secs.1);
    let failed = rng.chance(spec.fails);
    today.runs.push(Run { start, org, action, trigger, user, end, failed });
}

/// Runs nobody clicked: CI pipelines calling the API, and automations.
fn draw_org_runs(world: &World, d: i32, rng: &mut Rng, today: &mut Day, alive: &[u64]) {
    let pct = u64::from(day_pct(d));
    let midnight = i64::from(d) * DAY;
    for (o, org) in world.orgs.iter().enumerate() {
        // About one API-triggered run a day per 40 people at work.
        for _ in 0..rng.count(alive[o] * 25 * pct / 100) {
            let weights: [u32; 10] = std::array::from_fn(|i| ACTIONS[i].api);
            let mut a = rng.weighted(&weights);
            if a == JIRA_TICKET && !world.has_source(o, "jira", d) {
                a = DEPLOY;
            }
            // CI runs around the working window, a little wider.
            let at = midnight + (org.work_start - 2 * 3600 + rng.below(13 * 3600) as i64).clamp(0, DAY - 1);
            // A personal API token carries its owner; a CI token nobody.
            let user = if rng.chance(400_000) {
                let u = org.users.start + rng.below(org.users.len() as u64) as usize;
                let user = &world.users[u];
                (d >= user.active_from && d < user.active_until).then_some(u)
            } else {
                None
            };
            push_run(today, rng, at, o, a, Trigger::Api, user);
        }
        let auto = Trigger::Automation;
        // Scheduled jobs: nightly scorecards, then the integrations' syncs.
        let at = midnight + 2 * 3600 + (o as i64 * 7 % 60) * 60 + rng.range(0, 90);
        push_run(today, rng, at, o, SCORECARDS, auto, None);
        if world.has_source(o, "jira", d) {
            let at = midnight + 3 * 3600 + 1800 + rng.range(0, 120);
            push_run(today, rng, at, o, JIRA_SYNC, auto, None);
        }
        if world.has_source(o, "pagerduty", d) {
            let at = midnight + 6 * 3600 + rng.range(0, 60);
            push_run(today, rng, at, o, PAGERDUTY_SYNC, auto, None);
        }
        if weekday(d) < 5 && rng.chance(350_000) {
            let at = midnight + org.work_start + rng.below(9 * 3600) as i64;
            push_run(today, rng, at, o, ASSIGN_OWNER, auto, None);
        }
    }
    // Every failed deployment pings Slack a few seconds after it ends.
    let failed_deploys: Vec<(i64, usize)> = today
        .runs
        .iter()
        .filter(|r| r.trigger != Trigger::Automation && r.action == DEPLOY && r.failed)
        .map(|r| (r.end, r.org))
        .collect();
    for (end, o) in failed_deploys {
        let at = end + rng.range(2, 20);
        if at < midnight + DAY {
            push_run(today, rng, at, o, NOTIFY_FAILED, Trigger::Automation, None);
        }
    }
}

impl Writers {
    fn write_day(&mut self, world: &World, d: i32, today: &mut Day) -> Result<()> {
        // A late session can spill past midnight; the next day is drawn on
        // its own, so drop the overflow rather than write it out of order.
        let day_end = (i64::from(d) + 1) * DAY;
        today.logins.retain(|l| l.0 < day_end);
        today.runs.retain(|r| r.start < day_end);
        today.invocations.retain(|i| i.at < day_end);
        // Stable sorts: rows at the same second keep the order they were drawn in.
        today.logins.sort_by_key(|l| l.0);
        today.visits.sort_by_key(|v| v.0);
        today.runs.sort_by_key(|r| r.start);
        today.invocations.sort_by_key(|i| i.at);

        for &(t, u) in &today.logins {
            let user = &world.users[u];
            writeln!(self.logins, "{},{},{}", user.id, world.orgs[user.org].id, Stamp::new(t).as_str())?;
        }
        self.counts.logins += today.logins.len() as u64;

        let month = year_month(d);
        if self.visits.as_ref().is_none_or(|(m, _)| *m != month) {
            if let Some((_, mut old)) = self.visits.take() {
                old.flush()?;
            }
            let path = self.out.join("page_visits").join(format!("{:04}-{:02}.csv", month.0, month.1));
            let mut file = create(&path)?;
            writeln!(file, "visited_at,organization_id,user_id,page")?;
            self.visits = Some((month, file));
            self.counts.page_visit_files += 1;
        }
        let (_, visits) = self.visits.as_mut().expect("opened above");
        for &(t, u, page) in &today.visits {
            let user = &world.users[u];
            writeln!(
                visits,
                "{},{},{},{}",
                Stamp::new(t).as_str(),
                world.orgs[user.org].id,
                user.id,
                PAGES[page as usize].0
            )?;
        }
        self.counts.page_visits += today.visits.len() as u64;

        for run in &today.runs {
            self.counts.action_runs += 1;
            let (spec, run_type, trigger) = match run.trigger {
                Trigger::Ui => (&ACTIONS[run.action], "action", "ui"),
                Trigger::Api => (&ACTIONS[run.action], "action", "api"),
                Trigger::Automation => (&AUTOMATIONS[run.action], "automation", "automation"),
            };
            let (status, ended) = if run.end >= EXPORT_AT {
                ("in_progress", String::new())
            } else {
                (if run.failed { "failure" } else { "success" }, Stamp::new(run.end).as_str().to_string())
            };
            let (user_id, role, team) = match run.user.map(|u| &world.users[u]) {
                Some(user) => (
                    user.id.as_str(),
                    user.role.as_str(),
                    user.team.map_or("", |t| world.orgs[user.org].teams[t]),
                ),
                None => ("", "", ""),
            };
            writeln!(
                self.runs,
                "run-{:06},{},{run_type},{},{},{trigger},{status},{user_id},{role},{team},{},{ended}",
                self.counts.action_runs,
                world.orgs[run.org].id,
                spec.identifier,
                spec.title,
                Stamp::new(run.start).as_str(),
            )?;
        }

        for inv in &today.invocations {
            self.counts.ai_invocations += 1;
            let w = &mut self.invocations;
            write!(
                w,
                "{{\"invocation_id\":\"inv-{:06}\",\"organization_id\":\"{}\"",
                self.counts.ai_invocations, world.orgs[inv.org].id
            )?;
            match inv.user {
                Some(u) => write!(w, ",\"user_id\":\"{}\"", world.users[u].id)?,
                None => write!(w, ",\"user_id\":null")?,
            }
            write!(
                w,
                ",\"invoked_at\":\"{}\",\"interface\":\"{}\"",
                Stamp::new(inv.at).as_str(),
                if inv.mcp { "mcp" } else { "ai" }
            )?;
            match inv.source {
                Source::Named(s) => write!(w, ",\"source\":\"{s}\"")?,
                Source::Absent => {}
                Source::Null => write!(w, ",\"source\":null")?,
                Source::Empty => write!(w, ",\"source\":\"\"")?,
            }
            for (key, value) in [("agent", inv.agent), ("tool", inv.tool)] {
                match value {
                    Some(v) => write!(w, ",\"{key}\":\"{v}\"")?,
                    None => write!(w, ",\"{key}\":null")?,
                }
            }
            writeln!(w, ",\"status\":\"{}\"}}", if inv.failed { "failure" } else { "success" })?;
        }

        today.logins.clear();
        today.visits.clear();
        today.runs.clear();
        today.invocations.clear();
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.logins.flush()?;
        self.runs.flush()?;
        self.invocations.flush()?;
        if let Some((_, mut visits)) = self.visits.take() {
            visits.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::clock::day;

    #[test]
    fn weekdays_are_busier_and_the_holidays_quiet() {
        assert_eq!(day_pct(day(2026, 11, 25)), 100); // a Wednesday
        assert_eq!(day_pct(day(2026, 11, 22)), 6); // a Sunday
        assert_eq!(day_pct(day(2025, 12, 24)), 30); // Wednesday, Christmas Eve
        assert_eq!(day_pct(day(2026, 1, 2)), 24); // Friday, 80% of 30%
        assert_eq!(day_pct(day(2026, 1, 5)), 95); // Monday, back at work
    }

    #[test]
    fn deploy_is_the_most_popular_action() {
        let ui: u32 = ACTIONS.iter().map(|a| a.ui).sum();
        assert!(ACTIONS.iter().skip(1).all(|a| a.ui < ACTIONS[DEPLOY].ui && a.api < ACTIONS[DEPLOY].api));
        assert_eq!(ui, 98);
        assert_eq!(ACTIONS[JIRA_TICKET].identifier, "create_jira_ticket");
        assert_eq!(PAGES[AI_PAGE as usize].0, "/ai-assistant");
    }
}
