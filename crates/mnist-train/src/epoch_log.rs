//! Per-epoch records: a Burn [`MetricLogger`] that gathers each epoch's train/valid loss,
//! accuracy and learning rate into an [`EpochRecord`], rewrites `metrics.csv` with it and
//! prints the plain progress line when the dashboard is off.
//!
//! Metrics are recognised by the names their own types report, so a rename in Burn cannot
//! silently produce NaN rows; an epoch that still lacks one stops the run with an error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::train::Interrupter;
use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{
    AccuracyMetric, LearningRateMetric, LossMetric, Metric, MetricDefinition, MetricId,
    NumericEntry,
};

use crate::metrics::{EpochRecord, MetricsFile};
use crate::progress;

/// The metrics an epoch record is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Loss,
    Accuracy,
    LearningRate,
}

impl Kind {
    fn of(definition: &MetricDefinition) -> Option<Self> {
        let name = &definition.name;
        if *name == LossMetric::new().name() {
            Some(Self::Loss)
        } else if *name == AccuracyMetric::new().name() {
            Some(Self::Accuracy)
        } else if *name == LearningRateMetric::new().name() {
            Some(Self::LearningRate)
        } else {
            None
        }
    }
}

#[derive(Default)]
struct Partial {
    started: Option<Instant>,
    train_done: Option<Instant>,
    train: HashMap<Kind, f64>,
    valid: HashMap<Kind, f64>,
}

/// Shared between the learner's logger thread and the caller, who reads the records (or the
/// failure) after training.
#[derive(Clone)]
pub struct EpochLog {
    inner: Arc<Mutex<State>>,
}

struct State {
    file: MetricsFile,
    total_epochs: usize,
    print: bool,
    kinds: HashMap<MetricId, Kind>,
    partial: HashMap<usize, Partial>,
    records: Vec<EpochRecord>,
    failure: Option<String>,
    interrupter: Interrupter,
}

impl EpochLog {
    /// Starts from the `previous` records (a resumed run's done epochs) and rewrites `file`
    /// after each epoch; prints a line per epoch when `print` is set. A failure (a missing
    /// metric, a file that cannot be written) stops `interrupter`.
    pub fn new(
        file: MetricsFile,
        total_epochs: usize,
        print: bool,
        previous: Vec<EpochRecord>,
        interrupter: Interrupter,
    ) -> Self {
        let state = State {
            file,
            total_epochs,
            print,
            kinds: HashMap::new(),
            partial: HashMap::new(),
            records: previous,
            failure: None,
            interrupter,
        };
        Self {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// The epochs finished so far (including those of a resumed run).
    pub fn records(&self) -> Vec<EpochRecord> {
        self.inner
            .lock()
            .map(|s| s.records.clone())
            .unwrap_or_default()
    }

    /// Why the log stopped training, if it did.
    pub fn failure(&self) -> Option<String> {
        self.inner.lock().ok().and_then(|s| s.failure.clone())
    }
}

impl State {
    fn finish(&mut self, epoch: usize) {
        let Some(partial) = self.partial.remove(&epoch) else {
            return;
        };
        match record(epoch, &partial) {
            Ok(record) => {
                self.records.retain(|r| r.epoch != epoch);
                self.records.push(record);
                if let Err(e) = self.file.write(&self.records) {
                    self.fail(e.to_string());
                } else if self.print {
                    println!("{}", progress::epoch_line(&record, self.total_epochs));
                }
            }
            Err(missing) => self.fail(format!(
                "epoch {epoch}: Burn reported no {missing} metric (has its name changed?)"
            )),
        }
    }

    fn fail(&mut self, message: String) {
        if self.failure.is_none() {
            self.interrupter.stop(Some(&message));
            self.failure = Some(message);
        }
    }
}

/// The record of a finished epoch, or the name of the metric it lacks.
fn record(epoch: usize, partial: &Partial) -> Result<EpochRecord, &'static str> {
    let now = Instant::now();
    let started = partial.started.unwrap_or(now);
    let get = |map: &HashMap<Kind, f64>, kind: Kind, name: &'static str| {
        map.get(&kind).copied().ok_or(name)
    };
    Ok(EpochRecord {
        epoch,
        train_loss: get(&partial.train, Kind::Loss, "training loss")?,
        train_acc: get(&partial.train, Kind::Accuracy, "training accuracy")?,
        valid_loss: get(&partial.valid, Kind::Loss, "validation loss")?,
        valid_acc: get(&partial.valid, Kind::Accuracy, "validation accuracy")?,
        lr: get(&partial.train, Kind::LearningRate, "learning rate")?,
        train_seconds: partial
            .train_done
            .unwrap_or(now)
            .duration_since(started)
            .as_secs_f64(),
        seconds: now.duration_since(started).as_secs_f64(),
    })
}

impl MetricLogger for EpochLog {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        if matches!(split, Split::Test(_)) {
            return;
        }
        let Ok(mut state) = self.inner.lock() else {
            return;
        };
        let mut values = Vec::new();
        for numeric in &update.entries_numeric {
            let Some(&kind) = state.kinds.get(&numeric.entry.metric_id) else {
                continue;
            };
            if let Some(entry) = numeric
                .running_entry
                .as_ref()
                .or(numeric.numeric_entry.as_ref())
            {
                values.push((kind, entry.current()));
            }
        }
        let partial = state.partial.entry(epoch).or_default();
        partial.started.get_or_insert_with(Instant::now);
        let map = if matches!(split, Split::Train) {
            &mut partial.train
        } else {
            partial.train_done.get_or_insert_with(Instant::now);
            &mut partial.valid
        };
        map.extend(values);
    }

    fn read_numeric(
        &mut self,
        _name: &str,
        _epoch: usize,
        _split: &Split,
    ) -> Result<Vec<NumericEntry>, String> {
        Err("the epoch log keeps only summaries; Burn's file logger answers history queries".into())
    }

    fn log_metric_definition(&mut self, definition: MetricDefinition) {
        if let (Some(kind), Ok(mut state)) = (Kind::of(&definition), self.inner.lock()) {
            state.kinds.insert(definition.metric_id, kind);
        }
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        if let (Split::Valid, Ok(mut state)) = (&summary.split, self.inner.lock()) {
            state.finish(summary.epoch_number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_without_a_metric_names_it() {
        let mut partial = Partial::default();
        partial.train.insert(Kind::Loss, 0.5);
        partial.train.insert(Kind::Accuracy, 90.0);
        partial.valid.insert(Kind::Loss, 0.4);
        partial.valid.insert(Kind::Accuracy, 91.0);
        assert_eq!(record(1, &partial), Err("learning rate"));
        partial.train.insert(Kind::LearningRate, 1e-3);
        let record = record(1, &partial).expect("complete");
        assert_eq!((record.valid_acc, record.lr), (91.0, 1e-3));
    }

    #[test]
    fn burns_metrics_are_recognised_by_their_types() {
        let definition = |metric: &dyn Fn() -> MetricDefinition| Kind::of(&metric());
        assert_eq!(
            definition(&|| MetricDefinition::new(
                MetricId::new(Arc::new("a".into())),
                &LossMetric::new()
            )),
            Some(Kind::Loss)
        );
        assert_eq!(
            definition(&|| MetricDefinition::new(
                MetricId::new(Arc::new("b".into())),
                &AccuracyMetric::new()
            )),
            Some(Kind::Accuracy)
        );
        assert_eq!(
            definition(&|| MetricDefinition::new(
                MetricId::new(Arc::new("c".into())),
                &LearningRateMetric::new()
            )),
            Some(Kind::LearningRate)
        );
    }
}
