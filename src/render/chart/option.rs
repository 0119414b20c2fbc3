//! The ECharts option of a report's chart, built with charming from the
//! report's `ResultTable`.
//!
//! Values stay numbers in the option; how they are shown (axis labels,
//! tooltips) is named by a marker string such as `tally:number:compact` in a
//! `formatter`/`valueFormatter` key. JSON cannot hold functions, so both the
//! build-time renderer and the browser turn the markers into functions with
//! the same code (`tallyCharts.hydrate` in `themes/default/static/charts.js`).

use std::collections::HashMap;

use anyhow::{bail, Result};
use charming::component::{Axis, Grid, Legend, Title};
use charming::datatype::{CompositeValue, DataPoint, DataPointItem, NumericValue};
use charming::element::{
    AreaStyle, AxisLabel, AxisType, Formatter, ItemStyle, Label, LabelPosition, LineStyle, Sampling,
    SplitLine, TextStyle, Tooltip, Trigger,
};
use charming::series::{Bar, Line, Pie};
use charming::Chart;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::{ChartConfig, ChartKind};
use crate::date::Date;
use crate::render::page::column_label;
use crate::report::{Column, ColumnType, ResultTable, Value};

/// Colours and fonts of charts; the theme sets them so charts match the page.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChartTheme {
    /// Series colours, in order.
    pub palette: Vec<String>,
    /// The font family of every text. The PNG is drawn with the DejaVu fonts
    /// built into tally, so this should stay `DejaVu Sans` unless the SVG is
    /// only ever shown on pages that ship the named font.
    pub font_family: String,
    /// The CSS fallback after `font_family` (for the SVG in a browser).
    pub font_fallback: String,
    /// Titles, legend and labels.
    pub text_color: String,
    /// Axis labels, axis lines and the subtitle.
    pub muted_color: String,
    /// Horizontal grid lines.
    pub grid_color: String,
    /// The image background (the PNG is not transparent).
    pub background: String,
    /// Base font size in pixels.
    pub font_size: f64,
    /// The colour of `Other`, the series, bar or slice that stands for
    /// everything past the ninth (see `MAX_DRAWN`).
    pub other_color: String,
}

impl Default for ChartTheme {
    /// The default theme: the Okabe-Ito palette, which stays distinguishable
    /// for the common forms of colour blindness, in an order that keeps the
    /// low-contrast yellow for the seventh series.
    fn default() -> Self {
        ChartTheme {
            palette: ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
                .map(String::from)
                .to_vec(),
            font_family: "DejaVu Sans".into(),
            font_fallback: "sans-serif".into(),
            text_color: "#1f2328".into(),
            muted_color: "#57606a".into(),
            grid_color: "#e5e7eb".into(),
            background: "#ffffff".into(),
            font_size: 12.0,
            other_color: "#8c959f".into(),
        }
    }
}

impl ChartTheme {
    /// The CSS font-family list: `DejaVu Sans, sans-serif`.
    pub fn font_stack(&self) -> String {
        if self.font_fallback.is_empty() {
            self.font_family.clone()
        } else {
            format!("{}, {}", self.font_family, self.font_fallback)
        }
    }
}

/// Checks that every column the chart names is in `columns` (names only, so
/// it also works on columns whose types are not known yet, as in `tally
/// check`; `build_option` checks that value columns hold numbers).
pub fn check_columns(chart: &ChartConfig, columns: &[Column]) -> Result<()> {
    let available = || columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    let named = std::iter::once(&chart.x).chain(chart.series.iter()).chain(chart.y.iter());
    for name in named {
        if !columns.iter().any(|c| &c.name == name) {
            bail!("chart names column `{name}` that the query does not return (it returns: {})", available());
        }
    }
    Ok(())
}

