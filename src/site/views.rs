//! Building the views (DESIGN.md section 8): every report's SQL, unchanged,
//! over each view's tables.
//!
//! An organization's tables are copied once into a schema of their own
//! (`CREATE TABLE … AS SELECT … WHERE organization_id = …`), and the reports
//! run there with `SET search_path`; its teams' schemas are cut from that
//! smaller copy. Organizations are shared out to one worker per core, each
//! on its own DuckDB connection to the same database, running one query at
//! a time on one thread. A worker writes a view's downloads and its page
//! data (`views/<filter>/<slug>/<tab>/data.js`) as it goes and keeps only
//! what the organization's tab PDFs need, whose charts and layout are then
//! done together, through the caches.
//!
//! Two shortcuts, neither of which computes a number another way:
//! - a report that reads no table a team narrows (entity counts, data
//!   sources) gives a team the same rows as its organization, from the same
//!   SQL over the same rows, so a team view takes the organization's result
//!   and links its files instead of running the query again;
//! - an organization whose rows, reports and config did not change since
//!   the last build gets its views' files from the view cache
//!   (`view_cache`), untouched.

mod cache;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use duckdb::Connection;

use super::{chart_job, lock, run_report, view_entry, write_downloads, ReportRef, Site};
use crate::config::Display;
use crate::data::LoadedTable;
use crate::export::exporters;
use crate::manifest::ViewEntry;
use crate::output::Writer;
use crate::render::chart::ChartJob;
use crate::render::pdf::{self, PdfContext};
use crate::render::view_data::{self, ReportData, TabData};
use crate::report::{ReportOutput, ResultTable};
use crate::view::{
    batch_statements, coverage, filter_statements, key_statements, tables_read, Coverage, Filter, View,
};
pub(super) use cache::identity;
use cache::{Fingerprints, ViewCache};

/// What writing the views gave.
pub(super) struct BuiltViews {
    /// The manifest's `views`.
    pub entries: Vec<ViewEntry>,
    /// The cache keys of the views' tab PDFs.
    pub pdf_keys: HashSet<String>,
    /// Where the time went.
    pub times: ViewTimes,
}

/// Where the views' time went, for the build's summary: thread time,
/// summed over the workers and the threads laying out PDFs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewTimes {
    /// Views built (their queries run).
    pub built: usize,
    /// Views taken from the view cache.
    pub cached: usize,
    /// Copying the views' rows and running their reports.
    pub queries: Duration,
    /// Writing their downloads and page data.
    pub files: Duration,
    /// Rendering the organization views' charts and laying out their PDFs.
    pub pdfs: Duration,
}

/// One organization and the views to build in it: the organization's own
/// (unless organization views are off) and its teams'.
struct Group<'a> {
    organization: Option<&'a View>,
    teams: Vec<&'a View>,
    /// Its entry in the view cache.
    key: String,
}

impl Group<'_> {
    fn views(&self) -> impl Iterator<Item = &View> {
        self.organization.into_iter().chain(self.teams.iter().copied())
    }
}

/// An organization view's reports, kept for its tab PDFs.
struct PdfWork {
    view: usize,
    outputs: Vec<ReportOutput>,
}

/// One report's result in an organization view, kept for its teams.
#[derive(Default)]
struct Kept {
    table: ResultTable,
    total_rows: usize,
    error: Option<String>,
}

/// Builds every view of `site` into `writer`.
pub(super) fn write_views(site: &Site, writer: &Writer, keep_going: bool) -> Result<BuiltViews> {
    let views = &site.views.views;
    if views.is_empty() {
        ViewCache::new(&site.cache_dir).prune(&HashSet::new())?;
        return Ok(BuiltViews { entries: Vec::new(), pdf_keys: HashSet::new(), times: ViewTimes::default() });
    }
    let db = site.db()?;
    let reports = site.report_refs();
    // The key tables serve the fingerprints and every view's copy; they go
    // whatever happens (`tally serve` builds again on the same database).
    let built = (|| {
        for statement in key_statements(&db.tables, KEYS_SCHEMA) {
            db.conn
                .execute_batch(&statement)
                .map_err(|e| anyhow!("failed to list the organization ids: {e}"))?;
        }
        let fingerprints =
            Fingerprints::take(&db.conn, &db.tables, KEYS_SCHEMA, &cache_inputs(site, &reports)?)?;
        build_keyed(site, writer, keep_going, &reports, &fingerprints)
    })();
    let dropped = drop_schema(&db.conn, KEYS_SCHEMA);
    built.and_then(|built| dropped.map(|()| built))
}

