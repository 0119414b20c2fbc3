//! What each `tally mcp` tool answers, as plain functions from arguments to
//! JSON over a `SiteDir`, so they are tested without the protocol. The
//! argument structs' doc comments become the JSON Schema descriptions a
//! model reads to choose arguments, so they say what each value looks like.

use anyhow::{bail, Result};
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde_json::{json, Value};

use super::site::{Manifest, MonthRange, ReportEntry, RowQuery, SiteDir, SqlSource, ViewEntry};
use crate::date::Date;

/// Rows a `get_report_rows` call returns unless told otherwise.
pub const DEFAULT_LIMIT: u64 = 100;
/// The most rows one call returns; page with `offset` for more.
pub const MAX_LIMIT: u64 = 1000;

/// Arguments of `list_reports`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListReportsArgs {
    /// Only this tab, by id (for example `users-activity`). Omit to list every tab.
    #[serde(default)]
    pub tab: Option<String>,
}

/// Arguments of `list_views`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListViewsArgs {
    /// Only views of this kind: `organization` or `team`. Omit for both.
    #[serde(default)]
    pub filter: Option<ViewFilter>,
    /// Only views whose name or value contains this text (case-insensitive),
    /// for example part of an organization or team name.
    #[serde(default)]
    pub search: Option<String>,
}

/// The kinds of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ViewFilter {
    /// One organization's data.
    Organization,
    /// One team's data (a team within one organization).
    Team,
}

impl ViewFilter {
    fn as_str(self) -> &'static str {
        match self {
            ViewFilter::Organization => "organization",
            ViewFilter::Team => "team",
        }
    }
}

/// Arguments of `get_report_rows`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetRowsArgs {
    /// The tab id, as `list_reports` gives it (for example `users-activity`).
    pub tab: String,
    /// The report id within the tab, as `list_reports` gives it (for example `monthly-active-seats`).
    pub report: String,
    /// Rows of one organization instead of the whole company: the organization's
    /// `value` from `list_views` (its id), or its exact name. Omit for the whole company.
    #[serde(default)]
    pub organization: Option<String>,
    /// Rows of one team instead of the whole company: the team view's `value`
    /// from `list_views` (`<organization_id>/<team>`), or its exact name. Omit for the whole company.
    #[serde(default)]
    pub team: Option<String>,
    /// Return only these columns, in this order (names from `list_reports`). Omit for every column.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Keep only rows from this month on, `YYYY-MM` (inclusive), by the date column
    /// (`date_column`, default the report's first date or timestamp column, such as `month`).
    #[serde(default)]
    pub from_month: Option<String>,
    /// Keep only rows up to this month, `YYYY-MM` (inclusive), by the same date column.
    #[serde(default)]
    pub to_month: Option<String>,
    /// The date or timestamp column `from_month` and `to_month` apply to.
    /// Omit for the report's first date or timestamp column.
    #[serde(default)]
    pub date_column: Option<String>,
    /// Return at most this many rows (default 100, at most 1000).
    #[serde(default)]
    pub limit: Option<u64>,
    /// Skip this many rows first (counted after the month range), to page through
    /// a long report: the answer's `next_offset` is the value for the next page.
    #[serde(default)]
    pub offset: Option<u64>,
}

/// Arguments of `explain_report`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainArgs {
    /// The tab id, as `list_reports` gives it (for example `users-activity`).
    pub tab: String,
    /// The report id within the tab (for example `monthly-active-seats`).
    pub report: String,
}

/// Every tab (or one) with its reports, columns, row counts and notes.
pub fn list_reports(site: &SiteDir, args: &ListReportsArgs) -> Result<Value> {
    let manifest = site.manifest()?;
    let tabs: Vec<_> = match &args.tab {
        Some(id) => vec![manifest.tab(id)?],
        None => manifest.tabs.iter().collect(),
    };
    let tabs: Vec<Value> = tabs
        .into_iter()
        .map(|tab| {
            let reports: Vec<Value> = tab.reports.iter().map(report_summary).collect();
            let mut entry = json!({
                "id": tab.id,
                "title": tab.title,
                "description": tab.description,
                "reports": reports,
            });
            if !tab.notes.is_empty() {
                entry["notes"] = json!(tab.notes);
            }
            entry
        })
        .collect();
    let scope = manifest.scope.as_ref().map(|v| {
        format!(
            "This site holds only the data of {} ({} `{}`): every number is that {}'s, not the whole company's.",
            v.label, v.filter, v.value, v.filter
        )
    });
    let organizations = manifest.views.iter().filter(|v| v.filter == "organization").count();
    let teams = manifest.views.iter().filter(|v| v.filter == "team").count();
    let mut answer = json!({
        "site": manifest.site.title,
        "description": manifest.site.description,
        "as_of": manifest.as_of,
        "subscription_start": manifest.subscription_start,
        "about": format!(
            "Numbers are computed for the as-of date {}: \"current month\", \"current year\" and \
             \"last 7 days\" are relative to it. Row counts are the whole company's.",
            manifest.as_of
        ),
        "views": {"organization": organizations, "team": teams,
                  "hint": "list_views names them; get_report_rows takes `organization` or `team`"},
        "tabs": tabs,
    });
    if let Some(scope) = scope {
        answer["scope"] = json!(scope);
    }
    Ok(answer)
}

