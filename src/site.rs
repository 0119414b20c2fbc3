//! Orchestration: `Site::new` (config, paths, templates) → `load` (data into
//! DuckDB, as-of date, views) → `run` (one query per report, charts) →
//! `write` (pages, downloads, PDFs, every view, manifest into a staging
//! folder, then swapped into place). A failed build never touches the
//! previous site.

mod stamp;
mod views;
pub use views::ViewTimes;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use duckdb::Connection;

use crate::config::{Config, Display, ReportConfig, TabConfig};
use crate::data::{Database, LoadedTable};
use crate::date::Date;
use crate::export::{exporters, ExportMeta, Exporter};
use crate::manifest::{self, Manifest, ReportEntry, SiteEntry, TabEntry, ViewEntry};
use crate::output::{self, Writer};
use crate::progress::Progress;
use crate::render::chart::{self, ChartJob};
use crate::render::html::{self, PageRenderer};
use crate::render::page::{self, HeadlineView};
use crate::render::pdf::{self, PdfContext};
use crate::render::templates::BUILTIN_ASSETS;
use crate::render::view_data;
use crate::report::{
    bind_report_params, for_each_row, run_query, run_query_capped, tab_script, view_sql, Params, Prelude,
    ReportOutput, ResultTable, Value,
};
use crate::view::{self, Filter, View, ViewLimits, ViewSet};
use stamp::Stamp;

/// What `build` and `check` were asked for.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Path of `site.toml`.
    pub config: PathBuf,
    /// Overrides `output_dir` (relative to the working directory).
    pub output_dir: Option<PathBuf>,
    /// Overrides `data_dir` (relative to the working directory).
    pub data_dir: Option<PathBuf>,
    /// Overrides `as_of`.
    pub as_of: Option<Date>,
    /// Replace an output folder that tally did not create.
    pub force: bool,
    /// Build every other report when one fails, mark the failed ones on
    /// their page, and still fail the build (after writing the site).
    pub keep_going: bool,
    /// Publish one view as a site of its own: `organization=<id>` or
    /// `team=<organization id>/<team>`.
    pub view: Option<String>,
    /// Print nothing but errors.
    pub quiet: bool,
}

/// Rows of a plain table report held in memory; a larger result keeps its
/// first rows for the page and the PDF, and its downloads are written from
/// a second run of its query, row by row, so memory stays bounded however
/// long a log is.
pub const HOLD_ROWS: usize = 100_000;

/// A loaded site, ready to run its reports.
pub struct Site {
    /// The parsed config.
    pub config: Config,
    /// The folder of `site.toml`.
    pub root: PathBuf,
    /// Where the exports are.
    pub data_dir: PathBuf,
    /// Where the site goes.
    pub output_dir: PathBuf,
    /// Where caches, spill files and the build lock go.
    pub cache_dir: PathBuf,
    pages: PageRenderer,
    db: Option<Database>,
    /// The as-of date, known after `load`.
    pub as_of: Date,
    /// The subscription start, known after `load`.
    pub subscription_start: Date,
    /// The shared macros every report connection defines (`prelude`).
    pub prelude: Prelude,
    /// The first day of the data, known after `load`.
    pub first_day: Date,
    /// The views to build, known after `load`.
    pub views: ViewSet,
    /// The view the whole site is limited to (`--view`).
    pub scope: Option<View>,
    /// Each report's SQL, in `config.reports()` order, read by `run`.
    sqls: Vec<String>,
    /// Each report's "View SQL" (its query with the macros and variables it
    /// needs), in the same order.
    view_sqls: Vec<String>,
    timings: Vec<(&'static str, Duration)>,
    /// Reports that failed under `--keep-going`.
    failures: Failures,
    /// Chart cache keys this build uses, for pruning the cache.
    chart_keys: Mutex<HashSet<String>>,
    progress: Progress,
    /// `tally serve`: `write` leaves out the views (each is built when
    /// first asked for, by `write_view`) and the tab PDFs, and prunes no
    /// cache.
    on_demand: bool,
    /// `tally serve`: a folder holding an earlier build, and the reports
    /// (tab id, report id) whose downloads there are the ones this build
    /// would write; `write` links those instead of writing them again.
    carry: Option<(PathBuf, HashSet<(String, String)>)>,
}

/// A report's result kept from an earlier run (see [`Site::run_reusing`]).
#[derive(Debug, Clone)]
pub struct ReusedResult {
    /// The result, as the earlier run held it.
    pub table: ResultTable,
    /// How many rows the result has.
    pub total_rows: usize,
    /// Its rendered chart, if it has one.
    pub chart: Option<crate::report::RenderedChart>,
}

/// What a build did, for the summary line.
#[derive(Debug)]
pub struct BuildSummary {
    /// Tabs written.
    pub tabs: usize,
    /// Reports run.
    pub reports: usize,
    /// Views written.
    pub views: usize,
    /// Views the cap left out.
    pub views_dropped: usize,
    /// Files written.
    pub files: usize,
    /// The as-of date used.
    pub as_of: Date,
    /// Each phase's wall time.
    pub timings: Vec<(&'static str, Duration)>,
    /// Where the views' share of the write phase went.
    pub view_times: ViewTimes,
    /// Reports that failed under `--keep-going`, as `tab/report: message`.
    pub failures: Vec<String>,
    /// Nothing changed since the last build, which left the site as it is
    /// (the counts are that build's).
    pub unchanged: bool,
}

/// Reports that failed under `--keep-going`: (view folder or empty, tab,
/// report) -> message.
pub(crate) type Failures = Mutex<BTreeMap<(String, String, String), String>>;

/// Whether a report of a view (`""` for the whole site) failed under
/// `--keep-going`.
fn has_failed(failures: &Failures, view: &str, tab: &str, report: &str) -> bool {
    lock(failures).contains_key(&(view.to_string(), tab.to_string(), report.to_string()))
}

/// Renders charts through the chart cache in `cache_dir`, recording their
/// keys in `chart_keys` (what pruning the cache keeps).
fn render_charts(
    jobs: &[ChartJob],
    cache_dir: &std::path::Path,
    chart_keys: &Mutex<HashSet<String>>,
) -> Result<Vec<crate::report::RenderedChart>> {
    let rendered = chart::render_charts(jobs, Some(&cache_dir.join("charts")))?;
    lock(chart_keys).extend(jobs.iter().map(ChartJob::cache_key));
    Ok(rendered)
}

/// Records a report that failed under `--keep-going`.
pub(crate) fn record_failure(failures: &Failures, view: &str, r: &ReportRef<'_>, message: String) {
    lock(failures).insert((view.to_string(), r.tab.id.clone(), r.report.id.clone()), message);
}

/// One report's place in the site: its tab, its config and its SQL.
#[derive(Clone, Copy)]
pub(crate) struct ReportRef<'a> {
    pub tab: &'a TabConfig,
    pub report: &'a ReportConfig,
    pub sql: &'a str,
    pub view_sql: &'a str,
}

impl ReportRef<'_> {
    /// A report's output with this result.
    pub fn output(&self, table: ResultTable, total_rows: usize, as_of: Date) -> ReportOutput {
        ReportOutput {
            tab: self.tab.clone(),
            report: self.report.clone(),
            sql: self.sql.to_string(),
            view_sql: self.view_sql.to_string(),
            as_of,
            table,
            total_rows,
            chart: None,
        }
    }
}

