//! What a run prints while it trains: a progress bar for the epoch under way (on a terminal)
//! and one line per finished epoch (everywhere: terminals, pipes, CI logs).

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::metrics::EpochRecord;

/// Prints a line to stdout as `println!` does, except that a closed stdout (`train … | head`)
/// drops the line instead of stopping the run with a panic: training goes on, and its results
/// are in the run directory all the same.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::progress::say_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes the line [`say!`] formats, ignoring a closed stdout.
pub fn say_line(line: std::fmt::Arguments<'_>) {
    // A reader that went away is no reason to lose the training.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// `epoch   3/20  train loss 0.1234 acc  96.10%  valid loss …  lr 1.00e-3  2.10s`
pub fn epoch_line(record: &EpochRecord, total_epochs: usize) -> String {
    format!(
        "epoch {:>3}/{}  train loss {:.4} acc {:6.2}%  valid loss {:.4} acc {:6.2}%  lr {:.2e}  {:.2}s",
        record.epoch,
        total_epochs,
        record.train_loss,
        record.train_acc,
        record.valid_loss,
        record.valid_acc,
        record.lr,
        record.seconds
    )
}

/// Batches between two updates of the bar's loss (formatting it every step would cost an
/// allocation a step for a figure nobody reads that fast).
const MESSAGE_EVERY: usize = 16;

/// The bar of one epoch; hidden when stdout is not a terminal or `CI` is set.
pub struct EpochBar {
    bar: ProgressBar,
    done: usize,
}

impl EpochBar {
    /// A bar over `batches` batches of epoch `epoch` of `total_epochs`.
    pub fn new(epoch: usize, total_epochs: usize, batches: usize) -> Self {
        let visible = std::io::stdout().is_terminal() && std::env::var_os("CI").is_none();
        let bar = if visible {
            ProgressBar::new(batches as u64)
        } else {
            ProgressBar::hidden()
        };
        let style = ProgressStyle::with_template(
            "epoch {prefix} [{bar:30}] {pos}/{len} batches  loss {msg}  {elapsed}<{eta}",
        )
        .map(|s| s.progress_chars("=> "));
        if let Ok(style) = style {
            bar.set_style(style);
        }
        bar.set_prefix(format!("{epoch:>3}/{total_epochs}"));
        Self { bar, done: 0 }
    }

    /// One more batch done; `loss` is the running mean.
    pub fn step(&mut self, loss: impl FnOnce() -> f64) {
        self.done += 1;
        if self.done % MESSAGE_EVERY == 1 && !self.bar.is_hidden() {
            self.bar.set_message(format!("{:.4}", loss()));
        }
        self.bar.inc(1);
    }
}

impl Drop for EpochBar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
