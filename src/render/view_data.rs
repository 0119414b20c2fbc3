//! The page data of a view: what a tab page needs to show one view instead
//! of the whole site, written as a classic script
//! (`views/<filter>/<slug>/<tab>/data.js`) that hands it to the page's
//! `tally.data(...)`. A classic script is the one way a static page can load
//! data from `file://` as well as over HTTP under a same-origin
//! `script-src`; `fetch`, modules and workers all fail from `file://`.
//!
//! Every number here comes from the report's own result (rows formatted as
//! the page formats them, the chart option from the same builder as the
//! build-time SVG, the headline from the same function); the browser only
//! places them.

use anyhow::Result;
use serde::Serialize;

use crate::config::Display;
use crate::render::chart;
use crate::render::page::{column_label, escape_script_json, headline_number, ColumnView, NumberView};
use crate::report::{ColumnType, ReportOutput, Value};

/// One tab of one view.
#[derive(Debug, Serialize)]
pub struct TabData {
    /// The view's key, `organization/<slug>`.
    pub view: String,
    /// The tab id.
    pub tab: String,
    /// Its reports, in page order.
    pub reports: Vec<ReportData>,
}

/// One report of one view.
#[derive(Debug, Serialize)]
pub struct ReportData {
    /// Report id (the card's id on the page).
    pub id: String,
    /// Column headers.
    pub columns: Vec<ColumnView>,
    /// The rows the page holds, formatted as the page formats them.
    pub rows: Vec<Vec<String>>,
    /// How many rows the result has.
    pub total_rows: usize,
    /// The same, with thousands separators.
    pub total_rows_label: String,
    /// A number card's number.
    pub number: Option<NumberView>,
    /// The chart.
    pub chart: Option<ChartData>,
    /// The column a time range narrows rows by.
    pub range_column: Option<usize>,
    /// Why the report failed for this view (`--keep-going`).
    pub error: Option<String>,
}

/// A chart of one view.
#[derive(Debug, Serialize)]
pub struct ChartData {
    /// The ECharts option, from the builder the build-time SVG uses.
    pub option: serde_json::Value,
    /// The one-sentence summary under the chart.
    pub summary: String,
    /// The x values as ISO dates, when the x axis is dates (for the time
    /// range).
    pub x: Option<Vec<String>>,
    /// The image size the chart is drawn at, for its aspect ratio.
    pub width: u32,
    /// The same.
    pub height: u32,
}

/// A headline number of a view, for the overview page.
#[derive(Debug, Serialize)]
pub struct Headline {
    /// `<tab>--<report>`: the headline card's id.
    pub id: String,
    /// The number.
    pub number: NumberView,
}

impl ReportData {
    /// The page data of a report's result; `error` when it failed.
    pub fn new(output: &ReportOutput, page_rows: usize, error: Option<String>) -> Result<ReportData> {
        let report = &output.report;
        let table = &output.table;
        let chart = match (&report.chart, &error) {
            (Some(config), None) if report.display == Display::Chart && output.total_rows > 0 => {
                Some(ChartData {
                    option: chart::build_option(config, table)?,
                    summary: chart::summarize(config, table, &chart::Comparison::of(report, output.as_of)),
                    x: chart_x_values(output),
                    width: config.width,
                    height: config.height,
                })
            }
            _ => None,
        };
        Ok(ReportData {
            id: report.id.clone(),
            columns: table
                .columns
                .iter()
                .map(|c| ColumnView {
                    name: c.name.clone(),
                    label: column_label(&c.name),
                    numeric: c.ty.is_numeric(),
                })
                .collect(),
            rows: table
                .rows
                .iter()
                .take(page_rows)
                .map(|r| r.iter().map(Value::to_display).collect())
                .collect(),
            total_rows: output.total_rows,
            total_rows_label: crate::report::group_thousands(output.total_rows as i64),
            number: if report.display == Display::Number {
                headline_number(report, table, output.as_of)
            } else {
                None
            },
            chart,
            range_column: range_column(output),
            error,
        })
    }
}

fn is_time(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Date | ColumnType::Timestamp)
}

/// The column a time range narrows a report by: a chart's x column when it
/// holds dates, else a table's first date or timestamp column. Numbers are
/// as of the as-of date and are never narrowed.
pub fn range_column(output: &ReportOutput) -> Option<usize> {
    let columns = &output.table.columns;
    match (&output.report.display, &output.report.chart) {
        (Display::Number, _) => None,
        (Display::Chart, Some(chart)) => {
            columns.iter().position(|c| c.name == chart.x).filter(|&i| is_time(columns[i].ty))
        }
        _ => columns.iter().position(|c| is_time(c.ty)),
    }
}

