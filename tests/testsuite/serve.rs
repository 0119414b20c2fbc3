//! `tally serve`, run as a user runs it: started on a free port in a temp
//! copy of a fixture site, spoken to over HTTP, its files edited while it
//! runs, and stopped with Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::TestSite;

/// How long a change may take to show in the served page. The targets are
/// far lower (README, "Previewing with `tally serve`"); this bound leaves room
/// for a busy test machine and still fails a server that never rebuilds.
const CHANGE_SHOWS_WITHIN: Duration = Duration::from_secs(10);

/// A running `tally serve`.
struct Server {
    child: Child,
    port: u16,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `tally serve --port 0 <args>` in `site`'s folder and waits
    /// until it says where it listens.
    fn start(site: &TestSite, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tally"));
        cmd.args(["serve", "--port", "0"]).args(args).current_dir(site.root());
        cmd.env_remove("TALLY_CACHE_DIR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start tally serve");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        for (pipe, lines) in [
            (Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>, stdout.clone()),
            (Box::new(child.stderr.take().unwrap()), stderr.clone()),
        ] {
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut server = Server { child, port: 0, stdout, stderr };
        let line = server.wait_for_line("at http://127.0.0.1:");
        let port = line.split("127.0.0.1:").nth(1).unwrap().split('/').next().unwrap();
        server.port = port.parse().unwrap();
        server
    }

    fn wait_for_line(&mut self, text: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(line) = self.stdout.lock().unwrap().iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tally serve exited ({status}) before printing `{text}`:\n{}", self.output());
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no `{text}` in:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn output(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout.lock().unwrap().join("\n"),
            self.stderr.lock().unwrap().join("\n")
        )
    }

    /// `GET path`: (status code, content type, body).
    fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        request(self.port, &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    }

    fn text(&self, path: &str) -> String {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
        String::from_utf8(body).unwrap()
    }

    fn status(&self) -> Value {
        serde_json::from_str(&self.text("/_tally/status")).unwrap()
    }

    /// Waits until the first build is served (or has failed).
    fn wait_built(&self) -> Value {
        let start = Instant::now();
        loop {
            let status = self.status();
            if status["builds"].as_u64() > Some(0) || !status["error"].is_null() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no first build:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until `check` holds for `path`'s text, within the bound;
    /// returns the text and how long it took.
    fn wait_for(&self, path: &str, what: &str, check: impl Fn(&str) -> bool) -> (String, Duration) {
        let start = Instant::now();
        loop {
            let (status, _, body) = self.get(path);
            let text = String::from_utf8_lossy(&body).into_owned();
            if status == 200 && check(&text) {
                return (text, start.elapsed());
            }
            assert!(
                start.elapsed() < CHANGE_SHOWS_WITHIN,
                "{what}: not seen in {path} within {CHANGE_SHOWS_WITHIN:?}\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C; returns the exit status once it stopped.
    fn interrupt(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "did not stop on SIGINT:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends a raw request; returns (status code, content type, body).
fn request(port: u16, raw: &str) -> (u16, String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let content_type =
        head.lines().find_map(|l| l.strip_prefix("Content-Type: ")).unwrap_or_default().to_string();
    (status, content_type, bytes[split + 4..].to_vec())
}

/// The card of report `id` in a tab page (empty if it has none).
fn card<'a>(page: &'a str, id: &str) -> &'a str {
    let Some(start) = page.find(&format!(" id=\"{id}\"")) else { return "" };
    let end = page[start..].find("</section>").map_or(page.len(), |at| start + at);
    &page[start..end]
}

/// The `rows` of a report's JSON download as served.
fn served_rows(server: &Server, path: &str) -> Value {
    let doc: Value = serde_json::from_str(&server.text(path)).unwrap();
    doc["rows"].clone()
}

#[test]
fn serve_rebuilds_on_change_keeps_the_last_good_site_and_stops_cleanly() {
    let site = TestSite::new("basic");
    let mut server = Server::start(&site, &[], &[]);
    let status = server.wait_built();
    assert!(status["error"].is_null(), "first build failed: {status}\n{}", server.output());
    let build = status["build"].as_str().unwrap().to_string();

    // The tab page, with the reload script added as it is sent.
    let page = server.text("/people/index.html");
    assert!(page.contains("Logins by user"));
    assert!(page.contains(&format!("<script src=\"/_tally/live.js\" data-build=\"{build}\" defer></script>")));
    assert!(page.contains("number__value\">3<"), "three users were created by 2026-03-15");

    // 1. A title: the page and the report's downloads (which carry the
    // title) show it; no query runs for it.
    let config = site.read("site.toml");
    site.write("site.toml", &config.replace("title = \"Logins by user\"", "title = \"Sign-ins by user\""));
    server.wait_for("/people/index.html", "the new title", |p| p.contains("Sign-ins by user"));
    let doc: Value = serde_json::from_str(&server.text("/people/logins-by-user.json")).unwrap();
    assert_eq!(doc["title"], "Sign-ins by user");
    server.wait_for_line("no query ran");

    // 2. Its SQL: without u3, the rows are u1's four logins up to the
    // as-of date and u2's one (u2's login on 2026-03-16 is after it).
    let sql = site.read("queries/logins-by-user.sql");
    let filtered = sql.replace("FROM logins\n", "FROM logins\nWHERE user_id <> 'u3'\n");
    assert_ne!(sql, filtered);
    site.write("queries/logins-by-user.sql", &filtered);
    // The page shows two rows of a table (`page_rows`) and says how many
    // there are: three before, two now.
    assert!(card(&page, "logins-by-user").contains("Showing the first 2 of 3 rows"));
    server
        .wait_for("/people/index.html", "the new rows", |p| !card(p, "logins-by-user").contains("of 3 rows"));
    assert_eq!(
        served_rows(&server, "/people/logins-by-user.json"),
        json!([
            {"user_id": "u1", "logins": 4, "last_login": "2026-03-15T23:59:59Z"},
            {"user_id": "u2", "logins": 1, "last_login": "2026-02-03T23:30:00Z"},
        ])
    );
    server.wait_for_line("1 of 6 reports ran (people/logins-by-user)");

    // 3. A data file: a fifth user created on 2026-03-02 makes four users
    // by the as-of date (u4 is created after it), on the number card.
    let users = site.read("data/users.csv");
    site.write("data/users.csv", &format!("{users}u5,eve@example.com,Platform,2026-03-02T10:00:00Z\n"));
    server.wait_for("/people/index.html", "the new user count", |p| p.contains("number__value\">4<"));
    assert_eq!(served_rows(&server, "/people/user-count.json"), json!([{"users": 4}]));
    // Only the reports that read `users` ran again.
    server.wait_for_line("data loaded, 1 of 6 reports ran (people/user-count)");

    // 4. A broken query: the error, as `tally build` prints it, on the
    // page over the last good content, and in the status.
    site.write("queries/logins-by-user.sql", "SELECT no_such_column FROM logins");
    let broken_at = Instant::now();
    let (page, _) = server
        .wait_for("/people/index.html", "the error overlay", |p| p.contains("id=\"tally-serve-error\""));
    assert!(broken_at.elapsed() < CHANGE_SHOWS_WITHIN);
    let error = server.status()["error"].as_str().unwrap().to_string();
    assert!(
        error.starts_with("Error: failed to run query for tab `people`, report `logins-by-user`"),
        "{error}"
    );
    assert!(error.contains("no_such_column"), "{error}");
    assert!(page.contains("failed to run query for tab `people`, report `logins-by-user`"));
    assert!(page.contains("Sign-ins by user") && page.contains("number__value\">4<"), "the last good page");
    assert_eq!(served_rows(&server, "/people/logins-by-user.json").as_array().unwrap().len(), 2);
    // `tally build` of the same files (with its own cache, as serve holds
    // the site's lock) prints the same message.
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("cache");
    let out = elsewhere.path().join("out");
    let stderr =
        site.fails(&["build", "-o", out.to_str().unwrap()], &[("TALLY_CACHE_DIR", cache.to_str().unwrap())]);
    // (After its warnings, such as the fixture's data/README.md skipped.)
    let printed = stderr.find("Error: ").map_or(stderr.as_str(), |at| &stderr[at..]);
    assert_eq!(printed.trim_end(), site.filter(error.as_bytes()));
    assert!(server.stderr.lock().unwrap().iter().any(|l| l.contains("report `logins-by-user`")));

    // 5. Fixed: the overlay goes, the new result shows.
    site.write("queries/logins-by-user.sql", &sql);
    server.wait_for("/people/index.html", "the fixed page", |p| {
        !p.contains("tally-serve-error")
            && card(p, "logins-by-user").contains("Showing the first 2 of 3 rows")
    });
    assert!(server.status()["error"].is_null());

    // While serve runs, a build of the site is refused (serve holds its
    // lock), and the published output folder never appears.
    let refused = site.fails(&["build"], &[]);
    assert!(refused.contains("build.lock"), "{refused}");
    assert!(!site.path("public").exists(), "serve wrote the published output folder");

    // Ctrl-C: exit 0, the serve folder removed, the lock let go.
    let status = server.interrupt();
    assert!(status.success(), "{status}\n{}", server.output());
    assert!(!site.path(".tally-cache/serve").exists(), "the serve folder is left");
    let leftovers: Vec<String> = std::fs::read_dir(site.path(".tally-cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("serve") || n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(!site.path("public").exists());
    site.build_ok(&["-q"]);
}

#[test]
fn serve_answers_like_a_static_host_and_refuses_paths_outside_the_site() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, &[], &[]);
    assert!(server.wait_built()["error"].is_null());
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/people/", "text/html; charset=utf-8"),
        ("/people/logins-by-user.csv", "text/csv; charset=utf-8"),
        ("/people/logins-by-user.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("/people/logins-by-user.json", "application/json"),
        ("/people/monthly-logins.svg", "image/svg+xml"),
        ("/people/monthly-logins.png", "image/png"),
        ("/people/people.pdf", "application/pdf"),
        ("/assets/style.css", "text/css; charset=utf-8"),
        ("/assets/site.js", "text/javascript; charset=utf-8"),
        ("/api/index.json", "application/json"),
        ("/_tally/live.js", "text/javascript; charset=utf-8"),
    ] {
        let (status, got, body) = server.get(path);
        assert_eq!((status, got.as_str()), (200, content_type), "{path}");
        assert!(!body.is_empty(), "{path}");
    }
    let (_, _, pdf) = server.get("/people/people.pdf");
    assert!(pdf.starts_with(b"%PDF"));
    // A folder without its slash redirects, as static hosts do.
    let (status, _, _) = server.get("/people");
    assert_eq!(status, 301);
    assert_eq!(server.get("/people/nothing.csv").0, 404);
    for path in
        ["/../site.toml", "/people/../../site.toml", "/%2e%2e/site.toml", "/..%2fsite.toml", "/.tally-site"]
    {
        assert_eq!(server.get(path).0, 403, "{path}");
    }
    let post = request(server.port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(post.0, 405);

    // The files on disk, like a published site, never hold the script.
    let on_disk = std::fs::read_to_string(site.path(".tally-cache/serve/site/people/index.html")).unwrap();
    assert!(!on_disk.contains("_tally"));
}

#[test]
fn served_files_equal_the_built_ones_views_and_pdfs_included() {
    // A site with views, built by `tally build` and served by `tally
    // serve` (views and PDFs made when asked for): the same bytes.
    let site = TestSite::with_default_reports("views");
    let built = tempfile::tempdir().unwrap();
    let out = built.path().join("public");
    site.ok(
        &["build", "-q", "-o", out.to_str().unwrap()],
        &[("TALLY_CACHE_DIR", built.path().join("cache").to_str().unwrap())],
    );
    let server = Server::start(&site, &[], &[]);
    assert!(server.wait_built()["error"].is_null(), "{}", server.output());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("api/index.json")).unwrap()).unwrap();
    let view = manifest["views"].as_array().unwrap().iter().find(|v| v["filter"] == "organization").unwrap();
    let team = manifest["views"].as_array().unwrap().iter().find(|v| v["filter"] == "team").unwrap();
    let (org, team) = (view["path"].as_str().unwrap(), team["path"].as_str().unwrap());
    let tab = "actions-automations";
    for path in [
        format!("{tab}/monthly-action-runs.json"),
        format!("{tab}/{tab}.pdf"),
        "api/index.json".into(),
        "views/index.js".into(),
        format!("{org}{tab}/data.js"),
        format!("{org}index.js"),
        format!("{org}{tab}/actions-by-user.csv"),
        format!("{org}{tab}/monthly-action-runs.json"),
        format!("{org}{tab}/{tab}.pdf"),
        format!("{team}{tab}/data.js"),
        format!("{team}{tab}/actions-by-user.json"),
    ] {
        let (status, _, body) = server.get(&format!("/{path}"));
        assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        let expected = std::fs::read(out.join(&path)).unwrap();
        assert!(body == expected, "{path}: served and built differ");
    }
}

#[test]
fn the_reload_script_reloads_an_open_page_and_shows_errors_in_a_browser() {
    let site = TestSite::new("basic");
    let server = Server::start(&site, &[], &[]);
    assert!(server.wait_built()["error"].is_null(), "{}", server.output());
    let sql = site.read("queries/logins-by-user.sql");
    let changed = sql.replace("count(*) AS logins", "count(*) AS logins_counted");
    assert_ne!(sql, changed);
    crate::views::run_browser_script(
        "serve.mjs",
        &json!({
            "base": format!("http://127.0.0.1:{}", server.port),
            "page": "people/index.html",
            "file": site.path("queries/logins-by-user.sql"),
            "original": sql,
            "changed": changed,
            // The table's header shows the column's new name, as a label.
            "changed_text": "Logins counted",
            "broken": "SELECT no_such_column FROM logins",
            "error_text": "failed to run query for tab `people`, report `logins-by-user`",
        }),
    );
}
