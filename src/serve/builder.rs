//! The rebuild loop of `tally serve`: one thread owns the loaded `Site`
//! and the last good results, polls the site's files, turns what changed
//! into a `Plan`, and rebuilds only that much into the serve folder. It
//! also builds a view when the server is first asked for one of its files.
//!
//! What a rebuild does again, and what it keeps:
//! - every rebuild reads `site.toml`, the templates and the prelude again
//!   (milliseconds), renders every page and writes the site's files
//!   (charts and PDFs come from their caches when their inputs are the
//!   same), and swaps the folder into place;
//! - the data is loaded again only when an export, a derived table's SQL
//!   or a data setting of `site.toml` changed; otherwise the new `Site`
//!   takes over the loaded database;
//! - a report's query runs again only when its SQL, its query settings
//!   (params, chart, display) or the prelude changed, or when the data it
//!   reads changed; a title, a description, a tab or a template keeps
//!   every result;
//! - views and tab PDFs are made when first asked for (a view's files, a
//!   PDF), and again after each rebuild.
//!
//! A failed rebuild changes nothing that is served: its error goes to the
//! terminal and to every open page, and its plan is kept, so the next
//! rebuild does what the failed one did not.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};

use super::plan::{plan, Plan, ReportKey, SiteFiles};
use super::state::Shared;
use super::watch::Snapshot;
use crate::config::{Config, ReportConfig};
use crate::date::Date;
use crate::output::Writer;
use crate::progress::Progress;
use crate::render::page::tab_pdf_name;
use crate::render::pdf::{self, PdfContext};
use crate::report::ReportOutput;
use crate::site::{BuildOptions, ReusedResult, Site};

/// How often the files are polled: a saved file waits half of it on
/// average before its rebuild starts (a poll is a few dozen `stat` calls).
const POLL: Duration = Duration::from_millis(50);
/// How long the files must stay unchanged before a rebuild starts (an
/// editor or a copy may write a file in several steps).
const SETTLE: Duration = Duration::from_millis(40);

/// The builder's answer to a job: done, or the error's message.
pub type Reply = Sender<std::result::Result<(), String>>;

/// What the server asks the builder for; the builder answers when done.
pub enum Job {
    /// Build view `index` (of the views the state lists) into the served
    /// folder, if it is not there yet; with `pdfs`, its tab PDFs too.
    View { index: usize, pdfs: bool, reply: Reply },
    /// Lay out the PDF of the tab with this id into the served folder, if
    /// it is not there yet.
    TabPdf { tab: String, reply: Reply },
}

/// The dates and views of a loaded site: when a reload changes any of
/// them, every report runs again.
#[derive(Debug, Clone, PartialEq)]
struct Loaded {
    as_of: Date,
    subscription_start: Date,
    first_day: Date,
    views: Vec<String>,
}

/// What a rebuild did, for the terminal.
#[derive(Debug, Default)]
pub struct Summary {
    /// Whether the data was loaded again.
    pub loaded: bool,
    /// The reports whose query ran.
    pub ran: Vec<ReportKey>,
    /// Reports in the site.
    pub reports: usize,
    /// Each phase's wall time.
    pub timings: Vec<(&'static str, Duration)>,
}

/// The rebuild loop's state.
pub struct Builder {
    options: BuildOptions,
    shared: Arc<Shared>,
    /// The site of the served build, with its data loaded (none before the
    /// first build, or after a failed reload).
    site: Option<Site>,
    /// The served build's results, in its reports' order.
    outputs: Vec<ReportOutput>,
    /// The served build's data settings (see `load_key`) and loaded state.
    loaded: Option<(String, Loaded)>,
    /// The watched files of the latest config that parsed.
    files: SiteFiles,
    snapshot: Snapshot,
    /// What failed rebuilds left undone.
    pending: Plan,
    /// The views built into the served folder since its last rebuild, and
    /// whether with their PDFs.
    built_views: HashMap<usize, bool>,
    /// The tab PDFs laid out into the served folder since then.
    built_pdfs: HashSet<String>,
    /// The served build's `csv_bom` (it shapes every CSV download).
    csv_bom: Option<bool>,
}

impl Builder {
    /// A builder of the site `options` name, into `options.output_dir`
    /// (the serve folder), watching `files`.
    pub fn new(options: BuildOptions, shared: Arc<Shared>, files: SiteFiles) -> Builder {
        Builder {
            options,
            shared,
            site: None,
            outputs: Vec::new(),
            loaded: None,
            files,
            snapshot: Snapshot::default(),
            // The first build loads everything.
            pending: Plan { all_data: true, ..Plan::default() },
            built_views: HashMap::new(),
            built_pdfs: HashSet::new(),
            csv_bom: None,
        }
    }

