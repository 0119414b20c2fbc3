//! The whole-tab PDF, laid out in-process by typst (through `typst-as-lib`)
//! from the embedded template `templates/tab.typ`.
//!
//! Report data never becomes typst markup: it goes in as typst *values*
//! (strings, arrays, bytes) in `sys.inputs`, and the template places them as
//! values, so a team named `#set page(...)` or `*bold*` prints as written.
//! Fonts come from the `dejavu` crate (DejaVu Sans, the face the PNG charts
//! use too), never from the system, and the document date and identifier are
//! fixed, so the same inputs give the same bytes on every machine.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use typst_pdf::{PdfOptions, Timestamp};
use unicode_segmentation::UnicodeSegmentation;

use crate::config::{Config, Display, TabConfig};
use crate::date::Date;
use crate::render::cache;
use crate::render::chart::text_width;
use crate::render::page::{column_label, NumberView};
use crate::report::{group_thousands, ReportOutput, Value as Cell};

/// The typst template every tab PDF is laid out with.
static TEMPLATE: &str = include_str!("../../templates/tab.typ");

/// What a tab's PDF is made from.
pub struct PdfContext<'a> {
    /// The site config (title, pdf settings).
    pub config: &'a Config,
    /// The tab.
    pub tab: &'a TabConfig,
    /// The as-of date.
    pub as_of: Date,
    /// The tab's reports, in order, after they ran (charts rendered).
    pub reports: &'a [&'a ReportOutput],
    /// The view the PDF shows (an organization's name), named in its header.
    pub view: Option<&'a str>,
}

/// Bump when a change to this file gives other bytes for the same inputs,
/// so cached PDFs from before are not reused.
const PDF_FORMAT: u32 = 1;

/// Lays out the tab as one PDF and returns its bytes.
pub fn render_tab_pdf(ctx: &PdfContext<'_>) -> Result<Vec<u8>> {
    compile(ctx, inputs(ctx))
}

/// `render_tab_pdf` through the content cache in `cache_dir`; also returns
/// the entry's key, so the caller can prune the cache to this build.
pub fn render_tab_pdf_cached(ctx: &PdfContext<'_>, cache_dir: &Path) -> Result<(Vec<u8>, String)> {
    let inputs = inputs(ctx);
    // The bytes depend on the inputs, on the tab id and the as-of date (the
    // PDF's id and date), on the template, on this code and on the crates
    // that lay it out.
    let mut hash = Sha256::new();
    hash.update(b"tally-pdf\0");
    hash.update(PDF_FORMAT.to_le_bytes());
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    hash.update(TEMPLATE.as_bytes());
    hash.update(typst::utils::hash128(&inputs).to_le_bytes());
    hash.update(ctx.tab.id.as_bytes());
    hash.update(ctx.as_of.to_string().as_bytes());
    // `name version` of typst, its PDF writer, the embedded fonts and all
    // they pull in (from Cargo.lock, by build.rs): a `cargo update` of any
    // of them changes the bytes, so it must change the key.
    hash.update(env!("TALLY_PDF_DEPS").as_bytes());
    let key = cache::key(hash);
    let name = format!("{key}.pdf");
    if let Ok(bytes) = std::fs::read(cache_dir.join(&name)) {
        return Ok((bytes, key));
    }
    let bytes = compile(ctx, inputs)?;
    cache::write_atomic(cache_dir, &name, &bytes)?;
    Ok((bytes, key))
}

/// Deletes cached PDFs whose key is not in `keep`.
pub fn prune_cache(cache_dir: &Path, keep: &HashSet<String>) -> Result<usize> {
    cache::prune(cache_dir, keep, &["pdf"])
}

fn compile(ctx: &PdfContext<'_>, inputs: Dict) -> Result<Vec<u8>> {
    let tab = &ctx.tab.id;
    let doc: PagedDocument = engine()
        .compile_with_input(inputs)
        .output
        .map_err(|e| match e {
            typst_as_lib::TypstAsLibError::TypstSource(diags) => anyhow!(describe(&diags)),
            other => anyhow!(other.to_string()),
        })
        .with_context(|| format!("failed to lay out the PDF of tab `{tab}`"))?;
    // Left to itself typst derives the document id from the title and
    // writes no date; pinning the id to the tab and the date to the as-of
    // date says outright that the bytes depend on the inputs alone (never
    // on the clock), and gives readers a meaningful creation date.
    let ident = format!("tally/{tab}");
    let (y, m, d) = ctx.as_of.ymd();
    let timestamp =
        i32::try_from(y).ok().and_then(|y| Datetime::from_ymd(y, m as u8, d as u8)).map(Timestamp::new_utc);
    let options = PdfOptions { ident: Smart::Custom(&ident), timestamp, ..PdfOptions::default() };
    let mut bytes = typst_pdf::pdf(&doc, &options)
        .map_err(|diags| anyhow!(describe(&diags)))
        .with_context(|| format!("failed to write the PDF of tab `{tab}`"))?;
    drop_false_suspects(&mut bytes);
    Ok(bytes)
}

