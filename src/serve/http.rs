//! The HTTP side of `tally serve`: a small server, a thread per
//! connection (a preview has one reader and a few open pages), that serves
//! the serve folder under the same paths and content types as a static host
//! would serve the published site, refuses any path outside it, and adds
//! what only serve mode has:
//!
//! - `/_tally/live.js`, the reload script, whose `<script src>` is added to
//!   every HTML page as it is sent (the files on disk, like a published
//!   site, never hold it; a same-origin script is what the pages'
//!   Content-Security-Policy, `script-src 'self'`, allows);
//! - `/_tally/events`, Server-Sent Events: the served build's id and the
//!   last rebuild's error, sent when either changes (`connect-src 'self'`);
//! - `/_tally/status`, the same as JSON, for scripts and tests;
//! - while a rebuild has failed, its message in an overlay on every page.
//!
//! Tab ids and report ids are slugs (no `_`), so `/_tally/` is never a
//! path of the site.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::builder::Job;
use super::state::{Shared, State};

/// The reload script.
const LIVE_JS: &str = include_str!("live.js");
/// The longest request head read.
const MAX_HEAD: u64 = 16 * 1024;
/// How long a request for a view or a PDF waits for it to be made.
const BUILD_WAIT: Duration = Duration::from_secs(120);

/// What every connection needs.
pub struct Context {
    /// The folder served (the builder swaps a new one in on each rebuild).
    pub site_dir: PathBuf,
    /// The builder's state.
    pub shared: Arc<Shared>,
    /// Where view builds are asked for.
    pub jobs: Mutex<Sender<Job>>,
}

/// Serves connections from `listener` on a thread of their own each,
/// until the process ends.
pub fn spawn(listener: TcpListener, context: Arc<Context>) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let context = context.clone();
            std::thread::spawn(move || handle(stream, &context));
        }
    });
}

/// An answer to a request.
#[derive(Debug, PartialEq)]
pub struct Response {
    /// `200 OK`, `404 Not Found`…
    pub status: &'static str,
    /// The content type.
    pub content_type: &'static str,
    /// Extra header lines (`Location: …`).
    pub headers: Vec<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    fn text(status: &'static str, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        }
    }
}

fn handle(stream: TcpStream, context: &Context) {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let Ok(reader) = stream.try_clone() else { return };
    let mut reader = BufReader::new(reader.take(MAX_HEAD));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || line.is_empty() {
        return;
    }
    // The headers say nothing serve needs.
    let mut header = String::new();
    while reader.read_line(&mut header).map(|n| n > 0 && header.trim_end() != "").unwrap_or(false) {
        header.clear();
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        let mut response =
            Response::text("405 Method Not Allowed", "tally serve answers GET and HEAD only\n");
        response.headers.push("Allow: GET, HEAD".into());
        send(&mut stream, &response, method == "HEAD");
        return;
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    if path == "/_tally/events" {
        events(stream, &context.shared);
        return;
    }
    let response = respond(path, context);
    send(&mut stream, &response, method == "HEAD");
}

fn send(stream: &mut TcpStream, response: &Response, head_only: bool) {
    let mut head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    for line in &response.headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        let _ = stream.write_all(&response.body);
    }
    let _ = stream.flush();
}

