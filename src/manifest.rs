//! `api/index.json`: the machine-readable map of a built site (DESIGN.md
//! section 3), as typed structs. Scripts, `tally mcp` and other tools read
//! it; `format_version` changes whenever a reader would misread the new
//! shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::report::Column;

/// The manifest's shape; bumped on an incompatible change. 2 added
/// `tally_version`, `format_version` and `views`.
pub const FORMAT_VERSION: u32 = 2;

/// The whole manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The tally version that wrote the site.
    pub tally_version: String,
    /// `FORMAT_VERSION` of the writer.
    pub format_version: u32,
    /// The site's title and description.
    pub site: SiteEntry,
    /// The as-of date, `YYYY-MM-DD`.
    pub as_of: String,
    /// The subscription start, `YYYY-MM-DD`.
    pub subscription_start: String,
    /// Set when the whole site is one view (`tally build --view`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ViewEntry>,
    /// The tabs, in order.
    pub tabs: Vec<TabEntry>,
    /// The views built, each with the same tabs and reports under its path.
    #[serde(default)]
    pub views: Vec<ViewEntry>,
    /// Views the data holds that the cap in `[views]` left out.
    #[serde(default)]
    pub views_dropped: usize,
}

/// The site part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SiteEntry {
    /// Site title.
    pub title: String,
    /// Site description.
    pub description: String,
}

/// One tab.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TabEntry {
    /// Tab id (its folder).
    pub id: String,
    /// Tab title.
    pub title: String,
    /// Tab description.
    pub description: String,
    /// Notes shown on the tab (where history starts).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The page, from the site root.
    pub href: String,
    /// The tab PDF, from the site root.
    pub pdf: String,
    /// Every query of the tab as one script that runs in the DuckDB CLI
    /// over the loaded tables (`queries.sql`), from the site root.
    pub queries: String,
    /// The reports, in order.
    pub reports: Vec<ReportEntry>,
}

/// One report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportEntry {
    /// Report id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `table`, `number` or `chart`.
    pub display: String,
    /// Result columns with their types.
    pub columns: Vec<Column>,
    /// Rows of the whole-site result.
    pub rows: usize,
    /// Download files by format (`csv`, `xlsx`, `json`, `svg`, `png`), from
    /// the site root.
    pub files: BTreeMap<String, String>,
    /// Why it failed (`--keep-going`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ViewEntry {
    /// `organization` or `team`.
    pub filter: String,
    /// The organization id, or `organization_id/team`.
    pub value: String,
    /// A readable name.
    pub label: String,
    /// Its folder, from the site root (`views/organization/acme/`): the
    /// same `<tab>/<report>.json|csv|xlsx` files as the root.
    pub path: String,
    /// The organization it belongs to (its id).
    pub organization: String,
    /// Whether it has tab PDFs (organization views).
    pub pdf: bool,
}
