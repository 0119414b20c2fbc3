//! Running one query into a `ResultTable`.

use anyhow::{anyhow, bail, Result};
use duckdb::arrow::datatypes::DataType;
use duckdb::types::ValueRef;
use duckdb::Connection;

use super::{Column, ColumnType, ResultTable, Value};
use crate::date::Date;

/// Runs `sql` and collects its result. The error is DuckDB's message alone;
/// the caller adds which report it was.
pub fn run_query(conn: &Connection, sql: &str) -> Result<ResultTable> {
    Ok(run_query_capped(conn, sql, usize::MAX)?.0)
}

/// Runs `sql`, keeping its first `keep` rows, and counts all of them: a
/// result too large to hold is counted here and streamed to its files later
/// by `for_each_row`.
pub fn run_query_capped(conn: &Connection, sql: &str, keep: usize) -> Result<(ResultTable, usize)> {
    let (mut rows, mut total) = (Vec::new(), 0);
    let columns = for_each_row(conn, sql, |_, row| {
        if total < keep {
            rows.push(row.to_vec());
        }
        total += 1;
        Ok(())
    })?;
    Ok((ResultTable { columns, rows }, total))
}

/// Runs `sql` and hands each row to `each`, converted, without collecting
/// them; returns the columns.
pub fn for_each_row(
    conn: &Connection,
    sql: &str,
    mut each: impl FnMut(&[Column], &[Value]) -> Result<()>,
) -> Result<Vec<Column>> {
    let mut stmt = conn.prepare(sql).map_err(|e| anyhow!("{e}"))?;
    let mut rows = stmt.query([]).map_err(|e| anyhow!("{e}"))?;
    let stmt_ref = rows.as_ref().ok_or_else(|| anyhow!("the query returned no result"))?;
    let count = stmt_ref.column_count();
    let mut columns = Vec::with_capacity(count);
    // A column of DuckDB's NULL type (`SELECT NULL AS x`) holds only NULLs,
    // and the duckdb crate panics when asked for one of its values.
    let mut all_null = Vec::with_capacity(count);
    for i in 0..count {
        let name = stmt_ref.column_name(i).map_err(|e| anyhow!("{e}"))?.to_string();
        let data_type = stmt_ref.column_type(i);
        all_null.push(data_type == DataType::Null);
        columns.push(Column { name, ty: map_type(&data_type) });
    }
    if let Some(twice) =
        columns.iter().enumerate().find(|(i, c)| columns[..*i].iter().any(|p| p.name == c.name))
    {
        // The JSON rows are objects keyed by column name: a second `x` would
        // overwrite the first.
        bail!("the query returns column `{}` twice; give each column its own name with `AS`", twice.1.name);
    }
    let mut values = Vec::with_capacity(count);
    while let Some(row) = rows.next().map_err(|e| anyhow!("{e}"))? {
        values.clear();
        for (i, column) in columns.iter().enumerate() {
            if all_null[i] {
                values.push(Value::Null);
                continue;
            }
            let value = row.get_ref(i).map_err(|e| anyhow!("{e}"))?;
            values.push(convert(value, column)?);
        }
        each(&columns, &values)?;
    }
    Ok(columns)
}

fn map_type(ty: &DataType) -> ColumnType {
    match ty {
        DataType::Boolean => ColumnType::Boolean,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => ColumnType::Integer,
        // HUGEINT (what SUM of BIGINT returns) arrives as a 128-bit decimal
        // with scale 0: it holds whole numbers.
        DataType::Decimal128(_, 0) | DataType::Decimal256(_, 0) => ColumnType::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => ColumnType::Float,
        DataType::Decimal128(..) | DataType::Decimal256(..) => ColumnType::Float,
        DataType::Date32 | DataType::Date64 => ColumnType::Date,
        DataType::Timestamp(..) => ColumnType::Timestamp,
        _ => ColumnType::Text,
    }
}

fn convert(value: ValueRef<'_>, column: &Column) -> Result<Value> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Boolean(b) => Value::Bool(b),
        ValueRef::TinyInt(i) => Value::Int(i.into()),
        ValueRef::SmallInt(i) => Value::Int(i.into()),
        ValueRef::Int(i) => Value::Int(i.into()),
        ValueRef::BigInt(i) => Value::Int(i),
        ValueRef::UTinyInt(i) => Value::Int(i.into()),
        ValueRef::USmallInt(i) => Value::Int(i.into()),
        ValueRef::UInt(i) => Value::Int(i.into()),
        ValueRef::UBigInt(i) => int_or_float(i as i128),
        ValueRef::HugeInt(i) => int_or_float(i),
        ValueRef::UHugeInt(i) => int_or_float(i.min(i128::MAX as u128) as i128),
        ValueRef::Float(f) => Value::Float(f.into()),
        ValueRef::Double(f) => Value::Float(f),
        ValueRef::Decimal(d) => {
            if d.scale() == 0 {
                int_or_float(d.value())
            } else {
                Value::Float(d.value() as f64 / 10f64.powi(d.scale() as i32))
            }
        }
        ValueRef::Timestamp(unit, t) => Value::Timestamp(unit.to_micros(t)),
        ValueRef::Date32(d) => Value::Date(Date(d)),
        ValueRef::Text(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Time64(unit, t) => {
            let micros = unit.to_micros(t);
            let secs = micros / 1_000_000;
            Value::Text(format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60))
        }
        ValueRef::Enum(..) => {
            // Enum values come back as their label through an owned conversion.
            match value.to_owned() {
                duckdb::types::Value::Enum(s) => Value::Text(s),
                other => Value::Text(format!("{other:?}")),
            }
        }
        ValueRef::Interval { .. }
        | ValueRef::Blob(_)
        | ValueRef::List(..)
        | ValueRef::Struct(..)
        | ValueRef::Array(..)
        | ValueRef::Map(..)
        | ValueRef::Union(..)
        | ValueRef::Geometry(_) => {
            bail!(
                "column `{}` has a type tally cannot show (list, struct, map, interval or blob); cast it to VARCHAR in the query",
                column.name
            )
        }
        _ => bail!("column `{}` has a type tally cannot show; cast it in the query", column.name),
    })
}

fn int_or_float(i: i128) -> Value {
    i64::try_from(i).map(Value::Int).unwrap_or(Value::Float(i as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_of_the_null_type_is_read_as_nulls() {
        let conn = Connection::open_in_memory().unwrap();
        let table = run_query(&conn, "SELECT NULL AS x, 1 AS n UNION ALL SELECT NULL, 2").unwrap();
        assert_eq!(table.columns[0], Column { name: "x".into(), ty: ColumnType::Text });
        assert_eq!(table.rows, vec![vec![Value::Null, Value::Int(1)], vec![Value::Null, Value::Int(2)]]);
    }
}
