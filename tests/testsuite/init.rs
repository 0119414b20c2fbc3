//! `tally init`: a new site reads its own `data/` and says how to fill it;
//! `--sample` gives a site that builds at once.

use crate::util::TestSite;

#[test]
fn a_new_site_reads_data_and_says_how_to_fill_it() {
    let site = TestSite::empty();
    let (stdout, _) = site.ok(&["init", "usage"], &[]);
    insta::assert_snapshot!("init_empty", stdout);
    assert!(site.path("usage/data").is_dir());
    assert!(site.read("usage/site.toml").contains("data_dir = \"data\""));
    assert!(!site.path("usage/sample-data").exists());
    // Building before the exports are there says what to do.
    let stderr = site.fails(&["build", "-c", "usage/site.toml"], &[]);
    insta::assert_snapshot!("build_with_empty_data", stderr);
    // With exports (here the synthetic ones) it builds, and the history
    // notes come from them: the sample's logins start on 2025-07-01.
    site.ok(&["sample", "--out", "usage/data"], &[]);
    site.ok(&["build", "-c", "usage/site.toml"], &[]);
    let page = site.read("usage/public/users-activity/index.html");
    assert!(page.contains("Login history starts in July 2025."));
}

#[test]
fn init_next_to_exports_says_what_it_found() {
    let site = TestSite::empty();
    site.write("usage/data/users.csv", "user_id\nu1\n");
    site.write("usage/data/logins.csv", "user_id\nu1\n");
    site.write("usage/data/page_visits/2025-07.csv", "visited_at\n");
    site.write("usage/data/teams.csv", "team\nPlatform\n");
    site.write("usage/data/notes.docx", "x");
    let (stdout, _) = site.ok(&["init", "usage"], &[]);
    insta::assert_snapshot!("init_with_exports", stdout);
    // Anything but `data/` makes the folder someone else's.
    let site = TestSite::empty();
    site.write("usage/notes.txt", "mine");
    insta::assert_snapshot!("init_not_empty", site.fails(&["init", "usage"], &[]));
}

#[test]
fn init_sample_builds_at_once() {
    let site = TestSite::empty();
    let (stdout, _) = site.ok(&["init", "--sample", "demo"], &[]);
    insta::assert_snapshot!("init_sample", stdout);
    assert!(site.read("demo/site.toml").contains("data_dir = \"sample-data\""));
    site.ok(&["build", "-c", "demo/site.toml"], &[]);
    assert!(site.path("demo/public/ai-mcp/index.html").is_file());
    // `--sample` wants an empty folder: data of your own would be ignored.
    let site = TestSite::empty();
    site.write("demo/data/users.csv", "user_id\nu1\n");
    insta::assert_snapshot!("init_sample_not_empty", site.fails(&["init", "--sample", "demo"], &[]));
}
