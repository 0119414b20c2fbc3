//! The data: discovering the export files and loading each table into one
//! in-process DuckDB, with timestamps normalised to UTC `TIMESTAMP` and rows
//! after the as-of date dropped. Tables are exports (a file or a folder of
//! files) or derived by a query over the exports (`[tables.x] sql`); both
//! are checked against the columns their `[tables.x]` section declares.

mod csv_check;
mod derived;
mod discover;
pub mod history;
mod shape;

pub use discover::{accepted_extensions, discover, Discovery, Format, SkipReason, Skipped, Source};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use duckdb::Connection;

use crate::config::{Config, TableConfig};
use crate::date::Date;
use history::Span;
use shape::Origin;

/// The DuckDB database holding every loaded table.
pub struct Database {
    /// The connection reports run on.
    pub conn: Connection,
    /// The tables loaded, in name order.
    pub tables: Vec<LoadedTable>,
    /// What the user should know but that does not stop the build (files
    /// skipped, optional exports missing, a suspect as-of date), in the
    /// order found; the caller prints them.
    pub warnings: Vec<String>,
    /// Each table's first and last date, measured when loaded.
    pub spans: Vec<Span>,
    /// The memory limit it runs under, for error messages.
    memory_limit: String,
    /// The config's folder, where a derived table's `sql_file` is.
    root: PathBuf,
    /// Derived tables, in build order, with the SELECT that builds each:
    /// views until `cut_at` builds them over the cut exports.
    derived: Vec<(String, String)>,
}

/// A table after loading.
#[derive(Debug, Clone)]
pub struct LoadedTable {
    /// The table name.
    pub name: String,
    /// Where it came from (the file, the folder of files, or
    /// `tables.<name>.sql` for a derived table).
    pub origin: String,
    /// Rows loaded (before the as-of cut; for a derived table, after it).
    pub rows: u64,
    /// Its column names and DuckDB types.
    pub columns: Vec<(String, String)>,
}

