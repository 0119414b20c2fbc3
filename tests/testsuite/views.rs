//! Views (DESIGN.md section 8): the contract that a view's numbers equal
//! those of a site built from exports filtered the same way, by hand; a
//! view published as a site of its own holding nothing of any other
//! organization; hostile organization and team names; the cap.
//!
//! The fixture (`tests/fixtures/views`) is the catalogue fixture's exports
//! plus a third organization with a hostile name (`org-x`), a fourth whose id
//! slugs like the third's (`ORG_X`), a person (u1) in two organizations with
//! another role and team in each, hostile team names (`../etc`, an emoji) and
//! an action run without an organization.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::util::TestSite;

/// A view's filter, as the test applies it by hand to the export files.
struct HandFilter<'a> {
    organization: &'a str,
    team: Option<&'a str>,
}

impl HandFilter<'_> {
    /// Whether an export row stays in the view: rows naming another
    /// organization (or none) go; for a team, the row's own `team` decides
    /// where it has one, else its user's team in the organization; a row
    /// with neither stays (the organization's whole).
    fn keeps(
        &self,
        get: &dyn Fn(&str) -> Option<String>,
        has: &dyn Fn(&str) -> bool,
        team_users: &BTreeSet<String>,
    ) -> bool {
        if !has("organization_id") {
            return true;
        }
        if get("organization_id").as_deref() != Some(self.organization) {
            return false;
        }
        let Some(team) = self.team else { return true };
        let own = get("team").map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        match own {
            Some(own) => own == team,
            None if has("user_id") => get("user_id").is_some_and(|u| team_users.contains(&u)),
            None => !has("team"),
        }
    }
}

/// Writes the exports of `src` filtered by `filter` into `dst`, with plain
/// CSV and JSON handling (no DuckDB), so the test does not share tally's
/// code for it.
fn filter_exports(src: &Path, dst: &Path, filter: &HandFilter<'_>) {
    let mut team_users = BTreeSet::new();
    if let Some(team) = filter.team {
        let mut users = csv::Reader::from_path(src.join("users.csv")).unwrap();
        let headers = users.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        for row in users.records() {
            let row = row.unwrap();
            if &row[col("organization_id")] == filter.organization && row[col("team")].trim() == team {
                team_users.insert(row[col("user_id")].to_string());
            }
        }
    }
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let out = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&out).unwrap();
            continue;
        }
        let name = rel.to_string_lossy();
        if name.ends_with(".csv") {
            let mut reader = csv::Reader::from_path(entry.path()).unwrap();
            let headers = reader.headers().unwrap().clone();
            let mut writer = csv::Writer::from_path(&out).unwrap();
            writer.write_record(&headers).unwrap();
            for row in reader.records() {
                let row = row.unwrap();
                let get = |c: &str| {
                    headers.iter().position(|h| h == c).map(|i| row[i].to_string()).filter(|v| !v.is_empty())
                };
                let has = |c: &str| headers.iter().any(|h| h == c);
                if filter.keeps(&get, &has, &team_users) {
                    writer.write_record(&row).unwrap();
                }
            }
            writer.flush().unwrap();
        } else if name.ends_with(".jsonl") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let rows: Vec<(&str, Value)> =
                text.lines().map(|l| (l, serde_json::from_str(l).unwrap())).collect();
            // The table's columns: every key any row carries (a row may
            // leave an optional key out).
            let keys: BTreeSet<String> =
                rows.iter().flat_map(|(_, row)| row.as_object().unwrap().keys().cloned()).collect();
            let kept: Vec<&str> = rows
                .iter()
                .filter(|(_, row)| {
                    let get = |c: &str| {
                        row.get(c).and_then(Value::as_str).map(str::to_string).filter(|v| !v.is_empty())
                    };
                    let has = |c: &str| keys.contains(c);
                    filter.keeps(&get, &has, &team_users)
                })
                .map(|(line, _)| *line)
                .collect();
            std::fs::write(&out, kept.join("\n") + "\n").unwrap();
        } else {
            panic!("the fixture has an export the test cannot filter: {name}");
        }
    }
}

