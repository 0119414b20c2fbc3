//! "View SQL" runs as it is shown: each report's View SQL, run on a fresh
//! DuckDB connection over the same loaded tables (none of tally's macros or
//! variables defined), gives the report's rows; so does each tab's
//! `queries.sql` download. And the reports' SQL, unchanged, run over tables
//! filtered to one organization (a schema on the search path, as views do)
//! gives the rows of a site built from exports filtered the same way.

use std::path::Path;

use serde_json::Value;
use tally::data::Database;
use tally::report::{bind_report_params, prepare_connection, run_query, split_statements, ResultTable};
use tally::site::{BuildOptions, Site};

use crate::catalogue::default_site;
use crate::invariants::sample_site;

/// The site at `root`, loaded and run in this process.
fn run_site(root: &Path) -> (Site, Vec<tally::report::ReportOutput>) {
    let options = BuildOptions { config: root.join("site.toml"), ..Default::default() };
    let mut site = Site::new(&options).unwrap();
    site.load(None, None).unwrap();
    let outputs = site.run(false).unwrap();
    (site, outputs)
}

/// A second load of the site's exports: its own database, with nothing
/// defined on its connections.
fn fresh_load(site: &Site) -> Database {
    let mut db = Database::open(&site.config, &site.root).unwrap();
    db.load(&site.config, &site.data_dir).unwrap();
    db.cut_at(&site.config, site.as_of).unwrap();
    db
}

/// Runs a script statement by statement; returns the results of its queries
/// (the statements that return rows), in order.
fn run_script(conn: &duckdb::Connection, script: &str) -> Vec<ResultTable> {
    let mut results = Vec::new();
    for statement in split_statements(script) {
        let head = statement.trim_start().to_ascii_uppercase();
        if head.starts_with("CREATE") || head.starts_with("SET") {
            conn.execute_batch(&statement).unwrap_or_else(|e| panic!("{e}\n{statement}"));
        } else {
            results.push(run_query(conn, &statement).unwrap_or_else(|e| panic!("{e}\n{statement}")));
        }
    }
    results
}

fn check_view_sql(root: &Path) {
    let (site, outputs) = run_site(root);
    let db = fresh_load(&site);
    for output in &outputs {
        let id = format!("{}/{}", output.tab.id, output.report.id);
        // A new connection per report: the View SQL alone sets it up.
        let conn = db.conn.try_clone().unwrap();
        let results = run_script(&conn, &output.view_sql);
        assert_eq!(results.len(), 1, "{id}: one query in\n{}", output.view_sql);
        assert_eq!(results[0], output.table, "{id}: View SQL gave other rows\n{}", output.view_sql);
        assert!(!output.view_sql.contains("main."), "{id}: a table named with its schema");
    }
}

#[test]
fn every_reports_view_sql_gives_its_rows_on_a_fresh_connection() {
    for fixture in ["catalogue", "edge-multi-org"] {
        let site = default_site(fixture);
        check_view_sql(site.root());
    }
    let site = sample_site();
    check_view_sql(site.root());
}

#[test]
fn the_view_sql_on_the_page_and_in_queries_sql_is_what_ran() {
    let test_site = default_site("catalogue");
    test_site.build_ok(&[]);
    let (site, outputs) = run_site(test_site.root());
    let db = fresh_load(&site);
    let manifest = test_site.json("public/api/index.json");
    for tab in manifest["tabs"].as_array().unwrap() {
        let id = tab["id"].as_str().unwrap();
        let script = test_site.read(&format!("public/{}", tab["queries"].as_str().unwrap()));
        let tab_outputs: Vec<_> = outputs.iter().filter(|o| o.tab.id == id).collect();
        let results = run_script(&db.conn.try_clone().unwrap(), &script);
        assert_eq!(results.len(), tab_outputs.len(), "{id}: one query per report in queries.sql");
        for (result, output) in results.iter().zip(&tab_outputs) {
            assert_eq!(result, &output.table, "{id}/{}: queries.sql gave other rows", output.report.id);
        }
        // The card shows the View SQL (escaped as HTML).
        let page = test_site.read(&format!("public/{id}/index.html"));
        for output in tab_outputs {
            let escaped = output
                .view_sql
                .trim()
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#x27;")
                .replace('/', "&#x2F;");
            assert!(
                page.contains(&escaped),
                "{id}/{}: the page does not show its View SQL",
                output.report.id
            );
        }
    }
    // Twin reports share one query and differ by their params.
    let sql = |report: &str| outputs.iter().find(|o| o.report.id == report).unwrap();
    assert_eq!(sql("member-page-visits").sql, sql("admin-page-visits").sql);
    assert!(sql("admin-page-visits").view_sql.contains("SET VARIABLE \"role\" = 'admin';"));
    assert!(sql("member-page-visits").view_sql.contains("SET VARIABLE \"role\" = 'member';"));
}

/// Keeps the rows of a CSV export whose `organization_id` is `org`; an
/// export without that column is kept whole.
fn filter_export(text: &str, org: &str) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let Some(column) = header.split(',').position(|c| c == "organization_id") else {
        return text.to_string();
    };
    let mut out = vec![header.to_string()];
    out.extend(lines.filter(|l| l.split(',').nth(column) == Some(org)).map(String::from));
    out.join("\n") + "\n"
}

#[test]
fn the_reports_run_unchanged_over_one_organizations_tables() {
    for org in ["org-a", "org-b"] {
        // A site of the exports filtered to one organization.
        let filtered = default_site("edge-multi-org");
        for entry in std::fs::read_dir(filtered.path("data")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, filter_export(&text, org)).unwrap();
        }
        filtered.build_ok(&[]);

        // The whole exports, with the same tables filtered in a schema that
        // is first on the search path, and the reports' SQL unchanged.
        let whole = default_site("edge-multi-org");
        let (site, outputs) = run_site(whole.root());
        let db = fresh_load(&site);
        let conn = db.conn.try_clone().unwrap();
        conn.execute_batch("CREATE SCHEMA one_org").unwrap();
        for table in &db.tables {
            let has_org = table.columns.iter().any(|(name, _)| name == "organization_id");
            let filter = if has_org { format!(" WHERE organization_id = '{org}'") } else { String::new() };
            conn.execute_batch(&format!(
                "CREATE TABLE one_org.{0} AS SELECT * FROM main.{0}{filter}",
                table.name
            ))
            .unwrap();
        }
        conn.execute_batch("SET search_path = 'one_org'").unwrap();
        prepare_connection(&conn, &site.params(), &site.prelude).unwrap();
        for output in &outputs {
            bind_report_params(&conn, &output.report.params, None).unwrap();
            let table = run_query(&conn, &output.sql).unwrap();
            let rows: Vec<Value> = table
                .rows
                .iter()
                .map(|row| {
                    let object = table
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| (c.name.clone(), serde_json::to_value(v).unwrap()));
                    Value::Object(object.collect())
                })
                .collect();
            assert_eq!(
                rows,
                filtered.report_rows(&output.tab.id, &output.report.id),
                "{org}: {}/{} over the filtered schema",
                output.tab.id,
                output.report.id
            );
        }
    }
}

/// A sanity check of the helper: the filter keeps the header and the rows.
#[test]
fn filter_export_keeps_one_organizations_rows() {
    let text = "a,organization_id\n1,org-a\n2,org-b\n";
    assert_eq!(filter_export(text, "org-a"), "a,organization_id\n1,org-a\n");
    assert_eq!(filter_export("a\n1\n", "org-a"), "a\n1\n");
}
