//! CSV download: a header row, RFC 4180 quoting, UTF-8, ISO dates; a
//! byte-order mark first when the site asks for one (`csv_bom`).

use std::io::Write;

use anyhow::Result;

use super::{ExportMeta, Exporter, RowWriter};
use crate::report::{Column, Value};

/// Writes RFC 4180 CSV.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvExporter {
    /// Start with the UTF-8 byte-order mark (EF BB BF). Excel on Windows
    /// reads a CSV without one in the machine's legacy code page, so `é`
    /// shows as `Ã©`; most other tools read plain UTF-8.
    pub bom: bool,
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A text cell that a spreadsheet would run as a formula gets a leading `'`
/// (OWASP's rule for CSV injection). Numbers are never text cells, so `-3`
/// in an integer column stays a number.
pub fn neutralise_formula(text: &str) -> std::borrow::Cow<'_, str> {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

impl Exporter for CsvExporter {
    fn extension(&self) -> &'static str {
        "csv"
    }

    fn start<'a>(
        &self,
        _meta: &ExportMeta<'_>,
        columns: &'a [Column],
        mut out: Box<dyn Write + 'a>,
    ) -> Result<Box<dyn RowWriter + 'a>> {
        if self.bom {
            out.write_all(BOM)?;
        }
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
        writer.write_record(columns.iter().map(|c| neutralise_formula(&c.name).into_owned()))?;
        Ok(Box::new(CsvRows { writer }))
    }
}

struct CsvRows<'a> {
    writer: csv::Writer<Box<dyn Write + 'a>>,
}

impl RowWriter for CsvRows<'_> {
    fn row(&mut self, row: &[Value]) -> Result<()> {
        // Field by field: text goes out borrowed, copied only when it
        // gains its `'`.
        for value in row {
            match value {
                Value::Text(s) => self.writer.write_field(neutralise_formula(s).as_bytes())?,
                other => self.writer.write_field(other.to_plain())?,
            }
        }
        self.writer.write_record(None::<&[u8]>)?;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::test_support::{meta, sample_table};

    #[test]
    fn writes_header_quotes_and_iso_values() {
        let bytes = CsvExporter::default().serialize(&meta(), &sample_table()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "team,runs,share,month,last_seen,admin\r\n\
             \"Platform, \"\"core\"\"\",1234,0.5,2026-11-01,2025-11-25T01:00:00Z,true\r\n\
             '=SUM(A1),,-2.25,1970-01-01,,false\r\n"
        );
    }

    #[test]
    fn a_byte_order_mark_only_when_asked() {
        let plain = CsvExporter::default().serialize(&meta(), &sample_table()).unwrap();
        let marked = CsvExporter { bom: true }.serialize(&meta(), &sample_table()).unwrap();
        assert_eq!(&marked[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(&marked[3..], plain.as_slice());
        assert_eq!(plain[0], b't');
    }

    #[test]
    fn neutralises_every_formula_prefix() {
        for p in ["=1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"] {
            assert_eq!(neutralise_formula(p), format!("'{p}"));
        }
        assert_eq!(neutralise_formula("plain"), "plain");
        assert_eq!(neutralise_formula(""), "");
    }
}
