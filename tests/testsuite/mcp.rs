//! `tally mcp`: the real binary spoken to over stdio as an MCP client would
//! (newline-delimited JSON-RPC), on the hand-made built site of the `mcp`
//! fixture (organization and team views, a failed report, SQL in a
//! download) and on a site built from the `basic` fixture.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::util::TestSite;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A running `tally mcp` and the client end of its stdio.
struct McpSession {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    next_id: u64,
    /// Every line the server wrote to stdout.
    stdout: Vec<String>,
}

impl McpSession {
    /// Starts `tally mcp <args>` in the site's folder and performs the
    /// handshake (`initialize`, then `notifications/initialized`); returns
    /// the session and the `initialize` result.
    fn start(site: &TestSite, args: &[&str]) -> (McpSession, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tally"))
            .arg("mcp")
            .args(args)
            .current_dir(site.root())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("failed to start tally mcp");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut text).ok();
            text
        });
        let stdin = child.stdin.take();
        let mut session =
            McpSession { child, stdin, lines, stderr: Some(stderr), next_id: 1, stdout: Vec::new() };
        let init = session.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "tally-tests", "version": "1"}}),
        );
        let init = init.get("result").cloned().unwrap_or_else(|| panic!("initialize failed: {init}"));
        session.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        (session, init)
    }

    fn send(&mut self, message: Value) {
        let stdin = self.stdin.as_mut().expect("stdin is closed");
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and waits for the response with its id: the whole
    /// response object, `result` or `error`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method} in {TIMEOUT:?}"));
            self.stdout.push(line.clone());
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            assert_eq!(message["jsonrpc"], "2.0", "{line}");
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// Calls a tool; returns its result (`content`, `isError`).
    fn call(&mut self, tool: &str, arguments: Value) -> Value {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        response
            .get("result")
            .cloned()
            .unwrap_or_else(|| panic!("tools/call {tool} gave no result: {response}"))
    }

    /// Calls a tool that must succeed; returns its JSON answer.
    fn answer(&mut self, tool: &str, arguments: Value) -> Value {
        let result = self.call(tool, arguments.clone());
        assert_eq!(result["isError"], false, "{tool} {arguments}: {result}");
        let text = result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text: {result}"));
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{tool} answer is not JSON ({e}): {text}"))
    }

    /// Calls a tool that must fail with an `isError` result; returns its message.
    fn tool_error(&mut self, tool: &str, arguments: Value) -> String {
        let result = self.call(tool, arguments.clone());
        assert_eq!(result["isError"], true, "{tool} {arguments} should fail: {result}");
        result["content"][0]["text"].as_str().unwrap().to_string()
    }

    /// Closes stdin, as a client does when it is done, and waits for the
    /// server to end; returns its exit status and stderr.
    fn close(mut self) -> (ExitStatus, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                self.child.kill().ok();
                panic!("tally mcp did not stop within {TIMEOUT:?} of stdin closing");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // Whatever came after the last response must be protocol messages too.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            assert_eq!(message["jsonrpc"], "2.0", "{line}");
        }
        let stderr = self.stderr.take().unwrap().join().unwrap();
        assert!(!stderr.contains("panicked"), "tally mcp panicked: {stderr}");
        (status, stderr)
    }
}

