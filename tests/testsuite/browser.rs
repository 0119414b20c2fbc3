//! The built site in a real browser: served over HTTP from a local static
//! server, opened in headless Chromium. Every page must load without console
//! errors, and every chart must be upgraded from its static SVG to a live
//! ECharts chart.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::util::TestSite;

/// A minimal static file server on 127.0.0.1, serving `root` until the test
/// process ends. Returns the port.
pub(crate) fn serve(root: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            std::thread::spawn(move || respond(stream, &root));
        }
    });
    port
}

fn respond(mut stream: TcpStream, root: &Path) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    if reader.read_line(&mut line).is_err() {
        return;
    }
    // Skip the headers.
    let mut header = String::new();
    while reader.read_line(&mut header).map(|n| n > 2).unwrap_or(false) {
        header.clear();
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/").to_string();
    let rel = path.trim_start_matches('/');
    let mut file = root.join(rel);
    if path.ends_with('/') {
        file = file.join("index.html");
    }
    let (status, body) = match (!rel.contains(".."), std::fs::read(&file)) {
        (true, Ok(body)) => ("200 OK", body),
        _ => ("404 Not Found", b"not found".to_vec()),
    };
    let mime = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

/// Loads `url` in headless Chromium; returns (DOM after scripts ran, log).
fn chromium(url: &str) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--window-size=1280,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("chromium must be installed (.ci/run installs Debian's `chromium`)");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Loads `page` of the site served on `port` and checks that it loaded with
/// nothing on the console (no script error, no CSP refusal); returns the DOM.
fn load_cleanly(port: u16, page: &str) -> String {
    let (dom, log) = chromium(&format!("http://127.0.0.1:{port}/{page}"));
    assert!(dom.contains("</html>"), "{page} did not load:\n{log}");
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect();
    assert!(console.is_empty(), "{page} logged:\n{}", console.join("\n"));
    dom
}

#[test]
fn pages_load_without_errors_and_charts_go_live() {
    let site = TestSite::new("basic");
    site.build_ok(&[]);
    let port = serve(site.path("public"));
    for page in ["index.html", "people/index.html", "events/index.html"] {
        let dom = load_cleanly(port, page);
        let figures = dom.matches("<figure class=\"chart").count();
        let live = dom.matches("chart--live").count();
        assert_eq!(figures, live, "{page}: {live} of {figures} charts went live");
    }
    let (dom, _) = chromium(&format!("http://127.0.0.1:{port}/people/index.html"));
    assert!(dom.contains("chart--live"), "the people tab has a chart that goes live");
}

#[test]
fn hostile_values_stay_text_in_the_browser() {
    let site = TestSite::new("payloads");
    site.build_ok(&[]);
    let port = serve(site.path("public"));
    let dom = load_cleanly(port, "people/index.html");
    // After every script ran, the values are still text: no element came
    // out of the data, and the four charts went live.
    for element in ["<img", "<b>", "<script>alert"] {
        assert!(!dom.contains(element), "`{element}` became markup in the live page");
    }
    assert!(dom.contains("&lt;img src=x onerror=alert(2)&gt;"), "the value is shown as text");
    assert_eq!(dom.matches("chart--live").count(), 4, "four charts went live");
}
