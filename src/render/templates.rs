//! The tera templates: built-in ones embedded in the binary, overridden file
//! by file by the theme's and then the site's `templates/` folders. Built-in
//! templates stay reachable as `tally/<name>`, so an override can extend the
//! one it replaces.

use std::path::Path;

use anyhow::{Context, Result};
use tera::Tera;
use walkdir::WalkDir;

/// The built-in templates, by name.
pub const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("tab.html", include_str!("../../templates/tab.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
];

/// The built-in theme's static files, by path under `assets/`.
pub const BUILTIN_ASSETS: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../../themes/default/static/style.css")),
    ("theme.js", include_bytes!("../../themes/default/static/theme.js")),
    ("site.js", include_bytes!("../../themes/default/static/site.js")),
    ("charts.js", include_bytes!("../../themes/default/static/charts.js")),
    ("tables.js", include_bytes!("../../themes/default/static/tables.js")),
    ("filters.js", include_bytes!("../../themes/default/static/filters.js")),
    ("favicon.svg", include_bytes!("../../themes/default/static/favicon.svg")),
];

/// Loads the templates: built-ins, then `<theme_dir>/templates`, then
/// `<site_dir>/templates` (later ones win).
pub fn load_templates(theme_dir: Option<&Path>, site_dir: &Path) -> Result<Tera> {
    let mut tera = Tera::default();
    let mut all: Vec<(String, String)> = Vec::new();
    for (name, text) in BUILTIN_TEMPLATES {
        all.push((format!("tally/{name}"), text.to_string()));
        all.push((name.to_string(), text.to_string()));
    }
    for dir in theme_dir.into_iter().map(|d| d.join("templates")).chain([site_dir.join("templates")]) {
        if !dir.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&dir).sort_by_file_name() {
            let entry = entry.with_context(|| format!("failed to read templates in `{}`", dir.display()))?;
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().and_then(|e| e.to_str()) != Some("html") {
                continue;
            }
            let name = path.strip_prefix(&dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read template `{}`", path.display()))?;
            all.retain(|(n, _)| n != &name);
            all.push((name, text));
        }
    }
    tera.add_raw_templates(all)
        .map_err(|e| anyhow::anyhow!("failed to load templates: {}", error_chain(&e)))?;
    tera.autoescape_on(vec![".html"]);
    Ok(tera)
}

/// Tera hides the useful part of its errors in `source()`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
