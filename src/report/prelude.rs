//! The prelude: a site's shared SQL definitions (`prelude` in `site.toml`,
//! `queries/_prelude.sql` in the default site), so a number that several
//! reports show is defined once. It holds only `CREATE OR REPLACE TEMP
//! MACRO` statements: temporary, so they live on the connection that
//! defines them and never in the shared catalog, and replaceable, so the same
//! text can be run again (on another connection, or pasted into the DuckDB
//! CLI from "View SQL").
//!
//! Also here: the small SQL lexer that splits statements and finds which
//! macros and variables a query uses, for "View SQL".

use std::collections::BTreeSet;

use anyhow::{anyhow, bail, Result};
use duckdb::Connection;

use super::params::{Params, PARAM_MACROS};

/// A parsed prelude.
#[derive(Debug, Clone, Default)]
pub struct Prelude {
    /// Where it came from (`queries/_prelude.sql`), for messages and View SQL.
    pub origin: String,
    /// Its whole text, as the file holds it.
    pub text: String,
    /// Its macros, in file order.
    pub macros: Vec<MacroDef>,
}

/// One macro of the prelude.
#[derive(Debug, Clone)]
pub struct MacroDef {
    /// The macro's name, lower-cased (DuckDB names are case-insensitive).
    pub name: String,
    /// The statement, with the comment lines right above it.
    pub statement: String,
    /// The line of the file the statement starts on.
    pub line: usize,
    /// The parameter list, `(a, b := 1)`.
    signature: String,
    /// A table macro (`AS TABLE`) rather than a scalar one.
    is_table: bool,
    /// Lower-cased names the body calls (`name(`): macros or functions.
    pub calls: BTreeSet<String>,
    /// Variables the body reads with `getvariable('name')`.
    pub variables: BTreeSet<String>,
}

impl Prelude {
    /// Parses a prelude's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Prelude> {
        let mut macros: Vec<MacroDef> = Vec::new();
        for statement in statements(text) {
            let line = text[..statement.start].matches('\n').count() + 1;
            let at = |message: String| anyhow!("prelude `{origin}` line {line}: {message}");
            let tokens = &statement.tokens;
            let words: Vec<String> = tokens.iter().take(5).map(|t| t.word().unwrap_or_default()).collect();
            let temp = matches!(words.get(3).map(String::as_str), Some("temp" | "temporary"));
            let kind = matches!(words.get(4).map(String::as_str), Some("macro" | "function"));
            if words[..3.min(words.len())] != ["create", "or", "replace"] || !temp || !kind {
                return Err(at(format!(
                    "every statement of a prelude is `CREATE OR REPLACE TEMP MACRO name(...) AS ...;`, not `{}`",
                    first_line(&text[statement.start..statement.end])
                )));
            }
            let name = match tokens.get(5).map(|t| &t.kind) {
                Some(Kind::Word(w)) | Some(Kind::Quoted(w)) => w.to_lowercase(),
                _ => return Err(at("the macro has no name".into())),
            };
            let open = match tokens.get(6) {
                Some(token) if token.kind == Kind::Open => token,
                Some(_) => {
                    return Err(at(format!(
                        "macro `{name}`: write its name without a schema (a prelude macro is temporary), then its parameters: `{name}(...)`"
                    )))
                }
                None => return Err(at(format!("macro `{name}` needs its parameter list, `{name}(...)`"))),
            };
            let Some(close) = matching_close(tokens, 6) else {
                return Err(at(format!("macro `{name}`: its parameter list is not closed")));
            };
            if PARAM_MACROS.contains(&name.as_str()) {
                return Err(at(format!(
                    "macro `{name}` is one of tally's parameter macros; choose another name"
                )));
            }
            if let Some(earlier) = macros.iter().find(|m| m.name == name) {
                return Err(at(format!("macro `{name}` is defined twice (first on line {})", earlier.line)));
            }
            let body = &tokens[close + 1..];
            let is_table = body.len() >= 2 && body[0].is_word("as") && body[1].is_word("table");
            let comment = comment_above(text, statement.start);
            macros.push(MacroDef {
                name,
                statement: format!("{comment}{}", &text[statement.start..statement.end]),
                line,
                signature: text[open.start..tokens[close].end].to_string(),
                is_table,
                calls: calls(body),
                variables: variables(body),
            });
        }
        Ok(Prelude { origin: origin.to_string(), text: text.to_string(), macros })
    }

    /// The macro named `name` (any case).
    pub fn get(&self, name: &str) -> Option<&MacroDef> {
        let name = name.to_lowercase();
        self.macros.iter().find(|m| m.name == name)
    }
}

