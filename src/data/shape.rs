//! A table's declared shape (`[tables.<name>]`): required columns must be
//! there, optional ones are added as NULL of their type where the export
//! lacks them, declared types are applied, and every timestamp becomes a UTC
//! `TIMESTAMP`. File tables and derived tables go through the same checks,
//! so both fail with the same messages.

use std::collections::BTreeMap;

use anyhow::Result;

use super::{ident, literal};
use crate::config::TableConfig;

/// Where a table's rows come from, for messages.
pub(super) struct Origin<'a> {
    /// The table name.
    pub table: &'a str,
    /// `from `data/users.csv`` or `(derived by `tables.logins.sql`)`.
    pub what: &'a str,
}

/// Checks that every required column, and the time column, is among
/// `names`. `hint` adds to the message (a CSV saved with another separator).
pub(super) fn check_required(
    origin: &Origin<'_>,
    config: &TableConfig,
    names: &[String],
    hint: &dyn Fn(&[String]) -> String,
) -> Result<()> {
    let table = origin.table;
    let missing = |column: &str, key: &str| {
        anyhow::anyhow!(
            "table `{table}` {} has no column `{column}` (key `tables.{table}.{key}`); it has: {}{}",
            origin.what,
            names.join(", "),
            hint(names)
        )
    };
    if let Some(column) = config.columns.keys().find(|c| !names.contains(c)) {
        return Err(missing(column, &format!("columns.{column}")));
    }
    if let Some(time) = config.time_column.as_ref().filter(|c| !names.contains(c)) {
        return Err(missing(time, "time_column"));
    }
    Ok(())
}

/// The SELECT that gives the rows of `from` (a reader call or a subquery,
/// whose columns are `described`) the table's declared shape. With
/// `typed_by_reader`, the declared types were already applied by the reader
/// (CSV), so only time zones are normalised.
pub(super) fn shaped_select(
    origin: &Origin<'_>,
    config: &TableConfig,
    described: &[(String, String)],
    from: &str,
    typed_by_reader: bool,
    hint: &dyn Fn(&[String]) -> String,
) -> Result<String> {
    let names: Vec<String> = described.iter().map(|(n, _)| n.clone()).collect();
    check_required(origin, config, &names, hint)?;
    let mut replaces = Vec::new();
    for (name, ty) in described {
        let declared = config.declared_type(name);
        let value = if declared.is_some_and(|d| is_timestamp(d)) && (ty == "VARCHAR" || ty == "JSON") {
            // Stamps read as text (see `csv_types`): DuckDB's cast to
            // TIMESTAMPTZ applies a UTC offset (`+02:00`), its cast to
            // TIMESTAMP would drop it and keep the local time. A stamp in
            // UTC (`…Z`) takes the faster cast, which is right for it.
            let column = ident(name);
            format!(
                "CASE WHEN {column} LIKE '%Z' THEN CAST({column} AS TIMESTAMP) \
                 ELSE CAST(CAST({column} AS TIMESTAMPTZ) AS TIMESTAMP) END"
            )
        } else if let Some(declared) = declared.filter(|_| !typed_by_reader) {
            format!("CAST({} AS {})", ident(name), utc(declared))
        } else if ty.starts_with("TIMESTAMP") && ty != "TIMESTAMP" {
            // The bundled DuckDB has no ICU, and `date_trunc` on a
            // TIMESTAMPTZ would reach for it: months and weeks are UTC.
            format!("CAST({} AS TIMESTAMP)", ident(name))
        } else if config.values.contains_key(name) {
            ident(name)
        } else {
            continue;
        };
        let value = match config.values.get(name) {
            Some(values) => fold_values(&value, values),
            None => value,
        };
        replaces.push(format!("{value} AS {}", ident(name)));
    }
    let added: Vec<String> = config
        .optional_columns
        .iter()
        .filter(|(column, _)| !names.contains(column))
        .map(|(column, ty)| format!("CAST(NULL AS {}) AS {}", utc(ty), ident(column)))
        .collect();
    let mut select = String::from("SELECT *");
    if !replaces.is_empty() {
        select.push_str(&format!(" REPLACE ({})", replaces.join(", ")));
    }
    for column in &added {
        select.push_str(", ");
        select.push_str(column);
    }
    select.push_str(" FROM ");
    select.push_str(from);
    Ok(select)
}

