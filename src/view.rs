//! Views: the same dashboard over a subset of the data (DESIGN.md section 8).
//!
//! A view is one organization, or one team within its organization. This
//! module finds the views the loaded data holds, and says how each table is
//! filtered for one: the report SQL then runs unchanged over a DuckDB schema
//! of filtered tables with the same names (`SET search_path`), so no number
//! of a view is ever computed a second way.
//!
//! Filters, by the columns a table has:
//! - organization: `organization_id`; a table without it is not filtered.
//! - team: the row's own `team` where the table has one and it is set, else
//!   the team of the row's user (`user_id`) in that organization, from the
//!   `users` table; a table with neither is filtered by organization only,
//!   and the tabs whose reports read it say so.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Result};
use duckdb::Connection;
use serde::Serialize;

use crate::data::{ident, literal, LoadedTable};

/// The column that names a row's organization.
pub const ORG_COLUMN: &str = "organization_id";
/// The column that names a row's team.
pub const TEAM_COLUMN: &str = "team";
/// The column that names a row's user.
pub const USER_COLUMN: &str = "user_id";
/// The table that maps users to teams within organizations.
pub const USERS_TABLE: &str = "users";
/// The table whose `organization_name` labels organizations.
pub const ORGS_TABLE: &str = "organizations";

/// What a view filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    /// One organization.
    Organization,
    /// One team within one organization.
    Team,
}

impl Filter {
    /// `organization` or `team`, as in paths and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Organization => "organization",
            Filter::Team => "team",
        }
    }
}

/// One view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// What it filters by.
    pub filter: Filter,
    /// The organization id.
    pub organization: String,
    /// The team, for a team view.
    pub team: Option<String>,
    /// A readable name: the organization's name, or the team's.
    pub label: String,
    /// The organization's readable name.
    pub organization_label: String,
    /// The folder name under `views/<filter>/`: a slug of the value, unique
    /// among the views of its filter.
    pub slug: String,
}

impl View {
    /// `organization_id` or `organization_id/team`, as in the manifest and
    /// on the command line (`--view team=<org>/<team>`).
    pub fn value(&self) -> String {
        match &self.team {
            Some(team) => format!("{}/{team}", self.organization),
            None => self.organization.clone(),
        }
    }

    /// `views/<filter>/<slug>/`, relative to the site root.
    pub fn path(&self) -> String {
        format!("views/{}/{}/", self.filter.as_str(), self.slug)
    }

    /// `organization/<slug>`: the key pages and scripts use.
    pub fn key(&self) -> String {
        format!("{}/{}", self.filter.as_str(), self.slug)
    }
}

/// The views of the loaded data, and what is left out.
#[derive(Debug, Default)]
pub struct ViewSet {
    /// Organization views, then team views, each in value order.
    pub views: Vec<View>,
    /// Views that exist in the data but were not built (the cap).
    pub dropped: usize,
}

/// Which views to build: `[views]` in site.toml.
#[derive(Debug, Clone, Copy)]
pub struct ViewLimits {
    /// Build organization views.
    pub organizations: bool,
    /// Build team views.
    pub teams: bool,
    /// At most this many views in all; organizations come first.
    pub max: usize,
}

/// A folder-safe slug: lower-case ASCII letters and digits joined by single
/// dashes, at most 48 characters; `x` when nothing is left.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 48 {
            break;
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "x".into()
    } else {
        out
    }
}

/// Gives every value a slug unique among `values` (in order): a slug taken
/// already gets `-2`, `-3`, ...
fn unique_slugs<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken = BTreeSet::new();
    values
        .map(|value| {
            let base = slugify(value);
            let mut slug = base.clone();
            let mut n = 2;
            while !taken.insert(slug.clone()) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            slug
        })
        .collect()
}

fn has(table: &LoadedTable, column: &str) -> bool {
    table.columns.iter().any(|(name, _)| name == column)
}

