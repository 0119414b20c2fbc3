//! `ResultTable`: a query's result as typed columns and rows, the one value
//! that the page, the chart and every exporter are made from.

use serde::{Deserialize, Serialize};

use crate::date::{format_timestamp, Date};

/// The type of a result column, as the page and the exporters see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// true/false.
    Boolean,
    /// Whole numbers.
    Integer,
    /// Floating-point and decimal numbers.
    Float,
    /// Text (and anything without a better mapping).
    Text,
    /// A calendar date.
    Date,
    /// A UTC timestamp.
    Timestamp,
}

impl ColumnType {
    /// Numbers are right-aligned and summed; the rest is not.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnType::Integer | ColumnType::Float)
    }
}

/// A result column: its name and type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// The column name as the query returned it.
    pub name: String,
    /// The mapped type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (decimals are converted).
    Float(f64),
    /// Text.
    Text(String),
    /// A date.
    Date(Date),
    /// A UTC timestamp in microseconds since the epoch.
    Timestamp(i64),
}

impl Value {
    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The plain text form used by CSV and labels: ISO dates, no grouping.
    pub fn to_plain(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format_float_plain(*f),
            Value::Text(s) => s.clone(),
            Value::Date(d) => d.to_string(),
            Value::Timestamp(t) => format_timestamp(*t),
        }
    }

    /// The form shown on a page: grouped numbers, readable dates.
    pub fn to_display(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(i) => group_thousands(*i),
            Value::Float(f) => format_float_display(*f),
            Value::Timestamp(t) => {
                let s = format_timestamp(*t);
                // `2026-11-25 14:03 UTC` reads better than ISO on a page.
                format!("{} {} UTC", &s[..10], &s[11..16])
            }
            other => other.to_plain(),
        }
    }
}

/// The value as JSON: numbers as numbers (a non-finite float as null),
/// dates and timestamps as ISO 8601 strings. Serialised in place, so a JSON
/// download copies no text.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(f) if f.is_finite() => serializer.serialize_f64(*f),
            Value::Float(_) => serializer.serialize_none(),
            Value::Text(s) => serializer.serialize_str(s),
            other => serializer.serialize_str(&other.to_plain()),
        }
    }
}

fn format_float_plain(f: f64) -> String {
    if f.is_finite() {
        // Shortest representation that round-trips.
        let s = format!("{f}");
        s
    } else {
        String::new()
    }
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands(i: i64) -> String {
    let digits = i.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if i < 0 {
        out.push('-');
    }
    for (n, c) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn format_float_display(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    let rounded = (f * 100.0).round() / 100.0;
    let whole = rounded.trunc() as i64;
    let frac = ((rounded - whole as f64).abs() * 100.0).round() as i64;
    let sign = if rounded < 0.0 && whole == 0 { "-" } else { "" };
    if frac == 0 {
        format!("{sign}{}", group_thousands(whole))
    } else {
        format!("{sign}{}.{frac:02}", group_thousands(whole))
    }
}

/// A query result: typed columns and the rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResultTable {
    /// The columns, in query order.
    pub columns: Vec<Column>,
    /// The rows; each has one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl ResultTable {
    /// The index of the column called `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The first cell, for number displays.
    pub fn first_value(&self) -> Option<&Value> {
        self.rows.first().and_then(|r| r.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_for_pages() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(-1234567), "-1,234,567");
        assert_eq!(Value::Float(1234.5).to_display(), "1,234.50");
        assert_eq!(Value::Float(-0.25).to_display(), "-0.25");
        assert_eq!(Value::Float(2.0).to_display(), "2");
        assert_eq!(Value::Float(0.1).to_plain(), "0.1");
    }

    #[test]
    fn formats_dates_and_timestamps() {
        assert_eq!(Value::Date(Date(0)).to_plain(), "1970-01-01");
        assert_eq!(Value::Timestamp(90_000_000_000).to_display(), "1970-01-02 01:00 UTC");
        let json = |v: Value| serde_json::to_value(v).unwrap();
        assert_eq!(json(Value::Timestamp(0)), serde_json::json!("1970-01-01T00:00:00Z"));
        assert_eq!(json(Value::Int(3)), serde_json::json!(3));
    }
}
