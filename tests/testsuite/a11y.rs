//! Issue #13, checked on the sample site (the repository's `site.toml`,
//! `queries/` and `sample-data/`): no text of any tab PDF overlaps other
//! text (poppler's `pdftotext -bbox-layout` gives every word's box), and
//! every tab page passes axe-core's WCAG 2.1 A/AA audit and tally's own
//! checks in headless Chromium, light and dark (`tests/browser/a11y.mjs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{json, Value};

/// The sample site, built once per test run into the test target's temp
/// folder (a fresh copy each run; a static temp dir would never be deleted).
fn built_sample() -> &'static Path {
    static SITE: OnceLock<PathBuf> = OnceLock::new();
    SITE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("a11y-sample");
        if dir.exists() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(repo.join("site.toml"), dir.join("site.toml")).unwrap();
        for top in ["queries", "sample-data"] {
            for entry in walkdir::WalkDir::new(repo.join(top)) {
                let entry = entry.unwrap();
                let target = dir.join(entry.path().strip_prefix(repo).unwrap());
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(&target).unwrap();
                } else {
                    std::fs::copy(entry.path(), &target).unwrap();
                }
            }
        }
        let out = Command::new(env!("CARGO_BIN_EXE_tally"))
            .args(["build", "--quiet"])
            .current_dir(&dir)
            .env_remove("TALLY_CACHE_DIR")
            .output()
            .expect("failed to run tally");
        assert!(out.status.success(), "tally build failed:\n{}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// A word of a PDF page as poppler places it: its box in points (origin
/// top left).
#[derive(Debug)]
struct Word {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

/// Every page's words, from `pdftotext -bbox-layout` (poppler-utils).
fn pdf_words(pdf: &Path) -> Vec<Vec<Word>> {
    let out = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext must be installed (poppler-utils; .ci/run installs it)");
    assert!(out.status.success(), "pdftotext failed on {}", pdf.display());
    let xml = String::from_utf8_lossy(&out.stdout);
    let attr = |tag: &str, name: &str| -> f64 {
        let start =
            tag.find(&format!("{name}=\"")).unwrap_or_else(|| panic!("no {name} in {tag}")) + name.len() + 2;
        let len = tag[start..].find('"').unwrap();
        tag[start..start + len].parse().unwrap()
    };
    let mut pages: Vec<Vec<Word>> = Vec::new();
    for row in xml.lines() {
        let row = row.trim();
        if row.starts_with("<page ") {
            pages.push(Vec::new());
        } else if let Some(word) = row.strip_prefix("<word ") {
            let (tag, rest) = word.split_once('>').unwrap();
            let text = rest.trim_end_matches("</word>");
            pages.last_mut().expect("a word outside a page").push(Word {
                x0: attr(tag, "xMin"),
                y0: attr(tag, "yMin"),
                x1: attr(tag, "xMax"),
                y1: attr(tag, "yMax"),
                text: text
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            });
        }
    }
    pages
}

/// Pairs of words of one page whose boxes overlap by more than a quarter
/// point both ways (two glyph boxes that merely touch are not a collision),
/// as readable lines. Words of one line follow each other and never do, so
/// every pair counts, whichever line or block poppler put them in (an email
/// run over the next cell's name is one block to it).
fn overlapping_words(pdf: &Path) -> Vec<String> {
    const SLACK: f64 = 0.25;
    let mut found = Vec::new();
    for (page, words) in pdf_words(pdf).iter().enumerate() {
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                let across = a.x1.min(b.x1) - a.x0.max(b.x0);
                let down = a.y1.min(b.y1) - a.y0.max(b.y0);
                if across > SLACK && down > SLACK {
                    found.push(format!(
                        "page {}: `{}` ({:.1},{:.1}) overlaps `{}` ({:.1},{:.1}) by {across:.1}x{down:.1} pt",
                        page + 1,
                        a.text,
                        a.x0,
                        a.y0,
                        b.text,
                        b.x0,
                        b.y0
                    ));
                }
            }
        }
    }
    found
}

/// A one-page PDF with Helvetica text at the given (x, y from the bottom,
/// text) spots, 12 pt, written with lopdf: a layout broken on purpose.
fn pdf_with_text(spots: &[(f64, f64, &str)]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut operations = Vec::new();
    for &(x, y, text) in spots {
        operations.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![(x as f32).into(), (y as f32).into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ]);
    }
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

