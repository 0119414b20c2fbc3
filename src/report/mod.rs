//! Running a report: one SQL query, with the site's parameters, the
//! prelude's shared macros and the report's own params, into a
//! `ResultTable`; and the "View SQL" that reproduces it. Execution is a
//! function of (connection, query, parameters), so the same report can run
//! over a view's filtered tables on another connection: `prepare_connection`
//! once per connection, `bind_report_params` before each query.

mod params;
mod prelude;
mod run;
mod table;
mod view_sql;

pub use params::{
    bind_report_params, is_month_end, param_literal, previous_to_date, set_variables_sql, Params,
    ReportParams, PARAM_MACROS,
};
pub use prelude::{prepare_connection, split_statements, Prelude};
pub use run::{for_each_row, run_query, run_query_capped};
pub use table::{group_thousands, Column, ColumnType, ResultTable, Value};
pub use view_sql::{tab_script, view_sql};

use crate::config::{ReportConfig, TabConfig};
use crate::date::Date;

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
    /// The SQL text that ran (the report's query alone; it needs the
    /// connection prepared by `prepare_connection` and the report's params
    /// bound by `bind_report_params`).
    pub sql: String,
    /// The query as "View SQL" shows it: with the parameter macros, prelude
    /// macros and `SET VARIABLE` lines it needs, runnable as it is.
    pub view_sql: String,
    /// The as-of date the report ran for (headlines and chart summaries say
    /// which days they compare).
    pub as_of: Date,
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