/// Blanks the `/Suspects false` typst writes in the catalog's `MarkInfo`:
/// false is the value an absent entry has, and poppler (22.x, what
/// `pdftoppm` and `pdftotext` run on) reports a false one as "Syntax Error:
/// Suspects object is wrong type" on every read. Spaces of the same length
/// keep every byte offset of the cross-reference table right.
fn drop_false_suspects(pdf: &mut [u8]) {
    const MARK_INFO: &[u8] = b"/MarkInfo <<";
    const FALSE_SUSPECTS: &[u8] = b"/Suspects false";
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let Some(start) = find(pdf, MARK_INFO) else { return };
    let Some(end) = find(&pdf[start..], b">>").map(|n| start + n) else { return };
    if let Some(at) = find(&pdf[start..end], FALSE_SUSPECTS).map(|n| start + n) {
        pdf[at..at + FALSE_SUSPECTS.len()].fill(b' ');
    }
}

/// The typst engine, built once: parsing the template and the fonts is the
/// same work for every tab.
fn engine() -> &'static TypstEngine<TypstTemplateMainFile> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateMainFile>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let fonts: [&'static [u8]; 4] = [
            dejavu::sans::regular(),
            dejavu::sans::bold(),
            dejavu::sans::oblique(),
            dejavu::sans::bold_oblique(),
        ];
        let mut builder = TypstEngine::builder().main_file(TEMPLATE).fonts(fonts);
        // typst-as-lib's default evicts typst's memo cache after every
        // compile, including what a compile on another thread is using
        // (the cache is global). Keeping two compiles' worth makes the
        // organization views' PDFs, laid out two at a time, 17% faster
        // for 20 MB.
        builder.comemo_evict_max_age(Some(2));
        builder.build()
    })
}

/// typst's errors as one readable message (the `Debug` form typst-as-lib
/// prints is a wall of spans).
fn describe(diags: &[SourceDiagnostic]) -> String {
    let mut out = Vec::new();
    for diag in diags {
        let mut line = diag.message.to_string();
        for hint in &diag.hints {
            line.push_str(&format!(" (hint: {hint})"));
        }
        out.push(line);
    }
    if out.is_empty() {
        "typst reported an error without a message".into()
    } else {
        out.join("; ")
    }
}

fn text(s: &str) -> Value {
    s.into_value()
}

/// `sys.inputs` of the template: every value the PDF shows, as typst values.
fn inputs(ctx: &PdfContext<'_>) -> Dict {
    let mut d = Dict::new();
    d.insert("site_title".into(), text(&ctx.config.title));
    d.insert("tab_title".into(), text(&ctx.tab.title));
    d.insert("tab_description".into(), text(&ctx.tab.description));
    d.insert("view".into(), text(ctx.view.unwrap_or_default()));
    d.insert("as_of".into(), text(&ctx.as_of.long_label()));
    let window: Vec<Value> = data_window(ctx.as_of)
        .into_iter()
        .map(|(label, span)| vec![text(label), text(&span)].into_value())
        .collect();
    d.insert("window".into(), window.into_value());
    let notes: Vec<Value> = ctx.tab.notes.iter().map(|n| text(n)).collect();
    d.insert("notes".into(), notes.into_value());
    d.insert("paper".into(), text(&ctx.config.pdf.paper));
    d.insert("landscape".into(), ctx.config.pdf.landscape.into_value());
    let max_rows = ctx.config.pdf.max_rows;
    let reports: Vec<Value> = ctx.reports.iter().map(|r| report_inputs(r, max_rows)).collect();
    d.insert("reports".into(), reports.into_value());
    d
}

/// The periods the reports' "current month", "last 7 days" and "current
/// year" cover, as (label, span) pairs: `("Last 7 days", "19–25 Nov 2026")`.
fn data_window(as_of: Date) -> Vec<(&'static str, String)> {
    let span = |from: Date| {
        let (fy, fm, fd) = from.ymd();
        let (ty, tm, _) = as_of.ymd();
        let to = as_of.long_label();
        if from == as_of {
            to
        } else if (fy, fm) == (ty, tm) {
            format!("{fd}–{to}")
        } else if fy == ty {
            // `1 Jan – 25 Nov 2026`: the year once.
            let from = from.long_label();
            let day_month = from.rsplit_once(' ').map_or(from.as_str(), |(dm, _)| dm);
            format!("{day_month} – {to}")
        } else {
            format!("{} – {to}", from.long_label())
        }
    };
    vec![
        ("Current month", span(as_of.month_start())),
        ("Last 7 days", span(Date(as_of.0 - 6))),
        ("Current year", span(as_of.year_start())),
    ]
}