/// Finds the organizations and teams in the loaded tables.
pub fn discover(conn: &Connection, tables: &[LoadedTable], limits: ViewLimits) -> Result<ViewSet> {
    let mut org_labels: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut teams: BTreeSet<(String, String)> = BTreeSet::new();
    for table in tables.iter().filter(|t| has(t, ORG_COLUMN)) {
        let labelled = table.name == ORGS_TABLE && has(table, "organization_name");
        let label = if labelled { org_key("organization_name") } else { "CAST(NULL AS VARCHAR)".into() };
        // Distinct raw values first: trimming each row's id costs four
        // times the pass (scale-100 sample).
        let sql = format!(
            "SELECT DISTINCT {org}, {label} FROM (SELECT DISTINCT {raw}, {label_raw} FROM {t}) \
             WHERE {org} IS NOT NULL",
            org = org_key(ORG_COLUMN),
            raw = ident(ORG_COLUMN),
            label_raw = if labelled { ident("organization_name") } else { "NULL".into() },
            t = ident(&table.name)
        );
        query_pairs(conn, &sql, &table.name, |org, label| {
            let entry = org_labels.entry(org).or_default();
            if entry.is_none() {
                *entry = label;
            }
        })?;
        if has(table, TEAM_COLUMN) {
            let sql = format!(
                "SELECT DISTINCT {org}, {team} FROM (SELECT DISTINCT {raw_org}, {raw_team} FROM {t}) \
                 WHERE {org} IS NOT NULL AND {team} IS NOT NULL",
                org = org_key(ORG_COLUMN),
                team = org_key(TEAM_COLUMN),
                raw_org = ident(ORG_COLUMN),
                raw_team = ident(TEAM_COLUMN),
                t = ident(&table.name)
            );
            query_pairs(conn, &sql, &table.name, |org, team| {
                if let Some(team) = team {
                    teams.insert((org, team));
                }
            })?;
        }
    }

    let org_slugs = unique_slugs(org_labels.keys().map(String::as_str));
    let mut views = Vec::new();
    let mut total = 0;
    if limits.organizations {
        for ((org, label), slug) in org_labels.iter().zip(org_slugs) {
            total += 1;
            let label = label.clone().unwrap_or_else(|| org.clone());
            views.push(View {
                filter: Filter::Organization,
                organization: org.clone(),
                team: None,
                organization_label: label.clone(),
                label,
                slug,
            });
        }
    }
    if limits.teams {
        let values: Vec<String> = teams.iter().map(|(o, t)| format!("{o}-{t}")).collect();
        let slugs = unique_slugs(values.iter().map(String::as_str));
        for ((org, team), slug) in teams.iter().zip(slugs) {
            total += 1;
            let organization_label = org_labels.get(org).cloned().flatten().unwrap_or_else(|| org.clone());
            views.push(View {
                filter: Filter::Team,
                organization: org.clone(),
                team: Some(team.clone()),
                label: team.clone(),
                organization_label,
                slug,
            });
        }
    }
    views.truncate(limits.max);
    Ok(ViewSet { dropped: total - views.len(), views })
}

fn query_pairs(
    conn: &Connection,
    sql: &str,
    table: &str,
    mut each: impl FnMut(String, Option<String>),
) -> Result<()> {
    let fail =
        |e: duckdb::Error| anyhow!("failed to list the organizations and teams in table `{table}`: {e}");
    let mut stmt = conn.prepare(sql).map_err(fail)?;
    let mut rows = stmt.query([]).map_err(fail)?;
    while let Some(row) = rows.next().map_err(fail)? {
        each(row.get(0).map_err(fail)?, row.get(1).map_err(fail)?);
    }
    Ok(())
}

/// How one table is filtered for a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Filtered to the view.
    Filtered,
    /// Filtered by organization, but it holds nothing that names a team.
    OrganizationOnly,
    /// Not filtered: it holds nothing that names an organization.
    Unfiltered,
}

/// How `table` is filtered for views of `filter`.
pub fn coverage(table: &LoadedTable, tables: &[LoadedTable], filter: Filter) -> Coverage {
    if !has(table, ORG_COLUMN) {
        return Coverage::Unfiltered;
    }
    if filter == Filter::Organization {
        return Coverage::Filtered;
    }
    let users_have_teams = tables
        .iter()
        .any(|t| t.name == USERS_TABLE && has(t, USER_COLUMN) && has(t, TEAM_COLUMN) && has(t, ORG_COLUMN));
    if has(table, TEAM_COLUMN) || (has(table, USER_COLUMN) && users_have_teams) {
        Coverage::Filtered
    } else {
        Coverage::OrganizationOnly
    }
}

/// An organization id (or a team, or a name) as views compare it: text,
/// trimmed, NULL when empty.
pub(crate) fn org_key(column: &str) -> String {
    format!("nullif(trim(CAST({} AS VARCHAR)), '')", ident(column))
}

