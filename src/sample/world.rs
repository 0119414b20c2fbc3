//! The cast of the sample, drawn once before any event: organizations, their
//! teams and users, and the data sources they connect. Events (`activity`,
//! `entities`) only read it.

use std::collections::HashSet;
use std::ops::Range;

use super::clock::{day, DAY, END_DAY, START_DAY};
use super::rng::Rng;

/// A civil date written as a tuple in the tables below.
type Ymd = (i64, u32, u32);

/// The shape of one kind of organization. Organization `k` follows profile
/// `k % 3`; the first three use the names and dates below exactly.
pub struct Profile {
    name: &'static str,
    slug: &'static str,
    teams: [&'static str; 4],
    /// UTC hour at which most of its people start work (a 9-hour window).
    work_start_hour: i64,
    /// Users who joined before the activity history starts.
    initial_users: u32,
    /// Users who join one by one during the history.
    later_users: u32,
    /// A company-wide rollout: the day and how many users join in 3 weeks.
    rollout: Option<(Ymd, u32)>,
    /// A team (index into `teams`) that stops using the product, and when.
    stopped_team: Option<(usize, Ymd)>,
    /// Share of users who take up the AI assistant / an MCP client (ppm).
    ai_adoption: u32,
    mcp_adoption: u32,
    sources: &'static [SourceSpec],
}

/// A data source an organization connects (and perhaps removes).
struct SourceSpec {
    ty: &'static str,
    name: &'static str,
    created: Ymd,
    deleted: Option<Ymd>,
}

const fn src(ty: &'static str, name: &'static str, created: Ymd, deleted: Option<Ymd>) -> SourceSpec {
    SourceSpec { ty, name, created, deleted }
}

static PROFILES: [Profile; 3] = [
    // A European logistics company: a steady base, the Mobile team drops
    // off in May 2026, and Jira is disconnected in June 2026.
    Profile {
        name: "Northwind Logistics",
        slug: "northwind",
        teams: ["Platform", "Mobile", "Payments", "Fleet Ops"],
        work_start_hour: 7,
        initial_users: 132,
        later_users: 22,
        rollout: None,
        stopped_team: Some((1, (2026, 5, 18))),
        ai_adoption: 450_000,
        mcp_adoption: 150_000,
        sources: &[
            src("github", "GitHub northwind-logistics", (2025, 4, 14), None),
            src("kubernetes", "k8s prod-eu-1", (2025, 4, 22), None),
            src("kubernetes", "k8s staging-eu-1", (2025, 5, 6), None),
            src("jira", "Jira Cloud", (2025, 5, 20), Some((2026, 6, 9))),
            src("pagerduty", "PagerDuty", (2025, 8, 12), None),
            src("aws", "AWS production", (2025, 9, 3), None),
            src("datadog", "Datadog EU", (2025, 12, 2), None),
            src("sonarqube", "SonarQube", (2026, 3, 10), None),
            src("snyk", "Snyk", (2026, 8, 18), None),
            src("kubernetes", "k8s prod-us-1", (2026, 10, 6), None),
        ],
    },
    // A US robotics company: a pilot group until the February 2026 rollout
    // to the whole engineering org; heavy AI users.
    Profile {
        name: "Acme Robotics",
        slug: "acme",
        teams: ["Firmware", "Cloud", "Vision", "QA"],
        work_start_hour: 13,
        initial_users: 34,
        later_users: 10,
        rollout: Some(((2026, 2, 2), 108)),
        stopped_team: None,
        ai_adoption: 700_000,
        mcp_adoption: 250_000,
        sources: &[
            src("github", "GitHub acme-robotics", (2025, 6, 2), None),
            src("kubernetes", "k8s robotics-prod", (2025, 6, 9), None),
            src("aws", "AWS sandbox", (2025, 7, 15), Some((2025, 12, 15))),
            src("aws", "AWS production", (2025, 12, 8), None),
            src("argocd", "Argo CD", (2026, 1, 26), None),
            src("jira", "Jira Cloud", (2026, 2, 2), None),
            src("pagerduty", "PagerDuty", (2026, 3, 2), None),
            src("snyk", "Snyk", (2026, 5, 11), None),
            src("terraform", "Terraform Cloud", (2026, 7, 20), None),
        ],
    },
    // An Asia-Pacific health company: adoption grows slowly team by team;
    // Opsgenie is replaced by PagerDuty and a ServiceNow trial is removed.
    Profile {
        name: "Globex Health",
        slug: "globex",
        teams: ["Clinical Apps", "Data", "Security", "SRE"],
        work_start_hour: 2,
        initial_users: 58,
        later_users: 52,
        rollout: None,
        stopped_team: None,
        ai_adoption: 300_000,
        mcp_adoption: 350_000,
        sources: &[
            src("gitlab", "GitLab globex-health", (2025, 6, 16), None),
            src("kubernetes", "aks-prod", (2025, 6, 30), None),
            src("azure", "Azure production subscription", (2025, 7, 7), None),
            src("opsgenie", "Opsgenie", (2025, 8, 4), Some((2026, 9, 21))),
            src("jira", "Jira Data Center", (2025, 10, 13), None),
            src("sonarqube", "SonarQube", (2026, 1, 19), None),
            src("servicenow", "ServiceNow trial", (2026, 4, 27), Some((2026, 6, 29))),
            src("kubernetes", "aks-staging", (2026, 6, 1), None),
            src("pagerduty", "PagerDuty", (2026, 9, 7), None),
        ],
    },
];

/// Name parts for organizations beyond the first three (scale > 1).
const ORG_WORDS: [&str; 12] = [
    "Blue Harbor",
    "Granite",
    "Silverline",
    "Redwood",
    "Polaris",
    "Summit",
    "Evergreen",
    "Cobalt",
    "Brightwater",
    "Ironbridge",
    "Lakeside",
    "Northstar",
];
const ORG_KINDS: [&str; 10] =
    ["Systems", "Labs", "Bank", "Retail", "Energy", "Media", "Insurance", "Freight", "Pharma", "Software"];

/// Team names for organizations beyond the first three.
const TEAM_POOL: [&str; 12] = [
    "Platform",
    "Mobile",
    "Payments",
    "Data",
    "SRE",
    "Security",
    "Frontend",
    "Checkout",
    "Search",
    "Identity",
    "Growth",
    "Infrastructure",
];

const FIRST_NAMES: [&str; 48] = [
    "Aisha",
    "Alejandro",
    "Amelia",
    "Ana",
    "Arjun",
    "Ben",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emma",
    "Fatima",
    "Felix",
    "Grace",
    "Hannah",
    "Hiro",
    "Ines",
    "Isaac",
    "Jamal",
    "Julia",
    "Kai",
    "Kofi",
    "Lars",
    "Leila",
    "Liam",
    "Lucia",
    "Maya",
    "Mei",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Ravi",
    "Sara",
    "Sofia",
    "Tariq",
    "Tom",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
];
const LAST_NAMES: [&str; 48] = [
    "Abara",
    "Andersen",
    "Bauer",
    "Bianchi",
    "Chowdhury",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Gupta",
    "Haddad",
    "Hansen",
    "Ito",
    "Jensen",
    "Kaur",
    "Kim",
    "Kowalski",
    "Lee",
    "Lindqvist",
    "Lopez",
    "Mahlangu",
    "Martin",
    "Mensah",
    "Moreau",
    "Muller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Oliveira",
    "Park",
    "Patel",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Sato",
    "Silva",
    "Singh",
    "Tanaka",
    "Torres",
    "Virtanen",
    "Wang",
    "Weber",
    "Yilmaz",
    "Zhang",
];

/// How often a user shows up on a weekday (ppm) by engagement tier, and the
/// tiers' shares (%): power users, regulars, occasional, rare, never.
const TIER_PPM: [u32; 5] = [620_000, 300_000, 90_000, 8_000, 0];
const TIER_SHARE: [u32; 5] = [14, 38, 30, 12, 6];

/// The AI assistant and the MCP server become available on these days.
pub fn ai_launch() -> i32 {
    day(2026, 1, 12)
}
/// See [`ai_launch`].
pub fn mcp_launch() -> i32 {
    day(2026, 4, 6)
}

/// `admin` or `member`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    /// The export's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

/// One organization.
pub struct Org {
    pub id: String,
    pub name: String,
    pub teams: Vec<&'static str>,
    /// Second of the UTC day at which its working window opens.
    pub work_start: i64,
    /// Its users, as indices into `World::users`.
    pub users: Range<usize>,
    /// Its data sources, as indices into `World::data_sources`.
    pub sources: Vec<usize>,
}

/// One user, with the hidden traits that drive their activity.
pub struct User {
    pub id: String,
    pub org: usize,
    pub email: String,
    pub full_name: String,
    pub role: Role,
    pub team: Option<usize>,
    pub disabled: bool,
    pub created_at: i64,
    pub removed_at: Option<i64>,
    /// Days `[active_from, active_until)` in which they may log in.
    pub active_from: i32,
    pub active_until: i32,
    /// Chance of showing up on a working weekday (ppm).
    pub engagement: u32,
    /// First day they may use the AI assistant / an MCP client.
    pub ai_from: Option<i32>,
    pub mcp_from: Option<i32>,
}

/// One data source.
pub struct DataSource {
    pub id: String,
    pub org: usize,
    pub ty: &'static str,
    pub name: String,
    pub created_at: i64,
    pub deleted_at: Option<i64>,
}

impl DataSource {
    /// Whether it is connected during `day`'s working hours (it counts on the
    /// day it is added, not on the day it is removed).
    pub fn alive_on(&self, day: i32) -> bool {
        let d = i64::from(day) * DAY;
        self.created_at < d + DAY && self.deleted_at.is_none_or(|del| del >= d + DAY)
    }
}

/// Everything drawn up front.
pub struct World {
    pub orgs: Vec<Org>,
    pub users: Vec<User>,
    pub data_sources: Vec<DataSource>,
}

impl World {
    /// Draws the cast for `scale` (3 × scale organizations).
    pub fn new(scale: u32, seed: u64) -> World {
        let mut rng = Rng::stream(seed, "world");
        let mut world = World { orgs: Vec::new(), users: Vec::new(), data_sources: Vec::new() };
        for k in 0..3 * scale as usize {
            world.add_org(k, &mut rng);
        }
        // Ids follow creation order, as a product would number them.
        world.data_sources.sort_by_key(|s| (s.created_at, s.org));
        for (i, s) in world.data_sources.iter_mut().enumerate() {
            s.id = format!("ds-{:03}", i + 1);
            world.orgs[s.org].sources.push(i);
        }
        world
    }

