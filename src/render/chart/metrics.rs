//! Text widths in the DejaVu Sans fonts, for ECharts' layout at build time.
//!
//! Without a canvas, ECharts estimates widths from a Helvetica-like table,
//! and DejaVu Sans is wider, so legends and axis labels would be spaced for
//! a different font than the PNG is drawn with. This reads the advance widths
//! straight from the fonts' `cmap`/`hmtx` tables (no kerning; ECharts only
//! needs the width to lay labels out).

use std::sync::OnceLock;

/// Advance widths of the Basic Multilingual Plane, in font units.
struct Widths {
    units_per_em: f64,
    /// Indexed by code point; 0 means the font has no glyph for it.
    advance: Vec<u16>,
}

fn regular() -> &'static Widths {
    static W: OnceLock<Widths> = OnceLock::new();
    W.get_or_init(|| Widths::parse(dejavu::sans::regular()).expect("DejaVu Sans parses"))
}

fn bold() -> &'static Widths {
    static W: OnceLock<Widths> = OnceLock::new();
    W.get_or_init(|| Widths::parse(dejavu::sans::bold()).expect("DejaVu Sans Bold parses"))
}

/// The width in pixels of `text` in a CSS `font` shorthand as ECharts
/// writes it (`bold 18px DejaVu Sans, sans-serif`, `12px sans-serif`).
/// Multi-line text is as wide as its widest line.
pub(crate) fn measure(text: &str, font: &str) -> f64 {
    let size = font_size(font);
    let widths = if is_bold(font) { bold() } else { regular() };
    text.split('\n')
        .map(|line| {
            line.chars()
                .map(|c| {
                    let units = widths.advance.get(c as usize).copied().unwrap_or(0);
                    if units == 0 {
                        // No glyph (e.g. CJK): about one em, as most such
                        // scripts are set.
                        size
                    } else {
                        f64::from(units) * size / widths.units_per_em
                    }
                })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
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

impl Widths {
    fn parse(font: &[u8]) -> Option<Widths> {
        let table = |tag: &[u8; 4]| -> Option<&[u8]> {
            let count = usize::from(u16_at(font, 4)?);
            (0..count).find_map(|i| {
                let record = 12 + 16 * i;
                if font.get(record..record + 4)? != tag {
                    return None;
                }
                let offset = u32_at(font, record + 8)? as usize;
                let length = u32_at(font, record + 12)? as usize;
                font.get(offset..offset + length)
            })
        };
        let head = table(b"head")?;
        let hhea = table(b"hhea")?;
        let hmtx = table(b"hmtx")?;
        let cmap = table(b"cmap")?;
        let units_per_em = f64::from(u16_at(head, 18)?);
        let metrics = usize::from(u16_at(hhea, 34)?);
        let glyph_advance = |glyph: u16| -> u16 {
            // Glyphs past the last metric repeat its advance.
            let g = usize::from(glyph).min(metrics.saturating_sub(1));
            u16_at(hmtx, 4 * g).unwrap_or(0)
        };

        // The Unicode BMP subtable (platform 3 encoding 1, or platform 0) in
        // format 4: segments of code points mapped by delta or by array.
        let subtables = usize::from(u16_at(cmap, 2)?);
        let sub = (0..subtables).find_map(|i| {
            let rec = 4 + 8 * i;
            let platform = u16_at(cmap, rec)?;
            let encoding = u16_at(cmap, rec + 2)?;
            let offset = u32_at(cmap, rec + 4)? as usize;
            let fits = (platform == 3 && encoding == 1) || platform == 0;
            (fits && u16_at(cmap, offset)? == 4).then(|| cmap.get(offset..))?
        })?;
        let segments = usize::from(u16_at(sub, 6)? / 2);
        let ends = 14;
        let starts = ends + 2 * segments + 2;
        let deltas = starts + 2 * segments;
        let range_offsets = deltas + 2 * segments;
        let mut advance = vec![0u16; 0x1_0000];
        for s in 0..segments {
            let end = u16_at(sub, ends + 2 * s)?;
            let start = u16_at(sub, starts + 2 * s)?;
            let delta = u16_at(sub, deltas + 2 * s)?;
            let range_offset = usize::from(u16_at(sub, range_offsets + 2 * s)?);
            if start > end {
                continue;
            }
            for code in start..=end {
                if code == 0xFFFF {
                    break;
                }
                let glyph = if range_offset == 0 {
                    code.wrapping_add(delta)
                } else {
                    let at = range_offsets + 2 * s + range_offset + 2 * usize::from(code - start);
                    match u16_at(sub, at)? {
                        0 => 0,
                        g => g.wrapping_add(delta),
                    }
                };
                if glyph != 0 {
                    advance[usize::from(code)] = glyph_advance(glyph);
                }
            }
        }
        Some(Widths { units_per_em, advance })
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
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
