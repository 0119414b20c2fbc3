//! Building the views (DESIGN.md section 8): every report's SQL, unchanged,
//! over each view's tables.
//!
//! An organization's tables are copied once into a schema of their own
//! (`CREATE TABLE … AS SELECT … WHERE organization_id = …`), and the reports
//! run there with `SET search_path`; its teams' schemas are cut from that
//! smaller copy. Organizations are shared out to one worker per core, each
//! on its own DuckDB connection to the same database. A worker writes a
//! view's downloads and its page data (`views/<filter>/<slug>/<tab>/data.js`)
//! as it goes and keeps only what the organization's tab PDFs need, whose
//! charts and layout are then done together, through the caches.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{anyhow, Context, Result};
use duckdb::Connection;

use super::{chart_job, run_report, view_entry, write_downloads, ReportRef, Site};
use crate::config::Display;
use crate::data::LoadedTable;
use crate::export::exporters;
use crate::manifest::ViewEntry;
use crate::output::Writer;
use crate::render::pdf::{self, PdfContext};
use crate::render::view_data::{self, ReportData, TabData};
use crate::report::{ReportOutput, ResultTable};
use crate::view::{filter_statements, Filter, View};

/// What writing the views gave.
pub(super) struct BuiltViews {
    /// The manifest's `views`.
    pub entries: Vec<ViewEntry>,
    /// The cache keys of the views' tab PDFs.
    pub pdf_keys: HashSet<String>,
}

/// One organization and the views to build in it: the organization's own
/// (unless organization views are off) and its teams'.
struct Group<'a> {
    organization: Option<&'a View>,
    teams: Vec<&'a View>,
}

/// An organization view's reports, kept for its tab PDFs.
struct PdfWork {
    view: usize,
    outputs: Vec<ReportOutput>,
}

/// Builds every view of `site` into `writer`.
pub(super) fn write_views(site: &Site, writer: &Writer, keep_going: bool) -> Result<BuiltViews> {
    let views = &site.views.views;
    if views.is_empty() {
        return Ok(BuiltViews { entries: Vec::new(), pdf_keys: HashSet::new() });
    }
    let db = site.db()?;
    let groups = group(views);
    let reports = site.report_refs();

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(groups.len()).max(1);
    // Each worker gets its own connection, prepared like the first one.
    let mut connections = Vec::with_capacity(workers);
    for _ in 0..workers {
        let conn = db.conn.try_clone().map_err(|e| anyhow!("failed to open a DuckDB connection: {e}"))?;
        crate::report::prepare_connection(&conn, &site.params(), &site.prelude)?;
        connections.push(conn);
    }

    // A view's queries are many and small: one thread per query, one query
    // per core, runs them faster than DuckDB spreading each over every core
    // (the sample's 30 queries of one organization: 335 ms against 428 ms).
    let threads = db.threads().map_err(|e| anyhow!("failed to read DuckDB's thread count: {e}"))?;
    set_threads(&db.conn, 1)?;
    let result = run_workers(site, writer, keep_going, &groups, &reports, connections);
    set_threads(&db.conn, threads)?;
    let mut work = result?;
    work.sort_by_key(|w| w.view);

    let pdf_keys = write_pdfs(site, writer, &mut work)?;
    let with_pdf: HashSet<usize> = work.iter().map(|w| w.view).collect();
    let entries = views.iter().enumerate().map(|(i, v)| view_entry(v, with_pdf.contains(&i))).collect();
    Ok(BuiltViews { entries, pdf_keys })
}

/// Builds view `index` of `site` alone into `writer`, on a connection of
/// its own, with its tab PDFs if `pdfs` (`tally serve` builds a view when
/// it is first asked for).
pub(super) fn write_view(site: &Site, writer: &Writer, index: usize, pdfs: bool) -> Result<()> {
    let views = &site.views.views;
    let view = views.get(index).ok_or_else(|| anyhow!("no view {index}"))?;
    let db = site.db()?;
    let conn = db.conn.try_clone().map_err(|e| anyhow!("failed to open a DuckDB connection: {e}"))?;
    crate::report::prepare_connection(&conn, &site.params(), &site.prelude)?;
    let reports = site.report_refs();
    let ctx = WorkerContext {
        config: &site.config,
        cache_dir: &site.cache_dir,
        as_of: site.as_of,
        views,
        progress: &site.progress,
        failures: &site.failures,
        memory_limit: &site.config.duckdb.memory_limit,
        writer,
        reports: &reports,
        tables: &db.tables,
        keep_going: false,
        pdfs: pdfs && site.config.views.pdf,
    };
    let group = match view.filter {
        Filter::Organization => Group { organization: Some(view), teams: Vec::new() },
        Filter::Team => Group { organization: None, teams: vec![view] },
    };
    let mut work = Vec::new();
    ctx.build_group(&conn, 0, index, &group, &mut work)?;
    write_pdfs(site, writer, &mut work)?;
    Ok(())
}