impl Site {
    /// Reads the config and templates and resolves the paths.
    pub fn new(options: &BuildOptions) -> Result<Site> {
        let (config, root) = Config::from_file(&options.config)?;
        let data_dir = options.data_dir.clone().unwrap_or_else(|| root.join(&config.data_dir));
        let output_dir = options.output_dir.clone().unwrap_or_else(|| root.join(&config.output_dir));
        let pages = PageRenderer::new(&config, &root)?;
        let cache_dir = config.cache_dir(&root);
        let (prelude_text, prelude_origin) = config.load_prelude(&root)?;
        let prelude = Prelude::parse(&prelude_text, &prelude_origin)?;
        Ok(Site {
            config,
            root,
            data_dir,
            output_dir,
            cache_dir,
            pages,
            db: None,
            as_of: Date(0),
            subscription_start: Date(0),
            prelude,
            first_day: Date(0),
            views: ViewSet::default(),
            scope: None,
            sqls: Vec::new(),
            view_sqls: Vec::new(),
            timings: Vec::new(),
            failures: Mutex::new(BTreeMap::new()),
            chart_keys: Mutex::new(HashSet::new()),
            progress: Progress::for_stdout(options.quiet),
            on_demand: false,
            carry: None,
        })
    }

    /// Takes over the data `old` loaded, instead of loading it again: the
    /// database, the dates and the views (`tally serve`, after a change to
    /// the reports, templates or prelude; the caller checks that the
    /// config's data settings are unchanged), leaving `old` without data
    /// (`old.adopt_loaded(new)` gives it back). Then settles this config's
    /// notes and defines this prelude's macros, as `load` does.
    pub fn adopt_loaded(&mut self, old: &mut Site) -> Result<()> {
        let db = old.db.take().ok_or_else(|| anyhow!("the data is not loaded"))?;
        self.as_of = old.as_of;
        self.subscription_start = old.subscription_start;
        self.first_day = old.first_day;
        self.views = std::mem::take(&mut old.views);
        self.scope = old.scope.take();
        let params = Params { as_of: self.as_of, subscription_start: self.subscription_start };
        let db = self.db.insert(db);
        db.resolve_notes(&mut self.config)?;
        crate::report::prepare_connection(&db.conn, &params, &self.prelude)
    }

    /// Whether the data is loaded.
    pub fn is_loaded(&self) -> bool {
        self.db.is_some()
    }

    /// The loaded tables (empty before `load`).
    pub fn tables(&self) -> &[LoadedTable] {
        self.db.as_ref().map_or(&[], |db| &db.tables)
    }

    /// Leaves the views and the tab PDFs out of `write`, to be made when
    /// asked for (`write_view`; a tab PDF from the outputs), and the caches
    /// unpruned, as `tally serve` does: a preview's reader opens a view or
    /// a PDF now and then, and a build that skips them does not know every
    /// chart and PDF the site uses.
    pub fn set_on_demand(&mut self, on: bool) {
        self.on_demand = on;
    }

    /// Takes the downloads of `reports` (tab id, report id) from the built
    /// site in `from` instead of writing them again (`tally serve`, for
    /// reports whose result and settings did not change).
    pub fn carry_downloads(&mut self, from: PathBuf, reports: HashSet<(String, String)>) {
        self.carry = Some((from, reports));
    }