/// The check itself, on a page broken on purpose: an email run over the
/// next column's name (as the activated-seats table did), a number's box
/// run into its change line, and text that only sits close by.
#[test]
fn the_overlap_check_finds_text_run_over_other_text() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.pdf");
    std::fs::write(
        &broken,
        pdf_with_text(&[
            // `omar.torres@acme.example` is about 150 pt wide at 12 pt: the
            // name 100 pt to its right starts inside it.
            (50.0, 700.0, "omar.torres@acme.example"),
            (150.0, 700.0, "Omar Torres"),
            // A line 6 pt lower: 12 pt boxes overlap by 6 pt.
            (50.0, 600.0, "4,659"),
            (50.0, 594.0, "+377"),
            // Apart: 20 pt right of the end of the first, 14 pt below.
            (50.0, 500.0, "Acme"),
            (100.0, 500.0, "Robotics"),
            (50.0, 486.0, "member"),
        ]),
    )
    .unwrap();
    let found = overlapping_words(&broken);
    let pairs: Vec<&str> = found.iter().map(|f| f.split(" (").next().unwrap()).collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(pairs[0].contains("`omar.torres@acme.example`"), "{found:#?}");
    assert!(found[0].contains("`Omar`") && found[1].contains("`Torres`"), "{found:#?}");
    assert!(found[2].contains("`4,659`") && found[2].contains("`+377`"), "{found:#?}");
}

/// Every PDF of the sample site (the tab PDFs and each organization's), on
/// every page: no word's box overlaps another's.
#[test]
fn no_text_overlaps_in_any_tab_pdf() {
    let public = built_sample().join("public");
    let pdfs: Vec<PathBuf> = walkdir::WalkDir::new(&public)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert!(pdfs.len() >= 5, "{} PDFs", pdfs.len());
    let mut failures = Vec::new();
    for pdf in &pdfs {
        let found = overlapping_words(pdf);
        if !found.is_empty() {
            let rel = pdf.strip_prefix(&public).unwrap().display().to_string();
            failures.push(format!(
                "{rel}: {} overlaps, first:\n  {}",
                found.len(),
                found[..found.len().min(5)].join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "text overlaps in {} of {} PDFs:\n{}",
        failures.len(),
        pdfs.len(),
        failures.join("\n")
    );
}

/// The pages the browser checks open: the overview and every tab, from
/// the manifest.
fn tab_pages(public: &Path) -> Vec<String> {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(public.join("api/index.json")).unwrap()).unwrap();
    let tabs = manifest["tabs"].as_array().unwrap();
    let mut pages = vec!["index.html".to_string()];
    pages.extend(tabs.iter().map(|t| format!("{}/index.html", t["id"].as_str().unwrap())));
    pages
}

/// Every tab page of the sample site passes axe-core's WCAG 2.1 A/AA audit
/// with no serious or critical violation, in light and in dark, and
/// tally's own checks (tests/browser/a11y.mjs). Set
/// `TALLY_SCREENSHOTS=<dir>` to keep a screenshot of every page in light,
/// dark, at 360 px and printed.
#[test]
fn every_tab_page_is_accessible_in_light_and_dark() {
    let public = built_sample().join("public");
    let pages = tab_pages(&public);
    assert!(pages.len() >= 6, "{pages:?}");
    let port = crate::browser::serve(public);
    let screenshots = std::env::var("TALLY_SCREENSHOTS").ok();
    let spec =
        json!({ "base": format!("http://127.0.0.1:{port}"), "pages": pages, "screenshots": screenshots });
    crate::views::run_browser_script("a11y.mjs", &spec);
}

/// The browser checks can fail: a copy of a tab page broken on purpose (a
/// chart whose wrapper lost `role="img"`, a table headed by a plain cell,
/// an image without a text alternative, grey text on grey, a box wider
/// than a phone, a script that is not there) fails every one of them.
#[test]
fn the_browser_checks_fail_on_a_page_broken_on_purpose() {
    let public = built_sample().join("public");
    let page = std::fs::read_to_string(public.join("data-sources/index.html")).unwrap();
    let mut broken = page.clone();
    for (from, to) in [
        (r#"<div class="chart__svg" role="img""#, r#"<div class="chart__svg""#),
        (r#"<thead><tr><th scope="col">Month</th>"#, "<thead><tr><td>Month</td>"),
        (
            "</main>",
            concat!(
                r#"<img src="../assets/favicon.svg">"#,
                r#"<p style="color:#888;background:#999">Grey on grey</p>"#,
                r#"<div style="width:600px">Wider than a phone</div>"#,
                r#"<script src="../assets/not-there.js"></script></main>"#
            ),
        ),
    ] {
        assert!(broken.contains(from), "the page has no `{from}`");
        broken = broken.replacen(from, to, 1);
    }
    std::fs::create_dir_all(public.join("a11y-broken")).unwrap();
    std::fs::write(public.join("a11y-broken/index.html"), broken).unwrap();
    let port = crate::browser::serve(public);
    let spec = json!({ "base": format!("http://127.0.0.1:{port}"), "pages": ["a11y-broken/index.html"] });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(&spec).unwrap()).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let out = Command::new("node")
        .arg(dir.join("a11y.mjs"))
        .arg(file.path())
        .output()
        .expect("node must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the broken page passed:\n{stderr}");
    for expected in [
        "(light): axe critical image-alt",
        "(dark): axe critical image-alt",
        "axe serious color-contrast",
        "monthly-data-sources: the static chart SVG is not inside role=\"img\"",
        "a table with 2 header cells for 3 columns",
        "(light, 360 px): the page scrolls sideways",
        "console error: Failed to load resource",
    ] {
        assert!(stderr.contains(expected), "no `{expected}` in:\n{stderr}");
    }
}
