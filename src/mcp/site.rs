//! Reading a built site folder for `tally mcp`: the manifest
//! (`api/index.json`), a report's rows from its JSON download, tab PDFs, and
//! a report's SQL. Every path is built from ids found in the manifest and
//! checked to resolve inside the site folder, so no request can reach a file
//! outside it; nothing here writes.

use std::fs::File;
use std::io::BufReader;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::config::{is_slug, Config};

/// The `format_version` of `api/index.json` this tally reads.
pub const FORMAT_VERSION: u64 = 2;

/// `api/index.json`, as far as `tally mcp` needs it. Unknown keys are
/// ignored: a newer build of the same format version may add some.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Manifest {
    /// The site's title and description.
    pub site: SiteInfo,
    /// The as-of date every number is computed for (YYYY-MM-DD).
    pub as_of: String,
    /// The first day of the subscription term (YYYY-MM-DD).
    #[serde(default)]
    pub subscription_start: Option<String>,
    /// The version of tally that built the site.
    #[serde(default)]
    pub tally_version: Option<String>,
    /// The layout version of the site; see [`FORMAT_VERSION`].
    pub format_version: u64,
    /// Set when the whole site is one view (`tally build --view`).
    #[serde(default)]
    pub scope: Option<ViewEntry>,
    /// The dashboard tabs, in page order.
    pub tabs: Vec<TabEntry>,
    /// The organization and team views the site was built with.
    #[serde(default)]
    pub views: Vec<ViewEntry>,
}

/// `site` in the manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SiteInfo {
    /// The site title.
    pub title: String,
    /// The site description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A tab in the manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct TabEntry {
    /// The tab id (a slug, and the tab's folder).
    pub id: String,
    /// The tab title.
    pub title: String,
    /// The tab description.
    #[serde(default)]
    pub description: Option<String>,
    /// The tab PDF, relative to the site root.
    #[serde(default)]
    pub pdf: Option<String>,
    /// Data-history notes ("page visits are recorded from 2025-07-01").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The tab's reports, in page order.
    pub reports: Vec<ReportEntry>,
}

/// A report in the manifest.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ReportEntry {
    /// The report id (a slug, unique in its tab).
    pub id: String,
    /// The report title.
    pub title: String,
    /// The one-line description.
    #[serde(default)]
    pub description: Option<String>,
    /// `table`, `number` or `chart`.
    #[serde(default)]
    pub display: Option<String>,
    /// The result columns with their types.
    pub columns: Vec<ColumnEntry>,
    /// How many rows the whole-company result has.
    #[serde(default)]
    pub rows: Option<u64>,
    /// The error of a report that failed under `--keep-going` (it has no files).
    #[serde(default)]
    pub error: Option<String>,
}

/// A result column in the manifest.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ColumnEntry {
    /// The column name (the key in each JSON row).
    pub name: String,
    /// `integer`, `float`, `text`, `date`, `timestamp` or `boolean`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A view in the manifest (DESIGN.md section 8).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ViewEntry {
    /// `organization` or `team`.
    pub filter: String,
    /// The organization id, or `<organization_id>/<team>`.
    pub value: String,
    /// A readable name.
    pub label: String,
    /// The view's folder relative to the site root, `views/<filter>/<slug>/`.
    pub path: String,
}

impl Manifest {
    /// The tab with this id.
    pub fn tab(&self, id: &str) -> Result<&TabEntry> {
        check_id("tab", id)?;
        self.tabs.iter().find(|t| t.id == id).ok_or_else(|| {
            let known: Vec<&str> = self.tabs.iter().map(|t| t.id.as_str()).collect();
            anyhow!("no tab `{id}` in this site; its tabs are: {}", known.join(", "))
        })
    }

    /// The tab and report with these ids.
    pub fn report(&self, tab: &str, report: &str) -> Result<(&TabEntry, &ReportEntry)> {
        let tab = self.tab(tab)?;
        check_id("report", report)?;
        let entry = tab.reports.iter().find(|r| r.id == report).ok_or_else(|| {
            let known: Vec<&str> = tab.reports.iter().map(|r| r.id.as_str()).collect();
            anyhow!("no report `{report}` in tab `{}`; its reports are: {}", tab.id, known.join(", "))
        })?;
        Ok((tab, entry))
    }
}

