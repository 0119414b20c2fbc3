//! Downloads: one `Exporter` per format writes a report's rows as bytes
//! (hyperfine's `export/` shape), so each is unit-tested without disk.

mod csv;
mod json;
mod xlsx;
pub mod xlsx_chart;

pub use self::csv::CsvExporter;
pub use self::json::JsonExporter;
pub use self::xlsx::{XlsxExporter, XLSX_MAX_DATA_ROWS};

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::config::ChartConfig;
use crate::date::Date;
use crate::report::{Column, ResultTable, Value};

/// What an exporter knows about the report besides its rows.
#[derive(Debug, Clone, Copy)]
pub struct ExportMeta<'a> {
    /// The tab id.
    pub tab: &'a str,
    /// The report id.
    pub report: &'a str,
    /// The report title.
    pub title: &'a str,
    /// The report description.
    pub description: &'a str,
    /// The site's as-of date.
    pub as_of: Date,
    /// The report's chart, for formats that can hold one natively.
    pub chart: Option<&'a ChartConfig>,
}

/// Writes one result's rows, in order, in one download format: a large
/// result goes to the file row by row and is never held as a document.
pub trait RowWriter {
    /// Writes one row.
    fn row(&mut self, row: &[Value]) -> Result<()>;
    /// Writes what follows the last row, and flushes.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// One download format.
pub trait Exporter {
    /// The file extension, without the dot.
    fn extension(&self) -> &'static str;
    /// Starts a download of a result with `columns` into `out`.
    fn start<'a>(
        &self,
        meta: &ExportMeta<'_>,
        columns: &'a [Column],
        out: Box<dyn Write + 'a>,
    ) -> Result<Box<dyn RowWriter + 'a>>;
    /// A whole table in this format, in memory.
    fn serialize(&self, meta: &ExportMeta<'_>, table: &ResultTable) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        let mut writer = self.start(meta, &table.columns, Box::new(&mut bytes))?;
        for row in &table.rows {
            writer.row(row)?;
        }
        writer.finish()?;
        Ok(bytes)
    }
}

/// Every download format, in menu order; `temp_dir` is where a format may
/// spill while it writes; `csv_bom` starts each CSV with a byte-order mark
/// (the config's `csv_bom`).
pub fn exporters(temp_dir: &Path, csv_bom: bool) -> Vec<Box<dyn Exporter + Send + Sync>> {
    vec![
        Box::new(CsvExporter { bom: csv_bom }),
        Box::new(XlsxExporter { temp_dir: Some(temp_dir.to_path_buf()) }),
        Box::new(JsonExporter),
    ]
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::date::Date;
    use crate::report::{Column, ColumnType, ResultTable, Value};

    /// A small table with one column of every type.
    pub fn sample_table() -> ResultTable {
        let col = |name: &str, ty| Column { name: name.into(), ty };
        ResultTable {
            columns: vec![
                col("team", ColumnType::Text),
                col("runs", ColumnType::Integer),
                col("share", ColumnType::Float),
                col("month", ColumnType::Date),
                col("last_seen", ColumnType::Timestamp),
                col("admin", ColumnType::Boolean),
            ],
            rows: vec![
                vec![
                    Value::Text("Platform, \"core\"".into()),
                    Value::Int(1234),
                    Value::Float(0.5),
                    Value::Date("2026-11-01".parse().unwrap()),
                    Value::Timestamp(1_764_028_800_000_000 + 3_600_000_000),
                    Value::Bool(true),
                ],
                vec![
                    Value::Text("=SUM(A1)".into()),
                    Value::Null,
                    Value::Float(-2.25),
                    Value::Date(Date(0)),
                    Value::Null,
                    Value::Bool(false),
                ],
            ],
        }
    }

    pub fn meta() -> super::ExportMeta<'static> {
        super::ExportMeta {
            tab: "users-activity",
            report: "teams",
            title: "Most engaged teams",
            description: "Teams by logins",
            as_of: "2026-11-25".parse().unwrap(),
            chart: None,
        }
    }
}
