//! Hostile values (`tests/fixtures/payloads/data/people.csv`): markup,
//! script, `javascript:` paths, spreadsheet formulas, control characters,
//! right-to-left and emoji text, template and typst syntax. Each must come
//! out of every output as the text it is: escaped in pages and SVGs, never a
//! formula in CSV or XLSX, exact in JSON.

use std::collections::BTreeMap;

use calamine::{Data, Reader, Xlsx};

use crate::util::TestSite;

/// What would be markup or script if a value were written raw.
const RAW: &[&str] = &[
    "<script>alert",
    "</script><script>",
    "<img",
    "<b>",
    "onmouseover=\"",
    "href=\"javascript:",
    "src=\"javascript:",
];

/// The first characters a spreadsheet reads as the start of a formula.
const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// The fixture's rows as written: column name to value, by row.
fn source_rows(site: &TestSite) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(site.path("data/people.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

fn built() -> TestSite {
    let site = TestSite::new("payloads");
    site.build_ok(&[]);
    site
}

#[test]
fn pages_and_svgs_hold_no_payload_raw() {
    let site = built();
    let files: Vec<String> = ["index.html", "people/index.html"]
        .into_iter()
        .map(String::from)
        .chain(
            ["score-by-name", "score-by-name-more", "score-by-team", "paths-by-name"]
                .iter()
                .map(|r| format!("people/{r}.svg")),
        )
        .collect();
    for file in &files {
        let text = site.read(&format!("public/{file}"));
        for raw in RAW {
            assert!(!text.contains(raw), "{file} contains `{raw}` raw");
        }
        if file.ends_with(".html") {
            // Every script element that opens is one of ours and closes once:
            // no value ended one early or opened another.
            assert_eq!(text.matches("<script").count(), text.matches("</script>").count(), "{file}");
        } else {
            // The SVG is well-formed XML a renderer accepts.
            resvg::usvg::Tree::from_str(&text, &resvg::usvg::Options::default())
                .unwrap_or_else(|e| panic!("{file} does not parse: {e}"));
        }
    }
    // The values are there, escaped, not dropped.
    let page = site.read("public/people/index.html");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"), "the table holds the value as text");
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(page.contains("שלום עולם") && page.contains("👩\u{200d}💻 Dev 🚀"));
    let svg = site.read("public/people/score-by-name.svg");
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the axis label is escaped text");
}

#[test]
fn chart_options_in_pages_decode_to_the_exact_values() {
    let site = built();
    let page = site.read("public/people/index.html");
    let open = "<script type=\"application/json\" class=\"chart__option\">";
    let options: Vec<serde_json::Value> = page
        .split(open)
        .skip(1)
        .map(|rest| serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).unwrap())
        .collect();
    assert_eq!(options.len(), 4, "four charts on the tab");
    // The two horizontal bars' categories are the names, byte for byte.
    let names: Vec<String> = source_rows(&site).into_iter().map(|r| r["name"].clone()).collect();
    let categories: Vec<String> = (options[..2].iter())
        .flat_map(|o| o["yAxis"]["data"].as_array().unwrap().iter())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(categories, names);
    // Inside the script element the characters that could end it or break
    // a JavaScript string are escapes, not raw.
    for body in page.split(open).skip(1).map(|rest| &rest[..rest.find("</script>").unwrap()]) {
        for c in ['<', '>', '\u{2028}', '\u{2029}'] {
            assert!(!body.contains(c), "raw {c:?} inside a chart option");
        }
    }
}

#[test]
fn json_downloads_hold_each_value_exactly() {
    let site = built();
    let rows = site.report_rows("people", "values");
    let source = source_rows(&site);
    assert_eq!(rows.len(), source.len());
    for (row, want) in rows.iter().zip(&source) {
        for column in ["name", "team", "path"] {
            assert_eq!(row[column].as_str(), Some(want[column].as_str()), "{column}");
        }
        let score: i64 = want["score"].parse().unwrap();
        assert_eq!(row["score"].as_i64(), Some(score), "numbers stay numbers");
    }
}

#[test]
fn no_csv_cell_starts_a_formula() {
    let site = built();
    let source = source_rows(&site);
    let bytes = site.bytes("public/people/values.csv");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    let mut neutralised = 0;
    for (record, want) in reader.records().map(|r| r.unwrap()).zip(&source) {
        for (column, cell) in header.iter().zip(record.iter()) {
            let value = &want[column];
            if column == "score" {
                // A negative number is a number, not a formula: no quote.
                assert_eq!(cell, value);
            } else if value.starts_with(FORMULA_START) {
                assert_eq!(cell, format!("'{value}"), "{column}");
                neutralised += 1;
            } else {
                assert_eq!(cell, value, "{column}");
            }
            if column != "score" {
                assert!(!cell.starts_with(FORMULA_START), "`{cell}` starts a formula");
            }
        }
    }
    // =HYPERLINK, =1+1, +cmd twice, @SUM twice, -2+3 twice, tab and CR.
    assert_eq!(neutralised, 10);
}

#[test]
fn xlsx_holds_every_value_as_a_string_and_no_formula() {
    let site = built();
    let source = source_rows(&site);
    let bytes = site.bytes("public/people/values.xlsx");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "the sheet holds a formula");
    for (i, want) in source.iter().enumerate() {
        let row = (i + 1) as u32;
        for (col, column) in ["name", "team", "path"].iter().enumerate() {
            // A carriage return is stored as OOXML's `_x000D_` escape (XML
            // would turn a raw one into a line feed); Excel reads it back as
            // CR, calamine leaves it as written.
            let cell = match range.get_value((row, col as u32 + 1)) {
                Some(Data::String(s)) => s.replace("_x000D_", "\r"),
                other => panic!("row {row} {column}: {other:?} is not a string"),
            };
            assert_eq!(cell, want[*column], "row {row} {column}");
        }
        let score: f64 = want["score"].parse().unwrap();
        assert_eq!(range.get_value((row, 4)), Some(&Data::Float(score)));
    }
}

#[test]
fn the_pdf_carries_no_script_or_link_actions() {
    let site = built();
    let doc = lopdf::Document::load_mem(&site.bytes("public/people/people.pdf")).expect("the PDF parses");
    for object in doc.objects.values() {
        let dict = match object {
            lopdf::Object::Dictionary(d) => d,
            lopdf::Object::Stream(s) => &s.dict,
            _ => continue,
        };
        for key in [&b"JS"[..], b"JavaScript", b"Launch", b"URI", b"OpenAction"] {
            assert!(!dict.has(key), "the PDF has a /{} entry", String::from_utf8_lossy(key));
        }
    }
}