impl ReportEntry {
    /// The column with this name.
    pub fn column(&self, name: &str) -> Option<&ColumnEntry> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Ids are slugs: anything else (a path such as `../../etc/passwd`, an
/// absolute path, a backslash) is refused before it is looked up, and the
/// message says why rather than only "not found".
fn check_id(what: &str, id: &str) -> Result<()> {
    if !is_slug(id) {
        bail!(
            "`{}` is not a {what} id: ids are lower-case slugs such as `users-activity` \
             (letters, digits and single dashes); list_reports gives them",
            id.escape_debug()
        );
    }
    Ok(())
}

/// Where a report's SQL was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlSource {
    /// The report's JSON download carries the SQL the build ran.
    Download,
    /// The tab's `queries.sql` download (every query of the tab as the build
    /// ran it); `definitions` is its head: the build's parameter macros and
    /// the shared definitions the queries use.
    TabScript {
        /// The script, relative to the site root.
        file: String,
        /// What the script defines before its first query.
        definitions: String,
    },
    /// The site config (read now, so it matches the site only if the config
    /// has not changed since the build).
    Config(PathBuf),
}

/// The comment that opens each report's part of a tab's `queries.sql`:
/// ``-- Report `<id>`: <title> (from <file>)``.
const SCRIPT_REPORT_MARK: &str = "-- Report `";

/// Splits a tab's `queries.sql` into its head (parameters and shared
/// definitions) and the part of one report: its comment line, its
/// `SET VARIABLE` lines and its query, up to the next report's comment.
fn script_part(script: &str, report: &str) -> Option<(String, String)> {
    let starts: Vec<usize> = script
        .match_indices(SCRIPT_REPORT_MARK)
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || script.as_bytes()[i - 1] == b'\n')
        .collect();
    let head = script[..*starts.first()?].trim().to_string();
    let wanted = format!("{SCRIPT_REPORT_MARK}{report}`");
    let at = starts.iter().position(|&i| script[i..].starts_with(&wanted))?;
    let end = starts.get(at + 1).copied().unwrap_or(script.len());
    Some((head, script[starts[at]..end].trim().to_string()))
}

/// What to return of a report's rows.
#[derive(Debug, Clone, Default)]
pub struct RowQuery {
    /// Keep only these columns, in this order; `None` keeps every column.
    pub columns: Option<Vec<String>>,
    /// Keep only rows whose `column` falls in the months `from..=to`
    /// (`YYYY-MM`, either end open).
    pub months: Option<MonthRange>,
    /// Skip this many (matching) rows.
    pub offset: u64,
    /// Return at most this many rows.
    pub limit: u64,
}

/// A month range over a date or timestamp column.
#[derive(Debug, Clone)]
pub struct MonthRange {
    /// The column compared.
    pub column: String,
    /// The first month, `YYYY-MM`, inclusive.
    pub from: Option<String>,
    /// The last month, `YYYY-MM`, inclusive.
    pub to: Option<String>,
}

impl MonthRange {
    /// Dates (`2026-03-01`) and timestamps (`2026-03-01T09:00:00Z`) start
    /// with their `YYYY-MM`, so comparing those 7 characters compares months.
    fn contains(&self, row: &Map<String, Value>) -> bool {
        let Some(month) = row.get(&self.column).and_then(Value::as_str).and_then(|s| s.get(..7)) else {
            return false;
        };
        self.from.as_deref().is_none_or(|from| month >= from)
            && self.to.as_deref().is_none_or(|to| month <= to)
    }
}

/// One page of a report's rows.
#[derive(Debug, Clone, Default)]
pub struct RowsPage {
    /// Rows that match the month range (all rows without one).
    pub total: u64,
    /// The rows from `offset`, at most `limit` of them, as the JSON download
    /// has them (only the asked-for columns).
    pub rows: Vec<Map<String, Value>>,
    /// The SQL in the download's head, if it has one.
    pub sql: Option<String>,
    /// The columns in the download's head.
    pub columns: Vec<ColumnEntry>,
}

/// A built site folder.
#[derive(Debug)]
pub struct SiteDir {
    root: PathBuf,
    /// The site config and its folder, when one was given: the last resort
    /// for a report's SQL.
    config: Option<(Config, PathBuf)>,
}

impl SiteDir {
    /// A site folder, and optionally the config it was built from.
    pub fn new(root: PathBuf, config: Option<(Config, PathBuf)>) -> SiteDir {
        SiteDir { root, config }
    }

