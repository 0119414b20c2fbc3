//! The one-line text alternative of a chart: for a time series the latest
//! value and its change, for categories the largest one, for a pie the
//! largest share. Numbers use the chart's `number_format`, as its axis does.
//! A time series compares like with like, as its report's `measure` says: a
//! flow's month so far against the same days of the previous month, a level
//! against the end of the previous month.

use crate::config::{ChartConfig, ChartKind, Measure, ReportConfig};
use crate::date::Date;
use crate::render::page::to_date_spans;
use crate::report::{ColumnType, ResultTable, Value};

use super::option::{as_f64, label, ChartData, SeriesData};

/// What a time series' latest point is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison<'a> {
    /// The previous point (no `measure`).
    Previous,
    /// A level: the previous point is the end of its month.
    Level {
        /// The as-of date, which a point in the as-of month is at.
        as_of: Date,
    },
    /// A flow: a point in the as-of month is the month so far, compared with
    /// the previous month over the same days, which `column` holds.
    Flow {
        /// The as-of date.
        as_of: Date,
        /// The column with the previous month's value over the same days.
        column: &'a str,
    },
}

impl<'a> Comparison<'a> {
    /// The comparison a report's `measure` asks for.
    pub fn of(report: &'a ReportConfig, as_of: Date) -> Comparison<'a> {
        match report.measure {
            None => Comparison::Previous,
            Some(Measure::Level) => Comparison::Level { as_of },
            Some(Measure::Flow) => Comparison::Flow { as_of, column: report.compare_column() },
        }
    }
}

/// How many series a summary names before saying "and N more".
const MAX_SERIES: usize = 3;

/// A one-line summary of the chart's data, for screen readers and for
/// people who would rather read numbers. Assumes `check_columns` passed.
pub fn summarize(chart: &ChartConfig, table: &ResultTable, comparison: &Comparison) -> String {
    let Ok(data) = ChartData::from_table(chart, table) else {
        return String::new();
    };
    // A flow's values over the same days of the previous month, laid out as
    // the chart's series are (wide format: for the first series only).
    let same_days = match comparison {
        Comparison::Flow { column, .. } if table.column_index(column).is_some() => {
            let mut by_column = chart.clone();
            by_column.y = vec![column.to_string()];
            ChartData::from_table(&by_column, table).ok()
        }
        _ => None,
    };
    let same_days_of = |index: usize, series: &SeriesData| -> Option<&SeriesData> {
        let data = same_days.as_ref()?;
        if chart.series.is_some() {
            data.series.iter().find(|s| s.name == series.name)
        } else {
            data.series.first().filter(|_| index == 0)
        }
    };
    // The label of the as-of month on the x axis, when a comparison needs it.
    let as_of_month = match comparison {
        Comparison::Previous => None,
        Comparison::Level { as_of } | Comparison::Flow { as_of, .. } => {
            Some(label(&Value::Date(as_of.month_start()), chart.date_format.as_deref()))
        }
    };
    if data.categories.is_empty() {
        return "No data.".into();
    }
    let fmt = |v: f64| format_number(&chart.number_format, v);
    if matches!(chart.kind, ChartKind::Pie | ChartKind::Donut) {
        let values: Vec<Option<f64>> = data.series[0].values.iter().map(|v| v.map(as_f64)).collect();
        let total: f64 = values.iter().flatten().map(|v| v.max(0.0)).sum();
        let largest = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).fold(
            None,
            |best: Option<(usize, f64)>, (i, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((i, v)),
            },
        );
        return match largest {
            Some((i, v)) if total > 0.0 => format!(
                "Largest share: {} with {} of {} ({}).",
                data.categories[i],
                fmt(v),
                fmt(total),
                format_number("percent", v / total)
            ),
            _ => "No data.".into(),
        };
    }

