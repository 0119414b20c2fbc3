//! `tally serve`: a preview server for whoever writes a site. It builds the
//! site into a folder of its own in the cache (`<cache>/serve/site`, never
//! the published output folder), serves it over HTTP, watches the files the
//! site is built from, rebuilds only what a change touches (`plan`,
//! `builder`), and reloads the open pages (`http`, `live.js`). It holds the
//! site's build lock while it runs, and on Ctrl-C it removes its folder and
//! lets the lock go.

mod builder;
pub mod http;
pub mod plan;
mod state;
pub mod watch;

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::date::Date;
use crate::output;
use crate::site::BuildOptions;

/// What `tally serve` was asked for.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Path of `site.toml`.
    pub config: PathBuf,
    /// Overrides `data_dir` (relative to the working directory).
    pub data_dir: Option<PathBuf>,
    /// Overrides `as_of`.
    pub as_of: Option<Date>,
    /// The address to listen on (127.0.0.1 unless told otherwise).
    pub bind: IpAddr,
    /// The port (0: any free one).
    pub port: u16,
    /// Open the site in the browser once it is built.
    pub open: bool,
}

/// Set by Ctrl-C (SIGINT) or SIGTERM.
static STOP: AtomicBool = AtomicBool::new(false);

/// Serves the site until Ctrl-C.
pub fn serve(options: &ServeOptions) -> Result<()> {
    let (config, root) = Config::from_file(&options.config)?;
    let cache_dir = config.cache_dir(&root);
    let _lock = output::lock_site(&cache_dir).context(
        "`tally serve` holds the site's build lock while it runs, as a build does; \
         stop the other build or serve, or give this one its own cache with TALLY_CACHE_DIR",
    )?;
    let serve_dir = cache_dir.join("serve");
    // What a serve killed without a chance to clean up left.
    remove_dir(&serve_dir)?;
    std::fs::create_dir_all(&serve_dir)
        .with_context(|| format!("failed to create the serve folder `{}`", serve_dir.display()))?;
    let result = run(options, &config, &root, &serve_dir);
    let removed = remove_dir(&serve_dir);
    if result.is_ok() && removed.is_ok() {
        println!("Stopped; removed `{}`", serve_dir.display());
    }
    result.and(removed)
}

fn run(
    options: &ServeOptions,
    config: &Config,
    root: &std::path::Path,
    serve_dir: &std::path::Path,
) -> Result<()> {
    let address = SocketAddr::new(options.bind, options.port);
    let listener = TcpListener::bind(address).with_context(|| {
        format!("failed to listen on {address}: is another server using port {}? Pass --port", options.port)
    })?;
    let address = listener.local_addr().context("failed to read the server's address")?;
    on_stop_signals();

    let session = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| format!("{:x}", d.as_millis()))
        .unwrap_or_default();
    let shared = Arc::new(state::Shared::new(&session));
    let site_dir = serve_dir.join("site");
    let (jobs, requests) = mpsc::channel();
    let context = Arc::new(http::Context {
        site_dir: site_dir.clone(),
        shared: shared.clone(),
        jobs: Mutex::new(jobs),
    });
    http::spawn(listener, context);

    let data_dir = options.data_dir.clone().unwrap_or_else(|| root.join(&config.data_dir));
    let build = BuildOptions {
        config: options.config.clone(),
        output_dir: Some(site_dir),
        data_dir: options.data_dir.clone(),
        as_of: options.as_of,
        quiet: true,
        ..BuildOptions::default()
    };
    let files = plan::SiteFiles::of(config, &options.config, root, &data_dir);
    let url = match address.ip() {
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", address.port()),
        IpAddr::V4(ip) => format!("http://{ip}:{}/", address.port()),
    };
    println!("Serving `{}` at {url} (press Ctrl-C to stop)", config.title);
    println!("Watching {}", describe_watch(&files, root));
    if !address.ip().is_loopback() {
        eprintln!("warning: listening on {address}: anyone who can reach this machine can read the site and its data");
    }
    let builder = {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("tally-serve-build".into())
            .spawn(move || builder::Builder::new(build, shared, files).run(requests))
            .context("failed to start the build thread")?
    };
    let mut opened = !options.open;
    while !STOP.load(Ordering::SeqCst) && !builder.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        if !opened && shared.get().builds > 0 {
            opened = true;
            open_browser(&url);
        }
    }
    println!("Stopping…");
    shared.stop();
    // The builder finishes the step it is on (a rebuild writes its own
    // folder; nothing is left half-written in the served one).
    if builder.join().is_err() {
        eprintln!("warning: the build thread panicked");
    }
    Ok(())
}

/// The message of an error as `tally build` prints it: `Error: …` and each
/// cause on a line of its own.
pub fn message(error: &anyhow::Error) -> String {
    let mut text = format!("Error: {error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    text
}

/// `site.toml, 30 SQL files, data/ and templates/` for the start line.
fn describe_watch(files: &plan::SiteFiles, root: &std::path::Path) -> String {
    let show = |p: &std::path::Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    let sql = files.files().iter().filter(|p| p.extension().is_some_and(|e| e == "sql")).count();
    let mut parts = vec![show(&files.config)];
    if sql > 0 {
        parts.push(format!("{sql} SQL file{}", if sql == 1 { "" } else { "s" }));
    }
    for dir in files.dirs() {
        parts.push(format!("{}/", show(&dir)));
    }
    parts.join(", ")
}

fn remove_dir(dir: &std::path::Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("failed to remove the serve folder `{}`", dir.display())),
    }
}

/// Opens `url` in the desktop's browser; says so if it cannot.
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    let spawned = std::process::Command::new(command.0)
        .args(&command.1)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if spawned.is_err() {
        eprintln!("warning: could not open a browser (`{}`); open {url}", command.0);
    }
}

/// Ctrl-C and SIGTERM set `STOP`, so the server stops cleanly (its folder
/// removed, the lock let go); a second one ends the process at once.
#[cfg(unix)]
fn on_stop_signals() {
    extern "C" fn on_signal(_: libc::c_int) {
        if STOP.swap(true, Ordering::SeqCst) {
            // SAFETY: `_exit` is async-signal-safe.
            unsafe { libc::_exit(130) };
        }
    }
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: the handler only touches an atomic and calls `_exit`, both
    // allowed in a signal handler.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

#[cfg(not(unix))]
fn on_stop_signals() {}
