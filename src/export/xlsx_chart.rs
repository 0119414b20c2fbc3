//! A native Excel chart of a charted report's data in its XLSX download: a
//! real chart over the cells (it updates when the numbers are edited), not
//! a picture, in the same colours as the site's charts.

use anyhow::{Context as _, Result};
use rust_xlsxwriter::{Chart, ChartFormat, ChartLine, ChartPoint, ChartSolidFill, ChartType, Worksheet};

use crate::config::{ChartConfig, ChartKind};
use crate::render::chart::ChartTheme;
use crate::report::{Column, ColumnType};

/// Adds a native chart over the data the XLSX exporter wrote (header in row
/// 0, data from row 1, columns in the table's order from column A), to the
/// right of the data.
///
/// Long-format results (a `series` column) get no native chart: their rows
/// would have to be pivoted into one column per series first, and the sheet
/// holds the raw rows. Empty results get none either.
pub fn insert_native_chart(
    worksheet: &mut Worksheet,
    sheet_name: &str,
    chart: &ChartConfig,
    columns: &[Column],
    rows: usize,
) -> Result<()> {
    if chart.series.is_some() || rows == 0 {
        return Ok(());
    }
    let column = |name: &str| -> Result<u16> {
        let i = columns
            .iter()
            .position(|c| c.name == name)
            .with_context(|| format!("chart names column `{name}` that the query does not return"))?;
        u16::try_from(i).context("too many columns for a chart")
    };
    let x = column(&chart.x)?;
    let last_row = u32::try_from(rows).context("too many rows for a chart")?;
    let theme = ChartTheme::default();
    let pie = matches!(chart.kind, ChartKind::Pie | ChartKind::Donut);

    let mut native = Chart::new(match chart.kind {
        ChartKind::Line => ChartType::Line,
        ChartKind::Area => ChartType::Area,
        ChartKind::Bar => ChartType::Column,
        ChartKind::StackedBar => ChartType::ColumnStacked,
        ChartKind::HorizontalBar => ChartType::Bar,
        ChartKind::Pie => ChartType::Pie,
        ChartKind::Donut => ChartType::Doughnut,
    });
    for (n, name) in chart.y.iter().enumerate() {
        let y = column(name)?;
        let color = theme.palette[n % theme.palette.len()].as_str();
        let series = native
            .add_series()
            .set_name((sheet_name, 0, y))
            .set_categories((sheet_name, 1, x, last_row, x))
            .set_values((sheet_name, 1, y, last_row, y));
        if pie {
            let points: Vec<ChartPoint> = (0..rows)
                .map(|i| {
                    let color = theme.palette[i % theme.palette.len()].as_str();
                    ChartPoint::new()
                        .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)))
                })
                .collect();
            series.set_points(&points);
        } else if chart.kind == ChartKind::Line {
            series.set_format(ChartFormat::new().set_line(ChartLine::new().set_color(color)));
        } else {
            series.set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)));
        }
    }

    match &chart.title {
        Some(title) => {
            native.title().set_name(title);
        }
        // Excel titles a one-series chart with the series name by default;
        // the sheet already says what it is.
        None => {
            native.title().set_hidden();
        }
    }
    if chart.y.len() == 1 && !pie {
        native.legend().set_hidden();
    }
    if !pie {
        let value_axis = native.y_axis();
        value_axis.set_num_format(excel_number_format(&chart.number_format));
        // Dates are serial numbers in the cells; Excel shows a category
        // axis over them in the cells' format, LibreOffice as the bare
        // serials (45839, 45870, …) unless the axis has its own format. A
        // date axis also spaces the points by time, as the site's chart
        // does. (For bar charts rust_xlsxwriter's x axis is the category
        // axis whichever way it is drawn.)
        let ty = &columns[usize::from(x)].ty;
        if let Some(format) = excel_date_format(ty, chart.date_format.as_deref()) {
            let category_axis = native.x_axis();
            category_axis.set_num_format(format);
            if *ty == ColumnType::Date {
                category_axis.set_date_axis(true);
            }
        }
    }
    native.set_width(chart.width).set_height(chart.height);

    let beside = u16::try_from(columns.len() + 1).context("too many columns for a chart")?;
    worksheet.insert_chart(1, beside, &native).context("failed to add the chart to the sheet")?;
    Ok(())
}

/// The Excel number format matching a chart's `number_format`.
fn excel_number_format(format: &str) -> &'static str {
    match format {
        "decimal" => "#,##0.00",
        "percent" => "0.0%",
        "compact" => r#"[>=1000000]#,##0.0,,"M";[>=1000]#,##0.0,"k";#,##0"#,
        _ => "#,##0",
    }
}

