//! Rendering tests: ECharts SSR in QuickJS, PNG with resvg, the cache.

use resvg::tiny_skia::Pixmap;

use super::*;
use crate::config::{ChartConfig, ChartKind};
use crate::date::Date;
use crate::report::{Column, ColumnType, ResultTable, Value};

fn config(kind: ChartKind, x: &str, y: &[&str]) -> ChartConfig {
    ChartConfig::new(kind, x, y)
}

/// Monthly active seats and invites, Sep-Nov 2026.
pub(super) fn seats() -> ResultTable {
    let month = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
    ResultTable {
        columns: vec![
            Column { name: "month".into(), ty: ColumnType::Date },
            Column { name: "active_seats".into(), ty: ColumnType::Integer },
            Column { name: "invited".into(), ty: ColumnType::Integer },
        ],
        rows: vec![
            vec![month(9), Value::Int(1180), Value::Int(40)],
            vec![month(10), Value::Int(1234), Value::Int(52)],
            vec![month(11), Value::Int(1302), Value::Int(61)],
        ],
    }
}

fn job(key: &str, chart: &ChartConfig, table: &ResultTable) -> ChartJob {
    ChartJob {
        key: key.into(),
        option_json: build_option(chart, table).unwrap().to_string(),
        width: chart.width,
        height: chart.height,
        png: true,
        title: String::new(),
        description: String::new(),
    }
}

/// (width, height, number of distinct colours) of a PNG.
fn inspect_png(png: &[u8]) -> (u32, u32, usize) {
    let pixmap = Pixmap::decode_png(png).expect("PNG decodes");
    let mut colours: Vec<[u8; 4]> =
        pixmap.pixels().iter().map(|p| [p.red(), p.green(), p.blue(), p.alpha()]).collect();
    colours.sort_unstable();
    colours.dedup();
    (pixmap.width(), pixmap.height(), colours.len())
}

#[test]
fn svg_holds_series_names_axis_labels_and_values() {
    let mut chart = config(ChartKind::Line, "month", &["active_seats", "invited"]);
    chart.date_format = Some("month".into());
    let out = render_charts(&[job("users/seats", &chart, &seats())], None).unwrap();
    let svg = &out[0].svg;
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains(">Active seats</text>"), "{svg}");
    assert!(svg.contains(">Invited</text>"), "{svg}");
    assert!(svg.contains(">Sep 2026</text>") && svg.contains(">Nov 2026</text>"), "{svg}");
    // The value axis: ECharts' nice interval for [0, 1302] in ~5 steps is
    // 300 (260.4 rounded up to 1-2-3-5 steps), so ticks run 0..1,500,
    // grouped by the `integer` formatter from charts.js.
    assert!(svg.contains(">1,200</text>") && svg.contains(">1,500</text>"), "{svg}");
    assert!(!svg.contains(">1,800</text>"), "{svg}");
    assert!(svg.contains("font-family:DejaVu Sans, sans-serif"), "{svg}");
    assert_eq!(out[0].option_json, build_option(&chart, &seats()).unwrap().to_string());
    let (w, h, colours) = inspect_png(&out[0].png);
    assert_eq!((w, h), (640, 320));
    assert!(colours > 1);
}

#[test]
fn images_carry_the_report_title_and_summary() {
    let chart = config(ChartKind::Line, "month", &["active_seats"]);
    let mut titled = job("users/seats", &chart, &seats());
    titled.title = "Total monthly active seats".into();
    titled.description = "Active seats 1,302 in Nov 2026, up 68 (+5.5%) from Oct 2026.".into();
    let untitled = job("users/seats", &chart, &seats());
    assert_ne!(titled.cache_key(), untitled.cache_key(), "the text is part of the image");
    let out = render_charts(&[titled], None).unwrap();
    let svg = &out[0].svg;
    let root_end = svg.find('>').unwrap() + 1;
    assert!(
        svg[root_end..].starts_with(
            "<title>Total monthly active seats</title>\
             <desc>Active seats 1,302 in Nov 2026, up 68 (+5.5%) from Oct 2026.</desc>"
        ),
        "{svg}"
    );
    let png = &out[0].png;
    let has = |needle: &[u8]| png.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"iTXtTitle\0\0\0\0\0Total monthly active seats"));
    assert!(has(b"iTXtDescription\0\0\0\0\0Active seats 1,302"));
    assert_eq!(inspect_png(png).0, 640, "still a PNG");
}