fn set_threads(conn: &Connection, threads: i64) -> Result<()> {
    conn.execute_batch(&format!("SET threads = {threads}"))
        .map_err(|e| anyhow!("failed to set DuckDB's thread count: {e}"))
}

/// Runs the groups on one worker per connection; returns what the
/// organization views' PDFs need.
fn run_workers(
    site: &Site,
    writer: &Writer,
    keep_going: bool,
    groups: &[Group<'_>],
    reports: &[ReportRef<'_>],
    connections: Vec<Connection>,
) -> Result<Vec<PdfWork>> {
    let db = site.db()?;
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let ctx = WorkerContext {
        config: &site.config,
        cache_dir: &site.cache_dir,
        as_of: site.as_of,
        views: &site.views.views,
        progress: &site.progress,
        failures: &site.failures,
        memory_limit: &site.config.duckdb.memory_limit,
        writer,
        reports,
        tables: &db.tables,
        keep_going,
        pdfs: site.config.views.pdf,
    };
    let results: Vec<Result<Vec<PdfWork>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = connections
            .into_iter()
            .enumerate()
            .map(|(worker, conn)| {
                let (ctx, next, failed) = (&ctx, &next, &failed);
                scope.spawn(move || {
                    let mut kept = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some(group) = groups.get(n) else { break };
                        if let Err(e) = ctx.build_group(&conn, worker, n, group, &mut kept) {
                            failed.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                    }
                    Ok(kept)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a view-building thread panicked"))))
            .collect()
    });
    let mut work = Vec::new();
    for result in results {
        work.extend(result?);
    }
    Ok(work)
}

/// Organization views with their teams after them, in the order of `views`.
fn group(views: &[View]) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for view in views {
        let at = groups.iter().position(|g| {
            g.organization.map(|o| &o.organization).or(g.teams.first().map(|t| &t.organization))
                == Some(&view.organization)
        });
        let at = at.unwrap_or_else(|| {
            groups.push(Group { organization: None, teams: Vec::new() });
            groups.len() - 1
        });
        match view.filter {
            Filter::Organization => groups[at].organization = Some(view),
            Filter::Team => groups[at].teams.push(view),
        }
    }
    groups
}

/// What the workers share: nothing of the site's DuckDB connection, which
/// one thread at a time may use.
struct WorkerContext<'a> {
    config: &'a crate::config::Config,
    cache_dir: &'a std::path::Path,
    as_of: crate::date::Date,
    views: &'a [View],
    progress: &'a crate::progress::Progress,
    failures: &'a super::Failures,
    memory_limit: &'a str,
    writer: &'a Writer,
    reports: &'a [ReportRef<'a>],
    tables: &'a [LoadedTable],
    keep_going: bool,
    pdfs: bool,
}

impl WorkerContext<'_> {
    /// Builds one organization's views: its schema first, then each team's
    /// cut from it.
    fn build_group(
        &self,
        conn: &Connection,
        worker: usize,
        n: usize,
        group: &Group<'_>,
        kept: &mut Vec<PdfWork>,
    ) -> Result<()> {
        let org_schema = format!("tally_view_{worker}_{n}");
        let first = group.organization.or(group.teams.first().copied()).expect("a group has a view");
        // The organization's rows, even when only its teams are built.
        let org_view = View { filter: Filter::Organization, team: None, ..first.clone() };
        let result = (|| {
            create_schema(conn, &org_view, self.tables, "main", &org_schema)?;
            if let Some(view) = group.organization {
                self.build_view(conn, view, &org_schema, kept)?;
            }
            for (t, team) in group.teams.iter().enumerate() {
                let schema = format!("{org_schema}_{t}");
                create_schema(conn, team, self.tables, &org_schema, &schema)?;
                let built = self.build_view(conn, team, &schema, kept);
                drop_schema(conn, &schema)?;
                built?;
            }
            Ok::<(), anyhow::Error>(())
        })();
        let dropped = drop_schema(conn, &org_schema);
        result.and(dropped)
    }

    /// Runs every report over `schema` and writes the view's files.
    fn build_view(
        &self,
        conn: &Connection,
        view: &View,
        schema: &str,
        kept: &mut Vec<PdfWork>,
    ) -> Result<()> {
        let key = view.path();
        self.progress.message(&view.key());
        conn.execute_batch(&format!("SET search_path = '{schema}'"))
            .map_err(|e| anyhow!("failed to select the tables of view `{}`: {e}", view.key()))?;
        let formats = exporters(&self.cache_dir.join("xlsx"), self.config.csv_bom);
        let keep_for_pdf = self.pdfs && view.filter == Filter::Organization;
        let mut pdf_outputs = Vec::new();
        let mut tab_data: Vec<TabData> = Vec::new();
        let mut headlines = Vec::new();
        for r in self.reports {
            let label = || format!("view `{}` ({} `{}`)", view.label, view.filter.as_str(), view.value());
            let result = run_report(conn, r, self.config)
                .map_err(|e| {
                    let message = crate::data::explain(&e.to_string(), self.memory_limit);
                    anyhow!(
                        "failed to run query for {}, tab `{}`, report `{}`: {message}",
                        label(),
                        r.tab.id,
                        r.report.id
                    )
                })
                .and_then(|(table, total)| super::check_chart(r, &table).map(|()| (table, total)));
            let (table, total_rows, error) = match result {
                Ok((table, total)) => (table, total, None),
                Err(e) if self.keep_going => {
                    let message = format!("{e:#}");
                    super::record_failure(self.failures, &key, r, message.clone());
                    (ResultTable::default(), 0, Some(message))
                }
                Err(e) => return Err(e),
            };
            let output = r.output(table, total_rows, self.as_of);
            if error.is_none() {
                write_downloads(self.writer, &formats, &key, self.as_of, &output, conn).with_context(
                    || {
                        format!(
                            "failed to write the downloads of {}, tab `{}`, report `{}`",
                            label(),
                            r.tab.id,
                            r.report.id
                        )
                    },
                )?;
            }
            let data = ReportData::new(&output, self.config.page_rows, error).with_context(|| {
                format!(
                    "failed to build the chart of {}, tab `{}`, report `{}`",
                    label(),
                    r.tab.id,
                    r.report.id
                )
            })?;
            if r.report.headline {
                if let Some(number) =
                    crate::render::page::headline_number(r.report, &output.table, self.as_of)
                {
                    headlines
                        .push(view_data::Headline { id: format!("{}--{}", r.tab.id, r.report.id), number });
                }
            }
            match tab_data.last_mut() {
                Some(tab) if tab.tab == r.tab.id => tab.reports.push(data),
                _ => tab_data.push(TabData { view: view.key(), tab: r.tab.id.clone(), reports: vec![data] }),
            }
            if keep_for_pdf {
                pdf_outputs.push(for_pdf(output, self.config.pdf.max_rows));
            }
        }
        for tab in &tab_data {
            self.writer.write(&format!("{key}{}/data.js", tab.tab), &view_data::script(tab)?)?;
        }
        self.writer
            .write(&format!("{key}index.js"), &view_data::overview_script(&view.key(), &headlines)?)?;
        conn.execute_batch("RESET search_path")
            .map_err(|e| anyhow!("failed to reset the search path after view `{}`: {e}", view.key()))?;
        if keep_for_pdf {
            let index = self.views.iter().position(|v| v == view).expect("a view of the site");
            kept.push(PdfWork { view: index, outputs: pdf_outputs });
        }
        self.progress.advance(1);
        Ok(())
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

fn create_schema(
    conn: &Connection,
    view: &View,
    tables: &[LoadedTable],
    source: &str,
    schema: &str,
) -> Result<()> {
    for statement in filter_statements(view, tables, source, schema) {
        conn.execute_batch(&statement)
            .map_err(|e| anyhow!("failed to filter the tables for view `{}`: {e}", view.key()))?;
    }
    Ok(())
}

fn drop_schema(conn: &Connection, schema: &str) -> Result<()> {
    conn.execute_batch(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .map_err(|e| anyhow!("failed to drop the view schema `{schema}`: {e}"))
}

/// The organization views' tab PDFs: their charts rendered together (on
/// every core, through the chart cache), then laid out through the PDF
/// cache. Returns the PDFs' cache keys.
fn write_pdfs(site: &Site, writer: &Writer, work: &mut [PdfWork]) -> Result<HashSet<String>> {
    let views = &site.views.views;
    let mut jobs = Vec::new();
    let mut owners = Vec::new();
    for (w, item) in work.iter().enumerate() {
        let prefix = views[item.view].path();
        for (o, output) in item.outputs.iter().enumerate() {
            if site.failed(&prefix, &output.tab.id, &output.report.id) {
                continue;
            }
            if let Some(job) = chart_job(output, &prefix)? {
                jobs.push(job);
                owners.push((w, o));
            }
        }
    }
    let rendered = site.render_charts(&jobs)?;
    for ((w, o), chart) in owners.into_iter().zip(rendered) {
        if !chart.svg.is_empty() {
            work[w].outputs[o].chart = Some(chart);
        }
    }
    let cache = site.cache_dir.join("pdf");
    let mut keys = HashSet::new();
    for item in work.iter() {
        let view = &views[item.view];
        for tab in &site.config.tabs {
            let reports: Vec<&ReportOutput> = item.outputs.iter().filter(|o| o.tab.id == tab.id).collect();
            let ctx = PdfContext {
                config: &site.config,
                tab,
                as_of: site.as_of,
                reports: &reports,
                view: Some(&view.label),
            };
            let (bytes, key) = pdf::render_tab_pdf_cached(&ctx, &cache).with_context(|| {
                format!("failed to make the PDF of tab `{}` for view `{}`", tab.id, view.key())
            })?;
            writer.write(
                &format!("{}{}/{}", view.path(), tab.id, crate::render::page::tab_pdf_name(tab)),
                &bytes,
            )?;
            keys.insert(key);
        }
    }
    Ok(keys)
}
