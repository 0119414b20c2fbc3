//! Bad input: a short message naming the culprit, exit code 1 (2 for usage
//! errors), no panic, and the previous site left exactly as it was. Every
//! message is snapshot whole (`snapshots/testsuite__errors__*.snap`, paths
//! filtered), so one only changes on purpose.

use crate::util::TestSite;

/// Builds the good fixture, applies `breakage`, builds again and checks that
/// the build failed with a message containing every one of `expected` (and
/// equal to the snapshot `name`), and that the previous site and the folder
/// around it are untouched.
fn fails_and_keeps_the_site(name: &str, breakage: impl FnOnce(&TestSite), expected: &[&str]) -> String {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let before = site.snapshot_tree("public");
    breakage(&site);
    let stderr = site.build_err(&[], 1);
    for part in expected {
        assert!(stderr.contains(part), "expected `{part}` in:\n{stderr}");
    }
    // The error, after any warnings (the fixture's data dir holds a README).
    let error = stderr.find("Error: ").unwrap_or_else(|| panic!("no error in:\n{stderr}"));
    assert!(stderr[..error].lines().all(|l| l.starts_with("warning: ")), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert_eq!(before, site.snapshot_tree("public"), "the previous site changed");
    let stray: Vec<_> = std::fs::read_dir(site.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tally-staging") || n.contains(".tally-old"))
        .collect();
    assert!(stray.is_empty(), "stray folders: {stray:?}");
    // DuckDB's allocation sizes vary with the machine; the rest is ours.
    let message: Vec<String> = site
        .filter(stderr.as_bytes())
        .lines()
        .map(|line| match line.find("Out of Memory Error: ") {
            Some(at) => format!("{}Out of Memory Error: [sizes]", &line[..at]),
            None => line.to_string(),
        })
        .collect();
    insta::assert_snapshot!(name, message.join("\n"));
    stderr
}

fn edit(site: &TestSite, file: &str, from: &str, to: &str) {
    let text = site.read(file);
    assert!(text.contains(from), "`{from}` not in {file}");
    site.write(file, &text.replacen(from, to, 1));
}

#[test]
fn unknown_config_key_is_named() {
    fails_and_keeps_the_site(
        "unknown_config_key_is_named",
        |s| edit(s, "site.toml", "page_rows = 2", "page_rows = 2\npage_row = 3"),
        &["site.toml", "unknown field `page_row`"],
    );
}

#[test]
fn unknown_report_key_is_named_with_its_place() {
    fails_and_keeps_the_site(
        "unknown_report_key_is_named_with_its_place",
        |s| edit(s, "site.toml", "display = \"number\"", "display = \"number\"\ncolour = \"red\""),
        &["unknown field `colour`", "tabs"],
    );
}

#[test]
fn mistyped_config_value_is_named() {
    fails_and_keeps_the_site(
        "mistyped_config_value_is_named",
        |s| edit(s, "site.toml", "page_rows = 2", "page_rows = \"two\""),
        &["page_rows", "site.toml"],
    );
}

#[test]
fn missing_sql_file_is_named() {
    fails_and_keeps_the_site(
        "missing_sql_file_is_named",
        |s| std::fs::remove_file(s.path("queries/logins-by-user.sql")).unwrap(),
        &["people/logins-by-user", "queries/logins-by-user.sql", "not found"],
    );
}

#[test]
fn missing_data_dir_is_named() {
    fails_and_keeps_the_site(
        "missing_data_dir_is_named",
        |s| std::fs::rename(s.path("data"), s.path("elsewhere")).unwrap(),
        &["data dir", "not found"],
    );
}

#[test]
fn missing_required_table_is_named() {
    fails_and_keeps_the_site(
        "missing_required_table_is_named",
        |s| std::fs::remove_file(s.path("data/logins.csv")).unwrap(),
        &["table `logins`", "not found"],
    );
}

#[test]
fn ragged_csv_row_names_file_and_line() {
    fails_and_keeps_the_site(
        "ragged_csv_row_names_file_and_line",
        |s| {
            s.write(
                "data/logins.csv",
                "user_id,logged_in_at\nu1,2026-01-05T09:05:00Z\nu2,2026-01-06T09:05:00Z,extra\n",
            )
        },
        &["logins.csv", "line 3", "expected 2 fields"],
    );
}

#[test]
fn unclosed_quote_names_file_and_line() {
    fails_and_keeps_the_site(
        "unclosed_quote_names_file_and_line",
        |s| s.write("data/events/2026-02.csv", "kind,amount\na,5\n\"c,10\nd,1\n"),
        &["2026-02.csv", "line 3", "unclosed quote"],
    );
}

#[test]
fn invalid_utf8_names_file_and_line() {
    fails_and_keeps_the_site(
        "invalid_utf8_names_file_and_line",
        |s| {
            let mut bytes = b"user_id,logged_in_at\nu1,2026-01-05T09:05:00Z\n".to_vec();
            bytes.extend_from_slice(b"u\xff\xfe2,2026-01-06T09:05:00Z\n");
            std::fs::write(s.path("data/logins.csv"), bytes).unwrap();
        },
        &["logins.csv", "line 3", "invalid UTF-8"],
    );
}

#[test]
fn wrong_type_in_a_pinned_column_names_file_line_and_column() {
    fails_and_keeps_the_site(
        "wrong_type_in_a_pinned_column_names_file_line_and_column",
        |s| {
            edit(
                s,
                "site.toml",
                "columns = { team = \"VARCHAR\" }",
                "columns = { team = \"VARCHAR\", created_at = \"TIMESTAMP\" }",
            );
            edit(s, "data/users.csv", "2026-02-01T08:00:00Z", "last tuesday");
        },
        &["table `users`", "users.csv", "line 4", "`last tuesday`", "column `created_at`", "TIMESTAMP"],
    );
}

#[test]
fn missing_pinned_column_names_the_key_and_the_columns() {
    fails_and_keeps_the_site(
        "missing_pinned_column_names_the_key_and_the_columns",
        |s| edit(s, "site.toml", "columns = { team = \"VARCHAR\" }", "columns = { squad = \"VARCHAR\" }"),
        &["users.csv", "no column `squad`", "tables.users.columns.squad", "it has: user_id, email, team"],
    );
}

#[test]
fn missing_time_column_names_the_key() {
    fails_and_keeps_the_site(
        "missing_time_column_names_the_key",
        |s| edit(s, "data/logins.csv", "user_id,logged_in_at", "user_id,login_time"),
        &["logins.csv", "no column `logged_in_at`", "tables.logins.time_column"],
    );
}

#[test]
fn a_semicolon_separated_csv_is_recognised() {
    fails_and_keeps_the_site(
        "a_semicolon_separated_csv_is_recognised",
        |s| {
            let text = s.read("data/logins.csv").replace(',', ";");
            s.write("data/logins.csv", &text);
        },
        &["logins.csv", "no column `logged_in_at`", "looks separated by `;`", "separated by `,`"],
    );
}

#[test]
fn chart_on_a_missing_column_names_the_report_and_column() {
    fails_and_keeps_the_site(
        "chart_on_a_missing_column_names_the_report_and_column",
        |s| edit(s, "site.toml", "y = [\"logins\"]", "y = [\"sessions\"]"),
        &["report `monthly-logins`", "column `sessions`", "it returns: month, logins"],
    );
}

#[test]
fn empty_file_is_named() {
    fails_and_keeps_the_site(
        "empty_file_is_named",
        |s| s.write("data/teams.json", ""),
        &["teams.json", "empty"],
    );
}

#[test]
fn failing_query_names_tab_report_and_duckdb_message() {
    fails_and_keeps_the_site(
        "failing_query_names_tab_report_and_duckdb_message",
        |s| edit(s, "site.toml", "SELECT kind, sum(amount)", "SELECT kind, sum(amount_typo)"),
        &["tab `events`", "report `events-by-kind`", "amount_typo"],
    );
}

#[test]
fn a_column_returned_twice_is_named() {
    fails_and_keeps_the_site(
        "a_column_returned_twice_is_named",
        |s| edit(s, "site.toml", "sum(amount) AS total", "sum(amount) AS kind"),
        &["report `events-by-kind`", "column `kind` twice"],
    );
}

#[test]
fn running_out_of_memory_points_at_the_config_key() {
    fails_and_keeps_the_site(
        "running_out_of_memory_points_at_the_config_key",
        |s| {
            let config = s.read("site.toml") + "\n[duckdb]\nmemory_limit = \"20MB\"\nthreads = 1\n";
            s.write("site.toml", &config);
        },
        &["table `ai`", "Out of Memory", "raise `duckdb.memory_limit` in site.toml (now 20MB)"],
    );
}

#[test]
fn bad_report_id_is_named() {
    fails_and_keeps_the_site(
        "bad_report_id_is_named",
        |s| edit(s, "site.toml", "id = \"teams\"", "id = \"Teams List\""),
        &["`Teams List`", "slug"],
    );
}

#[test]
fn duplicate_report_id_is_named() {
    fails_and_keeps_the_site(
        "duplicate_report_id_is_named",
        |s| edit(s, "site.toml", "id = \"teams\"", "id = \"ai-sources\""),
        &["duplicate report id `ai-sources`", "events"],
    );
}

#[test]
fn duplicate_tab_id_is_named() {
    fails_and_keeps_the_site(
        "duplicate_tab_id_is_named",
        |s| edit(s, "site.toml", "id = \"events\"", "id = \"people\""),
        &["duplicate tab id `people`"],
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let site = TestSite::new("basic");
    let stderr = site.build_err(&["--as-of", "last tuesday"], 2);
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
    insta::assert_snapshot!("usage_error_bad_date", site.filter(stderr.as_bytes()));
    let out = site.tally(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_config_is_named() {
    let site = TestSite::empty();
    let stderr = site.build_err(&[], 1);
    assert!(stderr.contains("site.toml"), "{stderr}");
    insta::assert_snapshot!("missing_config", site.filter(stderr.as_bytes()));
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let site = TestSite::new("basic");
    site.write("public/precious.txt", "keep me");
    let stderr = site.build_err(&[], 1);
    assert!(stderr.contains("was not written by tally"), "{stderr}");
    insta::assert_snapshot!("foreign_output_dir", site.filter(stderr.as_bytes()));
    assert_eq!(site.read("public/precious.txt"), "keep me");
    site.build_ok(&["--force"]);
    assert!(!site.path("public/precious.txt").exists());
}

#[test]
fn refuses_an_output_dir_that_holds_the_data() {
    let site = TestSite::new("basic");
    let stderr = site.build_err(&["-o", "."], 1);
    assert!(stderr.contains("would replace"), "{stderr}");
    insta::assert_snapshot!("output_dir_holds_the_data", site.filter(stderr.as_bytes()));
    assert!(site.path("data/logins.csv").is_file());
}

#[test]
fn check_reports_a_failing_query_without_writing() {
    let site = TestSite::new("basic");
    edit(&site, "site.toml", "FROM teams", "FROM teamz");
    let out = site.tally(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("report `teams`") && stderr.contains("teamz"), "{stderr}");
    insta::assert_snapshot!("check_failing_query", site.filter(stderr.as_bytes()));
    assert!(!site.path("public").exists());
}

#[test]
fn keep_going_builds_the_rest_and_marks_the_failure() {
    let site = TestSite::new("basic");
    edit(&site, "site.toml", "FROM teams", "FROM teamz");
    let stderr = site.build_err(&["--keep-going"], 1);
    assert!(stderr.contains("events/teams") && stderr.contains("teamz"), "{stderr}");
    insta::assert_snapshot!("keep_going_failure", site.filter(stderr.as_bytes()));
    // The other reports were built.
    assert_eq!(site.report_rows("events", "events-by-kind").len(), 3);
    let page = site.read("public/events/index.html");
    assert!(page.contains("This report failed") && page.contains("teamz"));
    assert!(!site.path("public/events/teams.csv").exists());
    let manifest = site.json("public/api/index.json");
    assert!(manifest["tabs"][1]["reports"][2]["error"].as_str().unwrap().contains("teamz"));
}

#[test]
fn an_interrupted_build_leaves_the_previous_site() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let mut before = site.snapshot_tree("public");
    // A big events table makes the next build take long enough to interrupt.
    let mut big = String::from("kind,amount\n");
    for i in 0..2_000_000 {
        big.push_str(&format!("k{},{}\n", i % 97, i % 1000));
    }
    site.write("data/events/2026-03.csv", &big);
    for (delay_ms, signal) in [(150, "-TERM"), (600, "-INT"), (1200, "-TERM"), (900, "-INT")] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tally"))
            .arg("build")
            .current_dir(site.root())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGTERM, as a scheduler or `kill` would send; SIGINT, as Ctrl-C.
        let _ = std::process::Command::new("kill").args([signal, &child.id().to_string()]).status();
        let status = child.wait().unwrap();
        if status.success() {
            // The build beat the signal: its site is complete and is now
            // the one a later interrupted build must leave alone.
            before = site.snapshot_tree("public");
            continue;
        }
        assert_eq!(before, site.snapshot_tree("public"), "{signal} after {delay_ms} ms");
    }
}

#[test]
fn a_stray_staging_folder_is_removed_by_the_next_build() {
    let site = TestSite::new("basic");
    site.write(".public.tally-staging/half-written.html", "<p>half");
    site.build_ok(&[]);
    assert!(!site.path(".public.tally-staging").exists());
    assert!(site.path("public/index.html").is_file());
}

#[test]
fn a_build_killed_mid_swap_gets_its_previous_site_back() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let before = site.snapshot_tree("public");
    // Killed after moving the previous site aside, before moving the new
    // one in: only `.public.tally-old` holds the site.
    std::fs::rename(site.path("public"), site.path(".public.tally-old")).unwrap();
    // The next build fails on bad data, and still the previous site is back.
    site.write("data/teams.json", "");
    site.build_err(&[], 1);
    assert_eq!(before, site.snapshot_tree("public"));
    assert!(!site.path(".public.tally-old").exists());
}

#[test]
fn a_second_build_at_once_is_refused_and_changes_nothing() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let before = site.snapshot_tree("public");
    // What a running build holds while it works.
    let lock = std::fs::File::create(site.path(".tally-cache/build.lock")).unwrap();
    lock.try_lock().unwrap();
    let stderr = site.build_err(&[], 1);
    assert!(stderr.contains("another `tally build` of this site is running"), "{stderr}");
    insta::assert_snapshot!("second_build_refused", site.filter(stderr.as_bytes()));
    assert_eq!(before, site.snapshot_tree("public"));
    drop(lock);
    site.build_ok(&[]);
}

#[test]
fn a_deletion_cut_short_is_finished_by_the_next_build() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    site.write(".public.tally-trash/people/half-deleted.csv", "a\n");
    site.build_ok(&[]);
    assert!(!site.path(".public.tally-trash").exists());
    assert!(site.path("public/people/index.html").is_file());
}
