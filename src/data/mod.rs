//! The data: discovering the export files and loading each table into one
//! in-process DuckDB, with timestamps normalised to UTC `TIMESTAMP` and rows
//! after the as-of date dropped.

mod csv_check;
mod discover;

pub use discover::{discover, Format, Source};

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use duckdb::Connection;

use crate::config::{Config, TableConfig, CACHE_DIR};
use crate::date::Date;

/// The DuckDB database holding every loaded table.
pub struct Database {
    /// The connection reports run on.
    pub conn: Connection,
    /// The tables loaded, in name order.
    pub tables: Vec<LoadedTable>,
    /// The memory limit it runs under, for error messages.
    memory_limit: String,
}

/// A table after loading.
#[derive(Debug, Clone)]
pub struct LoadedTable {
    /// The table name.
    pub name: String,
    /// Where it came from (the file, or the folder of files).
    pub origin: String,
    /// Rows loaded (before the as-of cut).
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
    /// limit and a spill folder.
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
            None => root.join(CACHE_DIR).join("duckdb"),
        };
        settings.push(format!("SET temp_directory = {}", literal(&spill.to_string_lossy())));
        if config.duckdb.threads > 0 {
            settings.push(format!("SET threads = {}", config.duckdb.threads));
        }
        for setting in settings {
            conn.execute_batch(&setting)
                .map_err(|e| anyhow!("invalid DuckDB setting (key `duckdb`): `{setting}`: {e}"))?;
        }
        Ok(Database { conn, tables: Vec::new(), memory_limit: config.duckdb.memory_limit.clone() })
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

    /// Loads every source, checking that the tables the config requires are there.
    pub fn load(&mut self, config: &Config, data_dir: &Path) -> Result<()> {
        let sources = discover(data_dir)?;
        for (name, table) in &config.tables {
            if table.required && !sources.iter().any(|s| &s.table == name) {
                bail!(
                    "table `{name}` (key `tables.{name}`) not found in data dir `{}`: expected `{name}.csv`, `{name}.json`, `{name}.jsonl`, `{name}.parquet` or a folder `{name}/`",
                    data_dir.display()
                );
            }
        }
        let default = TableConfig::default();
        for source in &sources {
            let table_config = config.tables.get(&source.table).unwrap_or(&default);
            let loaded = self.load_source(source, table_config)?;
            self.tables.push(loaded);
        }
        Ok(())
    }

    fn load_source(&self, source: &Source, table: &TableConfig) -> Result<LoadedTable> {
        let origin = if source.files.len() == 1 {
            source.files[0].display().to_string()
        } else {
            source.files[0].parent().map(|p| p.display().to_string()).unwrap_or_default()
        };
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
        let pinned = &table.columns;
        let reader = match source.format {
            Format::Csv | Format::Tsv => {
                let mut options = vec![
                    "header = true".to_string(),
                    "union_by_name = true".to_string(),
                    "strict_mode = true".to_string(),
                ];
                // A fixed dialect: sniffing it lets a ragged row or a stray
                // quote change how the whole file is read instead of failing.
                options
                    .push(if source.format == Format::Tsv { "delim = '\\t'" } else { "delim = ','" }.into());
                options.push("quote = '\"'".into());
                options.push("escape = '\"'".into());
                if !pinned.is_empty() {
                    let types = pinned
                        .iter()
                        .map(|(c, t)| format!("{}: {}", literal(c), literal(t)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    options.push(format!("types = {{{types}}}"));
                }
                format!("read_csv({files}, {})", options.join(", "))
            }
            Format::Json => format!("read_json({files}, format = 'array', union_by_name = true)"),
            Format::JsonLines => {
                format!("read_json({files}, format = 'newline_delimited', union_by_name = true)")
            }
            Format::Parquet => format!("read_parquet({files}, union_by_name = true)"),
        };
        let fail = |e: duckdb::Error| -> anyhow::Error {
            let message = e.to_string();
            if matches!(source.format, Format::Csv | Format::Tsv) {
                // DuckDB's CSV errors do not always name the file and line;
                // find the first bad row ourselves.
                if let Some(located) = csv_check::locate_error(source, pinned) {
                    return anyhow!("failed to load table `{}`: {located}", source.table);
                }
            }
            anyhow!("failed to load table `{}` from `{origin}`: {}", source.table, self.explain(&message))
        };

        let check_pinned = |names: &[String]| -> Result<()> {
            match pinned.keys().find(|column| !names.contains(column)) {
                Some(column) => bail!(
                    "table `{}` from `{origin}` has no column `{column}` (key `tables.{}.columns.{column}`); it has: {}{}",
                    source.table,
                    source.table,
                    names.join(", "),
                    separator_hint(source.format, names)
                ),
                None => Ok(()),
            }
        };
        if matches!(source.format, Format::Csv | Format::Tsv) {
            // DuckDB's own message for this names neither the key nor the columns.
            if let Some(names) = csv_check::all_headers(source) {
                check_pinned(&names)?;
            }
        }

        // Read the column types first, so timestamps with a time zone can be
        // normalised to UTC `TIMESTAMP` (the bundled DuckDB has no ICU, and
        // `date_trunc` on TIMESTAMPTZ would reach for it) and pinned types
        // can be applied to formats without a `types` option.
        let described = self.describe(&format!("SELECT * FROM {reader}")).map_err(&fail)?;
        if matches!(source.format, Format::Csv | Format::Tsv) {
            // DuckDB may read a ragged file with more columns than its header
            // instead of failing; the header is the contract.
            if let Some(header) = csv_check::header(source) {
                let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
                if names.len() != header.len() {
                    let located = csv_check::locate_error(source, pinned).unwrap_or_else(|| {
                        format!("`{origin}`: the rows do not match the header ({})", header.join(", "))
                    });
                    bail!("failed to load table `{}`: {located}", source.table);
                }
            }
        }
        check_pinned(&described.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())?;
        let mut replaces = Vec::new();
        for (name, ty) in &described {
            let pin = pinned.get(name).filter(|_| source.format.family() != "csv");
            if let Some(pin) = pin {
                let target = if pin.to_ascii_uppercase().contains("TIME ZONE")
                    || pin.eq_ignore_ascii_case("TIMESTAMPTZ")
                {
                    "TIMESTAMP".to_string()
                } else {
                    pin.clone()
                };
                replaces.push(format!("CAST({} AS {target}) AS {}", ident(name), ident(name)));
            } else if ty.starts_with("TIMESTAMP") && ty != "TIMESTAMP" {
                replaces.push(format!("CAST({} AS TIMESTAMP) AS {}", ident(name), ident(name)));
            }
        }
        let select = if replaces.is_empty() {
            format!("SELECT * FROM {reader}")
        } else {
            format!("SELECT * REPLACE ({}) FROM {reader}", replaces.join(", "))
        };
        self.conn
            .execute_batch(&format!("CREATE TABLE {} AS {select}", ident(&source.table)))
            .map_err(&fail)?;
        let rows: u64 = self
            .conn
            .query_row(&format!("SELECT count(*) FROM {}", ident(&source.table)), [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| anyhow!("failed to count table `{}`: {e}", source.table))?;
        let columns = self
            .describe(&format!("SELECT * FROM {}", ident(&source.table)))
            .map_err(|e| anyhow!("failed to describe table `{}`: {e}", source.table))?;
        if let Some(time_column) = &table.time_column {
            match columns.iter().find(|(n, _)| n == time_column) {
                Some((_, ty)) if ty == "TIMESTAMP" || ty == "DATE" => {}
                Some((_, ty)) => bail!(
                    "table `{}`: time column `{time_column}` (key `tables.{}.time_column`) is {ty}, not a timestamp or date",
                    source.table,
                    source.table
                ),
                None => bail!(
                    "table `{}` from `{origin}` has no column `{time_column}` (key `tables.{}.time_column`); it has: {}{}",
                    source.table,
                    source.table,
                    columns.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                    separator_hint(source.format, &columns.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>())
                ),
            }
        }
        Ok(LoadedTable { name: source.table.clone(), origin, rows, columns })
    }

    fn describe(&self, select: &str) -> std::result::Result<Vec<(String, String)>, duckdb::Error> {
        let mut stmt = self.conn.prepare(&format!("DESCRIBE {select}"))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.collect()
    }

    /// The latest and earliest stamps over the configured time columns, as dates.
    pub fn data_window(&self, config: &Config) -> Result<Option<(Date, Date)>> {
        let mut parts = Vec::new();
        for table in &self.tables {
            if let Some(column) = config.tables.get(&table.name).and_then(|t| t.time_column.as_ref()) {
                parts.push(format!(
                    "SELECT min({c})::DATE AS lo, max({c})::DATE AS hi FROM {t}",
                    c = ident(column),
                    t = ident(&table.name)
                ));
            }
        }
        if parts.is_empty() {
            return Ok(None);
        }
        let sql = format!("SELECT min(lo)::VARCHAR, max(hi)::VARCHAR FROM ({})", parts.join(" UNION ALL "));
        let (lo, hi): (Option<String>, Option<String>) = self
            .conn
            .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| anyhow!("failed to find the data's date range: {e}"))?;
        match (lo, hi) {
            (Some(lo), Some(hi)) => Ok(Some((
                lo.parse().map_err(|e: String| anyhow!(e))?,
                hi.parse().map_err(|e: String| anyhow!(e))?,
            ))),
            _ => Ok(None),
        }
    }

    /// Deletes the rows stamped after the as-of date from every table with
    /// a time column.
    pub fn cut_at(&self, config: &Config, as_of: Date) -> Result<()> {
        for table in &self.tables {
            if let Some(column) = config.tables.get(&table.name).and_then(|t| t.time_column.as_ref()) {
                let sql = format!(
                    "DELETE FROM {} WHERE {} >= (DATE '{as_of}' + INTERVAL 1 DAY)",
                    ident(&table.name),
                    ident(column)
                );
                self.conn.execute_batch(&sql).map_err(|e| {
                    anyhow!("failed to drop rows after {as_of} from table `{}`: {e}", table.name)
                })?;
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