#[test]
fn stacked_series_get_decal_patterns_and_lines_their_own_markers() {
    let chart = config(ChartKind::StackedBar, "month", &["active_seats", "invited"]);
    let out = render_charts(&[job("users/stack", &chart, &seats())], None).unwrap();
    // ECharts draws decals as SVG patterns filling the bars.
    assert!(out[0].svg.contains("<pattern"), "{}", out[0].svg);
    let chart = config(ChartKind::Line, "month", &["active_seats", "invited"]);
    let out = render_charts(&[job("users/lines", &chart, &seats())], None).unwrap();
    assert!(out[0].svg.contains("stroke-dasharray"), "the second line is dashed: {}", out[0].svg);
}

#[test]
fn a_chart_looks_the_same_whatever_was_rendered_before_it() {
    // ECharts' palette keeps a series name's decal across the charts one
    // engine draws: `invited` would get the first decal drawn fresh and the
    // second after a chart that named it second.
    let first = config(ChartKind::StackedBar, "month", &["active_seats", "invited"]);
    let second = config(ChartKind::StackedBar, "month", &["invited", "active_seats"]);
    let job_b = job("users/b", &second, &seats());
    let fresh = ChartRenderer::new().unwrap().render(&job_b).unwrap();
    let used = ChartRenderer::new().unwrap();
    used.render(&job("users/a", &first, &seats())).unwrap();
    let after = used.render(&job_b).unwrap();
    assert!(fresh.svg.contains("<pattern"), "decals are drawn");
    assert!(fresh.svg == after.svg, "the SVG depends on the charts drawn before it");
}

#[test]
fn bar_labels_show_formatted_values() {
    let mut chart = config(ChartKind::Bar, "month", &["active_seats"]);
    chart.date_format = Some("month".into());
    let out = render_charts(&[job("users/seats-bar", &chart, &seats())], None).unwrap();
    assert!(out[0].svg.contains(">1,234</text>"), "{}", out[0].svg);
    chart.number_format = "compact".into();
    let out = render_charts(&[job("users/seats-bar", &chart, &seats())], None).unwrap();
    assert!(out[0].svg.contains(">1.2k</text>"), "{}", out[0].svg);
}

#[test]
fn pie_labels_show_shares() {
    let table = ResultTable {
        columns: vec![
            Column { name: "source".into(), ty: ColumnType::Text },
            Column { name: "n".into(), ty: ColumnType::Integer },
        ],
        rows: vec![
            vec![Value::Text("web".into()), Value::Int(1)],
            vec![Value::Text("api".into()), Value::Int(3)],
        ],
    };
    for kind in [ChartKind::Pie, ChartKind::Donut] {
        let out = render_charts(&[job("src/share", &config(kind, "source", &["n"]), &table)], None).unwrap();
        // 1 of 4 and 3 of 4.
        assert!(out[0].svg.contains(">web: 25%</text>"), "{}", out[0].svg);
        assert!(out[0].svg.contains(">api: 75%</text>"), "{}", out[0].svg);
    }
}

#[test]
fn labels_are_escaped_and_render() {
    let tricky = "Q&A <b>\"quoted\" 'single' Продажи Ωμέγα";
    let table = ResultTable {
        columns: vec![
            Column { name: "name".into(), ty: ColumnType::Text },
            Column { name: "n".into(), ty: ColumnType::Integer },
        ],
        rows: vec![
            vec![Value::Text(tricky.into()), Value::Int(5)],
            vec![Value::Text("<script>alert(1)</script>".into()), Value::Int(7)],
        ],
    };
    let mut chart = config(ChartKind::HorizontalBar, "name", &["n"]);
    chart.title = Some(tricky.into());
    chart.subtitle = Some("a < b & c > d".into());
    chart.width = 900;
    chart.height = 300;
    let out = render_charts(&[job("odd/labels", &chart, &table)], None).unwrap();
    let svg = &out[0].svg;
    assert!(svg.contains("Q&amp;A &lt;b&gt;&quot;quoted&quot; &#39;single&#39; Продажи Ωμέγα"), "{svg}");
    assert!(svg.contains("a &lt; b &amp; c &gt; d"), "{svg}");
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{svg}");
    assert!(!svg.contains("<script") && !svg.contains("<b>"), "{svg}");
    let (w, h, colours) = inspect_png(&out[0].png);
    assert_eq!((w, h), (900, 300));
    assert!(colours > 1);
}