impl MacroDef {
    /// What stands in for this macro when its statement fails because a
    /// table it reads is missing (an optional export that is absent): a
    /// macro of the same name and parameters that fails, when a report
    /// calls it, with DuckDB's own "Table with name ... does not exist",
    /// while the reports that do not use it run.
    fn stand_in(&self, missing_table: &str) -> String {
        let inner = self.signature.trim_start_matches('(').trim_end_matches(')').trim();
        let parameters = if inner.is_empty() { String::new() } else { format!("{inner}, ") };
        let missing = crate::data::literal(missing_table);
        let body = if self.is_table {
            "TABLE SELECT * FROM query_table(tally_missing_table)".to_string()
        } else {
            "(SELECT NULL FROM query_table(tally_missing_table))".to_string()
        };
        format!(
            "CREATE OR REPLACE TEMP MACRO {}({parameters}tally_missing_table := {missing}) AS {body};",
            crate::data::ident(&self.name)
        )
    }
}

/// Sets up a connection for running reports: the parameter macros with this
/// build's values, then the prelude's macros. Temporary macros belong to the
/// connection that defines them, so every connection a report runs on (a
/// `Connection::try_clone` too) needs this once, before `bind_report_params`.
/// A prelude macro that reads a table the data dir does not have is replaced
/// by a stand-in that fails only when a report uses it; any other failure is
/// an error naming the prelude's file, line and macro.
pub fn prepare_connection(conn: &Connection, params: &Params, prelude: &Prelude) -> Result<()> {
    let mut sql = String::new();
    for (_, statement) in params.macros() {
        sql.push_str(&statement);
        sql.push('\n');
    }
    conn.execute_batch(&sql).map_err(|e| anyhow!("failed to define the report parameters: {e}"))?;
    for m in &prelude.macros {
        if let Err(e) = conn.execute_batch(&m.statement) {
            let message = e.to_string();
            match missing_table(&message) {
                Some(table) => conn.execute_batch(&m.stand_in(&table)).map_err(|e| {
                    anyhow!("prelude `{}` line {}: macro `{}`: {e}", prelude.origin, m.line, m.name)
                })?,
                None => bail!(
                    "prelude `{}` line {}: macro `{}`: {}",
                    prelude.origin,
                    m.line,
                    m.name,
                    message.lines().take(6).collect::<Vec<_>>().join("\n")
                ),
            }
        }
    }
    Ok(())
}

/// The table of DuckDB's "Table with name X does not exist" message.
fn missing_table(message: &str) -> Option<String> {
    let rest = message.split("Table with name ").nth(1)?;
    let name = rest.split(" does not exist").next()?;
    (!name.is_empty() && !name.contains('\n')).then(|| name.to_string())
}

