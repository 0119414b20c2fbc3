//! tally: usage exports in, a static report site out.
//!
//! The pipeline (see `site`): read `site.toml` (`config`), load the exports
//! into DuckDB (`data`), run one query per report (`report`), render pages,
//! charts and PDFs (`render`), write the downloads (`export`), and swap the
//! finished site into place.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod data;
pub mod date;
pub mod export;
pub mod manifest;
pub mod mcp;
pub mod output;
pub mod progress;
pub mod render;
pub mod report;
pub mod sample;
pub mod serve;
pub mod site;
pub mod view;