    /// The site folder as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads and checks `api/index.json`. It is read on every request, so a
    /// rebuilt site is served without restarting the server.
    pub fn manifest(&self) -> Result<Manifest> {
        let root = self.root.display();
        if !self.root.is_dir() {
            bail!("the site folder `{root}` does not exist; build the site with `tally build`, or point `--site` at its output folder");
        }
        let path = self.root.join("api").join("index.json");
        if !path.is_file() {
            bail!(
                "`{root}` is not a tally site: it has no `api/index.json`; \
                 point `--site` at the output folder of `tally build`"
            );
        }
        let text = self.read_to_string("api/index.json")?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| anyhow!("`{root}` is not a tally site: `api/index.json` is not valid JSON: {e}"))?;
        let built_by = value.get("tally_version").and_then(Value::as_str).unwrap_or("an older tally");
        match value.get("format_version") {
            Some(Value::Number(n)) if n.as_u64() == Some(FORMAT_VERSION) => {}
            found => {
                let found = match found {
                    None => "no format_version".to_string(),
                    Some(v) => format!("format_version {v}"),
                };
                bail!(
                    "the site `{root}` was built by {built_by} ({found}); this tally {} reads format_version \
                     {FORMAT_VERSION}: rebuild the site with this tally (`tally build`)",
                    env!("CARGO_PKG_VERSION")
                );
            }
        }
        serde_json::from_value(value).map_err(|e| {
            anyhow!("`{root}` is not a tally site: `api/index.json` does not match its format: {e}")
        })
    }

    /// The view whose value (or, failing that, label) is `wanted`, of the
    /// given filter kind.
    pub fn find_view<'m>(&self, manifest: &'m Manifest, filter: &str, wanted: &str) -> Result<&'m ViewEntry> {
        let of_kind: Vec<&ViewEntry> = manifest.views.iter().filter(|v| v.filter == filter).collect();
        if of_kind.is_empty() {
            bail!(
                "this site has no {filter} views (it was built without them), so only whole-company rows \
                 are available: omit `{filter}`"
            );
        }
        if let Some(view) = of_kind.iter().copied().find(|v| v.value == wanted) {
            return Ok(view);
        }
        let wanted_label = wanted.trim().to_lowercase();
        let by_label: Vec<&ViewEntry> =
            of_kind.iter().copied().filter(|v| v.label.trim().to_lowercase() == wanted_label).collect();
        if let [view] = by_label.as_slice() {
            return Ok(*view);
        }
        let shown: Vec<String> =
            of_kind.iter().take(20).map(|v| format!("`{}` ({})", v.value, v.label)).collect();
        let more = if of_kind.len() > 20 {
            format!(" and {} more (list_views)", of_kind.len() - 20)
        } else {
            String::new()
        };
        bail!(
            "no {filter} view `{}` in this site; its {filter} views are: {}{more}",
            wanted.escape_debug(),
            shown.join(", ")
        )
    }

    /// The folder of a view, relative to the site root, checked to be
    /// `views/<filter>/<slug>/` (a manifest is data too).
    pub fn view_dir(&self, view: &ViewEntry) -> Result<String> {
        let parts: Vec<&str> = view.path.trim_end_matches('/').split('/').collect();
        match parts.as_slice() {
            ["views", filter, slug] if *filter == view.filter && is_view_slug(slug) => {
                Ok(format!("views/{filter}/{slug}/"))
            }
            _ => bail!(
                "the manifest gives view `{}` the path `{}`, which is not of the form `views/{}/<slug>/`",
                view.value,
                view.path.escape_debug(),
                view.filter
            ),
        }
    }

    /// Resolves a path relative to the site root, refusing anything that
    /// leaves it: `..`, absolute paths, or a symbolic link pointing outside.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        let rel_path = Path::new(rel);
        if rel.is_empty() || rel_path.components().any(|c| !matches!(c, Component::Normal(_))) {
            bail!("`{}` is not a path inside the site", rel.escape_debug());
        }
        let root = self
            .root
            .canonicalize()
            .with_context(|| format!("failed to open the site folder `{}`", self.root.display()))?;
        let path = root.join(rel_path);
        let real = match path.canonicalize() {
            Ok(real) => real,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("the site has no file `{rel}` (was it built by another version, or is the build incomplete?)")
            }
            Err(e) => return Err(e).with_context(|| format!("failed to open `{}`", path.display())),
        };
        if !real.starts_with(&root) {
            bail!("`{rel}` leads outside the site folder; refusing to read it");
        }
        Ok(real)
    }

    /// Reads a text file of the site.
    pub fn read_to_string(&self, rel: &str) -> Result<String> {
        let path = self.resolve(rel)?;
        std::fs::read_to_string(&path).with_context(|| format!("failed to read `{}`", path.display()))
    }

    /// Reads a file of the site.
    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        let path = self.resolve(rel)?;
        std::fs::read(&path).with_context(|| format!("failed to read `{}`", path.display()))
    }

    /// The size of a file of the site, if it is there.
    pub fn file_size(&self, rel: &str) -> Option<u64> {
        self.resolve(rel).ok().and_then(|p| p.metadata().ok()).map(|m| m.len())
    }

    /// Reads a page of rows from a JSON download (`<view dir><tab>/<report>.json`).
    /// The file is streamed: only the returned rows are held, however long
    /// the report is.
    pub fn read_rows(&self, rel: &str, query: &RowQuery) -> Result<RowsPage> {
        let path = self.resolve(rel)?;
        let file = File::open(&path).with_context(|| format!("failed to open `{}`", path.display()))?;
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, file));
        let page = DocSeed { query }
            .deserialize(&mut de)
            .and_then(|page| de.end().map(|()| page))
            .with_context(|| format!("failed to read the rows of `{}`", path.display()))?;
        Ok(page)
    }

    /// A report's SQL as the site shows it: from its JSON download when the
    /// build put it there, else from the tab's `queries.sql`, else from the
    /// site config (`-c`).
    pub fn report_sql(&self, tab: &str, report: &str) -> Result<Option<(String, SqlSource)>> {
        let head = self.read_rows(&format!("{tab}/{report}.json"), &RowQuery::default())?;
        if let Some(sql) = head.sql {
            return Ok(Some((sql, SqlSource::Download)));
        }
        let file = format!("{tab}/queries.sql");
        if self.file_size(&file).is_some() {
            let script = self.read_to_string(&file)?;
            if let Some((definitions, sql)) = script_part(&script, report) {
                return Ok(Some((sql, SqlSource::TabScript { file, definitions })));
            }
        }
        let Some((config, root)) = &self.config else {
            return Ok(None);
        };
        let Some((_, entry)) = config.reports().find(|(t, r)| t.id == tab && r.id == report) else {
            return Ok(None);
        };
        let sql = entry.load_sql(root)?;
        let origin = match &entry.sql_file {
            Some(file) => root.join(file),
            None => root.join("site.toml"),
        };
        Ok(Some((sql, SqlSource::Config(origin))))
    }
}

