//! The divergence watchdog: a Burn metric logger that stops training the moment a loss stops
//! being finite, before that epoch is checkpointed, and keeps what it saw as a typed value.

use std::sync::{Arc, Mutex};

use burn::train::Interrupter;
use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{LossMetric, Metric, MetricDefinition, MetricId, NumericEntry};

/// A loss that became NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Divergence {
    /// The 1-based epoch it happened in.
    pub epoch: usize,
    /// True for the training loss, false for the validation loss.
    pub training: bool,
    /// The value (NaN or ±inf).
    pub loss: f64,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let which = if self.training {
            "training"
        } else {
            "validation"
        };
        write!(
            f,
            "the {which} loss became {} in epoch {}",
            self.loss, self.epoch
        )
    }
}

/// Watches the loss metric; shared with the caller, who asks [`DivergenceWatch::seen`]
/// after training.
#[derive(Clone)]
pub struct DivergenceWatch {
    loss_id: Arc<Mutex<Option<MetricId>>>,
    seen: Arc<Mutex<Option<Divergence>>>,
    interrupter: Interrupter,
}

impl DivergenceWatch {
    /// Stops `interrupter` on divergence.
    pub fn new(interrupter: Interrupter) -> Self {
        Self {
            loss_id: Arc::default(),
            seen: Arc::default(),
            interrupter,
        }
    }

    /// The divergence that stopped training, if one did.
    pub fn seen(&self) -> Option<Divergence> {
        self.seen.lock().ok().and_then(|seen| *seen)
    }
}

impl MetricLogger for DivergenceWatch {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let training = match split {
            Split::Train => true,
            Split::Valid => false,
            Split::Test(_) => return,
        };
        let Some(loss_id) = self.loss_id.lock().ok().and_then(|id| id.clone()) else {
            return;
        };
        let loss = update
            .entries_numeric
            .iter()
            .filter(|numeric| numeric.entry.metric_id == loss_id)
            .find_map(|numeric| {
                numeric
                    .running_entry
                    .as_ref()
                    .or(numeric.numeric_entry.as_ref())
            })
            .map(|entry| entry.current());
        let Some(loss) = loss.filter(|loss| !loss.is_finite()) else {
            return;
        };
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        if seen.is_none() {
            let divergence = Divergence {
                epoch,
                training,
                loss,
            };
            *seen = Some(divergence);
            self.interrupter
                .stop(Some(&format!("diverged: {divergence}")));
        }
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the divergence watch keeps no history".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        // Matched by the metric's own name, not a copy of its text: a rename upstream still
        // matches.
        if definition.name == LossMetric::new().name()
            && let Ok(mut id) = self.loss_id.lock()
        {
            *id = Some(definition.metric_id);
        }
    }

    fn log_epoch_summary(&mut self, _summary: EpochSummary) {}
}
