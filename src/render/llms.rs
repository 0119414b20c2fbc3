//! `llms.txt` at the site root (the llmstxt.org convention): the site title,
//! the as-of date and a line per report linking its JSON download, so a
//! model given only the site's URL finds the data. Written from the
//! manifest, so it lists exactly what `api/index.json` lists.

use anyhow::Result;
use serde::Serialize;
use serde_json::Value;

/// The text of `llms.txt` for a manifest (the value written to
/// `api/index.json`).
pub fn llms_txt(manifest: &impl Serialize) -> Result<String> {
    let manifest = serde_json::to_value(manifest)?;
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(one_line).unwrap_or_default();
    let site = manifest.get("site").cloned().unwrap_or(Value::Null);
    let as_of = text(&manifest, "as_of");

    let mut out = format!("# {}\n\n", text(&site, "title"));
    let description = text(&site, "description");
    let summary = if description.is_empty() { "Usage reports.".to_string() } else { description };
    out += &format!("> {summary} Numbers as of {as_of}.\n\n");
    out += &format!(
        "A static usage dashboard built by tally. Each report below links its JSON download: \
         metadata, then `rows`, one object per row keyed by column name (a CSV and an XLSX sit \
         beside it). \"Current month\", \"current year\" and \"last 7 days\" are relative to the \
         as-of date, {as_of}. [api/index.json](api/index.json) lists every tab, report, column \
         type and row count.\n"
    );
    let views = manifest.get("views").and_then(Value::as_array).map_or(0, Vec::len);
    if views > 0 {
        out += &format!(
            "\nThe same reports for each organization and team ({views} view{}) are at \
             `views/<filter>/<slug>/<tab>/<report>.json`; `views` in api/index.json lists them.\n",
            if views == 1 { "" } else { "s" }
        );
    }

    let tabs = manifest.get("tabs").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut pdfs = Vec::new();
    for tab in &tabs {
        out += &format!("\n## {}\n\n", text(tab, "title"));
        let description = text(tab, "description");
        if !description.is_empty() {
            out += &format!("{description}\n\n");
        }
        for note in tab.get("notes").and_then(Value::as_array).into_iter().flatten() {
            out += &format!("Note: {}\n\n", note.as_str().map(one_line).unwrap_or_default());
        }
        for report in tab.get("reports").and_then(Value::as_array).into_iter().flatten() {
            let title = escape_link_text(&text(report, "title"));
            let description = text(report, "description");
            let json = report.get("files").and_then(|f| f.get("json")).and_then(Value::as_str);
            match json {
                Some(json) if description.is_empty() => out += &format!("- [{title}]({json})\n"),
                Some(json) => out += &format!("- [{title}]({json}): {description}\n"),
                None => {
                    out += &format!("- {title}: not available (the report failed when the site was built)\n")
                }
            }
        }
        if let Some(pdf) = tab.get("pdf").and_then(Value::as_str) {
            pdfs.push(format!("- [{} (PDF)]({pdf})\n", escape_link_text(&text(tab, "title"))));
        }
    }
    if !pdfs.is_empty() {
        out += "\n## Optional\n\n";
        out += &pdfs.concat();
    }
    Ok(out)
}

/// Titles and descriptions go on one line each.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A title inside `[...]` must not close the link early.
fn escape_link_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_every_report_with_its_json_link() {
        let manifest = json!({
            "site": {"title": "Product usage", "description": "How we use it."},
            "as_of": "2026-11-25",
            "format_version": 2,
            "tabs": [
                {"id": "users-activity", "title": "Users activity", "description": "Who logs in.",
                 "pdf": "users-activity/users-activity.pdf",
                 "notes": ["Logins are recorded\nfrom 2025-07-01."],
                 "reports": [
                    {"id": "monthly-active-seats", "title": "Total monthly active seats",
                     "description": "Users who count as an active seat, per month.",
                     "files": {"csv": "users-activity/monthly-active-seats.csv",
                               "json": "users-activity/monthly-active-seats.json"}},
                    {"id": "broken", "title": "Teams [all]", "description": "", "files": {}, "error": "boom"}]},
                {"id": "ai-mcp", "title": "AI & MCP", "pdf": "ai-mcp/ai-mcp.pdf", "reports": [
                    {"id": "calls", "title": "MCP calls", "files": {"json": "ai-mcp/calls.json"}}]}
            ],
            "views": [{"filter": "organization", "value": "o1", "label": "O", "path": "views/organization/o1/"}]
        });
        let expected = "\
# Product usage

> How we use it. Numbers as of 2026-11-25.

A static usage dashboard built by tally. Each report below links its JSON download: metadata, then `rows`, one object per row keyed by column name (a CSV and an XLSX sit beside it). \"Current month\", \"current year\" and \"last 7 days\" are relative to the as-of date, 2026-11-25. [api/index.json](api/index.json) lists every tab, report, column type and row count.

The same reports for each organization and team (1 view) are at `views/<filter>/<slug>/<tab>/<report>.json`; `views` in api/index.json lists them.

## Users activity

Who logs in.

Note: Logins are recorded from 2025-07-01.

- [Total monthly active seats](users-activity/monthly-active-seats.json): Users who count as an active seat, per month.
- Teams \\[all\\]: not available (the report failed when the site was built)

## AI & MCP

- [MCP calls](ai-mcp/calls.json)

## Optional

- [Users activity (PDF)](users-activity/users-activity.pdf)
- [AI & MCP (PDF)](ai-mcp/ai-mcp.pdf)
";
        assert_eq!(llms_txt(&manifest).unwrap(), expected);
    }

    #[test]
    fn a_site_without_description_or_views_says_less() {
        let manifest = json!({"site": {"title": "T"}, "as_of": "2026-01-31", "tabs": []});
        let text = llms_txt(&manifest).unwrap();
        assert!(text.starts_with("# T\n\n> Usage reports. Numbers as of 2026-01-31.\n\n"), "{text}");
        assert!(!text.contains("views/"), "{text}");
        assert!(!text.contains("## Optional"), "{text}");
    }
}