/// The `--` comment lines directly above `start` (no blank line between),
/// each ending with a newline.
fn comment_above(text: &str, start: usize) -> String {
    let before = &text[..start];
    let mut lines: Vec<&str> = Vec::new();
    for line in before.trim_end_matches([' ', '\t']).strip_suffix('\n').unwrap_or("").lines().rev() {
        if line.trim_start().starts_with("--") {
            lines.push(line.trim_start());
        } else {
            break;
        }
    }
    // Only if the statement starts its own line.
    if !before.trim_end_matches([' ', '\t']).is_empty()
        && !before.trim_end_matches([' ', '\t']).ends_with('\n')
    {
        return String::new();
    }
    lines.iter().rev().map(|l| format!("{l}\n")).collect()
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

/// The statements of `sql`, each as its text from its first token to its
/// `;` (included when there is one). Comments between statements are left
/// out; semicolons inside strings, quoted names and comments do not split.
pub fn split_statements(sql: &str) -> Vec<String> {
    statements(sql).into_iter().map(|s| sql[s.start..s.end].to_string()).collect()
}

/// Lower-cased names that `sql` calls (`name(`), outside strings and comments.
pub fn called_names(sql: &str) -> BTreeSet<String> {
    calls(&lex(sql))
}

/// The variables `sql` reads with `getvariable('name')`.
pub fn read_variables(sql: &str) -> BTreeSet<String> {
    variables(&lex(sql))
}

/// Where the last token of `sql` ends, if it has one: where a missing `;`
/// goes, before any trailing comment.
pub fn code_end(sql: &str) -> Option<(usize, bool)> {
    lex(sql).last().map(|t| (t.end, t.kind == Kind::Semicolon))
}

fn calls(tokens: &[Token]) -> BTreeSet<String> {
    tokens
        .windows(2)
        .filter(|w| w[1].kind == Kind::Open)
        .filter_map(|w| match &w[0].kind {
            Kind::Word(name) | Kind::Quoted(name) => Some(name.to_lowercase()),
            _ => None,
        })
        .collect()
}

fn variables(tokens: &[Token]) -> BTreeSet<String> {
    tokens
        .windows(4)
        .filter(|w| w[0].is_word("getvariable") && w[1].kind == Kind::Open && w[3].kind == Kind::Close)
        .filter_map(|w| match &w[2].kind {
            Kind::Str(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// The index of the `)` that closes the `(` at `open`, if `open` is one.
fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    if tokens.get(open)?.kind != Kind::Open {
        return None;
    }
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            Kind::Open => depth += 1,
            Kind::Close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A statement: its tokens and its span in the text.
struct Statement {
    tokens: Vec<Token>,
    start: usize,
    end: usize,
}

fn statements(sql: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    for token in lex(sql) {
        let is_end = token.kind == Kind::Semicolon;
        if is_end && current.is_empty() {
            continue;
        }
        current.push(token);
        if is_end {
            let tokens = std::mem::take(&mut current);
            out.push(Statement { start: tokens[0].start, end: tokens[tokens.len() - 1].end, tokens });
        }
    }
    if !current.is_empty() {
        out.push(Statement { start: current[0].start, end: current[current.len() - 1].end, tokens: current });
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// A bare word: keyword or identifier, as written.
    Word(String),
    /// A `"quoted"` identifier, unquoted.
    Quoted(String),
    /// A `'string'`, unquoted.
    Str(String),
    Open,
    Close,
    Semicolon,
    /// Anything else: numbers, operators, `$1`.
    Other,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn word(&self) -> Option<String> {
        match &self.kind {
            Kind::Word(w) => Some(w.to_lowercase()),
            _ => None,
        }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

/// Splits SQL into tokens, skipping whitespace and comments (`--` to the end
/// of the line, `/* */` nested). Strings and quoted names end at their
/// closing quote (a doubled quote stays inside); `$tag$ ... $tag$` is a
/// string. Text the lexer cannot close (an unterminated string) runs to the
/// end.
fn lex(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let quoted = |i: usize, quote: u8| -> (String, usize) {
        let mut j = i + 1;
        let mut text = Vec::new();
        while j < bytes.len() {
            if bytes[j] == quote {
                if bytes.get(j + 1) == Some(&quote) {
                    text.push(quote);
                    j += 2;
                    continue;
                }
                return (String::from_utf8_lossy(&text).into_owned(), j + 1);
            }
            text.push(bytes[j]);
            j += 1;
        }
        (String::from_utf8_lossy(&text).into_owned(), j)
    };
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let kind = match b {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' => {
                let (text, end) = quoted(i, b'\'');
                i = end;
                Kind::Str(text)
            }
            b'"' => {
                let (text, end) = quoted(i, b'"');
                i = end;
                Kind::Quoted(text)
            }
            b'$' => {
                let tag_len = sql[i + 1..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(sql.len() - i - 1);
                let tag = &sql[i..i + 1 + tag_len];
                let is_dollar_quote = bytes.get(i + 1 + tag_len) == Some(&b'$')
                    && !tag[1..].starts_with(|c: char| c.is_ascii_digit());
                if is_dollar_quote {
                    let tag = format!("{tag}$");
                    let body = i + tag.len();
                    match sql[body..].find(&tag) {
                        Some(n) => {
                            i = body + n + tag.len();
                            Kind::Str(sql[body..body + n].to_string())
                        }
                        None => {
                            i = bytes.len();
                            Kind::Str(sql[body..].to_string())
                        }
                    }
                } else {
                    i += 1 + tag_len;
                    Kind::Other
                }
            }
            b'(' => {
                i += 1;
                Kind::Open
            }
            b')' => {
                i += 1;
                Kind::Close
            }
            b';' => {
                i += 1;
                Kind::Semicolon
            }
            _ if sql[i..].starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                let len = sql[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(bytes.len() - i);
                i += len;
                Kind::Word(sql[start..i].to_string())
            }
            _ => {
                // One character (all of a multi-byte one).
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Other
            }
        };
        tokens.push(Token { kind, start, end: i });
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRELUDE: &str = "-- A file header.\n\
        \n\
        -- The organization id of a row.\n\
        -- Two lines of comment.\n\
        CREATE OR REPLACE TEMP MACRO org_key(organization_id) AS nullif(trim(organization_id), '');\n\
        \n\
        -- Runs; with a ';' in a string and in this comment.\n\
        CREATE OR REPLACE TEMP MACRO Runs(kind := 'action') AS TABLE\n    \
            SELECT org_key(o) AS o FROM action_runs /* ; */ WHERE run_type = kind AND team = getvariable('team');\n";

    #[test]
    fn parses_macros_with_their_comments_calls_and_variables() {
        let prelude = Prelude::parse(PRELUDE, "p.sql").unwrap();
        let names: Vec<&str> = prelude.macros.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["org_key", "runs"]);
        let org_key = &prelude.macros[0];
        assert_eq!(org_key.line, 5);
        assert!(org_key
            .statement
            .starts_with("-- The organization id of a row.\n-- Two lines of comment.\nCREATE"));
        assert!(org_key.statement.ends_with("'');"));
        assert!(!org_key.is_table);
        assert_eq!(org_key.calls, ["nullif", "trim"].map(String::from).into());
        let runs = prelude.get("RUNS").unwrap();
        assert!(runs.is_table);
        assert_eq!(runs.signature, "(kind := 'action')");
        assert!(runs.calls.contains("org_key") && runs.calls.contains("getvariable"));
        assert_eq!(runs.variables, ["team".to_string()].into());
        assert!(runs.statement.starts_with("-- Runs; with"));
    }

    #[test]
    fn only_replaceable_temp_macros_are_allowed() {
        for bad in [
            "CREATE TABLE x AS SELECT 1;",
            "CREATE MACRO f() AS 1;",
            "CREATE OR REPLACE MACRO f() AS 1;",
            "CREATE TEMP MACRO f() AS 1;",
            "SET VARIABLE x = 1;",
        ] {
            let err = Prelude::parse(&format!("-- x\n\n{bad}"), "p.sql").unwrap_err().to_string();
            assert!(err.starts_with("prelude `p.sql` line 3: every statement"), "{bad}: {err}");
        }
        let err = Prelude::parse("CREATE OR REPLACE TEMP MACRO as_of() AS 1;", "p.sql").unwrap_err();
        assert!(err.to_string().contains("parameter macros"), "{err}");
        let err = Prelude::parse(
            "CREATE OR REPLACE TEMP MACRO f() AS 1;\nCREATE OR REPLACE TEMP MACRO F() AS 2;",
            "p.sql",
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 2: macro `f` is defined twice (first on line 1)"), "{err}");
    }

    #[test]
    fn splits_statements_outside_strings_and_comments() {
        let sql = "SELECT ';' AS a; -- one; two\nSELECT \"x;y\" FROM t /* ; */;\nSELECT $$a;b$$, $1\n";
        assert_eq!(
            split_statements(sql),
            ["SELECT ';' AS a;", "SELECT \"x;y\" FROM t /* ; */;", "SELECT $$a;b$$, $1"]
        );
        // Characters that are neither words nor punctuation (an en dash, an
        // emoji) are single tokens.
        assert_eq!(
            split_statements("SELECT a \u{2013} b, ü_1 AS \u{1F600}; SELECT 2"),
            ["SELECT a \u{2013} b, ü_1 AS \u{1F600};", "SELECT 2"]
        );
        assert_eq!(
            called_names("SELECT Ärger(x), \"Quoted\"(y), z (w)"),
            ["ärger", "quoted", "z"].map(String::from).into()
        );
        assert_eq!(code_end("SELECT 1 -- note\n"), Some((8, false)));
        assert_eq!(code_end("SELECT 1;\n"), Some((9, true)));
        assert_eq!(
            read_variables("SELECT getvariable ( 'role' ), getvariable(x), 'getvariable(''no'')'"),
            ["role".to_string()].into()
        );
    }

    #[test]
    fn a_macro_over_a_missing_table_fails_only_where_it_is_used() {
        let conn = Connection::open_in_memory().unwrap();
        let prelude = Prelude::parse(
            "CREATE OR REPLACE TEMP MACRO n_absent(k) AS TABLE SELECT count(*) AS n FROM absent WHERE k;\n\
             CREATE OR REPLACE TEMP MACRO uses_it() AS TABLE SELECT * FROM n_absent(true);\n\
             CREATE OR REPLACE TEMP MACRO two() AS 2;",
            "p.sql",
        )
        .unwrap();
        let params = Params {
            as_of: "2026-03-18".parse().unwrap(),
            subscription_start: "2026-01-01".parse().unwrap(),
        };
        prepare_connection(&conn, &params, &prelude).unwrap();
        let two: i64 = conn.query_row("SELECT two()", [], |r| r.get(0)).unwrap();
        assert_eq!(two, 2);
        for query in ["SELECT * FROM n_absent(true)", "SELECT * FROM uses_it()"] {
            let err = conn.prepare(query).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains("Table with name absent does not exist"), "{err}");
        }
        // Any other error is the prelude's, with its line.
        let broken = Prelude::parse("\nCREATE OR REPLACE TEMP MACRO f() AS nope_fn(1);", "p.sql").unwrap();
        let err = prepare_connection(&conn, &params, &broken).unwrap_err().to_string();
        assert!(err.starts_with("prelude `p.sql` line 2: macro `f`: "), "{err}");
    }
}