    /// Links a report's downloads from the folder `carry_downloads` named,
    /// when it holds them; all of them or none.
    fn carried(
        &self,
        writer: &Writer,
        formats: &[Box<dyn Exporter + Send + Sync>],
        output: &ReportOutput,
    ) -> bool {
        let Some((from, reports)) = &self.carry else { return false };
        if !reports.contains(&(output.tab.id.clone(), output.report.id.clone())) {
            return false;
        }
        let files: Vec<String> = (formats.iter())
            .map(|f| format!("{}/{}.{}", output.tab.id, output.report.id, f.extension()))
            .collect();
        for (n, rel) in files.iter().enumerate() {
            if writer.link(&from.join(rel), rel).is_err() {
                // Never write through a link into the earlier build.
                files[..n].iter().for_each(|rel| writer.remove(rel));
                return false;
            }
        }
        true
    }

    /// Writes the files of view `index` of `views` (its downloads and page
    /// data, and with `pdfs` its tab PDFs) with `writer`, after `run` (see
    /// `set_on_demand`).
    pub fn write_view(&self, writer: &Writer, index: usize, pdfs: bool) -> Result<()> {
        views::write_view(self, writer, index, pdfs)
    }

    /// Replaces how progress is shown (tests and library callers).
    pub fn set_progress(&mut self, progress: Progress) {
        self.progress = progress;
    }

    /// Loads the exports and settles the as-of date: `--as-of`, else the
    /// config's `as_of`, else the latest stamp in the data. Rows after it are
    /// dropped. With a `view` selector, every table is then cut to that view
    /// (the as-of date and subscription start stay those of the whole data).
    pub fn load(&mut self, as_of_override: Option<Date>, view: Option<&str>) -> Result<()> {
        let start = Instant::now();
        // The chart engines start on their own threads while the data loads.
        chart::warm_up();
        self.progress.start("load", 1, "data dir");
        let mut db = Database::open(&self.config, &self.root)?;
        db.load(&self.config, &self.data_dir)?;
        if as_of_override.or(self.config.as_of).is_none() {
            db.check_default_as_of()?;
        }
        for warning in &db.warnings {
            self.progress.warn(warning);
        }
        let window = db.data_window(&self.config)?;
        self.as_of = match as_of_override.or(self.config.as_of).or(window.map(|(_, hi)| hi)) {
            Some(date) => date,
            None => bail!(
                "cannot work out the as-of date: no table has a `time_column` with data; set `as_of` in the config or pass --as-of"
            ),
        };
        self.subscription_start =
            self.config.subscription_start.or(window.map(|(lo, _)| lo)).unwrap_or(self.as_of.year_start());
        self.first_day = window.map(|(lo, _)| lo).unwrap_or(self.as_of).min(self.as_of);
        let printed = db.warnings.len();
        db.cut_at(&self.config, self.as_of)?;
        // Derived tables' values are checked once they are built.
        for warning in &db.warnings[printed..] {
            self.progress.warn(warning);
        }
        db.resolve_notes(&mut self.config)?;
        crate::report::prepare_connection(&db.conn, &self.params(), &self.prelude)?;

        let every = ViewLimits { organizations: true, teams: true, max: usize::MAX };
        if let Some(selector) = view {
            let scope = find_view(&db, selector, every)?;
            cut_to_view(&db, &scope)?;
            self.scope = Some(scope);
        }
        let limits = ViewLimits {
            // A site of one organization has no other organization to pick,
            // and a site of one team no other view at all.
            organizations: self.config.views.organization && self.scope.is_none(),
            teams: self.config.views.team
                && self.scope.as_ref().is_none_or(|s| s.filter == Filter::Organization),
            max: self.config.views.max,
        };
        self.views = view::discover(&db.conn, &db.tables, limits)?;
        if self.views.dropped > 0 {
            self.progress.warn(&format!(
                "{} of {} views left out by the cap (key `views.max` = {}): organizations come first, then teams",
                self.views.dropped,
                self.views.dropped + self.views.views.len(),
                self.config.views.max
            ));
        }
        self.db = Some(db);
        self.progress.finish();
        self.timings.push(("load", start.elapsed()));
        Ok(())
    }

    /// The site's parameters, known after `load`.
    pub fn params(&self) -> Params {
        Params { as_of: self.as_of, subscription_start: self.subscription_start }
    }

    fn db(&self) -> Result<&Database> {
        self.db.as_ref().ok_or_else(|| anyhow!("the data is not loaded"))
    }