/// A view's folder name: what a slug of an organization id or team name can
/// hold, never `.`/`..` or a separator.
fn is_view_slug(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Deserialises a JSON download keeping only one page of its rows.
struct DocSeed<'q> {
    query: &'q RowQuery,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = RowsPage;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<RowsPage, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = RowsPage;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a tally JSON download (an object with `columns` and `rows`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowsPage, A::Error> {
        let mut page = RowsPage::default();
        let mut saw_rows = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "columns" => page.columns = map.next_value()?,
                "sql" => page.sql = map.next_value()?,
                "rows" => {
                    let (total, rows) = map.next_value_seed(RowsSeed { query: self.query })?;
                    page.total = total;
                    page.rows = rows;
                    saw_rows = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !saw_rows {
            return Err(serde::de::Error::missing_field("rows"));
        }
        Ok(page)
    }
}

struct RowsSeed<'q> {
    query: &'q RowQuery,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = (u64, Vec<Map<String, Value>>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = (u64, Vec<Map<String, Value>>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let query = self.query;
        let end = query.offset.saturating_add(query.limit);
        let in_page = |index: u64| index >= query.offset && index < end;
        let mut total = 0;
        let mut rows = Vec::new();
        match &query.months {
            // Without a filter, only the page's rows need building; the rest
            // are skipped without allocating.
            None => loop {
                if in_page(total) {
                    match seq.next_element::<Map<String, Value>>()? {
                        Some(row) => rows.push(project(row, query.columns.as_deref())),
                        None => break,
                    }
                } else if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
                total += 1;
            },
            Some(months) => {
                while let Some(row) = seq.next_element::<Map<String, Value>>()? {
                    if months.contains(&row) {
                        if in_page(total) {
                            rows.push(project(row, query.columns.as_deref()));
                        }
                        total += 1;
                    }
                }
            }
        }
        Ok((total, rows))
    }
}

