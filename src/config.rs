//! The site configuration (`site.toml`): its structs, parsing and validation.
//!
//! Parsing rejects unknown keys (serde's `deny_unknown_fields`, with the key's
//! path from `serde_path_to_error` and the line from `toml`). `Config::parse`
//! checks everything that can be checked from the text alone; `Config::from_file`
//! adds the checks that need the file system (SQL files exist, paths resolve).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::date::Date;

/// The folder, beside `site.toml`, for what a build can recreate: rendered
/// charts and DuckDB's spill files. `cache_dir` in the config and the
/// environment variable [`CACHE_DIR_ENV`] move it.
pub const CACHE_DIR: &str = ".tally-cache";

/// The environment variable that moves the cache folder (relative to the
/// working directory), so a site whose config folder is mounted read-only
/// still builds.
pub const CACHE_DIR_ENV: &str = "TALLY_CACHE_DIR";

/// The file `build` leaves in every site it writes; a folder without it is
/// never replaced (unless `--force`), so a typo in `--output-dir` cannot
/// delete someone's files, and a folder with it is never read as data.
pub const MARKER_FILE: &str = ".tally-site";

/// The whole `site.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The site's title, shown in every page header.
    pub title: String,
    /// One line under the title on the overview page.
    #[serde(default)]
    pub description: String,
    /// Folder of usage exports, relative to `site.toml`.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Folder the site is written to, relative to `site.toml`.
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// Theme name: `default` is built in; any other name is a folder
    /// `themes/<name>/` next to `site.toml` with `templates/` and `static/`.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// The colour scheme pages open in: `system` follows the reader's
    /// system setting, `light` or `dark` sets it. A reader's own choice (the
    /// page's toggle, or `#theme=dark` in the URL) overrides it. PDFs and
    /// the PNG and SVG downloads are always light.
    #[serde(default)]
    pub theme_mode: ThemeMode,
    /// The date "current month", "last 7 days" and "current year" are relative
    /// to; rows stamped after it are ignored. Default: the latest timestamp in
    /// the data. `--as-of` overrides it.
    #[serde(default)]
    pub as_of: Option<Date>,
    /// First day of the subscription term (for active seats). Default: the
    /// first day of the data.
    #[serde(default)]
    pub subscription_start: Option<Date>,
    /// An SQL file of shared definitions, relative to `site.toml`: only
    /// `CREATE OR REPLACE TEMP MACRO` statements, defined on every connection
    /// after the parameter macros and before any report runs, so reports can
    /// share one definition of a number. "View SQL" shows the macros a report
    /// uses.
    #[serde(default)]
    pub prelude: Option<PathBuf>,
    /// How many rows a table shows on its page; the downloads hold all rows.
    #[serde(default = "default_page_rows")]
    pub page_rows: usize,
    /// DuckDB settings.
    #[serde(default)]
    pub duckdb: DuckdbConfig,
    /// Tab PDF settings.
    #[serde(default)]
    pub pdf: PdfConfig,
    /// Views: the dashboard per organization and per team.
    #[serde(default)]
    pub views: ViewsConfig,
    /// Per-table load settings, keyed by table name.
    #[serde(default)]
    pub tables: BTreeMap<String, TableConfig>,
    /// The dashboard tabs, in order.
    #[serde(default)]
    pub tabs: Vec<TabConfig>,
    /// Take the tabs (and their reports) from another `site.toml`, relative
    /// to this one; its `sql_file` paths resolve against its own folder. A
    /// site over differently shaped exports keeps the default dashboard this
    /// way, defining only its `[tables]`.
    #[serde(default)]
    pub tabs_from: Option<PathBuf>,
    /// Folder for what a build can recreate (chart and PDF caches, DuckDB's
    /// spill files, the build lock), relative to `site.toml`. Default:
    /// `.tally-cache`; the environment variable `TALLY_CACHE_DIR` (relative
    /// to the working directory) overrides both.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Start every CSV download with a UTF-8 byte-order mark, so Excel on
    /// Windows reads non-ASCII text right. Off by default: most other tools
    /// read plain UTF-8 and some show the mark as a stray character.
    #[serde(default)]
    pub csv_bom: bool,
}

/// DuckDB engine settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DuckdbConfig {
    /// DuckDB's `memory_limit`, e.g. `"1GB"`.
    #[serde(default = "default_memory_limit")]
    pub memory_limit: String,
    /// Folder DuckDB spills to when a query outgrows the memory limit,
    /// relative to the config's folder. Default: `.tally-cache/duckdb`
    /// (on disk beside the site, where a RAM-backed `/tmp` cannot be).
    #[serde(default)]
    pub temp_directory: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    #[serde(default)]
    pub threads: usize,
}

impl Default for DuckdbConfig {
    fn default() -> Self {
        DuckdbConfig { memory_limit: default_memory_limit(), temp_directory: None, threads: 0 }
    }
}