fn report_summary(report: &ReportEntry) -> Value {
    let mut entry = json!({
        "id": report.id,
        "title": report.title,
        "description": report.description,
        "display": report.display,
        "columns": report.columns,
        "rows": report.rows,
    });
    if let Some(error) = &report.error {
        entry["error"] = json!(format!("this report failed when the site was built: {error}"));
    }
    entry
}

/// The organization and team views.
pub fn list_views(site: &SiteDir, args: &ListViewsArgs) -> Result<Value> {
    let manifest = site.manifest()?;
    let search = args.search.as_deref().map(str::to_lowercase);
    let views: Vec<Value> = manifest
        .views
        .iter()
        .filter(|v| args.filter.is_none_or(|f| v.filter == f.as_str()))
        .filter(|v| {
            search
                .as_deref()
                .is_none_or(|s| v.label.to_lowercase().contains(s) || v.value.to_lowercase().contains(s))
        })
        .map(|v| json!({"filter": v.filter, "value": v.value, "label": v.label}))
        .collect();
    let note = if manifest.views.is_empty() {
        "This site was built without views: only whole-company rows are available."
    } else {
        "Pass a view's `value` as `organization` or `team` to get_report_rows. A view runs every \
         report's SQL unchanged over the data of that organization or team."
    };
    Ok(json!({"views": views, "note": note}))
}

/// One page of a report's rows, for the whole company or one view.
pub fn get_report_rows(site: &SiteDir, args: &GetRowsArgs) -> Result<Value> {
    let manifest = site.manifest()?;
    let (tab, report) = manifest.report(&args.tab, &args.report)?;
    if let Some(error) = &report.error {
        bail!("report `{}/{}` failed when the site was built, so it has no rows: {error}", tab.id, report.id);
    }
    let view = match (&args.organization, &args.team) {
        (Some(_), Some(_)) => {
            bail!("give `organization` or `team`, not both: a team view is already within its organization")
        }
        (Some(org), None) => Some(site.find_view(&manifest, "organization", org)?),
        (None, Some(team)) => Some(site.find_view(&manifest, "team", team)?),
        (None, None) => None,
    };
    let dir = match view {
        Some(view) => site.view_dir(view)?,
        None => String::new(),
    };

    if let Some(columns) = &args.columns {
        if columns.is_empty() {
            bail!("`columns` is empty: omit it for every column, or name some of: {}", column_names(report));
        }
        for name in columns {
            if report.column(name).is_none() {
                bail!(
                    "report `{}/{}` has no column `{}`; its columns are: {}",
                    tab.id,
                    report.id,
                    name.escape_debug(),
                    column_names(report)
                );
            }
        }
    }
    let months = month_range(report, args)?;
    let limit = args.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        bail!("`limit` must be between 1 and {MAX_LIMIT}; page with `offset` for more rows");
    }
    let offset = args.offset.unwrap_or(0);
    let query = RowQuery { columns: args.columns.clone(), months: months.clone(), offset, limit };
    let page = site.read_rows(&format!("{dir}{}/{}.json", tab.id, report.id), &query)?;

    let returned = page.rows.len() as u64;
    let next_offset = (offset + returned < page.total).then_some(offset + returned);
    let columns: Vec<_> = match &args.columns {
        Some(names) => names.iter().filter_map(|n| report.column(n)).collect(),
        None => report.columns.iter().collect(),
    };
    let mut answer = json!({
        "tab": tab.id,
        "report": report.id,
        "title": report.title,
        "view": view_summary(view),
        "as_of": manifest.as_of,
        "columns": columns,
        "total_rows": page.total,
        "offset": offset,
        "returned": returned,
        "next_offset": next_offset,
        "rows": page.rows,
    });
    if let Some(months) = months {
        answer["month_range"] = json!({"column": months.column, "from": months.from, "to": months.to});
    }
    if !tab.notes.is_empty() {
        answer["notes"] = json!(tab.notes);
    }
    Ok(answer)
}

fn view_summary(view: Option<&ViewEntry>) -> Value {
    match view {
        Some(v) => json!({"filter": v.filter, "value": v.value, "label": v.label}),
        None => json!("whole company"),
    }
}

fn column_names(report: &ReportEntry) -> String {
    report.columns.iter().map(|c| format!("{} ({})", c.name, c.kind)).collect::<Vec<_>>().join(", ")
}