    /// Whether `org` has a data source of type `ty` connected on `day`.
    pub fn has_source(&self, org: usize, ty: &str, day: i32) -> bool {
        self.orgs[org].sources.iter().map(|&i| &self.data_sources[i]).any(|s| s.ty == ty && s.alive_on(day))
    }

    fn add_org(&mut self, k: usize, rng: &mut Rng) {
        let profile = &PROFILES[k % 3];
        let first = k < 3;
        let (name, slug) = if first {
            (profile.name.to_string(), profile.slug.to_string())
        } else {
            let i = k - 3;
            let mut name = format!("{} {}", ORG_WORDS[i % 12], ORG_KINDS[i / 12 % 10]);
            if i >= 120 {
                name = format!("{name} {}", i / 120 + 1);
            }
            let slug = name.to_lowercase().replace(' ', "-");
            (name, slug)
        };
        // Later organizations vary their profile: sizes by ±25%, dates by
        // up to a month, and a different set of team names.
        let jitter = |rng: &mut Rng, (y, m, d): Ymd| -> i32 {
            let base = day(y, m, d);
            if first {
                base
            } else {
                base + rng.range(-30, 30) as i32
            }
        };
        let size = |rng: &mut Rng, n: u32| -> u32 {
            if first {
                n
            } else {
                (n as u64 * rng.range(75, 125) as u64 / 100) as u32
            }
        };
        let teams: Vec<&'static str> = if first {
            profile.teams.to_vec()
        } else {
            let offset = rng.below(12) as usize;
            (0..4).map(|t| TEAM_POOL[(offset + t * 5) % 12]).collect()
        };
        let work_start_hour =
            if first { profile.work_start_hour } else { profile.work_start_hour - rng.range(0, 2) };
        let org_index = self.orgs.len();