impl Drop for McpSession {
    fn drop(&mut self) {
        // A failed assertion leaves the server running otherwise.
        if self.stdin.is_some() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// A JSON download outside the site, which no request may reach.
const SECRET: &str = r#"{"columns": [], "rows": [{"secret": "TOP-SECRET"}]}"#;

/// The `rows` of a JSON file of the site.
fn file_rows(site: &TestSite, rel: &str) -> Value {
    site.json(rel)["rows"].clone()
}

#[test]
fn answers_the_handshake_and_describes_every_tool() {
    let site = TestSite::new("mcp");
    let (mut mcp, init) = McpSession::start(&site, &["--site", "site"]);
    assert_eq!(init["serverInfo"]["name"], "tally");
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert!(init["capabilities"]["tools"].is_object(), "{init}");
    assert!(init["capabilities"]["resources"].is_object(), "{init}");
    let instructions = init["instructions"].as_str().unwrap();
    assert!(instructions.contains("\"Seats & Co\", numbers as of 2026-03-15"), "{instructions}");

    let tools = mcp.request("tools/list", json!({}))["result"]["tools"].clone();
    let names: Vec<&str> = tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for name in ["list_reports", "list_views", "get_report_rows", "explain_report"] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // A model chooses tools and arguments from these descriptions: every
    // tool and every argument has one, and every tool says it only reads.
    for tool in tools.as_array().unwrap() {
        assert!(tool["description"].as_str().unwrap().len() > 80, "{tool}");
        assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
        assert_eq!(tool["annotations"]["openWorldHint"], false, "{tool}");
        for (arg, schema) in tool["inputSchema"]["properties"].as_object().unwrap() {
            let description = schema["description"]
                .as_str()
                .unwrap_or_else(|| panic!("{} `{arg}`: no description", tool["name"]));
            assert!(description.len() > 20, "{} `{arg}`: {description}", tool["name"]);
        }
    }
    let rows_tool = tools.as_array().unwrap().iter().find(|t| t["name"] == "get_report_rows").unwrap();
    assert_eq!(rows_tool["inputSchema"]["required"], json!(["tab", "report"]));

    let (status, stderr) = mcp.close();
    assert!(status.success(), "{status:?} {stderr}");
    assert!(stderr.contains("serving `site` (2 tabs, 4 reports, 3 views, as of 2026-03-15)"), "{stderr}");
}

#[test]
fn lists_tabs_reports_columns_and_views() {
    let site = TestSite::new("mcp");
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    let list = mcp.answer("list_reports", json!({}));
    assert_eq!(list["site"], "Seats & Co");
    assert_eq!(list["as_of"], "2026-03-15");
    assert_eq!(list["subscription_start"], "2026-01-01");
    assert_eq!(list["views"]["organization"], 2);
    assert_eq!(list["views"]["team"], 1);
    let tabs = list["tabs"].as_array().unwrap();
    assert_eq!(tabs.len(), 2);
    assert_eq!(tabs[0]["id"], "users-activity");
    assert_eq!(tabs[0]["notes"], json!(["Logins are recorded from 2026-01-01."]));
    let seats = &tabs[0]["reports"][0];
    assert_eq!(seats["id"], "monthly-active-seats");
    assert_eq!(seats["rows"], 3);
    assert_eq!(
        seats["columns"],
        json!([{"name": "month", "type": "date"}, {"name": "active_seats", "type": "integer"},
               {"name": "change", "type": "integer"}])
    );
    assert!(tabs[1]["reports"][1]["error"].as_str().unwrap().contains("failed when the site was built"));

    // One tab only.
    let list = mcp.answer("list_reports", json!({"tab": "ai-mcp"}));
    assert_eq!(list["tabs"].as_array().unwrap().len(), 1);
    assert_eq!(list["tabs"][0]["title"], "AI & MCP");

    assert_eq!(list.get("scope"), None);

    let views = mcp.answer("list_views", json!({}));
    assert_eq!(views["views"].as_array().unwrap().len(), 3);
    let teams = mcp.answer("list_views", json!({"filter": "team"}));
    assert_eq!(
        teams["views"],
        json!([{"filter": "team", "value": "org-acme/Platform", "label": "Acme Robotics / Platform"}])
    );
    let globex = mcp.answer("list_views", json!({"search": "GLOBEX"}));
    assert_eq!(globex["views"][0]["value"], "org-globex");
    assert_eq!(globex["views"].as_array().unwrap().len(), 1);
    assert!(mcp.close().0.success());

    // A site built for one view (`tally build --view`) says so.
    let mut manifest = site.json("site/api/index.json");
    manifest["scope"] = manifest["views"][1].clone();
    manifest["views"] = json!([]);
    site.write("site/api/index.json", &manifest.to_string());
    let (mut mcp, init) = McpSession::start(&site, &["--site", "site"]);
    assert!(
        init["instructions"].as_str().unwrap().contains("It holds only the data of Globex Health."),
        "{init}"
    );
    let list = mcp.answer("list_reports", json!({}));
    assert!(
        list["scope"].as_str().unwrap().starts_with("This site holds only the data of Globex Health"),
        "{list}"
    );
    let message = mcp.tool_error(
        "get_report_rows",
        json!({"tab": "ai-mcp", "report": "ai-invocations-by-source", "team": "x"}),
    );
    assert!(message.contains("this site has no team views"), "{message}");
    assert!(mcp.close().0.success());
}

#[test]
fn rows_for_the_company_an_organization_and_a_team_are_the_site_json_rows() {
    let site = TestSite::new("mcp");
    let before = site.snapshot_tree("site");
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);

    // Whole company.
    let answer =
        mcp.answer("get_report_rows", json!({"tab": "users-activity", "report": "monthly-active-seats"}));
    assert_eq!(answer["rows"], file_rows(&site, "site/users-activity/monthly-active-seats.json"));
    assert_eq!(answer["view"], "whole company");
    assert_eq!((answer["total_rows"].clone(), answer["next_offset"].clone()), (json!(3), Value::Null));
    // Hand-made: Acme has 1, 3, 3 seats and Globex 1, 2, 1, so 2, 5, 4.
    assert_eq!(answer["rows"][1], json!({"month": "2026-02-01", "active_seats": 5, "change": 3}));
    assert_eq!(answer["notes"], json!(["Logins are recorded from 2026-01-01."]));

    // One organization.
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins",
                                                       "organization": "org-acme"}),
    );
    let expected = file_rows(&site, "site/views/organization/org-acme/users-activity/latest-logins.json");
    assert_eq!(answer["rows"], expected);
    assert_eq!(answer["rows"].as_array().unwrap().len(), 3);
    assert_eq!(
        answer["view"],
        json!({"filter": "organization", "value": "org-acme", "label": "Acme Robotics"})
    );
    // Its exact name works too.
    let by_name = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins",
                                                        "organization": "acme robotics"}),
    );
    assert_eq!(by_name["rows"], expected);

    // One team.
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "ai-mcp", "report": "ai-invocations-by-source",
                                                       "team": "org-acme/Platform"}),
    );
    assert_eq!(
        answer["rows"],
        file_rows(&site, "site/views/team/org-acme-platform/ai-mcp/ai-invocations-by-source.json")
    );
    assert_eq!(answer["rows"], json!([{"source": "cursor", "invocations": 2}]));

    // Some columns, in the asked order.
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins",
                                                       "columns": ["logged_in_at", "user"], "limit": 2}),
    );
    assert_eq!(
        answer["rows"],
        json!([{"logged_in_at": "2026-03-09T08:00:00Z", "user": "ann@acme.example"},
               {"logged_in_at": "2026-03-11T12:30:00Z", "user": "bob@acme.example"}])
    );
    assert_eq!(
        answer["columns"],
        json!([{"name": "logged_in_at", "type": "timestamp"}, {"name": "user", "type": "text"}])
    );
    assert_eq!((answer["total_rows"].clone(), answer["next_offset"].clone()), (json!(5), json!(2)));

    // The next page, then the last.
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins",
                                                       "columns": ["user"], "limit": 2, "offset": 2}),
    );
    assert_eq!(answer["rows"], json!([{"user": "cy@globex.example"}, {"user": "ann@acme.example"}]));
    assert_eq!(answer["next_offset"], 4);
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins",
                                                       "limit": 2, "offset": 4}),
    );
    assert_eq!(answer["rows"], json!([file_rows(&site, "site/users-activity/latest-logins.json")[4]]));
    assert_eq!((answer["returned"].clone(), answer["next_offset"].clone()), (json!(1), Value::Null));

    // A month range on the first date column (`month`): February and March of
    // Globex are 2 and 1 seats.
    let answer = mcp.answer("get_report_rows", json!({"tab": "users-activity", "report": "monthly-active-seats",
                                                       "organization": "org-globex", "from_month": "2026-02"}));
    assert_eq!(
        answer["rows"],
        json!([{"month": "2026-02-01", "active_seats": 2, "change": 1},
               {"month": "2026-03-01", "active_seats": 1, "change": -1}])
    );
    assert_eq!(answer["month_range"], json!({"column": "month", "from": "2026-02", "to": null}));
    let answer = mcp.answer(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "monthly-active-seats",
                                                       "from_month": "2026-01", "to_month": "2026-01"}),
    );
    assert_eq!(answer["rows"], json!([{"month": "2026-01-01", "active_seats": 2, "change": 2}]));

    let (status, _) = mcp.close();
    assert!(status.success());
    // Nothing was written.
    assert!(site.snapshot_tree("site") == before, "the site changed while it was served");
}