    /// The reports with their SQL, in order (after `run` read it).
    pub(crate) fn report_refs(&self) -> Vec<ReportRef<'_>> {
        self.config
            .reports()
            .zip(self.sqls.iter().zip(&self.view_sqls))
            .map(|((tab, report), (sql, view_sql))| ReportRef { tab, report, sql, view_sql })
            .collect()
    }

    /// Prepares every query and checks the chart columns, running nothing
    /// that writes (`tally check`).
    pub fn check(&self) -> Result<usize> {
        let db = self.db()?;
        let mut count = 0;
        for (tab, report) in self.config.reports() {
            let sql = report.load_sql(&self.root)?;
            let context = || format!("tab `{}`, report `{}`", tab.id, report.id);
            view_sql(&self.params(), &self.prelude, tab, report, &sql).with_context(context)?;
            bind_report_params(&db.conn, &report.params, Some(&self.config.param_names()))
                .with_context(context)?;
            // DESCRIBE plans the query without running it and gives the columns.
            let described = run_query(&db.conn, &format!("DESCRIBE ({})", sql.trim().trim_end_matches(';')))
                .map_err(|e| anyhow!("failed to prepare query for {}: {e}", context()))?;
            if let Some(chart) = &report.chart {
                let columns: Vec<crate::report::Column> = described
                    .rows
                    .iter()
                    .map(|r| crate::report::Column {
                        name: r[0].to_plain(),
                        ty: crate::report::ColumnType::Text,
                    })
                    .collect();
                chart::check_columns(chart, &columns).with_context(context)?;
            }
            count += 1;
        }
        Ok(count)
    }

    /// Runs every report's query once, then renders the charts. With
    /// `keep_going`, a failing report is recorded and left empty.
    pub fn run(&mut self, keep_going: bool) -> Result<Vec<ReportOutput>> {
        let none = self.config.reports().map(|_| None).collect();
        self.run_reusing(keep_going, none)
    }

    /// `run`, except that a report whose entry in `reuse` (one per report,
    /// in `config.reports()` order) holds a result keeps that result and
    /// its chart instead of running its query: `tally serve` re-runs only
    /// the reports a change touched.
    pub fn run_reusing(
        &mut self,
        keep_going: bool,
        mut reuse: Vec<Option<ReusedResult>>,
    ) -> Result<Vec<ReportOutput>> {
        let start = Instant::now();
        self.sqls =
            self.config.reports().map(|(_, report)| report.load_sql(&self.root)).collect::<Result<_>>()?;
        // View SQL first: it checks that each query reads exactly its params.
        let shown: Vec<Result<String>> = (self.config.reports().zip(&self.sqls))
            .map(|((tab, report), sql)| view_sql(&self.params(), &self.prelude, tab, report, sql))
            .collect();
        self.view_sqls = shown.iter().map(|s| s.as_ref().ok().cloned().unwrap_or_default()).collect();
        let total = self.sqls.len() as u64;
        self.progress.start("queries", total, "reports");
        let db = self.db()?;
        let mut outputs = Vec::new();
        for ((r, shown), reused) in self.report_refs().into_iter().zip(shown).zip(reuse.iter_mut()) {
            if let Some(kept) = reused.take() {
                let mut output = r.output(kept.table, kept.total_rows, self.as_of);
                output.chart = kept.chart;
                outputs.push(output);
                self.progress.advance(1);
                continue;
            }
            self.progress.message(&format!("{}/{}", r.tab.id, r.report.id));
            let result = shown
                .and_then(|_| run_report(&db.conn, &r, &self.config))
                .map_err(|e| {
                    let message = db.explain(&format!("{e:#}"));
                    anyhow!("failed to run query for tab `{}`, report `{}`: {message}", r.tab.id, r.report.id)
                })
                .and_then(|(table, total)| check_chart(&r, &table).map(|()| (table, total)));
            let (table, total_rows) = match result {
                Ok(result) => result,
                Err(e) if keep_going => {
                    record_failure(&self.failures, "", &r, format!("{e:#}"));
                    (ResultTable::default(), 0)
                }
                Err(e) => return Err(e),
            };
            outputs.push(r.output(table, total_rows, self.as_of));
            self.progress.advance(1);
        }
        self.progress.finish();
        self.timings.push(("queries", start.elapsed()));

        let start = Instant::now();
        let mut jobs = Vec::new();
        let mut owners = Vec::new();
        for (i, output) in outputs.iter().enumerate() {
            if output.chart.is_some() || self.failed("", &output.tab.id, &output.report.id) {
                continue;
            }
            if let Some(job) = chart_job(output, "")? {
                jobs.push(job);
                owners.push(i);
            }
        }
        self.progress.start("charts", jobs.len() as u64, "charts");
        let rendered = self.render_charts(&jobs)?;
        for (i, chart) in owners.into_iter().zip(rendered) {
            if !chart.svg.is_empty() {
                outputs[i].chart = Some(chart);
            }
        }
        self.progress.finish();
        self.timings.push(("charts", start.elapsed()));
        Ok(outputs)
    }

    /// Renders charts through the cache, remembering their keys so the
    /// cache can be pruned to this build at the end.
    pub(crate) fn render_charts(&self, jobs: &[ChartJob]) -> Result<Vec<crate::report::RenderedChart>> {
        render_charts(jobs, &self.cache_dir, &self.chart_keys)
    }

    fn failed(&self, view: &str, tab: &str, report: &str) -> bool {
        has_failed(&self.failures, view, tab, report)
    }

    fn failure(&self, view: &str, tab: &str, report: &str) -> Option<String> {
        lock(&self.failures).get(&(view.to_string(), tab.to_string(), report.to_string())).cloned()
    }

    /// Writes the whole site into a staging folder and swaps it into place.
    pub fn write(&mut self, outputs: &[ReportOutput], keep_going: bool) -> Result<BuildSummary> {
        self.write_stamped(outputs, keep_going, None)
    }

    /// `write`; with a build stamp, records it (unless a report failed)
    /// before the swap, from the staging folder's listing, which the swap
    /// keeps: a build killed after the swap has nothing left to do, and one
    /// killed before it leaves a stamp that matches no output.
    fn write_stamped(
        &mut self,
        outputs: &[ReportOutput],
        keep_going: bool,
        stamp: Option<&Stamp>,
    ) -> Result<BuildSummary> {
        let start = Instant::now();
        self.progress.start("write", self.views.views.len() as u64, "views");
        let writer = Writer::stage(&self.output_dir)?;
        let (views, view_times) = match self.write_all(&writer, outputs, keep_going) {
            Ok(written) => written,
            Err(e) => {
                writer.abandon();
                return Err(e);
            }
        };
        let failures: Vec<String> = lock(&self.failures)
            .iter()
            .map(
                |((v, t, r), e)| {
                    if v.is_empty() {
                        format!("{t}/{r}: {e}")
                    } else {
                        format!("{v}{t}/{r}: {e}")
                    }
                },
            )
            .collect();
        let mut summary = BuildSummary {
            tabs: self.config.tabs.len(),
            reports: outputs.len(),
            views,
            views_dropped: self.views.dropped,
            files: writer.files(),
            as_of: self.as_of,
            timings: Vec::new(),
            view_times,
            failures,
            unchanged: false,
        };
        if let (Some(stamp), true) = (stamp, summary.failures.is_empty()) {
            if let Err(e) = stamp.save(&self.cache_dir, &writer.path(""), &summary) {
                writer.abandon();
                return Err(e);
            }
        }
        writer.commit(&self.output_dir)?;
        self.progress.finish();
        self.timings.push(("write", start.elapsed()));
        summary.timings = self.timings.clone();
        Ok(summary)
    }

    /// Writes every file of the site; returns how many views it holds and
    /// where the views' time went.
    fn write_all(
        &self,
        writer: &Writer,
        outputs: &[ReportOutput],
        keep_going: bool,
    ) -> Result<(usize, ViewTimes)> {
        for (name, bytes) in BUILTIN_ASSETS {
            writer.write(&format!("assets/{name}"), bytes)?;
        }
        writer.write("assets/echarts.min.js", chart::ECHARTS_JS.as_bytes())?;
        self.copy_static(writer)?;

        let by_tab: Vec<Vec<&ReportOutput>> = (self.config.tabs.iter())
            .map(|tab| outputs.iter().filter(|o| o.tab.id == tab.id).collect())
            .collect();
        // The tab PDFs are most of this phase's work and depend on nothing
        // written here: lay them out on another core meanwhile. (One thread
        // per core measured no faster: typst already spreads its work.)
        let (config, as_of, tabs) = (&self.config, self.as_of, &by_tab);
        let scope = self.scope.as_ref().map(|v| v.label.as_str());
        let pdf_cache = self.cache_dir.join("pdf");
        let pdf_cache = pdf_cache.as_path();
        let mut pdf_keys = HashSet::new();
        let on_demand = self.on_demand;
        let manifest_tabs = std::thread::scope(|scope_| {
            let pdfs = scope_.spawn(move || {
                (config.tabs.iter().zip(tabs))
                    .filter(|_| !on_demand)
                    .map(|(tab, reports)| {
                        let ctx = PdfContext { config, tab, as_of, reports, view: scope };
                        pdf::render_tab_pdf_cached(&ctx, pdf_cache)
                            .with_context(|| format!("failed to make the PDF of tab `{}`", tab.id))
                    })
                    .collect::<Vec<_>>()
            });
            // Join before acting on an error here: an unjoined thread that
            // panicked would make the scope panic over this error.
            let pages = self.write_pages(writer, &by_tab);
            let pdfs = pdfs.join();
            let manifest_tabs = pages?;
            let pdfs = pdfs.map_err(|_| anyhow!("laying out the tab PDFs panicked"))?;
            for (tab, pdf) in config.tabs.iter().zip(pdfs) {
                let (bytes, key) = pdf?;
                writer.write(&format!("{}/{}", tab.id, page::tab_pdf_name(tab)), &bytes)?;
                pdf_keys.insert(key);
            }
            Ok::<_, anyhow::Error>(manifest_tabs)
        })?;

        let built = if self.on_demand {
            let pdf = |v: &View| self.config.views.pdf && v.filter == Filter::Organization;
            let entries = self.views.views.iter().map(|v| view_entry(v, pdf(v))).collect();
            views::BuiltViews { entries, pdf_keys: HashSet::new(), times: views::ViewTimes::default() }
        } else {
            views::write_views(self, writer, keep_going)?
        };
        pdf_keys.extend(built.pdf_keys);
        writer.write("views/index.js", &html::filter_script(&self.filter_model(&built.entries))?)?;

        // Keep the caches to this build's charts and PDFs, so they never
        // grow without bound.
        if !self.on_demand {
            chart::prune_cache_keys(&self.cache_dir.join("charts"), &lock(&self.chart_keys))?;
            pdf::prune_cache(pdf_cache, &pdf_keys)?;
        }

        let manifest = Manifest {
            tally_version: env!("CARGO_PKG_VERSION").into(),
            format_version: manifest::FORMAT_VERSION,
            site: SiteEntry {
                title: self.config.title.clone(),
                description: self.config.description.clone(),
            },
            as_of: self.as_of.to_string(),
            subscription_start: self.subscription_start.to_string(),
            scope: self.scope.as_ref().map(|v| view_entry(v, false)),
            tabs: manifest_tabs,
            views_dropped: self.views.dropped,
            views: built.entries,
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest)?;
        bytes.push(b'\n');
        writer.write("api/index.json", &bytes)?;
        writer.write("llms.txt", crate::render::llms::llms_txt(&manifest)?.as_bytes())?;
        Ok((manifest.views.len(), built.times))
    }

    /// What the filter bar offers: the views, grouped by organization, and
    /// the months of the data.
    fn filter_model(&self, entries: &[ViewEntry]) -> html::FilterModel {
        let built: HashSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        let views: Vec<&View> =
            self.views.views.iter().filter(|v| built.contains(v.path().as_str())).collect();
        html::FilterModel::new(&views, self.scope.as_ref(), self.first_day, self.as_of)
    }

    /// Every page, download and chart image of the whole-site view; returns
    /// the manifest's tabs.
    fn write_pages(&self, writer: &Writer, by_tab: &[Vec<&ReportOutput>]) -> Result<Vec<TabEntry>> {
        // Spill files live with the cache, on disk beside the site.
        let formats = exporters(&self.cache_dir.join("xlsx"), self.config.csv_bom);
        let db = self.db()?;
        let tables = &db.tables;
        let site = self.page_site();
        let mut headlines = Vec::new();
        let mut manifest_tabs = Vec::new();
        for (tab, tab_outputs) in self.config.tabs.iter().zip(by_tab) {
            let mut entries = Vec::new();
            let mut cards = Vec::new();
            for output in tab_outputs {
                let report = &output.report;
                let mut card = page::report_view(output, self.config.page_rows);
                card.range_column = view_data::range_column(output);
                card.range_x = view_data::chart_x(output);
                if let Some(error) = self.failure("", &tab.id, &report.id) {
                    entries.push(report_entry(output, BTreeMap::new(), Some(error.clone())));
                    card.error = Some(error);
                    card.files.clear();
                    cards.push(card);
                    continue;
                }
                let prefix = "";
                if !self.carried(writer, &formats, output) {
                    write_downloads(writer, &formats, prefix, self.as_of, output, &db.conn).with_context(
                        || {
                            format!(
                                "failed to write the downloads of tab `{}`, report `{}`",
                                tab.id, report.id
                            )
                        },
                    )?;
                }
                let mut files = download_files(prefix, output);
                if let Some(chart) = &output.chart {
                    writer.write(&files["svg"], chart.svg.as_bytes())?;
                    writer.write(&files["png"], &chart.png)?;
                } else {
                    files.remove("svg");
                    files.remove("png");
                }
                entries.push(report_entry(output, files, None));
                if report.headline {
                    if let Some(number) = page::headline_number(report, &output.table, output.as_of) {
                        headlines.push(HeadlineView {
                            id: format!("{}--{}", tab.id, report.id),
                            title: report.title.clone(),
                            tab_title: tab.title.clone(),
                            href: format!("{}/index.html#{}", tab.id, report.id),
                            number,
                        });
                    }
                }
                cards.push(card);
            }
            let team_note = self.team_note(tab, tab_outputs, tables);
            let html = self.pages.tab(&site, tab, &cards, team_note.as_deref())?;
            writer.write(&format!("{}/index.html", tab.id), html.as_bytes())?;
            let queries: Vec<_> = tab_outputs.iter().map(|o| (&o.report, o.sql.as_str())).collect();
            let script = tab_script(&self.params(), &self.prelude, tab, &queries)?;
            writer.write(&format!("{}/queries.sql", tab.id), script.as_bytes())?;
            manifest_tabs.push(TabEntry {
                id: tab.id.clone(),
                title: tab.title.clone(),
                description: tab.description.clone(),
                notes: tab.notes.clone(),
                href: format!("{}/index.html", tab.id),
                pdf: format!("{}/{}", tab.id, page::tab_pdf_name(tab)),
                queries: format!("{}/queries.sql", tab.id),
                reports: entries,
            });
        }
        let html = self.pages.index(&site, &headlines)?;
        writer.write("index.html", html.as_bytes())?;
        Ok(manifest_tabs)
    }

    /// The page model's site part, with the filter bar when there is
    /// anything to filter.
    fn page_site(&self) -> page::SiteView {
        let mut site = page::site_view(&self.config, self.as_of);
        site.scope = self.scope.as_ref().map(|v| match &v.team {
            Some(team) => format!("{team} ({})", v.organization_label),
            None => v.label.clone(),
        });
        site
    }

    /// The tab's note for team views: which of its reports read tables
    /// that hold no team (entity counts, say), and so show the whole
    /// organization.
    fn team_note(
        &self,
        tab: &TabConfig,
        outputs: &[&ReportOutput],
        tables: &[LoadedTable],
    ) -> Option<String> {
        let team_views = self.views.views.iter().any(|v| v.filter == Filter::Team)
            || self.scope.as_ref().is_some_and(|v| v.filter == Filter::Team);
        if !team_views {
            return None;
        }
        let mut reports = Vec::new();
        let mut names = std::collections::BTreeSet::new();
        for output in outputs {
            // What the query reads, its prelude macros included.
            let read: Vec<&LoadedTable> = view::tables_read(&output.view_sql, tables)
                .into_iter()
                .filter_map(|name| tables.iter().find(|t| t.name == name))
                .collect();
            let narrowed =
                |t: &&LoadedTable| view::coverage(t, tables, Filter::Team) == view::Coverage::Filtered;
            // A report that reads any table a team narrows is narrowed.
            if read.iter().any(narrowed) {
                continue;
            }
            let whole_org: Vec<&str> = read
                .iter()
                .filter(|t| view::coverage(t, tables, Filter::Team) == view::Coverage::OrganizationOnly)
                .map(|t| t.name.as_str())
                .collect();
            if !whole_org.is_empty() {
                reports.push(output.report.title.clone());
                names.extend(whole_org);
            }
        }
        if reports.is_empty() {
            return None;
        }
        let which = match reports.len() {
            1 => format!("“{}” shows", reports[0]),
            n if n == tab.reports.len() => format!("its {n} reports show"),
            n => format!("{n} of its reports show"),
        };
        Some(format!(
            "A team view cannot narrow {} (they name no team or user), so {which} the whole organization.",
            names.into_iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
        ))
    }

    /// Copies the theme's and the site's `static/` folders into `assets/`.
    fn copy_static(&self, writer: &Writer) -> Result<()> {
        let mut dirs = Vec::new();
        if self.config.theme != "default" {
            dirs.push(self.root.join("themes").join(&self.config.theme).join("static"));
        }
        dirs.push(self.root.join("static"));
        for dir in dirs.iter().filter(|d| d.is_dir()) {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
                let entry = entry.with_context(|| format!("failed to read `{}`", dir.display()))?;
                if entry.file_type().is_file() {
                    let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                    let bytes = std::fs::read(entry.path())
                        .with_context(|| format!("failed to read `{}`", entry.path().display()))?;
                    writer.write(&format!("assets/{}", rel.to_string_lossy().replace('\\', "/")), &bytes)?;
                }
            }
        }
        Ok(())
    }

    /// The phase timings so far.
    pub fn timings(&self) -> &[(&'static str, Duration)] {
        &self.timings
    }
}