/// `write_views`, once the key tables of the organization ids are made.
fn build_keyed(
    site: &Site,
    writer: &Writer,
    keep_going: bool,
    reports: &[ReportRef<'_>],
    fingerprints: &Fingerprints,
) -> Result<BuiltViews> {
    let views = &site.views.views;
    let groups = group(views, fingerprints);

    // Organizations unchanged since the last build come from the cache.
    let cache = ViewCache::new(&site.cache_dir);
    let mut pdf_keys = HashSet::new();
    let mut todo = Vec::new();
    for g in &groups {
        match cache.restore(&g.key, writer)? {
            Some(keys) => {
                for key in keys {
                    // Chart and PDF keys share one list; each cache keeps its own.
                    lock(&site.chart_keys).insert(key.clone());
                    pdf_keys.insert(key);
                }
                site.progress.advance(g.views().count() as u64);
            }
            None => todo.push(g),
        }
    }

    let built = todo.iter().map(|g| g.views().count()).sum();
    let mut times = ViewTimes { built, cached: views.len() - built, ..ViewTimes::default() };
    let made = if todo.is_empty() {
        BTreeMap::new()
    } else {
        // An organization's tab PDFs are made as soon as its view is built,
        // on threads of their own beside the workers: they fill the cores
        // the workers leave idle (the last organizations, the last teams).
        let parts = SiteParts::new(site, writer);
        let (tx, rx) = mpsc::channel::<PdfWork>();
        let rx = Mutex::new(rx);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        std::thread::scope(|scope| {
            let layout: Vec<_> = (0..threads).map(|_| scope.spawn(|| parts.make_pdfs_from(&rx))).collect();
            let built = run_workers(site, writer, keep_going, &todo, reports, &mut times, tx);
            let mut made = BTreeMap::new();
            let mut failure = None;
            for handle in layout {
                match handle.join().unwrap_or_else(|_| Err(anyhow!("a thread laying out PDFs panicked"))) {
                    Ok((keys, busy)) => {
                        made.extend(keys);
                        times.pdfs += busy;
                    }
                    Err(e) => failure = failure.or(Some(e)),
                }
            }
            // A PDF's own error explains a worker's "the PDF threads stopped".
            match (failure, built) {
                (Some(e), _) | (None, Err(e)) => Err(e),
                (None, Ok(())) => Ok(made),
            }
        })?
    };

    // Store what was built, unless a report of it failed (`--keep-going`).
    let failed: HashSet<String> = lock(&site.failures).keys().map(|(view, _, _)| view.clone()).collect();
    for g in &todo {
        if g.views().any(|v| failed.contains(&v.path())) {
            continue;
        }
        let folders: Vec<String> = g.views().map(View::path).collect();
        let mut keys: Vec<String> = Vec::new();
        for v in g.views() {
            if let Some(index) = views.iter().position(|x| x == v) {
                keys.extend(made.get(&index).into_iter().flatten().cloned());
            }
        }
        cache.store(&g.key, writer, &folders, &keys)?;
    }
    cache.prune(&groups.iter().map(|g| g.key.clone()).collect())?;
    pdf_keys.extend(made.into_values().flatten());

    let with_pdf: HashSet<&str> = views
        .iter()
        .filter(|v| site.config.views.pdf && v.filter == Filter::Organization)
        .map(|v| v.slug.as_str())
        .collect();
    let entries = views
        .iter()
        .map(|v| view_entry(v, v.filter == Filter::Organization && with_pdf.contains(v.slug.as_str())))
        .collect();
    Ok(BuiltViews { entries, pdf_keys, times })
}

/// Everything besides the data that a view's files depend on.
fn cache_inputs(site: &Site, reports: &[ReportRef<'_>]) -> Result<Vec<u8>> {
    let mut inputs = serde_json::to_vec(&site.config)?;
    for r in reports {
        inputs.extend_from_slice(r.sql.as_bytes());
        inputs.push(0);
        inputs.extend_from_slice(r.view_sql.as_bytes());
        inputs.push(0);
    }
    inputs.extend_from_slice(format!("{}\0{}\0", site.as_of, site.subscription_start).as_bytes());
    Ok(inputs)
}

/// Organization views with their teams after them, in the order of `views`.
fn group<'a>(views: &'a [View], fingerprints: &Fingerprints) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for view in views {
        let at =
            groups.iter().position(|g| g.views().next().map(|v| &v.organization) == Some(&view.organization));
        let at = at.unwrap_or_else(|| {
            groups.push(Group { organization: None, teams: Vec::new(), key: String::new() });
            groups.len() - 1
        });
        match view.filter {
            Filter::Organization => groups[at].organization = Some(view),
            Filter::Team => groups[at].teams.push(view),
        }
    }
    for g in &mut groups {
        let members: Vec<&View> = g.views().collect();
        g.key = fingerprints.key(&members[0].organization, &members);
    }
    groups
}

