//! JSON download: the report's metadata and `rows` as objects with typed
//! values (numbers as numbers, dates and timestamps ISO 8601).

use std::io::Write;

use anyhow::{anyhow, Result};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::{ExportMeta, Exporter, RowWriter};
use crate::report::{Column, Value};

/// Writes the JSON download.
pub struct JsonExporter;

/// The document without its rows; they follow one object per line, written
/// as they come, so no tree of every row is ever built.
#[derive(Serialize)]
struct Head<'a> {
    tab: &'a str,
    report: &'a str,
    title: &'a str,
    description: &'a str,
    as_of: String,
    columns: &'a [Column],
}

struct Row<'a>(&'a [Column], &'a [Value]);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (column, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(&column.name, value)?;
        }
        map.end()
    }
}

impl Exporter for JsonExporter {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn start<'a>(
        &self,
        meta: &ExportMeta<'_>,
        columns: &'a [Column],
        mut out: Box<dyn Write + 'a>,
    ) -> Result<Box<dyn RowWriter + 'a>> {
        let head = Head {
            tab: meta.tab,
            report: meta.report,
            title: meta.title,
            description: meta.description,
            as_of: meta.as_of.to_string(),
            columns,
        };
        let head = serde_json::to_string_pretty(&head)?;
        let open = head.strip_suffix("\n}").ok_or_else(|| anyhow!("unexpected JSON layout"))?;
        write!(out, "{open},\n  \"rows\": [")?;
        Ok(Box::new(JsonRows { out, columns, rows: 0 }))
    }
}

struct JsonRows<'a> {
    out: Box<dyn Write + 'a>,
    columns: &'a [Column],
    rows: usize,
}

impl RowWriter for JsonRows<'_> {
    fn row(&mut self, row: &[Value]) -> Result<()> {
        self.out.write_all(if self.rows == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(&mut self.out, &Row(self.columns, row))?;
        self.rows += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.out.write_all(if self.rows == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{meta, sample_table};
    use serde_json::{json, Value as Json};

    #[test]
    fn writes_metadata_and_typed_rows() {
        let bytes = JsonExporter.serialize(&meta(), &sample_table()).unwrap();
        let doc: Json = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["tab"], "users-activity");
        assert_eq!(doc["report"], "teams");
        assert_eq!(doc["as_of"], "2026-11-25");
        assert_eq!(doc["columns"][1], json!({"name": "runs", "type": "integer"}));
        assert_eq!(doc["columns"][4]["type"], "timestamp");
        assert_eq!(
            doc["rows"][0],
            json!({"team": "Platform, \"core\"", "runs": 1234, "share": 0.5, "month": "2026-11-01",
                   "last_seen": "2025-11-25T01:00:00Z", "admin": true})
        );
        // The JSON keeps text exactly as it came, formula-looking or not.
        assert_eq!(doc["rows"][1]["team"], "=SUM(A1)");
        assert_eq!(doc["rows"][1]["runs"], Json::Null);
    }

    #[test]
    fn rows_come_one_per_line_and_an_empty_result_is_an_empty_list() {
        let text = String::from_utf8(JsonExporter.serialize(&meta(), &sample_table()).unwrap()).unwrap();
        assert!(
            text.contains("\n  \"rows\": [\n    {\"team\":\"Platform, \\\"core\\\"\",\"runs\":1234,"),
            "{text}"
        );
        assert!(text.ends_with("\"admin\":false}\n  ]\n}\n"), "{text}");
        let mut empty = sample_table();
        empty.rows.clear();
        let bytes = JsonExporter.serialize(&meta(), &empty).unwrap();
        let doc: Json = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["rows"], json!([]));
        assert_eq!(doc["columns"].as_array().unwrap().len(), 6);
    }
}
