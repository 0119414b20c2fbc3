//! Locating a bad row in CSV files after DuckDB refused them, so the error
//! names the file and line. Runs only on the failure path: the fast path is
//! DuckDB's own reader.

use std::collections::BTreeMap;

use super::{Format, Source};

/// The first problem found in `source`'s files: invalid UTF-8, a row with the
/// wrong number of fields, an unclosed quote, or a value that does not fit a
/// pinned numeric/date column. `None` if the files look fine to us.
pub fn locate_error(source: &Source, pinned: &BTreeMap<String, String>) -> Option<String> {
    for file in &source.files {
        if file.to_string_lossy().ends_with(".gz") {
            continue;
        }
        let bytes = std::fs::read(file).ok()?;
        let delimiter = if source.format == Format::Tsv { b'\t' } else { b',' };
        if let Some(problem) = check_bytes(&bytes, delimiter, pinned) {
            return Some(format!("`{}` line {problem}", file.display()));
        }
    }
    None
}

/// Every column name in the headers of the source's files, in first-seen
/// order; `None` if a file is compressed or unreadable.
pub fn all_headers(source: &Source) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for file in &source.files {
        for name in header_of(source, file)? {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Some(names)
}

fn header_of(source: &Source, file: &std::path::Path) -> Option<Vec<String>> {
    if file.to_string_lossy().ends_with(".gz") {
        return None;
    }
    let delimiter = if source.format == Format::Tsv { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).from_path(file).ok()?;
    Some(reader.headers().ok()?.iter().map(|h| h.trim().to_string()).collect())
}

/// Checks one file's bytes; the problem starts with its line number.
fn check_bytes(bytes: &[u8], delimiter: u8, pinned: &BTreeMap<String, String>) -> Option<String> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut width = None;
    let mut header: Vec<String> = Vec::new();
    loop {
        let start = reader.position().clone();
        match reader.read_byte_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => return Some(format!("{}: {e}", start.line())),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(start.line());
        for field in record.iter() {
            if let Err(e) = std::str::from_utf8(field) {
                return Some(format!(
                    "{line}: invalid UTF-8 (byte {} of a field); save the export as UTF-8",
                    e.valid_up_to() + 1
                ));
            }
        }
        let offset = record.position().map(|p| p.byte() as usize).unwrap_or(0);
        if reader.is_done() || at_end(&reader, bytes) {
            let rest = &bytes[offset.min(bytes.len())..];
            if rest.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
                return Some(format!("{line}: unclosed quote (a field opens with `\"` and never closes)"));
            }
        }
        match width {
            None => {
                width = Some(record.len());
                header = record.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
            }
            Some(w) if record.len() != w && !(record.len() == 1 && record[0].is_empty()) => {
                return Some(format!("{line}: expected {w} fields as in the header, found {}", record.len()));
            }
            Some(_) => {
                for (i, field) in record.iter().enumerate() {
                    let Some(ty) = header.get(i).and_then(|name| pinned.get(name)) else { continue };
                    let text = std::str::from_utf8(field).unwrap_or("").trim();
                    if !text.is_empty() && !fits(text, ty) {
                        return Some(format!(
                            "{line}: value `{text}` in column `{}` does not fit its pinned type {ty}",
                            header[i]
                        ));
                    }
                }
            }
        }
    }
}

fn at_end(reader: &csv::Reader<&[u8]>, bytes: &[u8]) -> bool {
    reader.position().byte() as usize >= bytes.len()
}

/// Whether `text` parses as the pinned type (numeric, boolean and date
/// types only; others are DuckDB's to judge).
fn fits(text: &str, ty: &str) -> bool {
    let ty = ty.trim().to_ascii_uppercase();
    match ty.as_str() {
        "INTEGER" | "INT" | "BIGINT" | "SMALLINT" | "TINYINT" | "HUGEINT" | "INT4" | "INT8" | "UBIGINT"
        | "UINTEGER" => text.parse::<i128>().is_ok(),
        "DOUBLE" | "FLOAT" | "REAL" => text.parse::<f64>().is_ok(),
        "BOOLEAN" | "BOOL" => {
            matches!(text.to_ascii_lowercase().as_str(), "true" | "false" | "t" | "f" | "1" | "0")
        }
        "DATE" => text.parse::<crate::date::Date>().is_ok(),
        "TIMESTAMP" | "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => {
            // `get`, not a slice: the tenth byte may fall inside a character.
            text.get(..10).is_some_and(|d| d.parse::<crate::date::Date>().is_ok())
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &[u8]) -> Option<String> {
        check_bytes(text, b',', &BTreeMap::new())
    }

    #[test]
    fn finds_a_ragged_row() {
        let problem = check(b"a,b\n1,2\n3,4,5\n").unwrap();
        assert!(problem.starts_with("3: expected 2 fields"), "{problem}");
    }

    #[test]
    fn finds_an_unclosed_quote() {
        let problem = check(b"a,b\n1,2\n3,\"four\n5,6\n").unwrap();
        assert!(problem.starts_with("3: unclosed quote"), "{problem}");
    }

    #[test]
    fn finds_invalid_utf8() {
        let problem = check(b"a,b\n1,2\n3,\xff\xfe\n").unwrap();
        assert!(problem.starts_with("3: invalid UTF-8"), "{problem}");
    }

    #[test]
    fn finds_a_wrong_type_in_a_pinned_column() {
        let pinned = BTreeMap::from([("n".to_string(), "INTEGER".to_string())]);
        let problem = check_bytes(b"n,t\n1,x\n2,y\nthree,z\n", b',', &pinned).unwrap();
        assert_eq!(problem, "4: value `three` in column `n` does not fit its pinned type INTEGER");
    }

    #[test]
    fn a_multibyte_character_in_a_pinned_timestamp_is_a_wrong_value_not_a_panic() {
        let pinned = BTreeMap::from([("t".to_string(), "TIMESTAMP".to_string())]);
        let problem = check_bytes("t\n2026-01-0é 10:00\n".as_bytes(), b',', &pinned).unwrap();
        assert_eq!(
            problem,
            "2: value `2026-01-0é 10:00` in column `t` does not fit its pinned type TIMESTAMP"
        );
    }

    #[test]
    fn accepts_good_csv_with_quoted_newlines() {
        assert_eq!(check(b"a,b\n1,\"two\nlines\"\n3,4\n"), None);
        assert_eq!(check(b"a,b\r\n1,2\r\n"), None);
    }
}
