//! tally's integration tests: one binary, a module per feature, a fixture
//! folder per case under `tests/fixtures/`. See README.md here.

mod browser;
mod build;
mod catalogue;
mod errors;
mod fuzz;
mod mcp;
mod payloads;
mod sample;
mod util;