/// Settings of the per-tab PDF.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PdfConfig {
    /// Paper size: `a4` or `us-letter`.
    #[serde(default = "default_paper")]
    pub paper: String,
    /// Landscape instead of portrait.
    #[serde(default)]
    pub landscape: bool,
    /// How many rows of each table the PDF prints before saying how many more
    /// the CSV holds.
    #[serde(default = "default_pdf_rows")]
    pub max_rows: usize,
}

impl Default for PdfConfig {
    fn default() -> Self {
        PdfConfig { paper: default_paper(), landscape: false, max_rows: default_pdf_rows() }
    }
}

/// Which views a build writes (DESIGN.md section 8): the same dashboard
/// over one organization's or one team's rows, chosen in the page's filter
/// bar.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ViewsConfig {
    /// A view per organization (`organization_id`).
    #[serde(default = "default_true")]
    pub organization: bool,
    /// A view per team within its organization (`team`).
    #[serde(default = "default_true")]
    pub team: bool,
    /// At most this many views (organizations first, then teams, each in id
    /// order); the build says how many it left out.
    #[serde(default = "default_max_views")]
    pub max: usize,
    /// Tab PDFs for every organization view.
    #[serde(default = "default_true")]
    pub pdf: bool,
}

impl Default for ViewsConfig {
    fn default() -> Self {
        ViewsConfig { organization: true, team: true, max: default_max_views(), pdf: true }
    }
}

/// How one table is loaded: from its export file (or folder) in the data
/// dir, or, with `sql` or `sql_file`, derived by a query over other tables.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// The column that stamps each row in time. Rows stamped after the as-of
    /// date are dropped at load, and the latest stamp is a candidate for the
    /// default as-of date.
    #[serde(default)]
    pub time_column: Option<String>,
    /// Required columns with their types (DuckDB type names), e.g.
    /// `{ user_id = "VARCHAR" }`: a table without one of them fails to load,
    /// naming the file and the column. Columns not named here or in
    /// `optional_columns` are loaded with inferred types.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Optional columns with their types: where an export lacks one (a CSV
    /// without the column, JSON objects that never carry the key), it loads
    /// as NULL of its type, so queries can still name it.
    #[serde(default)]
    pub optional_columns: BTreeMap<String, String>,
    /// The export must be in the data dir (default: true). With `false`, a
    /// missing export loads as an empty table with the declared columns (a
    /// warning says so), and reports over it show zeros.
    #[serde(default = "default_true")]
    pub required: bool,
    /// Derive the table by this query over the other tables (a single
    /// events export, say) instead of reading a file. It runs after the
    /// tables it reads are loaded and cut at the as-of date, and its result
    /// is checked against `columns` like an export.
    #[serde(default)]
    pub sql: Option<String>,
    /// Like `sql`, from a `.sql` file relative to `site.toml`.
    #[serde(default)]
    pub sql_file: Option<PathBuf>,
    /// Where this table's history starts, for notes that say so
    /// (`{{ tables.<name>.start_month }}`). Default: the first date in its
    /// `time_column`.
    #[serde(default)]
    pub history_start: Option<Date>,
    /// Text columns with a fixed set of values, e.g. `{ role = ["admin",
    /// "member"] }`. A value that is one of them once trimmed and
    /// lower-cased loads as that value (`" Admin"` as `admin`), so a
    /// report's `role = 'admin'` counts it; any other value loads as it is
    /// and the build warns, naming the column, the values and their rows.
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
}

impl Default for TableConfig {
    fn default() -> Self {
        TableConfig {
            time_column: None,
            columns: BTreeMap::new(),
            optional_columns: BTreeMap::new(),
            required: true,
            sql: None,
            sql_file: None,
            history_start: None,
            values: BTreeMap::new(),
        }
    }
}

impl TableConfig {
    /// Whether the table is derived by a query rather than read from a file.
    pub fn is_derived(&self) -> bool {
        self.sql.is_some() || self.sql_file.is_some()
    }

    /// Every declared column (required and optional) with its type.
    pub fn declared_columns(&self) -> impl Iterator<Item = (&String, &String)> {
        self.columns.iter().chain(&self.optional_columns)
    }

    /// The type a column is declared with, required or optional.
    pub fn declared_type(&self, column: &str) -> Option<&String> {
        self.columns.get(column).or_else(|| self.optional_columns.get(column))
    }

    /// The query of a derived table, read from `sql_file` when set.
    pub fn load_sql(&self, name: &str, root: &Path) -> Result<Option<String>> {
        match (&self.sql, &self.sql_file) {
            (Some(sql), _) => Ok(Some(sql.clone())),
            (None, Some(file)) => {
                let path = root.join(file);
                std::fs::read_to_string(&path).map(Some).with_context(|| {
                    format!(
                        "table `{name}`: failed to read SQL file `{}` (key `tables.{name}.sql_file`)",
                        path.display()
                    )
                })
            }
            (None, None) => Ok(None),
        }
    }

