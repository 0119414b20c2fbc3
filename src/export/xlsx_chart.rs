//! A native Excel chart of a charted report's data in its XLSX download.
//! (Stub: the charts issue fills this in.)

use anyhow::Result;
use rust_xlsxwriter::Worksheet;

use crate::config::ChartConfig;
use crate::report::ResultTable;

/// Adds a native chart over the data the XLSX exporter wrote (header in row
/// 0, data from row 1, columns in the table's order from column A).
pub fn insert_native_chart(
    _worksheet: &mut Worksheet,
    _sheet_name: &str,
    _chart: &ChartConfig,
    _table: &ResultTable,
) -> Result<()> {
    Ok(())
}