/// The answer to a GET of `path` (the request target without its query).
pub fn respond(path: &str, context: &Context) -> Response {
    match path {
        "/_tally/live.js" => {
            return Response {
                status: "200 OK",
                content_type: "text/javascript; charset=utf-8",
                headers: Vec::new(),
                body: LIVE_JS.as_bytes().to_vec(),
            }
        }
        "/_tally/status" => {
            let state = context.shared.get();
            let body = serde_json::json!({
                "build": state.build,
                "builds": state.builds,
                "error": state.error,
            });
            return Response {
                status: "200 OK",
                content_type: "application/json",
                headers: Vec::new(),
                body: format!("{body}\n").into_bytes(),
            };
        }
        _ => {}
    }
    let segments = match site_path(path) {
        Ok(segments) => segments,
        Err(response) => return response,
    };
    let state = context.shared.get();
    let mut file = segments.iter().fold(context.site_dir.clone(), |p, s| p.join(s));
    if path.ends_with('/') {
        // A folder's page, even before the first build made the folder:
        // the page that says the build is running (or failed) is a page,
        // with the reload script, so it comes back by itself.
        file.push("index.html");
    } else if file.is_dir() {
        // As a static host does: relative links in the folder's
        // index.html resolve against the folder.
        let mut response = Response::text("301 Moved Permanently", "");
        response.headers.push(format!("Location: {path}/"));
        return response;
    }
    let mut body = std::fs::read(&file);
    if body.is_err() {
        if let Some(job) = on_demand(&segments, &state.views) {
            if let Err(message) = ask(context, job) {
                return page_or_text(&file, "503 Service Unavailable", &message, &state);
            }
        } else {
            // A rebuild swaps the folder with two renames: a request that
            // falls between them finds nothing; look again.
            std::thread::sleep(Duration::from_millis(20));
        }
        body = std::fs::read(&file);
    }
    match body {
        Ok(body) => {
            let content_type = content_type(&file);
            let body = if content_type.starts_with("text/html") { inject(&body, &state) } else { body };
            Response { status: "200 OK", content_type, headers: Vec::new(), body }
        }
        Err(_) if state.builds == 0 => {
            let message = state.error.clone().unwrap_or_else(|| "The first build is running…".into());
            page_or_text(&file, "503 Service Unavailable", &message, &state)
        }
        Err(_) => page_or_text(&file, "404 Not Found", "Not found in the site.", &state),
    }
}

/// A page (for a page's path, so the reload script runs and the page
/// comes back by itself) or plain text saying `message`.
fn page_or_text(file: &Path, status: &'static str, message: &str, state: &State) -> Response {
    if content_type(file).starts_with("text/html") {
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>tally serve</title>\n</head>\n<body>\n<p>{}</p>\n</body>\n</html>\n",
            escape_html(message)
        );
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: inject(page.as_bytes(), state),
        }
    } else {
        Response::text(status, &format!("{message}\n"))
    }
}

/// The segments of a site path, or the refusal: a path that is not
/// absolute, has `..`, `.` or a hidden name (`.tally-site`), a backslash
/// or a NUL, or does not decode as UTF-8 names nothing in the site.
pub fn site_path(path: &str) -> Result<Vec<String>, Response> {
    let forbidden = || Response::text("403 Forbidden", "That path is outside the site.\n");
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Response::text("400 Bad Request", "Bad path.\n"));
    };
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        let segment = percent_decode(raw).ok_or_else(forbidden)?;
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') || segment.contains(['/', '\\', '\0']) {
            return Err(forbidden());
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// `%20` → ` `; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What the builder makes when asked for a file it has not made yet.
#[derive(Debug, PartialEq)]
enum OnDemand {
    /// A view (by its index in the state's list), with its PDFs or not.
    View(usize, bool),
    /// A tab's PDF (by tab id).
    TabPdf(String),
}

/// What a missing file is made by: a file under `views/<filter>/<slug>/`
/// by its view (its PDF asks for the view's PDFs), `<tab>/<tab>.pdf` by
/// laying out the tab's PDF.
fn on_demand(segments: &[String], views: &[String]) -> Option<OnDemand> {
    let is_pdf = |tab: &str, file: &str| file.strip_suffix(".pdf") == Some(tab);
    match segments {
        [first, filter, slug, rest @ ..] if first == "views" && !rest.is_empty() => {
            let path = format!("views/{filter}/{slug}/");
            let index = views.iter().position(|v| *v == path)?;
            Some(OnDemand::View(index, matches!(rest, [tab, file] if is_pdf(tab, file))))
        }
        [tab, file] if is_pdf(tab, file) => Some(OnDemand::TabPdf(tab.clone())),
        _ => None,
    }
}

