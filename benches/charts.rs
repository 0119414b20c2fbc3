//! Chart rendering benchmark (`cargo bench --bench charts`): prints a
//! Markdown table of engine start, charts per second for a 365-point line
//! and a 12-slice pie, and a ~20-chart site's chart phase cold and cached.
//!
//! `cargo bench --bench charts -- --dump DIR` also writes every chart of the
//! mixed set to DIR as SVG and PNG, for looking at.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tally::config::{ChartConfig, ChartKind};
use tally::date::Date;
use tally::render::chart::{build_option, render_charts, ChartJob, ChartRenderer};
use tally::report::{Column, ColumnType, ResultTable, Value};

fn config(kind: ChartKind, x: &str, y: &[&str], series: Option<&str>) -> ChartConfig {
    ChartConfig { series: series.map(str::to_owned), ..ChartConfig::new(kind, x, y) }
}

fn col(name: &str, ty: ColumnType) -> Column {
    Column { name: name.into(), ty }
}

/// A deterministic wobbly series (no RNG dependency).
fn wobble(i: usize, seed: usize) -> i64 {
    let x = (i * 7919 + seed * 104_729) % 1000;
    200 + (i as i64 * 3) / 2 + (x as i64 % 60) + ((i as f64 / 9.0).sin() * 40.0) as i64
}

fn daily(days: usize, series: &[&str]) -> ResultTable {
    let start = Date::from_ymd(2025, 11, 26).unwrap();
    let mut columns = vec![col("day", ColumnType::Date)];
    columns.extend(series.iter().map(|s| col(s, ColumnType::Integer)));
    let rows = (0..days)
        .map(|i| {
            let mut row = vec![Value::Date(Date(start.0 + i as i32))];
            row.extend((0..series.len()).map(|s| Value::Int(wobble(i, s))));
            row
        })
        .collect();
    ResultTable { columns, rows }
}

fn monthly_long(months: usize, sources: &[&str]) -> ResultTable {
    let mut rows = Vec::new();
    for m in 0..months {
        let month = Date::from_ymd(2025 + (6 + m as i64) / 12, ((6 + m) % 12) as u32 + 1, 1).unwrap();
        for (s, source) in sources.iter().enumerate() {
            rows.push(vec![Value::Date(month), Value::Text((*source).into()), Value::Int(wobble(m, s) * 3)]);
        }
    }
    ResultTable {
        columns: vec![
            col("month", ColumnType::Date),
            col("source", ColumnType::Text),
            col("n", ColumnType::Integer),
        ],
        rows,
    }
}

fn slices(n: usize) -> ResultTable {
    ResultTable {
        columns: vec![col("name", ColumnType::Text), col("n", ColumnType::Integer)],
        rows: (0..n)
            .map(|i| vec![Value::Text(format!("Category {}", i + 1)), Value::Int(wobble(i, 3) - 150)])
            .collect(),
    }
}

fn job(key: &str, chart: &ChartConfig, table: &ResultTable) -> ChartJob {
    ChartJob {
        key: key.into(),
        option_json: build_option(chart, table).expect("option").to_string(),
        width: chart.width,
        height: chart.height,
        png: true,
        title: String::new(),
        description: String::new(),
    }
}

