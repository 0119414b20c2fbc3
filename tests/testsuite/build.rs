//! A good build of the `basic` fixture, checked file by file.

use serde_json::json;

use crate::util::TestSite;

#[test]
fn builds_every_page_and_download() {
    let site = TestSite::new("basic");
    let out = site.build_ok(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Built 2 tabs, 6 reports"), "{stdout}");

    for file in [
        "index.html",
        "people/index.html",
        "events/index.html",
        "api/index.json",
        "assets/style.css",
        "assets/site.js",
        ".tally-site",
    ] {
        assert!(site.path("public").join(file).is_file(), "missing {file}");
    }
    for (tab, reports) in [
        ("people", &["user-count", "logins-by-user", "monthly-logins"][..]),
        ("events", &["events-by-kind", "ai-sources", "teams"][..]),
    ] {
        for report in reports {
            for ext in ["csv", "xlsx", "json"] {
                let path = format!("public/{tab}/{report}.{ext}");
                assert!(site.path(&path).is_file(), "missing {path}");
            }
        }
    }
}

#[test]
fn numbers_match_the_hand_worked_answers() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    // users.csv has 4 users; u4 was created 2026-03-20, after the as-of date
    // 2026-03-15, so the users table's time column drops it.
    assert_eq!(site.report_rows("people", "user-count"), vec![json!({"users": 3})]);
    // logins.csv: u1 logs in on 01-05, 01-20, 02-14 and 03-15 23:59:59 (the
    // last second of the as-of day, kept); u2 on 02-03 and 03-16 (dropped);
    // u3 on 03-01.
    assert_eq!(
        site.report_rows("people", "logins-by-user"),
        vec![
            json!({"user_id": "u1", "logins": 4, "last_login": "2026-03-15T23:59:59Z"}),
            json!({"user_id": "u2", "logins": 1, "last_login": "2026-02-03T23:30:00Z"}),
            json!({"user_id": "u3", "logins": 1, "last_login": "2026-03-01T00:00:00Z"}),
        ]
    );
    // January: u1 twice; February: u2, u1; March: u3, u1.
    assert_eq!(
        site.report_rows("people", "monthly-logins"),
        vec![
            json!({"month": "2026-01-01", "logins": 2}),
            json!({"month": "2026-02-01", "logins": 2}),
            json!({"month": "2026-03-01", "logins": 2}),
        ]
    );
    // events/ is one table of two monthly files: a = 1 + 5, b = 2, c = 10.
    assert_eq!(
        site.report_rows("events", "events-by-kind"),
        vec![
            json!({"kind": "a", "total": 6}),
            json!({"kind": "b", "total": 2}),
            json!({"kind": "c", "total": 10}),
        ]
    );
    // ai.jsonl: one "slack"; a missing, a null and an empty source are Other.
    assert_eq!(
        site.report_rows("events", "ai-sources"),
        vec![json!({"source": "Other", "invocations": 3}), json!({"source": "slack", "invocations": 1})]
    );
    assert_eq!(
        site.report_rows("events", "teams"),
        vec![json!({"team": "Data, \"Analytics\"", "size": 2}), json!({"team": "Platform", "size": 4})]
    );
}

#[test]
fn downloads_have_their_formats() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    assert_eq!(
        site.read("public/events/teams.csv"),
        "team,size\r\n\"Data, \"\"Analytics\"\"\",2\r\nPlatform,4\r\n"
    );
    let doc = site.json("public/people/logins-by-user.json");
    assert_eq!(doc["tab"], "people");
    assert_eq!(doc["report"], "logins-by-user");
    assert_eq!(doc["title"], "Logins by user");
    assert_eq!(doc["as_of"], "2026-03-15");
    assert_eq!(
        doc["columns"],
        json!([
            {"name": "user_id", "type": "text"},
            {"name": "logins", "type": "integer"},
            {"name": "last_login", "type": "timestamp"}
        ])
    );

    use calamine::{Data, Reader, Xlsx};
    let bytes = site.bytes("public/people/logins-by-user.xlsx");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Logins by user").unwrap();
    assert_eq!(range.get((1, 1)), Some(&Data::Float(4.0)));
    assert!(matches!(range.get((1, 2)), Some(Data::DateTime(_))));
    // `Teams: sizes/[all]` loses the characters Excel forbids in sheet names.
    let bytes = site.bytes("public/events/teams.xlsx");
    let book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["Teams sizes all".to_string()]);
}

