//! Charts: the ECharts option (built with charming) from a report's result,
//! rendered to SVG by ECharts' own server-side renderer in QuickJS, and to
//! PNG with resvg.
//!
//! ```text
//! ChartConfig + ResultTable ─build_option─► option JSON
//! ChartJob(option, size) ─render_charts─► SVG (ECharts SSR) ─► PNG (resvg, DejaVu)
//! ```
//!
//! Rendering runs on a few threads, each with its own QuickJS engine, and is
//! cached by content: a job's cache key hashes its option, its size and the
//! renderer (ECharts script, formatters, tally version, and the locked
//! versions of every crate that draws or measures: QuickJS, resvg and its
//! text stack, the fonts), and a cached result is byte-for-byte what a fresh
//! render gives.

mod described;
mod metrics;
mod option;
mod raster;
mod ssr;
mod summary;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::thread;

use anyhow::{anyhow, bail, Context as _, Result};
use sha2::{Digest, Sha256};

pub use metrics::text_width;
pub use option::{build_option, build_option_with_theme, check_columns, ChartTheme, MAX_DRAWN, OTHER};
pub use summary::{format_number, summarize, Comparison};

use crate::render::cache;
use crate::report::RenderedChart;

/// The ECharts script (from the charming crate's sources, located by
/// `build.rs`), written to the site's assets for the interactive upgrade.
pub const ECHARTS_JS: &str = include_str!(env!("ECHARTS_JS"));

/// The default theme's `charts.js`: the browser upgrade, and the number
/// formatters the build-time renderer shares with it.
pub const CHARTS_JS: &str = include_str!("../../../themes/default/static/charts.js");

/// Bump when the SVG post-processing or rasterising changes output, so
/// cached charts are not reused across the change.
const RENDER_FORMAT: u32 = 2;

/// One chart to render.
#[derive(Debug, Clone)]
pub struct ChartJob {
    /// `tab/report`, for error messages.
    pub key: String,
    /// The ECharts option.
    pub option_json: String,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Whether to make the PNG too; a chart only a PDF shows (a view's) needs
    /// just the SVG, and rasterising is a good part of a chart's time.
    pub png: bool,
    /// The image's name (the report title): the SVG's `<title>`, the PNG's
    /// `Title` text.
    pub title: String,
    /// The image's text alternative (the chart's one-line summary): the
    /// SVG's `<desc>`, the PNG's `Description` text.
    pub description: String,
}

impl ChartJob {
    /// The content hash that names this chart in the cache (hex SHA-256).
    pub fn cache_key(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(renderer_fingerprint());
        hash.update(self.width.to_le_bytes());
        hash.update(self.height.to_le_bytes());
        hash.update([u8::from(self.png)]);
        hash.update(self.option_json.as_bytes());
        // Lengths first, so no title and description pair hashes as another.
        for text in [&self.title, &self.description] {
            hash.update((text.len() as u64).to_le_bytes());
            hash.update(text.as_bytes());
        }
        cache::key(hash)
    }
}

/// One chart renderer: a QuickJS engine with ECharts loaded. Starting one
/// takes ~150 ms, so render many charts with it; `render_charts` keeps one
/// per thread. Renders are pure: the same job always gives the same bytes.
pub struct ChartRenderer {
    engine: ssr::Engine,
}

impl ChartRenderer {
    /// Starts the engine.
    pub fn new() -> Result<ChartRenderer> {
        Ok(ChartRenderer { engine: ssr::Engine::new()? })
    }

    /// Renders one job to SVG and PNG (no cache).
    pub fn render(&self, job: &ChartJob) -> Result<RenderedChart> {
        check_size(job)?;
        let (svg, png) =
            self.render_images(job, &job.cache_key()).with_context(|| format!("chart `{}`", job.key))?;
        Ok(RenderedChart { option_json: job.option_json.clone(), svg, png })
    }