fn manifest_views(site: &TestSite) -> Vec<Value> {
    site.json("public/api/index.json")["views"].as_array().unwrap().clone()
}

fn reports(site: &TestSite) -> Vec<(String, String)> {
    let manifest = site.json("public/api/index.json");
    let mut out = Vec::new();
    for tab in manifest["tabs"].as_array().unwrap() {
        for report in tab["reports"].as_array().unwrap() {
            out.push((tab["id"].as_str().unwrap().to_string(), report["id"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[test]
fn every_view_equals_a_site_built_from_exports_filtered_by_hand() {
    let site = TestSite::with_default_reports("views");
    site.build_ok(&[]);
    let views = manifest_views(&site);
    let values: Vec<&str> = views.iter().map(|v| v["value"].as_str().unwrap()).collect();
    for expected in ["ORG_X", "org-a", "org-g", "org-x", "org-a/Platform", "org-x/../etc", "org-x/🚀 Rockets"]
    {
        assert!(values.contains(&expected), "no view `{expected}` in {values:?}");
    }
    // Every organization, and teams of two organizations (one through the
    // run's own team, one through users only, one hostile).
    let chosen: Vec<&Value> = views
        .iter()
        .filter(|v| {
            v["filter"] == "organization"
                || ["org-a/Data", "org-g/Ops", "org-x/../etc"].contains(&v["value"].as_str().unwrap())
        })
        .collect();
    assert_eq!(chosen.len(), 7);
    for view in chosen {
        let value = view["value"].as_str().unwrap();
        let (organization, team) = match view["filter"].as_str().unwrap() {
            "team" => {
                let (o, t) = value.split_once('/').unwrap();
                (o, Some(t))
            }
            _ => (value, None),
        };
        let filtered = TestSite::with_default_reports("views");
        std::fs::remove_dir_all(filtered.path("data")).unwrap();
        filter_exports(&site.path("data"), &filtered.path("data"), &HandFilter { organization, team });
        filtered.build_ok(&[]);
        let path = view["path"].as_str().unwrap();
        for (tab, report) in reports(&site) {
            let by_hand = filtered.report_rows(&tab, &report);
            let view_json = site.json(&format!("public/{path}{tab}/{report}.json"));
            assert_eq!(view_json["rows"].as_array().unwrap(), &by_hand, "view `{value}`, {tab}/{report}");
            for ext in ["csv", "xlsx"] {
                assert!(
                    site.path(&format!("public/{path}{tab}/{report}.{ext}")).is_file(),
                    "{path}{tab}/{report}.{ext}"
                );
            }
        }
        let pdf = site.path(&format!("public/{path}users-activity/users-activity.pdf"));
        assert_eq!(
            pdf.is_file(),
            team.is_none(),
            "organization views, and only they, have tab PDFs: {value}"
        );
    }
}

#[test]
fn a_view_site_holds_nothing_of_other_organizations() {
    let site = TestSite::with_default_reports("views");
    site.build_ok(&["--view", "organization=org-a", "-o", "acme"]);
    let manifest = site.json("acme/api/index.json");
    assert_eq!(manifest["scope"]["value"], "org-a");
    let views: Vec<&str> =
        manifest["views"].as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(views, ["org-a/Data", "org-a/Platform"], "only its own teams");
    let forbidden = [
        "Globex",
        "org-g",
        "globex.test",
        "org-x",
        "ORG_X",
        "Orgx",
        "x.test",
        "twin.test",
        "Zed Zhu",
        "Yan Yu",
        "Eli Evans",
        "Rockets",
        "alert(1)",
    ];
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(site.path("acme")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let name = path.to_string_lossy().into_owned();
        let texts: Vec<String> = match path.extension().and_then(|e| e.to_str()) {
            Some("xlsx") => {
                let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
                (0..zip.len())
                    .map(|i| {
                        let mut text = String::new();
                        std::io::Read::read_to_string(&mut zip.by_index(i).unwrap(), &mut text)
                            .unwrap_or_default();
                        text
                    })
                    .collect()
            }
            Some("pdf") => {
                let out = std::process::Command::new("pdftotext")
                    .arg(path)
                    .arg("-")
                    .output()
                    .expect("pdftotext must be installed (.ci/run installs Debian's poppler-utils)");
                assert!(out.status.success(), "pdftotext {name}");
                vec![String::from_utf8_lossy(&out.stdout).into_owned()]
            }
            Some("png") => continue,
            _ => vec![String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()],
        };
        for text in texts {
            for word in forbidden {
                assert!(!text.contains(word), "{name} holds `{word}`");
            }
        }
        checked += 1;
    }
    assert!(checked > 100, "checked {checked} files");
    // Its own numbers are there: Acme's runs, in its PDF too.
    assert!(site.read("acme/actions-automations/actions-by-organization.csv").contains("Acme"));
}

#[test]
fn hostile_names_get_safe_distinct_views() {
    let site = TestSite::with_default_reports("views");
    site.build_ok(&[]);
    let views = manifest_views(&site);
    let paths: BTreeSet<&str> = views.iter().map(|v| v["path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), views.len(), "every view has its own folder");
    for path in &paths {
        assert!(
            path.starts_with("views/") && path.split('/').all(|p| p != ".." && p != "."),
            "unsafe view path {path}"
        );
        assert!(
            path.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/'),
            "{path}"
        );
        assert!(site.path(&format!("public/{path}users-activity/data.js")).is_file(), "{path}");
    }
    // `ORG_X` and `org-x` slug alike: both have a view.
    let org_paths: Vec<&str> =
        views.iter().filter(|v| v["filter"] == "organization").map(|v| v["path"].as_str().unwrap()).collect();
    assert!(
        org_paths.contains(&"views/organization/org-x/")
            && org_paths.contains(&"views/organization/org-x-2/"),
        "{org_paths:?}"
    );
    // The tabs whose reports read only tables no team narrows say so.
    let entities = site.read("public/entities/index.html");
    assert!(entities.contains("data-team-note") && entities.contains("`entity_counts`"), "{entities}");
    assert!(!site.read("public/actions-automations/index.html").contains("data-team-note"));
    // Labels reach scripts only as escaped JSON.
    let index = site.read("public/views/index.js");
    assert!(index.starts_with("tally.filters("), "{index}");
    assert!(!index.contains('<') && index.contains("\\u003cscript\\u003ealert(1)"), "{index}");
    for entry in walkdir::WalkDir::new(site.path("public/views")) {
        let entry = entry.unwrap();
        if entry.path().extension().and_then(|e| e.to_str()) == Some("js") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(!text.contains("</script"), "{}", entry.path().display());
        }
    }
}

#[test]
fn the_cap_and_the_switches_limit_the_views() {
    let site = TestSite::with_default_reports("views");
    site.write("site.toml", &(site.read("site.toml") + "\n[views]\nmax = 3\n"));
    let out = site.build_ok(&[]);
    let manifest = site.json("public/api/index.json");
    let views: Vec<&str> =
        manifest["views"].as_array().unwrap().iter().map(|v| v["filter"].as_str().unwrap()).collect();
    assert_eq!(views, ["organization", "organization", "organization"], "organizations first");
    assert!(manifest["views_dropped"].as_u64().unwrap() >= 6);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("left out by the cap") && stderr.contains("views.max"), "{stderr}");

    let config = site.read("site.toml").replace("max = 3", "organization = false\nteam = false");
    site.write("site.toml", &config);
    site.build_ok(&[]);
    assert!(manifest_views(&site).is_empty());
    assert!(!site.path("public/views/organization").exists());
    assert!(site.read("public/views/index.js").contains("\"organizations\":[]"));
}

/// Runs `tests/browser/<script>` with node on a spec; panics with its
/// output when it fails.
pub(crate) fn run_browser_script(script: &str, spec: &Value) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "the browser tests need `npm ci --prefix tests/browser` (.ci/run does it)"
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(spec).unwrap()).unwrap();
    let out = std::process::Command::new("node")
        .arg(dir.join(script))
        .arg(file.path())
        .output()
        .expect("node must be installed");
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `1234` -> `1,234`, as the page shows integers.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[test]
fn views_work_in_a_browser_over_http_and_from_file() {
    let site = TestSite::with_default_reports("views");
    site.build_ok(&[]);
    let views = manifest_views(&site);
    let find =
        |value: &str| views.iter().find(|v| v["value"] == value).unwrap_or_else(|| panic!("no view {value}"));
    let key = |v: &Value| {
        v["path"].as_str().unwrap().trim_start_matches("views/").trim_end_matches('/').to_string()
    };
    let slug = |v: &Value| key(v).rsplit('/').next().unwrap().to_string();
    let (org, team) = (find("org-g"), find("org-g/Ops"));
    let tab = "actions-automations";
    let rows = |path: &str, report: &str| {
        site.json(&format!("public/{path}{tab}/{report}.json"))["rows"].as_array().unwrap().clone()
    };
    let number = |path: &str| grouped(rows(path, "api-and-automation-triggers")[0]["runs"].as_i64().unwrap());
    let series = |path: &str| -> Vec<i64> {
        rows(path, "monthly-action-runs").iter().map(|r| r["runs"].as_i64().unwrap()).collect()
    };
    let months: Vec<String> = rows("", "monthly-action-runs")
        .iter()
        .map(|r| r["month"].as_str().unwrap()[..7].to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let team_path = team["path"].as_str().unwrap();
    let team_months: Vec<String> = rows(team_path, "monthly-action-runs")
        .iter()
        .map(|r| r["month"].as_str().unwrap()[..7].to_string())
        .collect();
    let (from, to) = (months[1].clone(), months[months.len() - 2].clone());
    let range_series: Vec<i64> = series(team_path)
        .into_iter()
        .zip(&team_months)
        .filter(|(_, m)| **m >= from && **m <= to)
        .map(|(v, _)| v)
        .collect();
    let row_count = |path: &str| {
        let n = rows(path, "actions-by-user").len();
        format!("{n} row{}", if n == 1 { "" } else { "s" })
    };
    let org_path = org["path"].as_str().unwrap();
    let search = rows(org_path, "actions-by-user")[0]["user"].as_str().unwrap().to_string();
    let port = crate::browser::serve(site.path("public"));
    for base in [format!("http://127.0.0.1:{port}"), format!("file://{}", site.path("public").display())] {
        let spec = serde_json::json!({
            "base": base,
            "tab": tab,
            "number": {"id": "api-and-automation-triggers"},
            "chart": {"id": "monthly-action-runs"},
            "table": {"id": "actions-by-user", "sort_column": 0, "search": search},
            "org": {"slug": slug(org), "key": key(org), "number": number(org_path), "series": series(org_path), "rows": row_count(org_path)},
            "team": {"slug": slug(team), "key": key(team), "number": number(team_path), "rows": row_count(team_path), "range_series": range_series},
            "range": {"from": from, "to": to},
            "all": {"number": number("")},
        });
        run_browser_script("views.mjs", &spec);
    }
}

#[test]
fn the_view_cache_gives_the_same_site_as_a_fresh_build() {
    let site = TestSite::with_default_reports("views");
    site.build_ok(&[]);
    let first = site.snapshot_tree("public");
    assert!(site.path(".tally-cache/views").read_dir().unwrap().count() >= 4, "one entry per organization");
    // Nothing changed: every view comes from the cache, the same bytes.
    site.forget_last_build();
    let out = site.build_ok(&[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged, from the view cache"));
    assert_eq!(first, site.snapshot_tree("public"));
    // One organization's rows change: its views change, as a fresh build
    // (no cache at all) makes them.
    let logins = site.read("data/logins.csv");
    assert!(logins.contains("u7,org-g,2026-03-02T09:00:00Z"));
    site.write(
        "data/logins.csv",
        &logins.replace("u7,org-g,2026-03-02T09:00:00Z", "u7,org-g,2026-03-16T09:00:00Z"),
    );
    site.build_ok(&[]);
    let cached = site.snapshot_tree("public");
    assert_ne!(first, cached, "the change shows");
    std::fs::remove_dir_all(site.path(".tally-cache")).unwrap();
    site.build_ok(&[]);
    assert_eq!(cached, site.snapshot_tree("public"), "a cached build equals a fresh one");
}