#[test]
fn manifest_lists_tabs_reports_columns_and_files() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let manifest = site.json("public/api/index.json");
    assert_eq!(manifest["site"]["title"], "Basic <Site> & Co");
    assert_eq!(manifest["as_of"], "2026-03-15");
    let tabs = manifest["tabs"].as_array().unwrap();
    assert_eq!(tabs.len(), 2);
    assert_eq!(tabs[0]["id"], "people");
    let report = &tabs[0]["reports"][1];
    assert_eq!(report["id"], "logins-by-user");
    assert_eq!(report["rows"], 3);
    assert_eq!(report["columns"][1], json!({"name": "logins", "type": "integer"}));
    assert_eq!(report["files"]["csv"], "people/logins-by-user.csv");
    assert_eq!(report["files"]["xlsx"], "people/logins-by-user.xlsx");
    assert_eq!(report["files"]["json"], "people/logins-by-user.json");
    for tab in tabs {
        for report in tab["reports"].as_array().unwrap() {
            for file in report["files"].as_object().unwrap().values() {
                let path = format!("public/{}", file.as_str().unwrap());
                assert!(site.path(&path).is_file(), "manifest links a missing {path}");
            }
        }
    }
}

#[test]
fn pages_show_escaped_titles_formatted_values_and_the_as_of_date() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let index = site.read("public/index.html");
    assert!(index.contains("Basic &lt;Site&gt; &amp; Co"), "title is escaped");
    assert!(!index.contains("Basic <Site>"));
    for page in ["public/index.html", "public/people/index.html", "public/events/index.html"] {
        let html = site.read(page);
        assert!(html.contains("15 Mar 2026"), "{page} shows the as-of date");
    }
    let people = site.read("public/people/index.html");
    // Tab links are relative, so the site works from any sub-path.
    assert!(people.contains("href=\"../events/index.html\""));
    assert!(people.contains("href=\"logins-by-user.csv\""));
    // A timestamp reads as a date and time on the page.
    assert!(people.contains("2026-03-15 23:59 UTC"));
    // page_rows = 2: three users, two shown, and a note saying so.
    assert!(people.contains("Showing the first 2 of 3 rows"));
    // The SQL is on the page, escaped.
    assert!(people.contains("View SQL"));
    assert!(people.contains("-- Logins per user, with the latest login."));
}

#[test]
fn same_inputs_give_a_byte_identical_site() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let first = site.snapshot_tree("public");
    site.forget_last_build();
    site.build_ok(&[]);
    assert_eq!(first, site.snapshot_tree("public"));
    // Another machine's time zone changes nothing either.
    site.forget_last_build();
    let out = site.tally_env(&["build"], &[("TZ", "Pacific/Auckland")]);
    assert!(out.status.success());
    assert_eq!(first, site.snapshot_tree("public"));
}

#[test]
fn as_of_flag_overrides_the_config() {
    let site = TestSite::new("basic");
    site.build_ok(&["--as-of", "2026-01-31"]);
    // Only January's two logins by u1 remain, and u1 and u2 exist.
    assert_eq!(
        site.report_rows("people", "monthly-logins"),
        vec![json!({"month": "2026-01-01", "logins": 2})]
    );
    assert_eq!(site.report_rows("people", "user-count"), vec![json!({"users": 2})]);
    assert_eq!(site.json("public/api/index.json")["as_of"], "2026-01-31");
}

#[test]
fn as_of_defaults_to_the_latest_stamp_in_the_data() {
    let site = TestSite::new("basic");
    let config = site.read("site.toml").replace("as_of = \"2026-03-15\"\n", "");
    site.write("site.toml", &config);
    site.build_ok(&[]);
    // The latest stamp is u4's created_at, 2026-03-20.
    assert_eq!(site.json("public/api/index.json")["as_of"], "2026-03-20");
}

