//! Orchestration: `Site::new` (config, paths, templates) → `load` (data into
//! DuckDB, as-of date) → `run` (one query per report, charts) → `write`
//! (pages, downloads, PDFs, manifest into a staging folder, then swapped into
//! place). A failed build never touches the previous site.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use crate::config::{Config, Display, CACHE_DIR};
use crate::data::Database;
use crate::date::Date;
use crate::export::{exporters, ExportMeta, Exporter};
use crate::output::{self, Writer};
use crate::render::chart::{self, ChartJob};
use crate::render::page::{self, HeadlineView};
use crate::render::pdf::{self, PdfContext};
use crate::render::templates::{self, BUILTIN_ASSETS};
use crate::report::{
    bind_params, for_each_row, run_query, run_query_capped, Params, ReportOutput, ResultTable, Value,
};

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
    tera: tera::Tera,
    db: Option<Database>,
    /// The as-of date, known after `load`.
    pub as_of: Date,
    /// The subscription start, known after `load`.
    pub subscription_start: Date,
    timings: Vec<(&'static str, Duration)>,
    /// Reports that failed under `--keep-going`: (tab, report) -> message.
    failures: BTreeMap<(String, String), String>,
}

/// What a build did, for the summary line.
#[derive(Debug)]
pub struct BuildSummary {
    /// Tabs written.
    pub tabs: usize,
    /// Reports run.
    pub reports: usize,
    /// Files written.
    pub files: usize,
    /// The as-of date used.
    pub as_of: Date,
    /// Each phase's wall time.
    pub timings: Vec<(&'static str, Duration)>,
    /// Reports that failed under `--keep-going`, as `tab/report: message`.
    pub failures: Vec<String>,
}

impl Site {
    /// Reads the config and templates and resolves the paths.
    pub fn new(options: &BuildOptions) -> Result<Site> {
        let (config, root) = Config::from_file(&options.config)?;
        let data_dir = options.data_dir.clone().unwrap_or_else(|| root.join(&config.data_dir));
        let output_dir = options.output_dir.clone().unwrap_or_else(|| root.join(&config.output_dir));
        let theme_dir = if config.theme == "default" {
            None
        } else {
            let dir = root.join("themes").join(&config.theme);
            if !dir.is_dir() {
                bail!(
                    "key `theme`: theme `{}` not found (expected folder `{}`)",
                    config.theme,
                    dir.display()
                );
            }
            Some(dir)
        };
        let tera = templates::load_templates(theme_dir.as_deref(), &root)?;
        Ok(Site {
            config,
            root,
            data_dir,
            output_dir,
            tera,
            db: None,
            as_of: Date(0),
            subscription_start: Date(0),
            timings: Vec::new(),
            failures: BTreeMap::new(),
        })
    }

    /// Loads the exports and settles the as-of date: `--as-of`, else the
    /// config's `as_of`, else the latest stamp in the data. Rows after it are
    /// dropped.
    pub fn load(&mut self, as_of_override: Option<Date>) -> Result<()> {
        let start = Instant::now();
        let mut db = Database::open(&self.config, &self.root)?;
        db.load(&self.config, &self.data_dir)?;
        let window = db.data_window(&self.config)?;
        self.as_of = match as_of_override.or(self.config.as_of).or(window.map(|(_, hi)| hi)) {
            Some(date) => date,
            None => bail!(
                "cannot work out the as-of date: no table has a `time_column` with data; set `as_of` in the config or pass --as-of"
            ),
        };
        self.subscription_start =
            self.config.subscription_start.or(window.map(|(lo, _)| lo)).unwrap_or(self.as_of.year_start());
        db.cut_at(&self.config, self.as_of)?;
        bind_params(&db.conn, &Params { as_of: self.as_of, subscription_start: self.subscription_start })?;
        self.db = Some(db);
        self.timings.push(("load", start.elapsed()));
        Ok(())
    }

    fn db(&self) -> Result<&Database> {
        self.db.as_ref().ok_or_else(|| anyhow!("the data is not loaded"))
    }