/// The statements that fill `schema` with a table per table with an
/// organization column, one row per distinct `organization_id` value: the
/// value as `raw`, its key as `k`, and its rows' count `c`, sum `s` and xor
/// `x` of DuckDB's row hashes (the view cache's fingerprints). Filtering a
/// table with `organization_id IN (SELECT raw FROM keys WHERE k = …)` keeps
/// exactly the rows whose key is that organization's, and costs a plain
/// comparison per row instead of a cast and a trim: six times faster over
/// the scale-100 sample.
pub fn key_statements(tables: &[LoadedTable], schema: &str) -> Vec<String> {
    let mut out = vec![format!("CREATE SCHEMA {}", ident(schema))];
    for table in tables.iter().filter(|t| has(t, ORG_COLUMN)) {
        out.push(format!(
            "CREATE TABLE {schema}.{t} AS SELECT {org} AS raw, {key} AS k, count(*) AS c, \
             sum(hash(r)) AS s, bit_xor(hash(r)) AS x FROM main.{t} AS r GROUP BY 1",
            schema = ident(schema),
            t = ident(&table.name),
            key = org_key(ORG_COLUMN),
            org = ident(ORG_COLUMN),
        ));
    }
    out
}

/// The condition that keeps the rows of `table` whose organization is one
/// of `orgs`: through the key tables of `keys` (see `key_statements`) when
/// given, else by comparing each row's key.
fn org_condition(table: &str, orgs: &[&str], keys: Option<&str>) -> String {
    let list = orgs.iter().map(|o| literal(o)).collect::<Vec<_>>().join(", ");
    match keys {
        Some(keys) => format!(
            "{org} IN (SELECT raw FROM {keys}.{t} WHERE k IN ({list}))",
            org = ident(ORG_COLUMN),
            keys = ident(keys),
            t = ident(table)
        ),
        None => format!("{} IN ({list})", org_key(ORG_COLUMN)),
    }
}

/// The statements that fill `schema` with the rows of several
/// organizations (`orgs`), from `main`, through the key tables of `keys`:
/// a batch that its organizations' schemas are then cut from, so the whole
/// tables are read once per batch rather than once per organization.
pub fn batch_statements(orgs: &[&str], tables: &[LoadedTable], keys: &str, schema: &str) -> Vec<String> {
    let mut out = vec![format!("CREATE SCHEMA {}", ident(schema))];
    for table in tables {
        let target = format!("{}.{}", ident(schema), ident(&table.name));
        let from = format!("main.{}", ident(&table.name));
        out.push(if has(table, ORG_COLUMN) {
            let condition = org_condition(&table.name, orgs, Some(keys));
            format!("CREATE TABLE {target} AS SELECT * FROM {from} WHERE {condition}")
        } else {
            format!("CREATE VIEW {target} AS SELECT * FROM {from}")
        });
    }
    out
}

/// The statements that fill `schema` with `tables` filtered to `view`,
/// reading them from `source` (`main`, a batch of organizations, or an
/// organization view's schema when building its teams' views, which is the
/// same rows and smaller). `keys` names the key tables of `main` (see
/// `key_statements`), if there are any; they hold every raw id of `source`.
pub fn filter_statements(
    view: &View,
    tables: &[LoadedTable],
    source: &str,
    schema: &str,
    keys: Option<&str>,
) -> Vec<String> {
    let mut out = vec![format!("CREATE SCHEMA {}", ident(schema))];
    // Ids are compared as discovered: text, trimmed.
    let org = |table: &str| org_condition(table, &[&view.organization], keys);
    // The users of the team in that organization, when the view is a team's.
    let team_users = view.team.as_ref().map(|team| {
        format!(
            "SELECT {user} FROM {src}.{users} WHERE {org} AND {t} = {team}",
            user = ident(USER_COLUMN),
            src = ident(source),
            users = ident(USERS_TABLE),
            org = org(USERS_TABLE),
            t = org_key(TEAM_COLUMN),
            team = literal(team)
        )
    });
    for table in tables {
        let target = format!("{}.{}", ident(schema), ident(&table.name));
        let from = format!("{}.{}", ident(source), ident(&table.name));
        let filter = coverage(table, tables, view.filter);
        let condition = match (filter, &view.team, &team_users) {
            (Coverage::Unfiltered, ..) => None,
            // A team's copy of a table it does not narrow would be the
            // organization's copy again: read that one.
            (Coverage::OrganizationOnly, Some(_), _) if source != "main" => None,
            (Coverage::OrganizationOnly, ..) | (Coverage::Filtered, None, _) => Some(org(&table.name)),
            (Coverage::Filtered, Some(team), Some(users)) => {
                let own =
                    has(table, TEAM_COLUMN).then(|| format!("{} = {}", org_key(TEAM_COLUMN), literal(team)));
                let via_user = has(table, USER_COLUMN).then(|| {
                    let unset = if has(table, TEAM_COLUMN) {
                        format!("{} IS NULL AND ", org_key(TEAM_COLUMN))
                    } else {
                        String::new()
                    };
                    format!("{unset}{} IN ({users})", ident(USER_COLUMN))
                });
                let either = match (own, via_user) {
                    (Some(a), Some(b)) if table.name != USERS_TABLE => format!("({a} OR ({b}))"),
                    (Some(a), _) => a,
                    (None, Some(b)) => b,
                    (None, None) => "FALSE".into(),
                };
                Some(format!("{} AND {either}", org(&table.name)))
            }
            (Coverage::Filtered, Some(_), None) => Some(org(&table.name)),
        };
        out.push(match condition {
            // A table a view does not filter is read where it is.
            None => format!("CREATE VIEW {target} AS SELECT * FROM {from}"),
            Some(condition) => format!("CREATE TABLE {target} AS SELECT * FROM {from} WHERE {condition}"),
        });
    }
    out
}