/// Checks that the chart's value columns hold numbers.
fn check_value_types(chart: &ChartConfig, columns: &[Column]) -> Result<()> {
    for name in &chart.y {
        let column = columns.iter().find(|c| &c.name == name).expect("checked above");
        if !column.ty.is_numeric() {
            bail!(
                "chart value column `{name}` holds {} values, not numbers",
                serde_json::to_value(column.ty)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Builds the ECharts option of a chart over a result, in the default theme.
pub fn build_option(chart: &ChartConfig, table: &ResultTable) -> Result<serde_json::Value> {
    build_option_with_theme(chart, table, &ChartTheme::default())
}

/// Builds the ECharts option of a chart over a result, in `theme`.
pub fn build_option_with_theme(
    chart: &ChartConfig,
    table: &ResultTable,
    theme: &ChartTheme,
) -> Result<serde_json::Value> {
    check_columns(chart, &table.columns)?;
    check_value_types(chart, &table.columns)?;
    let data = ChartData::from_table(chart, table)?.capped(chart, table);
    let number = format!("tally:number:{}", chart.number_format);

    let mut option = Chart::new()
        .animation(false)
        .background_color(theme.background.as_str())
        .color(theme.palette.iter().map(String::as_str).collect());

    let has_title = chart.title.is_some() || chart.subtitle.is_some();
    if has_title {
        let mut title = Title::new()
            .left("left")
            .top(0)
            .text_style(text(theme, theme.text_color.as_str(), theme.font_size + 4.0).font_weight("bold"))
            .subtext_style(text(theme, theme.muted_color.as_str(), theme.font_size));
        if let Some(t) = &chart.title {
            title = title.text(t.as_str());
        }
        if let Some(s) = &chart.subtitle {
            title = title.subtext(s.as_str());
        }
        option = option.title(title);
    }
    // Vertical space taken by the title block, so the legend and plot start
    // below it.
    let title_height = match (&chart.title, &chart.subtitle) {
        (Some(_), Some(_)) => 46.0,
        (Some(_), None) => 28.0,
        (None, Some(_)) => 22.0,
        (None, None) => 0.0,
    };

    match chart.kind {
        ChartKind::Pie | ChartKind::Donut => {
            let radius = if chart.kind == ChartKind::Donut {
                CompositeValue::from(vec!["40%", "65%"])
            } else {
                CompositeValue::from("65%")
            };
            let center_y = if has_title { "57%" } else { "50%" };
            let items: Vec<DataPoint> = data
                .categories
                .iter()
                .zip(&data.series[0].values)
                .filter_map(|(name, v)| v.map(|v| DataPoint::Item(DataPointItem::new(v).name(name.as_str()))))
                .collect();
            let pie = Pie::new()
                .name(data.series[0].name.as_str())
                .radius(radius)
                .center(CompositeValue::from(vec!["50%", center_y]))
                .avoid_label_overlap(true)
                .label(
                    Label::new()
                        .formatter("{b}: {d}%")
                        .color(theme.text_color.as_str())
                        .font_size(theme.font_size),
                )
                .item_style(ItemStyle::new().border_color(theme.background.as_str()).border_width(1))
                .data(items);
            option = option
                .tooltip(Tooltip::new().trigger(Trigger::Item).value_formatter(number.as_str()))
                .series(pie);
        }
        kind => {
            let horizontal = kind == ChartKind::HorizontalBar;
            let is_line = matches!(kind, ChartKind::Line | ChartKind::Area);
            let mut category_axis = Axis::new()
                .type_(AxisType::Category)
                .data(data.categories.clone())
                .axis_label(axis_label(theme));
            if is_line {
                category_axis = category_axis.boundary_gap(false);
            }
            if horizontal {
                // First row at the top, as in the table.
                category_axis = category_axis.inverse(true);
            }
            let value_axis = Axis::new()
                .type_(AxisType::Value)
                .axis_label(axis_label(theme).formatter(Formatter::String(number.clone())))
                .split_line(SplitLine::new().line_style(LineStyle::new().color(theme.grid_color.as_str())));
            let (x_axis, y_axis) =
                if horizontal { (value_axis, category_axis) } else { (category_axis, value_axis) };
            // Symbols on hundreds of points are noise; keep them for short series.
            let show_symbol = data.categories.len() <= 31;
            // A single series of a few bars reads best with its values on
            // the bars; the labels sit past the bar ends, so the plot leaves
            // room for them beyond the longest bar.
            let show_values = matches!(kind, ChartKind::Bar | ChartKind::HorizontalBar)
                && data.series.len() == 1
                && data.categories.len() <= 12;
            let (label_right, label_top) = match (show_values, horizontal) {
                (false, _) => (0.0, 0.0),
                (true, true) => (48.0, 0.0),
                (true, false) => (0.0, 16.0),
            };
            // A line's last point sits on the plot's right edge, and so does
            // the middle of its x label: leave room for the label's far half.
            let edge_label = if matches!(kind, ChartKind::Line | ChartKind::Area) { 12.0 } else { 0.0 };
            let show_legend = data.series.len() > 1;
            let legend_height = if show_legend { 28.0 } else { 0.0 };
            if show_legend {
                option = option.legend(Legend::new().top(title_height).left("center").text_style(text(
                    theme,
                    theme.text_color.as_str(),
                    theme.font_size,
                )));
            }
            option = option
                .tooltip(Tooltip::new().trigger(Trigger::Axis).value_formatter(number.as_str()))
                .grid(
                    Grid::new()
                        .left(8)
                        .right(24.0 + label_right + edge_label)
                        .bottom(8)
                        .top(title_height + legend_height + 12.0 + label_top)
                        .contain_label(true),
                )
                .x_axis(x_axis)
                .y_axis(y_axis);
            for series in &data.series {
                let values: Vec<DataPoint> = series.values.iter().map(|v| DataPoint::from(*v)).collect();
                match kind {
                    ChartKind::Line | ChartKind::Area => {
                        let mut line =
                            Line::new().name(series.name.as_str()).show_symbol(show_symbol).data(values);
                        if data.categories.len() > 1000 {
                            // More points than pixels: ECharts keeps the
                            // shape (largest-triangle sampling) and draws
                            // a fraction of them.
                            line = line.sampling(Sampling::Lttb);
                        }
                        if kind == ChartKind::Area {
                            // Overlapping fills mix into mud; fainter when
                            // there are several.
                            let opacity = if data.series.len() > 1 { 0.12 } else { 0.25 };
                            line = line.area_style(AreaStyle::new().opacity(opacity));
                        }
                        option = option.series(line);
                    }
                    _ => {
                        let mut bar = Bar::new().name(series.name.as_str()).data(values);
                        if kind == ChartKind::StackedBar {
                            bar = bar.stack("total");
                        } else if show_values {
                            bar = bar.label(
                                Label::new()
                                    .show(true)
                                    .position(if horizontal {
                                        LabelPosition::Right
                                    } else {
                                        LabelPosition::Top
                                    })
                                    .formatter(Formatter::String(number.clone()))
                                    .color(theme.text_color.as_str())
                                    .font_size(theme.font_size),
                            );
                        }
                        option = option.series(bar);
                    }
                }
            }
        }
    }

    let mut value = serde_json::to_value(&option)?;
    let pie = matches!(chart.kind, ChartKind::Pie | ChartKind::Donut);
    if pie {
        // Shares to one decimal (`12.8%`), not ECharts' default two.
        value["series"][0]["percentPrecision"] = json!(1);
    }
    tell_apart_without_colour(&mut value, chart.kind, &data, theme);
    // charming's `AxisLineStyle` is the gauge's (colour segments), so the
    // category axis line is styled here.
    for axis in ["xAxis", "yAxis"] {
        if value[axis]["type"] == "category" {
            value[axis]["axisLine"] = json!({ "lineStyle": { "color": theme.muted_color } });
        }
        // Whole numbers tick by whole numbers: left to itself ECharts
        // splits 0..2 in steps of 0.5 (and an all-zero series 0..1 in steps
        // of 0.2), which the integer format rounds to `0 1 1 2 2`.
        if value[axis]["type"] == "value" && chart.number_format == "integer" {
            value[axis]["minInterval"] = json!(1);
        }
    }
    // charming's `Chart` has no top-level `textStyle`; it sets the font of
    // every text that does not set its own.
    value["textStyle"] = json!({
        "fontFamily": theme.font_stack(),
        "fontSize": theme.font_size,
        "color": theme.text_color,
    });
    Ok(value)
}

/// Marker shapes of line series, in order; the first is ECharts' default.
const LINE_SYMBOLS: [&str; 7] = ["circle", "rect", "triangle", "diamond", "emptyCircle", "roundRect", "pin"];
/// Dash patterns of line series, in order.
const LINE_DASHES: [&str; 3] = ["solid", "dashed", "dotted"];

/// Series (and pie slices) are told apart by more than colour, so a reader
/// who cannot see the colours, or a black-and-white print, still can: lines
/// get their own marker shape and dash pattern, bars and slices ECharts'
/// decal patterns. ECharts' `aria` also names the chart to screen readers
/// in the browser (the page sets its `label.description`). `Other` is drawn
/// in a neutral colour.
fn tell_apart_without_colour(
    value: &mut serde_json::Value,
    kind: ChartKind,
    data: &ChartData,
    theme: &ChartTheme,
) {
    let pie = matches!(kind, ChartKind::Pie | ChartKind::Donut);
    let several = if pie { data.categories.len() > 1 } else { data.series.len() > 1 };
    let lines = matches!(kind, ChartKind::Line | ChartKind::Area);
    value["aria"] = json!({ "enabled": true, "decal": { "show": several && !lines } });
    let Some(series) = value["series"].as_array_mut() else { return };
    for (i, s) in series.iter_mut().enumerate() {
        if several && !lines && !pie {
            // Each series names its decal in full: left to ECharts' palette,
            // a series name keeps the decal it first got in any chart the
            // same ECharts drew before (a scope kept across charts), and the
            // images would depend on what was rendered first.
            s["itemStyle"]["decal"] = series_decal(i);
        }
        if lines && several {
            s["symbol"] = json!(LINE_SYMBOLS[i % LINE_SYMBOLS.len()]);
            s["symbolSize"] = json!(7);
            s["lineStyle"] = json!({ "type": LINE_DASHES[i % LINE_DASHES.len()], "width": 2 });
        }
        if data.other_series && i + 1 == data.series.len() {
            s["itemStyle"]["color"] = json!(theme.other_color);
            if lines {
                s["lineStyle"]["color"] = json!(theme.other_color);
            }
        }
        if data.other_category {
            // The last category is `Other`: its bar or slice in grey.
            if let Some(last) = s["data"].as_array_mut().and_then(|d| d.last_mut()) {
                let item = if last.is_object() { last.clone() } else { json!({ "value": last.clone() }) };
                *last = item;
                last["itemStyle"] = json!({ "color": theme.other_color });
            }
        }
    }
}

/// The decal of the `i`th series of bars: six patterns (stripes at three
/// angles, dots, checks, triangles), each with every field ECharts reads,
/// so none comes from its palette.
fn series_decal(i: usize) -> serde_json::Value {
    use std::f64::consts::PI;
    // (symbol, size, dashArrayX, dashArrayY, rotation)
    let patterns = [
        ("rect", 1.0, json!([1, 0]), json!([2, 5]), PI / 6.0),
        ("circle", 0.8, json!([[8, 8], [0, 8, 8, 0]]), json!([6, 0]), 0.0),
        ("rect", 1.0, json!([1, 0]), json!([4, 3]), -PI / 4.0),
        ("rect", 1.0, json!([[6, 6], [0, 6, 6, 0]]), json!([6, 0]), 0.0),
        ("rect", 1.0, json!([[1, 0], [1, 6]]), json!([1, 0, 6, 0]), PI / 4.0),
        ("triangle", 0.75, json!([[9, 9], [0, 9, 9, 0]]), json!([7, 2]), 0.0),
    ];
    let (symbol, size, x, y, rotation) = &patterns[i % patterns.len()];
    json!({
        "symbol": symbol,
        "symbolSize": size,
        "symbolKeepAspect": true,
        "color": "rgba(0, 0, 0, 0.2)",
        "backgroundColor": null,
        "dashArrayX": x,
        "dashArrayY": y,
        "rotation": rotation,
        "maxTileWidth": 512,
        "maxTileHeight": 512,
    })
}

fn text(theme: &ChartTheme, color: &str, size: f64) -> TextStyle {
    TextStyle::new().color(color).font_size(size).font_family(theme.font_stack().as_str())
}

fn axis_label(theme: &ChartTheme) -> AxisLabel {
    AxisLabel::new()
        .color(theme.muted_color.as_str())
        .font_size(theme.font_size)
        .font_family(theme.font_stack().as_str())
}

/// The most series, bars or slices a chart draws: past it the smallest are
/// drawn together as `Other` (the page's data table and the downloads keep
/// every row). Nine is about as many as a legend, a palette and a reader
/// can keep apart; a chart by organization over hundreds of organizations
/// would otherwise draw hundreds of series.
pub const MAX_DRAWN: usize = 9;

/// The name of the series, bar or slice that stands for the rest.
pub const OTHER: &str = "Other";

/// A chart's data: category labels and one value list per series, aligned.
#[derive(Debug, PartialEq)]
pub(super) struct ChartData {
    pub(super) categories: Vec<String>,
    pub(super) series: Vec<SeriesData>,
    /// The last series is `Other`, standing for those past `MAX_DRAWN`.
    pub(super) other_series: bool,
    /// The last category is `Other`, standing for those past `MAX_DRAWN`.
    pub(super) other_category: bool,
}

/// One series: its name and a value (or gap) per category.
#[derive(Debug, PartialEq)]
pub(super) struct SeriesData {
    pub(super) name: String,
    pub(super) values: Vec<Option<NumericValue>>,
}

impl ChartData {
    pub(super) fn from_table(chart: &ChartConfig, table: &ResultTable) -> Result<ChartData> {
        let index =
            |name: &str| table.columns.iter().position(|c| c.name == name).expect("columns were checked");
        let x = index(&chart.x);
        let date_format = chart.date_format.as_deref();
        match &chart.series {
            None => {
                let categories = table.rows.iter().map(|row| label(&row[x], date_format)).collect();
                let series = chart
                    .y
                    .iter()
                    .map(|name| {
                        let i = index(name);
                        SeriesData {
                            // The legend, tooltip and summary name a column
                            // as the table header does: `Active seats`.
                            name: column_label(name),
                            values: table.rows.iter().map(|row| number(&row[i])).collect(),
                        }
                    })
                    .collect();
                Ok(ChartData { categories, series, other_series: false, other_category: false })
            }
            Some(split) => {
                // Long format: categories and series in order of first
                // appearance; a (category, series) pair missing from the
                // result is a gap, and repeated pairs are summed.
                let s = index(split);
                let y = index(&chart.y[0]);
                let mut categories: Vec<String> = Vec::new();
                let mut category_index: HashMap<String, usize> = HashMap::new();
                let mut series: Vec<SeriesData> = Vec::new();
                let mut series_index: HashMap<String, usize> = HashMap::new();
                let mut cells: Vec<(usize, usize, Option<NumericValue>)> = Vec::new();
                for row in &table.rows {
                    let category = label(&row[x], date_format);
                    let c = *category_index.entry(category.clone()).or_insert_with(|| {
                        categories.push(category);
                        categories.len() - 1
                    });
                    let name = label(&row[s], None);
                    let k = *series_index.entry(name.clone()).or_insert_with(|| {
                        series.push(SeriesData { name, values: Vec::new() });
                        series.len() - 1
                    });
                    cells.push((k, c, number(&row[y])));
                }
                for data in &mut series {
                    data.values = vec![None; categories.len()];
                }
                for (k, c, v) in cells {
                    let slot = &mut series[k].values[c];
                    *slot = sum(*slot, v);
                }
                Ok(ChartData { categories, series, other_series: false, other_category: false })
            }
        }
    }

    /// The data as drawn: at most `MAX_DRAWN` series, and for bars and
    /// pies over categories (not dates) at most `MAX_DRAWN` categories. The
    /// largest (by the sum of their values' sizes) keep their place and the
    /// rest are summed into `Other`, last; a series or category already
    /// named `Other` joins it. Percentages do not add up, so a `percent`
    /// chart draws its nine largest and leaves the rest to the data table.
    pub(super) fn capped(mut self, chart: &ChartConfig, table: &ResultTable) -> ChartData {
        let additive = chart.number_format != "percent";
        if self.series.len() > MAX_DRAWN {
            let sizes: Vec<f64> = self.series.iter().map(|s| size(&s.values)).collect();
            let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
            let keep = largest(&sizes, &names, additive);
            let mut other = vec![None; self.categories.len()];
            let mut kept = Vec::with_capacity(MAX_DRAWN);
            for (i, series) in std::mem::take(&mut self.series).into_iter().enumerate() {
                if keep.contains(&i) {
                    kept.push(series);
                } else {
                    for (slot, v) in other.iter_mut().zip(series.values) {
                        *slot = sum(*slot, v);
                    }
                }
            }
            if additive {
                kept.push(SeriesData { name: OTHER.into(), values: other });
                self.other_series = true;
            }
            self.series = kept;
        }
        let over_categories = matches!(
            chart.kind,
            ChartKind::Bar
                | ChartKind::StackedBar
                | ChartKind::HorizontalBar
                | ChartKind::Pie
                | ChartKind::Donut
        );
        let x_is_time = table
            .columns
            .iter()
            .find(|c| c.name == chart.x)
            .is_some_and(|c| matches!(c.ty, ColumnType::Date | ColumnType::Timestamp));
        if over_categories && !x_is_time && self.categories.len() > MAX_DRAWN {
            let sizes: Vec<f64> = (0..self.categories.len())
                .map(|c| self.series.iter().filter_map(|s| s.values[c]).map(|v| as_f64(v).abs()).sum())
                .collect();
            let names: Vec<&str> = self.categories.iter().map(String::as_str).collect();
            let keep = largest(&sizes, &names, additive);
            let kept_index: Vec<usize> = (0..self.categories.len()).filter(|c| keep.contains(c)).collect();
            self.categories = kept_index.iter().map(|&c| self.categories[c].clone()).collect();
            for series in &mut self.series {
                let mut other = None;
                for (c, v) in series.values.iter().enumerate() {
                    if !keep.contains(&c) {
                        other = sum(other, *v);
                    }
                }
                let mut values: Vec<Option<NumericValue>> =
                    kept_index.iter().map(|&c| series.values[c]).collect();
                if additive {
                    values.push(other);
                }
                series.values = values;
            }
            if additive {
                self.categories.push(OTHER.into());
                self.other_category = true;
            }
        }
        self
    }
}

/// The sum of a series' value sizes, to rank series by.
fn size(values: &[Option<NumericValue>]) -> f64 {
    values.iter().flatten().map(|v| as_f64(*v).abs()).sum()
}

/// The indexes of the entries to draw on their own: the largest by `sizes`
/// (ties: the first), leaving room for `Other` when there is one; an entry
/// named `Other` is never one of them.
fn largest(sizes: &[f64], names: &[&str], with_other: bool) -> std::collections::HashSet<usize> {
    let mut ranked: Vec<usize> = (0..sizes.len()).filter(|&i| names[i] != OTHER).collect();
    ranked.sort_by(|&a, &b| sizes[b].total_cmp(&sizes[a]).then(a.cmp(&b)));
    ranked.truncate(if with_other { MAX_DRAWN - 1 } else { MAX_DRAWN });
    ranked.into_iter().collect()
}

/// Two cells of the same slot added; a gap adds nothing.
fn sum(a: Option<NumericValue>, b: Option<NumericValue>) -> Option<NumericValue> {
    match (a, b) {
        (None, v) => v,
        (old, None) => old,
        (Some(a), Some(b)) => Some(add(a, b)),
    }
}

fn add(a: NumericValue, b: NumericValue) -> NumericValue {
    match (a, b) {
        (NumericValue::Integer(a), NumericValue::Integer(b)) => match a.checked_add(b) {
            Some(sum) => NumericValue::Integer(sum),
            None => NumericValue::Float(a as f64 + b as f64),
        },
        (a, b) => NumericValue::Float(as_f64(a) + as_f64(b)),
    }
}

pub(super) fn as_f64(v: NumericValue) -> f64 {
    match v {
        NumericValue::Integer(i) => i as f64,
        NumericValue::Float(f) => f,
    }
}

/// A cell as a chart value; NULL (and NaN) is a gap.
fn number(value: &Value) -> Option<NumericValue> {
    match value {
        Value::Int(i) => Some(NumericValue::Integer(*i)),
        Value::Float(f) if f.is_finite() => Some(NumericValue::Float(*f)),
        _ => None,
    }
}

/// A cell as a category or series label.
pub(super) fn label(value: &Value, date_format: Option<&str>) -> String {
    match value {
        Value::Null => "(none)".into(),
        Value::Date(d) => date_label(*d, date_format),
        Value::Timestamp(micros) => match date_format {
            Some(_) => date_label(Date(micros.div_euclid(86_400_000_000) as i32), date_format),
            None => {
                let s = crate::date::format_timestamp(*micros);
                format!("{} {}", &s[..10], &s[11..16])
            }
        },
        other => other.to_plain(),
    }
}

fn date_label(date: Date, format: Option<&str>) -> String {
    match format {
        Some("month") => date.month_label(),
        Some("year") => date.ymd().0.to_string(),
        _ => date.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ChartKind;
    use crate::report::ColumnType;

    pub(crate) fn chart(kind: ChartKind, x: &str, y: &[&str], series: Option<&str>) -> ChartConfig {
        ChartConfig { series: series.map(str::to_owned), ..ChartConfig::new(kind, x, y) }
    }

    fn col(name: &str, ty: ColumnType) -> Column {
        Column { name: name.into(), ty }
    }

    fn wide() -> ResultTable {
        let d = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
        ResultTable {
            columns: vec![
                col("month", ColumnType::Date),
                col("active_seats", ColumnType::Integer),
                col("invited", ColumnType::Float),
            ],
            rows: vec![
                vec![d(10), Value::Int(10), Value::Float(1.5)],
                vec![d(11), Value::Int(12), Value::Null],
            ],
        }
    }

    #[test]
    fn missing_column_is_named_with_the_available_ones() {
        let c = chart(ChartKind::Line, "month", &["seats"], None);
        let err = check_columns(&c, &wide().columns).unwrap_err().to_string();
        assert_eq!(
            err,
            "chart names column `seats` that the query does not return \
             (it returns: month, active_seats, invited)"
        );
        let c = chart(ChartKind::Line, "day", &["active_seats"], None);
        assert!(check_columns(&c, &wide().columns).unwrap_err().to_string().contains("`day`"));
        let c = chart(ChartKind::Line, "month", &["active_seats"], Some("team"));
        assert!(check_columns(&c, &wide().columns).unwrap_err().to_string().contains("`team`"));
        assert!(build_option(&c, &wide()).is_err());
    }

    #[test]
    fn text_value_column_is_rejected() {
        let c = chart(ChartKind::Bar, "active_seats", &["month"], None);
        // Names alone pass (`tally check` knows no types)...
        check_columns(&c, &wide().columns).unwrap();
        // ...the option needs numbers.
        let err = build_option(&c, &wide()).unwrap_err().to_string();
        assert_eq!(err, "chart value column `month` holds date values, not numbers");
    }

    #[test]
    fn wide_format_month_labels_and_gaps() {
        let mut c = chart(ChartKind::Line, "month", &["active_seats", "invited"], None);
        c.date_format = Some("month".into());
        c.number_format = "compact".into();
        let o = build_option(&c, &wide()).unwrap();
        assert_eq!(o["animation"], json!(false));
        assert_eq!(o["xAxis"]["data"], json!(["Oct 2026", "Nov 2026"]));
        assert_eq!(o["series"][0]["name"], json!("Active seats"), "named as the table header names it");
        assert_eq!(o["series"][0]["data"], json!([10, 12]));
        assert_eq!(o["series"][1]["data"], json!([1.5, null]));
        assert_eq!(o["series"][0]["type"], json!("line"));
        assert_eq!(o["yAxis"]["axisLabel"]["formatter"], json!("tally:number:compact"));
        assert_eq!(o["tooltip"]["valueFormatter"], json!("tally:number:compact"));
        assert_eq!(o["textStyle"]["fontFamily"], json!("DejaVu Sans, sans-serif"));
        assert_eq!(o["color"][0], json!("#0072B2"));
        assert!(o.get("title").is_none());
        // Two series: a legend.
        assert!(o.get("legend").is_some());
    }

    #[test]
    fn long_format_splits_rows_into_aligned_series() {
        let t = ResultTable {
            columns: vec![
                col("day", ColumnType::Text),
                col("source", ColumnType::Text),
                col("n", ColumnType::Integer),
            ],
            rows: vec![
                vec![Value::Text("mon".into()), Value::Text("web".into()), Value::Int(3)],
                vec![Value::Text("mon".into()), Value::Text("api".into()), Value::Int(4)],
                vec![Value::Text("tue".into()), Value::Text("api".into()), Value::Int(5)],
                vec![Value::Text("tue".into()), Value::Text("api".into()), Value::Int(1)],
            ],
        };
        let c = chart(ChartKind::StackedBar, "day", &["n"], Some("source"));
        let o = build_option(&c, &t).unwrap();
        assert_eq!(o["xAxis"]["data"], json!(["mon", "tue"]));
        assert_eq!(o["series"][0]["name"], json!("web"));
        assert_eq!(o["series"][0]["data"], json!([3, null]));
        assert_eq!(o["series"][1]["name"], json!("api"));
        // tue/api appears twice: 5 + 1.
        assert_eq!(o["series"][1]["data"], json!([4, 6]));
        assert_eq!(o["series"][1]["stack"], json!("total"));
        assert_eq!(o["series"][1]["type"], json!("bar"));
    }

    #[test]
    fn horizontal_bar_swaps_axes() {
        let c = chart(ChartKind::HorizontalBar, "month", &["active_seats"], None);
        let o = build_option(&c, &wide()).unwrap();
        assert_eq!(o["yAxis"]["type"], json!("category"));
        assert_eq!(o["yAxis"]["inverse"], json!(true));
        assert_eq!(o["yAxis"]["data"], json!(["2026-10-01", "2026-11-01"]));
        assert_eq!(o["xAxis"]["type"], json!("value"));
        assert!(o.get("legend").is_none());
    }

    #[test]
    fn pie_and_donut_items_skip_nulls() {
        let mut c = chart(ChartKind::Donut, "month", &["invited"], None);
        c.title = Some("Invites".into());
        c.subtitle = Some("by month".into());
        c.date_format = Some("year".into());
        let o = build_option(&c, &wide()).unwrap();
        assert_eq!(o["series"][0]["type"], json!("pie"));
        assert_eq!(o["series"][0]["radius"], json!(["40%", "65%"]));
        assert_eq!(o["series"][0]["data"], json!([{"name": "2026", "value": 1.5}]));
        assert_eq!(o["title"][0]["text"], json!("Invites"));
        assert_eq!(o["title"][0]["subtext"], json!("by month"));
        let c = chart(ChartKind::Pie, "month", &["active_seats"], None);
        let o = build_option(&c, &wide()).unwrap();
        assert_eq!(o["series"][0]["radius"], json!("65%"));
        assert_eq!(o["tooltip"]["trigger"], json!("item"));
    }

    #[test]
    fn every_kind_builds() {
        use ChartKind::*;
        for kind in [Line, Area, Bar, StackedBar, HorizontalBar, Pie, Donut] {
            let c = chart(kind, "month", &["active_seats"], None);
            let o = build_option(&c, &wide()).unwrap();
            assert_eq!(o["series"].as_array().unwrap().len(), 1, "{kind:?}");
        }
        let c = chart(Area, "month", &["active_seats"], None);
        assert_eq!(build_option(&c, &wide()).unwrap()["series"][0]["areaStyle"]["opacity"], json!(0.25));
    }

    /// Runs by month and organization: organization `o<k>` (k = 1..=12)
    /// has k runs in Jan and 2k in Feb, except `o5`, which has 100 in Jan
    /// and none in Feb (no row).
    fn runs_by_organization() -> ResultTable {
        let d = |m| Value::Date(Date::from_ymd(2026, m, 1).unwrap());
        let mut rows = Vec::new();
        for k in 1..=12i64 {
            let org = Value::Text(format!("o{k}"));
            if k == 5 {
                rows.push(vec![d(1), org, Value::Int(100)]);
            } else {
                rows.push(vec![d(1), org.clone(), Value::Int(k)]);
                rows.push(vec![d(2), org, Value::Int(2 * k)]);
            }
        }
        ResultTable {
            columns: vec![
                col("month", ColumnType::Date),
                col("organization", ColumnType::Text),
                col("runs", ColumnType::Integer),
            ],
            rows,
        }
    }

    #[test]
    fn past_nine_series_the_smallest_are_drawn_as_other() {
        let c = chart(ChartKind::StackedBar, "month", &["runs"], Some("organization"));
        let o = build_option(&c, &runs_by_organization()).unwrap();
        let names: Vec<&str> =
            o["series"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        // Sizes: o5 100, o12 36, o11 33, o10 30, o9 27, o8 24, o7 21, o6 18,
        // then o4 12, o3 9, o2 6, o1 3. Eight keep their place, in order.
        assert_eq!(names, ["o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "Other"]);
        // Other = o1..o4: Jan 1+2+3+4 = 10, Feb 2+4+6+8 = 20.
        assert_eq!(o["series"][8]["data"], json!([10, 20]));
        assert_eq!(o["series"][0]["data"], json!([100, null]));
        assert_eq!(o["series"][8]["itemStyle"]["color"], json!("#8c959f"));
        // Stacked bars: decals tell the series apart without colour.
        assert_eq!(o["aria"], json!({ "enabled": true, "decal": { "show": true } }));
        // A percent chart cannot add shares: its nine largest, no Other.
        let mut p = c.clone();
        p.number_format = "percent".into();
        let o = build_option(&p, &runs_by_organization()).unwrap();
        let names: Vec<&str> =
            o["series"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12"]);
    }

    #[test]
    fn past_nine_bars_the_smallest_are_one_other_bar_and_a_real_other_joins_it() {
        let names = ["a", "Other", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let t = ResultTable {
            columns: vec![col("source", ColumnType::Text), col("n", ColumnType::Integer)],
            rows: names
                .iter()
                .enumerate()
                .map(|(i, name)| vec![Value::Text(name.to_string()), Value::Int(100 - i as i64)])
                .collect(),
        };
        let c = chart(ChartKind::HorizontalBar, "source", &["n"], None);
        let o = build_option(&c, &t).unwrap();
        // Eleven bars: a (100) and b..h (98..92) keep their place; `Other`
        // (99), i (91) and j (90) are summed into Other, last and grey.
        assert_eq!(o["yAxis"]["data"], json!(["a", "b", "c", "d", "e", "f", "g", "h", "Other"]));
        let data = o["series"][0]["data"].as_array().unwrap();
        assert_eq!(data[0], json!(100));
        assert_eq!(data[8], json!({ "value": 280, "itemStyle": { "color": "#8c959f" } }));
        // One series of bars: colour tells nothing apart, so no decals.
        assert_eq!(o["aria"]["decal"]["show"], json!(false));
        // A pie over the same rows: nine slices, decals on.
        let c = chart(ChartKind::Pie, "source", &["n"], None);
        let o = build_option(&c, &t).unwrap();
        let slices = o["series"][0]["data"].as_array().unwrap();
        assert_eq!(slices.len(), 9);
        assert_eq!(slices[8]["name"], json!("Other"));
        assert_eq!(slices[8]["value"], json!(280));
        assert_eq!(o["aria"]["decal"]["show"], json!(true));
        // A date axis is never grouped: every month is drawn.
        let months = ResultTable {
            columns: vec![col("month", ColumnType::Date), col("n", ColumnType::Integer)],
            rows: (1..=12)
                .map(|m| vec![Value::Date(Date::from_ymd(2026, m, 1).unwrap()), Value::Int(1)])
                .collect(),
        };
        let c = chart(ChartKind::Bar, "month", &["n"], None);
        assert_eq!(build_option(&c, &months).unwrap()["xAxis"]["data"].as_array().unwrap().len(), 12);
    }

    #[test]
    fn line_series_differ_in_marker_and_dash() {
        let c = chart(ChartKind::Line, "month", &["active_seats", "invited"], None);
        let o = build_option(&c, &wide()).unwrap();
        assert_eq!(o["series"][0]["symbol"], json!("circle"));
        assert_eq!(o["series"][1]["symbol"], json!("rect"));
        assert_eq!(o["series"][0]["lineStyle"]["type"], json!("solid"));
        assert_eq!(o["series"][1]["lineStyle"]["type"], json!("dashed"));
        assert_eq!(o["aria"], json!({ "enabled": true, "decal": { "show": false } }));
        // One line needs no marker of its own.
        let c = chart(ChartKind::Line, "month", &["active_seats"], None);
        assert!(build_option(&c, &wide()).unwrap()["series"][0].get("symbol").is_none());
    }

    #[test]
    fn timestamp_labels() {
        // 2026-11-25T14:03:00Z
        let micros = (Date::from_ymd(2026, 11, 25).unwrap().0 as i64 * 86_400 + 14 * 3600 + 180) * 1_000_000;
        assert_eq!(label(&Value::Timestamp(micros), None), "2026-11-25 14:03");
        assert_eq!(label(&Value::Timestamp(micros), Some("month")), "Nov 2026");
        assert_eq!(label(&Value::Null, None), "(none)");
        assert_eq!(label(&Value::Int(2026), Some("month")), "2026");
    }
}
