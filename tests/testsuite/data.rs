//! Bringing your own exports: what discovery reads and skips, optional
//! columns and tables, derived tables, the as-of warning and where caches
//! go. Messages are snapshot whole (`snapshots/testsuite__data__*.snap`).

use serde_json::json;

use crate::util::TestSite;

fn edit(site: &TestSite, file: &str, from: &str, to: &str) {
    let text = site.read(file);
    assert!(text.contains(from), "`{from}` not in {file}");
    site.write(file, &text.replacen(from, to, 1));
}

/// The basic fixture's `events-by-kind` over its two monthly files:
/// a 1 + 5, b 2, c 10.
fn assert_events_by_kind_unchanged(site: &TestSite) {
    assert_eq!(
        site.report_rows("events", "events-by-kind"),
        [
            json!({"kind": "a", "total": 6}),
            json!({"kind": "b", "total": 2}),
            json!({"kind": "c", "total": 10})
        ]
    );
}

#[test]
fn stray_files_and_nested_folders_are_skipped_with_a_warning() {
    let site = TestSite::new("basic");
    site.write(
        "data/users (1).csv",
        "user_id,email,team,created_at\nu9,x@example.com,,2026-01-01T00:00:00Z\n",
    );
    site.write("data/.DS_Store", "\0\0\0\x01Bud1");
    site.write("data/events/backup/2026-01.csv", "kind,amount\na,1000\n");
    site.write("data/events/notes.txt", "exported by hand");
    let (_, stderr) = site.ok(&["build"], &[]);
    insta::assert_snapshot!("stray_files_warnings", stderr);
    // Neither the copy nor the backup was read: users.csv's u1, u2 and u3
    // (u4 is created after the as-of date), and the two monthly files.
    assert_events_by_kind_unchanged(&site);
    assert_eq!(site.report_rows("people", "user-count"), [json!({"users": 3})]);
}

#[test]
fn a_folder_mixing_csv_and_tsv_is_an_error_that_says_so() {
    let site = TestSite::new("basic");
    site.write("data/events/2026-03.tsv", "kind\tamount\nd\t1\n");
    insta::assert_snapshot!("mixed_formats", site.fails(&["build"], &[]));
}

#[test]
fn an_export_in_a_format_tally_does_not_read_is_named_with_every_accepted_extension() {
    let site = TestSite::new("basic");
    std::fs::rename(site.path("data/logins.csv"), site.path("data/logins.xlsx")).unwrap();
    insta::assert_snapshot!("unknown_extension", site.fails(&["build"], &[]));
}

#[test]
fn a_copy_with_a_stray_name_is_pointed_at_when_its_table_is_missing() {
    let site = TestSite::new("basic");
    std::fs::rename(site.path("data/users.csv"), site.path("data/users (1).csv")).unwrap();
    insta::assert_snapshot!("renamed_copy", site.fails(&["build"], &[]));
}

#[test]
fn an_empty_data_dir_says_how_to_fill_it() {
    let site = TestSite::new("basic");
    std::fs::remove_dir_all(site.path("data")).unwrap();
    std::fs::create_dir(site.path("data")).unwrap();
    insta::assert_snapshot!("empty_data_dir", site.fails(&["build"], &[]));
}

#[test]
fn a_default_as_of_date_from_one_table_far_ahead_is_warned_about() {
    let site = TestSite::new("basic");
    edit(&site, "site.toml", "as_of = \"2026-03-15\"\n", "");
    // Without an outlier: the latest stamp is u4's creation, 2026-03-20,
    // four days after the last login; no warning.
    let (stdout, stderr) = site.ok(&["build"], &[]);
    assert!(stdout.contains("as of 2026-03-20"), "{stdout}");
    assert!(!stderr.contains("as-of date"), "{stderr}");
    // Two logins mistyped into 2099: logins alone reach 2099-01-02.
    let logins = site.read("data/logins.csv") + "u1,2099-01-01T10:00:00Z\nu2,2099-01-02T10:00:00Z\n";
    site.write("data/logins.csv", &logins);
    let (stdout, stderr) = site.ok(&["build"], &[]);
    assert!(stdout.contains("as of 2099-01-02"), "{stdout}");
    insta::assert_snapshot!("as_of_outlier", stderr);
    // A given as-of date is the user's choice: no warning.
    let (_, stderr) = site.ok(&["build", "--as-of", "2026-03-15"], &[]);
    assert!(!stderr.contains("as-of date"), "{stderr}");
}