    /// Prepares every query and checks the chart columns, running nothing
    /// that writes (`tally check`).
    pub fn check(&self) -> Result<usize> {
        let db = self.db()?;
        let mut count = 0;
        for (tab, report) in self.config.reports() {
            let sql = report.load_sql(&self.root)?;
            let context = || format!("tab `{}`, report `{}`", tab.id, report.id);
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
        let start = Instant::now();
        let db = self.db()?;
        let mut outputs = Vec::new();
        let mut failures = BTreeMap::new();
        for (tab, report) in self.config.reports() {
            let sql = report.load_sql(&self.root)?;
            // A plain table needs only its first rows on the page and in the
            // PDF; beyond HOLD_ROWS its downloads stream from a second run.
            // Charts, numbers and headlines (the last row) need every row.
            let keep = if report.display == Display::Table && report.chart.is_none() && !report.headline {
                HOLD_ROWS.max(self.config.page_rows).max(self.config.pdf.max_rows)
            } else {
                usize::MAX
            };
            let result = run_query_capped(&db.conn, &sql, keep)
                .map_err(|e| {
                    let message = db.explain(&e.to_string());
                    anyhow!("failed to run query for tab `{}`, report `{}`: {message}", tab.id, report.id)
                })
                .and_then(|(table, total)| {
                    if let Some(chart) = &report.chart {
                        chart::check_columns(chart, &table.columns)
                            .with_context(|| format!("tab `{}`, report `{}`", tab.id, report.id))?;
                    }
                    Ok((table, total))
                });
            let (table, total_rows) = match result {
                Ok(result) => result,
                Err(e) if keep_going => {
                    failures.insert((tab.id.clone(), report.id.clone()), format!("{e:#}"));
                    (ResultTable::default(), 0)
                }
                Err(e) => return Err(e),
            };
            outputs.push(ReportOutput {
                tab: tab.clone(),
                report: report.clone(),
                sql,
                table,
                total_rows,
                chart: None,
            });
        }
        self.failures = failures;
        self.timings.push(("queries", start.elapsed()));

        let start = Instant::now();
        let mut jobs = Vec::new();
        let mut owners = Vec::new();
        for (i, output) in outputs.iter().enumerate() {
            if self.failures.contains_key(&(output.tab.id.clone(), output.report.id.clone())) {
                continue;
            }
            if let Some(chart) = &output.report.chart {
                let option = chart::build_option(chart, &output.table).with_context(|| {
                    format!(
                        "failed to build the chart of tab `{}`, report `{}`",
                        output.tab.id, output.report.id
                    )
                })?;
                jobs.push(ChartJob {
                    key: format!("{}/{}", output.tab.id, output.report.id),
                    option_json: serde_json::to_string(&option)?,
                    width: chart.width,
                    height: chart.height,
                });
                owners.push(i);
            }
        }
        let cache_dir = self.root.join(CACHE_DIR).join("charts");
        let rendered = chart::render_charts(&jobs, Some(&cache_dir))?;
        // Keep the cache to this build's charts, so it never grows without bound.
        chart::prune_cache(&cache_dir, &jobs)?;
        for (i, chart) in owners.into_iter().zip(rendered) {
            if !chart.svg.is_empty() {
                outputs[i].chart = Some(chart);
            }
        }
        self.timings.push(("charts", start.elapsed()));
        Ok(outputs)
    }

    /// Writes the whole site into a staging folder and swaps it into place.
    pub fn write(&mut self, outputs: &[ReportOutput], force: bool) -> Result<BuildSummary> {
        let start = Instant::now();
        output::check(&self.output_dir, &self.data_dir, &self.root, force)?;
        let mut writer = Writer::stage(&self.output_dir)?;
        if let Err(e) = self.write_all(&mut writer, outputs) {
            writer.abandon();
            return Err(e);
        }
        let files = writer.commit(&self.output_dir)?;
        self.timings.push(("write", start.elapsed()));
        Ok(BuildSummary {
            tabs: self.config.tabs.len(),
            reports: outputs.len(),
            files,
            as_of: self.as_of,
            timings: self.timings.clone(),
            failures: self.failures.iter().map(|((t, r), e)| format!("{t}/{r}: {e}")).collect(),
        })
    }

    fn write_all(&self, writer: &mut Writer, outputs: &[ReportOutput]) -> Result<()> {
        let site = page::site_view(&self.config, self.as_of);
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
        let pdf_cache = self.root.join(CACHE_DIR).join("pdf");
        let pdf_cache = pdf_cache.as_path();
        std::thread::scope(|scope| {
            let pdfs = scope.spawn(move || {
                (config.tabs.iter().zip(tabs))
                    .map(|(tab, reports)| {
                        pdf::render_tab_pdf_cached(&PdfContext { config, tab, as_of, reports }, pdf_cache)
                            .with_context(|| format!("failed to make the PDF of tab `{}`", tab.id))
                    })
                    .collect::<Vec<_>>()
            });
            // Join before acting on an error here: an unjoined thread that
            // panicked would make the scope panic over this error.
            let pages = self.write_pages(writer, &site, &by_tab);
            let pdfs = pdfs.join();
            pages?;
            let pdfs = pdfs.map_err(|_| anyhow!("laying out the tab PDFs panicked"))?;
            let mut keys = std::collections::HashSet::new();
            for (tab, pdf) in config.tabs.iter().zip(pdfs) {
                let (bytes, key) = pdf?;
                writer.write(&format!("{}/{}", tab.id, page::tab_pdf_name(tab)), &bytes)?;
                keys.insert(key);
            }
            // Keep the cache to this build's PDFs, as the chart cache is kept.
            pdf::prune_cache(pdf_cache, &keys)?;
            Ok(())
        })
    }

    /// Every page, download and chart image, and the manifest.
    fn write_pages(
        &self,
        writer: &mut Writer,
        site: &page::SiteView,
        by_tab: &[Vec<&ReportOutput>],
    ) -> Result<()> {
        // Spill files live with the cache, on disk beside the site.
        let formats = exporters(&self.root.join(CACHE_DIR).join("xlsx"));
        let mut headlines = Vec::new();
        let mut manifest_tabs = Vec::new();
        for (tab, tab_outputs) in self.config.tabs.iter().zip(by_tab) {
            let mut manifest_reports = Vec::new();
            let mut views = Vec::new();
            for output in tab_outputs {
                let report = &output.report;
                if let Some(error) = self.failures.get(&(tab.id.clone(), report.id.clone())) {
                    manifest_reports.push(manifest_entry(output, serde_json::Map::new(), Some(error)));
                    let mut view = page::report_view(output, self.config.page_rows);
                    view.error = Some(error.clone());
                    view.files.clear();
                    views.push(view);
                    continue;
                }
                let meta = ExportMeta {
                    tab: &tab.id,
                    report: &report.id,
                    title: &report.title,
                    description: &report.description,
                    as_of: self.as_of,
                    chart: report.chart.as_ref(),
                };
                let mut files = serde_json::Map::new();
                self.write_downloads(writer, &formats, &meta, output).with_context(|| {
                    format!("failed to write the downloads of tab `{}`, report `{}`", tab.id, report.id)
                })?;
                for format in &formats {
                    let name = format!("{}/{}.{}", tab.id, report.id, format.extension());
                    files.insert(format.extension().into(), json!(name));
                }
                if let Some(chart) = &output.chart {
                    let svg = format!("{}/{}.svg", tab.id, report.id);
                    let png = format!("{}/{}.png", tab.id, report.id);
                    writer.write(&svg, chart.svg.as_bytes())?;
                    writer.write(&png, &chart.png)?;
                    files.insert("svg".into(), json!(svg));
                    files.insert("png".into(), json!(png));
                }
                manifest_reports.push(manifest_entry(output, files, None));
                if report.headline {
                    if let Some(number) = page::headline_number(report, &output.table) {
                        headlines.push(HeadlineView {
                            title: report.title.clone(),
                            tab_title: tab.title.clone(),
                            href: format!("{}/index.html#{}", tab.id, report.id),
                            number,
                        });
                    }
                }
                views.push(page::report_view(output, self.config.page_rows));
            }

            let pdf_name = page::tab_pdf_name(tab);

            let mut context = tera::Context::new();
            context.insert("site", site);
            context.insert("root", "../");
            context.insert("current_tab", &tab.id);
            context.insert("tab", tab);
            context.insert("pdf", &pdf_name);
            context.insert("has_charts", &views.iter().any(|v| v.chart.is_some()));
            context.insert("reports", &views);
            let html = self.render("tab.html", &context)?;
            writer.write(&format!("{}/index.html", tab.id), html.as_bytes())?;

            manifest_tabs.push(json!({
                "id": tab.id,
                "title": tab.title,
                "description": tab.description,
                "href": format!("{}/index.html", tab.id),
                "pdf": format!("{}/{pdf_name}", tab.id),
                "reports": manifest_reports,
            }));
        }

        let mut context = tera::Context::new();
        context.insert("site", site);
        context.insert("root", "");
        context.insert("current_tab", "");
        context.insert("headlines", &headlines);
        let html = self.render("index.html", &context)?;
        writer.write("index.html", html.as_bytes())?;

        let manifest = json!({
            "site": {"title": self.config.title, "description": self.config.description},
            "as_of": self.as_of.to_string(),
            "subscription_start": self.subscription_start.to_string(),
            "tabs": manifest_tabs,
        });
        let mut bytes = serde_json::to_vec_pretty(&manifest)?;
        bytes.push(b'\n');
        writer.write("api/index.json", &bytes)?;
        writer.write("llms.txt", crate::render::llms::llms_txt(&manifest)?.as_bytes())?;
        Ok(())
    }

    /// A report's CSV, XLSX and JSON, written together in one pass over its
    /// rows: from memory, or for a result too large to hold, from a second
    /// run of its query.
    fn write_downloads(
        &self,
        writer: &mut Writer,
        formats: &[Box<dyn Exporter + Send + Sync>],
        meta: &ExportMeta<'_>,
        output: &ReportOutput,
    ) -> Result<()> {
        let columns = &output.table.columns;
        let mut sinks = Vec::with_capacity(formats.len());
        for format in formats {
            let out = writer.create(&format!("{}/{}.{}", meta.tab, meta.report, format.extension()))?;
            sinks.push(format.start(meta, columns, Box::new(out))?);
        }
        let mut each = |row: &[Value]| sinks.iter_mut().try_for_each(|sink| sink.row(row));
        if output.is_partial() {
            // The same query on the same data: the same columns and, unless
            // the SQL is random or unordered, the same rows (a log wants an
            // ORDER BY anyway). Check what can be checked.
            let db = self.db()?;
            let mut streamed = 0;
            let mut write_error = None;
            let result = for_each_row(&db.conn, &output.sql, |got, row| {
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
            result.map_err(|e| {
                anyhow!("failed to run the query again to stream its rows: {}", db.explain(&e.to_string()))
            })?;
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

    fn render(&self, template: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| anyhow!("failed to render template `{template}`: {}", templates::error_chain(&e)))
    }

    /// Copies the theme's and the site's `static/` folders into `assets/`.
    fn copy_static(&self, writer: &mut Writer) -> Result<()> {
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

/// A report's entry in `api/index.json`. A report that failed under
/// `--keep-going` has an empty table, no files and its error.
fn manifest_entry(
    output: &ReportOutput,
    files: serde_json::Map<String, serde_json::Value>,
    error: Option<&str>,
) -> serde_json::Value {
    let report = &output.report;
    let mut entry = json!({
        "id": report.id,
        "title": report.title,
        "description": report.description,
        "display": report.display,
        "columns": output.table.columns,
        "rows": output.total_rows,
        "files": files,
    });
    if let Some(error) = error {
        entry["error"] = json!(error);
    }
    entry
}

/// Runs a whole build.
pub fn build(options: &BuildOptions) -> Result<BuildSummary> {
    let mut site = Site::new(options)?;
    let _lock = output::lock_site(&site.root)?;
    output::restore_interrupted_swap(&site.output_dir)?;
    site.load(options.as_of)?;
    let outputs = site.run(options.keep_going)?;
    let summary = site.write(&outputs, options.force)?;
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
    site.load(options.as_of)?;
    let count = site.check()?;
    Ok((count, site.as_of))
}