/// Runs the groups on one worker per core, each on its own connection;
/// returns what the organization views' PDFs need.
fn run_workers(
    site: &Site,
    writer: &Writer,
    keep_going: bool,
    groups: &[&Group<'_>],
    reports: &[ReportRef<'_>],
    times: &mut ViewTimes,
    pdfs: mpsc::Sender<PdfWork>,
) -> Result<()> {
    let db = site.db()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(groups.len()).max(1);
    let mut connections = Vec::with_capacity(workers);
    for _ in 0..workers {
        let conn = db.conn.try_clone().map_err(|e| anyhow!("failed to open a DuckDB connection: {e}"))?;
        crate::report::prepare_connection(&conn, &site.params(), &site.prelude)?;
        connections.push(conn);
    }
    let team_blind = team_blind(reports, &db.tables);
    let pdfs = site.config.views.pdf.then_some(pdfs);
    let mut ctx = WorkerContext::new(site, writer, reports, &team_blind, &db.tables, keep_going, pdfs);
    ctx.keys = Some(KEYS_SCHEMA);
    let size = batch_size(groups.len(), workers);
    let batches: Vec<&[&Group<'_>]> = groups.chunks(size).collect();

    // A view's queries are many and small: one thread per query, one query
    // per core, runs them faster than DuckDB spreading each over every core
    // (the sample's 30 queries of one organization: 335 ms against 428 ms).
    let threads = db.threads().map_err(|e| anyhow!("failed to read DuckDB's thread count: {e}"))?;
    set_threads(&db.conn, 1)?;
    let workers = connections.into_iter().enumerate().collect();
    let result = share_out(workers, &batches, "building views", |(w, conn), n, batch| {
        ctx.build_batch(conn, *w, n, batch)
    });
    set_threads(&db.conn, threads)?;
    (times.queries, times.files) = *lock(&ctx.clock);
    result.map(drop)
}

/// The schema of the organization ids' key tables (`key_statements`).
const KEYS_SCHEMA: &str = "tally_view_keys";

/// Organizations per batch: about √n, so that the whole tables are read
/// about √n times (once per batch) and each batch about √n times (once per
/// organization), instead of the whole tables n times; one organization a
/// batch (no batch copy) while that would leave fewer than four batches per
/// worker to share out.
fn batch_size(groups: usize, workers: usize) -> usize {
    let root = (groups as f64).sqrt().ceil().max(1.0) as usize;
    if groups / root < 4 * workers {
        1
    } else {
        root
    }
}

/// Shares `items` out to one thread per state in `workers`: each takes the
/// next item (its index and itself) until none is left or one has failed.
/// Returns the states, or the first error.
fn share_out<W: Send, T: Sync>(
    workers: Vec<W>,
    items: &[T],
    what: &str,
    work: impl Fn(&mut W, usize, &T) -> Result<()> + Sync,
) -> Result<Vec<W>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|mut state| {
                let (next, failed, work) = (&next, &failed, &work);
                scope.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(n) else { break };
                        if let Err(e) = work(&mut state, n, item) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    Ok(state)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a thread {what} panicked"))))
            .collect()
    })
}

/// Per report: it reads only tables a team does not narrow.
fn team_blind(reports: &[ReportRef<'_>], tables: &[LoadedTable]) -> Vec<bool> {
    reports
        .iter()
        .map(|r| {
            tables_read(r.view_sql, tables).into_iter().all(|name| {
                let table = tables.iter().find(|t| t.name == name).expect("a loaded table");
                coverage(table, tables, Filter::Team) != Coverage::Filtered
            })
        })
        .collect()
}

/// Builds view `index` of `site` alone into `writer`, on a connection of
/// its own, with its tab PDFs if `pdfs` (`tally serve` builds a view when
/// it is first asked for). It does not use or fill the view cache.
pub(super) fn write_view(site: &Site, writer: &Writer, index: usize, pdfs: bool) -> Result<()> {
    let views = &site.views.views;
    let view = views.get(index).ok_or_else(|| anyhow!("no view {index}"))?;
    let db = site.db()?;
    let conn = db.conn.try_clone().map_err(|e| anyhow!("failed to open a DuckDB connection: {e}"))?;
    crate::report::prepare_connection(&conn, &site.params(), &site.prelude)?;
    let reports = site.report_refs();
    let team_blind = team_blind(&reports, &db.tables);
    let (tx, rx) = mpsc::channel::<PdfWork>();
    let pdfs = (pdfs && site.config.views.pdf).then_some(tx);
    let ctx = WorkerContext::new(site, writer, &reports, &team_blind, &db.tables, false, pdfs);
    let group = match view.filter {
        Filter::Organization => Group { organization: Some(view), teams: Vec::new(), key: String::new() },
        Filter::Team => Group { organization: None, teams: vec![view], key: String::new() },
    };
    ctx.build_group(&conn, &format!("tally_view_{index}"), "main", &group)?;
    let parts = SiteParts::new(site, writer);
    rx.try_iter().try_for_each(|item| parts.make_pdfs(item).map(drop))
}

fn set_threads(conn: &Connection, threads: i64) -> Result<()> {
    conn.execute_batch(&format!("SET threads = {threads}"))
        .map_err(|e| anyhow!("failed to set DuckDB's thread count: {e}"))
}

/// What the workers share: nothing of the site's DuckDB connection, which
/// one thread at a time may use.
struct WorkerContext<'a> {
    site: SiteParts<'a>,
    reports: &'a [ReportRef<'a>],
    /// Per report: it reads only tables a team view does not narrow.
    team_blind: &'a [bool],
    tables: &'a [LoadedTable],
    keep_going: bool,
    /// Where an organization view's PDF work goes as soon as the view is
    /// built; `None` when no PDFs are made.
    pdfs: Option<mpsc::Sender<PdfWork>>,
    /// The schema of the organization ids' key tables, once made.
    keys: Option<&'static str>,
    /// Thread time spent on (queries, files).
    clock: Mutex<(Duration, Duration)>,
}