/// The Excel number format of a date or timestamp category axis, as the
/// site's chart labels it (`date_format`): `Jul 2025`, `2025`, `2025-07-01`;
/// `None` for any other column.
fn excel_date_format(ty: &ColumnType, date_format: Option<&str>) -> Option<&'static str> {
    let is_date = match ty {
        ColumnType::Date => true,
        ColumnType::Timestamp => false,
        _ => return None,
    };
    Some(match date_format {
        Some("month") => "mmm yyyy",
        Some("year") => "yyyy",
        Some(_) => "yyyy-mm-dd",
        None if is_date => "yyyy-mm-dd",
        None => "yyyy-mm-dd hh:mm",
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use rust_xlsxwriter::Workbook;

    use super::*;
    use crate::report::{ColumnType, ResultTable, Value};

    fn table() -> ResultTable {
        ResultTable {
            columns: vec![
                Column { name: "month".into(), ty: ColumnType::Text },
                Column { name: "active_seats".into(), ty: ColumnType::Integer },
                Column { name: "invited".into(), ty: ColumnType::Integer },
            ],
            rows: (1..=3)
                .map(|m| vec![Value::Text(format!("2026-0{m}")), Value::Int(m * 10), Value::Int(m)])
                .collect(),
        }
    }

    fn config(kind: ChartKind, y: &[&str], series: Option<&str>) -> ChartConfig {
        ChartConfig {
            series: series.map(str::to_owned),
            title: Some("Seats & invites".into()),
            number_format: "compact".into(),
            ..ChartConfig::new(kind, "month", y)
        }
    }

    /// The workbook's parts, by name.
    fn parts(chart: &ChartConfig) -> Vec<(String, String)> {
        parts_with(chart, ColumnType::Text)
    }

    /// The workbook's parts when the `month` column is of type `month`.
    fn parts_with(chart: &ChartConfig, month: ColumnType) -> Vec<(String, String)> {
        let mut table = table();
        table.columns[0].ty = month;
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Active seats").unwrap();
        for (c, column) in table.columns.iter().enumerate() {
            sheet.write(0, c as u16, &column.name).unwrap();
        }
        insert_native_chart(sheet, "Active seats", chart, &table.columns, table.rows.len()).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut file = zip.by_index(i).unwrap();
                let mut text = String::new();
                file.read_to_string(&mut text).unwrap();
                (file.name().to_owned(), text)
            })
            .collect()
    }

    fn part<'a>(parts: &'a [(String, String)], name: &str) -> Option<&'a str> {
        parts.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str())
    }

    #[test]
    fn chart_part_references_the_data_range() {
        let parts = parts(&config(ChartKind::Line, &["active_seats", "invited"], None));
        let xml = part(&parts, "xl/charts/chart1.xml").expect("chart part");
        assert!(xml.contains("<c:lineChart>"), "{xml}");
        // Categories A2:A4, values B2:B4 and C2:C4, names from the header.
        assert!(xml.contains("<c:f>'Active seats'!$A$2:$A$4</c:f>"), "{xml}");
        assert!(xml.contains("<c:f>'Active seats'!$B$2:$B$4</c:f>"), "{xml}");
        assert!(xml.contains("<c:f>'Active seats'!$C$2:$C$4</c:f>"), "{xml}");
        assert!(xml.contains("<c:f>'Active seats'!$B$1</c:f>"), "{xml}");
        assert!(xml.contains("Seats &amp; invites"), "{xml}");
        assert!(xml.contains("0072B2"), "{xml}");
        // Placed beside the data: column E (index 4), row 2 (index 1).
        let drawing = part(&parts, "xl/drawings/drawing1.xml").expect("drawing part");
        assert!(drawing.contains("<xdr:col>4</xdr:col>"), "{drawing}");
        assert!(drawing.contains("<xdr:row>1</xdr:row>"), "{drawing}");
    }

    #[test]
    fn kinds_map_to_excel_types() {
        for (kind, tag) in [
            (ChartKind::Bar, "<c:barDir val=\"col\"/>"),
            (ChartKind::HorizontalBar, "<c:barDir val=\"bar\"/>"),
            (ChartKind::StackedBar, "<c:grouping val=\"stacked\"/>"),
            (ChartKind::Area, "<c:areaChart>"),
            (ChartKind::Pie, "<c:pieChart>"),
            (ChartKind::Donut, "<c:doughnutChart>"),
        ] {
            let parts = parts(&config(kind, &["active_seats"], None));
            let xml = part(&parts, "xl/charts/chart1.xml").expect("chart part");
            assert!(xml.contains(tag), "{kind:?}: {xml}");
        }
    }

    #[test]
    fn long_format_gets_no_chart() {
        let parts = parts(&config(ChartKind::Line, &["active_seats"], Some("invited")));
        assert!(part(&parts, "xl/charts/chart1.xml").is_none());
        assert!(part(&parts, "xl/worksheets/sheet1.xml").is_some());
    }

    /// A date axis reads `Jul 2025` in LibreOffice too, not `45839`: the
    /// category axis is a date axis with the site's date format, and only
    /// over dates.
    #[test]
    fn date_categories_get_a_date_axis_with_the_sites_format() {
        let mut monthly = config(ChartKind::Line, &["active_seats"], None);
        monthly.date_format = Some("month".into());
        let monthly_parts = parts_with(&monthly, ColumnType::Date);
        let xml = part(&monthly_parts, "xl/charts/chart1.xml").expect("chart part");
        let date_axis =
            xml.split("<c:dateAx>").nth(1).expect("a date axis").split("</c:dateAx>").next().unwrap();
        assert!(date_axis.contains(r#"<c:numFmt formatCode="mmm yyyy" sourceLinked="0"/>"#), "{xml}");
        assert!(!xml.contains("<c:catAx>"), "{xml}");

        // No date format: the date as the table shows it.
        let daily = config(ChartKind::Bar, &["active_seats"], None);
        let xml = part(&parts_with(&daily, ColumnType::Date), "xl/charts/chart1.xml").unwrap().to_string();
        assert!(xml.contains(r#"<c:numFmt formatCode="yyyy-mm-dd" sourceLinked="0"/>"#), "{xml}");

        // Timestamps keep a category axis (a date axis drops the time of
        // day), with the time in the format.
        let xml =
            part(&parts_with(&daily, ColumnType::Timestamp), "xl/charts/chart1.xml").unwrap().to_string();
        assert!(xml.contains("<c:catAx>") && !xml.contains("<c:dateAx>"), "{xml}");
        assert!(xml.contains(r#"formatCode="yyyy-mm-dd hh:mm""#), "{xml}");

        // Text categories: no date format anywhere.
        let xml = part(&parts(&monthly), "xl/charts/chart1.xml").unwrap().to_string();
        assert!(!xml.contains("<c:dateAx>") && !xml.contains("yyyy"), "{xml}");
    }
}