#[test]
fn explains_a_report_with_its_sql_from_the_download_the_tab_script_or_the_config() {
    let site = TestSite::new("mcp");
    // With the config: the default `-c site.toml` also finds the site (`output_dir`).
    let (mut mcp, _) = McpSession::start(&site, &[]);
    let answer = mcp.answer("explain_report", json!({"tab": "ai-mcp", "report": "ai-invocations-by-source"}));
    // The download carries its SQL: that wins over the config's.
    assert_eq!(answer["sql"], site.json("site/ai-mcp/ai-invocations-by-source.json")["sql"]);
    assert!(answer["sql_source"].as_str().unwrap().starts_with("the report's JSON download"));
    // 2026-03-15 is a Sunday; the last 7 days start on Monday 9 March.
    assert_eq!(answer["parameters"]["week_start()"], "2026-03-09");
    assert_eq!(answer["parameters"]["as_of_end()"], "2026-03-16 00:00:00");
    assert_eq!(answer["parameters"]["subscription_start()"], "2026-01-01");

    // The tab's queries.sql: this report's part, and the definitions before
    // the first report.
    let answer = mcp.answer("explain_report", json!({"tab": "users-activity", "report": "latest-logins"}));
    let script = site.read("site/users-activity/queries.sql");
    let part = &script[script.find("-- Report `latest-logins`").unwrap()..];
    assert_eq!(answer["sql"].as_str().unwrap(), part.trim_end());
    let definitions = answer["definitions"].as_str().unwrap();
    assert!(definitions.starts_with("-- The queries of tab `users-activity`"), "{definitions}");
    assert!(definitions.ends_with("MACRO subscription_start() AS DATE '2026-01-01';"), "{definitions}");
    assert!(
        answer["sql_source"].as_str().unwrap().starts_with("the tab's `users-activity/queries.sql`"),
        "{answer}"
    );
    let answer =
        mcp.answer("explain_report", json!({"tab": "users-activity", "report": "monthly-active-seats"}));
    let sql = answer["sql"].as_str().unwrap();
    assert!(sql.starts_with("-- Report `monthly-active-seats`") && sql.ends_with("ORDER BY month;"), "{sql}");
    assert_eq!(answer["notes"], json!(["Logins are recorded from 2026-01-01."]));
    let answer = mcp.answer("explain_report", json!({"tab": "ai-mcp", "report": "failed-report"}));
    assert!(answer["error"].as_str().unwrap().contains("Referenced column \"nope\" not found"), "{answer}");

    // Without queries.sql, the config's SQL.
    std::fs::remove_file(site.path("site/users-activity/queries.sql")).unwrap();
    let answer =
        mcp.answer("explain_report", json!({"tab": "users-activity", "report": "monthly-active-seats"}));
    assert_eq!(answer["sql"], site.read("queries/monthly-active-seats.sql"));
    let source = answer["sql_source"].as_str().unwrap();
    assert!(
        source.starts_with("the site config") && source.contains("queries/monthly-active-seats.sql"),
        "{source}"
    );
    assert_eq!(answer.get("definitions"), None);
    assert!(mcp.close().0.success());

    // Without a config (and queries.sql), only the downloads' SQL is there.
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    let answer =
        mcp.answer("explain_report", json!({"tab": "users-activity", "report": "monthly-active-seats"}));
    assert_eq!(answer["sql"], Value::Null);
    assert!(answer["sql_source"].as_str().unwrap().contains("-c site.toml"), "{answer}");
    assert!(mcp.close().0.success());
}

