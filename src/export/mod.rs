//! Downloads: one `Exporter` per format writes a report's `ResultTable` as
//! bytes (hyperfine's `export/` shape), so each is unit-tested without disk.

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
use crate::report::ResultTable;

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

/// Turns a result table into the bytes of one download format.
pub trait Exporter {
    /// The file extension, without the dot.
    fn extension(&self) -> &'static str;
    /// Writes the table to `out` as it goes, so a large result is never held
    /// a second time as one document or one buffer.
    fn write(&self, meta: &ExportMeta<'_>, table: &ResultTable, out: &mut dyn Write) -> Result<()>;
    /// The same bytes in memory.
    fn serialize(&self, meta: &ExportMeta<'_>, table: &ResultTable) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write(meta, table, &mut bytes)?;
        Ok(bytes)
    }
}

/// Every download format, in menu order; `temp_dir` is where a format may
/// spill while it writes.
pub fn exporters(temp_dir: &Path) -> Vec<Box<dyn Exporter + Send + Sync>> {
    vec![
        Box::new(CsvExporter),
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
