//! Progress bars for long runs, shown only on a terminal and only for large inputs.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Decides whether progress is shown, and makes the bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    enabled: bool,
}

impl Progress {
    /// Progress on standard error, when it is a terminal and `quiet` is not set.
    pub fn new(quiet: bool) -> Self {
        Progress {
            enabled: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// A byte-count bar for reading a file of `len` bytes, when `len` reaches `threshold`.
    pub fn bytes(&self, len: u64, threshold: u64, what: &str) -> Option<ProgressBar> {
        if !self.enabled || len < threshold {
            return None;
        }
        let style = ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .ok()?
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(style);
        bar.set_message(format!("reading {what}"));
        Some(bar)
    }

    /// A spinner for a step over `n` items, when `n` reaches `threshold`.
    pub fn spinner(&self, n: usize, threshold: usize, what: &str) -> Option<ProgressBar> {
        if !self.enabled || n < threshold {
            return None;
        }
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})").ok()?;
        let bar =
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Some(bar)
    }
}