/// Locks a mutex, carrying on with the data if a thread panicked holding it
/// (the panic itself is reported where the thread is joined).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs one report's query on `conn`: every row of a chart, number or
/// headline, the first `HOLD_ROWS` of a plain table (and how many there
/// are). The error is DuckDB's message alone.
pub(crate) fn run_report(
    conn: &Connection,
    r: &ReportRef<'_>,
    config: &Config,
) -> Result<(ResultTable, usize)> {
    let report = r.report;
    // A plain table needs only its first rows on the page and in the PDF;
    // beyond HOLD_ROWS its downloads stream from a second run. Charts,
    // numbers and headlines (the last row) need every row.
    let keep = if report.display == Display::Table && report.chart.is_none() && !report.headline {
        HOLD_ROWS.max(config.page_rows).max(config.pdf.max_rows)
    } else {
        usize::MAX
    };
    // Variables are per connection and shared by its reports: bind this
    // report's before every run.
    bind_report_params(conn, &report.params, Some(&config.param_names()))?;
    run_query_capped(conn, r.sql, keep)
}

/// Checks that a report's chart names only columns its result has.
pub(crate) fn check_chart(r: &ReportRef<'_>, table: &ResultTable) -> Result<()> {
    match &r.report.chart {
        Some(chart) => chart::check_columns(chart, &table.columns)
            .with_context(|| format!("tab `{}`, report `{}`", r.tab.id, r.report.id)),
        None => Ok(()),
    }
}

