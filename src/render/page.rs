//! The page model: what the tab and index templates see. Values are
//! formatted here (grouped numbers, readable dates) so templates stay simple.

use serde::Serialize;

use crate::config::{Config, Display, Measure, ReportConfig, TabConfig, Width};
use crate::date::Date;
use crate::export::XLSX_MAX_DATA_ROWS;
use crate::render::chart;
use crate::report::{
    group_thousands, is_month_end, previous_to_date, ColumnType, ReportOutput, ResultTable, Value,
};

/// The site-wide part of every page.
#[derive(Debug, Serialize)]
pub struct SiteView {
    /// Site title.
    pub title: String,
    /// Site description.
    pub description: String,
    /// As-of date, ISO.
    pub as_of: String,
    /// As-of date, `25 Nov 2026`.
    pub as_of_label: String,
    /// The tabs, for the tab bar.
    pub tabs: Vec<TabLink>,
    /// The one view the whole site shows (`tally build --view`), named.
    pub scope: Option<String>,
    /// The colour scheme pages open in: `system`, `light` or `dark`.
    pub theme_mode: &'static str,
}

/// A tab in the tab bar.
#[derive(Debug, Serialize)]
pub struct TabLink {
    /// Tab id.
    pub id: String,
    /// Tab title.
    pub title: String,
    /// Tab description.
    pub description: String,
    /// Link from the site root.
    pub href: String,
    /// How many reports it has.
    pub reports: usize,
}

/// A report card on a tab page.
#[derive(Debug, Serialize)]
pub struct ReportView {
    /// Report id (also the card's anchor).
    pub id: String,
    /// Card title.
    pub title: String,
    /// One-line description.
    pub description: String,
    /// Optional note (history start).
    pub note: Option<String>,
    /// `table`, `number` or `chart`.
    pub display: &'static str,
    /// `third`, `half` or `full`.
    pub width: &'static str,
    /// The SQL that made it.
    pub sql: String,
    /// Column headers.
    pub columns: Vec<ColumnView>,
    /// The first rows, formatted.
    pub rows: Vec<Vec<String>>,
    /// All rows of the result.
    pub total_rows: usize,
    /// `total_rows` with thousands separators, as the page shows it.
    pub total_rows_label: String,
    /// Whether the page shows fewer rows than the result has.
    pub truncated: bool,
    /// Whether the result is over Excel's row limit.
    pub xlsx_truncated: bool,
    /// Download links, relative to the tab page.
    pub files: Vec<FileLink>,
    /// The headline number, for number displays.
    pub number: Option<NumberView>,
    /// The chart, for chart displays.
    pub chart: Option<ChartView>,
    /// Why the report failed (`--keep-going`).
    pub error: Option<String>,
    /// The column a time range narrows the rows by (dates), if any.
    pub range_column: Option<usize>,
    /// The chart's x values as script-safe JSON, when they are dates.
    pub range_x: Option<String>,
}

/// A table column header.
#[derive(Debug, Serialize)]
pub struct ColumnView {
    /// The name as the query returned it.
    pub name: String,
    /// A readable label (`active_seats` -> `Active seats`).
    pub label: String,
    /// Right-align numbers.
    pub numeric: bool,
}

/// A download link.
#[derive(Debug, Serialize)]
pub struct FileLink {
    /// `CSV`, `XLSX`, ...
    pub label: &'static str,
    /// The file name beside the page.
    pub href: String,
}

/// A headline number and its change.
#[derive(Debug, Clone, Serialize)]
pub struct NumberView {
    /// The number, formatted.
    pub value: String,
    /// The change, formatted with its sign (`+12`), if known.
    pub change: Option<String>,
    /// `up`, `down` or `flat` (also for a second number that is not a
    /// change, such as `+3 this month`).
    pub direction: &'static str,
    /// What the number is for (`Nov 2026`, or `1–18 Mar 2026` for a flow's
    /// month so far), if it comes from a time series.
    pub period: Option<String>,
    /// What the change is against (`vs 1–18 Feb`, `vs end of Feb`), or what
    /// the second number is (`this month`), when the report says.
    pub compared: Option<String>,
}

