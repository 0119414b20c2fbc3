//! Derived tables (`[tables.<name>] sql = "..."`): the order to build them
//! in, so each comes after the derived tables its query reads. File tables
//! are all loaded before any derived one, so only derived tables can depend
//! on each other. What a query reads comes from DuckDB's own parser
//! (`json_serialize_sql`), so names in strings, comments, column names and
//! CTEs are never mistaken for tables.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Result};
use duckdb::Connection;
use serde_json::Value;

/// The names of `queries`' tables (name → SQL) in an order where every
/// table comes after the derived tables its SQL reads; ties in name order.
/// A cycle is an error naming it. A query DuckDB cannot parse reads nothing
/// here; loading it reports DuckDB's error with the table's name.
pub(super) fn load_order(conn: &Connection, queries: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let mut reads: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, sql) in queries {
        let tables =
            tables_read(conn, sql).map_err(|e| anyhow!("table `{name}` (key `tables.{name}.sql`): {e}"))?;
        let deps = queries.keys().map(String::as_str).filter(|other| tables.contains(&other.to_lowercase()));
        reads.insert(name.as_str(), deps.collect());
    }
    let mut order: Vec<String> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    while done.len() < queries.len() {
        let ready =
            reads.iter().find(|(name, deps)| !done.contains(*name) && deps.iter().all(|d| done.contains(d)));
        match ready {
            Some((name, _)) => {
                done.insert(name);
                order.push(name.to_string());
            }
            None => {
                let stuck: Vec<String> = reads
                    .keys()
                    .filter(|name| !done.contains(*name))
                    .map(|name| format!("`{name}` (key `tables.{name}.sql`) reads {}", list(&reads[name])))
                    .collect();
                bail!("derived tables read each other in a cycle: {}", stuck.join("; "));
            }
        }
    }
    Ok(order)
}

fn list(names: &BTreeSet<&str>) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// The lower-cased names of the tables `sql` reads, from DuckDB's parse
/// tree: every base table, less the query's own CTEs.
fn tables_read(conn: &Connection, sql: &str) -> Result<BTreeSet<String>> {
    let tree: String = conn
        .query_row("SELECT json_serialize_sql(?)", [sql.trim().trim_end_matches(';')], |r| r.get(0))
        .map_err(|e| anyhow!("failed to parse the query: {e}"))?;
    let tree: Value =
        serde_json::from_str(&tree).map_err(|e| anyhow!("failed to read DuckDB's parse tree: {e}"))?;
    let (mut tables, mut ctes) = (BTreeSet::new(), BTreeSet::new());
    if tree["error"] != Value::Bool(true) {
        walk(&tree, &mut tables, &mut ctes);
    }
    Ok(tables.difference(&ctes).cloned().collect())
}

fn walk(node: &Value, tables: &mut BTreeSet<String>, ctes: &mut BTreeSet<String>) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("BASE_TABLE") {
                if let Some(name) = map.get("table_name").and_then(Value::as_str) {
                    tables.insert(name.to_lowercase());
                }
            }
            if let Some(entries) = map.get("cte_map").and_then(|m| m.get("map")).and_then(Value::as_array) {
                for key in entries.iter().filter_map(|e| e.get("key").and_then(Value::as_str)) {
                    ctes.insert(key.to_lowercase());
                }
            }
            map.values().for_each(|v| walk(v, tables, ctes));
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, tables, ctes)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(pairs: &[(&str, &str)]) -> Result<Vec<String>> {
        let conn = Connection::open_in_memory().unwrap();
        load_order(&conn, &pairs.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect())
    }

    #[test]
    fn a_table_comes_after_the_derived_tables_it_reads() {
        let got = order(&[
            ("a_active", "SELECT * FROM z_users WHERE x IN (SELECT user_id FROM \"M_Logins\")"),
            ("m_logins", "SELECT * FROM events WHERE event = 'login'"),
            ("z_users", "SELECT * FROM events -- not from a_active\n"),
        ])
        .unwrap();
        assert_eq!(got, ["m_logins", "z_users", "a_active"]);
    }

    #[test]
    fn literals_comments_columns_and_ctes_are_not_reads() {
        let got = order(&[
            ("a", "WITH c AS (SELECT 1 AS b) SELECT 'it''s b' AS t, b /* b */ FROM events, c -- b"),
            ("b", "SELECT * FROM a"),
            ("c", "SELECT 1 AS x"),
        ])
        .unwrap();
        assert_eq!(got, ["a", "b", "c"]);
    }

    #[test]
    fn a_query_duckdb_cannot_parse_reads_nothing() {
        assert_eq!(order(&[("a", "SELECT * FROM"), ("b", "SELECT 1")]).unwrap(), ["a", "b"]);
    }

    #[test]
    fn a_cycle_is_named() {
        let err =
            order(&[("a", "SELECT * FROM b"), ("b", "SELECT * FROM a"), ("c", "SELECT 1")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "derived tables read each other in a cycle: `a` (key `tables.a.sql`) reads `b`; `b` (key `tables.b.sql`) reads `a`"
        );
    }
}