/// The chart job of a report's result, if it has a chart; `prefix` is the
/// view's folder (empty for the whole site), to name the job in errors.
pub(crate) fn chart_job(output: &ReportOutput, prefix: &str) -> Result<Option<ChartJob>> {
    let Some(chart) = &output.report.chart else { return Ok(None) };
    let option = chart::build_option(chart, &output.table).with_context(|| {
        format!("failed to build the chart of {prefix}tab `{}`, report `{}`", output.tab.id, output.report.id)
    })?;
    Ok(Some(ChartJob {
        key: format!("{prefix}{}/{}", output.tab.id, output.report.id),
        option_json: serde_json::to_string(&option)?,
        width: chart.width,
        height: chart.height,
        // Views' charts go into their PDFs only.
        png: prefix.is_empty(),
        // The image names itself and says what it shows, as its card does.
        title: output.report.title.clone(),
        description: chart::summarize(
            chart,
            &output.table,
            &chart::Comparison::of(&output.report, output.as_of),
        ),
    }))
}

/// The download files of a report under `prefix` (a view's folder, or empty
/// for the whole site), by format, from the site root.
pub(crate) fn download_files(prefix: &str, output: &ReportOutput) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for ext in ["csv", "xlsx", "json", "svg", "png"] {
        files.insert(ext.to_string(), format!("{prefix}{}/{}.{ext}", output.tab.id, output.report.id));
    }
    files
}