/// A chart on the page.
#[derive(Debug, Serialize)]
pub struct ChartView {
    /// The SVG markup (rendered by ECharts, escaped there).
    pub svg: String,
    /// The option JSON, escaped for a `<script type="application/json">`.
    pub option_json: String,
    /// One sentence for screen readers and text readers.
    pub summary: String,
    /// Image size.
    pub width: u32,
    /// Image size.
    pub height: u32,
}

/// A headline card on the overview page.
#[derive(Debug, Serialize)]
pub struct HeadlineView {
    /// `<tab>--<report>`: the card's id, which a view's data refers to.
    pub id: String,
    /// The report title.
    pub title: String,
    /// The tab it links to.
    pub tab_title: String,
    /// Link from the site root to the report on its tab page.
    pub href: String,
    /// The number.
    pub number: NumberView,
}

/// Builds the site part of every page.
pub fn site_view(config: &Config, as_of: Date) -> SiteView {
    SiteView {
        title: config.title.clone(),
        description: config.description.clone(),
        as_of: as_of.to_string(),
        as_of_label: as_of.long_label(),
        tabs: config
            .tabs
            .iter()
            .map(|t| TabLink {
                id: t.id.clone(),
                title: t.title.clone(),
                description: t.description.clone(),
                href: format!("{}/index.html", t.id),
                reports: t.reports.len(),
            })
            .collect(),
        scope: None,
        theme_mode: config.theme_mode.as_str(),
    }
}

/// Words a column name spells in lower case that readers know in capitals.
const ACRONYMS: [(&str, &str); 15] = [
    ("ai", "AI"),
    ("api", "API"),
    ("csv", "CSV"),
    ("id", "ID"),
    ("ids", "IDs"),
    ("ip", "IP"),
    ("json", "JSON"),
    ("mcp", "MCP"),
    ("pdf", "PDF"),
    ("sql", "SQL"),
    ("sso", "SSO"),
    ("ui", "UI"),
    ("url", "URL"),
    ("urls", "URLs"),
    ("utc", "UTC"),
];

/// `active_seats` -> `Active seats`, `ai_interactions` -> `AI
/// interactions`, `user_id` -> `User ID`.
pub fn column_label(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .enumerate()
        .map(|(i, word)| match ACRONYMS.iter().find(|(lower, _)| *lower == word) {
            Some((_, upper)) => (*upper).to_string(),
            None if i == 0 => {
                let mut chars = word.chars();
                chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
            None => word.to_string(),
        })
        .collect();
    words.join(" ")
}

/// Escapes JSON for a `<script type="application/json">` element, so no
/// value can end the element or start a comment in it.
pub fn escape_script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

fn format_change(change: f64, is_integer: bool) -> String {
    let magnitude = if is_integer {
        Value::Int(change.abs().round() as i64).to_display()
    } else {
        Value::Float(change.abs()).to_display()
    };
    if change > 0.0 {
        format!("+{magnitude}")
    } else if change < 0.0 {
        format!("\u{2212}{magnitude}")
    } else {
        "0".into()
    }
}

fn direction(change: Option<f64>) -> &'static str {
    match change {
        Some(c) if c > 0.0 => "up",
        Some(c) if c < 0.0 => "down",
        _ => "flat",
    }
}

/// `Feb` of a date.
fn month_name(date: Date) -> String {
    date.month_label().split(' ').next().unwrap_or_default().to_string()
}

/// The span of a flow's as-of month so far and of the same days of the
/// previous month: (`1–18 Mar 2026`, `1–18 Feb`); whole months when the
/// as-of date is a month's last day (`Mar 2026`, `Feb 2026`).
pub fn to_date_spans(as_of: Date) -> (String, String) {
    let (previous, previous_last) = previous_to_date(as_of);
    if is_month_end(as_of) {
        return (as_of.month_label(), previous.month_label());
    }
    let (year, _, day) = as_of.ymd();
    let (_, _, previous_day) = previous_last.ymd();
    (
        format!("1\u{2013}{day} {} {year}", month_name(as_of)),
        format!("1\u{2013}{previous_day} {}", month_name(previous)),
    )
}

