//! What every request shares: the runs, the device, and the models and evaluations loaded
//! so far.

use std::path::PathBuf;
use std::time::Duration;

use burn::prelude::*;

use crate::evaluation::Evaluations;
use crate::models::ModelCache;
use crate::runs::RunIndex;

/// Limits every request is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes; larger ones get 413.
    pub max_body: usize,
    /// Longest a request may take, queueing included; longer ones get 503.
    pub timeout: Duration,
    /// Predictions run at once; more wait for a free slot.
    pub concurrency: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 16 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get() * 2),
        }
    }
}

/// The server's shared state.
#[derive(Debug)]
pub struct AppState {
    /// The runs found under `--runs`.
    pub runs: RunIndex,
    /// Where models run.
    pub device: Device,
    /// Models loaded so far.
    pub models: ModelCache,
    /// Test sets and evaluations computed so far.
    pub evaluations: Evaluations,
    /// Request limits.
    pub limits: Limits,
}

impl AppState {
    /// State for the runs under `runs_root`, on `device`; test sets come from `data_dir`
    /// when given.
    pub fn new(
        runs_root: PathBuf,
        device: Device,
        data_dir: Option<PathBuf>,
        limits: Limits,
    ) -> Self {
        Self {
            runs: RunIndex::new(runs_root),
            device,
            models: ModelCache::default(),
            evaluations: Evaluations::new(data_dir),
            limits,
        }
    }
}