impl<'a> WorkerContext<'a> {
    fn new(
        site: &'a Site,
        writer: &'a Writer,
        reports: &'a [ReportRef<'a>],
        team_blind: &'a [bool],
        tables: &'a [LoadedTable],
        keep_going: bool,
        pdfs: Option<mpsc::Sender<PdfWork>>,
    ) -> Self {
        WorkerContext {
            site: SiteParts::new(site, writer),
            reports,
            team_blind,
            tables,
            keep_going,
            pdfs,
            keys: None,
            clock: Mutex::default(),
        }
    }

    /// Builds a batch of organizations' views: the batch's rows copied
    /// once (when it holds more than one), then each organization's cut
    /// from them.
    fn build_batch(&self, conn: &Connection, worker: usize, n: usize, batch: &[&Group<'_>]) -> Result<()> {
        let (Some(keys), [_, _, ..]) = (self.keys, batch) else {
            return batch.iter().enumerate().try_for_each(|(g, group)| {
                self.build_group(conn, &format!("tally_view_{worker}_{n}_{g}"), "main", group)
            });
        };
        let schema = format!("tally_batch_{worker}_{n}");
        let started = Instant::now();
        let orgs: Vec<&str> =
            batch.iter().filter_map(|g| g.views().next()).map(|v| v.organization.as_str()).collect();
        let copied = batch_statements(&orgs, self.tables, keys, &schema).iter().try_for_each(|statement| {
            conn.execute_batch(statement)
                .map_err(|e| anyhow!("failed to copy a batch of organizations' rows: {e}"))
        });
        lock(&self.clock).0 += started.elapsed();
        let result = copied.and_then(|()| {
            batch
                .iter()
                .enumerate()
                .try_for_each(|(g, group)| self.build_group(conn, &format!("{schema}_{g}"), &schema, group))
        });
        let dropped = drop_schema(conn, &schema);
        result.and(dropped)
    }

    /// Builds one organization's views into schemas named from
    /// `org_schema`: its own first, cut from `source`, then each team's cut
    /// from it.
    fn build_group(
        &self,
        conn: &Connection,
        org_schema: &str,
        source: &str,
        group: &Group<'_>,
    ) -> Result<()> {
        let first = group.views().next().expect("a group has a view");
        // The organization's rows, even when only its teams are built.
        let org_view = View { filter: Filter::Organization, team: None, ..first.clone() };
        let result = (|| {
            self.create_schema(conn, &org_view, source, org_schema)?;
            let org = match group.organization {
                Some(view) => Some((view.path(), self.build_view(conn, view, org_schema, None)?)),
                None => None,
            };
            for (t, team) in group.teams.iter().enumerate() {
                let schema = format!("{org_schema}_{t}");
                self.create_schema(conn, team, org_schema, &schema)?;
                let reuse = org.as_ref().map(|(path, results)| (path.as_str(), results.as_slice()));
                let built = self.build_view(conn, team, &schema, reuse);
                drop_schema(conn, &schema)?;
                built?;
            }
            Ok::<(), anyhow::Error>(())
        })();
        let dropped = drop_schema(conn, org_schema);
        result.and(dropped)
    }

    /// Runs every report over `schema` and writes the view's files; returns
    /// the results, for the organization's teams. `reuse` is the
    /// organization view's folder and results, for a team.
    fn build_view(
        &self,
        conn: &Connection,
        view: &View,
        schema: &str,
        reuse: Option<(&str, &[Kept])>,
    ) -> Result<Vec<Kept>> {
        let key = view.path();
        self.site.progress.message(&view.key());
        conn.execute_batch(&format!("SET search_path = '{schema}'"))
            .map_err(|e| anyhow!("failed to select the tables of view `{}`: {e}", view.key()))?;
        let formats = exporters(&self.site.cache_dir.join("xlsx"), self.site.config.csv_bom);
        let keep_for_pdf = self.pdfs.is_some() && view.filter == Filter::Organization;
        let mut pdf_outputs = Vec::new();
        let mut tab_data: Vec<TabData> = Vec::new();
        let mut headlines = Vec::new();
        let mut results = Vec::new();
        for (i, r) in self.reports.iter().enumerate() {
            let label = || format!("view `{}` ({} `{}`)", view.label, view.filter.as_str(), view.value());
            let started = Instant::now();
            let same_as_org = reuse.filter(|_| self.team_blind[i]).map(|(path, kept)| (path, &kept[i]));
            let (table, total_rows, error) = match same_as_org {
                Some((_, k)) => (k.table.clone(), k.total_rows, k.error.clone()),
                None => match self.run(conn, r, &label) {
                    Ok((table, total)) => (table, total, None),
                    Err(e) if self.keep_going => {
                        let message = format!("{e:#}");
                        super::record_failure(self.site.failures, &key, r, message.clone());
                        (ResultTable::default(), 0, Some(message))
                    }
                    Err(e) => return Err(e),
                },
            };
            let output = r.output(table, total_rows, self.site.as_of);
            let ran = started.elapsed();
            let files =
                || format!("the downloads of {}, tab `{}`, report `{}`", label(), r.tab.id, r.report.id);
            match (same_as_org, &error) {
                (_, Some(_)) => {}
                // The organization's files are this team's, byte for byte.
                (Some((org_path, _)), None) => {
                    for format in &formats {
                        let name = format!("{}/{}.{}", r.tab.id, r.report.id, format.extension());
                        self.site
                            .writer
                            .link(
                                &self.site.writer.path(&format!("{org_path}{name}")),
                                &format!("{key}{name}"),
                            )
                            .with_context(|| format!("failed to write {}", files()))?;
                    }
                }
                (None, None) => {
                    write_downloads(self.site.writer, &formats, &key, self.site.as_of, &output, conn)
                        .with_context(|| format!("failed to write {}", files()))?
                }
            }
            let data =
                ReportData::new(&output, self.site.config.page_rows, error.clone()).with_context(|| {
                    format!(
                        "failed to build the chart of {}, tab `{}`, report `{}`",
                        label(),
                        r.tab.id,
                        r.report.id
                    )
                })?;
            if r.report.headline {
                if let Some(number) =
                    crate::render::page::headline_number(r.report, &output.table, self.site.as_of)
                {
                    headlines
                        .push(view_data::Headline { id: format!("{}--{}", r.tab.id, r.report.id), number });
                }
            }
            match tab_data.last_mut() {
                Some(tab) if tab.tab == r.tab.id => tab.reports.push(data),
                _ => tab_data.push(TabData { view: view.key(), tab: r.tab.id.clone(), reports: vec![data] }),
            }
            // An organization's results that its teams share stay for them.
            let shared = view.filter == Filter::Organization && self.team_blind[i];
            results.push(if shared {
                Kept { table: output.table.clone(), total_rows, error }
            } else {
                Kept::default()
            });
            if keep_for_pdf {
                pdf_outputs.push(for_pdf(output, self.site.config.pdf.max_rows));
            }
            let mut clock = lock(&self.clock);
            clock.0 += ran;
            clock.1 += started.elapsed() - ran;
        }
        let started = Instant::now();
        for tab in &tab_data {
            self.site.writer.write(&format!("{key}{}/data.js", tab.tab), &view_data::script(tab)?)?;
        }
        self.site
            .writer
            .write(&format!("{key}index.js"), &view_data::overview_script(&view.key(), &headlines)?)?;
        lock(&self.clock).1 += started.elapsed();
        conn.execute_batch("RESET search_path")
            .map_err(|e| anyhow!("failed to reset the search path after view `{}`: {e}", view.key()))?;
        if let Some(queue) = self.pdfs.as_ref().filter(|_| keep_for_pdf) {
            let index = self.site.views.iter().position(|v| v == view).expect("a view of the site");
            let work = PdfWork { view: index, outputs: pdf_outputs };
            queue.send(work).map_err(|_| anyhow!("the threads laying out PDFs stopped"))?;
        }
        self.site.progress.advance(1);
        Ok(results)
    }

    /// Copies `view`'s rows of the tables in `source` into `schema`.
    fn create_schema(&self, conn: &Connection, view: &View, source: &str, schema: &str) -> Result<()> {
        let started = Instant::now();
        for statement in filter_statements(view, self.tables, source, schema, self.keys) {
            conn.execute_batch(&statement)
                .map_err(|e| anyhow!("failed to filter the tables for view `{}`: {e}", view.key()))?;
        }
        lock(&self.clock).0 += started.elapsed();
        Ok(())
    }

    /// One report's query over the view's tables.
    fn run(
        &self,
        conn: &Connection,
        r: &ReportRef<'_>,
        label: &dyn Fn() -> String,
    ) -> Result<(ResultTable, usize)> {
        run_report(conn, r, self.site.config)
            .map_err(|e| {
                let message = crate::data::explain(&e.to_string(), &self.site.config.duckdb.memory_limit);
                anyhow!(
                    "failed to run query for {}, tab `{}`, report `{}`: {message}",
                    label(),
                    r.tab.id,
                    r.report.id
                )
            })
            .and_then(|(table, total)| super::check_chart(r, &table).map(|()| (table, total)))
    }
}