/// Asks the builder to make a missing file, and waits.
fn ask(context: &Context, job: OnDemand) -> Result<(), String> {
    let (reply, answer) = mpsc::channel();
    let job = match job {
        OnDemand::View(index, pdfs) => Job::View { index, pdfs, reply },
        OnDemand::TabPdf(tab) => Job::TabPdf { tab, reply },
    };
    let sent = context.jobs.lock().map(|jobs| jobs.send(job).is_ok()).unwrap_or(false);
    if !sent {
        return Err("The server is stopping.".into());
    }
    answer.recv_timeout(BUILD_WAIT).unwrap_or_else(|_| Err("It took too long to build.".into()))
}

/// The content type of a site file, by its extension.
pub fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "sql" | "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

/// A page as serve sends it: the reload script, and the error overlay
/// while a rebuild has failed, just before `</body>`.
pub fn inject(page: &[u8], state: &State) -> Vec<u8> {
    let mut added = String::new();
    if let Some(error) = &state.error {
        added.push_str(&overlay(error, state.builds > 0));
    }
    added.push_str(&format!(
        "<script src=\"/_tally/live.js\" data-build=\"{}\" defer></script>\n",
        escape_html(&state.build)
    ));
    let text = String::from_utf8_lossy(page);
    match text.rfind("</body>") {
        Some(at) => format!("{}{added}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{added}").into_bytes(),
    }
}

/// The error overlay as markup (the reload script builds the same one
/// when an error arrives on an open page); `served` says whether a good
/// build is underneath.
fn overlay(message: &str, served: bool) -> String {
    format!(
        "<div id=\"tally-serve-error\" role=\"alert\" style=\"{OVERLAY_STYLE}\"><p style=\"margin:0 0 .5em;font-weight:bold\">{}</p><pre style=\"margin:0;white-space:pre-wrap\">{}</pre></div>\n",
        overlay_title(served),
        escape_html(message)
    )
}

/// The overlay's first line (live.js says the same).
fn overlay_title(served: bool) -> &'static str {
    if served {
        "tally serve: the last rebuild failed; this page shows the last good build."
    } else {
        "tally serve: the build failed; the site shows once it builds."
    }
}