    let time_axis = table
        .columns
        .iter()
        .find(|c| c.name == chart.x)
        .is_some_and(|c| matches!(c.ty, ColumnType::Date | ColumnType::Timestamp));
    let mut parts: Vec<String> = data
        .series
        .iter()
        .take(MAX_SERIES)
        .enumerate()
        .filter_map(|(index, series)| {
            let points: Vec<(usize, f64)> =
                series.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, as_f64(v)))).collect();
            if time_axis {
                let &(last, value) = points.last()?;
                let previous = points.len().checked_sub(2).and_then(|i| points.get(i));
                let in_as_of_month = as_of_month.as_deref() == Some(data.categories[last].as_str());
                let name = &series.name;
                let part = match (comparison, previous) {
                    (Comparison::Flow { as_of, .. }, _) if in_as_of_month => {
                        let (this, before_span) = to_date_spans(*as_of);
                        let same = same_days_of(index, series).and_then(|s| s.values[last]).map(as_f64);
                        match same {
                            Some(before) => format!(
                                "{name} {} in {this}, {} from {before_span}",
                                fmt(value),
                                change(&chart.number_format, before, value)
                            ),
                            // No earlier month (the history starts here).
                            None => format!("{name} {} in {this}", fmt(value)),
                        }
                    }
                    (Comparison::Level { as_of }, Some(&(prev, before))) => format!(
                        "{name} {} {}, {} from the end of {}",
                        fmt(value),
                        if in_as_of_month {
                            format!("on {}", as_of.long_label())
                        } else {
                            format!("at the end of {}", data.categories[last])
                        },
                        change(&chart.number_format, before, value),
                        data.categories[prev]
                    ),
                    (_, Some(&(prev, before))) => format!(
                        "{name} {} in {}, {} from {}",
                        fmt(value),
                        data.categories[last],
                        change(&chart.number_format, before, value),
                        data.categories[prev]
                    ),
                    (_, None) => format!("{name} {} in {}", fmt(value), data.categories[last]),
                };
                Some(part)
            } else {
                let &(top, value) =
                    points.iter().fold(None, |best: Option<&(usize, f64)>, p| match best {
                        Some(b) if b.1 >= p.1 => best,
                        _ => Some(p),
                    })?;
                Some(format!("{} highest for {} ({})", series.name, data.categories[top], fmt(value)))
            }
        })
        .collect();
    if parts.is_empty() {
        return "No data.".into();
    }
    if data.series.len() > MAX_SERIES {
        parts.push(format!("and {} more series", data.series.len() - MAX_SERIES));
    }
    let mut line = parts.join("; ");
    line.push('.');
    // A plain lower-case first word starts the sentence with a capital;
    // a column-like name (`active_seats`) is left as the query spells it.
    let first_word = line.split(' ').next().unwrap_or_default();
    let mut chars = line.chars();
    match chars.next() {
        Some(first) if first.is_lowercase() && first_word.chars().all(char::is_alphabetic) => {
            first.to_uppercase().chain(chars).collect()
        }
        _ => line,
    }
}

/// `up 68 (+5.5%)`, `down 1.2k (-3.0%)`, `unchanged`.
fn change(format: &str, before: f64, after: f64) -> String {
    let diff = after - before;
    if diff == 0.0 {
        return "unchanged".into();
    }
    let direction = if diff > 0.0 { "up" } else { "down" };
    if format == "percent" {
        // A change of a share is in points, not a percentage of a percentage.
        return format!("{direction} {} points", trim(format!("{:.1}", diff.abs() * 100.0)));
    }
    let mut s = format!("{direction} {}", format_number(format, diff.abs()));
    if before != 0.0 {
        let relative = diff / before.abs() * 100.0;
        s.push_str(&format!(" ({}{:.1}%)", if relative > 0.0 { "+" } else { "" }, relative));
    }
    s
}