/// What a tab PDF needs of an output: a table's first `max_rows` rows (the
/// PDF prints no more), a chart's or number's whole result.
fn for_pdf(mut output: ReportOutput, max_rows: usize) -> ReportOutput {
    if output.report.display == Display::Table && output.report.chart.is_none() {
        output.table.rows.truncate(max_rows);
    }
    output
}

fn drop_schema(conn: &Connection, schema: &str) -> Result<()> {
    conn.execute_batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .map_err(|e| anyhow!("failed to drop the view schema `{schema}`: {e}"))
}

/// Per organization view (its index), the chart and PDF cache keys its
/// PDFs used.
type PdfKeys = Vec<(usize, Vec<String>)>;

/// The parts of the site that the view workers and the PDF threads share:
/// none of its DuckDB connection, which stays on the building thread.
struct SiteParts<'a> {
    config: &'a crate::config::Config,
    as_of: crate::date::Date,
    views: &'a [View],
    cache_dir: &'a std::path::Path,
    progress: &'a crate::progress::Progress,
    failures: &'a super::Failures,
    chart_keys: &'a Mutex<HashSet<String>>,
    writer: &'a Writer,
}

impl<'a> SiteParts<'a> {
    fn new(site: &'a Site, writer: &'a Writer) -> Self {
        SiteParts {
            config: &site.config,
            as_of: site.as_of,
            views: &site.views.views,
            cache_dir: &site.cache_dir,
            progress: &site.progress,
            failures: &site.failures,
            chart_keys: &site.chart_keys,
            writer,
        }
    }

