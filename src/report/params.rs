//! The values a report's query runs with: the site's parameters (the as-of
//! date, the subscription start and the windows derived from them), defined
//! as SQL macros, and a report's own `params` from `site.toml`, set as DuckDB
//! variables. Both are per connection, so `prepare_connection` and
//! `bind_report_params` set up any connection a report runs on.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, Result};
use duckdb::Connection;

use crate::data::{ident, literal};
use crate::date::Date;

/// The site's parameters every report query can use, as SQL macros:
///
/// | macro | type | value |
/// |---|---|---|
/// | `as_of()` | DATE | the as-of date |
/// | `as_of_end()` | TIMESTAMP | midnight after the as-of date (exclusive end) |
/// | `month_start()` | DATE | first day of the as-of month ("current month") |
/// | `year_start()` | DATE | first day of the as-of year ("current year") |
/// | `week_start()` | DATE | first day of "the last 7 days" (as-of − 6 days) |
/// | `previous_month_start()` | DATE | first day of the month before the as-of month |
/// | `previous_to_date_end()` | TIMESTAMP | exclusive end of the same days of the previous month (1 to the as-of day) |
/// | `subscription_start()` | DATE | first day of the subscription term |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The as-of date.
    pub as_of: Date,
    /// The first day of the subscription term.
    pub subscription_start: Date,
}

/// The names of the parameter macros, which a prelude cannot redefine.
pub const PARAM_MACROS: [&str; 8] = [
    "as_of",
    "as_of_end",
    "month_start",
    "year_start",
    "week_start",
    "previous_month_start",
    "previous_to_date_end",
    "subscription_start",
];

/// The first and last day of "the same days of the previous month" as the
/// as-of month to date: the 1st to the as-of day of the month before,
/// stopping at that month's end (31 March compares with 1–28 February).
pub fn previous_to_date(as_of: Date) -> (Date, Date) {
    let this_month = as_of.month_start();
    let previous = Date(this_month.0 - 1).month_start();
    let days_so_far = as_of.0 - this_month.0 + 1;
    let previous_length = this_month.0 - previous.0;
    (previous, Date(previous.0 + days_so_far.min(previous_length) - 1))
}

/// Whether `as_of` is the last day of its month, so the as-of month is whole.
pub fn is_month_end(as_of: Date) -> bool {
    Date(as_of.0 + 1).month_start() != as_of.month_start()
}

impl Params {
    /// The parameter macros as `(name, statement)`, in the order they are
    /// defined.
    pub fn macros(&self) -> Vec<(&'static str, String)> {
        let as_of = self.as_of;
        let (previous, previous_last) = previous_to_date(as_of);
        let values = [
            format!("DATE '{as_of}'"),
            format!("(DATE '{as_of}' + INTERVAL 1 DAY)::TIMESTAMP"),
            format!("DATE '{}'", as_of.month_start()),
            format!("DATE '{}'", as_of.year_start()),
            format!("DATE '{}'", Date(as_of.0 - 6)),
            format!("DATE '{previous}'"),
            format!("(DATE '{previous_last}' + INTERVAL 1 DAY)::TIMESTAMP"),
            format!("DATE '{}'", self.subscription_start),
        ];
        PARAM_MACROS
            .iter()
            .zip(values)
            .map(|(name, value)| (*name, format!("CREATE OR REPLACE TEMP MACRO {name}() AS {value};")))
            .collect()
    }
}

/// A report's `params`, by name.
pub type ReportParams = BTreeMap<String, toml::Value>;

/// The SQL literal of a param value: strings, integers, floats, booleans,
/// dates, date-times without an offset, and arrays of them. The error says
/// what is wrong with the value, for the caller to place.
pub fn param_literal(value: &toml::Value) -> std::result::Result<String, String> {
    Ok(match value {
        toml::Value::String(s) => literal(s),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => format!("CAST('{f}' AS DOUBLE)"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => format!("DATE '{d}'"),
            (Some(d), Some(t), None) => format!("TIMESTAMP '{d} {t}'"),
            (_, _, Some(_)) => return Err("a date-time param takes no offset (timestamps are UTC)".into()),
            (None, _, _) => return Err("a time of day alone is not a param value".into()),
        },
        toml::Value::Array(items) => {
            let items: std::result::Result<Vec<String>, String> = items.iter().map(param_literal).collect();
            format!("[{}]", items?.join(", "))
        }
        toml::Value::Table(_) => {
            return Err("a param is a string, number, boolean, date or array, not a table".into())
        }
    })
}

/// The `SET VARIABLE` statements of a report's params, one per line.
pub fn set_variables_sql(params: &ReportParams) -> Result<String> {
    let mut sql = String::new();
    for (name, value) in params {
        let value = param_literal(value).map_err(|e| anyhow!("param `{name}`: {e}"))?;
        // Quoted, so a name that is an SQL keyword (`order`) works too.
        sql.push_str(&format!("SET VARIABLE {} = {value};\n", ident(name)));
    }
    Ok(sql)
}

