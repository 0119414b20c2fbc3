//! Text widths in the DejaVu Sans fonts, for ECharts' layout at build time.
//!
//! Without a canvas, ECharts estimates widths from a Helvetica-like table,
//! and DejaVu Sans is wider, so legends and axis labels would be spaced for
//! a different font than the PNG is drawn with. The advance widths come
//! from the fonts' `cmap`/`hmtx` tables through `ttf-parser` (already built
//! for resvg); no kerning, as ECharts only needs the width to lay labels out.

use std::sync::OnceLock;

use ttf_parser::Face;

fn regular() -> &'static Face<'static> {
    static FACE: OnceLock<Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(dejavu::sans::regular(), 0).expect("DejaVu Sans parses"))
}

fn bold() -> &'static Face<'static> {
    static FACE: OnceLock<Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(dejavu::sans::bold(), 0).expect("DejaVu Sans Bold parses"))
}

/// The width in pixels of `text` in a CSS `font` shorthand as ECharts
/// writes it (`bold 18px DejaVu Sans, sans-serif`, `12px sans-serif`).
/// Multi-line text is as wide as its widest line.
pub(crate) fn measure(text: &str, font: &str) -> f64 {
    let face = if is_bold(font) { bold() } else { regular() };
    width_in(face, text, font_size(font))
}

fn width_in(face: &Face<'_>, text: &str, size: f64) -> f64 {
    let units_per_em = f64::from(face.units_per_em());
    text.split('\n')
        .map(|line| {
            line.chars()
                .map(|c| match face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)) {
                    Some(units) if units > 0 => f64::from(units) * size / units_per_em,
                    // No glyph (e.g. CJK): about one em, as most such
                    // scripts are set.
                    _ => size,
                })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// The width of `text` at `size` (any unit: the width comes back in it),
/// in DejaVu Sans or DejaVu Sans Bold; the widest line of multi-line text.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let face = if bold { self::bold() } else { regular() };
    width_in(face, text, size)
}

fn font_size(font: &str) -> f64 {
    font.split_whitespace()
        .find_map(|word| word.strip_suffix("px").and_then(|n| n.parse::<f64>().ok()))
        .unwrap_or(12.0)
}

fn is_bold(font: &str) -> bool {
    font.split_whitespace().any(|word| {
        matches!(word, "bold" | "bolder") || word.parse::<u32>().is_ok_and(|w| (600..=1000).contains(&w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dejavu_advances() {
        // DejaVu Sans: 2048 units per em; `0` is 1303 units, space 651,
        // `W` 2025, `Д` 1600; bold `0` 1425 (read independently with
        // fontTools). At 2048 px the width is the unit count.
        assert_eq!(measure("0", "2048px sans-serif"), 1303.0);
        assert_eq!(measure(" ", "2048px x"), 651.0);
        assert_eq!(measure("W", "normal normal 2048px DejaVu Sans"), 2025.0);
        assert_eq!(measure("0", "bold 2048px DejaVu Sans"), 1425.0);
        // Lines: the widest counts; a CJK character is one em.
        assert_eq!(measure("00\n0", "2048px a"), 2606.0);
        assert_eq!(measure("日", "12px a"), 12.0);
        // Cyrillic is covered.
        assert_eq!(measure("Д", "2048px a"), 1600.0);
        assert_eq!(font_size("bold 18px DejaVu Sans, sans-serif"), 18.0);
        assert!(is_bold("600 12px a") && !is_bold("normal 12px a"));
    }
}
