//! `experiment.log`: the application log of Burn's learner, kept to warnings and errors.
//!
//! burn-train's own installer logs at INFO, which is a line per training iteration ("Iteration
//! 17", ≈ 470 KB and 8 600 writes per 20-epoch run) that nobody reads: the per-epoch record is
//! `metrics.csv`. Same file and format, higher threshold.

use std::path::{Path, PathBuf};

use burn::train::ApplicationLoggerInstaller;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::prelude::*;

/// Installs a subscriber writing Burn's warnings and errors to one file.
pub struct WarningsLog {
    path: PathBuf,
}

impl WarningsLog {
    /// A log at `path` (created on the first warning).
    pub fn new(path: impl AsRef<Path>) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
        }
    }
}

impl ApplicationLoggerInstaller for WarningsLog {
    fn install(&self) -> Result<(), String> {
        let (Some(dir), Some(file)) = (self.path.parent(), self.path.file_name()) else {
            return Err(format!("{} is not a file path", self.path.display()));
        };
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(tracing_appender::rolling::never(dir, file))
            .with_filter(LevelFilter::WARN);
        tracing_subscriber::registry()
            .with(layer)
            .try_init()
            .map_err(|e| format!("installing the log {}: {e}", self.path.display()))
    }
}
