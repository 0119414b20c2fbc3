//! JSON download: the report's metadata and `rows` as objects with typed
//! values (numbers as numbers, dates and timestamps ISO 8601).

use std::io::Write;

use anyhow::Result;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::{ExportMeta, Exporter};
use crate::report::{Column, ResultTable, Value};

/// Writes the JSON download.
pub struct JsonExporter;

/// The document, serialised straight from the table: no `serde_json::Value`
/// tree of every row in between.
#[derive(Serialize)]
struct Document<'a> {
    tab: &'a str,
    report: &'a str,
    title: &'a str,
    description: &'a str,
    as_of: String,
    columns: &'a [Column],
    rows: Rows<'a>,
}

struct Rows<'a>(&'a ResultTable);

struct Row<'a>(&'a [Column], &'a [Value]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.rows.len()))?;
        for row in &self.0.rows {
            seq.serialize_element(&Row(&self.0.columns, row))?;
        }
        seq.end()
    }
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (column, value) in self.0.iter().zip(self.1) {
            map.serialize_entry(&column.name, &value.to_json())?;
        }
        map.end()
    }
}

impl Exporter for JsonExporter {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn write(&self, meta: &ExportMeta<'_>, table: &ResultTable, out: &mut dyn Write) -> Result<()> {
        let document = Document {
            tab: meta.tab,
            report: meta.report,
            title: meta.title,
            description: meta.description,
            as_of: meta.as_of.to_string(),
            columns: &table.columns,
            rows: Rows(table),
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        out.write_all(b"\n")?;
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
}