/// Quotes an SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes an SQL string literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Database {
    /// Opens an in-memory DuckDB configured from `config.duckdb`: no
    /// extension auto-install or auto-load (no network, ever), a memory
    /// limit and a spill folder. `root` is the config's folder.
    pub fn open(config: &Config, root: &Path) -> Result<Database> {
        let conn = Connection::open_in_memory().context("failed to open DuckDB")?;
        let mut settings = vec![
            "SET autoinstall_known_extensions = false".to_string(),
            "SET autoload_known_extensions = false".to_string(),
            "SET enable_progress_bar = false".to_string(),
            format!("SET memory_limit = {}", literal(&config.duckdb.memory_limit)),
        ];
        let spill = match &config.duckdb.temp_directory {
            Some(dir) => root.join(dir),
            None => config.cache_dir(root).join("duckdb"),
        };
        settings.push(format!("SET temp_directory = {}", literal(&spill.to_string_lossy())));
        if config.duckdb.threads > 0 {
            settings.push(format!("SET threads = {}", config.duckdb.threads));
        }
        for setting in settings {
            conn.execute_batch(&setting)
                .map_err(|e| anyhow!("invalid DuckDB setting (key `duckdb`): `{setting}`: {e}"))?;
        }
        Ok(Database {
            conn,
            tables: Vec::new(),
            warnings: Vec::new(),
            spans: Vec::new(),
            memory_limit: config.duckdb.memory_limit.clone(),
            root: root.to_path_buf(),
            derived: Vec::new(),
        })
    }

    /// DuckDB's error message for the user. Out of memory, DuckDB advises
    /// SQL `SET` commands; tally's user changes `site.toml` instead.
    pub fn explain(&self, message: &str) -> String {
        explain(message, &self.memory_limit)
    }

    /// DuckDB's worker thread count.
    pub fn threads(&self) -> std::result::Result<i64, duckdb::Error> {
        self.conn.query_row("SELECT current_setting('threads')::BIGINT", [], |r| r.get(0))
    }

    /// Loads every export of `data_dir`, then the optional tables whose
    /// export is missing (empty), then the derived tables (as views until
    /// `cut_at`), checking each against its `[tables.x]` section.
    pub fn load(&mut self, config: &Config, data_dir: &Path) -> Result<()> {
        let found = discover(data_dir)?;
        self.warnings.extend(found.skipped.iter().map(ToString::to_string));
        let has = |name: &str| found.sources.iter().any(|s| s.table == name);
        for (name, table) in config.tables.iter().filter(|(_, t)| t.is_derived()) {
            if let Some(source) = found.sources.iter().find(|s| &s.table == name) {
                let key = if table.sql.is_some() { "sql" } else { "sql_file" };
                bail!(
                    "table `{name}` is defined twice: by key `tables.{name}.{key}` and by `{}` in the data dir; remove one",
                    source_origin(source)
                );
            }
        }
        let missing: Vec<&String> = (config.tables.iter())
            .filter(|(name, t)| t.required && !t.is_derived() && !has(name.as_str()))
            .map(|(name, _)| name)
            .collect();
        if let Some(name) = missing.first() {
            if found.sources.is_empty() {
                bail!(empty_data_dir(config, data_dir));
            }
            bail!(not_found(name, data_dir, &found));
        }

        let default = TableConfig::default();
        for source in &found.sources {
            let table_config = config.tables.get(&source.table).unwrap_or(&default);
            let loaded = self.load_source(source, table_config)?;
            self.warn_unknown_values(&loaded, table_config)?;
            self.tables.push(loaded);
        }
        for (name, table) in config.tables.iter().filter(|(name, t)| !t.required && !has(name.as_str())) {
            self.conn.execute_batch(&shape::empty_table(name, table)).map_err(|e| {
                anyhow!(
                    "failed to create the empty table `{name}` (key `tables.{name}`): {}",
                    self.explain(&e.to_string())
                )
            })?;
            self.warnings.push(format!(
                "table `{name}` not found in data dir `{}`: loaded as an empty table, as it is optional (key `tables.{name}.required = false`)",
                data_dir.display()
            ));
            let columns = self
                .describe(&format!("SELECT * FROM {}", ident(name)))
                .map_err(|e| anyhow!("failed to describe table `{name}`: {e}"))?;
            self.tables.push(LoadedTable {
                name: name.clone(),
                origin: format!("tables.{name}"),
                rows: 0,
                columns,
            });
        }

        let mut queries = BTreeMap::new();
        for (name, table) in config.tables.iter() {
            if let Some(sql) = table.load_sql(name, &self.root)? {
                queries.insert(name.clone(), sql);
            }
        }
        for name in derived::load_order(&self.conn, &queries)? {
            let loaded = self.load_derived(&name, &queries[&name], &config.tables[&name])?;
            self.tables.push(loaded);
        }
        self.tables.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<String> = self.tables.iter().map(|t| t.name.clone()).collect();
        self.spans = history::measure(&self.conn, config, &names)?;
        Ok(())
    }

    /// Checks the derived table's query and creates it as a view; `cut_at`
    /// replaces the view with a table once the exports it reads are cut.
    fn load_derived(&mut self, name: &str, sql: &str, table: &TableConfig) -> Result<LoadedTable> {
        let key = if table.sql.is_some() { "sql" } else { "sql_file" };
        let what = format!("(derived by key `tables.{name}.{key}`)");
        let origin = Origin { table: name, what: &what };
        let from = format!("({}) AS {}", sql.trim().trim_end_matches(';'), ident(&format!("{name}_query")));
        let fail = |e: duckdb::Error| {
            anyhow!("failed to load table `{name}` {what}: {}", self.explain(&e.to_string()))
        };
        let described = self.describe(&format!("SELECT * FROM {from}")).map_err(&fail)?;
        let select = shape::shaped_select(&origin, table, &described, &from, false, &|_| String::new())?;
        self.conn.execute_batch(&format!("CREATE VIEW {} AS {select}", ident(name))).map_err(&fail)?;
        let columns = self.describe(&format!("SELECT * FROM {}", ident(name))).map_err(&fail)?;
        check_time_type(name, table, &columns)?;
        self.derived.push((name.to_string(), select));
        Ok(LoadedTable { name: name.to_string(), origin: format!("tables.{name}.{key}"), rows: 0, columns })
    }

    fn load_source(&self, source: &Source, table: &TableConfig) -> Result<LoadedTable> {
        let origin = source_origin(source);
        for file in &source.files {
            let meta =
                std::fs::metadata(file).with_context(|| format!("failed to read `{}`", file.display()))?;
            if meta.len() == 0 {
                bail!(
                    "`{}` is empty (table `{}`): an export needs at least a header row",
                    file.display(),
                    source.table
                );
            }
        }
        let files = format!(
            "[{}]",
            source.files.iter().map(|f| literal(&f.to_string_lossy())).collect::<Vec<_>>().join(", ")
        );
        let is_csv = source.format.family() == "csv";
        let what = format!("from `{origin}`");
        let shape_origin = Origin { table: &source.table, what: &what };
        let hint = |names: &[String]| separator_hint(source.format, names);
        let csv_reader = |types: Option<String>| {
            let mut options = vec![
                "header = true".to_string(),
                "union_by_name = true".to_string(),
                "strict_mode = true".to_string(),
            ];
            // A fixed dialect: sniffing it lets a ragged row or a stray
            // quote change how the whole file is read instead of failing.
            options.push(if source.format == Format::Tsv { "delim = '\\t'" } else { "delim = ','" }.into());
            options.push("quote = '\"'".into());
            options.push("escape = '\"'".into());
            options.extend(types);
            format!("read_csv({files}, {})", options.join(", "))
        };
        // The declared types a CSV's reader applies (so `007` stays text):
        // only for columns its header has, since a type for a missing
        // optional column would be DuckDB's error.
        let mut typed = BTreeMap::new();
        // `table`, with the columns a CSV reader found stamps in declared.
        let mut declared = table.clone();
        // The CSV header, read by us (when not compressed).
        let header = if is_csv { csv_check::all_headers(source) } else { None };
        let reader = match source.format {
            Format::Csv | Format::Tsv => {
                // What DuckDB's sniffer finds: the header of a compressed
                // file, and the columns it reads stamps in, unless the
                // config declares every column.
                let all_declared =
                    header.as_ref().is_some_and(|h| h.iter().all(|n| table.declared_type(n).is_some()));
                let sniffed = if all_declared {
                    Ok(Vec::new())
                } else {
                    self.describe(&format!("SELECT * FROM {}", csv_reader(None)))
                };
                let names = match header.clone() {
                    Some(names) => names,
                    None => match &sniffed {
                        Ok(columns) => columns.iter().map(|(n, _)| n.clone()).collect(),
                        Err(e) => bail!(
                            "failed to load table `{}` from `{origin}`: {}",
                            source.table,
                            self.explain(&e.to_string())
                        ),
                    },
                };
                // DuckDB's own message for a missing column names neither
                // the key nor the columns.
                shape::check_required(&shape_origin, table, &names, &hint)?;
                typed = shape::declared_among(table, &names);
                // The CSV reader drops a stamp's UTC offset (`+02:00`), so
                // the columns it finds stamps in are read as text too and
                // cast like declared ones (`shape::csv_types`). A file it
                // cannot sniff fails below, naming the line.
                for (name, ty) in sniffed.unwrap_or_default() {
                    if ty.starts_with("TIMESTAMP") && !typed.contains_key(&name) {
                        typed.insert(name.clone(), "TIMESTAMP".into());
                        declared.optional_columns.insert(name, "TIMESTAMP".into());
                    }
                }
                csv_reader(shape::csv_types(&typed))
            }
            Format::Json => format!("read_json({files}, format = 'array', union_by_name = true)"),
            Format::JsonLines => {
                format!("read_json({files}, format = 'newline_delimited', union_by_name = true)")
            }
            Format::Parquet => format!("read_parquet({files}, union_by_name = true)"),
        };
        let fail = |e: duckdb::Error| -> anyhow::Error {
            let message = e.to_string();
            if is_csv {
                // DuckDB's CSV errors do not always name the file and line;
                // find the first bad row ourselves.
                if let Some(located) = csv_check::locate_error(source, &typed) {
                    return anyhow!("failed to load table `{}`: {located}", source.table);
                }
            }
            anyhow!("failed to load table `{}` from `{origin}`: {}", source.table, self.explain(&message))
        };

        // Read the column types first, so timestamps with a time zone can be
        // normalised to UTC `TIMESTAMP` and declared types applied to
        // formats without a `types` option.
        let described = self.describe(&format!("SELECT * FROM {reader}")).map_err(&fail)?;
        // DuckDB may read a ragged file with more columns than its header
        // instead of failing; the header is the contract.
        if let Some(header) = header.as_ref().filter(|h| h.len() != described.len()) {
            let located = csv_check::locate_error(source, &typed).unwrap_or_else(|| {
                format!("`{origin}`: the rows do not match the header ({})", header.join(", "))
            });
            bail!("failed to load table `{}`: {located}", source.table);
        }
        let select = shape::shaped_select(&shape_origin, &declared, &described, &reader, is_csv, &hint)?;
        self.conn
            .execute_batch(&format!("CREATE TABLE {} AS {select}", ident(&source.table)))
            .map_err(&fail)?;
        let rows = self.count(&source.table)?;
        let columns = self
            .describe(&format!("SELECT * FROM {}", ident(&source.table)))
            .map_err(|e| anyhow!("failed to describe table `{}`: {e}", source.table))?;
        check_time_type(&source.table, table, &columns)?;
        Ok(LoadedTable { name: source.table.clone(), origin, rows, columns })
    }

    /// Warns about values of a `tables.<name>.values` column that are none
    /// of the listed ones: the reports that pick rows by them miss those.
    fn warn_unknown_values(&mut self, table: &LoadedTable, config: &TableConfig) -> Result<()> {
        for (column, values) in &config.values {
            if !table.columns.iter().any(|(name, _)| name == column) {
                continue;
            }
            let sql = shape::unknown_values(&table.name, column, values);
            let found = (self.conn.prepare(&sql))
                .and_then(|mut stmt| {
                    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                        .collect::<std::result::Result<Vec<_>, _>>()
                })
                .map_err(|e| anyhow!("failed to check the values of `{}.{column}`: {e}", table.name))?;
            if found.is_empty() {
                continue;
            }
            let rows: i64 = found.iter().map(|(_, n)| n).sum();
            const SHOWN: usize = 5;
            let mut listed: Vec<String> = found
                .iter()
                .take(SHOWN)
                .map(|(value, n)| format!("{value:?} ({n} row{})", if *n == 1 { "" } else { "s" }))
                .collect();
            if found.len() > SHOWN {
                listed.push(format!("and {} more", found.len() - SHOWN));
            }
            self.warnings.push(format!(
                "table `{}` from `{}`: {rows} row{} with a `{column}` that is none of {} (key `tables.{}.values.{column}`): {}; reports that pick rows by `{column}` leave them out",
                table.name,
                table.origin,
                if rows == 1 { "" } else { "s" },
                values.join(", "),
                table.name,
                listed.join(", ")
            ));
        }
        Ok(())
    }

    fn count(&self, table: &str) -> Result<u64> {
        self.conn
            .query_row(&format!("SELECT count(*) FROM {}", ident(table)), [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| anyhow!("failed to count table `{table}`: {}", self.explain(&e.to_string())))
    }

    fn describe(&self, select: &str) -> std::result::Result<Vec<(String, String)>, duckdb::Error> {
        let mut stmt = self.conn.prepare(&format!("DESCRIBE {select}"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect()
    }

    /// The earliest and latest dates over the tables' time columns.
    pub fn data_window(&self, _config: &Config) -> Result<Option<(Date, Date)>> {
        let first = self.spans.iter().map(|s| s.first).min();
        let last = self.spans.iter().map(|s| s.last).max();
        Ok(first.zip(last))
    }

    /// Warns (in `warnings`) when the latest date in the data, the default
    /// as-of date, comes from one export far ahead of the others. Call it
    /// when the as-of date is not given.
    pub fn check_default_as_of(&mut self) -> Result<()> {
        if let Some(warning) = history::as_of_outlier(&self.conn, &self.spans)? {
            self.warnings.push(warning);
        }
        Ok(())
    }

    /// Fills in the history notes of `config` from the tables' first dates
    /// (see [`history::resolve_notes`]).
    pub fn resolve_notes(&self, config: &mut Config) -> Result<()> {
        let names: Vec<String> = self.tables.iter().map(|t| t.name.clone()).collect();
        history::resolve_notes(config, &self.spans, &names)
    }

    /// Deletes the rows stamped after the as-of date from every export with
    /// a time column, then builds the derived tables over what is left (and
    /// cuts them too, as a query may stamp rows from other columns).
    pub fn cut_at(&mut self, config: &Config, as_of: Date) -> Result<()> {
        let cut = |name: &str| -> Result<()> {
            if let Some(column) = config.tables.get(name).and_then(|t| t.time_column.as_ref()) {
                let sql = format!(
                    "DELETE FROM {} WHERE {} >= (DATE '{as_of}' + INTERVAL 1 DAY)",
                    ident(name),
                    ident(column)
                );
                self.conn
                    .execute_batch(&sql)
                    .map_err(|e| anyhow!("failed to drop rows after {as_of} from table `{name}`: {e}"))?;
            }
            Ok(())
        };
        for table in &self.tables {
            if !self.derived.iter().any(|(name, _)| name == &table.name) {
                cut(&table.name)?;
            }
        }
        let derived = std::mem::take(&mut self.derived);
        for (name, select) in &derived {
            self.conn
                .execute_batch(&format!("DROP VIEW {n}; CREATE TABLE {n} AS {select}", n = ident(name)))
                .map_err(|e| {
                    anyhow!(
                        "failed to build derived table `{name}` (key `tables.{name}`): {}",
                        self.explain(&e.to_string())
                    )
                })?;
            cut(name)?;
            let rows = self.count(name)?;
            if let Some(table) = self.tables.iter_mut().find(|t| &t.name == name) {
                table.rows = rows;
            }
        }
        // Their values are checked here, on the built tables: at load they
        // are views, and the check would run their queries again.
        for (name, _) in &derived {
            if let Some(table) = self.tables.iter().find(|t| &t.name == name).cloned() {
                self.warn_unknown_values(&table, &config.tables[name])?;
            }
        }
        Ok(())
    }
}

/// DuckDB's error message for the user, under `memory_limit`: out of
/// memory, DuckDB advises SQL `SET` commands; tally's user changes
/// `site.toml` instead.
pub fn explain(message: &str, memory_limit: &str) -> String {
    if message.contains("Out of Memory Error") {
        let first = message.lines().next().unwrap_or(message);
        format!(
            "{first}\n  hint: raise `duckdb.memory_limit` in site.toml (now {memory_limit}) or lower `duckdb.threads`"
        )
    } else {
        first_lines(message, 6)
    }
}

/// The file, or the folder of files, a table is read from.
fn source_origin(source: &Source) -> String {
    if source.folder {
        source.files[0].parent().map(|p| p.display().to_string()).unwrap_or_default()
    } else {
        source.files[0].display().to_string()
    }
}

/// The time column must hold timestamps or dates.
fn check_time_type(table: &str, config: &TableConfig, columns: &[(String, String)]) -> Result<()> {
    let Some(time_column) = &config.time_column else { return Ok(()) };
    match columns.iter().find(|(n, _)| n == time_column) {
        Some((_, ty)) if shape::is_time_type(ty) => Ok(()),
        Some((_, ty)) => bail!(
            "table `{table}`: time column `{time_column}` (key `tables.{table}.time_column`) is {ty}, not a timestamp or date"
        ),
        // `shape::check_required` has already named a missing one.
        None => Ok(()),
    }
}

/// The message for a data dir without a single export.
fn empty_data_dir(config: &Config, data_dir: &Path) -> String {
    let expected: Vec<String> = (config.tables.iter())
        .filter(|(_, t)| t.required && !t.is_derived())
        .map(|(name, _)| format!("`{name}`"))
        .collect();
    format!(
        "data dir `{dir}` holds no exports. Put one file (or folder of files) per table there, named after the table; \
         this site needs {tables}. tally reads {exts}; the columns each table needs are in site.toml's `[tables]` \
         and in the README (\"Bring your own data\"). To try the site first, write synthetic exports with \
         `tally sample --out {dir}`",
        dir = data_dir.display(),
        tables = expected.join(", "),
        exts = accepted_extensions(),
    )
}

/// The message for a required export that is not in the data dir, with
/// the files that look like tries at it.
fn not_found(table: &str, data_dir: &Path, found: &Discovery) -> String {
    let mut message = format!(
        "table `{table}` (key `tables.{table}`) not found in data dir `{}`: expected a file `{table}.csv` or a folder `{table}/` of files; tally reads {}",
        data_dir.display(),
        accepted_extensions()
    );
    for near in found.near_misses(table) {
        message.push_str(&format!("\n  {near}"));
    }
    message.push_str(&format!(
        "\n  if the site can do without it, declare its columns and set `required = false` in `[tables.{table}]`"
    ));
    message
}

/// A CSV whose header came out as one column named `a;b;c` was saved with
/// another separator (spreadsheets in many locales use `;`): say so.
fn separator_hint(format: Format, names: &[String]) -> String {
    let [only] = names else { return String::new() };
    let expected = if format == Format::Tsv { '\t' } else { ',' };
    match [';', '|', '\t', ','].into_iter().find(|&c| c != expected && only.contains(c)) {
        Some(c) if format.family() == "csv" => format!(
            "; the header looks separated by `{}`: save the export separated by `{}`",
            c.escape_default(),
            expected.escape_default()
        ),
        _ => String::new(),
    }
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}