    /// The served folder.
    fn site_dir(&self) -> &Path {
        self.options.output_dir.as_deref().expect("serve builds into a folder of its own")
    }

    /// Builds, then rebuilds on every change, until the server stops.
    pub fn run(mut self, jobs: Receiver<Job>) {
        self.snapshot = Snapshot::take(&self.files.files(), &self.files.dirs());
        self.rebuild_and_report(&[]);
        while !self.shared.is_stopping() {
            match jobs.recv_timeout(POLL) {
                Ok(Job::View { index, pdfs, reply }) => {
                    let _ = reply.send(self.build_view(index, pdfs).map_err(|e| super::message(&e)));
                    continue;
                }
                Ok(Job::TabPdf { tab, reply }) => {
                    let _ = reply.send(self.build_tab_pdf(&tab).map_err(|e| super::message(&e)));
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Snapshot::take(&self.files.files(), &self.files.dirs());
            let mut changed = self.snapshot.changes(&now);
            if changed.is_empty() {
                continue;
            }
            // Let a save that writes in steps finish.
            let mut last = now;
            let started = Instant::now();
            loop {
                std::thread::sleep(SETTLE);
                let next = Snapshot::take(&self.files.files(), &self.files.dirs());
                let more = last.changes(&next);
                last = next;
                if more.is_empty() || started.elapsed() > Duration::from_secs(2) {
                    break;
                }
                changed.extend(more);
            }
            changed.sort();
            changed.dedup();
            let before = last;
            self.rebuild_and_report(&changed);
            // A file both watch lists hold that changed during the rebuild
            // is seen at the next poll.
            self.snapshot = before.carried_into(Snapshot::take(&self.files.files(), &self.files.dirs()));
        }
    }

    /// Rebuilds for `changed` (everything, the first time) and tells the
    /// terminal and the open pages how it went.
    fn rebuild_and_report(&mut self, changed: &[PathBuf]) {
        let asked = plan(&self.files, changed);
        if !changed.is_empty() && asked.is_empty() {
            return;
        }
        if !changed.is_empty() {
            // Named as the site's folder sees them (`./queries/x.sql` when
            // serve runs in it: `queries/x.sql`).
            let root = match self.options.config.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            let names: Vec<String> =
                changed.iter().map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string()).collect();
            println!("changed: {}", names.join(", "));
        }
        let mut todo = std::mem::take(&mut self.pending);
        merge(&mut todo, asked);
        let start = Instant::now();
        match self.rebuild(&todo) {
            Ok(summary) => {
                self.built_views.clear();
                self.built_pdfs.clear();
                let views = self.site.as_ref().map(|s| s.views.views.iter().map(|v| v.path()).collect());
                self.shared.built(views.unwrap_or_default());
                println!("{}", describe(&summary, start.elapsed()));
            }
            Err(e) => {
                self.pending = todo;
                let message = super::message(&e);
                eprintln!("{message}");
                if self.shared.get().builds > 0 {
                    eprintln!("(still serving the last good build; fix the error and save to rebuild)");
                } else {
                    eprintln!("(nothing to serve yet; fix the error and save to build)");
                }
                self.shared.failed(message);
            }
        }
    }

    /// One rebuild of what `todo` asks for.
    fn rebuild(&mut self, todo: &Plan) -> Result<Summary> {
        let start = Instant::now();
        let mut site = Site::new(&self.options)?;
        site.set_progress(Progress::silent());
        site.set_on_demand(true);
        self.files = SiteFiles::of(&site.config, &self.options.config, &site.root, &site.data_dir);
        let key = load_key(&site.config, &site.data_dir)?;
        let mut timings = vec![("config", start.elapsed())];
        let same_settings = self.loaded.as_ref().is_some_and(|(k, _)| *k == key);
        let has_data = self.site.as_ref().is_some_and(Site::is_loaded);
        let reload = todo.reloads_data() || !same_settings || !has_data;

        let mut rerun_all = todo.prelude || todo.all_data || !same_settings;
        let mut changed_tables = todo.tables.clone();
        if reload {
            // One loaded database at a time: two would share DuckDB's
            // spill folder. The served files stay as they are meanwhile.
            self.site = None;
            site.load(self.options.as_of, None)?;
            let now = loaded(&site);
            if self.loaded.as_ref().is_none_or(|(_, before)| *before != now) {
                rerun_all = true;
            }
            // A derived table reads the exports.
            if !changed_tables.is_empty() {
                changed_tables.extend(
                    site.config.tables.iter().filter(|(_, t)| t.is_derived()).map(|(n, _)| n.clone()),
                );
            }
        } else {
            let old = self.site.as_mut().ok_or_else(|| anyhow!("the data is not loaded"))?;
            let adopting = Instant::now();
            if let Err(e) = site.adopt_loaded(old) {
                // Give the data back to the served site.
                old.adopt_loaded(&mut site)?;
                return Err(e);
            }
            timings.push(("data kept", adopting.elapsed()));
        }

        let reuse = self.reusable(&site, todo, rerun_all, &changed_tables);
        // A kept result whose report settings are all the same has the same
        // downloads as the served build's (its title is in them).
        let same_downloads = !reload && self.csv_bom == Some(site.config.csv_bom);
        let carry: HashSet<ReportKey> = (site.config.reports().zip(&reuse))
            .filter(|(_, kept)| same_downloads && kept.is_some())
            .filter(|((tab, report), _)| {
                let old = self.outputs.iter().find(|o| o.tab.id == tab.id && o.report.id == report.id);
                old.is_some_and(|o| {
                    serde_json::to_value(&o.report).ok() == serde_json::to_value(*report).ok()
                })
            })
            .map(|((tab, report), _)| (tab.id.clone(), report.id.clone()))
            .collect();
        site.carry_downloads(self.site_dir().to_path_buf(), carry);
        let ran: Vec<ReportKey> = (site.config.reports().zip(&reuse))
            .filter(|(_, kept)| kept.is_none())
            .map(|((tab, report), _)| (tab.id.clone(), report.id.clone()))
            .collect();
        let built = site.run_reusing(false, reuse).and_then(|outputs| {
            site.write(&outputs, false)?;
            Ok(outputs)
        });
        match built {
            Ok(outputs) => {
                timings.extend(site.timings().iter().copied());
                let summary = Summary { loaded: reload, ran, reports: outputs.len(), timings };
                self.loaded = Some((key, loaded(&site)));
                self.csv_bom = Some(site.config.csv_bom);
                self.outputs = outputs;
                self.site = Some(site);
                Ok(summary)
            }
            Err(e) => {
                if !reload {
                    if let Some(old) = self.site.as_mut() {
                        old.adopt_loaded(&mut site)?;
                    }
                }
                Err(e)
            }
        }
    }

    /// The results of the served build that `site` (the new config over
    /// the loaded data) can keep: a report keeps its result unless `todo`
    /// names it, its query or query settings changed, or it reads a table
    /// whose data changed.
    fn reusable(
        &self,
        site: &Site,
        todo: &Plan,
        rerun_all: bool,
        changed_tables: &BTreeSet<String>,
    ) -> Vec<Option<ReusedResult>> {
        site.config
            .reports()
            .map(|(tab, report)| {
                if rerun_all || todo.reports.contains(&(tab.id.clone(), report.id.clone())) {
                    return None;
                }
                let old = self.outputs.iter().find(|o| o.tab.id == tab.id && o.report.id == report.id)?;
                let sql = report.load_sql(&site.root).ok()?;
                if old.sql != sql || query_settings(&old.report) != query_settings(report) {
                    return None;
                }
                let reads = crate::view::tables_read(&old.view_sql, site.tables());
                if reads.iter().any(|t| changed_tables.contains(*t)) {
                    return None;
                }
                Some(ReusedResult {
                    table: old.table.clone(),
                    total_rows: old.total_rows,
                    chart: old.chart.clone(),
                })
            })
            .collect()
    }

    /// Builds view `index` into the served folder (with its tab PDFs if
    /// `pdfs`), unless it is there.
    fn build_view(&mut self, index: usize, pdfs: bool) -> Result<()> {
        if self.built_views.get(&index).is_some_and(|&with_pdfs| with_pdfs || !pdfs) {
            return Ok(());
        }
        let site = self.site.as_ref().ok_or_else(|| {
            anyhow!("the data is not loaded (the last rebuild failed): fix the error and the views come back")
        })?;
        let start = Instant::now();
        site.write_view(&Writer::into_folder(self.site_dir()), index, pdfs)?;
        self.built_views.insert(index, pdfs);
        let view = &site.views.views[index];
        let what = if pdfs { " with its PDFs" } else { "" };
        println!("built view `{}`{what} in {:.2} s", view.label, start.elapsed().as_secs_f64());
        Ok(())
    }

    /// Lays out the PDF of tab `tab` into the served folder, unless it is
    /// there, from the served build's results (through the PDF cache).
    fn build_tab_pdf(&mut self, tab: &str) -> Result<()> {
        if self.built_pdfs.contains(tab) {
            return Ok(());
        }
        let site = self.site.as_ref().ok_or_else(|| anyhow!("no build is served yet"))?;
        let config =
            site.config.tabs.iter().find(|t| t.id == tab).ok_or_else(|| anyhow!("no tab `{tab}`"))?;
        let start = Instant::now();
        let reports: Vec<&ReportOutput> = self.outputs.iter().filter(|o| o.tab.id == tab).collect();
        let ctx = PdfContext {
            config: &site.config,
            tab: config,
            as_of: site.as_of,
            reports: &reports,
            view: None,
        };
        let (bytes, _) = pdf::render_tab_pdf_cached(&ctx, &site.cache_dir.join("pdf"))
            .with_context(|| format!("failed to make the PDF of tab `{tab}`"))?;
        Writer::into_folder(self.site_dir()).write(&format!("{tab}/{}", tab_pdf_name(config)), &bytes)?;
        self.built_pdfs.insert(tab.to_string());
        println!("laid out the PDF of tab `{tab}` in {:.2} s", start.elapsed().as_secs_f64());
        Ok(())
    }
}

/// Adds what `more` asks for to `plan`.
fn merge(plan: &mut Plan, more: Plan) {
    plan.config |= more.config;
    plan.tables.extend(more.tables);
    plan.all_data |= more.all_data;
    plan.prelude |= more.prelude;
    plan.reports.extend(more.reports);
    plan.pages |= more.pages;
}

/// The settings that decide what the data is once loaded: a change to any
/// of them loads it again and re-runs every report.
fn load_key(config: &Config, data_dir: &Path) -> Result<String> {
    Ok(serde_json::to_string(&(
        data_dir,
        &config.as_of,
        &config.subscription_start,
        &config.tables,
        &config.duckdb,
        &config.views,
        &config.cache_dir,
    ))?)
}

fn loaded(site: &Site) -> Loaded {
    Loaded {
        as_of: site.as_of,
        subscription_start: site.subscription_start,
        first_day: site.first_day,
        views: site.views.views.iter().map(|v| v.path()).collect(),
    }
}

/// A report's settings that shape its result (everything but its title,
/// description, note and card width, which only the page shows).
fn query_settings(report: &ReportConfig) -> String {
    let mut report = report.clone();
    report.title.clear();
    report.description.clear();
    report.note = None;
    report.width = None;
    serde_json::to_string(&report).unwrap_or_default()
}

/// `rebuilt in 0.21 s: 1 of 30 reports ran (users-activity/monthly-active-seats)`.
fn describe(summary: &Summary, took: Duration) -> String {
    let mut what = Vec::new();
    if summary.loaded {
        what.push("data loaded".to_string());
    }
    let ran = &summary.ran;
    let names: Vec<String> = ran.iter().take(4).map(|(t, r)| format!("{t}/{r}")).collect();
    what.push(match ran.len() {
        0 => format!("no query ran ({} reports kept)", summary.reports),
        n if n == summary.reports => format!("all {n} reports ran"),
        n => format!(
            "{n} of {} reports ran ({}{})",
            summary.reports,
            names.join(", "),
            if n > names.len() { format!(", +{}", n - names.len()) } else { String::new() }
        ),
    });
    let phases: Vec<String> =
        summary.timings.iter().map(|(name, d)| format!("{name} {:.2} s", d.as_secs_f64())).collect();
    format!(
        "rebuilt in {:.2} s: {}; pages and files written ({})",
        took.as_secs_f64(),
        what.join(", "),
        phases.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_descriptions_keep_a_result_and_queries_do_not() {
        let config = Config::parse(
            r#"
title = "T"
[[tabs]]
id = "t"
title = "T"
[[tabs.reports]]
id = "r"
title = "R"
sql = "SELECT 1 AS x"
"#,
            "site.toml",
        )
        .unwrap();
        let report = &config.tabs[0].reports[0];
        let mut renamed = report.clone();
        renamed.title = "Another title".into();
        renamed.description = "Another description".into();
        renamed.note = Some("A note".into());
        assert_eq!(query_settings(report), query_settings(&renamed));
        let mut other = report.clone();
        other.params.insert("role".into(), toml::Value::String("admin".into()));
        assert_ne!(query_settings(report), query_settings(&other));
        let mut other = report.clone();
        other.headline = true;
        assert_ne!(query_settings(report), query_settings(&other));
    }

    #[test]
    fn plans_add_up_across_failed_rebuilds() {
        let mut plan = Plan { reports: [("t".into(), "a".into())].into(), ..Plan::default() };
        merge(&mut plan, Plan { tables: ["logins".into()].into(), pages: true, ..Plan::default() });
        assert_eq!(
            plan,
            Plan {
                reports: [("t".into(), "a".into())].into(),
                tables: ["logins".into()].into(),
                pages: true,
                ..Plan::default()
            }
        );
    }

    #[test]
    fn the_summary_names_what_ran() {
        let took = Duration::from_millis(210);
        let ms = Duration::from_millis;
        let timings = vec![("queries", ms(40)), ("write", ms(150))];
        let one = Summary { loaded: false, ran: vec![("t".into(), "a".into())], reports: 30, timings };
        assert_eq!(
            describe(&one, took),
            "rebuilt in 0.21 s: 1 of 30 reports ran (t/a); pages and files written (queries 0.04 s, write 0.15 s)"
        );
        let none = Summary { loaded: false, ran: vec![], reports: 30, timings: Vec::new() };
        assert_eq!(
            describe(&none, took),
            "rebuilt in 0.21 s: no query ran (30 reports kept); pages and files written ()"
        );
        let all =
            Summary { loaded: true, ran: vec![("t".into(), "a".into()); 2], reports: 2, timings: Vec::new() };
        assert_eq!(
            describe(&all, took),
            "rebuilt in 0.21 s: data loaded, all 2 reports ran; pages and files written ()"
        );
    }
}