#[test]
fn serves_report_json_and_tab_pdfs_as_resources() {
    let site = TestSite::new("mcp");
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    let list = mcp.request("resources/list", json!({}))["result"]["resources"].clone();
    let uris: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["uri"].as_str().unwrap(), r["mimeType"].as_str().unwrap()))
        .collect();
    // The failed report has no JSON, so it is not listed.
    assert_eq!(
        uris,
        [
            ("tally://users-activity/monthly-active-seats", "application/json"),
            ("tally://users-activity/latest-logins", "application/json"),
            ("tally://users-activity/users-activity.pdf", "application/pdf"),
            ("tally://ai-mcp/ai-invocations-by-source", "application/json"),
            ("tally://ai-mcp/ai-mcp.pdf", "application/pdf"),
        ]
    );
    let seats = &list[0];
    assert_eq!(seats["title"], "Users activity: Total monthly active seats");
    assert_eq!(seats["size"], site.bytes("site/users-activity/monthly-active-seats.json").len());

    let read = mcp.request("resources/read", json!({"uri": "tally://ai-mcp/ai-invocations-by-source"}));
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "application/json");
    assert_eq!(contents["text"].as_str().unwrap(), site.read("site/ai-mcp/ai-invocations-by-source.json"));

    let read = mcp.request("resources/read", json!({"uri": "tally://users-activity/users-activity.pdf"}));
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["mimeType"], "application/pdf");
    let bytes = base64::engine::general_purpose::STANDARD.decode(contents["blob"].as_str().unwrap()).unwrap();
    assert_eq!(bytes, site.bytes("site/users-activity/users-activity.pdf"));

    let templates = mcp.request("resources/templates/list", json!({}));
    let templates = templates["result"]["resourceTemplates"].as_array().unwrap();
    assert_eq!(templates[0]["uriTemplate"], "tally://{tab}/{report}");
    assert!(mcp.close().0.success());
}

