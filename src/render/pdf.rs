//! The whole-tab PDF, laid out by typst in-process. (Stub: the PDF issue
//! fills this in.)

use anyhow::Result;

use crate::config::{Config, TabConfig};
use crate::date::Date;
use crate::report::ReportOutput;

/// What a tab's PDF is made from.
pub struct PdfContext<'a> {
    /// The site config (title, pdf settings).
    pub config: &'a Config,
    /// The tab.
    pub tab: &'a TabConfig,
    /// The as-of date.
    pub as_of: Date,
    /// The tab's reports, in order, after they ran (charts rendered).
    pub reports: &'a [ReportOutput],
}

/// Lays out the tab as one PDF. `None` until the PDF issue lands.
pub fn render_tab_pdf(_ctx: &PdfContext<'_>) -> Result<Option<Vec<u8>>> {
    Ok(None)
}
