//! Rendering: pages (tera templates over a page model), charts and PDFs.

pub(crate) mod cache;
pub mod chart;
pub mod html;
pub mod llms;
pub mod page;
pub mod pdf;
pub mod templates;
pub mod view_data;