/// The headline number of a report: a number display's first cell, or a
/// time series' latest value, with what it is compared with. The comparison
/// follows the report's `measure`: a `flow` in the as-of month compares the
/// month so far with the same days of the previous month, read from its
/// `compare_column` (never recounted here); a `level` compares with the end
/// of the previous month (the query's change column, or the previous row);
/// `change_label` names a second number that is not a change. Without a
/// `measure`, the change column or the previous row, unlabelled.
pub fn headline_number(report: &ReportConfig, table: &ResultTable, as_of: Date) -> Option<NumberView> {
    let (row_index, value_index) = match report.display {
        Display::Number => (0, 0),
        _ => {
            let column = report
                .chart
                .as_ref()
                .and_then(|c| c.y.first())
                .and_then(|y| table.column_index(y))
                .unwrap_or(if table.columns.len() > 1 { 1 } else { 0 });
            (table.rows.len().checked_sub(1)?, column)
        }
    };
    let row = table.rows.get(row_index)?;
    let value = row.get(value_index)?;
    let change_index = report.change_column.as_deref().or(Some("change")).and_then(|c| table.column_index(c));
    let change = match change_index {
        Some(i) => row.get(i).and_then(Value::as_f64),
        None if report.display != Display::Number && row_index > 0 => {
            let previous = table.rows[row_index - 1].get(value_index).and_then(Value::as_f64);
            value.as_f64().zip(previous).map(|(a, b)| a - b)
        }
        None => None,
    };
    // The month the number is for: a series' row, else the as-of month.
    let row_month = match (report.display, row.first()) {
        (Display::Number, _) => None,
        (_, Some(Value::Date(d))) => Some(d.month_start()),
        _ => None,
    };
    let in_as_of_month = row_month.is_none_or(|m| m == as_of.month_start());
    let month = row_month.unwrap_or(as_of.month_start());
    let previous_month = Date(month.0 - 1).month_start();
    let mut period = match (report.display, row.first()) {
        (Display::Number, _) => None,
        (_, Some(Value::Date(d))) => Some(d.month_label()),
        (_, Some(other)) => Some(other.to_display()),
        _ => None,
    };
    let (change, compared, neutral) = match (&report.change_label, report.measure) {
        (Some(label), _) => (change, Some(label.clone()), true),
        (None, Some(Measure::Flow)) if in_as_of_month => {
            let (this, previous) = to_date_spans(as_of);
            if period.is_some() {
                period = Some(this);
            }
            let same_days = table.column_index(report.compare_column()).and_then(|i| row.get(i));
            match same_days.and_then(Value::as_f64) {
                Some(before) => (value.as_f64().map(|v| v - before), Some(format!("vs {previous}")), false),
                // No earlier month to compare with (the history starts here).
                None => (None, None, false),
            }
        }
        (None, Some(Measure::Flow)) => (change, Some(format!("vs {}", previous_month.month_label())), false),
        (None, Some(Measure::Level)) => {
            (change, Some(format!("vs end of {}", month_name(previous_month))), false)
        }
        (None, None) => (change, None, false),
    };
    let is_integer = table.columns.get(value_index).map(|c| c.ty) == Some(ColumnType::Integer);
    let shown = match value {
        // A level before anything was recorded has no value, which is not zero.
        Value::Null if report.measure == Some(Measure::Level) => "\u{2014}".into(),
        Value::Null => "0".into(),
        other => other.to_display(),
    };
    Some(NumberView {
        value: shown,
        change: change.map(|c| format_change(c, is_integer)),
        direction: if neutral { "flat" } else { direction(change) },
        period,
        compared: if change.is_some() { compared } else { None },
    })
}