    fn render_images(&self, job: &ChartJob, key: &str) -> Rendered {
        let svg = self.engine.render_svg(&job.option_json, job.width, job.height)?;
        let svg = scope_ids(&svg, &format!("tc{}", &key[..10]));
        let svg = described::svg_with_title(&svg, &job.title, &job.description);
        let png = if job.png {
            let png = raster::svg_to_png(&svg, job.width, job.height)?;
            described::png_with_text(&png, &[("Title", &job.title), ("Description", &job.description)])?
        } else {
            Vec::new()
        };
        Ok((svg, png))
    }
}

fn check_size(job: &ChartJob) -> Result<()> {
    if job.width == 0 || job.height == 0 {
        bail!("chart `{}`: image size {}x{} is empty", job.key, job.width, job.height);
    }
    Ok(())
}

/// Renders every job to SVG and PNG, in the order of `jobs`. With a
/// `cache_dir`, charts whose cache key is there are read back instead of
/// rendered, and new renders are stored.
pub fn render_charts(jobs: &[ChartJob], cache_dir: Option<&Path>) -> Result<Vec<RenderedChart>> {
    for job in jobs {
        check_size(job)?;
    }
    let keys: Vec<String> = jobs.iter().map(ChartJob::cache_key).collect();
    let mut images: Vec<Option<(String, Vec<u8>)>> = vec![None; jobs.len()];
    let mut todo = Vec::new();
    // Identical charts (same key) render once; `copies[i]` is the job whose
    // image job `i` reuses.
    let mut copies: Vec<usize> = (0..jobs.len()).collect();
    for (i, job) in jobs.iter().enumerate() {
        if let Some(first) = keys[..i].iter().position(|k| *k == keys[i]) {
            copies[i] = first;
            continue;
        }
        match cache_dir {
            Some(dir) => match cache::load(dir, &keys[i])
                .with_context(|| format!("chart `{}`: failed to read the chart cache", job.key))?
            {
                Some(hit) => images[i] = Some(hit),
                None => todo.push(i),
            },
            None => todo.push(i),
        }
    }

    for (i, result) in render_parallel(jobs, &keys, &todo)? {
        let job = &jobs[i];
        let (svg, png) = result.with_context(|| format!("chart `{}`", job.key))?;
        if let Some(dir) = cache_dir {
            cache::store(dir, &keys[i], &svg, &png)
                .with_context(|| format!("chart `{}`: failed to write the chart cache", job.key))?;
        }
        images[i] = Some((svg, png));
    }

    jobs.iter()
        .zip(&copies)
        .map(|(job, &source)| {
            let (svg, png) =
                images[source].clone().ok_or_else(|| anyhow!("chart `{}` was not rendered", job.key))?;
            Ok(RenderedChart { option_json: job.option_json.clone(), svg, png })
        })
        .collect()
}

/// Removes the cache entries that none of `jobs` uses, so after a whole-site
/// build the cache holds just that build's charts. Only files named like
/// entries are touched. Returns how many files were removed.
pub fn prune_cache(cache_dir: &Path, jobs: &[ChartJob]) -> Result<usize> {
    let keys: std::collections::HashSet<String> = jobs.iter().map(ChartJob::cache_key).collect();
    cache::prune(cache_dir, &keys, &["svg", "png"])
}

/// Removes the cache entries whose key is not in `keep`.
pub fn prune_cache_keys(cache_dir: &Path, keep: &std::collections::HashSet<String>) -> Result<usize> {
    cache::prune(cache_dir, keep, &["svg", "png"])
}

type Rendered = Result<(String, Vec<u8>)>;

/// A task for a chart thread: it gets the thread's renderer, or why the
/// renderer could not start.
type Task = Box<dyn FnOnce(Result<&ChartRenderer, &str>) + Send>;

/// The chart threads: one per core, each with its own QuickJS engine,
/// started once per process and kept, so a build's two chart phases (the
/// whole site's charts, then the organization views' PDF charts) and every
/// rebuild of `tally serve` skip the engines' start (0.15-0.4 s each).
struct Pool {
    tasks: Mutex<mpsc::Sender<Task>>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Task>();
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..thread::available_parallelism().map_or(1, |n| n.get()) {
            let rx = Arc::clone(&rx);
            // A thread that cannot start leaves the others; with none, a
            // render's results never come and it says so.
            let _ = thread::Builder::new()
                .name("tally-chart".into())
                // Room for QuickJS's recursion over ECharts' code.
                .stack_size(16 << 20)
                .spawn(move || {
                    let renderer = ChartRenderer::new().map_err(|e| format!("{e:#}"));
                    loop {
                        let task = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(task) = task else { return };
                        task(renderer.as_ref().map_err(String::as_str));
                    }
                });
        }
        Pool { tasks: Mutex::new(tx) }
    })
}

/// Starts the chart threads and their engines in the background, so the
/// engines are ready by the time the first charts are (a build calls this
/// before loading the data).
pub fn warm_up() {
    pool();
}

