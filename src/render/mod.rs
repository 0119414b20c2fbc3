//! Rendering: pages (tera templates over a page model), charts and PDFs.

pub(crate) mod cache;
pub mod chart;
pub mod llms;
pub mod page;
pub mod pdf;
pub mod templates;