#[test]
fn hostile_and_unknown_ids_get_errors_never_a_file_outside_the_site() {
    let site = TestSite::new("mcp");
    // A file outside the site that a path trick would reach, and a symbolic
    // link inside the site pointing at it.
    site.write("secret.json", SECRET);
    #[cfg(unix)]
    std::os::unix::fs::symlink(site.path("secret.json"), site.path("site/ai-mcp/leak.json")).unwrap();
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    let rows = |tab: &str, report: &str| json!({"tab": tab, "report": report});

    for (args, expected) in [
        (rows("../../etc/passwd", "x"), "`../../etc/passwd` is not a tab id"),
        (rows("users-activity", "../../../etc/passwd"), "`../../../etc/passwd` is not a report id"),
        (rows("users-activity", "../../secret"), "is not a report id"),
        (rows("/etc", "passwd"), "is not a tab id"),
        (rows("ai-mcp", "leak"), "no report `leak` in tab `ai-mcp`"),
        (rows("nope", "x"), "no tab `nope` in this site; its tabs are: users-activity, ai-mcp"),
        (rows("users-activity", "nope"), "no report `nope` in tab `users-activity`; its reports are: monthly-active-seats, latest-logins"),
        (rows("ai-mcp", "failed-report"), "failed when the site was built, so it has no rows: Binder Error"),
        (
            json!({"tab": "users-activity", "report": "latest-logins", "organization": "../../.."}),
            "no organization view `../../..` in this site; its organization views are: `org-acme` (Acme Robotics), `org-globex` (Globex Health)",
        ),
        (json!({"tab": "users-activity", "report": "latest-logins", "team": "org-acme/Mobile"}), "no team view `org-acme/Mobile`"),
        (
            json!({"tab": "users-activity", "report": "latest-logins", "team": "org-acme/Platform", "organization": "org-acme"}),
            "give `organization` or `team`, not both",
        ),
        (
            json!({"tab": "users-activity", "report": "latest-logins", "columns": ["user", "password"]}),
            "has no column `password`; its columns are: user (text), organization (text), logged_in_at (timestamp)",
        ),
        (json!({"tab": "users-activity", "report": "latest-logins", "from_month": "March"}), "`from_month` must be a month in the form YYYY-MM"),
        (json!({"tab": "users-activity", "report": "latest-logins", "from_month": "2026-03", "to_month": "2026-01"}), "is after `to_month`"),
        (json!({"tab": "ai-mcp", "report": "ai-invocations-by-source", "to_month": "2026-03"}), "has no date or timestamp column"),
        (json!({"tab": "users-activity", "report": "latest-logins", "limit": 0}), "`limit` must be between 1 and 1000"),
        (json!({"tab": "users-activity", "report": "latest-logins", "limit": 5000}), "`limit` must be between 1 and 1000"),
    ] {
        let message = mcp.tool_error("get_report_rows", args.clone());
        assert!(message.contains(expected), "{args}: {message}");
        assert!(!message.contains("TOP-SECRET"), "{message}");
    }
    let message = mcp.tool_error("explain_report", rows("..", "passwd"));
    assert!(message.contains("`..` is not a tab id"), "{message}");
    let message = mcp.tool_error("list_reports", json!({"tab": "../api"}));
    assert!(message.contains("is not a tab id"), "{message}");

    // Arguments the schema does not have, missing ones and tools that do not
    // exist are refused before any file is read (the SDK answers a bad
    // argument with an `isError` result and an unknown tool with a protocol
    // error).
    for (tool, args, expected) in [
        (
            "get_report_rows",
            json!({"tab": "users-activity", "report": "latest-logins", "path": "/etc/passwd"}),
            "unknown field `path`",
        ),
        ("get_report_rows", json!({"tab": "users-activity"}), "missing field `report`"),
        ("get_report_rows", json!({"tab": "users-activity", "report": 7}), "invalid type: integer `7`"),
        ("read_file", json!({"path": "/etc/passwd"}), "tool not found"),
    ] {
        let response = mcp.request("tools/call", json!({"name": tool, "arguments": args}));
        let message = match response.get("error") {
            Some(error) => error["message"].as_str().unwrap().to_string(),
            None => {
                assert_eq!(response["result"]["isError"], true, "{response}");
                response["result"]["content"][0]["text"].as_str().unwrap().to_string()
            }
        };
        assert!(message.contains(expected), "{tool} {args}: {message}");
    }

    for uri in [
        "tally://../../etc/passwd",
        "tally://users-activity/../../../etc/passwd",
        "tally://ai-mcp/leak",
        "tally://users-activity/ai-mcp.pdf",
        "file:///etc/passwd",
        "tally://api/index",
    ] {
        let response = mcp.request("resources/read", json!({"uri": uri}));
        assert!(response["error"]["message"].is_string(), "{uri}: {response}");
        assert!(
            !response.to_string().contains("TOP-SECRET") && !response.to_string().contains("root:"),
            "{response}"
        );
    }
    assert!(mcp.close().0.success());
}