    /// The checks that need only this section.
    fn validate(&self, name: &str) -> Result<()> {
        if let Some(column) = self.columns.keys().find(|c| self.optional_columns.contains_key(*c)) {
            bail!(
                "key `tables.{name}.optional_columns.{column}`: column `{column}` is also in `tables.{name}.columns`; a column is required or optional, not both"
            );
        }
        if let Some(time) = &self.time_column {
            if self.optional_columns.contains_key(time) {
                bail!(
                    "key `tables.{name}.time_column`: `{time}` is an optional column; the time column must be in every row's export"
                );
            }
        }
        if self.sql.is_some() && self.sql_file.is_some() {
            bail!("key `tables.{name}`: set `sql` or `sql_file`, not both");
        }
        if self.is_derived() && !self.required {
            bail!(
                "key `tables.{name}.required`: a derived table (`sql` or `sql_file`) is always built; remove `required`"
            );
        }
        for (column, values) in &self.values {
            let key = format!("tables.{name}.values.{column}");
            match self.declared_type(column) {
                None => bail!(
                    "key `{key}`: column `{column}` is not declared; add it to `tables.{name}.columns` or `tables.{name}.optional_columns`"
                ),
                Some(ty) if !ty.eq_ignore_ascii_case("VARCHAR") => {
                    bail!("key `{key}`: column `{column}` is declared {ty}; values are for VARCHAR columns")
                }
                Some(_) => {}
            }
            if values.is_empty() || values.iter().any(|v| v.trim().is_empty() || v.trim() != v) {
                bail!(
                    "key `{key}`: list the values, each without spaces around it (`[\"admin\", \"member\"]`)"
                );
            }
            let folded: std::collections::BTreeSet<String> =
                values.iter().map(|v| v.to_lowercase()).collect();
            if folded.len() != values.len() {
                bail!("key `{key}`: two values differ only in case; values match whatever their case");
            }
        }
        if !self.required && self.columns.is_empty() && self.optional_columns.is_empty() {
            bail!(
                "key `tables.{name}.required`: an optional table needs its columns declared (`columns`, `optional_columns`), so it can load empty when its export is missing"
            );
        }
        Ok(())
    }
}

/// One dashboard tab: a page with its reports.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TabConfig {
    /// Lower-case slug; the tab's folder name.
    pub id: String,
    /// Shown in the tab bar and the page heading.
    pub title: String,
    /// One line under the heading.
    #[serde(default)]
    pub description: String,
    /// Notes shown at the top of the tab (e.g. where history starts).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The reports of the tab, in order.
    #[serde(default)]
    pub reports: Vec<ReportConfig>,
}

/// How a report is shown on its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Display {
    /// A table of rows.
    Table,
    /// One headline number (the first column of the first row).
    Number,
    /// A chart (see `chart`), with its data table behind a disclosure.
    Chart,
}

/// One report: a query and how to show its result.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// Lower-case slug, unique in its tab; the download files' base name.
    pub id: String,
    /// The card's title.
    pub title: String,
    /// One line saying what the report counts.
    #[serde(default)]
    pub description: String,
    /// The query, inline. Exactly one of `sql` and `sql_file` is set.
    #[serde(default)]
    pub sql: Option<String>,
    /// A `.sql` file holding the query, relative to `site.toml`.
    #[serde(default)]
    pub sql_file: Option<PathBuf>,
    /// Table, number or chart.
    #[serde(default = "default_display")]
    pub display: Display,
    /// A note shown under the description (e.g. a history-start note).
    #[serde(default)]
    pub note: Option<String>,
    /// Card width on wide screens: `half` or `full` (default: full for
    /// tables, half for charts, a third for numbers).
    #[serde(default)]
    pub width: Option<Width>,
    /// The chart, when `display = "chart"` (or a number card's sparkline).
    #[serde(default)]
    pub chart: Option<ChartConfig>,
    /// Show this report's number on the overview page, linking to its tab.
    #[serde(default)]
    pub headline: bool,
    /// Number display: the column holding the value's change against the
    /// previous period, shown beside the number.
    #[serde(default)]
    pub change_column: Option<String>,
    /// Values the query reads with `getvariable('name')`, e.g.
    /// `params = { role = "admin" }`: set with `SET VARIABLE` before the
    /// query runs and shown in "View SQL", so twin reports can share one
    /// query file. Strings, integers, floats, booleans, dates and arrays of
    /// them. A query must read every param it is given, and be given every
    /// param it reads.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// What the number measures, which decides what its headline and chart
    /// summary compare it with: `flow` (events over a period: runs, visits,
    /// invocations) or `level` (a state at a moment: seats, entities, data
    /// sources). Unset: the change against the previous row, unlabelled.
    #[serde(default)]
    pub measure: Option<Measure>,
    /// For a `flow`: the column holding, on the as-of month's row, the
    /// previous month's value over the same days (1 to the as-of day), which
    /// the as-of month to date is compared with. Default `previous_to_date`.
    #[serde(default)]
    pub compare_column: Option<String>,
    /// Says what the second number of a number display is when it is not a
    /// change against an earlier period (`"this month"` for the runs of a
    /// year-to-date count that fell in this month): shown after it, neither
    /// up nor down.
    #[serde(default)]
    pub change_label: Option<String>,
}