/// `value` as one of `values` where it is one once trimmed and lower-cased
/// (`tables.<name>.values`), else as it is.
fn fold_values(value: &str, values: &[String]) -> String {
    let cases: Vec<String> =
        values.iter().map(|v| format!("WHEN {} THEN {}", literal(&v.to_lowercase()), literal(v))).collect();
    format!("CASE lower(trim({value})) {} ELSE {value} END", cases.join(" "))
}

/// The statement that lists the values of `column` of `table` outside
/// `values` (after `fold_values`), most rows first: (value, rows). Empty
/// and NULL values are missing values, not unknown ones.
pub(super) fn unknown_values(table: &str, column: &str, values: &[String]) -> String {
    let listed: Vec<String> = values.iter().map(|v| literal(v)).collect();
    format!(
        "SELECT {c}, count(*) FROM {t} WHERE trim({c}) <> '' AND {c} NOT IN ({}) GROUP BY 1 ORDER BY 2 DESC, 1",
        listed.join(", "),
        c = ident(column),
        t = ident(table)
    )
}

/// `CREATE TABLE` of an optional table whose export is missing: its
/// declared columns, no rows.
pub(super) fn empty_table(table: &str, config: &TableConfig) -> String {
    let columns: Vec<String> =
        config.declared_columns().map(|(column, ty)| format!("{} {}", ident(column), utc(ty))).collect();
    format!("CREATE TABLE {} ({})", ident(table), columns.join(", "))
}

/// The declared columns (required and optional) among `names`, with their
/// types: what a CSV reader is given (a type for a column the file lacks
/// would be DuckDB's error, not ours).
pub(super) fn declared_among(config: &TableConfig, names: &[String]) -> BTreeMap<String, String> {
    config
        .declared_columns()
        .filter(|(column, _)| names.contains(column))
        .map(|(column, ty)| (column.clone(), ty.clone()))
        .collect()
}

/// The `types = {...}` option of `read_csv` for `typed` columns. A
/// timestamp is read as text, which `shaped_select` casts: the CSV reader
/// drops a stamp's UTC offset (`+02:00`) and keeps the local time, as
/// `TIMESTAMP` and as `TIMESTAMPTZ` alike.
pub(super) fn csv_types(typed: &BTreeMap<String, String>) -> Option<String> {
    let types: Vec<String> = typed
        .iter()
        .map(|(column, ty)| {
            let ty = if is_timestamp(ty) { "VARCHAR" } else { ty };
            format!("{}: {}", literal(column), literal(ty))
        })
        .collect();
    (!types.is_empty()).then(|| format!("types = {{{}}}", types.join(", ")))
}

/// A declared type with any time zone taken out: tally's timestamps are UTC
/// `TIMESTAMP` (see `shaped_select`).
fn utc(ty: &str) -> &str {
    if ty.to_ascii_uppercase().contains("TIME ZONE") || ty.eq_ignore_ascii_case("TIMESTAMPTZ") {
        "TIMESTAMP"
    } else {
        ty
    }
}

/// Whether a declared type is a timestamp, with or without a time zone.
fn is_timestamp(ty: &str) -> bool {
    utc(ty).eq_ignore_ascii_case("TIMESTAMP")
}