/// Parses `--view organization=<id>` / `--view team=<org>/<team>`.
pub fn parse_selector(text: &str) -> Result<(Filter, String, Option<String>)> {
    let (filter, value) = text.split_once('=').ok_or_else(|| {
        anyhow!("`--view {text}`: expected `organization=<id>` or `team=<organization>/<team>`")
    })?;
    match filter {
        "organization" if !value.is_empty() => Ok((Filter::Organization, value.to_string(), None)),
        "team" => match value.split_once('/') {
            Some((org, team)) if !org.is_empty() && !team.is_empty() => {
                Ok((Filter::Team, org.to_string(), Some(team.to_string())))
            }
            _ => bail!("`--view {text}`: a team is named `team=<organization id>/<team>`"),
        },
        _ => bail!("`--view {text}`: expected `organization=<id>` or `team=<organization>/<team>`"),
    }
}

/// Names of the loaded tables a query reads: a table name standing as a
/// word in the SQL (or in the prelude, which its macros come from). Used to
/// say which reports a team view does not filter, so a false match costs
/// only a note, never a number.
pub fn tables_read<'a>(sql: &str, tables: &'a [LoadedTable]) -> Vec<&'a str> {
    let words: BTreeSet<String> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    tables.iter().filter(|t| words.contains(&t.name.to_ascii_lowercase())).map(|t| t.name.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_folder_safe() {
        assert_eq!(slugify("Acme Robotics"), "acme-robotics");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("<script>alert(1)</script>"), "script-alert-1-script");
        assert_eq!(slugify("🚀"), "x");
        assert_eq!(slugify(&"a".repeat(500)).len(), 48);
        assert_eq!(unique_slugs(["A b", "a-b", "a_b"].into_iter()), ["a-b", "a-b-2", "a-b-3"]);
    }

    #[test]
    fn selectors() {
        assert_eq!(parse_selector("organization=o1").unwrap(), (Filter::Organization, "o1".into(), None));
        assert_eq!(
            parse_selector("team=o1/Platform team").unwrap(),
            (Filter::Team, "o1".into(), Some("Platform team".into()))
        );
        assert!(parse_selector("team=o1").is_err());
        assert!(parse_selector("org=o1").is_err());
    }

    fn table(name: &str, columns: &[&str]) -> LoadedTable {
        LoadedTable {
            name: name.into(),
            origin: String::new(),
            rows: 0,
            columns: columns.iter().map(|c| (c.to_string(), "VARCHAR".to_string())).collect(),
        }
    }

    #[test]
    fn team_views_filter_through_users() {
        let tables = vec![
            table("users", &["user_id", "organization_id", "team"]),
            table("logins", &["user_id", "organization_id"]),
            table("entity_counts", &["organization_id", "blueprint"]),
            table("lookup", &["page"]),
        ];
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users AS SELECT * FROM (VALUES ('u1','o1','Red'), ('u2','o1','Blue'), ('u1','o2','Blue')) t(user_id, organization_id, team);
             CREATE TABLE logins AS SELECT * FROM (VALUES ('u1','o1'), ('u1','o2'), ('u2','o1'), ('u2', NULL)) t(user_id, organization_id);
             CREATE TABLE entity_counts AS SELECT * FROM (VALUES ('o1','svc'), ('o2','svc')) t(organization_id, blueprint);
             CREATE TABLE lookup AS SELECT 'home' AS page;",
        )
        .unwrap();
        let limits = ViewLimits { organizations: true, teams: true, max: 100 };
        let set = discover(&conn, &tables, limits).unwrap();
        let keys: Vec<String> = set.views.iter().map(View::key).collect();
        assert_eq!(
            keys,
            ["organization/o1", "organization/o2", "team/o1-blue", "team/o1-red", "team/o2-blue"]
        );
        let red = &set.views[3];
        for statement in filter_statements(red, &tables, "main", "v1", None) {
            conn.execute_batch(&statement).unwrap();
        }
        let count = |t: &str| {
            conn.query_row(&format!("SELECT count(*) FROM v1.{t}"), [], |r| r.get::<_, i64>(0)).unwrap()
        };
        // u1 is in Red in o1 only: one login of o1; entities keep all of o1.
        assert_eq!((count("users"), count("logins"), count("entity_counts"), count("lookup")), (1, 1, 1, 1));
        assert_eq!(coverage(&tables[2], &tables, Filter::Team), Coverage::OrganizationOnly);
        assert_eq!(coverage(&tables[3], &tables, Filter::Organization), Coverage::Unfiltered);
        let capped = discover(&conn, &tables, ViewLimits { max: 3, ..limits }).unwrap();
        assert_eq!((capped.views.len(), capped.dropped), (3, 2));
    }

    #[test]
    fn batches_and_key_tables_keep_the_same_rows_as_the_key_filter() {
        let tables = vec![
            table("users", &["user_id", "organization_id", "team"]),
            table("logins", &["user_id", "organization_id"]),
            table("lookup", &["page"]),
        ];
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users AS SELECT * FROM (VALUES ('u1',' o1','Red'), ('u2','o1 ','Blue'), ('u1','o2','Blue'), ('u3','o3','Red')) t(user_id, organization_id, team);
             CREATE TABLE logins AS SELECT * FROM (VALUES ('u1','o1'), ('u1',' o1 '), ('u2','o1'), ('u1','o2'), ('u2', NULL), ('u3', ''), ('u3', 'o3')) t(user_id, organization_id);
             CREATE TABLE lookup AS SELECT 'home' AS page;",
        )
        .unwrap();
        let run = |statements: Vec<String>| {
            for statement in statements {
                conn.execute_batch(&statement).unwrap();
            }
        };
        let rows = |schema: &str, t: &str| -> Vec<String> {
            let sql = format!("SELECT concat_ws('|', *COLUMNS(*)) AS r FROM {schema}.{t} ORDER BY r");
            let mut stmt = conn.prepare(&sql).unwrap();
            stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap).collect()
        };
        let limits = ViewLimits { organizations: true, teams: true, max: 100 };
        let set = discover(&conn, &tables, limits).unwrap();
        run(key_statements(&tables, "k"));
        run(batch_statements(&["o1", "o3"], &tables, "k", "b"));
        // The batch holds its organizations' rows, whatever the spacing of their ids.
        assert_eq!(rows("b", "logins"), ["u1| o1 ", "u1|o1", "u2|o1", "u3|o3"]);
        for (n, view) in set.views.iter().filter(|v| v.organization != "o2").enumerate() {
            let (direct, batched) = (format!("d{n}"), format!("c{n}"));
            let source = match view.filter {
                Filter::Organization => "b".to_string(),
                Filter::Team => {
                    let org = View { filter: Filter::Organization, team: None, ..view.clone() };
                    run(filter_statements(&org, &tables, "b", &format!("o{n}"), Some("k")));
                    format!("o{n}")
                }
            };
            run(filter_statements(view, &tables, "main", &direct, None));
            run(filter_statements(view, &tables, &source, &batched, Some("k")));
            for t in ["users", "logins", "lookup"] {
                assert_eq!(rows(&direct, t), rows(&batched, t), "view {}, table {t}", view.key());
            }
        }
        assert_eq!(rows("d0", "logins"), ["u1| o1 ", "u1|o1", "u2|o1"]);
    }

    #[test]
    fn finds_the_tables_a_query_reads() {
        let tables = vec![table("users", &[]), table("logins", &[]), table("page_visits", &[])];
        assert_eq!(
            tables_read("SELECT * FROM logins JOIN Users USING (user_id)", &tables),
            ["users", "logins"]
        );
        assert!(tables_read("SELECT page_visits_total FROM x", &tables).is_empty());
    }
}