/// Fixed at the top of the page, above everything, readable on any theme.
const OVERLAY_STYLE: &str = "position:fixed;top:0;left:0;right:0;z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:1em 1.25em;background:#fff5f5;color:#5c0000;border-bottom:3px solid #c00;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;box-shadow:0 2px 12px rgba(0,0,0,.25)";

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `/_tally/events`: the state now, then again on every change, until the
/// page goes away or the server stops.
fn events(mut stream: TcpStream, shared: &Shared) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut state = shared.get();
    loop {
        if state.stopping {
            return;
        }
        let data = serde_json::json!({ "build": state.build, "error": state.error });
        if stream.write_all(format!("data: {data}\n\n").as_bytes()).and_then(|()| stream.flush()).is_err() {
            return;
        }
        // Wait for a change; a comment now and then finds a closed page.
        loop {
            let next = shared.wait(state.version, Duration::from_secs(15));
            if next.version != state.version || next.stopping {
                state = next;
                break;
            }
            if stream.write_all(b": still here\n\n").is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_site_are_refused() {
        assert_eq!(site_path("/").unwrap(), Vec::<String>::new());
        assert_eq!(site_path("/users-activity/index.html").unwrap(), ["users-activity", "index.html"]);
        assert_eq!(site_path("/a%20b/c.csv").unwrap(), ["a b", "c.csv"]);
        for bad in [
            "/../site.toml",
            "/a/../../x",
            "/%2e%2e/site.toml",
            "/a%2f..%2f..%2fx",
            "/.tally-site",
            "/a\\..\\b",
            "/%00",
            "/%zz",
            "/%ff",
        ] {
            let refused = site_path(bad).unwrap_err();
            assert_eq!(refused.status, "403 Forbidden", "{bad}");
        }
        assert_eq!(site_path("relative").unwrap_err().status, "400 Bad Request");
    }

    #[test]
    fn content_types_of_the_site_files() {
        for (name, expected) in [
            ("index.html", "text/html; charset=utf-8"),
            ("a/r.csv", "text/csv; charset=utf-8"),
            ("a/r.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("a/r.json", "application/json"),
            ("a/r.svg", "image/svg+xml"),
            ("a/r.png", "image/png"),
            ("a/a.pdf", "application/pdf"),
            ("assets/site.js", "text/javascript; charset=utf-8"),
            ("assets/style.css", "text/css; charset=utf-8"),
            ("a/queries.sql", "text/plain; charset=utf-8"),
        ] {
            assert_eq!(content_type(Path::new(name)), expected, "{name}");
        }
    }

    #[test]
    fn pages_get_the_script_and_while_broken_the_error() {
        let state = State { build: "s-3".into(), ..State::default() };
        let page = inject(b"<html><body><p>hi</p></body></html>", &state);
        assert_eq!(
            String::from_utf8(page).unwrap(),
            "<html><body><p>hi</p><script src=\"/_tally/live.js\" data-build=\"s-3\" defer></script>\n</body></html>"
        );
        let broken = State { error: Some("Error: failed <b>\"x\"</b>".into()), builds: 3, ..state };
        let page = String::from_utf8(inject(b"<body></body>", &broken)).unwrap();
        assert!(page.contains(">tally serve: the last rebuild failed; this page shows the last good build.<"));
        assert!(page.contains("<pre style=\"margin:0;white-space:pre-wrap\">Error: failed &lt;b&gt;&quot;x&quot;&lt;/b&gt;</pre>"), "{page}");
        assert!(page.find("tally-serve-error").unwrap() < page.find("live.js").unwrap());
    }

    #[test]
    fn before_the_first_build_a_folder_is_a_page_that_comes_back_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let shared = Arc::new(Shared::new("s"));
        shared.failed("Error: bad row <x>".into());
        let (jobs, _requests) = mpsc::channel();
        let context = Context { site_dir: dir.path().join("site"), shared, jobs: Mutex::new(jobs) };
        for path in ["/", "/people/"] {
            let response = respond(path, &context);
            assert_eq!(
                (response.status, response.content_type),
                ("503 Service Unavailable", "text/html; charset=utf-8"),
                "{path}"
            );
            let page = String::from_utf8(response.body).unwrap();
            assert!(page.contains("<p>Error: bad row &lt;x&gt;</p>"), "{page}");
            assert!(
                page.contains(">tally serve: the build failed; the site shows once it builds.<"),
                "{page}"
            );
            assert!(page.contains("<script src=\"/_tally/live.js\" data-build=\"\" defer>"), "{page}");
        }
        // A file that is not a page says so in plain text.
        let csv = respond("/people/logins.csv", &context);
        assert_eq!((csv.status, csv.content_type), ("503 Service Unavailable", "text/plain; charset=utf-8"));
    }

    #[test]
    fn views_and_pdfs_are_made_when_asked_for() {
        let views = vec!["views/organization/acme/".to_string(), "views/team/acme-ops/".to_string()];
        let of = |p: &str| on_demand(&site_path(p).unwrap(), &views);
        assert_eq!(of("/views/team/acme-ops/users-activity/data.js"), Some(OnDemand::View(1, false)));
        assert_eq!(of("/views/organization/acme/index.js"), Some(OnDemand::View(0, false)));
        assert_eq!(of("/views/organization/acme/entities/entities.pdf"), Some(OnDemand::View(0, true)));
        assert_eq!(
            of("/views/organization/acme/entities/monthly-entities.csv"),
            Some(OnDemand::View(0, false))
        );
        assert_eq!(of("/views/organization/other/index.js"), None);
        assert_eq!(of("/views/index.js"), None);
        assert_eq!(of("/entities/entities.pdf"), Some(OnDemand::TabPdf("entities".into())));
        assert_eq!(of("/entities/other.pdf"), None);
        assert_eq!(of("/users-activity/index.html"), None);
    }
}