/// Checks the month arguments and picks the column they apply to.
fn month_range(report: &ReportEntry, args: &GetRowsArgs) -> Result<Option<MonthRange>> {
    for (key, month) in [("from_month", &args.from_month), ("to_month", &args.to_month)] {
        if let Some(month) = month {
            if !is_month(month) {
                bail!(
                    "`{key}` must be a month in the form YYYY-MM (for example 2026-03), not `{}`",
                    month.escape_debug()
                );
            }
        }
    }
    if args.from_month.is_none() && args.to_month.is_none() {
        if args.date_column.is_some() {
            bail!("`date_column` only applies with `from_month` or `to_month`");
        }
        return Ok(None);
    }
    if let (Some(from), Some(to)) = (&args.from_month, &args.to_month) {
        if from > to {
            bail!("`from_month` ({from}) is after `to_month` ({to})");
        }
    }
    let is_dated = |kind: &str| kind == "date" || kind == "timestamp";
    let column = match &args.date_column {
        Some(name) => match report.column(name) {
            Some(c) if is_dated(&c.kind) => c,
            Some(c) => bail!(
                "column `{name}` is {}, not a date or timestamp, so a month range cannot apply to it",
                c.kind
            ),
            None => bail!(
                "report `{}` has no column `{}`; its columns are: {}",
                report.id,
                name.escape_debug(),
                column_names(report)
            ),
        },
        None => match report.columns.iter().find(|c| is_dated(&c.kind)) {
            Some(c) => c,
            None => bail!(
                "report `{}` has no date or timestamp column, so a month range does not apply to it; \
                 its columns are: {}",
                report.id,
                column_names(report)
            ),
        },
    };
    Ok(Some(MonthRange {
        column: column.name.clone(),
        from: args.from_month.clone(),
        to: args.to_month.clone(),
    }))
}

/// `YYYY-MM` with a real month.
fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit())
        && matches!(
            &s[5..],
            "01" | "02" | "03" | "04" | "05" | "06" | "07" | "08" | "09" | "10" | "11" | "12"
        )
}

/// How a report's numbers are made: its description, columns, SQL and the
/// values of the parameters the SQL uses.
pub fn explain_report(site: &SiteDir, args: &ExplainArgs) -> Result<Value> {
    let manifest = site.manifest()?;
    let (tab, report) = manifest.report(&args.tab, &args.report)?;
    let mut answer = json!({
        "tab": tab.id,
        "report": report.id,
        "title": report.title,
        "description": report.description,
        "display": report.display,
        "columns": report.columns,
        "rows": report.rows,
        "parameters": parameters(&manifest),
        "views": "An organization or team view runs this same SQL, unchanged, over the tables \
                  filtered to that organization or team (tables with a `team` column directly, \
                  tables with `user_id` through the user's team in that organization).",
    });
    if !tab.notes.is_empty() {
        answer["notes"] = json!(tab.notes);
    }
    if let Some(error) = &report.error {
        answer["error"] = json!(format!("this report failed when the site was built: {error}"));
        return Ok(answer);
    }
    match site.report_sql(&tab.id, &report.id)? {
        Some((sql, source)) => {
            answer["sql"] = json!(sql);
            if let SqlSource::TabScript { definitions, .. } = &source {
                answer["definitions"] = json!(definitions);
            }
            answer["sql_source"] = json!(match &source {
                SqlSource::Download => "the report's JSON download: the SQL this site was built with".to_string(),
                SqlSource::TabScript { file, .. } => format!(
                    "the tab's `{file}` (as built): `sql` is this report's part; run `definitions` \
                     (the build's parameters and the shared definitions) before it in the DuckDB CLI"
                ),
                SqlSource::Config(path) => format!(
                    "the site config (`{}`), read now: it is what built the site unless the config changed since",
                    path.display()
                ),
            });
        }
        None => {
            answer["sql"] = Value::Null;
            answer["sql_source"] = json!(
                "not available: this site's downloads do not carry their SQL; start the server with \
                 `-c site.toml` (the config the site was built from) to read it from there"
            );
        }
    }
    Ok(answer)
}

/// The values of the SQL macros every report can use (`src/report/run.rs`).
fn parameters(manifest: &Manifest) -> Value {
    let Ok(as_of) = manifest.as_of.parse::<Date>() else {
        return json!({"as_of()": manifest.as_of});
    };
    json!({
        "as_of()": as_of.to_string(),
        "as_of_end()": format!("{} 00:00:00", Date(as_of.0 + 1)),
        "month_start()": as_of.month_start().to_string(),
        "year_start()": as_of.year_start().to_string(),
        "week_start()": Date(as_of.0 - 6).to_string(),
        "subscription_start()": manifest.subscription_start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_yyyy_mm() {
        assert!(is_month("2026-03"));
        assert!(is_month("1999-12"));
        for bad in ["2026-13", "2026-00", "2026-3", "2026/03", "26-03-01", "2026-03-01", "२०२६-03"] {
            assert!(!is_month(bad), "{bad}");
        }
    }

    #[test]
    fn parameters_follow_the_as_of_date() {
        let manifest: Manifest = serde_json::from_value(json!({
            "site": {"title": "x"}, "as_of": "2026-03-01", "subscription_start": "2025-07-01",
            "format_version": 2, "tabs": []
        }))
        .unwrap();
        // The last 7 days ending 1 March 2026 start on 23 February (2026 is not a leap year).
        assert_eq!(
            parameters(&manifest),
            json!({"as_of()": "2026-03-01", "as_of_end()": "2026-03-02 00:00:00", "month_start()": "2026-03-01",
                   "year_start()": "2026-01-01", "week_start()": "2026-02-23", "subscription_start()": "2025-07-01"})
        );
    }
}