#[test]
fn output_and_data_dirs_can_be_given_on_the_command_line() {
    let site = TestSite::new("basic");
    std::fs::rename(site.path("data"), site.path("exports")).unwrap();
    site.build_ok(&["--data-dir", "exports", "-o", "site-out"]);
    assert!(site.path("site-out/people/index.html").is_file());
    assert!(!site.path("public").exists());
}

#[test]
fn site_templates_override_the_built_in_ones() {
    let site = TestSite::new("basic");
    site.write(
        "templates/index.html",
        "{% extends \"tally/index.html\" %}{% block content %}<p id=\"custom\">Our own overview</p>{{ super() }}{% endblock content %}",
    );
    site.build_ok(&[]);
    let index = site.read("public/index.html");
    assert!(index.contains("<p id=\"custom\">Our own overview</p>"));
    assert!(index.contains("People"), "the built-in content is still there");
    // The tab pages still use the built-in template.
    assert!(!site.read("public/people/index.html").contains("Our own overview"));
}

#[test]
fn check_validates_without_writing() {
    let site = TestSite::new("basic");
    let out = site.tally(&["check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 reports"));
    assert!(!site.path("public").exists());
}

#[test]
fn version_and_help() {
    let site = TestSite::empty();
    let out = site.tally(&["--version"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("tally "));
    let out = site.tally(&["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["build", "check", "init", "sample"] {
        assert!(help.contains(command), "{help}");
    }
}

#[test]
fn empty_result_shows_an_empty_state_with_valid_downloads() {
    let site = TestSite::new("basic");
    let config =
        site.read("site.toml").replace("FROM teams ORDER BY", "FROM teams WHERE size > 100 ORDER BY");
    site.write("site.toml", &config);
    site.build_ok(&[]);
    assert!(site.read("public/events/index.html").contains("No data for this period"));
    assert_eq!(site.read("public/events/teams.csv"), "team,size\r\n");
    assert_eq!(site.json("public/events/teams.json")["rows"], json!([]));
    use calamine::{Reader, Xlsx};
    let book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(site.bytes("public/events/teams.xlsx"))).unwrap();
    assert_eq!(book.sheet_names().len(), 1);
}

#[test]
fn a_log_longer_than_excel_allows_is_whole_in_csv_and_json_and_capped_in_xlsx() {
    // Over HOLD_ROWS rows: the page and the PDF get the first rows, and the
    // downloads come from a second run of the query, streamed to the files.
    const { assert!(1_048_580 > tally::site::HOLD_ROWS) };
    let site = TestSite::new("large");
    site.build_ok(&[]);
    assert_eq!(site.json("public/api/index.json")["tabs"][0]["reports"][0]["rows"], 1_048_580);
    let page = site.read("public/logs/index.html");
    assert!(page.contains("Showing the first 5 of 1,048,580 rows."), "the page says how many rows there are");
    assert!(
        page.contains(
            "The CSV and JSON downloads hold every row; the XLSX stops at Excel's limit of 1,048,575."
        ),
        "the page says the XLSX is capped"
    );
    assert_eq!(page.matches("<td class=\"num\">").count(), 5, "five rows on the page");

    // CSV: a header and every row, the last one intact.
    let csv = site.read("public/logs/events-log.csv");
    assert_eq!(csv.lines().count(), 1 + 1_048_580);
    assert!(csv.ends_with("1048579,event 1048579\r\n"));
    // JSON: every row.
    let rows = site.report_rows("logs", "events-log");
    assert_eq!(rows.len(), 1_048_580);
    assert_eq!(rows[1_048_579], json!({"n": 1_048_579, "label": "event 1048579"}));

    // XLSX: the header and Excel's maximum of data rows, in sheet order.
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(site.bytes("public/logs/events-log.xlsx"))).unwrap();
    let range = book.worksheet_range("Events log").unwrap();
    assert_eq!(range.height(), 1_048_576);
    assert_eq!(range.get((1_048_575, 0)), Some(&Data::Float(1_048_574.0)));
    assert_eq!(range.get((1_048_575, 1)), Some(&Data::String("event 1048574".into())));
}