/// The size of a table's text in `tab.typ` (its body text).
const TABLE_TEXT_PT: f64 = 8.5;

/// One report's entry of `sys.inputs.reports`.
fn report_inputs(out: &ReportOutput, max_rows: usize) -> Value {
    let report = &out.report;
    let table = &out.table;
    let mut d = Dict::new();
    d.insert("title".into(), text(&report.title));
    d.insert("description".into(), text(&report.description));
    d.insert("note".into(), report.note.as_deref().map_or(Value::None, text));
    let kind = match report.display {
        Display::Number => "number",
        Display::Table => "table",
        Display::Chart => "chart",
    };
    d.insert("kind".into(), text(kind));

    let number = table.first_value().map_or_else(String::new, Cell::to_display);
    d.insert("number".into(), text(&number));
    // As the page says it: `+1 vs 1–18 Feb`, `+3 this month`.
    let change = match report.change_column.as_deref().and_then(|name| table.column_index(name)) {
        Some(i) => match crate::render::page::headline_number(report, table, out.as_of) {
            Some(NumberView { change: Some(change), compared: Some(compared), .. }) => {
                format!("{change} {compared}")
            }
            _ => table.rows.first().and_then(|row| row.get(i)).map(change_label).unwrap_or_default(),
        },
        None => String::new(),
    };
    d.insert("change".into(), text(&change));

    let svg = match (&report.display, &out.chart) {
        (Display::Chart, Some(chart)) if !chart.svg.is_empty() => {
            Bytes::from_string(chart.svg.clone()).into_value()
        }
        _ => Value::None,
    };
    d.insert("svg".into(), svg);

    // Headed as on the page: `active_seats` -> `Active seats`.
    let columns: Vec<Value> = table.columns.iter().map(|c| text(&column_label(&c.name))).collect();
    d.insert("columns".into(), columns.into_value());
    let numeric: Vec<Value> = table.columns.iter().map(|c| c.ty.is_numeric().into_value()).collect();
    d.insert("numeric".into(), numeric.into_value());
    // Each printed cell as the page shows it, worked out once for the
    // rows and their widths.
    let shown: Vec<Vec<String>> =
        table.rows.iter().take(max_rows).map(|row| row.iter().map(Cell::to_display).collect()).collect();
    let rows: Vec<Value> = shown
        .iter()
        .map(|row| {
            let cells = row.iter().zip(&table.columns).map(|(cell, c)| {
                if c.ty.is_numeric() {
                    text(cell)
                } else {
                    text(&breakable(cell))
                }
            });
            cells.collect::<Vec<_>>().into_value()
        })
        .collect();
    d.insert("rows".into(), rows.into_value());
    // Each column's widest text unwrapped, in points: the header in bold,
    // the printed rows in the table's 8.5 pt. The template decides from
    // these whether a table needs a landscape page; measuring every cell
    // in typst took 40% of a table-heavy tab's layout.
    let widths: Vec<Value> = (0..table.columns.len())
        .map(|x| {
            let header = text_width(&column_label(&table.columns[x].name), TABLE_TEXT_PT, true);
            let cells = shown.iter().filter_map(|row| row.get(x));
            cells.map(|cell| text_width(cell, TABLE_TEXT_PT, false)).fold(header, f64::max).into_value()
        })
        .collect();
    d.insert("widths".into(), widths.into_value());
    let total = out.total_rows;
    let rows_note = if total > max_rows {
        let more = total - max_rows;
        format!(
            "{} more {} in the CSV download ({} in all).",
            group_thousands(more as i64),
            if more == 1 { "row" } else { "rows" },
            group_thousands(total as i64)
        )
    } else {
        String::new()
    };
    d.insert("rows_note".into(), text(&rows_note));
    d.into_value()
}

/// A text cell that may break between any two characters (a zero-width
/// space between them) of a run of more than `BREAK_RUNS_OVER` characters
/// without a space (an email, an id), so it wraps within its column
/// instead of running over the next one; shorter words wrap at spaces only.
fn breakable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.graphemes(true).nth(BREAK_RUNS_OVER).is_some() {
            for (j, cluster) in word.graphemes(true).enumerate() {
                if j > 0 {
                    out.push('\u{200B}');
                }
                out.push_str(cluster);
            }
        } else {
            out.push_str(word);
        }
    }
    out
}