/// Whether a column's type is one a time column can have.
pub(super) fn is_time_type(ty: &str) -> bool {
    ty == "TIMESTAMP" || ty == "DATE"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(columns: &[(&str, &str)], optional: &[(&str, &str)]) -> TableConfig {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(c, t)| (c.to_string(), t.to_string())).collect()
        };
        TableConfig { columns: map(columns), optional_columns: map(optional), ..TableConfig::default() }
    }

    fn described(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(c, t)| (c.to_string(), t.to_string())).collect()
    }

    const ORIGIN: Origin<'static> = Origin { table: "users", what: "from `users.csv`" };

    #[test]
    fn adds_missing_optional_columns_as_typed_nulls() {
        let config = config(&[("user_id", "VARCHAR")], &[("removed_at", "TIMESTAMP"), ("team", "VARCHAR")]);
        let select = shaped_select(
            &ORIGIN,
            &config,
            &described(&[("user_id", "VARCHAR"), ("team", "VARCHAR")]),
            "src",
            true,
            &|_| String::new(),
        )
        .unwrap();
        assert_eq!(select, "SELECT *, CAST(NULL AS TIMESTAMP) AS \"removed_at\" FROM src");
    }

    #[test]
    fn casts_declared_types_unless_the_reader_did_and_normalises_time_zones() {
        let config = config(&[("user_id", "VARCHAR")], &[("seen", "TIMESTAMPTZ")]);
        let cols =
            described(&[("user_id", "BIGINT"), ("seen", "TIMESTAMP WITH TIME ZONE"), ("x", "INTEGER")]);
        let select = shaped_select(&ORIGIN, &config, &cols, "src", false, &|_| String::new()).unwrap();
        assert_eq!(
            select,
            "SELECT * REPLACE (CAST(\"user_id\" AS VARCHAR) AS \"user_id\", CAST(\"seen\" AS TIMESTAMP) AS \"seen\") FROM src"
        );
        let select = shaped_select(&ORIGIN, &config, &cols, "src", true, &|_| String::new()).unwrap();
        assert_eq!(select, "SELECT * REPLACE (CAST(\"seen\" AS TIMESTAMP) AS \"seen\") FROM src");
        // Stamps read as text (a CSV, JSON strings) go through TIMESTAMPTZ,
        // which applies their UTC offset, whoever typed the rest.
        let cols = described(&[("user_id", "VARCHAR"), ("seen", "VARCHAR")]);
        for typed_by_reader in [false, true] {
            let select =
                shaped_select(&ORIGIN, &config, &cols, "src", typed_by_reader, &|_| String::new()).unwrap();
            assert!(
                select.contains("ELSE CAST(CAST(\"seen\" AS TIMESTAMPTZ) AS TIMESTAMP) END AS \"seen\""),
                "{select}"
            );
        }
    }

    #[test]
    fn a_missing_required_column_names_table_origin_key_and_columns() {
        let config = config(&[("email", "VARCHAR")], &[]);
        let err =
            shaped_select(&ORIGIN, &config, &described(&[("user_id", "VARCHAR")]), "src", true, &|_| {
                "; hint".into()
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "table `users` from `users.csv` has no column `email` (key `tables.users.columns.email`); it has: user_id; hint"
        );
    }

    #[test]
    fn an_empty_table_has_every_declared_column() {
        let config = config(&[("id", "VARCHAR")], &[("at", "TIMESTAMP WITH TIME ZONE")]);
        assert_eq!(empty_table("t", &config), "CREATE TABLE \"t\" (\"id\" VARCHAR, \"at\" TIMESTAMP)");
    }

    #[test]
    fn csv_types_only_for_columns_the_file_has() {
        let plain = config(&[("id", "VARCHAR")], &[("team", "VARCHAR")]);
        let typed = declared_among(&plain, &["id".into(), "x".into()]);
        assert_eq!(csv_types(&typed).unwrap(), "types = {'id': 'VARCHAR'}");
        assert_eq!(csv_types(&declared_among(&plain, &["x".into()])), None);
        // The CSV reader would drop a stamp's offset: stamps are read as text.
        let stamped = config(&[("at", "TIMESTAMP"), ("on", "DATE")], &[]);
        let typed = declared_among(&stamped, &["at".into(), "on".into()]);
        assert_eq!(csv_types(&typed).unwrap(), "types = {'at': 'VARCHAR', 'on': 'DATE'}");
    }
}