#[test]
fn every_kind_renders_at_its_size() {
    use ChartKind::*;
    let jobs: Vec<ChartJob> = [Line, Area, Bar, StackedBar, HorizontalBar, Pie, Donut]
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            let mut c = config(kind, "month", &["active_seats"]);
            c.width = 300 + 10 * i as u32;
            c.height = 200 + i as u32;
            job(&format!("t/{kind:?}"), &c, &seats())
        })
        .collect();
    let out = render_charts(&jobs, None).unwrap();
    assert_eq!(out.len(), jobs.len());
    for (job, chart) in jobs.iter().zip(&out) {
        assert_eq!(chart.option_json, job.option_json, "{}", job.key);
        let (w, h, colours) = inspect_png(&chart.png);
        assert_eq!((w, h), (job.width, job.height), "{}", job.key);
        assert!(colours > 1, "{}", job.key);
        // The chart's own colour is drawn.
        assert!(chart.svg.contains("#0072B2") || chart.svg.contains("rgb(0,114,178)"), "{}", job.key);
    }
}

#[test]
fn rendering_is_deterministic_and_ids_are_scoped() {
    let chart = config(ChartKind::Line, "month", &["active_seats"]);
    let one = job("a/one", &chart, &seats());
    // The same chart three times, in one call, so one engine renders it
    // again with its instance counters moved on; duplicates render once,
    // so vary the key's content with a different size.
    let mut two = one.clone();
    two.key = "a/two".into();
    two.width += 1;
    let first = render_charts(&[one.clone(), two.clone()], None).unwrap();
    let again = render_charts(&[two, one.clone()], None).unwrap();
    assert_eq!(first[0], again[1]);
    assert_eq!(first[1], again[0]);
    let prefix = format!("tc{}", &one.cache_key()[..10]);
    assert!(first[0].svg.contains(&format!("id=\"{prefix}-c0\"")), "{}", first[0].svg);
    assert!(!first[0].svg.contains("zr"), "{}", first[0].svg);
}

#[test]
fn cache_returns_what_a_fresh_render_gives() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("charts");
    let chart = config(ChartKind::StackedBar, "month", &["active_seats", "invited"]);
    let jobs = vec![job("a/one", &chart, &seats()), job("a/same", &chart, &seats())];
    let fresh = render_charts(&jobs, None).unwrap();
    let cold = render_charts(&jobs, Some(&cache)).unwrap();
    assert_eq!(fresh, cold);
    // Identical charts share one entry.
    let mut names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let key = jobs[0].cache_key();
    assert_eq!(names, vec![format!("{key}.png"), format!("{key}.svg")]);
    let warm = render_charts(&jobs, Some(&cache)).unwrap();
    assert_eq!(fresh, warm);
    // The warm run really reads the cache: a marked entry comes back.
    std::fs::write(cache.join(format!("{key}.svg")), "<svg>marked</svg>").unwrap();
    let marked = render_charts(&jobs, Some(&cache)).unwrap();
    assert_eq!(marked[1].svg, "<svg>marked</svg>");
    // Pruning keeps the entries of the jobs given and nothing else that
    // looks like an entry.
    std::fs::write(cache.join(format!("{}.svg", "0".repeat(64))), "old").unwrap();
    std::fs::write(cache.join("notes.txt"), "mine").unwrap();
    assert_eq!(prune_cache(&cache, &jobs).unwrap(), 1);
    assert!(cache.join(format!("{key}.png")).is_file() && cache.join("notes.txt").is_file());
    assert_eq!(prune_cache(&cache, &[]).unwrap(), 2);
    // A different size is a different entry.
    let mut bigger = jobs[0].clone();
    bigger.height += 10;
    assert_ne!(bigger.cache_key(), key);
}

#[test]
fn errors_name_the_job() {
    let good = job("ok/fine", &config(ChartKind::Bar, "month", &["invited"]), &seats());
    let bad = ChartJob {
        key: "tab/broken".into(),
        option_json: "{not json".into(),
        width: 200,
        height: 100,
        png: true,
        title: String::new(),
        description: String::new(),
    };
    let err = format!("{:#}", render_charts(&[good.clone(), bad], None).unwrap_err());
    assert!(err.starts_with("chart `tab/broken`: "), "{err}");
    assert!(err.contains("in JSON at position 1"), "{err}");
    let empty = ChartJob { key: "tab/empty".into(), width: 0, ..good };
    let err = render_charts(&[empty], None).unwrap_err().to_string();
    assert!(err.contains("`tab/empty`"), "{err}");
}