    /// Makes the PDFs of the organization views that come through `queue`
    /// until it closes; returns, per view (its index), the cache keys used,
    /// and the time spent.
    fn make_pdfs_from(&self, queue: &Mutex<mpsc::Receiver<PdfWork>>) -> Result<(PdfKeys, Duration)> {
        let mut made = Vec::new();
        let mut busy = Duration::ZERO;
        // The lock is held only while waiting for the next item.
        while let Ok(item) = lock(queue).recv() {
            let started = Instant::now();
            let index = item.view;
            made.push((index, self.make_pdfs(item)?));
            busy += started.elapsed();
        }
        Ok((made, busy))
    }

    /// One organization view's tab PDFs: its charts (on the chart threads,
    /// through the chart cache), then each tab laid out through the PDF
    /// cache. Returns the chart and PDF cache keys it used.
    fn make_pdfs(&self, mut item: PdfWork) -> Result<Vec<String>> {
        let view = &self.views[item.view];
        let prefix = view.path();
        let mut jobs = Vec::new();
        let mut owners = Vec::new();
        for (o, output) in item.outputs.iter().enumerate() {
            if super::has_failed(self.failures, &prefix, &output.tab.id, &output.report.id) {
                continue;
            }
            if let Some(job) = chart_job(output, &prefix)? {
                jobs.push(job);
                owners.push(o);
            }
        }
        let rendered = super::render_charts(&jobs, self.cache_dir, self.chart_keys)?;
        let mut keys: Vec<String> = jobs.iter().map(ChartJob::cache_key).collect();
        for (o, chart) in owners.into_iter().zip(rendered) {
            if !chart.svg.is_empty() {
                item.outputs[o].chart = Some(chart);
            }
        }
        let cache = self.cache_dir.join("pdf");
        for tab in &self.config.tabs {
            let reports: Vec<&ReportOutput> = item.outputs.iter().filter(|o| o.tab.id == tab.id).collect();
            let ctx = PdfContext {
                config: self.config,
                tab,
                as_of: self.as_of,
                reports: &reports,
                view: Some(&view.label),
            };
            let (bytes, key) = pdf::render_tab_pdf_cached(&ctx, &cache).with_context(|| {
                format!("failed to make the PDF of tab `{}` for view `{}`", tab.id, view.key())
            })?;
            self.writer
                .write(&format!("{prefix}{}/{}", tab.id, crate::render::page::tab_pdf_name(tab)), &bytes)?;
            keys.push(key);
        }
        Ok(keys)
    }
}
