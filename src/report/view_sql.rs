//! "View SQL": a report's query as a script that runs as it is in the DuckDB
//! CLI over the tables tally loaded, and gives the report's rows: this
//! build's parameter macros and the prelude macros the query uses (with the
//! comment above each), the report's `SET VARIABLE` lines, then the query.
//! A tab's `queries.sql` download holds the whole prelude and every query of
//! the tab the same way.

use std::collections::BTreeSet;

use anyhow::{bail, Result};

use super::params::{set_variables_sql, Params};
use super::prelude::{called_names, code_end, read_variables, Prelude};
use crate::config::{ReportConfig, TabConfig};

/// What a script runs over, for its first comment.
const LOADED_TABLES: &str = "-- Runs as it is in the DuckDB CLI over the tables tally loaded (one per\n\
    -- export, timestamps in UTC, rows after the as-of date dropped)";

/// Where a report's query comes from, for the script's comments.
fn source(report: &ReportConfig) -> String {
    match &report.sql_file {
        Some(file) => file.display().to_string(),
        None => "`sql` in site.toml".into(),
    }
}

/// The query with a `;` after its last token (before a trailing comment),
/// so the CLI runs it.
fn terminated(sql: &str) -> String {
    let sql = sql.trim();
    match code_end(sql) {
        Some((end, false)) => format!("{};{}", &sql[..end], &sql[end..]),
        _ => sql.to_string(),
    }
}

/// Checks that the query reads exactly the params it is given (a typo in a
/// `getvariable` name would read NULL and silently give other rows), and
/// returns the prelude macros it uses, in prelude order, and the parameter
/// macros it uses.
fn used_definitions<'a>(
    prelude: &'a Prelude,
    report: &ReportConfig,
    sql: &str,
) -> Result<(Vec<&'a super::prelude::MacroDef>, BTreeSet<String>)> {
    let mut wanted: Vec<String> = called_names(sql).into_iter().collect();
    let mut seen = BTreeSet::new();
    let mut variables = read_variables(sql);
    while let Some(name) = wanted.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(m) = prelude.get(&name) {
            wanted.extend(m.calls.iter().cloned());
            variables.extend(m.variables.iter().cloned());
        }
    }
    for name in &variables {
        if !report.params.contains_key(name) {
            bail!(
                "the query reads getvariable('{name}') but the report has no `params.{name}` (add `params = {{ {name} = ... }}` to it in site.toml)"
            );
        }
    }
    if let Some(unread) = report.params.keys().find(|name| !variables.contains(*name)) {
        bail!("`params.{unread}` is set, but the query never reads getvariable('{unread}')");
    }
    let macros = prelude.macros.iter().filter(|m| seen.contains(&m.name)).collect();
    let param_macros = seen.into_iter().collect();
    Ok((macros, param_macros))
}

/// The View SQL of one report. Fails when the query's `getvariable` reads
/// and the report's `params` differ.
pub fn view_sql(
    params: &Params,
    prelude: &Prelude,
    tab: &TabConfig,
    report: &ReportConfig,
    sql: &str,
) -> Result<String> {
    let (macros, param_macros) = used_definitions(prelude, report, sql)?;
    let mut out = format!(
        "-- Report `{}/{}`, as built for {}.\n{LOADED_TABLES} and gives the report's rows.\n",
        tab.id, report.id, params.as_of
    );
    let used_params: Vec<String> = params
        .macros()
        .into_iter()
        .filter(|(name, _)| param_macros.contains(*name))
        .map(|(_, s)| s)
        .collect();
    if !used_params.is_empty() || !report.params.is_empty() {
        out.push_str("\n-- This build's parameters\n");
        for statement in used_params {
            out.push_str(&statement);
            out.push('\n');
        }
        out.push_str(&set_variables_sql(&report.params)?);
    }
    if !macros.is_empty() {
        out.push_str(&format!("\n-- Shared definitions, from {}\n", prelude.origin));
        for m in macros {
            out.push_str(&m.statement);
            out.push_str("\n\n");
        }
        out.pop();
    }
    out.push_str(&format!("\n-- The query, from {}\n", source(report)));
    out.push_str(&terminated(sql));
    out.push('\n');
    Ok(out)
}