/// The chart's x values as ISO dates, when its x axis is dates, in the
/// order of the option's categories.
fn chart_x_values(output: &ReportOutput) -> Option<Vec<String>> {
    let long = output.report.chart.as_ref()?.series.is_some();
    let index = range_column(output)?;
    let mut seen = std::collections::HashSet::new();
    // A long-format chart has one category per distinct x, in order of
    // first appearance (as the option builder makes them); a wide one a
    // category per row.
    Some(
        output
            .table
            .rows
            .iter()
            .map(|row| row[index].to_plain())
            .filter(|x| !long || seen.insert(x.clone()))
            .collect(),
    )
}

/// The whole-site page's chart x values, as script-safe JSON.
pub fn chart_x(output: &ReportOutput) -> Option<String> {
    if output.report.display != Display::Chart {
        return None;
    }
    let x = chart_x_values(output)?;
    serde_json::to_string(&x).ok().map(|json| escape_script_json(&json))
}

/// `data.js` of a tab of a view.
pub fn script(tab: &TabData) -> Result<Vec<u8>> {
    call(&serde_json::to_string(tab)?)
}

/// `index.js` of a view: its headline numbers, for the overview page.
pub fn overview_script(view: &str, headlines: &[Headline]) -> Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Overview<'a> {
        view: &'a str,
        tab: &'a str,
        headlines: &'a [Headline],
    }
    call(&serde_json::to_string(&Overview { view, tab: "", headlines })?)
}

/// `tally.data(<json>);`: the JSON escaped so that no value can end a
/// script or break a JavaScript string (U+2028/9).
fn call(json: &str) -> Result<Vec<u8>> {
    Ok(format!("tally.data({});\n", escape_script_json(json)).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ChartConfig, ChartKind, ReportConfig, TabConfig};
    use crate::date::Date;
    use crate::report::{Column, ResultTable};

    fn output(display: Display, chart: Option<ChartConfig>) -> ReportOutput {
        let report: ReportConfig = toml::from_str("id = \"r\"\ntitle = \"R\"\nsql = \"SELECT 1\"").unwrap();
        let report = ReportConfig { display, chart, ..report };
        let tab: TabConfig = toml::from_str("id = \"t\"\ntitle = \"T\"").unwrap();
        let table = ResultTable {
            columns: vec![
                Column { name: "month".into(), ty: ColumnType::Date },
                Column { name: "org".into(), ty: ColumnType::Text },
                Column { name: "runs".into(), ty: ColumnType::Integer },
            ],
            rows: vec![
                vec![Value::Date(Date(20_454)), Value::Text("</script>".into()), Value::Int(1200)],
                vec![Value::Date(Date(20_454)), Value::Text("b".into()), Value::Int(2)],
                vec![Value::Date(Date(20_485)), Value::Text("a".into()), Value::Int(3)],
            ],
        };
        ReportOutput {
            tab,
            report,
            sql: String::new(),
            view_sql: String::new(),
            as_of: Date(20_507),
            table,
            total_rows: 3,
            chart: None,
        }
    }

    #[test]
    fn page_data_is_the_result_formatted() {
        let mut chart = ChartConfig::new(ChartKind::StackedBar, "month", &["runs"]);
        chart.series = Some("org".into());
        let out = output(Display::Chart, Some(chart));
        let data = ReportData::new(&out, 2, None).unwrap();
        assert_eq!(data.rows, [["2026-01-01", "</script>", "1,200"], ["2026-01-01", "b", "2"]]);
        assert_eq!((data.total_rows, data.range_column), (3, Some(0)));
        let chart = data.chart.as_ref().unwrap();
        assert_eq!(chart.x.as_deref().unwrap(), ["2026-01-01", "2026-02-01"]);
        let script = String::from_utf8(
            script(&TabData { view: "organization/a".into(), tab: "t".into(), reports: vec![data] }).unwrap(),
        )
        .unwrap();
        assert!(script.starts_with("tally.data({\"view\":\"organization/a\""), "{script}");
        assert!(!script.contains("</script>") && script.contains("\\u003c/script\\u003e"));
    }

    #[test]
    fn numbers_are_never_narrowed_by_time() {
        assert_eq!(range_column(&output(Display::Number, None)), None);
        assert_eq!(range_column(&output(Display::Table, None)), Some(0));
    }
}
