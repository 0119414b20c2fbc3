//! What the data says about time: each table's first and last date (its
//! span), the warning when the default as-of date comes from one table far
//! ahead of the others, and the history notes (`Login history starts in
//! {{ tables.logins.start_month }}.`) filled in from the spans, so no date
//! is written into a site's config by hand.

use std::collections::BTreeMap;
use std::error::Error as _;

use anyhow::{anyhow, Context, Result};
use duckdb::Connection;

use super::ident;
use crate::config::Config;
use crate::date::Date;

/// How many days the latest stamp may run ahead of every other export's
/// latest before the default as-of date is suspect. Exports taken on
/// different days, even a month apart, stay under it; a mistyped year does
/// not.
pub const AS_OF_GAP_DAYS: i32 = 31;

/// A table's first and last date in its time column, measured when it was
/// loaded (before the as-of cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The table.
    pub table: String,
    /// Its time column.
    pub column: String,
    /// Whether it is derived by a query (and so repeats other tables' dates).
    pub derived: bool,
    /// The first date.
    pub first: Date,
    /// The last date.
    pub last: Date,
}

/// The span of every table in `tables` that has a time column and rows.
pub(super) fn measure(conn: &Connection, config: &Config, tables: &[String]) -> Result<Vec<Span>> {
    let mut spans = Vec::new();
    for table in tables {
        let Some(settings) = config.tables.get(table) else { continue };
        let Some(column) = &settings.time_column else { continue };
        let sql = format!(
            "SELECT min({c})::DATE::VARCHAR, max({c})::DATE::VARCHAR FROM {t}",
            c = ident(column),
            t = ident(table)
        );
        let (first, last): (Option<String>, Option<String>) = conn
            .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| anyhow!("failed to find the date range of table `{table}`: {e}"))?;
        if let (Some(first), Some(last)) = (first, last) {
            // DuckDB takes years past 9999; a report's months cannot.
            let date = |text: String| {
                text.parse::<Date>().map_err(|e| {
                    anyhow!("table `{table}`: time column `{column}` (key `tables.{table}.time_column`): {e}")
                })
            };
            spans.push(Span {
                table: table.clone(),
                column: column.clone(),
                derived: settings.is_derived(),
                first: date(first)?,
                last: date(last)?,
            });
        }
    }
    Ok(spans)
}

/// The warning for a default as-of date that one export alone reaches:
/// its latest stamp is more than [`AS_OF_GAP_DAYS`] after the latest of
/// every other export (a row stamped 2099, say). Derived tables repeat the
/// dates of the exports they read, so only exports are compared. A site
/// with a single export (one events table) is checked against itself: a
/// few rows (under 5%) stamped more than [`AS_OF_GAP_DAYS`] after all the
/// others.
pub(super) fn as_of_outlier(conn: &Connection, spans: &[Span]) -> Result<Option<String>> {
    let mut exports: Vec<&Span> = spans.iter().filter(|s| !s.derived).collect();
    exports.sort_by_key(|s| std::cmp::Reverse(s.last));
    let (ahead, before) = match exports.as_slice() {
        [] => return Ok(None),
        [only] => match island(conn, only)? {
            Some(before) => (*only, before),
            None => return Ok(None),
        },
        [ahead, next, ..] if ahead.last.0 - next.last.0 > AS_OF_GAP_DAYS => (*ahead, next.last),
        _ => return Ok(None),
    };
    let sql = format!(
        "SELECT count(*) FROM {} WHERE {} >= DATE '{before}' + INTERVAL 1 DAY",
        ident(&ahead.table),
        ident(&ahead.column),
    );
    let rows: i64 = conn
        .query_row(&sql, [], |r| r.get(0))
        .map_err(|e| anyhow!("failed to count the late rows of table `{}`: {e}", ahead.table))?;
    let others = match exports.len() {
        1 => "the rest of its rows",
        2 => "the other export",
        _ => "any other export",
    };
    Ok(Some(format!(
        "the as-of date {} (the latest date in the data) comes from table `{}` alone: {rows} of its rows {} stamped after {before}, the latest date in {others}. \
         If those stamps are wrong, every report runs up to {} instead; fix them, or set `as_of` in site.toml or pass --as-of",
        ahead.last,
        ahead.table,
        if rows == 1 { "is" } else { "are" },
        ahead.last,
    )))
}

