//! JSON download: the report's metadata and `rows` as objects with typed
//! values (numbers as numbers, dates and timestamps ISO 8601).

use anyhow::Result;
use serde_json::{json, Map, Value as Json};

use super::{ExportMeta, Exporter};
use crate::report::ResultTable;

/// Writes the JSON download.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn extension(&self) -> &'static str {
        "json"
    }

    fn serialize(&self, meta: &ExportMeta<'_>, table: &ResultTable) -> Result<Vec<u8>> {
        let rows: Vec<Json> = table
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::with_capacity(row.len());
                for (column, value) in table.columns.iter().zip(row) {
                    object.insert(column.name.clone(), value.to_json());
                }
                Json::Object(object)
            })
            .collect();
        let document = json!({
            "tab": meta.tab,
            "report": meta.report,
            "title": meta.title,
            "description": meta.description,
            "as_of": meta.as_of.to_string(),
            "columns": table.columns,
            "rows": rows,
        });
        let mut bytes = serde_json::to_vec_pretty(&document)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{meta, sample_table};

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
