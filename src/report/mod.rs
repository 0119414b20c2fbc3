//! Running a report: one SQL query, with the site's parameters, into a
//! `ResultTable`. Execution is a function of (query, parameters) so the same
//! report can later run once per organization.

mod run;
mod table;

pub use run::{bind_params, for_each_row, run_query, run_query_capped, Params};
pub use table::{group_thousands, Column, ColumnType, ResultTable, Value};

use crate::config::{ReportConfig, TabConfig};

/// A chart rendered at build time.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedChart {
    /// The ECharts option as JSON (also embedded in the page for the
    /// interactive upgrade).
    pub option_json: String,
    /// The SVG image, as written to `<report>.svg` and inlined in the page.
    pub svg: String,
    /// The PNG image, as written to `<report>.png`.
    pub png: Vec<u8>,
}

/// Everything known about one report after it ran: what the page, the PDF and
/// the manifest are made from.
#[derive(Debug, Clone)]
pub struct ReportOutput {
    /// The tab's config.
    pub tab: TabConfig,
    /// The report's config.
    pub report: ReportConfig,
    /// The SQL text that ran.
    pub sql: String,
    /// The result, or its first rows when it is too large to hold (then
    /// the downloads run the query again, straight into their files).
    pub table: ResultTable,
    /// How many rows the result has.
    pub total_rows: usize,
    /// The chart, when the report declares one.
    pub chart: Option<RenderedChart>,
}

impl ReportOutput {
    /// Whether `table` holds only the first rows of the result.
    pub fn is_partial(&self) -> bool {
        self.total_rows > self.table.rows.len()
    }
}