#[test]
fn optional_columns_absent_from_a_whole_export_load_as_null() {
    let site = TestSite::new("basic");
    // No `team` column in users.csv, no `source` key in any row of ai.jsonl.
    site.write(
        "data/users.csv",
        "user_id,email,created_at\nu1,ann@example.com,2026-01-05T09:00:00Z\nu2,bob@example.com,2026-01-10T10:30:00Z\n",
    );
    site.write("data/ai.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
    edit(&site, "site.toml", "columns = { team = \"VARCHAR\" }", "optional_columns = { team = \"VARCHAR\" }");
    let config = site.read("site.toml")
        + "\n[tables.ai]\ncolumns = { id = \"BIGINT\" }\noptional_columns = { source = \"VARCHAR\" }\n";
    site.write("site.toml", &config);
    edit(
        &site,
        "site.toml",
        "sql = \"SELECT count(*) AS users FROM users\"",
        "sql = \"SELECT count(*) AS users, count(team) AS with_team FROM users\"",
    );
    site.ok(&["build"], &[]);
    // Both users load, neither with a team; both invocations count as Other.
    assert_eq!(site.report_rows("people", "user-count"), [json!({"users": 2, "with_team": 0})]);
    assert_eq!(site.report_rows("events", "ai-sources"), [json!({"source": "Other", "invocations": 2})]);
    let columns = &site.json("public/api/index.json")["tabs"][1]["reports"][1]["columns"];
    assert_eq!(columns[0], json!({"name": "source", "type": "text"}));
}

#[test]
fn a_missing_required_column_names_the_file_and_the_column() {
    let site = TestSite::new("basic");
    edit(
        &site,
        "site.toml",
        "columns = { team = \"VARCHAR\" }",
        "columns = { team = \"VARCHAR\", email = \"VARCHAR\" }",
    );
    site.write("data/users.csv", "user_id,team,created_at\nu1,Platform,2026-01-05T09:00:00Z\n");
    insta::assert_snapshot!("missing_required_csv_column", site.fails(&["build"], &[]));
    // The same in JSON: a key no row carries.
    let site = TestSite::new("basic");
    let config =
        site.read("site.toml") + "\n[tables.ai]\ncolumns = { id = \"BIGINT\", source = \"VARCHAR\" }\n";
    site.write("site.toml", &config);
    site.write("data/ai.jsonl", "{\"id\": 1}\n{\"id\": 2}\n");
    insta::assert_snapshot!("missing_required_json_key", site.fails(&["build"], &[]));
}

#[test]
fn a_missing_optional_table_loads_empty_and_its_reports_show_zeros() {
    let site = TestSite::new("basic");
    std::fs::remove_file(site.path("data/ai.jsonl")).unwrap();
    let config = site.read("site.toml")
        + "\n[tables.ai]\nrequired = false\ncolumns = { id = \"BIGINT\" }\noptional_columns = { source = \"VARCHAR\" }\n";
    site.write("site.toml", &config);
    edit(
        &site,
        "site.toml",
        "SELECT kind, sum(amount) AS total FROM events GROUP BY kind ORDER BY kind",
        "SELECT (SELECT count(*) FROM ai) AS invocations",
    );
    let (_, stderr) = site.ok(&["build"], &[]);
    insta::assert_snapshot!("optional_table_missing", stderr);
    assert_eq!(site.report_rows("events", "events-by-kind"), [json!({"invocations": 0})]);
    assert_eq!(site.report_rows("events", "ai-sources"), Vec::<serde_json::Value>::new());
    // Declared as required (the default), the same folder is an error.
    edit(&site, "site.toml", "required = false\n", "");
    insta::assert_snapshot!("required_table_missing", site.fails(&["build"], &[]));
}

/// Stamps with a UTC offset are read as the instant they name, in UTC, in
/// CSV and JSON, declared or not; a stamp without one is UTC. The as-of cut
/// and the months come after: a login at 01:30 on 1 March in UTC+2 is a
/// February login.
#[test]
fn timestamps_with_a_utc_offset_are_read_as_utc() {
    let site = TestSite::new("basic");
    edit(
        &site,
        "site.toml",
        "[tables.logins]\ntime_column = \"logged_in_at\"\n",
        "[tables.logins]\ntime_column = \"logged_in_at\"\ncolumns = { logged_in_at = \"TIMESTAMP\" }\n\n[tables.stamps]\ncolumns = { stamped = \"TIMESTAMP\" }\n",
    );
    site.write(
        "data/logins.csv",
        "user_id,logged_in_at\n\
         u1,2026-03-01T01:30:00+02:00\n\
         u2,2026-02-28T22:00:00-03:00\n\
         u3,2026-03-10T08:00:00Z\n\
         u3,2026-03-10 09:00:00\n\
         u4,2026-03-16T01:00:00+02:00\n\
         u4,2026-03-15T22:30:00-02:00\n",
    );
    site.write(
        "data/stamps.jsonl",
        "{\"id\": 1, \"stamped\": \"2026-03-01T01:30:00+02:00\", \"seen\": \"2026-03-01T01:30:00+02:00\"}\n\
         {\"id\": 2, \"stamped\": \"2026-03-01T00:00:00Z\", \"seen\": \"2026-03-01T00:00:00Z\"}\n",
    );
    // A CSV column no config declares, read as stamps by DuckDB's sniffer.
    site.write("data/seen.csv", "id,seen\n1,2026-03-01T01:30:00+02:00\n2,2026-03-01 00:00:00\n");
    let reports = "\n[[tabs.reports]]\nid = \"seen\"\ntitle = \"Seen\"\nsql = \"SELECT id, seen FROM seen ORDER BY id\"\n\
                   \n[[tabs.reports]]\nid = \"all-logins\"\ntitle = \"Logins\"\nsql = \"SELECT user_id, logged_in_at FROM logins ORDER BY 1, 2\"\n\
                   \n[[tabs.reports]]\nid = \"stamps\"\ntitle = \"Stamps\"\nsql = \"SELECT id, stamped, seen FROM stamps ORDER BY id\"\n";
    site.write("site.toml", &(site.read("site.toml") + reports));
    site.ok(&["build"], &[]);
    // u4's 16 March 01:00 in UTC+2 is 15 March 23:00 UTC, on the as-of
    // date; 15 March 22:30 in UTC-2 is 16 March 00:30 UTC, after it.
    assert_eq!(
        site.report_rows("events", "all-logins"),
        [
            json!({"user_id": "u1", "logged_in_at": "2026-02-28T23:30:00Z"}),
            json!({"user_id": "u2", "logged_in_at": "2026-03-01T01:00:00Z"}),
            json!({"user_id": "u3", "logged_in_at": "2026-03-10T08:00:00Z"}),
            json!({"user_id": "u3", "logged_in_at": "2026-03-10T09:00:00Z"}),
            json!({"user_id": "u4", "logged_in_at": "2026-03-15T23:00:00Z"}),
        ]
    );
    assert_eq!(
        site.report_rows("people", "monthly-logins"),
        [json!({"month": "2026-02-01", "logins": 1}), json!({"month": "2026-03-01", "logins": 4})]
    );
    assert_eq!(
        site.report_rows("events", "seen"),
        [json!({"id": 1, "seen": "2026-02-28T23:30:00Z"}), json!({"id": 2, "seen": "2026-03-01T00:00:00Z"})]
    );
    assert_eq!(
        site.report_rows("events", "stamps"),
        [
            json!({"id": 1, "stamped": "2026-02-28T23:30:00Z", "seen": "2026-02-28T23:30:00Z"}),
            json!({"id": 2, "stamped": "2026-03-01T00:00:00Z", "seen": "2026-03-01T00:00:00Z"}),
        ]
    );
}

/// The basic fixture with `sql` defining table `late_logins` from `logins`
/// and a report showing it.
fn with_derived(site: &TestSite, table: &str) {
    let config = site
        .read("site.toml")
        .replace("[[tabs]]\nid = \"events\"", &format!("{table}\n[[tabs]]\nid = \"events\""));
    site.write("site.toml", &config);
    let report = "\n[[tabs.reports]]\nid = \"late\"\ntitle = \"Late\"\nsql = \"SELECT * FROM late_logins ORDER BY user_id, logged_in_at\"\n";
    site.write("site.toml", &(site.read("site.toml") + report));
}

#[test]
fn a_derived_table_is_built_from_the_cut_exports() {
    let site = TestSite::new("basic");
    with_derived(
        &site,
        "[tables.late_logins]\ntime_column = \"logged_in_at\"\ncolumns = { user_id = \"VARCHAR\", logged_in_at = \"TIMESTAMP\" }\noptional_columns = { note = \"VARCHAR\" }\nsql = \"SELECT user_id, logged_in_at FROM logins WHERE hour(logged_in_at) >= 12\"\n",
    );
    site.ok(&["build"], &[]);
    // Logins at or after noon UTC up to the as-of date 2026-03-15: u2 on
    // 3 Feb 23:30, u1 on 14 Feb 12:00 and 15 Mar 23:59:59; u2's login on
    // 16 Mar is after the as-of date, so it was cut before the query ran.
    // `note` is declared optional and the query has none: NULL.
    assert_eq!(
        site.report_rows("events", "late"),
        [
            json!({"user_id": "u1", "logged_in_at": "2026-02-14T12:00:00Z", "note": null}),
            json!({"user_id": "u1", "logged_in_at": "2026-03-15T23:59:59Z", "note": null}),
            json!({"user_id": "u2", "logged_in_at": "2026-02-03T23:30:00Z", "note": null}),
        ]
    );
}

/// A derived table's `values` are checked on the table it builds, once, and
/// the build says so like it does for an export.
#[test]
fn a_derived_tables_values_are_checked_once_built() {
    let site = TestSite::new("basic");
    with_derived(
        &site,
        "[tables.late_logins]\ntime_column = \"logged_in_at\"\ncolumns = { user_id = \"VARCHAR\", logged_in_at = \"TIMESTAMP\" }\nvalues = { user_id = [\"U1\"] }\nsql = \"SELECT user_id, logged_in_at FROM logins WHERE hour(logged_in_at) >= 12\"\n",
    );
    let (_, stderr) = site.ok(&["build"], &[]);
    // u1's logins load as `U1`; u2's one (3 Feb) is none of the values.
    // u2's login on 16 Mar is after the as-of date: cut before the check.
    let warning = "table `late_logins` from `tables.late_logins.sql`: 1 row with a `user_id` that is none of U1 (key `tables.late_logins.values.user_id`): \"u2\" (1 row)";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    let users: Vec<_> = site.report_rows("events", "late").iter().map(|r| r["user_id"].clone()).collect();
    assert_eq!(users, [json!("U1"), json!("U1"), json!("u2")]);
}

#[test]
fn derived_tables_fail_like_exports() {
    let cases = [
        ("derived_bad_sql", "[tables.late_logins]\nsql = \"SELECT user_id, logged_at FROM logins\"\n"),
        (
            "derived_missing_column",
            "[tables.late_logins]\ncolumns = { user_id = \"VARCHAR\", logged_in_at = \"TIMESTAMP\" }\nsql = \"SELECT user_id FROM logins\"\n",
        ),
        (
            "derived_cycle",
            "[tables.late_logins]\nsql = \"SELECT * FROM early_logins\"\n[tables.early_logins]\nsql = \"SELECT * FROM late_logins\"\n",
        ),
        ("derived_twice", "[tables.late_logins]\nsql = \"SELECT * FROM logins\"\n[tables.teams]\nsql = \"SELECT 1 AS x\"\n"),
        ("derived_optional", "[tables.late_logins]\nrequired = false\nsql = \"SELECT * FROM logins\"\n"),
    ];
    for (name, table) in cases {
        let site = TestSite::new("basic");
        with_derived(&site, table);
        insta::assert_snapshot!(name, site.fails(&["build"], &[]));
    }
}

#[test]
fn the_cache_folder_can_move_out_of_the_config_folder() {
    let site = TestSite::new("basic");
    // The config's folder stays as it was: the output and the caches go
    // elsewhere, as with a read-only mount of the config.
    edit(&site, "site.toml", "page_rows = 2", "page_rows = 2\ncache_dir = \"../cache-from-config\"");
    let outside = TestSite::empty();
    let config = site.path("site.toml");
    let before: Vec<_> = std::fs::read_dir(site.root()).unwrap().map(|e| e.unwrap().file_name()).collect();
    outside.ok(&["build", "-c", config.to_str().unwrap(), "-o", "public"], &[]);
    let after: Vec<_> = std::fs::read_dir(site.root()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(before, after, "the config's folder changed");
    let from_config = site.root().parent().unwrap().join("cache-from-config");
    assert!(from_config.join("build.lock").is_file() && from_config.join("charts").is_dir());
    std::fs::remove_dir_all(&from_config).unwrap();
    // TALLY_CACHE_DIR, relative to the working directory, wins.
    outside
        .ok(&["build", "-c", config.to_str().unwrap(), "-o", "public"], &[("TALLY_CACHE_DIR", "env-cache")]);
    assert!(outside.path("env-cache/build.lock").is_file() && outside.path("env-cache/pdf").is_dir());
    assert!(!from_config.exists());
    assert!(outside.path("public/index.html").is_file());
}

#[test]
fn csv_downloads_carry_a_byte_order_mark_only_when_asked() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let plain = site.bytes("public/events/events-by-kind.csv");
    assert_eq!(&plain[..4], b"kind");
    edit(&site, "site.toml", "page_rows = 2", "page_rows = 2\ncsv_bom = true");
    site.build_ok(&[]);
    let marked = site.bytes("public/events/events-by-kind.csv");
    assert_eq!(marked[..3], [0xEF, 0xBB, 0xBF]);
    assert_eq!(marked[3..], plain[..]);
    // Only the CSV: the JSON is unchanged.
    assert!(site.read("public/events/events-by-kind.json").starts_with('{'));
}

#[test]
fn help_says_how_paths_resolve() {
    let site = TestSite::empty();
    let (stdout, _) = site.ok(&["build", "--help"], &[]);
    insta::assert_snapshot!("build_help", stdout);
    let (stdout, _) = site.ok(&["init", "--help"], &[]);
    insta::assert_snapshot!("init_help", stdout);
}
