//! SVG to PNG with resvg, using only the DejaVu fonts built into tally, so a
//! PNG is the same on every machine whatever fonts it has installed.

use std::sync::{Arc, OnceLock};

use anyhow::{anyhow, Context as _, Result};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{fontdb, Options, Tree};

fn options() -> &'static Options<'static> {
    static OPTIONS: OnceLock<Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        for font in [
            dejavu::sans::regular(),
            dejavu::sans::bold(),
            dejavu::sans::oblique(),
            dejavu::sans::bold_oblique(),
            dejavu::sans_mono::regular(),
        ] {
            db.load_font_data(font.to_vec());
        }
        // Generic families (`sans-serif` in the SVG's fallback, or a theme
        // naming `serif`) all resolve to the built-in fonts.
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
        db.set_cursive_family("DejaVu Sans");
        db.set_fantasy_family("DejaVu Sans");
        db.set_monospace_family("DejaVu Sans Mono");
        Options { font_family: "DejaVu Sans".into(), fontdb: Arc::new(db), ..Options::default() }
    })
}

/// Rasterises `svg` to a PNG of `width` x `height` pixels (the SVG is scaled
/// to fit if its own size differs).
pub(crate) fn svg_to_png(svg: &str, width: u32, height: u32) -> Result<Vec<u8>> {
    let tree = Tree::from_str(svg, options()).context("resvg could not parse the SVG")?;
    let mut pixmap =
        Pixmap::new(width, height).ok_or_else(|| anyhow!("cannot make a {width}x{height} image"))?;
    let size = tree.size();
    let transform = Transform::from_scale(width as f32 / size.width(), height as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().context("failed to encode the PNG")
}