        // Data sources first: the organization's first connection marks
        // when it started, before which nobody had an account.
        let mut onboarded = i32::MAX;
        for spec in profile.sources {
            let created = jitter(rng, spec.created);
            let deleted = spec.deleted.map(|d| jitter(rng, d).max(created + 14));
            onboarded = onboarded.min(created);
            // Code hosts are named after the organization's account there.
            let name = if !first && matches!(spec.ty, "github" | "gitlab") {
                format!("{} {slug}", &spec.name[..6])
            } else {
                spec.name.to_string()
            };
            self.data_sources.push(DataSource {
                id: String::new(),
                org: org_index,
                ty: spec.ty,
                name,
                created_at: work_second(rng, created, work_start_hour),
                deleted_at: deleted.filter(|&d| d <= END_DAY).map(|d| work_second(rng, d, work_start_hour)),
            });
        }
        let onboarded = onboarded.min(START_DAY - 14);

        // When each user's account was created.
        let mut created: Vec<i32> = Vec::new();
        for _ in 0..size(rng, profile.initial_users) {
            created.push(rng.range(i64::from(onboarded), i64::from(START_DAY - 1)) as i32);
        }
        for _ in 0..size(rng, profile.later_users) {
            created.push(rng.range(i64::from(START_DAY), i64::from(END_DAY - 20)) as i32);
        }
        if let Some((when, n)) = profile.rollout {
            let start = jitter(rng, when);
            for _ in 0..size(rng, n) {
                created.push(start + rng.below(21) as i32);
            }
        }
        created.sort_unstable();
        let stopped = profile.stopped_team.map(|(team, when)| (team, jitter(rng, when)));