/// Renders `jobs[todo[..]]` on the chart threads. Results come back in job
/// order; after the first failure the remaining jobs are skipped and only
/// that failure comes back.
fn render_parallel(jobs: &[ChartJob], keys: &[String], todo: &[usize]) -> Result<Vec<(usize, Rendered)>> {
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let (tx, rx) = mpsc::channel::<(usize, Rendered)>();
    let failed = Arc::new(AtomicBool::new(false));
    {
        let tasks = pool().tasks.lock().map_err(|_| anyhow!("the chart threads failed"))?;
        for &i in todo {
            let (job, key, tx, failed) = (jobs[i].clone(), keys[i].clone(), tx.clone(), Arc::clone(&failed));
            let task: Task = Box::new(move |renderer| {
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                let result = match renderer {
                    Ok(renderer) => renderer.render_images(&job, &key),
                    Err(e) => Err(anyhow!("{e}")),
                };
                if result.is_err() {
                    failed.store(true, Ordering::Relaxed);
                }
                let _ = tx.send((i, result));
            });
            tasks.send(task).map_err(|_| anyhow!("the chart threads are gone"))?;
        }
    }
    drop(tx);
    // Every task sends once, or not at all once one failed (or its thread
    // is gone): the channel closes when the last task is dropped.
    let mut results: Vec<(usize, Rendered)> = rx.iter().collect();
    if results.is_empty() {
        bail!("no chart thread could start");
    }
    // The first failure in job order is the one reported.
    results.sort_by_key(|(i, r)| (r.is_ok(), *i));
    if results.first().is_some_and(|(_, r)| r.is_err()) {
        results.truncate(1);
    } else if results.len() < todo.len() {
        bail!("the chart threads stopped before every chart was drawn");
    } else {
        results.sort_by_key(|(i, _)| *i);
    }
    Ok(results)
}

/// ECharts names the SVG's clip paths and CSS classes after a counter of
/// chart instances (`zr3-c0`, `zr3-cls-17`), which depends on what the
/// engine rendered before. Renaming them after the chart's content makes
/// the SVG the same however it was scheduled (so cached and fresh renders
/// agree), and keeps the ids of several charts inlined in one page apart.
/// Only tag and stylesheet text is rewritten, never the chart's labels.
fn scope_ids(svg: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    let mut classes: Vec<String> = Vec::new();
    let mut in_tag = false;
    let mut in_style = false;
    let mut rest = svg;
    while let Some(c) = rest.chars().next() {
        if in_tag || in_style {
            if let Some((old_len, replacement)) = zr_token(rest, prefix, &mut classes) {
                out.push_str(&replacement);
                rest = &rest[old_len..];
                continue;
            }
        }
        match c {
            '<' => {
                in_tag = true;
                if rest.starts_with("<style") {
                    in_style = true;
                } else if rest.starts_with("</style") {
                    in_style = false;
                }
            }
            '>' => in_tag = false,
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// At `zr<digits>-…`: the length of the token and its replacement.
/// `cls-<n>` numbers are global counters, so they are renumbered in order
/// of first appearance; other names (`c0`, `g1`) restart per chart already.
fn zr_token(text: &str, prefix: &str, classes: &mut Vec<String>) -> Option<(usize, String)> {
    let after_zr = text.strip_prefix("zr")?;
    let digits = after_zr.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || after_zr.as_bytes().get(digits) != Some(&b'-') {
        return None;
    }
    let mut len = 2 + digits + 1;
    let name = &text[len..];
    if let Some(after_cls) = name.strip_prefix("cls-") {
        let n = after_cls.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 {
            let class = &after_cls[..n];
            let index = match classes.iter().position(|c| c == class) {
                Some(index) => index,
                None => {
                    classes.push(class.to_owned());
                    classes.len() - 1
                }
            };
            len += 4 + n;
            return Some((len, format!("{prefix}-cls-{index}")));
        }
    }
    Some((len, format!("{prefix}-")))
}

/// Hash of everything besides the job that decides a chart's bytes.
fn renderer_fingerprint() -> &'static [u8] {
    static FINGERPRINT: OnceLock<Vec<u8>> = OnceLock::new();
    FINGERPRINT.get_or_init(|| {
        let mut hash = Sha256::new();
        hash.update(b"tally-chart\0");
        hash.update(RENDER_FORMAT.to_le_bytes());
        hash.update(env!("CARGO_PKG_VERSION").as_bytes());
        hash.update(ECHARTS_JS.as_bytes());
        hash.update(CHARTS_JS.as_bytes());
        hash.update(ssr::SOURCES.concat().as_bytes());
        // `name version` of each crate behind the renderer (from Cargo.lock,
        // by build.rs): a `cargo update` of resvg or the fonts changes the
        // bytes, so it must change the key.
        hash.update(env!("TALLY_CHART_DEPS").as_bytes());
        hash.finalize().to_vec()
    })
}

#[cfg(test)]
mod tests;
