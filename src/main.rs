//! The `tally` binary: parse the command line, run the command, print the
//! error chain. Exit codes: 0 success, 1 build or data error, 2 usage error.

use clap::Parser;

// mimalloc, built with `override`, is also the malloc of the C and C++ code
// linked in (DuckDB above all); Rust's allocations go to it directly.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = tally::cli::Cli::parse();
    if let Err(error) = tally::cmd::run(cli) {
        eprintln!("Error: {error}");
        for cause in error.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(1);
    }
}