/// What a report's number measures (`measure` in `site.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// Events counted over a period (runs, visits, invocations): zero in a
    /// month without any, and the as-of month, not over yet, is compared
    /// month to date with the same days of the previous month.
    Flow,
    /// A state at a moment (active seats, entities, data sources): carried
    /// forward, and compared with the end of the previous month.
    Level,
}

/// The colour scheme pages open in (`theme_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThemeMode {
    /// Light or dark as the reader's system is set.
    #[default]
    System,
    /// Light, unless the reader picks dark.
    Light,
    /// Dark, unless the reader picks light.
    Dark,
}

impl ThemeMode {
    /// The name pages and scripts use: `system`, `light` or `dark`.
    pub fn as_str(self) -> &'static str {
        match self {
            ThemeMode::System => "system",
            ThemeMode::Light => "light",
            ThemeMode::Dark => "dark",
        }
    }
}

/// Width of a report card on wide screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Width {
    /// A third of the row.
    Third,
    /// Half of the row.
    Half,
    /// The whole row.
    Full,
}

/// The kinds of chart a report can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartKind {
    /// Lines over an x axis.
    Line,
    /// Filled lines over an x axis.
    Area,
    /// Vertical bars, series side by side.
    Bar,
    /// Vertical bars, series stacked.
    StackedBar,
    /// Horizontal bars (categories down the y axis).
    HorizontalBar,
    /// A pie.
    Pie,
    /// A pie with a hole.
    Donut,
}

/// A chart declaration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChartConfig {
    /// The kind of chart.
    pub kind: ChartKind,
    /// The x-axis (or category, for pies) column.
    pub x: String,
    /// The value columns; each is one series (wide format).
    #[serde(default)]
    pub y: Vec<String>,
    /// A column whose values split the rows into series (long format); then
    /// `y` holds exactly one value column.
    #[serde(default)]
    pub series: Option<String>,
    /// Optional title drawn in the image (the card has its own title).
    #[serde(default)]
    pub title: Option<String>,
    /// Optional subtitle drawn in the image.
    #[serde(default)]
    pub subtitle: Option<String>,
    /// Number format of values: `integer`, `decimal`, `percent` or `compact`.
    #[serde(default = "default_number_format")]
    pub number_format: String,
    /// Date format of a date x axis: `month` (`Nov 2026`), `day`
    /// (`2026-11-25`) or `year`.
    #[serde(default)]
    pub date_format: Option<String>,
    /// Image width in pixels (SVG and PNG).
    #[serde(default = "default_chart_width")]
    pub width: u32,
    /// Image height in pixels.
    #[serde(default = "default_chart_height")]
    pub height: u32,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("sample-data")
}
fn default_output_dir() -> PathBuf {
    PathBuf::from("public")
}
fn default_theme() -> String {
    "default".into()
}
fn default_page_rows() -> usize {
    50
}
fn default_max_views() -> usize {
    500
}
fn default_memory_limit() -> String {
    "1GB".into()
}
fn default_paper() -> String {
    "a4".into()
}
fn default_pdf_rows() -> usize {
    60
}
fn default_true() -> bool {
    true
}
fn default_display() -> Display {
    Display::Table
}
fn default_number_format() -> String {
    "integer".into()
}
fn default_chart_width() -> u32 {
    640
}
fn default_chart_height() -> u32 {
    320
}