/// Makes `params` the connection's DuckDB variables, for the report about
/// to run: every variable set earlier (by another report) is reset first,
/// so a query never reads a value that was not its own. `earlier` names
/// every variable a report may have set on this connection (resetting one
/// that is not set does nothing); `None` asks DuckDB, one query more per
/// report, which counts over a view's thirty small ones.
pub fn bind_report_params(
    conn: &Connection,
    params: &ReportParams,
    earlier: Option<&BTreeSet<&str>>,
) -> Result<()> {
    let earlier: Vec<String> = match earlier {
        Some(names) => {
            names.iter().filter(|name| !params.contains_key(**name)).map(|n| n.to_string()).collect()
        }
        None => {
            let list = |conn: &Connection| -> duckdb::Result<Vec<String>> {
                let mut stmt = conn.prepare("SELECT name FROM duckdb_variables()")?;
                let names = stmt.query_map([], |row| row.get(0))?.collect();
                names
            };
            list(conn).map_err(|e| anyhow!("failed to list the DuckDB variables: {e}"))?
        }
    };
    let mut sql: String = earlier.iter().map(|name| format!("RESET VARIABLE {};\n", ident(name))).collect();
    sql.push_str(&set_variables_sql(params)?);
    if sql.is_empty() {
        return Ok(());
    }
    conn.execute_batch(&sql).map_err(|e| anyhow!("failed to set the report's params: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_same_days_of_the_previous_month() {
        // 1–18 March compares with 1–18 February.
        assert_eq!(previous_to_date(date("2026-03-18")), (date("2026-02-01"), date("2026-02-18")));
        // 1–31 March: February has 28 days, so the whole of it.
        assert_eq!(previous_to_date(date("2026-03-31")), (date("2026-02-01"), date("2026-02-28")));
        assert_eq!(previous_to_date(date("2028-03-30")), (date("2028-02-01"), date("2028-02-29")));
        // Across a year: 1–5 January against 1–5 December.
        assert_eq!(previous_to_date(date("2027-01-05")), (date("2026-12-01"), date("2026-12-05")));
        assert!(is_month_end(date("2026-02-28")) && !is_month_end(date("2028-02-28")));
    }

    #[test]
    fn macros_hold_this_builds_values() {
        let params = Params { as_of: date("2026-03-18"), subscription_start: date("2025-12-01") };
        let macros = params.macros();
        let names: Vec<&str> = macros.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, PARAM_MACROS);
        let text: String = macros.into_iter().map(|(_, s)| s + "\n").collect();
        for expected in [
            "MACRO as_of() AS DATE '2026-03-18';",
            "MACRO month_start() AS DATE '2026-03-01';",
            "MACRO week_start() AS DATE '2026-03-12';",
            "MACRO previous_month_start() AS DATE '2026-02-01';",
            "MACRO previous_to_date_end() AS (DATE '2026-02-18' + INTERVAL 1 DAY)::TIMESTAMP;",
            "MACRO subscription_start() AS DATE '2025-12-01';",
        ] {
            assert!(text.contains(expected), "{expected} in\n{text}");
        }
    }

    #[test]
    fn param_values_become_literals() {
        let value = |s: &str| -> toml::Value {
            toml::from_str::<toml::Table>(&format!("v = {s}")).unwrap()["v"].clone()
        };
        assert_eq!(param_literal(&value("\"it's\"")).unwrap(), "'it''s'");
        assert_eq!(param_literal(&value("42")).unwrap(), "42");
        assert_eq!(param_literal(&value("true")).unwrap(), "true");
        assert_eq!(param_literal(&value("2026-01-31")).unwrap(), "DATE '2026-01-31'");
        assert_eq!(param_literal(&value("[\"api\", \"ui\"]")).unwrap(), "['api', 'ui']");
        assert!(param_literal(&value("{ a = 1 }")).unwrap_err().contains("not a table"));
        assert!(param_literal(&value("2026-01-31T10:00:00Z")).unwrap_err().contains("offset"));
    }

    #[test]
    fn binding_replaces_the_previous_reports_variables() {
        let conn = Connection::open_in_memory().unwrap();
        let first: ReportParams = [("role".to_string(), toml::Value::String("admin".into()))].into();
        bind_report_params(&conn, &first, None).unwrap();
        let read = |conn: &Connection| -> (Option<String>, Option<i64>) {
            conn.query_row(
                "SELECT CAST(getvariable('role') AS VARCHAR), CAST(getvariable('limit') AS BIGINT)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(read(&conn), (Some("admin".into()), None));
        let second: ReportParams = [("limit".to_string(), toml::Value::Integer(5))].into();
        bind_report_params(&conn, &second, None).unwrap();
        assert_eq!(read(&conn), (None, Some(5)));
        // Told which variables reports set, it resets them without asking.
        let names: BTreeSet<&str> = ["role", "limit"].into();
        bind_report_params(&conn, &first, Some(&names)).unwrap();
        assert_eq!(read(&conn), (Some("admin".into()), None));
        bind_report_params(&conn, &ReportParams::new(), Some(&names)).unwrap();
        assert_eq!(read(&conn), (None, None));
    }
}
