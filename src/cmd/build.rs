//! `tally build`: the whole pipeline, then a one-line summary.

use crate::cli::BuildArgs;
use crate::site::{self, BuildOptions};

/// Builds the site.
pub fn run(args: BuildArgs) -> anyhow::Result<()> {
    let options = BuildOptions {
        config: args.config,
        output_dir: args.output_dir,
        data_dir: args.data_dir,
        as_of: args.as_of,
        force: args.force,
        keep_going: args.keep_going,
        view: args.view,
        quiet: args.quiet,
    };
    crate::output::stop_signals_before_commit();
    let summary = site::build(&options)?;
    if crate::output::stopped_late() {
        eprintln!("note: the stop signal came after the new site was in place; the build finished");
    }
    if options.quiet {
        return Ok(());
    }
    if summary.unchanged {
        println!(
            "Nothing changed since the last build: {}, {}, {}{} as of {} are in place",
            count(summary.tabs, "tab"),
            count(summary.reports, "report"),
            if summary.views > 0 { format!("{}, ", count(summary.views, "view")) } else { String::new() },
            count(summary.files, "file"),
            summary.as_of
        );
        return Ok(());
    }
    let total: f64 = summary.timings.iter().map(|(_, d)| d.as_secs_f64()).sum();
    let phases: Vec<String> =
        summary.timings.iter().map(|(name, d)| format!("{name} {:.2} s", d.as_secs_f64())).collect();
    let views = match (summary.views, summary.views_dropped) {
        (0, 0) => String::new(),
        (n, 0) => format!("{}, ", count(n, "view")),
        (n, dropped) => format!("{} ({dropped} left out by `views.max`), ", count(n, "view")),
    };
    println!(
        "Built {}, {}, {views}{} as of {} in {:.2} s ({})",
        count(summary.tabs, "tab"),
        count(summary.reports, "report"),
        count(summary.files, "file"),
        summary.as_of,
        total,
        phases.join(", ")
    );
    let v = summary.view_times;
    if v.built > 0 {
        // Thread time, summed over the workers (one per core) and the
        // threads laying out PDFs beside them.
        println!(
            "Views: {} built{} (queries {:.2} s, files {:.2} s, charts and PDFs {:.2} s, summed over the threads)",
            v.built,
            if v.cached > 0 { format!(", {} unchanged from the view cache", v.cached) } else { String::new() },
            v.queries.as_secs_f64(),
            v.files.as_secs_f64(),
            v.pdfs.as_secs_f64()
        );
    } else if v.cached > 0 {
        println!("Views: {} unchanged, from the view cache", v.cached);
    }
    Ok(())
}

/// `1 tab`, `5 tabs`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
