//! Ctrl-C and SIGTERM: a flag the training loop reads after every batch, so a run stops at the
//! end of the batch under way and keeps the checkpoint of its last complete epoch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

/// Set once a stop was asked for.
#[derive(Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// Installs the process's SIGINT/SIGTERM handler (once per process).
    pub fn install() -> anyhow::Result<Self> {
        let interrupt = Self::default();
        let flag = Arc::clone(&interrupt.0);
        ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
            .context("installing the Ctrl-C handler")?;
        Ok(interrupt)
    }

    /// True once a signal arrived.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