/// The latest date of `span`'s table before a gap of more than
/// [`AS_OF_GAP_DAYS`] days that only a few of its last rows (under 5%) lie
/// beyond, if there is one.
fn island(conn: &Connection, span: &Span) -> Result<Option<Date>> {
    let sql = format!(
        "WITH days AS (SELECT CAST({c} AS DATE) AS day, count(*) AS n FROM {t} WHERE {c} IS NOT NULL GROUP BY 1),
         gaps AS (
             SELECT lag(day) OVER (ORDER BY day) AS before, day - lag(day) OVER (ORDER BY day) AS gap,
                 sum(n) OVER (ORDER BY day DESC ROWS UNBOUNDED PRECEDING) AS beyond
             FROM days
         )
         SELECT CAST(before AS VARCHAR) FROM gaps
         WHERE gap > {AS_OF_GAP_DAYS} AND beyond * 20 < (SELECT sum(n) FROM days)
         ORDER BY before DESC LIMIT 1",
        c = ident(&span.column),
        t = ident(&span.table),
    );
    let before: Option<String> = match conn.query_row(&sql, [], |r| r.get(0)) {
        Ok(before) => before,
        Err(duckdb::Error::QueryReturnedNoRows) => None,
        Err(e) => return Err(anyhow!("failed to look for late rows in table `{}`: {e}", span.table)),
    };
    before.map(|d| d.parse().map_err(|e: String| anyhow!(e))).transpose()
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Stands for the dates of a table without rows while a note renders; a
/// note that shows it is dropped, as there is no history to speak of.
const NO_DATA: &str = "\u{0}no data\u{0}";

/// Fills in the report and tab notes that use `{{ tables.<name>.start }}`
/// (`2025-07-01`) or `{{ tables.<name>.start_month }}` (`July 2025`): a
/// table's `history_start`, else the first date of its time column. A note
/// about a table without rows is dropped.
pub fn resolve_notes(config: &mut Config, spans: &[Span], tables: &[String]) -> Result<()> {
    let mut context_tables = BTreeMap::new();
    for table in tables {
        let start = config
            .tables
            .get(table)
            .and_then(|t| t.history_start)
            .or_else(|| spans.iter().find(|s| &s.table == table).map(|s| s.first));
        let value = match start {
            Some(date) => {
                let (y, m, _) = date.ymd();
                serde_json::json!({ "start": date.to_string(), "start_month": format!("{} {y}", MONTHS[m as usize - 1]) })
            }
            None => serde_json::json!({ "start": NO_DATA, "start_month": NO_DATA }),
        };
        context_tables.insert(table.clone(), value);
    }
    let mut context = tera::Context::new();
    context.insert("tables", &context_tables);
    let render = |text: &str, key: &str| -> Result<Option<String>> {
        if !text.contains("{{") && !text.contains("{%") {
            return Ok(Some(text.to_string()));
        }
        let out = tera::Tera::one_off(text, &context, false).map_err(|e| {
            let mut message = e.to_string();
            let mut source = e.source();
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            anyhow!(
                "key `{key}`: {message} (a note can use `tables.<name>.start` and `tables.<name>.start_month` of the tables: {})",
                tables.join(", ")
            )
        })?;
        Ok((!out.contains(NO_DATA)).then_some(out))
    };
    for (t, tab) in config.tabs.iter_mut().enumerate() {
        let mut notes = Vec::new();
        for (n, note) in tab.notes.iter().enumerate() {
            notes.extend(render(note, &format!("tabs[{t}].notes[{n}]"))?);
        }
        tab.notes = notes;
        for (r, report) in tab.reports.iter_mut().enumerate() {
            if let Some(note) = &report.note {
                report.note = render(note, &format!("tabs[{t}].reports[{r}].note"))
                    .with_context(|| format!("report `{}/{}`", tab.id, report.id))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = r#"
title = "t"
[tables.logins]
time_column = "at"
[tables.visits]
time_column = "at"
history_start = 2025-06-15
[[tabs]]
id = "a"
title = "A"
notes = ["Visits from {{ tables.visits.start }}.", "Nothing about {{ tables.empty.start_month }}.", "Plain."]
[[tabs.reports]]
id = "r"
title = "R"
sql = "SELECT 1"
note = "Login history starts in {{ tables.logins.start_month }}."
"#;

    fn span(table: &str, first: &str, last: &str) -> Span {
        Span {
            table: table.into(),
            column: "at".into(),
            derived: false,
            first: first.parse().unwrap(),
            last: last.parse().unwrap(),
        }
    }

    #[test]
    fn notes_come_from_the_data_or_the_config() {
        let mut config = Config::parse(SITE, "site.toml").unwrap();
        let spans = [span("logins", "2025-07-03", "2026-01-01"), span("visits", "2025-07-01", "2026-01-01")];
        let tables = ["empty".to_string(), "logins".into(), "visits".into()];
        resolve_notes(&mut config, &spans, &tables).unwrap();
        assert_eq!(config.tabs[0].reports[0].note.as_deref(), Some("Login history starts in July 2025."));
        // `history_start` wins over the data; the empty table's note goes.
        assert_eq!(config.tabs[0].notes, ["Visits from 2025-06-15.", "Plain."]);
    }

    #[test]
    fn a_note_naming_an_unknown_table_is_an_error_naming_its_key() {
        let mut config = Config::parse(
            &SITE.replace("tables.logins.start_month", "tables.login.start_month"),
            "site.toml",
        )
        .unwrap();
        let tables = ["empty".to_string(), "logins".into(), "visits".into()];
        let err = resolve_notes(&mut config, &[], &tables).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.starts_with("report `a/r`: key `tabs[0].reports[0].note`: "), "{message}");
        assert!(message.contains("`tables.login.start_month` not found"), "{message}");
        assert!(message.contains("of the tables: empty, logins, visits"), "{message}");
    }
}
