//! Names and text alternatives inside the chart images, so a downloaded SVG
//! or PNG still says what it shows away from its page: the SVG gets a
//! `<title>` (the report title) and a `<desc>` (the chart's one-line
//! summary), which screen readers and browsers read as its name and
//! description; the PNG gets `Title` and `Description` text chunks (PNG's
//! registered keywords), which image viewers and file managers show.

use anyhow::{bail, Result};

/// `svg` with `<title>` and `<desc>` as the first children of its root
/// element (an empty text is left out).
pub(super) fn svg_with_title(svg: &str, title: &str, description: &str) -> String {
    let Some(end) = svg.strip_prefix("<svg").and_then(|rest| rest.find('>')).map(|i| i + "<svg".len() + 1)
    else {
        return svg.to_string();
    };
    let mut out = String::with_capacity(svg.len() + title.len() + description.len() + 32);
    out.push_str(&svg[..end]);
    if !title.is_empty() {
        out.push_str("<title>");
        out.push_str(&xml_escape(title));
        out.push_str("</title>");
    }
    if !description.is_empty() {
        out.push_str("<desc>");
        out.push_str(&xml_escape(description));
        out.push_str("</desc>");
    }
    out.push_str(&svg[end..]);
    out
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not XML.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `png` with an `iTXt` chunk (UTF-8 text) per non-empty `(keyword, text)`
/// pair, right after the header chunk.
pub(super) fn png_with_text(png: &[u8], texts: &[(&str, &str)]) -> Result<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    // The signature, then IHDR: length (4), type (4), 13 bytes, CRC (4).
    let header_end = SIGNATURE.len() + 4 + 4 + 13 + 4;
    if png.len() < header_end || !png.starts_with(SIGNATURE) || &png[12..16] != b"IHDR" {
        bail!("not a PNG image with a header chunk");
    }
    let mut out = Vec::with_capacity(png.len() + 256);
    out.extend_from_slice(&png[..header_end]);
    for (keyword, text) in texts {
        if text.is_empty() {
            continue;
        }
        // keyword, NUL, compression flag and method (0: none), language
        // tag and translated keyword (both empty, NUL-ended), the text.
        let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
        data.extend_from_slice(keyword.as_bytes());
        data.extend_from_slice(&[0, 0, 0, 0, 0]);
        data.extend_from_slice(text.as_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(b"iTXt");
        out.extend_from_slice(&data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out.extend_from_slice(&png[header_end..]);
    Ok(out)
}

/// The CRC-32 of PNG chunks (ISO 3309, as zlib's), bit by bit: a few
/// hundred bytes per image need no table.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_gets_an_escaped_title_and_description_first() {
        let svg = r#"<svg width="10" height="5" xmlns="http://www.w3.org/2000/svg"><rect/></svg>"#;
        let out = svg_with_title(svg, "Runs <by> team & \"org\"", "Largest: A.");
        assert_eq!(
            out,
            "<svg width=\"10\" height=\"5\" xmlns=\"http://www.w3.org/2000/svg\">\
             <title>Runs &lt;by&gt; team &amp; &quot;org&quot;</title><desc>Largest: A.</desc><rect/></svg>"
        );
        assert_eq!(svg_with_title(svg, "", ""), svg);
        assert_eq!(svg_with_title("not svg", "t", "d"), "not svg");
    }

    #[test]
    fn crc_matches_the_png_specification() {
        // The IEND chunk's CRC, as in every PNG file: AE 42 60 82.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        // The standard check value of CRC-32.
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn png_text_chunks_follow_the_header_and_decode() {
        let mut pixmap = resvg::tiny_skia::Pixmap::new(3, 2).unwrap();
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
        let png = pixmap.encode_png().unwrap();
        let out =
            png_with_text(&png, &[("Title", "Zoë's runs"), ("Description", ""), ("Author", "x")]).unwrap();
        // Still a valid image of the same pixels.
        let back = resvg::tiny_skia::Pixmap::decode_png(&out).unwrap();
        assert_eq!((back.width(), back.height()), (3, 2));
        // Walk the chunks: IHDR, iTXt Title, iTXt Author (the empty
        // description is left out), then the image's own.
        let mut chunks = Vec::new();
        let mut at = 8;
        while at < out.len() {
            let len = u32::from_be_bytes(out[at..at + 4].try_into().unwrap()) as usize;
            let kind = String::from_utf8_lossy(&out[at + 4..at + 8]).into_owned();
            let data = &out[at + 8..at + 8 + len];
            let crc = u32::from_be_bytes(out[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&out[at + 4..at + 8 + len]), "CRC of {kind}");
            chunks.push((kind, data.to_vec()));
            at += 12 + len;
        }
        assert_eq!(chunks[0].0, "IHDR");
        assert_eq!(chunks[1], ("iTXt".into(), b"Title\0\0\0\0\0Zo\xc3\xab's runs".to_vec()));
        assert_eq!(chunks[2], ("iTXt".into(), b"Author\0\0\0\0\0x".to_vec()));
        assert_eq!(chunks.last().unwrap().0, "IEND");
        assert!(png_with_text(b"GIF89a", &[]).is_err());
    }
}