/// About the chart mix of the sample site: daily lines, monthly bars, long
/// format stacks, shares and top-N lists.
fn mixed() -> Vec<ChartJob> {
    let mut jobs = Vec::new();
    for (i, days) in [365, 180, 90, 30, 365, 120].into_iter().enumerate() {
        let kind = if i % 2 == 0 { ChartKind::Line } else { ChartKind::Area };
        let mut c = config(kind, "day", &["logins", "visits"][..1 + i % 2], None);
        c.title = Some(format!("Daily activity {i}"));
        jobs.push(job(&format!("users/daily-{i}"), &c, &daily(days, &["logins", "visits"])));
    }
    for i in 0..4 {
        let mut c = config(ChartKind::StackedBar, "month", &["n"], Some("source"));
        c.date_format = Some("month".into());
        c.number_format = "compact".into();
        let sources = ["web", "api", "mobile", "mcp", "import"];
        jobs.push(job(&format!("data/sources-{i}"), &c, &monthly_long(6 + i * 2, &sources[..2 + i])));
    }
    for i in 0..4 {
        let mut c = config(ChartKind::Bar, "month", &["n"], None);
        c.date_format = Some("month".into());
        jobs.push(job(&format!("users/monthly-{i}"), &c, &monthly_long(6 + i, &["web"])));
    }
    for i in 0..3 {
        let kind = if i == 1 { ChartKind::Donut } else { ChartKind::Pie };
        jobs.push(job(&format!("ai/share-{i}"), &config(kind, "name", &["n"], None), &slices(4 + 3 * i)));
    }
    for i in 0..3 {
        let c = config(ChartKind::HorizontalBar, "name", &["n"], None);
        jobs.push(job(&format!("actions/top-{i}"), &c, &slices(10)));
    }
    jobs
}

fn secs(d: Duration) -> String {
    if d.as_secs_f64() >= 1.0 {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}

fn rate(renderer: &ChartRenderer, job: &ChartJob, n: usize) -> (Duration, f64) {
    renderer.render(job).expect("warm-up render");
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(renderer.render(job).expect("render"));
    }
    let per = start.elapsed() / n as u32;
    (per, 1.0 / per.as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dump = args.iter().position(|a| a == "--dump").and_then(|i| args.get(i + 1)).map(PathBuf::from);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let mut rows: Vec<(String, String)> = Vec::new();

    let mut starts = Vec::new();
    let mut renderer = None;
    for _ in 0..3 {
        let t = Instant::now();
        renderer = Some(ChartRenderer::new().expect("engine starts"));
        starts.push(t.elapsed());
    }
    starts.sort();
    let renderer = renderer.unwrap();
    rows.push(("Engine start (QuickJS + ECharts 5.5.1), median of 3".into(), secs(starts[1])));

    let line =
        job("bench/line", &config(ChartKind::Line, "day", &["logins"], None), &daily(365, &["logins"]));
    let (per, per_sec) = rate(&renderer, &line, 20);
    rows.push((
        "Line chart, 365 points, 640x320 (SVG + PNG)".into(),
        format!("{} per chart, {per_sec:.1} charts/s", secs(per)),
    ));
    let pie = job("bench/pie", &config(ChartKind::Pie, "name", &["n"], None), &slices(12));
    let (per, per_sec) = rate(&renderer, &pie, 20);
    rows.push((
        "Pie chart, 12 slices, 640x320 (SVG + PNG)".into(),
        format!("{} per chart, {per_sec:.1} charts/s", secs(per)),
    ));
    drop(renderer);

    let jobs = mixed();
    let cache = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let cold = render_charts(&jobs, Some(cache.path())).expect("cold render");
    let cold_time = t.elapsed();
    let t = Instant::now();
    let warm = render_charts(&jobs, Some(cache.path())).expect("cached render");
    let warm_time = t.elapsed();
    assert!(cold == warm, "cached charts differ from fresh ones");
    rows.push((format!("{} mixed charts, cold (empty cache, {cores} cores)", jobs.len()), secs(cold_time)));
    rows.push((format!("{} mixed charts, all cached", jobs.len()), secs(warm_time)));

    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    println!("| {:width$} | result |", "measurement");
    println!("|{}|--------|", "-".repeat(width + 2));
    for (k, v) in &rows {
        println!("| {k:width$} | {v} |");
    }

    if let Some(dir) = dump {
        std::fs::create_dir_all(&dir).expect("dump dir");
        for (job, chart) in jobs.iter().zip(&cold) {
            let name = job.key.replace('/', "-");
            std::fs::write(dir.join(format!("{name}.svg")), &chart.svg).expect("write svg");
            std::fs::write(dir.join(format!("{name}.png")), &chart.png).expect("write png");
        }
        println!("\nwrote {} charts to {}", jobs.len(), dir.display());
    }
}