/// Formats a number the way `charts.js` does for a `number_format`:
/// `integer` `1,234`, `decimal` `1,234.5`, `percent` (of a ratio) `12.5%`,
/// `compact` `1.2k`.
pub fn format_number(format: &str, value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    match format {
        "decimal" => fixed(value, 2),
        "percent" => format!("{}%", fixed(value * 100.0, 1)),
        "compact" => {
            // 1.5k, 2M, 3.3B; a value that rounds up to 1000 of a unit
            // moves to the next (999,950 is 1M, not 1,000k).
            const UNITS: [(f64, &str); 4] = [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B")];
            let a = value.abs();
            let mut i = 0;
            while i < UNITS.len() - 1 && a >= UNITS[i + 1].0 {
                i += 1;
            }
            let rounded: f64 = to_fixed(a / UNITS[i].0, 1).parse().unwrap_or(0.0);
            if i < UNITS.len() - 1 && rounded >= 1000.0 {
                i += 1;
            }
            format!("{}{}", fixed(value / UNITS[i].0, 1), UNITS[i].1)
        }
        _ => fixed(value, 0),
    }
}

/// Fixed-point, thousands grouped, trailing zeros trimmed.
fn fixed(value: f64, decimals: usize) -> String {
    let s = to_fixed(value.abs(), decimals);
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let frac = frac.trim_end_matches('0');
    let negative = value < 0.0 && s.bytes().any(|b| (b'1'..=b'9').contains(&b));
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// JavaScript's `Number.prototype.toFixed` for a non-negative finite
/// number: rounds the exact binary value half up (Rust's `{:.N}` rounds
/// ties to even, so `3.25` would give `3.2` here and `3.3` in the browser).
fn to_fixed(value: f64, decimals: usize) -> String {
    // Every f64 has an exact decimal expansion of at most 1074 places.
    let exact = format!("{value:.1074}");
    let dot = exact.find('.').expect("a fixed-point number has a dot");
    let end = if decimals == 0 { dot } else { dot + 1 + decimals };
    let mut kept: Vec<u8> = exact.as_bytes()[..end].to_vec();
    if exact.as_bytes()[dot + 1 + decimals] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            match kept[i] {
                b'.' => continue,
                b'9' => kept[i] = b'0',
                d => {
                    kept[i] = d + 1;
                    break;
                }
            }
        }
    }
    String::from_utf8(kept).expect("digits are ASCII")
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Column, Value};

    fn config(kind: ChartKind, x: &str, y: &[&str]) -> ChartConfig {
        ChartConfig { date_format: Some("month".into()), ..ChartConfig::new(kind, x, y) }
    }

    /// The chart tests' seats, with November's invites not in yet.
    fn seats() -> ResultTable {
        let mut table = super::super::tests::seats();
        table.rows[2][2] = Value::Null;
        table
    }

    #[test]
    fn time_series_latest_and_change() {
        let c = config(ChartKind::Line, "month", &["active_seats", "invited"]);
        // 1302 - 1234 = 68; 68 / 1234 = 5.51%. invited's latest non-null
        // is October: 52 - 40 = 12, 30.0%.
        assert_eq!(
            summarize(&c, &seats(), &Comparison::Previous),
            "Active seats 1,302 in Nov 2026, up 68 (+5.5%) from Oct 2026; \
             Invited 52 in Oct 2026, up 12 (+30.0%) from Sep 2026."
        );
    }

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_level_compares_with_the_end_of_the_previous_month() {
        let c = config(ChartKind::Line, "month", &["active_seats", "invited"]);
        let level = Comparison::Level { as_of: date("2026-11-25") };
        // Seats on the as-of date against the end of October; invited's
        // latest value is a whole month.
        assert_eq!(
            summarize(&c, &seats(), &level),
            "Active seats 1,302 on 25 Nov 2026, up 68 (+5.5%) from the end of Oct 2026; \
             Invited 52 at the end of Oct 2026, up 12 (+30.0%) from the end of Sep 2026."
        );
    }

    /// Monthly MCP calls up to 25 November: 255 so far, against 265 on 1–25
    /// October (361 in the whole of October).
    fn mcp_calls() -> ResultTable {
        let month = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
        ResultTable {
            columns: vec![
                Column { name: "month".into(), ty: ColumnType::Date },
                Column { name: "mcp_calls".into(), ty: ColumnType::Integer },
                Column { name: "previous_to_date".into(), ty: ColumnType::Integer },
            ],
            rows: vec![
                vec![month(9), Value::Int(300), Value::Null],
                vec![month(10), Value::Int(361), Value::Null],
                vec![month(11), Value::Int(255), Value::Int(265)],
            ],
        }
    }

    #[test]
    fn a_flow_compares_the_month_so_far_with_the_same_days() {
        let c = config(ChartKind::Line, "month", &["mcp_calls"]);
        let flow = Comparison::Flow { as_of: date("2026-11-25"), column: "previous_to_date" };
        // 255 - 265 = -10; 10 / 265 = 3.77%. Not "down 106 from Oct 2026".
        assert_eq!(
            summarize(&c, &mcp_calls(), &flow),
            "MCP calls 255 in 1\u{2013}25 Nov 2026, down 10 (-3.8%) from 1\u{2013}25 Oct."
        );
        // On the month's last day the months are whole.
        let flow = Comparison::Flow { as_of: date("2026-11-30"), column: "previous_to_date" };
        assert_eq!(
            summarize(&c, &mcp_calls(), &flow),
            "MCP calls 255 in Nov 2026, down 10 (-3.8%) from Oct 2026."
        );
        // Without a comparison value, the month so far is said as such,
        // with no change against a longer month.
        let mut first = mcp_calls();
        first.rows[2][2] = Value::Null;
        let flow = Comparison::Flow { as_of: date("2026-11-25"), column: "previous_to_date" };
        assert_eq!(summarize(&c, &first, &flow), "MCP calls 255 in 1\u{2013}25 Nov 2026.");
        // A series that ends before the as-of month is whole months.
        let flow = Comparison::Flow { as_of: date("2026-12-03"), column: "previous_to_date" };
        assert_eq!(
            summarize(&c, &mcp_calls(), &flow),
            "MCP calls 255 in Nov 2026, down 106 (-29.4%) from Oct 2026."
        );
    }

    #[test]
    fn a_flow_by_organization_compares_each_series() {
        let month = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
        let text = |s: &str| Value::Text(s.into());
        let table = ResultTable {
            columns: vec![
                Column { name: "month".into(), ty: ColumnType::Date },
                Column { name: "organization_name".into(), ty: ColumnType::Text },
                Column { name: "runs".into(), ty: ColumnType::Integer },
                Column { name: "previous_to_date".into(), ty: ColumnType::Integer },
            ],
            rows: vec![
                vec![month(10), text("Acme"), Value::Int(9), Value::Null],
                vec![month(10), text("Globex"), Value::Int(2), Value::Null],
                vec![month(11), text("Acme"), Value::Int(3), Value::Int(5)],
                vec![month(11), text("Globex"), Value::Int(2), Value::Int(1)],
            ],
        };
        let mut c = config(ChartKind::StackedBar, "month", &["runs"]);
        c.series = Some("organization_name".into());
        let flow = Comparison::Flow { as_of: date("2026-11-18"), column: "previous_to_date" };
        // Acme 3 against 5 on 1–18 Oct: down 2 (-40.0%); Globex 2 against 1.
        assert_eq!(
            summarize(&c, &table, &flow),
            "Acme 3 in 1\u{2013}18 Nov 2026, down 2 (-40.0%) from 1\u{2013}18 Oct; \
             Globex 2 in 1\u{2013}18 Nov 2026, up 1 (+100.0%) from 1\u{2013}18 Oct."
        );
    }

    #[test]
    fn categories_and_pies() {
        let table = ResultTable {
            columns: vec![
                Column { name: "source".into(), ty: ColumnType::Text },
                Column { name: "share".into(), ty: ColumnType::Float },
            ],
            rows: vec![
                vec![Value::Text("web".into()), Value::Float(1500.0)],
                vec![Value::Text("api".into()), Value::Float(4500.0)],
            ],
        };
        let mut c = config(ChartKind::Bar, "source", &["share"]);
        c.number_format = "compact".into();
        assert_eq!(summarize(&c, &table, &Comparison::Previous), "Share highest for api (4.5k).");
        c.kind = ChartKind::Pie;
        // 4500 of 6000 = 75%.
        assert_eq!(summarize(&c, &table, &Comparison::Previous), "Largest share: api with 4.5k of 6k (75%).");
        let empty = ResultTable { rows: vec![], ..table };
        assert_eq!(summarize(&c, &empty, &Comparison::Previous), "No data.");
    }

    #[test]
    fn number_formats() {
        assert_eq!(format_number("integer", 1234567.4), "1,234,567");
        assert_eq!(format_number("integer", -1234.0), "-1,234");
        assert_eq!(format_number("integer", -0.2), "0");
        assert_eq!(format_number("decimal", 1234.5), "1,234.5");
        assert_eq!(format_number("decimal", 2.0), "2");
        assert_eq!(format_number("percent", 0.125), "12.5%");
        assert_eq!(format_number("compact", 1500.0), "1.5k");
        assert_eq!(format_number("compact", 2_000_000.0), "2M");
        assert_eq!(format_number("compact", 3.25e9), "3.3B");
        assert_eq!(format_number("compact", 999.0), "999");
        // Ties round up, as JavaScript's toFixed does: 3.25 and 0.125 are
        // exact in binary; 1.005 is really 1.00499999999999989...
        assert_eq!(fixed(3.25, 1), "3.3");
        assert_eq!(fixed(0.125, 2), "0.13");
        assert_eq!(fixed(2.5, 0), "3");
        assert_eq!(fixed(1.005, 2), "1");
        assert_eq!(fixed(9.96, 1), "10");
        assert_eq!(fixed(999.5, 0), "1,000");
        assert_eq!(change("percent", 0.10, 0.125), "up 2.5 points");
        assert_eq!(change("integer", 10.0, 5.0), "down 5 (-50.0%)");
        assert_eq!(change("integer", 0.0, 5.0), "up 5");
        assert_eq!(change("integer", 5.0, 5.0), "unchanged");
    }
}