/// A report's CSV, XLSX and JSON under `prefix`, written together in one
/// pass over its rows: from memory, or for a result too large to hold, from
/// a second run of its query on `conn` (which must see the same tables).
pub(crate) fn write_downloads(
    writer: &Writer,
    formats: &[Box<dyn Exporter + Send + Sync>],
    prefix: &str,
    as_of: Date,
    output: &ReportOutput,
    conn: &Connection,
) -> Result<()> {
    let report = &output.report;
    let meta = ExportMeta {
        tab: &output.tab.id,
        report: &report.id,
        title: &report.title,
        description: &report.description,
        as_of,
        chart: report.chart.as_ref(),
    };
    let columns = &output.table.columns;
    let mut sinks = Vec::with_capacity(formats.len());
    for format in formats {
        let out = writer.create(&format!("{prefix}{}/{}.{}", meta.tab, meta.report, format.extension()))?;
        sinks.push(format.start(&meta, columns, Box::new(out))?);
    }
    let mut each = |row: &[Value]| sinks.iter_mut().try_for_each(|sink| sink.row(row));
    if output.is_partial() {
        // The same query on the same data: the same columns and, unless
        // the SQL is random or unordered, the same rows (a log wants an
        // ORDER BY anyway). Check what can be checked.
        bind_report_params(conn, &output.report.params, None)?;
        let mut streamed = 0;
        let mut write_error = None;
        let result = for_each_row(conn, &output.sql, |got, row| {
            if streamed == 0 && got != columns.as_slice() {
                bail!("the second run returned other columns than the first");
            }
            streamed += 1;
            each(row).map_err(|e| {
                write_error = Some(e);
                anyhow!("write failed")
            })
        });
        if let Some(e) = write_error {
            return Err(e);
        }
        result.map_err(|e| anyhow!("failed to run the query again to stream its rows: {e}"))?;
        if streamed != output.total_rows {
            bail!(
                "the query gave {} rows, then {streamed} when run again to stream them; \
                 a report over {HOLD_ROWS} rows runs twice, so its SQL must give the same rows each time",
                output.total_rows
            );
        }
    } else {
        output.table.rows.iter().try_for_each(|row| each(row))?;
    }
    sinks.into_iter().try_for_each(|sink| sink.finish())
}