#[test]
fn exports_beside_site_toml_build_again_without_reading_the_site_as_data() {
    let site = TestSite::new("basic");
    for entry in std::fs::read_dir(site.path("data")).unwrap() {
        let entry = entry.unwrap();
        std::fs::rename(entry.path(), site.root().join(entry.file_name())).unwrap();
    }
    let config = site.read("site.toml").replace("data_dir = \"data\"", "data_dir = \".\"");
    site.write("site.toml", &config);
    site.build_ok(&[]);
    let first = site.snapshot_tree("public");
    // `public/` now holds CSV and JSON files; the marker keeps it out of the data.
    site.build_ok(&[]);
    assert_eq!(first, site.snapshot_tree("public"));
}

/// The text downloads and the manifest of the hand-made fixture, byte for
/// byte: a change to any of these formats shows up as a snapshot diff
/// (`tests/testsuite/snapshots/`) to review, not as a silent change.
#[test]
fn text_outputs_match_their_snapshots() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    for (name, file) in [
        ("manifest", "public/api/index.json"),
        ("logins_by_user_csv", "public/people/logins-by-user.csv"),
        ("logins_by_user_json", "public/people/logins-by-user.json"),
        ("monthly_logins_json", "public/people/monthly-logins.json"),
    ] {
        insta::assert_snapshot!(name, site.read(file));
    }
}

#[test]
fn a_rebuild_with_nothing_changed_leaves_the_site_as_it_is() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let first = site.snapshot_tree("public");
    let index = site.path("public/index.html");
    let written = std::fs::metadata(&index).unwrap().modified().unwrap();

    let out = site.build_ok(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Nothing changed since the last build: 2 tabs, 6 reports"), "{stdout}");
    assert_eq!(std::fs::metadata(&index).unwrap().modified().unwrap(), written, "not written again");

    // Whatever the build read changes: it builds again.
    let built = |site: &TestSite, args: &[&str]| {
        let out = site.build_ok(args);
        String::from_utf8_lossy(&out.stdout).contains("Built 2 tabs")
    };
    site.write("data/logins.csv", &(site.read("data/logins.csv") + "u1,2026-03-10T10:00:00Z\n"));
    assert!(built(&site, &[]), "a data file changed");
    assert_ne!(first, site.snapshot_tree("public"));
    site.write("queries/logins-by-user.sql", &(site.read("queries/logins-by-user.sql") + "\n-- edited\n"));
    assert!(built(&site, &[]), "a query changed");
    site.write("site.toml", &(site.read("site.toml") + "\n# only a comment\n"));
    assert!(!built(&site, &[]), "the config means the same");
    site.write("site.toml", &site.read("site.toml").replace("Basic <Site> & Co", "Basic Site"));
    assert!(built(&site, &[]), "the config changed");
    assert!(built(&site, &["--as-of", "2026-03-01"]), "an option changed");
    assert!(!built(&site, &["--as-of", "2026-03-01"]));
    // The output was touched: the build puts it right.
    std::fs::remove_file(&index).unwrap();
    assert!(built(&site, &["--as-of", "2026-03-01"]), "a file of the site went missing");
    assert!(index.is_file());
    // A failed build leaves no stamp behind: fixing the query builds again.
    let sql = site.read("queries/logins-by-user.sql");
    site.write("queries/logins-by-user.sql", "SELECT nope FROM logins");
    site.build_err(&[], 1);
    site.write("queries/logins-by-user.sql", &sql);
    assert!(built(&site, &[]), "after a failed build");
}

#[cfg(unix)]
#[test]
fn a_data_file_behind_a_symlink_still_counts_as_changed() {
    let site = TestSite::new("basic");
    std::fs::rename(site.path("data/logins.csv"), site.path("logins-elsewhere.csv")).unwrap();
    std::os::unix::fs::symlink(site.path("logins-elsewhere.csv"), site.path("data/logins.csv")).unwrap();
    site.build_ok(&[]);
    site.write("logins-elsewhere.csv", &(site.read("logins-elsewhere.csv") + "u2,2026-03-10T10:00:00Z\n"));
    let out = site.build_ok(&[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Built 2 tabs"), "the linked file changed");
}