#[test]
fn a_manifest_cannot_send_a_view_outside_the_site() {
    let site = TestSite::new("mcp");
    let mut manifest = site.json("site/api/index.json");
    manifest["views"][0]["path"] = json!("views/organization/../../../");
    site.write("site/api/index.json", &manifest.to_string());
    // A download replaced by a symbolic link to a file outside the site.
    site.write("secret.json", SECRET);
    #[cfg(unix)]
    {
        std::fs::remove_file(site.path("site/users-activity/monthly-active-seats.json")).unwrap();
        std::os::unix::fs::symlink(
            site.path("secret.json"),
            site.path("site/users-activity/monthly-active-seats.json"),
        )
        .unwrap();
    }
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    let message = mcp.tool_error(
        "get_report_rows",
        json!({"tab": "users-activity", "report": "latest-logins", "organization": "org-acme"}),
    );
    assert!(message.contains("which is not of the form `views/organization/<slug>/`"), "{message}");
    #[cfg(unix)]
    {
        let message = mcp.tool_error(
            "get_report_rows",
            json!({"tab": "users-activity", "report": "monthly-active-seats"}),
        );
        assert!(message.contains("leads outside the site folder; refusing to read it"), "{message}");
        assert!(!message.contains("TOP-SECRET"), "{message}");
        let response =
            mcp.request("resources/read", json!({"uri": "tally://users-activity/monthly-active-seats"}));
        assert!(
            response["error"]["message"].as_str().unwrap().contains("leads outside the site folder"),
            "{response}"
        );
    }
    assert!(mcp.close().0.success());
}

