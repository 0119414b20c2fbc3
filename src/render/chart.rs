//! Charts: the ECharts option (built with charming) from a report's result,
//! rendered to SVG by ECharts' server-side renderer in QuickJS, and to PNG
//! with resvg. (Stub: the charts issue fills this in.)

use anyhow::Result;

use crate::config::ChartConfig;
use crate::report::{Column, RenderedChart, ResultTable};

/// Checks that every column the chart names is in `columns`.
pub fn check_columns(_chart: &ChartConfig, _columns: &[Column]) -> Result<()> {
    Ok(())
}

/// One chart to render.
#[derive(Debug, Clone)]
pub struct ChartJob {
    /// `tab/report`, for error messages.
    pub key: String,
    /// The ECharts option.
    pub option_json: String,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
}

/// Builds the ECharts option of a chart over a result.
pub fn build_option(_chart: &ChartConfig, _table: &ResultTable) -> Result<serde_json::Value> {
    Ok(serde_json::Value::Null)
}

/// Renders every job to SVG and PNG.
pub fn render_charts(jobs: &[ChartJob], _cache_dir: Option<&std::path::Path>) -> Result<Vec<RenderedChart>> {
    Ok(jobs
        .iter()
        .map(|_| RenderedChart { option_json: String::new(), svg: String::new(), png: Vec::new() })
        .collect())
}

/// The ECharts script for the interactive upgrade.
pub const ECHARTS_JS: &str = "";