/// A report's entry in `api/index.json`. A report that failed under
/// `--keep-going` has an empty table, no files and its error.
fn report_entry(
    output: &ReportOutput,
    files: BTreeMap<String, String>,
    error: Option<String>,
) -> ReportEntry {
    let report = &output.report;
    ReportEntry {
        id: report.id.clone(),
        title: report.title.clone(),
        description: report.description.clone(),
        display: match report.display {
            Display::Table => "table",
            Display::Number => "number",
            Display::Chart => "chart",
        }
        .into(),
        columns: output.table.columns.clone(),
        rows: output.total_rows,
        files,
        error,
    }
}

/// A view's entry in `api/index.json`.
pub(crate) fn view_entry(view: &View, pdf: bool) -> ViewEntry {
    ViewEntry {
        filter: view.filter.as_str().into(),
        value: view.value(),
        label: view.label.clone(),
        path: view.path(),
        organization: view.organization.clone(),
        pdf,
    }
}

/// The view `--view` names, among every view the data holds.
fn find_view(db: &Database, selector: &str, every: ViewLimits) -> Result<View> {
    let (filter, organization, team) = view::parse_selector(selector)?;
    let all = view::discover(&db.conn, &db.tables, every)?;
    let found =
        all.views.iter().find(|v| v.filter == filter && v.organization == organization && v.team == team);
    match found {
        Some(view) => Ok(view.clone()),
        None => {
            let known: Vec<String> =
                all.views.iter().filter(|v| v.filter == filter).take(12).map(View::value).collect();
            bail!(
                "`--view {selector}`: the data has no such {}; it has: {}",
                filter.as_str(),
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )
        }
    }
}

/// Cuts every table that names an organization (and, for a team, a team or
/// user) down to `view`'s rows, in place, so nothing built afterwards can
/// hold another organization's data.
fn cut_to_view(db: &Database, scope: &View) -> Result<()> {
    const SCHEMA: &str = "tally_scope";
    for statement in view::filter_statements(scope, &db.tables, "main", SCHEMA, None) {
        db.conn.execute_batch(&statement).map_err(|e| anyhow!("failed to cut the data to the view: {e}"))?;
    }
    for table in &db.tables {
        if view::coverage(table, &db.tables, scope.filter) == view::Coverage::Unfiltered {
            continue;
        }
        let name = crate::data::ident(&table.name);
        db.conn
            .execute_batch(&format!("CREATE OR REPLACE TABLE main.{name} AS SELECT * FROM {SCHEMA}.{name}"))
            .map_err(|e| anyhow!("failed to cut table `{}` to the view: {e}", table.name))?;
    }
    db.conn
        .execute_batch(&format!("DROP SCHEMA {SCHEMA} CASCADE"))
        .map_err(|e| anyhow!("failed to cut the data to the view: {e}"))
}

/// Runs a whole build.
pub fn build(options: &BuildOptions) -> Result<BuildSummary> {
    let mut site = Site::new(options)?;
    let _lock = output::lock_site(&site.cache_dir)?;
    output::restore_interrupted_swap(&site.output_dir)?;
    // Refuse a wrong output folder before any work is done.
    output::check(&site.output_dir, &site.data_dir, &site.root, options.force)?;
    let stamp = Stamp::take(&site, options)?;
    if let Some(summary) = stamp.unchanged(&site) {
        // What a build cut short left beside the site, a full build's swap
        // removes.
        output::remove_leftovers(&site.output_dir)?;
        return Ok(summary);
    }
    stamp::clear(&site.cache_dir)?;
    site.load(options.as_of, options.view.as_deref())?;
    let outputs = site.run(options.keep_going)?;
    let summary = site.write_stamped(&outputs, options.keep_going, Some(&stamp))?;
    if !summary.failures.is_empty() {
        bail!(
            "{} report(s) failed; the site was written with them marked:\n  {}",
            summary.failures.len(),
            summary.failures.join("\n  ")
        );
    }
    Ok(summary)
}

/// Loads the data and prepares every query; writes nothing.
pub fn check(options: &BuildOptions) -> Result<(usize, Date)> {
    let mut site = Site::new(options)?;
    site.load(options.as_of, options.view.as_deref())?;
    let count = site.check()?;
    Ok((count, site.as_of))
}