/// Whether `s` is a lower-case slug: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Table names become SQL identifiers: letters, digits and `_`, not starting
/// with a digit.
pub fn is_table_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Config {
    /// Parses and validates `site.toml` text. `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config> {
        // serde_path_to_error adds the key's full path (`tabs[0].reports[2].colour`)
        // to toml's message, which has the line but not the path.
        let deserializer = toml::Deserializer::new(text);
        let config: Config = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            anyhow::anyhow!("invalid config `{origin}`: key `{path}`: {}", inner.trim_end())
        })?;
        config.validate().with_context(|| format!("invalid config `{origin}`"))?;
        Ok(config)
    }

    /// Reads, parses and validates `path`, then checks the paths it names.
    /// Relative paths in the config are resolved against the file's folder.
    pub fn from_file(path: &Path) -> Result<(Config, PathBuf)> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read config `{}`", path.display()))?;
        let mut config = Config::parse(&text, &path.display().to_string())?;
        let root = path
            .parent()
            .map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() })
            .unwrap_or_else(|| PathBuf::from("."));
        if let Some(from) = config.tabs_from.clone() {
            let (tabs, prelude) =
                tabs_from(&root, &from).with_context(|| format!("invalid config `{}`", path.display()))?;
            config.tabs = tabs;
            // The reports' shared macros come with them, unless the site
            // names its own.
            if config.prelude.is_none() {
                config.prelude = prelude;
            }
        }
        config.check_paths(&root).with_context(|| format!("invalid config `{}`", path.display()))?;
        Ok((config, root))
    }

    /// The cache folder: `TALLY_CACHE_DIR` (relative to the working
    /// directory), else `cache_dir` (relative to `root`, the config's
    /// folder), else `.tally-cache` in `root`.
    pub fn cache_dir(&self, root: &Path) -> PathBuf {
        match std::env::var_os(CACHE_DIR_ENV).filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => root.join(self.cache_dir.as_deref().unwrap_or(Path::new(CACHE_DIR))),
        }
    }

    /// Checks everything that needs no file system.
    pub fn validate(&self) -> Result<()> {
        if self.title.trim().is_empty() {
            bail!("key `title` must not be empty");
        }
        if self.page_rows == 0 {
            bail!("key `page_rows` must be at least 1");
        }
        match self.pdf.paper.as_str() {
            "a4" | "us-letter" => {}
            other => bail!("key `pdf.paper`: unknown paper size `{other}` (use `a4` or `us-letter`)"),
        }
        if !is_slug(&self.theme) {
            bail!("key `theme`: `{}` is not a lower-case slug", self.theme);
        }
        for (name, table) in &self.tables {
            if !is_table_name(name) {
                bail!("key `tables.{name}`: a table name is letters, digits and `_`");
            }
            for (key, columns) in [("columns", &table.columns), ("optional_columns", &table.optional_columns)]
            {
                for (column, ty) in columns {
                    if ty.trim().is_empty()
                        || ty.contains(['\'', '"', ';', '(', ')']) && !ty.starts_with("DECIMAL")
                    {
                        bail!("key `tables.{name}.{key}.{column}`: `{ty}` is not a DuckDB type name");
                    }
                }
            }
            table.validate(name)?;
        }
        if self.tabs_from.is_some() && !self.tabs.is_empty() {
            bail!("key `tabs_from`: set `tabs_from` or `[[tabs]]`, not both");
        }
        let mut tab_ids = std::collections::BTreeSet::new();
        for (t, tab) in self.tabs.iter().enumerate() {
            let key = format!("tabs[{t}]");
            if !is_slug(&tab.id) {
                bail!(
                    "key `{key}.id`: tab id `{}` is not a lower-case slug (a-z, 0-9 and single dashes)",
                    tab.id
                );
            }
            if matches!(tab.id.as_str(), "api" | "assets") {
                bail!("key `{key}.id`: tab id `{}` is reserved", tab.id);
            }
            if !tab_ids.insert(tab.id.as_str()) {
                bail!("key `{key}.id`: duplicate tab id `{}`", tab.id);
            }
            let mut report_ids = std::collections::BTreeSet::new();
            for (r, report) in tab.reports.iter().enumerate() {
                let key = format!("tabs[{t}].reports[{r}]");
                if !is_slug(&report.id) {
                    bail!(
                        "key `{key}.id`: report id `{}` in tab `{}` is not a lower-case slug (a-z, 0-9 and single dashes)",
                        report.id, tab.id
                    );
                }
                if report.id == "index" || report.id == tab.id {
                    bail!("key `{key}.id`: report id `{}` is reserved in tab `{}`", report.id, tab.id);
                }
                if !report_ids.insert(report.id.as_str()) {
                    bail!("key `{key}.id`: duplicate report id `{}` in tab `{}`", report.id, tab.id);
                }
                match (&report.sql, &report.sql_file) {
                    (Some(_), Some(_)) => {
                        bail!("report `{}/{}`: set `sql` or `sql_file`, not both ({key})", tab.id, report.id)
                    }
                    (None, None) => {
                        bail!("report `{}/{}`: needs `sql` or `sql_file` ({key})", tab.id, report.id)
                    }
                    _ => {}
                }
                if report.display == Display::Chart && report.chart.is_none() {
                    bail!(
                        "report `{}/{}`: `display = \"chart\"` needs a `chart` table ({key}.chart)",
                        tab.id,
                        report.id
                    );
                }
                if let Some(chart) = &report.chart {
                    chart
                        .validate()
                        .with_context(|| format!("report `{}/{}` ({key}.chart)", tab.id, report.id))?;
                }
                for (name, value) in &report.params {
                    crate::report::param_literal(value).map_err(|e| {
                        anyhow::anyhow!("report `{}/{}`: key `{key}.params.{name}`: {e}", tab.id, report.id)
                    })?;
                    if !is_table_name(name) {
                        bail!(
                            "report `{}/{}`: key `{key}.params.{name}`: a param name is letters, digits and `_`, not starting with a digit",
                            tab.id,
                            report.id
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks the paths the config names, relative to `root`.
    pub fn check_paths(&self, root: &Path) -> Result<()> {
        if let Some(file) = &self.prelude {
            if !root.join(file).is_file() {
                bail!("key `prelude`: SQL file `{}` not found", root.join(file).display());
            }
        }
        for (name, table) in &self.tables {
            if let Some(file) = &table.sql_file {
                let path = root.join(file);
                if !path.is_file() {
                    bail!(
                        "table `{name}`: SQL file `{}` not found (key `tables.{name}.sql_file`)",
                        path.display()
                    );
                }
            }
        }
        for tab in &self.tabs {
            for report in &tab.reports {
                if let Some(file) = &report.sql_file {
                    let path = root.join(file);
                    if !path.is_file() {
                        bail!("report `{}/{}`: SQL file `{}` not found", tab.id, report.id, path.display());
                    }
                }
            }
        }
        Ok(())
    }

    /// Iterates over every (tab, report) pair in order.
    pub fn reports(&self) -> impl Iterator<Item = (&TabConfig, &ReportConfig)> {
        self.tabs.iter().flat_map(|tab| tab.reports.iter().map(move |report| (tab, report)))
    }

    /// Every report param's name: the DuckDB variables a report may set.
    pub fn param_names(&self) -> std::collections::BTreeSet<&str> {
        self.reports().flat_map(|(_, report)| report.params.keys().map(String::as_str)).collect()
    }

    /// The prelude's text (empty without one) and its name for messages.
    pub fn load_prelude(&self, root: &Path) -> Result<(String, String)> {
        match &self.prelude {
            None => Ok((String::new(), "prelude".into())),
            Some(file) => {
                let path = root.join(file);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("failed to read the prelude `{}` (key `prelude`)", path.display())
                })?;
                Ok((text, file.display().to_string()))
            }
        }
    }
}

/// The tabs and the prelude of the config at `from` (relative to `root`),
/// with their `sql_file` and prelude paths rebased from that file's folder
/// onto `root`.
fn tabs_from(root: &Path, from: &Path) -> Result<(Vec<TabConfig>, Option<PathBuf>)> {
    let path = root.join(from);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("key `tabs_from`: failed to read `{}`", path.display()))?;
    let base = Config::parse(&text, &path.display().to_string())?;
    if base.tabs_from.is_some() {
        bail!(
            "key `tabs_from`: `{}` takes its tabs from another file itself; point `tabs_from` at that file",
            path.display()
        );
    }
    let base_dir = from.parent().unwrap_or(Path::new(""));
    let mut tabs = base.tabs;
    for report in tabs.iter_mut().flat_map(|tab| tab.reports.iter_mut()) {
        if let Some(file) = &mut report.sql_file {
            *file = base_dir.join(&*file);
        }
    }
    Ok((tabs, base.prelude.map(|p| base_dir.join(p))))
}

impl ChartConfig {
    /// A chart of `kind` over `x` and the value columns `y`, with the same
    /// defaults as an entry in `site.toml` that names only those keys.
    pub fn new(kind: ChartKind, x: &str, y: &[&str]) -> ChartConfig {
        ChartConfig {
            kind,
            x: x.into(),
            y: y.iter().map(|s| s.to_string()).collect(),
            series: None,
            title: None,
            subtitle: None,
            number_format: default_number_format(),
            date_format: None,
            width: default_chart_width(),
            height: default_chart_height(),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.x.is_empty() {
            bail!("key `x` must name a column");
        }
        if self.series.is_some() && self.y.len() != 1 {
            bail!("with `series`, key `y` must name exactly one value column");
        }
        if self.y.is_empty() {
            bail!("key `y` must name at least one value column");
        }
        if matches!(self.kind, ChartKind::Pie | ChartKind::Donut)
            && (self.y.len() != 1 || self.series.is_some())
        {
            bail!("a pie takes one `y` column and no `series`");
        }
        match self.number_format.as_str() {
            "integer" | "decimal" | "percent" | "compact" => {}
            other => {
                bail!("key `number_format`: unknown format `{other}` (integer, decimal, percent, compact)")
            }
        }
        if let Some(f) = &self.date_format {
            if !matches!(f.as_str(), "month" | "day" | "year") {
                bail!("key `date_format`: unknown format `{f}` (month, day, year)");
            }
        }
        if !(100..=4000).contains(&self.width) || !(100..=4000).contains(&self.height) {
            bail!("keys `width` and `height` must be between 100 and 4000 pixels");
        }
        Ok(())
    }
}

impl ReportConfig {
    /// The report's SQL text, read from `sql_file` when set.
    pub fn load_sql(&self, root: &Path) -> Result<String> {
        match (&self.sql, &self.sql_file) {
            (Some(sql), _) => Ok(sql.clone()),
            (None, Some(file)) => {
                let path = root.join(file);
                std::fs::read_to_string(&path)
                    .with_context(|| format!("failed to read SQL file `{}`", path.display()))
            }
            (None, None) => bail!("report `{}` has no SQL", self.id),
        }
    }

    /// The column a `flow` compares its as-of month with.
    pub fn compare_column(&self) -> &str {
        self.compare_column.as_deref().unwrap_or("previous_to_date")
    }

    /// The card width, defaulting by display kind.
    pub fn width(&self) -> Width {
        self.width.unwrap_or(match self.display {
            Display::Table => Width::Full,
            Display::Chart => Width::Half,
            Display::Number => Width::Third,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
title = "Usage"
as_of = "2026-11-25"

[tables.logins]
time_column = "logged_in_at"
columns = { user_id = "VARCHAR" }

[[tabs]]
id = "users-activity"
title = "Users activity"

[[tabs.reports]]
id = "logins"
title = "Logins"
sql = "SELECT 1 AS n"
display = "chart"
chart = { kind = "line", x = "month", y = ["n"] }
"#;

    fn parse_err(text: &str) -> String {
        format!("{:#}", Config::parse(text, "site.toml").unwrap_err())
    }

    #[test]
    fn parses_a_minimal_site_with_defaults() {
        let config = Config::parse(MINIMAL, "site.toml").unwrap();
        assert_eq!(config.title, "Usage");
        assert_eq!(config.data_dir, PathBuf::from("sample-data"));
        assert_eq!(config.output_dir, PathBuf::from("public"));
        assert_eq!(config.as_of, Some("2026-11-25".parse().unwrap()));
        assert_eq!(config.page_rows, 50);
        assert_eq!(config.pdf.paper, "a4");
        assert_eq!(config.tables["logins"].time_column.as_deref(), Some("logged_in_at"));
        let report = &config.tabs[0].reports[0];
        assert_eq!(report.display, Display::Chart);
        assert_eq!(report.width(), Width::Half);
        let chart = report.chart.as_ref().unwrap();
        assert_eq!((chart.kind, chart.width, chart.height), (ChartKind::Line, 640, 320));
    }

    #[test]
    fn theme_mode_is_system_unless_set_and_only_three_words() {
        assert_eq!(Config::parse(MINIMAL, "site.toml").unwrap().theme_mode, ThemeMode::System);
        let dark = Config::parse(&format!("theme_mode = \"dark\"\n{MINIMAL}"), "site.toml").unwrap();
        assert_eq!(dark.theme_mode.as_str(), "dark");
        let err = parse_err(&format!("theme_mode = \"night\"\n{MINIMAL}"));
        assert!(err.contains("theme_mode") && err.contains("unknown variant `night`"), "{err}");
    }

    #[test]
    fn accepts_a_native_toml_date() {
        let config = Config::parse(&MINIMAL.replace("\"2026-11-25\"", "2026-11-25"), "site.toml").unwrap();
        assert_eq!(config.as_of.unwrap().to_string(), "2026-11-25");
    }

    #[test]
    fn unknown_keys_are_named_with_their_path() {
        let err =
            parse_err(&MINIMAL.replace("sql = \"SELECT 1 AS n\"", "sql = \"SELECT 1\"\ncolour = \"red\""));
        assert!(err.contains("tabs[0].reports[0]"), "{err}");
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err = parse_err(&format!("titel = \"x\"\n{MINIMAL}"));
        assert!(err.contains("unknown field `titel`"), "{err}");
    }

    #[test]
    fn mistyped_values_are_named() {
        let err = parse_err(&MINIMAL.replace("as_of = \"2026-11-25\"", "as_of = \"25/11/2026\""));
        assert!(err.contains("as_of") && err.contains("YYYY-MM-DD"), "{err}");
        let err = parse_err(&MINIMAL.replace("kind = \"line\"", "kind = \"radar\""));
        assert!(err.contains("tabs[0].reports[0].chart") && err.contains("radar"), "{err}");
    }

    #[test]
    fn ids_must_be_unique_slugs() {
        let err = parse_err(&MINIMAL.replace("id = \"logins\"", "id = \"Logins!\""));
        assert!(err.contains("`Logins!`") && err.contains("slug"), "{err}");
        let twice = MINIMAL.to_string()
            + "\n[[tabs.reports]]\nid = \"logins\"\ntitle = \"Again\"\nsql = \"SELECT 2\"\n";
        let err = parse_err(&twice);
        assert!(err.contains("duplicate report id `logins`"), "{err}");
        let err = parse_err(&MINIMAL.replace("id = \"users-activity\"", "id = \"assets\""));
        assert!(err.contains("reserved"), "{err}");
    }

    #[test]
    fn a_report_needs_exactly_one_query() {
        let err = parse_err(
            &MINIMAL.replace("sql = \"SELECT 1 AS n\"", "sql = \"SELECT 1\"\nsql_file = \"q.sql\""),
        );
        assert!(err.contains("not both"), "{err}");
        let err = parse_err(&MINIMAL.replace("sql = \"SELECT 1 AS n\"", ""));
        assert!(err.contains("needs `sql` or `sql_file`"), "{err}");
    }

    #[test]
    fn charts_are_validated() {
        let err = parse_err(&MINIMAL.replace("y = [\"n\"]", "y = []"));
        assert!(err.contains("at least one value column"), "{err}");
        let err = parse_err(
            &MINIMAL
                .replace("kind = \"line\"", "kind = \"pie\"")
                .replace("y = [\"n\"]", "y = [\"a\", \"b\"]"),
        );
        assert!(err.contains("a pie takes one"), "{err}");
        let err = parse_err(
            &MINIMAL
                .replace(", x = \"month\"", ", x = \"month\", series = \"org\", y = [\"a\", \"b\"]")
                .replace(", y = [\"n\"]", ""),
        );
        assert!(err.contains("exactly one value column"), "{err}");
    }

    #[test]
    fn tabs_from_takes_another_sites_tabs_with_their_sql_files() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("site.toml", &MINIMAL.replace("sql = \"SELECT 1 AS n\"", "sql_file = \"queries/logins.sql\""));
        write("queries/logins.sql", "SELECT 1 AS n");
        let child = "title = \"Child\"\ntabs_from = \"../../site.toml\"\n";
        write("examples/child/site.toml", child);
        let (config, root) = Config::from_file(&dir.path().join("examples/child/site.toml")).unwrap();
        assert_eq!(config.title, "Child");
        let report = &config.tabs[0].reports[0];
        assert_eq!(report.sql_file.as_deref(), Some(Path::new("../../queries/logins.sql")));
        assert_eq!(report.load_sql(&root).unwrap(), "SELECT 1 AS n");
        // Not both, and not a chain.
        write("examples/child/site.toml", &format!("{child}[[tabs]]\nid = \"a\"\ntitle = \"A\"\n"));
        let err =
            format!("{:#}", Config::from_file(&dir.path().join("examples/child/site.toml")).unwrap_err());
        assert!(err.contains("set `tabs_from` or `[[tabs]]`, not both"), "{err}");
        write("examples/grandchild/site.toml", "title = \"G\"\ntabs_from = \"../child/site.toml\"\n");
        write("examples/child/site.toml", child);
        let err = format!(
            "{:#}",
            Config::from_file(&dir.path().join("examples/grandchild/site.toml")).unwrap_err()
        );
        assert!(err.contains("takes its tabs from another file itself"), "{err}");
    }

    #[test]
    fn table_sections_are_checked() {
        let with = |table: &str| parse_err(&format!("{MINIMAL}\n[tables.t]\n{table}\n"));
        let err = with("columns = { a = \"VARCHAR\" }\noptional_columns = { a = \"VARCHAR\" }");
        assert!(err.contains("a column is required or optional, not both"), "{err}");
        let err = with("time_column = \"at\"\noptional_columns = { at = \"TIMESTAMP\" }");
        assert!(err.contains("the time column must be in every row"), "{err}");
        let err = with("required = false");
        assert!(err.contains("an optional table needs its columns declared"), "{err}");
        let err = with("sql = \"SELECT 1\"\nsql_file = \"t.sql\"");
        assert!(err.contains("set `sql` or `sql_file`, not both"), "{err}");
        let err = with("optional_columns = { a = \"VARCHAR; DROP\" }");
        assert!(err.contains("key `tables.t.optional_columns.a`"), "{err}");
        let err = with("values = { role = [\"admin\"] }");
        assert!(err.contains("key `tables.t.values.role`: column `role` is not declared"), "{err}");
        let err = with("columns = { n = \"BIGINT\" }\nvalues = { n = [\"1\"] }");
        assert!(err.contains("column `n` is declared BIGINT; values are for VARCHAR columns"), "{err}");
        for list in ["[]", "[\" admin\"]", "[\"\"]"] {
            let err = with(&format!("columns = {{ role = \"VARCHAR\" }}\nvalues = {{ role = {list} }}"));
            assert!(err.contains("key `tables.t.values.role`: list the values"), "{list}: {err}");
        }
        let err = with("columns = { role = \"VARCHAR\" }\nvalues = { role = [\"Admin\", \"admin\"] }");
        assert!(err.contains("two values differ only in case"), "{err}");
    }

    #[test]
    fn slugs_and_table_names() {
        for good in ["a", "users-activity", "ai-mcp", "x1"] {
            assert!(is_slug(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a/b", "..", "a_b"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert!(
            is_table_name("page_visits")
                && is_table_name("_x")
                && !is_table_name("1x")
                && !is_table_name("a-b")
        );
    }
}