        let first_user = self.users.len();
        let mut emails = HashSet::new();
        for (n, &created_day) in created.iter().enumerate() {
            let id = format!("u{:04}", self.users.len() + 1);
            let first_name = *rng.pick(&FIRST_NAMES);
            let last_name = *rng.pick(&LAST_NAMES);
            let local = format!("{}.{}", first_name.to_lowercase(), last_name.to_lowercase());
            let mut email = format!("{local}@{slug}.example");
            let mut dup = 2;
            while !emails.insert(email.clone()) {
                email = format!("{local}{dup}@{slug}.example");
                dup += 1;
            }
            // The first two accounts set the product up; after that about one
            // in fifteen is an admin.
            let role = if n < 2 || rng.chance(65_000) { Role::Admin } else { Role::Member };
            let no_team_ppm = if role == Role::Admin { 400_000 } else { 50_000 };
            let team = if rng.chance(no_team_ppm) { None } else { Some(rng.weighted(&[35, 25, 22, 18])) };
            let mut tier = rng.weighted(&TIER_SHARE);
            if role == Role::Admin {
                tier = tier.min(1);
            }
            let created_at = work_second(rng, created_day, work_start_hour);
            let active_from = created_day.max(START_DAY) + rng.below(3) as i32;
            let mut active_until = END_DAY + 1;
            let mut disabled = false;
            let mut removed_at = None;
            let earliest_leave = i64::from(active_from.max(START_DAY) + 45);
            let fate = rng.below(100);
            if fate < 4 && earliest_leave < i64::from(END_DAY) {
                // Disabled: they stop on an unrecorded day; the export only
                // says `disabled`.
                disabled = true;
                active_until = rng.range(earliest_leave, i64::from(END_DAY)) as i32;
            } else if fate < 10 && earliest_leave < i64::from(END_DAY) {
                let leave = rng.range(earliest_leave, i64::from(END_DAY)) as i32;
                removed_at = Some(work_second(rng, leave, work_start_hour));
                active_until = leave;
            }
            if let (Some((stop_team, stop_day)), Some(t)) = (stopped, team) {
                if t == stop_team {
                    // The team drifts away over the three weeks before.
                    active_until = active_until.min(stop_day - rng.below(21) as i32);
                }
            }
            let adopt = |rng: &mut Rng, ppm: u32, launch: i32| {
                rng.chance(ppm).then(|| launch.max(active_from) + rng.below(200) as i32)
            };
            let ai_from = adopt(rng, profile.ai_adoption, ai_launch());
            let mcp_ppm = if role == Role::Admin { profile.mcp_adoption / 2 } else { profile.mcp_adoption };
            let mcp_from = adopt(rng, mcp_ppm, mcp_launch());
            self.users.push(User {
                id,
                org: org_index,
                email,
                full_name: format!("{first_name} {last_name}"),
                role,
                team,
                disabled,
                created_at,
                removed_at,
                active_from,
                active_until,
                engagement: TIER_PPM[tier],
                ai_from,
                mcp_from,
            });
        }
        self.orgs.push(Org {
            id: format!("org-{}", k + 1),
            name,
            teams,
            work_start: work_start_hour * 3600,
            users: first_user..self.users.len(),
            sources: Vec::new(),
        });
    }
}

