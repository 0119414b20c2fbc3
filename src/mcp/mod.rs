//! `tally mcp`: a read-only Model Context Protocol server over a built site,
//! so an AI assistant answers usage questions from the numbers the site
//! shows (DESIGN.md section 9). `site` reads the site folder and never
//! leaves it, `tools` holds what each tool answers, `server` speaks the
//! protocol (the rmcp SDK, stdio). It never writes, never opens a socket and
//! never runs SQL: every answer comes from the site's files.

pub mod server;
pub mod site;
pub mod tools;

pub use server::serve;
pub use site::SiteDir;