/// A tab's `queries.sql`: the parameter macros, the whole prelude and every
/// report's query with its params, to paste into the DuckDB CLI over the
/// loaded tables. `reports` pairs each report with the SQL it ran.
pub fn tab_script(
    params: &Params,
    prelude: &Prelude,
    tab: &TabConfig,
    reports: &[(&ReportConfig, &str)],
) -> Result<String> {
    let mut out = format!(
        "-- The queries of tab `{}` ({}), as built for {}.\n{LOADED_TABLES}; each query\n\
         -- gives its report's rows.\n\n-- This build's parameters\n",
        tab.id, tab.title, params.as_of
    );
    for (_, statement) in params.macros() {
        out.push_str(&statement);
        out.push('\n');
    }
    if !prelude.macros.is_empty() {
        out.push_str(&format!("\n-- Shared definitions, from {}\n", prelude.origin));
        out.push_str(prelude.text.trim());
        out.push('\n');
    }
    for (report, sql) in reports {
        out.push_str(&format!("\n-- Report `{}`: {} (from {})\n", report.id, report.title, source(report)));
        out.push_str(&set_variables_sql(&report.params)?);
        out.push_str(&terminated(sql));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const SITE: &str = r#"
title = "T"
[[tabs]]
id = "t"
title = "Tab"
[[tabs.reports]]
id = "admins"
title = "Admins"
sql = "SELECT count(*) AS n FROM people() WHERE role = getvariable('role') -- admins"
params = { role = "admin" }
[[tabs.reports]]
id = "plain"
title = "Plain"
sql = "SELECT month_start() AS m;"
"#;

    const PRELUDE: &str = "-- Header.\n\n\
        -- Everyone up to the as-of date.\n\
        CREATE OR REPLACE TEMP MACRO people() AS TABLE SELECT * FROM users WHERE created_at < as_of_end();\n\n\
        -- Not used by the reports.\n\
        CREATE OR REPLACE TEMP MACRO unused() AS year_start();\n";

    fn setup() -> (Params, Prelude, Config) {
        let params = Params {
            as_of: "2026-03-18".parse().unwrap(),
            subscription_start: "2026-01-01".parse().unwrap(),
        };
        (
            params,
            Prelude::parse(PRELUDE, "queries/_prelude.sql").unwrap(),
            Config::parse(SITE, "site.toml").unwrap(),
        )
    }

    #[test]
    fn a_reports_view_sql_holds_what_it_uses_and_nothing_else() {
        let (params, prelude, config) = setup();
        let tab = &config.tabs[0];
        let report = &tab.reports[0];
        let sql = view_sql(&params, &prelude, tab, report, report.sql.as_deref().unwrap()).unwrap();
        assert!(sql.contains("\nCREATE OR REPLACE TEMP MACRO as_of_end() AS (DATE '2026-03-18' + INTERVAL 1 DAY)::TIMESTAMP;\n"), "{sql}");
        assert!(sql.contains("\nSET VARIABLE \"role\" = 'admin';\n"), "{sql}");
        assert!(
            sql.contains("\n-- Everyone up to the as-of date.\nCREATE OR REPLACE TEMP MACRO people()"),
            "{sql}"
        );
        assert!(!sql.contains("unused") && !sql.contains("month_start") && !sql.contains("Header"), "{sql}");
        // The `;` goes before the trailing comment.
        assert!(sql.ends_with("WHERE role = getvariable('role'); -- admins\n"), "{sql}");
        // Definitions come before their use.
        let (a, b, c) = (
            sql.find("as_of_end()").unwrap(),
            sql.find("MACRO people").unwrap(),
            sql.find("SELECT count").unwrap(),
        );
        assert!(a < b && b < c);

        let plain = &tab.reports[1];
        let sql = view_sql(&params, &prelude, tab, plain, plain.sql.as_deref().unwrap()).unwrap();
        assert!(
            sql.contains("MACRO month_start() AS DATE '2026-03-01';") && !sql.contains("Shared"),
            "{sql}"
        );
        assert!(sql.ends_with("SELECT month_start() AS m;\n"), "{sql}");
    }

    #[test]
    fn params_and_variables_must_match() {
        let (params, prelude, config) = setup();
        let tab = &config.tabs[0];
        let mut report = tab.reports[0].clone();
        report.params.clear();
        let err = view_sql(&params, &prelude, tab, &report, report.sql.as_deref().unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("reads getvariable('role') but the report has no `params.role`"),
            "{err}"
        );
        let plain = &tab.reports[1];
        let mut extra = plain.clone();
        extra.params.insert("rol".into(), toml::Value::String("x".into()));
        let err = view_sql(&params, &prelude, tab, &extra, plain.sql.as_deref().unwrap()).unwrap_err();
        assert!(err.to_string().contains("`params.rol` is set, but the query never reads"), "{err}");
    }

    #[test]
    fn a_tab_script_holds_every_query() {
        let (params, prelude, config) = setup();
        let tab = &config.tabs[0];
        let reports: Vec<(&ReportConfig, &str)> =
            tab.reports.iter().map(|r| (r, r.sql.as_deref().unwrap())).collect();
        let script = tab_script(&params, &prelude, tab, &reports).unwrap();
        assert!(script.contains("-- Header.") && script.contains("MACRO unused()"), "{script}");
        assert!(script.contains("-- Report `admins`: Admins (from `sql` in site.toml)\nSET VARIABLE \"role\" = 'admin';\nSELECT count(*)"), "{script}");
        assert!(
            script
                .contains("-- Report `plain`: Plain (from `sql` in site.toml)\nSELECT month_start() AS m;\n"),
            "{script}"
        );
    }
}