/// A second within the working window of `day`.
fn work_second(rng: &mut Rng, day: i32, work_start_hour: i64) -> i64 {
    i64::from(day) * DAY + work_start_hour * 3600 + rng.below(9 * 3600) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_one_has_three_organizations_and_about_400_users() {
        let world = World::new(1, 42);
        let names: Vec<&str> = world.orgs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["Northwind Logistics", "Acme Robotics", "Globex Health"]);
        // 132 + 22, 34 + 10 + 108, 58 + 52 accounts.
        assert_eq!(world.users.len(), 154 + 152 + 110);
        let teams: HashSet<&str> = world.orgs.iter().flat_map(|o| o.teams.iter().copied()).collect();
        assert_eq!(teams.len(), 12);
        let emails: HashSet<&str> = world.users.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails.len(), world.users.len(), "emails are unique");
        assert!(world.users.iter().any(|u| u.disabled));
        assert!(world.users.iter().any(|u| u.removed_at.is_some()));
        for org in &world.orgs {
            let admins = world.users[org.users.clone()].iter().filter(|u| u.role == Role::Admin).count();
            assert!(admins >= 2, "{} has {admins} admins", org.name);
        }
        for u in &world.users {
            assert!(!(u.disabled && u.removed_at.is_some()));
            assert!(u.removed_at.is_none_or(|r| r > u.created_at));
        }
    }

    #[test]
    fn the_mobile_team_stops_before_its_day() {
        let world = World::new(1, 7);
        let stop = day(2026, 5, 18);
        let mobile: Vec<&User> = world.users.iter().filter(|u| u.org == 0 && u.team == Some(1)).collect();
        assert!(mobile.len() > 20);
        assert!(mobile.iter().all(|u| u.active_until <= stop));
    }

    #[test]
    fn data_sources_come_and_go() {
        let world = World::new(1, 42);
        assert_eq!(world.data_sources.len(), 28);
        assert_eq!(world.data_sources[0].id, "ds-001");
        let jira = day(2026, 6, 9);
        assert!(world.has_source(0, "jira", jira - 1));
        assert!(!world.has_source(0, "jira", jira));
        assert!(!world.has_source(1, "pagerduty", day(2026, 3, 1)));
        assert!(world.has_source(1, "pagerduty", day(2026, 3, 2)));
    }

    #[test]
    fn larger_scales_add_organizations_with_their_own_names() {
        let world = World::new(5, 42);
        assert_eq!(world.orgs.len(), 15);
        assert_eq!(world.orgs[3].name, "Blue Harbor Systems");
        assert_eq!(world.orgs[14].id, "org-15");
        let ids: HashSet<&str> = world.users.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids.len(), world.users.len());
    }
}