#[test]
fn a_folder_that_is_not_a_site_of_this_version_gets_clear_errors() {
    let site = TestSite::new("mcp");
    site.write("empty/index.html", "<p>not a tally site</p>");
    site.write("old/api/index.json", r#"{"site": {"title": "x"}, "as_of": "2026-01-01", "tabs": []}"#);
    site.write(
        "newer/api/index.json",
        r#"{"site": {"title": "x"}, "as_of": "2026-01-01", "tabs": [], "format_version": 3, "tally_version": "9.1.0"}"#,
    );
    for (dir, expected) in [
        ("empty", "`empty` is not a tally site: it has no `api/index.json`"),
        ("missing", "the site folder `missing` does not exist"),
        ("old", "the site `old` was built by an older tally (no format_version); this tally"),
        ("newer", "the site `newer` was built by 9.1.0 (format_version 3)"),
    ] {
        // The server starts anyway, so the message reaches the user through
        // the model instead of a bare "failed to start".
        let (mut mcp, init) = McpSession::start(&site, &["--site", dir]);
        assert!(init["instructions"].as_str().unwrap().contains(expected), "{init}");
        let message = mcp.tool_error("list_reports", json!({}));
        assert!(message.contains(expected), "{dir}: {message}");
        if dir == "old" || dir == "newer" {
            assert!(
                message.contains("reads format_version 2: rebuild the site with this tally (`tally build`)"),
                "{message}"
            );
        }
        let response = mcp.request("resources/list", json!({}));
        assert!(response["error"]["message"].as_str().unwrap().contains(expected), "{response}");
        let (status, stderr) = mcp.close();
        assert!(status.success());
        assert!(stderr.contains(expected), "{stderr}");
    }

    // A config that cannot be read stops before serving, like every command.
    let out = site.tally(&["mcp", "-c", "nope.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed to read config `nope.toml`"));
    assert!(out.stdout.is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn opens_no_socket_and_ends_when_stdin_closes() {
    let site = TestSite::new("mcp");
    let (mut mcp, _) = McpSession::start(&site, &["--site", "site"]);
    mcp.answer("get_report_rows", json!({"tab": "users-activity", "report": "latest-logins"}));
    let fds = std::fs::read_dir(format!("/proc/{}/fd", mcp.child.id())).unwrap();
    for fd in fds {
        let target =
            std::fs::read_link(fd.unwrap().path()).map(|t| t.display().to_string()).unwrap_or_default();
        assert!(!target.starts_with("socket:"), "tally mcp holds a socket: {target}");
    }
    let started = Instant::now();
    let (status, stderr) = mcp.close();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?} to stop", started.elapsed());
    assert!(stderr.contains("the client closed the connection"), "{stderr}");
}

#[test]
fn serves_a_built_site_with_the_same_rows_as_its_downloads() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let llms = site.read("public/llms.txt");
    assert!(
        llms.starts_with(
            "# Basic <Site> & Co\n\n> A fixture for the core build. Numbers as of 2026-03-15.\n"
        ),
        "{llms}"
    );
    let (mut mcp, _) = McpSession::start(&site, &[]);
    let manifest = site.json("public/api/index.json");
    let mut reports = 0;
    for tab in manifest["tabs"].as_array().unwrap() {
        for report in tab["reports"].as_array().unwrap() {
            let (tab_id, report_id) = (tab["id"].as_str().unwrap(), report["id"].as_str().unwrap());
            let answer =
                mcp.answer("get_report_rows", json!({"tab": tab_id, "report": report_id, "limit": 1000}));
            assert_eq!(
                answer["rows"],
                site.json(&format!("public/{tab_id}/{report_id}.json"))["rows"],
                "{tab_id}/{report_id}"
            );
            assert_eq!(answer["total_rows"], report["rows"], "{tab_id}/{report_id}");
            let explained = mcp.answer("explain_report", json!({"tab": tab_id, "report": report_id}));
            assert!(explained["sql"].as_str().is_some_and(|s| s.contains("SELECT")), "{explained}");
            assert!(
                llms.contains(&format!("]({tab_id}/{report_id}.json)")),
                "{tab_id}/{report_id} not in llms.txt"
            );
            reports += 1;
        }
    }
    assert_eq!(reports, 6);
    // The basic fixture's numbers, worked out in build.rs: three users.
    let answer = mcp.answer("get_report_rows", json!({"tab": "people", "report": "user-count"}));
    assert_eq!(answer["rows"], json!([{"users": 3}]));
    assert!(mcp.close().0.success());
}
