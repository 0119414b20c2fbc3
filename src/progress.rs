//! Build progress on stdout: a live bar on a terminal (phase, done of total,
//! elapsed), plain lines when stdout is a file or a pipe (CI logs, cron
//! mail), nothing with `--quiet`. Warnings go to stderr, as errors do, so a
//! log keeps them apart; in quiet mode only errors print.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing but errors.
    Quiet,
    /// One line when a phase starts and one when it ends.
    Plain,
    /// A live bar.
    Bar,
}

/// The progress of one build. Cheap to share between threads: `advance`
/// takes `&self`.
pub struct Progress {
    mode: Mode,
    bar: Option<ProgressBar>,
    phase: std::sync::Mutex<Option<Phase>>,
}

/// The phase under way.
struct Phase {
    name: String,
    total: u64,
    what: String,
    start: Instant,
}

impl Progress {
    /// Progress in `mode`.
    pub fn new(mode: Mode) -> Progress {
        Progress { mode, bar: None, phase: std::sync::Mutex::new(None) }
    }

    /// A bar on a terminal, plain lines otherwise; nothing when `quiet`.
    pub fn for_stdout(quiet: bool) -> Progress {
        Progress::new(if quiet {
            Mode::Quiet
        } else if std::io::stdout().is_terminal() {
            Mode::Bar
        } else {
            Mode::Plain
        })
    }

    /// No output at all (library callers, tests).
    pub fn silent() -> Progress {
        Progress::new(Mode::Quiet)
    }

    /// Starts a phase of `total` steps named `what` (`views`, `reports`).
    pub fn start(&mut self, phase: &str, total: u64, what: &str) {
        self.finish();
        *self.phase.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Phase { name: phase.into(), total, what: what.into(), start: Instant::now() });
        match self.mode {
            Mode::Quiet | Mode::Plain => {}
            Mode::Bar => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
                let template =
                    format!("{{prefix:>8}} [{{bar:30}}] {{pos}}/{{len}} {what} {{elapsed}} {{msg}}");
                bar.set_style(
                    ProgressStyle::with_template(&template)
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_prefix(phase.to_string());
                bar.enable_steady_tick(Duration::from_millis(200));
                self.bar = Some(bar);
            }
        }
    }

    /// `n` more steps of the current phase are done.
    pub fn advance(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Shows what the current step is (the bar's message).
    pub fn message(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// Ends the current phase, with its time on a plain line.
    pub fn finish(&mut self) {
        let phase = self.phase.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let (Mode::Plain, Some(p)) = (self.mode, phase) {
            println!("{}: {} {} in {:.2} s", p.name, p.total, p.what, p.start.elapsed().as_secs_f64());
        }
    }

    /// A warning: printed above the bar, or as a line; not in quiet mode.
    pub fn warn(&self, text: &str) {
        match (&self.bar, self.mode) {
            (_, Mode::Quiet) => {}
            (Some(bar), _) => bar.suspend(|| eprintln!("warning: {text}")),
            (None, _) => eprintln!("warning: {text}"),
        }
    }

    /// Whether anything but errors is printed.
    pub fn is_quiet(&self) -> bool {
        self.mode == Mode::Quiet
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