/// Keeps the asked-for columns of a row, in the asked-for order.
fn project(mut row: Map<String, Value>, columns: Option<&[String]>) -> Map<String, Value> {
    match columns {
        None => row,
        Some(columns) => columns.iter().map(|c| (c.clone(), row.remove(c).unwrap_or(Value::Null))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DOC: &str = r#"{
  "tab": "t",
  "report": "r",
  "columns": [{"name": "month", "type": "date"}, {"name": "n", "type": "integer"}],
  "sql": "SELECT 1",
  "rows": [
    {"month":"2026-01-01","n":1},
    {"month":"2026-02-01","n":2},
    {"month":"2026-03-01","n":3},
    {"month":null,"n":4},
    {"month":"2026-04-01","n":5}
  ]
}
"#;

    fn site_with(files: &[(&str, &str)]) -> (tempfile::TempDir, SiteDir) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let site = SiteDir::new(dir.path().to_path_buf(), None);
        (dir, site)
    }

    fn ns(page: &RowsPage) -> Vec<i64> {
        page.rows.iter().map(|r| r["n"].as_i64().unwrap()).collect()
    }

    #[test]
    fn pages_through_rows_and_counts_them_all() {
        let (_dir, site) = site_with(&[("t/r.json", DOC)]);
        let page =
            site.read_rows("t/r.json", &RowQuery { offset: 1, limit: 2, ..Default::default() }).unwrap();
        assert_eq!(page.total, 5);
        assert_eq!(ns(&page), [2, 3]);
        assert_eq!(page.sql.as_deref(), Some("SELECT 1"));
        assert_eq!(page.columns[1], ColumnEntry { name: "n".into(), kind: "integer".into() });
        // Past the end: nothing, and still the count.
        let page =
            site.read_rows("t/r.json", &RowQuery { offset: 9, limit: 2, ..Default::default() }).unwrap();
        assert_eq!((page.total, page.rows.len()), (5, 0));
    }

    #[test]
    fn a_month_range_keeps_rows_in_it_and_drops_nulls() {
        let (_dir, site) = site_with(&[("t/r.json", DOC)]);
        let months =
            MonthRange { column: "month".into(), from: Some("2026-02".into()), to: Some("2026-03".into()) };
        let query = RowQuery { months: Some(months), limit: 10, ..Default::default() };
        let page = site.read_rows("t/r.json", &query).unwrap();
        assert_eq!((page.total, ns(&page)), (2, vec![2, 3]));
        // Open at one end: 2026-03 on, with an offset into the matches.
        let months = MonthRange { column: "month".into(), from: Some("2026-03".into()), to: None };
        let query = RowQuery { months: Some(months), offset: 1, limit: 10, ..Default::default() };
        let page = site.read_rows("t/r.json", &query).unwrap();
        assert_eq!((page.total, ns(&page)), (2, vec![5]));
    }

    #[test]
    fn projects_columns_in_the_asked_order() {
        let (_dir, site) = site_with(&[("t/r.json", DOC)]);
        let query =
            RowQuery { columns: Some(vec!["n".into(), "month".into()]), limit: 1, ..Default::default() };
        let page = site.read_rows("t/r.json", &query).unwrap();
        assert_eq!(serde_json::to_string(&page.rows[0]).unwrap(), r#"{"n":1,"month":"2026-01-01"}"#);
    }

    #[test]
    fn refuses_paths_that_leave_the_site() {
        let (dir, site) = site_with(&[("t/r.json", DOC)]);
        for rel in ["../x", "/etc/passwd", "t/../../x", ""] {
            let err = site.resolve(rel).unwrap_err().to_string();
            assert!(err.contains("not a path inside the site"), "{rel}: {err}");
        }
        // A symbolic link inside the site that points out of it.
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.json"), DOC).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path().join("secret.json"), dir.path().join("t/link.json"))
                .unwrap();
            let err = site.resolve("t/link.json").unwrap_err().to_string();
            assert!(err.contains("leads outside the site folder"), "{err}");
        }
        assert!(site.resolve("t/r.json").is_ok());
    }

    #[test]
    fn manifest_errors_say_what_the_folder_is() {
        let (_dir, site) = site_with(&[("index.html", "<p>")]);
        let err = site.manifest().unwrap_err().to_string();
        assert!(err.contains("is not a tally site: it has no `api/index.json`"), "{err}");

        let (_dir, site) = site_with(&[("api/index.json", "{\"site\": ")]);
        let err = site.manifest().unwrap_err().to_string();
        assert!(err.contains("`api/index.json` is not valid JSON"), "{err}");

        let v1 = json!({"site": {"title": "x"}, "as_of": "2026-01-01", "tabs": []}).to_string();
        let (_dir, site) = site_with(&[("api/index.json", &v1)]);
        let err = site.manifest().unwrap_err().to_string();
        assert!(err.contains("was built by an older tally (no format_version)"), "{err}");
        assert!(err.contains("reads format_version 2: rebuild the site"), "{err}");

        let v3 = json!({"site": {"title": "x"}, "as_of": "2026-01-01", "tabs": [], "format_version": 3,
                        "tally_version": "9.0.0"})
        .to_string();
        let (_dir, site) = site_with(&[("api/index.json", &v3)]);
        let err = site.manifest().unwrap_err().to_string();
        assert!(err.contains("was built by 9.0.0 (format_version 3)"), "{err}");

        let missing = SiteDir::new(PathBuf::from("/nonexistent/tally-site"), None);
        let err = missing.manifest().unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }

    #[test]
    fn ids_must_be_slugs() {
        let manifest: Manifest = serde_json::from_value(json!({
            "site": {"title": "x"}, "as_of": "2026-01-01", "format_version": 2,
            "tabs": [{"id": "people", "title": "People", "reports": [
                {"id": "user-count", "title": "Users", "columns": []}]}]
        }))
        .unwrap();
        assert!(manifest.report("people", "user-count").is_ok());
        let err = manifest.report("../../etc", "passwd").unwrap_err().to_string();
        assert!(err.contains("`../../etc` is not a tab id"), "{err}");
        let err = manifest.report("people", "../../etc/passwd").unwrap_err().to_string();
        assert!(err.contains("is not a report id"), "{err}");
        let err = manifest.report("people", "nope").unwrap_err().to_string();
        assert!(err.contains("no report `nope` in tab `people`; its reports are: user-count"), "{err}");
    }

    #[test]
    fn finds_a_reports_part_of_a_tab_script() {
        let script = "-- The queries of tab `t`.\n\n-- This build's parameters\nCREATE MACRO as_of() AS DATE '2026-03-15';\n\n\
                      -- Report `a`: A (from `sql` in site.toml)\nSELECT 1;\n\n\
                      -- Report `a-b`: A, B (from q.sql)\nSET VARIABLE \"x\" = 1;\nSELECT 2; -- Report `a` again\n";
        let (head, part) = script_part(script, "a").unwrap();
        assert_eq!(head, "-- The queries of tab `t`.\n\n-- This build's parameters\nCREATE MACRO as_of() AS DATE '2026-03-15';");
        assert_eq!(part, "-- Report `a`: A (from `sql` in site.toml)\nSELECT 1;");
        let (_, part) = script_part(script, "a-b").unwrap();
        assert_eq!(
            part,
            "-- Report `a-b`: A, B (from q.sql)\nSET VARIABLE \"x\" = 1;\nSELECT 2; -- Report `a` again"
        );
        assert_eq!(script_part(script, "b"), None);
        assert_eq!(script_part("SELECT 1;", "a"), None);
    }

    #[test]
    fn view_paths_must_be_view_folders() {
        let (_dir, site) = site_with(&[]);
        let view = |path: &str| ViewEntry {
            filter: "organization".into(),
            value: "org-1".into(),
            label: "Org".into(),
            path: path.into(),
        };
        assert_eq!(site.view_dir(&view("views/organization/org-1/")).unwrap(), "views/organization/org-1/");
        for bad in [
            "views/organization/../",
            "../views/organization/x/",
            "views/team/org-1/",
            "/etc/",
            "views/organization/a/b/",
        ] {
            assert!(site.view_dir(&view(bad)).is_err(), "{bad}");
        }
    }
}
