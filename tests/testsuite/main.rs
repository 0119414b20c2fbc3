//! tally's integration tests: one binary, a module per feature, a fixture
//! folder per case under `tests/fixtures/`. See README.md here.

mod a11y;
mod browser;
mod build;
mod build_script;
mod catalogue;
mod data;
mod edge_cases;
mod errors;
mod examples;
mod fuzz;
mod init;
mod invariants;
mod mcp;
mod payloads;
mod sample;
mod serve;
mod util;
mod view_sql;
mod views;
