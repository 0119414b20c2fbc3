//! Property tests over config parsing and data loading: thousands of mutated
//! inputs, each of which must give `Ok` or a clean `Err`, never a panic.
//! Deterministic (a fixed-seed generator) and bounded by iteration count, so
//! a CI run takes seconds and a failure reproduces.

use std::panic::{catch_unwind, AssertUnwindSafe};

use tally::config::Config;
use tally::data::Database;

/// xorshift64*: a tiny deterministic generator for the mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Inserts, deletes, duplicates or replaces a few bytes, favouring the
/// characters that matter to TOML, CSV and JSON.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    const INTERESTING: &[u8] = b"\"'=,[]{}\n\r\t#\\.:-0123456789aZ \xff\xc3\x00";
    // Whole multi-byte characters, so valid UTF-8 lands where code might
    // slice by bytes.
    const WIDE: &[&str] = &["é", "２", "👩\u{200d}💻", "\u{2028}"];
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            1 if at < out.len() => {
                out.remove(at);
            }
            2 if at < out.len() => out[at] = INTERESTING[rng.below(INTERESTING.len())],
            3 if rng.below(2) == 0 => {
                let wide = WIDE[rng.below(WIDE.len())].as_bytes();
                out.splice(at..at, wide.iter().copied());
            }
            _ => {
                let len = rng.below(16).min(out.len() - at.min(out.len()));
                let chunk: Vec<u8> = out[at..at + len].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, chunk);
            }
        }
    }
    out
}

const CONFIG: &str = include_str!("../fixtures/basic/site.toml");

#[test]
fn config_parsing_never_panics() {
    let mut rng = Rng(0x5eed_0001);
    let mut errors = 0;
    for _ in 0..20_000 {
        let bytes = mutate(&mut rng, CONFIG.as_bytes());
        let text = String::from_utf8_lossy(&bytes);
        let result = catch_unwind(|| Config::parse(&text, "fuzz.toml"));
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                errors += 1;
                assert!(e.to_string().contains("fuzz.toml"), "error does not name the file: {e}");
            }
            Err(_) => panic!("Config::parse panicked on:\n{text}"),
        }
    }
    // The mutations must actually exercise the error paths.
    assert!(errors > 1_000, "only {errors} of 20000 mutations were rejected");
}

#[test]
fn data_loading_never_panics() {
    // Pinned types send a bad value through tally's own checker too.
    let config = Config::parse(
        "title = \"fuzz\"\n\
         [tables.logins]\ntime_column = \"logged_in_at\"\nrequired = false\n\
         columns = { logged_in_at = \"TIMESTAMP\" }\n\
         [tables.users]\nrequired = false\ncolumns = { created_at = \"TIMESTAMP\", user_id = \"VARCHAR\" }\n\
         [tables.teams]\nrequired = false\ncolumns = { size = \"INTEGER\" }\n",
        "fuzz.toml",
    )
    .unwrap();
    let seeds: [(&str, &[u8]); 3] = [
        ("logins.csv", include_bytes!("../fixtures/basic/data/logins.csv")),
        ("users.csv", include_bytes!("../fixtures/basic/data/users.csv")),
        ("teams.json", include_bytes!("../fixtures/basic/data/teams.json")),
    ];
    let mut rng = Rng(0x5eed_0002);
    let dir = tempfile::tempdir().unwrap();
    let (mut loaded, mut rejected) = (0, 0);
    for i in 0..300 {
        let (name, seed) = seeds[i % seeds.len()];
        let data = dir.path().join(format!("case-{i}"));
        std::fs::create_dir(&data).unwrap();
        let bytes = mutate(&mut rng, seed);
        std::fs::write(data.join(name), &bytes).unwrap();
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut db = Database::open(&config, dir.path())?;
            db.load(&config, &data)
        }));
        match result {
            Ok(Ok(())) => loaded += 1,
            Ok(Err(e)) => {
                rejected += 1;
                let message = format!("{e:#}");
                assert!(message.contains("table `"), "error does not name the table: {message}");
            }
            Err(_) => panic!("loading panicked on {name}:\n{}", String::from_utf8_lossy(&bytes)),
        }
    }
    assert!(loaded > 0 && rejected > 0, "loaded {loaded}, rejected {rejected}");
}

/// A random string over the characters that matter to HTML, scripts, CSV,
/// spreadsheets and JSON, plus right-to-left, emoji and line separators.
fn hostile_string(rng: &mut Rng) -> String {
    const ALPHABET: &[&str] = &[
        "<",
        ">",
        "&",
        "\"",
        "'",
        "/",
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        "\n",
        ",",
        ";",
        "\\",
        "\0",
        " ",
        "a",
        "Z",
        "7",
        "script",
        "javascript:",
        "\u{2028}",
        "\u{2029}",
        "\u{202e}",
        "ש",
        "ع",
        "👩\u{200d}💻",
        "_x000D_",
        "{{",
        "}}",
        "#",
    ];
    (0..rng.below(12)).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect()
}

#[test]
fn exported_text_comes_back_exactly() {
    use tally::export::{CsvExporter, ExportMeta, Exporter, JsonExporter};
    use tally::render::page::escape_script_json;
    use tally::report::{Column, ColumnType, ResultTable, Value};

    let mut rng = Rng(0x5eed_0003);
    let values: Vec<String> = (0..2_000).map(|_| hostile_string(&mut rng)).collect();
    let table = ResultTable {
        columns: vec![Column { name: "value".into(), ty: ColumnType::Text }],
        rows: values.iter().map(|v| vec![Value::Text(v.clone())]).collect(),
    };
    let meta = ExportMeta {
        tab: "t",
        report: "r",
        title: "T",
        description: "",
        as_of: "2026-01-01".parse().unwrap(),
        chart: None,
    };

    // JSON: every value exactly.
    let json: serde_json::Value =
        serde_json::from_slice(&JsonExporter.serialize(&meta, &table).unwrap()).unwrap();
    let rows = json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), values.len());
    for (row, value) in rows.iter().zip(&values) {
        assert_eq!(row["value"].as_str(), Some(value.as_str()));
    }

    // CSV: every value, with a `'` before any that would start a formula.
    let csv = CsvExporter::default().serialize(&meta, &table).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let cells: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(cells.len(), values.len());
    for (cell, value) in cells.iter().zip(&values) {
        let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
        assert_eq!(*cell, if formula { format!("'{value}") } else { value.clone() });
    }

    // Chart options in a page: nothing that could end the script element or
    // a JavaScript string, and the same value after parsing.
    for value in &values {
        let escaped = escape_script_json(&serde_json::to_string(value).unwrap());
        assert!(!escaped.contains(['<', '>', '\u{2028}', '\u{2029}']), "{escaped}");
        assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), *value);
    }
}