/// See `breakable`.
const BREAK_RUNS_OVER: usize = 14;

/// A change value beside a number: `+12 vs previous period`, `-3 vs …`.
fn change_label(value: &Cell) -> String {
    let shown = value.to_display();
    if shown.is_empty() {
        return String::new();
    }
    let signed = match value.as_f64() {
        Some(x) if x > 0.0 => format!("+{shown}"),
        _ => shown,
    };
    format!("{signed} vs previous period")
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::report::{Column, ColumnType, RenderedChart, ResultTable};

    /// A team name made of typst markup; it must print as written.
    const MARKUP: &str = r"#set page(width: 1cm) *bold* <b> $x$ \ @ref";

    const CONFIG: &str = r#"
title = "Usage dashboard"

[pdf]
max_rows = 60

[[tabs]]
id = "users-activity"
title = "Users activity"
notes = ["User activity history starts on 1 Jul 2025."]

[[tabs.reports]]
id = "total-entities"
title = "Total amount of entities"
description = "Latest snapshot."
sql = "select 1"
display = "number"
change_column = "change"

[[tabs.reports]]
id = "activated-seats-log"
title = "Activated seats log"
description = "Every active seat."
sql = "select 1"
display = "table"

[[tabs.reports]]
id = "monthly-active-seats"
title = "Total monthly active seats"
sql = "select 1"
display = "chart"
note = "History starts on 1 Jul 2025."
chart = { kind = "line", x = "month", y = ["active_seats"] }
"#;

    /// A small chart in the shape ECharts' SVG renderer writes: paths,
    /// `transparent` fills, `dominant-baseline`, a generic font family and
    /// a CSS block with `:hover` rules.
    const SVG: &str = r##"<svg width="640" height="320" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" baseProfile="full" viewBox="0 0 640 320">
<rect width="640" height="320" x="0" y="0" fill="none"></rect>
<path d="M64 250.5L576 250.5" fill="transparent" stroke="#E0E6F1" class="zr0-cls-0"></path>
<path d="M64 60.5L576 60.5" fill="transparent" stroke="#E0E6F1" class="zr0-cls-0"></path>
<text dominant-baseline="central" text-anchor="end" style="font-size:12px;font-family:sans-serif;" transform="translate(56 250)" fill="#6E7079">0</text>
<text dominant-baseline="central" text-anchor="end" style="font-size:12px;font-family:sans-serif;" transform="translate(56 60)" fill="#6E7079">70</text>
<text dominant-baseline="central" text-anchor="middle" style="font-size:12px;font-family:sans-serif;" transform="translate(107 262)" fill="#6E7079">Jul 2025</text>
<path d="M107 236L192 217L278 168L363 136L448 101L534 85" fill="none" stroke="#5470c6" stroke-width="2" stroke-linejoin="bevel" clip-path="url(#zr0-c0)"></path>
<path d="M1 0A1 1 0 1 1 1 -0.0001" transform="matrix(2,0,0,2,107,236)" fill="#fff" stroke="#5470c6"></path>
<defs><clipPath id="zr0-c0"><path d="M63 59l514 0l0 192l-514 0Z" fill="#000"></path></clipPath></defs>
<style ><![CDATA[
.zr0-cls-0:hover { pointer-events:none; }
]]></style>
</svg>"##;

    fn col(name: &str, ty: ColumnType) -> Column {
        Column { name: name.into(), ty }
    }

    fn output(
        config: &Config,
        index: usize,
        table: ResultTable,
        chart: Option<RenderedChart>,
    ) -> ReportOutput {
        let tab = config.tabs[0].clone();
        let total_rows = table.rows.len();
        ReportOutput {
            report: tab.reports[index].clone(),
            tab,
            sql: "select 1".into(),
            view_sql: "select 1;".into(),
            as_of: Date(20_400),
            table,
            total_rows,
            chart,
        }
    }

    /// The three reports of `CONFIG`: a number (1,234,567, change +12), a
    /// 150-row table whose row 3 holds `MARKUP`, and a 6-month chart.
    fn outputs(config: &Config) -> Vec<ReportOutput> {
        let number = ResultTable {
            columns: vec![col("entities", ColumnType::Integer), col("change", ColumnType::Integer)],
            rows: vec![vec![Cell::Int(1_234_567), Cell::Int(12)]],
        };
        let log = ResultTable {
            columns: vec![
                col("team", ColumnType::Text),
                col("activated_on", ColumnType::Date),
                col("logins", ColumnType::Integer),
            ],
            rows: (0..150)
                .map(|i| {
                    let team = if i == 3 { MARKUP.to_string() } else { format!("team-{i:03}") };
                    vec![Cell::Text(team), Cell::Date(Date(20_000 + i)), Cell::Int(1000 * i as i64)]
                })
                .collect(),
        };
        let seats = ResultTable {
            columns: vec![col("month", ColumnType::Date), col("active_seats", ColumnType::Integer)],
            rows: (0..6)
                .map(|i| vec![Cell::Date(Date(20_270 + 31 * i)), Cell::Int(5 + 10 * i as i64)])
                .collect(),
        };
        let chart = RenderedChart { option_json: "{}".into(), svg: SVG.into(), png: Vec::new() };
        vec![
            output(config, 0, number, None),
            output(config, 1, log, None),
            output(config, 2, seats, Some(chart)),
        ]
    }

    fn as_of() -> Date {
        "2026-11-25".parse().unwrap()
    }

    fn render(config: &Config, reports: &[ReportOutput]) -> Vec<u8> {
        let reports: Vec<&ReportOutput> = reports.iter().collect();
        let ctx = PdfContext { config, tab: &config.tabs[0], as_of: as_of(), reports: &reports, view: None };
        let pdf = render_tab_pdf(&ctx).unwrap();
        // Still tagged, without the entry poppler misreads.
        let has = |what: &[u8]| pdf.windows(what.len()).any(|w| w == what);
        assert!(has(b"/Marked true") && !has(b"/Suspects false"));
        pdf
    }

    /// Each page's text, in page order.
    fn page_texts(pdf: &[u8]) -> Vec<String> {
        let mut doc = lopdf::Document::load_mem(pdf).expect("the PDF parses");
        // lopdf 0.36's ToUnicode parser accepts only CIDSystemInfo, CMapName
        // and CMapType before the code ranges, and gives up on the
        // `/CMapVersion` and `/WMode` entries krilla (typst's PDF writer)
        // also writes, both legal and irrelevant to text; drop them first.
        for object in doc.objects.values_mut() {
            if let lopdf::Object::Stream(stream) = object {
                if stream.content.windows(9).any(|w| w == b"begincmap") {
                    let cmap = String::from_utf8_lossy(&stream.content).into_owned();
                    let kept: Vec<&str> = cmap
                        .lines()
                        .filter(|l| !l.starts_with("/CMapVersion") && !l.starts_with("/WMode"))
                        .collect();
                    stream.set_content((kept.join("\n") + "\n").into_bytes());
                }
            }
        }
        doc.get_pages().keys().map(|&n| doc.extract_text(&[n]).expect("text extracts")).collect()
    }

    /// `text` with every run of whitespace made one space: a title that
    /// wraps is still the title.
    fn squash(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Width and height in points of every page's media box.
    fn page_sizes(pdf: &[u8]) -> Vec<(f32, f32)> {
        let doc = lopdf::Document::load_mem(pdf).unwrap();
        doc.get_pages()
            .values()
            .map(|&id| {
                let page = doc.get_dictionary(id).unwrap();
                let b = page.get(b"MediaBox").unwrap().as_array().unwrap();
                let n = |i: usize| b[i].as_float().unwrap();
                (n(2) - n(0), n(3) - n(1))
            })
            .collect()
    }

    #[test]
    fn a_false_suspects_entry_is_blanked_in_place() {
        let mut pdf =
            b"1 0 obj << /MarkInfo <<\n /Marked true\n /Suspects false\n >> >> /Suspects false".to_vec();
        let len = pdf.len();
        drop_false_suspects(&mut pdf);
        assert_eq!(pdf.len(), len);
        // Only the catalog's entry, and only a false one.
        let blank = " ".repeat("/Suspects false".len());
        let expected = format!("1 0 obj << /MarkInfo <<\n /Marked true\n {blank}\n >> >> /Suspects false");
        assert_eq!(pdf, expected.into_bytes());
        let mut suspected = b"/MarkInfo << /Suspects true >>".to_vec();
        drop_false_suspects(&mut suspected);
        assert_eq!(suspected, b"/MarkInfo << /Suspects true >>".to_vec());
    }

    #[test]
    fn a_long_run_without_a_space_may_break_between_its_characters() {
        assert_eq!(breakable("a short text stays"), "a short text stays");
        // 14 characters stay whole; 15 get a break chance between each two.
        assert_eq!(breakable("abcdefghijklmn x"), "abcdefghijklmn x");
        let zws = '\u{200B}';
        assert_eq!(
            breakable("to abcdefghijklmno"),
            format!(
                "to {}",
                "abcdefghijklmno".chars().map(String::from).collect::<Vec<_>>().join(&zws.to_string())
            )
        );
        // A cluster (a flag, an accent) is never split.
        let flags = "🇫🇷".repeat(15);
        assert_eq!(breakable(&flags).split(zws).count(), 15);
        assert!(breakable(&flags).split(zws).all(|c| c == "🇫🇷"));
    }

    #[test]
    fn renders_every_report_title_and_the_number() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let pdf = render(&config, &outputs(&config));
        let pages = page_texts(&pdf);
        assert!((2..=4).contains(&pages.len()), "{} pages", pages.len());
        let all = squash(&pages.join("\n"));
        for title in [
            "Usage dashboard",
            "Users activity",
            "Total amount of entities",
            "Activated seats log",
            "Total monthly active seats",
        ] {
            assert!(all.contains(title), "missing {title:?} in\n{all}");
        }
        assert!(all.contains("1,234,567"), "{all}");
        assert!(all.contains("+12 vs previous period"), "{all}");
        assert!(all.contains("User activity history starts on 1 Jul 2025."), "{all}");
        assert!(all.contains("25 Nov 2026"), "{all}");
        assert!(all.contains("Last 7 days") && all.contains("19–25 Nov 2026"), "{all}");
        // The table stops after `max_rows` = 60 rows and says what is left.
        assert!(all.contains("team-059") && all.contains("59,000"), "{all}");
        assert!(!all.contains("team-060"), "{all}");
        assert!(all.contains("90 more rows in the CSV download (150 in all)."), "{all}");
        // The footer: tab name and page numbers on every page.
        let total = pages.len();
        for (i, page) in pages.iter().enumerate() {
            assert!(page.contains(&format!("Page {} of {total}", i + 1)), "page {}: {page}", i + 1);
            assert!(page.contains("Usage dashboard – Users activity"), "page {}: {page}", i + 1);
        }
        // The chart's labels are text too (the SVG went in as vectors, not
        // pixels); lopdf reads them a glyph per line, and the table shows
        // dates as ISO, so `Jul2025` can only come from the chart.
        let squeezed: String = all.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(squeezed.contains("Jul2025"), "{all}");
    }

    #[test]
    fn long_tables_repeat_their_header_on_every_page() {
        let mut config = Config::parse(CONFIG, "test").unwrap();
        config.pdf.max_rows = 1000;
        let pdf = render(&config, &outputs(&config));
        let pages = page_texts(&pdf);
        assert!((4..=8).contains(&pages.len()), "{} pages", pages.len());
        let all = pages.join("\n");
        assert!(all.contains("team-149") && !all.contains("more rows in the CSV"), "{all}");
        // Every page that holds log rows also holds the header.
        let with_rows: Vec<&String> = pages.iter().filter(|p| p.contains("team-")).collect();
        assert!(with_rows.len() >= 3, "{} pages with rows", with_rows.len());
        for page in with_rows {
            assert!(page.contains("Activated on") && page.contains("Logins"), "{page}");
        }
    }

    #[test]
    fn markup_in_data_prints_as_written() {
        let mut config = Config::parse(CONFIG, "test").unwrap();
        config.title = format!("Site {MARKUP}");
        config.tabs[0].title = format!("Tab {MARKUP}");
        config.tabs[0].notes.push(format!("Note {MARKUP}"));
        let mut reports = outputs(&config);
        reports[0].report.title = format!("Number {MARKUP}");
        reports[2].report.description = format!("Chart {MARKUP}");
        let pdf = render(&config, &reports);
        let lines = page_texts(&pdf).join("\n");
        let all = squash(&lines);
        for prefix in ["Site", "Tab", "Note", "Number", "Chart"] {
            assert!(all.contains(&format!("{prefix} {MARKUP}")), "missing {prefix} in\n{all}");
        }
        // The table cell, on its own.
        assert!(lines.lines().any(|l| l.trim() == MARKUP), "{lines}");
        // `#set page(width: 1cm)` set nothing: every page is A4.
        for (w, h) in page_sizes(&pdf) {
            assert!((w - 595.28).abs() < 0.1 && (h - 841.89).abs() < 0.1, "{w}x{h}");
        }
    }

    #[test]
    fn the_cache_gives_the_fresh_bytes_and_a_new_key_for_new_inputs() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let mut reports = outputs(&config);
        let dir = tempfile::tempdir().unwrap();
        let cached = |reports: &[ReportOutput]| {
            let reports: Vec<&ReportOutput> = reports.iter().collect();
            let ctx = PdfContext {
                config: &config,
                tab: &config.tabs[0],
                as_of: as_of(),
                reports: &reports,
                view: None,
            };
            render_tab_pdf_cached(&ctx, dir.path()).unwrap()
        };
        let fresh = render(&config, &reports);
        let (first, key) = cached(&reports);
        assert!(first == fresh, "a miss renders");
        assert!(dir.path().join(format!("{key}.pdf")).is_file());
        let (second, again) = cached(&reports);
        assert!(second == fresh && again == key, "a hit gives the same bytes");
        // One changed value is another PDF under another key.
        reports[0].report.title.push_str(" (edited)");
        let (third, other) = cached(&reports);
        assert!(other != key && third != fresh);
        assert!(third == render(&config, &reports));
        // Pruning to this build drops the old entry.
        assert_eq!(prune_cache(dir.path(), &HashSet::from([other.clone()])).unwrap(), 1);
        assert!(!dir.path().join(format!("{key}.pdf")).exists());
        assert!(dir.path().join(format!("{other}.pdf")).is_file());
    }

    #[test]
    fn same_inputs_give_identical_bytes() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let reports = outputs(&config);
        let first = render(&config, &reports);
        let second = render(&config, &reports);
        assert!(first == second, "two renders differ");
        // The as-of date is the document date; the clock is not.
        let doc = lopdf::Document::load_mem(&first).unwrap();
        let info = doc.trailer.get(b"Info").and_then(|o| o.as_reference()).unwrap();
        let date = doc.get_dictionary(info).unwrap().get(b"CreationDate").unwrap();
        let date = String::from_utf8_lossy(date.as_str().unwrap()).to_string();
        assert!(date.starts_with("D:20261125"), "{date}");
    }

    #[test]
    fn paper_size_and_orientation_follow_the_config() {
        let mut config = Config::parse(CONFIG, "test").unwrap();
        config.pdf.paper = "us-letter".into();
        config.pdf.landscape = true;
        let pdf = render(&config, &outputs(&config));
        for (w, h) in page_sizes(&pdf) {
            assert!((w - 792.0).abs() < 0.1 && (h - 612.0).abs() < 0.1, "{w}x{h}");
        }
    }

    #[test]
    fn empty_results_and_missing_charts_still_render() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let mut reports = outputs(&config);
        for r in &mut reports {
            r.table.rows.clear();
            r.total_rows = 0;
            r.chart = None;
        }
        let all = page_texts(&render(&config, &reports)).join("\n");
        assert!(all.contains("No rows."), "{all}");
        assert!(all.contains("No data"), "{all}");
    }

    /// The log report (index 1 of `CONFIG`) made `columns` text columns
    /// `field_a`, `field_b`, … wide, every cell `cell`, ten rows.
    fn with_wide_log(config: &Config, columns: usize, cell: &str) -> Vec<ReportOutput> {
        let mut reports = outputs(config);
        let names: Vec<String> =
            (0..columns).map(|i| format!("field_{}", (b'a' + i as u8) as char)).collect();
        reports[1].table = ResultTable {
            columns: names.iter().map(|n| col(n, ColumnType::Text)).collect(),
            rows: (0..10).map(|_| vec![Cell::Text(cell.into()); columns]).collect(),
        };
        reports[1].total_rows = 10;
        reports
    }

    fn is_landscape((w, h): (f32, f32)) -> bool {
        w > h
    }

    /// A 21-character cell is about 100 pt wide at 8.5 pt (DejaVu Sans
    /// averages 0.55 em a character) plus 8 pt of padding: six columns
    /// (~650 pt) overflow the portrait text width of A4 (595 - 2 x 45 = 504
    /// pt) but fit a landscape page (842 - 90 = 751 pt); twelve (~1,300 pt)
    /// do not, so the last ones are left out, named in a note.
    #[test]
    fn wide_tables_get_landscape_pages_and_the_widest_lose_columns() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let cell = "abcdefghij-abcdefghij";

        let narrow = render(&config, &with_wide_log(&config, 3, cell));
        assert!(
            page_sizes(&narrow).into_iter().all(|p| !is_landscape(p)),
            "three columns fit a portrait page"
        );

        let six = render(&config, &with_wide_log(&config, 6, cell));
        let sizes = page_sizes(&six);
        assert!(!is_landscape(sizes[0]), "the tab starts portrait: {sizes:?}");
        assert!(
            sizes.iter().any(|&p| is_landscape(p)),
            "the six-column table gets a landscape page: {sizes:?}"
        );
        assert!(!is_landscape(*sizes.last().unwrap()), "the chart after it is portrait again: {sizes:?}");
        let texts = page_texts(&six);
        let landscape: Vec<String> =
            texts.iter().zip(&sizes).filter(|(_, &p)| is_landscape(p)).map(|(t, _)| squash(t)).collect();
        assert!(
            landscape.iter().any(|t| t.contains("Activated seats log") && t.contains("Field f")),
            "{landscape:?}"
        );
        assert!(!squash(&texts.join(" ")).contains("Not shown here"));

        let twelve = render(&config, &with_wide_log(&config, 12, cell));
        let all = squash(&page_texts(&twelve).join(" "));
        let note = all.split("Not shown here, for room: ").nth(1).expect("a note names the columns left out");
        let note = note.split(" (in the CSV and XLSX downloads).").next().unwrap();
        let left_out: Vec<&str> = note.split(", ").collect();
        // Six or seven columns fit in 751 pt, depending on the exact glyph
        // widths: five or six are left out, the last ones.
        assert!((5..=6).contains(&left_out.len()), "{note}");
        assert_eq!(*left_out.last().unwrap(), "Field l", "{note}");
        assert!(all.contains("Field a") && all.contains("Field f"), "{all}");
    }

    /// An email of 60 characters (~290 pt) has no space to wrap at; beside
    /// a long note the two share the portrait page's 504 pt, and the email
    /// breaks inside: no line of the PDF holds it whole, every piece is
    /// there.
    #[test]
    fn long_words_wrap_inside_their_cell() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let email = "alexandra.konstantinopoulou-papadimitriou@northwind.example";
        let mut reports = outputs(&config);
        reports[1].table = ResultTable {
            columns: vec![col("email", ColumnType::Text), col("note", ColumnType::Text)],
            rows: vec![vec![
                Cell::Text(email.into()),
                Cell::Text(
                    "a note long enough to need the rest of the page and then some more words".repeat(2),
                ),
            ]],
        };
        reports[1].total_rows = 1;
        let pdf = render(&config, &reports);
        assert!(page_sizes(&pdf).into_iter().all(|p| !is_landscape(p)));
        let text = page_texts(&pdf).join("\n");
        assert!(!text.lines().any(|l| l.contains(email)), "the email is on one line:\n{text}");
        let joined: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{200b}').collect();
        assert!(joined.contains(email), "{text}");
    }

    #[test]
    fn data_window_names_the_relative_periods() {
        let window = |d: &str| -> Vec<String> {
            data_window(d.parse().unwrap()).into_iter().map(|(l, s)| format!("{l}: {s}")).collect()
        };
        assert_eq!(
            window("2026-11-25"),
            [
                "Current month: 1–25 Nov 2026",
                "Last 7 days: 19–25 Nov 2026",
                "Current year: 1 Jan – 25 Nov 2026"
            ]
        );
        assert_eq!(
            window("2027-01-03"),
            [
                "Current month: 1–3 Jan 2027",
                "Last 7 days: 28 Dec 2026 – 3 Jan 2027",
                "Current year: 1–3 Jan 2027"
            ]
        );
        assert_eq!(
            window("2026-03-01"),
            [
                "Current month: 1 Mar 2026",
                "Last 7 days: 23 Feb – 1 Mar 2026",
                "Current year: 1 Jan – 1 Mar 2026"
            ]
        );
    }

    #[test]
    fn change_labels_carry_a_sign() {
        assert_eq!(change_label(&Cell::Int(1200)), "+1,200 vs previous period");
        assert_eq!(change_label(&Cell::Int(-3)), "-3 vs previous period");
        assert_eq!(change_label(&Cell::Int(0)), "0 vs previous period");
        assert_eq!(change_label(&Cell::Null), "");
    }

    /// Six reports (two numbers, two charts, two 60-row tables), as on the
    /// sample site's busiest tab; prints the time per render.
    #[test]
    fn times_a_six_report_tab() {
        let config = Config::parse(CONFIG, "test").unwrap();
        let three = outputs(&config);
        let reports: Vec<ReportOutput> = three.iter().chain(three.iter()).cloned().collect();
        render(&config, &reports); // fonts and template parsed once per process
        let start = Instant::now();
        let runs = 5;
        for _ in 0..runs {
            render(&config, &reports);
        }
        let each = start.elapsed() / runs;
        eprintln!("six-report tab PDF: {each:?} per render");
        // Generous bound for a busy shared machine; the target is 200 ms.
        assert!(each.as_millis() < 2000, "{each:?}");
    }
}