/// Builds a report card.
pub fn report_view(output: &ReportOutput, page_rows: usize) -> ReportView {
    let report = &output.report;
    let table = &output.table;
    let columns = table
        .columns
        .iter()
        .map(|c| ColumnView {
            name: c.name.clone(),
            label: column_label(&c.name),
            numeric: c.ty.is_numeric(),
        })
        .collect();
    let rows = table.rows.iter().take(page_rows).map(|r| r.iter().map(Value::to_display).collect()).collect();
    let mut files = vec![
        FileLink { label: "CSV", href: format!("{}.csv", report.id) },
        FileLink { label: "Excel (XLSX)", href: format!("{}.xlsx", report.id) },
        FileLink { label: "JSON", href: format!("{}.json", report.id) },
    ];
    let chart = output.chart.as_ref().map(|c| {
        let config = report.chart.as_ref();
        ChartView {
            svg: c.svg.clone(),
            option_json: escape_script_json(&c.option_json),
            summary: config
                .map(|c| chart::summarize(c, table, &chart::Comparison::of(report, output.as_of)))
                .unwrap_or_default(),
            width: config.map(|c| c.width).unwrap_or(640),
            height: config.map(|c| c.height).unwrap_or(320),
        }
    });
    if chart.is_some() {
        files.push(FileLink { label: "SVG image", href: format!("{}.svg", report.id) });
        files.push(FileLink { label: "PNG image", href: format!("{}.png", report.id) });
    }
    ReportView {
        id: report.id.clone(),
        title: report.title.clone(),
        description: report.description.clone(),
        note: report.note.clone(),
        display: match report.display {
            Display::Table => "table",
            Display::Number => "number",
            Display::Chart => "chart",
        },
        width: match report.width() {
            Width::Third => "third",
            Width::Half => "half",
            Width::Full => "full",
        },
        // The query with what it needs to run as it is; a report whose View
        // SQL could not be made (`--keep-going`) shows its query alone.
        sql: if output.view_sql.is_empty() { &output.sql } else { &output.view_sql }.trim().to_string(),
        columns,
        rows,
        total_rows: output.total_rows,
        total_rows_label: group_thousands(output.total_rows as i64),
        truncated: output.total_rows > page_rows,
        xlsx_truncated: output.total_rows > XLSX_MAX_DATA_ROWS,
        files,
        number: if report.display == Display::Number {
            headline_number(report, table, output.as_of)
        } else {
            None
        },
        chart,
        error: None,
        range_column: None,
        range_x: None,
    }
}