#[test]
fn scope_ids_leaves_text_alone() {
    let svg = "<svg><g clip-path=\"url(#zr12-c0)\" class=\"zr12-cls-40\"><text>zr1-cls-3 label</text></g>\
               <style><![CDATA[.zr12-cls-40:hover{} .zr12-cls-41{}]]></style></svg>";
    assert_eq!(
        scope_ids(svg, "tcX"),
        "<svg><g clip-path=\"url(#tcX-c0)\" class=\"tcX-cls-0\"><text>zr1-cls-3 label</text></g>\
         <style><![CDATA[.tcX-cls-0:hover{} .tcX-cls-1{}]]></style></svg>"
    );
}

#[test]
fn echarts_script_is_embedded() {
    assert!(ECHARTS_JS.len() > 500_000);
    assert!(ECHARTS_JS.contains("renderToSVGString"));
}

#[test]
fn browser_and_rust_format_numbers_alike() {
    let engine = ssr::Engine::new().unwrap();
    let values = [
        0.0,
        0.5,
        2.5,
        -0.4,
        3.25,
        0.125,
        1.005,
        9.96,
        999.0,
        999.5,
        1234.5,
        -1234.5,
        1_500.0,
        999_950.0,
        999.95,
        999.94,
        2_000_000.0,
        -3.25e9,
        0.07,
        12.345678,
        1e12,
    ];
    for format in ["integer", "decimal", "percent", "compact"] {
        let js: Vec<String> = values
            .iter()
            .map(|v| engine.eval_string(&format!("tallyCharts.formatNumber('{format}', {v:?})")).unwrap())
            .collect();
        let rust: Vec<String> = values.iter().map(|v| format_number(format, *v)).collect();
        assert_eq!(js, rust, "{format}");
    }
    // Spot checks worked out by hand.
    assert_eq!(engine.eval_string("tallyCharts.formatNumber('compact', 999950)").unwrap(), "1M");
    assert_eq!(engine.eval_string("tallyCharts.formatNumber('compact', 999.95)").unwrap(), "1k");
    assert_eq!(engine.eval_string("tallyCharts.formatNumber('compact', -1234)").unwrap(), "-1.2k");
    assert_eq!(engine.eval_string("tallyCharts.formatNumber('integer', null)").unwrap(), "–");
}

/// Small whole numbers tick by whole numbers: for 0..2, ECharts' own ticks
/// would be 0, 0.5, 1, 1.5, 2 (`0 1 1 2 2` in the integer format), and an
/// all-zero series gets 0..1 in steps of 0.2 (`0 0 0 1 1 1`). With
/// `minInterval: 1` the first axis reads 0, 1, 2 and the second 0, 1.
#[test]
fn small_integer_axes_tick_by_whole_numbers() {
    let month = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
    let table = |values: [i64; 3]| ResultTable {
        columns: vec![
            Column { name: "month".into(), ty: ColumnType::Date },
            Column { name: "runs".into(), ty: ColumnType::Integer },
        ],
        rows: (0..3).map(|i| vec![month(9 + i as u32), Value::Int(values[i])]).collect(),
    };
    let chart = config(ChartKind::Bar, "month", &["runs"]);
    let ticks = |svg: &str| -> Vec<String> {
        // The value axis labels are right-aligned at the plot's left edge.
        svg.split("<text")
            .filter(|t| t.contains("text-anchor=\"end\""))
            .map(|t| t.split('>').nth(1).unwrap().trim_end_matches("</text").to_string())
            .collect()
    };
    for (values, expected) in [([0, 1, 2], vec!["0", "1", "2"]), ([0, 0, 0], vec!["0", "1"])] {
        let option = build_option(&chart, &table(values)).unwrap();
        assert_eq!(option["yAxis"]["minInterval"], 1);
        let out = render_charts(&[job("runs", &chart, &table(values))], None).unwrap();
        assert_eq!(ticks(&out[0].svg), expected, "{values:?}: {}", out[0].svg);
    }
    // Other formats keep ECharts' steps (a decimal axis may need 0.5).
    let mut decimal = chart.clone();
    decimal.number_format = "decimal".into();
    assert!(build_option(&decimal, &table([0, 1, 2])).unwrap()["yAxis"].get("minInterval").is_none());
}