/// The PDF link of a tab, relative to its page.
pub fn tab_pdf_name(tab: &TabConfig) -> String {
    format!("{}.pdf", tab.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_escapes() {
        assert_eq!(column_label("active_seats"), "Active seats");
        assert_eq!(column_label("ai_interactions"), "AI interactions");
        assert_eq!(column_label("mcp_calls"), "MCP calls");
        assert_eq!(column_label("user_id"), "User ID");
        assert_eq!(column_label("via_api_or_ui"), "Via API or UI");
        // Only whole words: `aid`, `said` and `idle` stay as they are.
        assert_eq!(column_label("aid_said_idle"), "Aid said idle");
        assert_eq!(column_label(""), "");
        assert_eq!(
            escape_script_json(r#"{"a":"</script><!--&"}"#),
            r#"{"a":"\u003c/script\u003e\u003c!--\u0026"}"#
        );
        assert_eq!(escape_script_json("a\u{2028}b"), "a\\u2028b");
    }

    use crate::config::Config;
    use crate::report::Column;

    /// A report of the first tab of `site` (its keys after `[[tabs.reports]]`).
    fn report(keys: &str) -> ReportConfig {
        let site = format!(
            "title = \"T\"\n[[tabs]]\nid = \"t\"\ntitle = \"T\"\n[[tabs.reports]]\nid = \"r\"\ntitle = \"R\"\nsql = \"SELECT 1\"\n{keys}\n"
        );
        Config::parse(&site, "site.toml").unwrap().tabs[0].reports[0].clone()
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// Monthly MCP calls as of 25 Nov: 255 so far, 265 on 1–25 Oct, 361 in
    /// the whole of October.
    fn calls() -> ResultTable {
        let month = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
        ResultTable {
            columns: vec![
                Column { name: "month".into(), ty: ColumnType::Date },
                Column { name: "mcp_calls".into(), ty: ColumnType::Integer },
                Column { name: "change".into(), ty: ColumnType::Integer },
                Column { name: "previous_to_date".into(), ty: ColumnType::Integer },
            ],
            rows: vec![
                vec![month(10), Value::Int(361), Value::Null, Value::Null],
                vec![month(11), Value::Int(255), Value::Int(-106), Value::Int(265)],
            ],
        }
    }

    #[test]
    fn a_flow_headline_compares_the_month_so_far_with_the_same_days() {
        let flow = report("display = \"chart\"\nmeasure = \"flow\"\nchart = { kind = \"line\", x = \"month\", y = [\"mcp_calls\"] }");
        let n = headline_number(&flow, &calls(), date("2026-11-25")).unwrap();
        // 255 - 265 = -10, not the -106 of the change column (25 days against 31).
        assert_eq!((n.value.as_str(), n.change.as_deref(), n.direction), ("255", Some("\u{2212}10"), "down"));
        assert_eq!(n.compared.as_deref(), Some("vs 1\u{2013}25 Oct"));
        assert_eq!(n.period.as_deref(), Some("1\u{2013}25 Nov 2026"));
        // Without a measure: the change column, unlabelled, as before.
        let plain =
            report("display = \"chart\"\nchart = { kind = \"line\", x = \"month\", y = [\"mcp_calls\"] }");
        let n = headline_number(&plain, &calls(), date("2026-11-25")).unwrap();
        assert_eq!(
            (n.change.as_deref(), n.compared, n.period.as_deref()),
            (Some("\u{2212}106"), None, Some("Nov 2026"))
        );
        // A first month has nothing to compare with.
        let mut first = calls();
        first.rows.remove(0);
        first.rows[0][3] = Value::Null;
        let n = headline_number(&flow, &first, date("2026-11-25")).unwrap();
        assert_eq!((n.change, n.compared), (None, None));
    }

    #[test]
    fn a_level_compares_with_the_end_of_the_previous_month() {
        let level = report("display = \"number\"\nmeasure = \"level\"\nchange_column = \"change\"");
        let table = ResultTable {
            columns: vec![
                Column { name: "entities".into(), ty: ColumnType::Integer },
                Column { name: "change".into(), ty: ColumnType::Integer },
            ],
            rows: vec![vec![Value::Int(24), Value::Int(-1)]],
        };
        let n = headline_number(&level, &table, date("2026-03-18")).unwrap();
        assert_eq!((n.value.as_str(), n.change.as_deref()), ("24", Some("\u{2212}1")));
        assert_eq!((n.compared.as_deref(), n.period), (Some("vs end of Feb"), None));
        // No snapshot at all: no value, which is not zero.
        let none = ResultTable { rows: vec![vec![Value::Null, Value::Null]], ..table };
        let n = headline_number(&level, &none, date("2026-03-18")).unwrap();
        assert_eq!((n.value.as_str(), n.change, n.compared), ("\u{2014}", None, None));
    }

    #[test]
    fn a_second_number_that_is_not_a_change_says_what_it_is() {
        let runs =
            report("display = \"number\"\nchange_column = \"this_month\"\nchange_label = \"this month\"");
        let table = ResultTable {
            columns: vec![
                Column { name: "runs".into(), ty: ColumnType::Integer },
                Column { name: "this_month".into(), ty: ColumnType::Integer },
            ],
            rows: vec![vec![Value::Int(6), Value::Int(3)]],
        };
        let n = headline_number(&runs, &table, date("2026-03-18")).unwrap();
        assert_eq!((n.value.as_str(), n.change.as_deref(), n.direction), ("6", Some("+3"), "flat"));
        assert_eq!(n.compared.as_deref(), Some("this month"));
    }

    #[test]
    fn to_date_spans_name_the_days() {
        assert_eq!(
            to_date_spans(date("2026-03-18")),
            ("1\u{2013}18 Mar 2026".into(), "1\u{2013}18 Feb".into())
        );
        assert_eq!(to_date_spans(date("2026-03-31")), ("Mar 2026".into(), "Feb 2026".into()));
        assert_eq!(
            to_date_spans(date("2026-03-30")),
            ("1\u{2013}30 Mar 2026".into(), "1\u{2013}28 Feb".into())
        );
        assert_eq!(
            to_date_spans(date("2027-01-05")),
            ("1\u{2013}5 Jan 2027".into(), "1\u{2013}5 Dec".into())
        );
    }

    #[test]
    fn changes_have_signs() {
        assert_eq!(format_change(12.0, true), "+12");
        assert_eq!(format_change(-1234.0, true), "\u{2212}1,234");
        assert_eq!(format_change(0.0, true), "0");
    }
}
