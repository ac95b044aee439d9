//! Per-epoch metrics: a Burn [`MetricLogger`] that keeps each epoch's train/valid loss,
//! accuracy and learning rate, appends a row to `metrics.csv`, and prints a plain progress
//! line when the terminal dashboard is off. It also watches the loss: a NaN or infinite
//! loss stops training before that epoch is checkpointed.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::train::Interrupter;
use burn::train::logger::MetricLogger;
use burn::train::metric::store::{EpochSummary, MetricsUpdate, Split};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use serde::Serialize;

/// Start of the interruption reason given when the loss stops being finite.
pub const DIVERGED: &str = "diverged";

/// Header of `metrics.csv`.
pub const CSV_HEADER: &str = "epoch,train_loss,train_acc,valid_loss,valid_acc,lr,seconds";

/// One finished epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training accuracy, percent.
    pub train_acc: f64,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Validation accuracy, percent.
    pub valid_acc: f64,
    /// Learning rate at the end of the epoch.
    pub lr: f64,
    /// Wall time of the training pass (validation excluded).
    pub train_seconds: f64,
    /// Wall time of the whole epoch, validation included.
    pub seconds: f64,
}

impl EpochRecord {
    /// The CSV row, matching [`CSV_HEADER`].
    pub fn csv_row(&self) -> String {
        format!(
            "{},{:.6},{:.4},{:.6},{:.4},{:.6e},{:.3}",
            self.epoch,
            self.train_loss,
            self.train_acc,
            self.valid_loss,
            self.valid_acc,
            self.lr,
            self.seconds
        )
    }
}

#[derive(Default)]
struct Partial {
    started: Option<Instant>,
    train_done: Option<Instant>,
    train: HashMap<String, f64>,
    valid: HashMap<String, f64>,
}

/// Shared between the learner's logger thread and the caller, who reads the records after
/// training.
#[derive(Clone)]
pub struct EpochLog {
    inner: Arc<Mutex<State>>,
}

struct State {
    csv: PathBuf,
    total_epochs: usize,
    print: bool,
    names: HashMap<MetricId, String>,
    partial: HashMap<usize, Partial>,
    records: Vec<EpochRecord>,
    interrupter: Interrupter,
}

impl EpochLog {
    /// Logs into `csv` (which must already hold the header); prints a line per epoch when
    /// `print` is set; stops `interrupter` when the loss diverges.
    pub fn new(
        csv: PathBuf,
        total_epochs: usize,
        print: bool,
        previous: Vec<EpochRecord>,
        interrupter: Interrupter,
    ) -> Self {
        let state = State {
            csv,
            total_epochs,
            print,
            names: HashMap::new(),
            partial: HashMap::new(),
            records: previous,
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
}

impl State {
    fn finish(&mut self, epoch: usize) {
        let Some(partial) = self.partial.remove(&epoch) else {
            return;
        };
        let now = Instant::now();
        let started = partial.started.unwrap_or(now);
        let get = |map: &HashMap<String, f64>, key: &str| map.get(key).copied().unwrap_or(f64::NAN);
        let record = EpochRecord {
            epoch,
            train_loss: get(&partial.train, "Loss"),
            train_acc: get(&partial.train, "Accuracy"),
            valid_loss: get(&partial.valid, "Loss"),
            valid_acc: get(&partial.valid, "Accuracy"),
            lr: get(&partial.train, "Learning Rate"),
            train_seconds: partial
                .train_done
                .unwrap_or(now)
                .duration_since(started)
                .as_secs_f64(),
            seconds: now.duration_since(started).as_secs_f64(),
        };
        let row = record.csv_row();
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .open(&self.csv)
            .and_then(|mut f| writeln!(f, "{row}").and_then(|_| f.sync_data()));
        if let Err(e) = appended {
            eprintln!("warning: cannot append to {}: {e}", self.csv.display());
        }
        if self.print {
            println!(
                "epoch {:>3}/{}  train loss {:.4} acc {:6.2}%  valid loss {:.4} acc {:6.2}%  lr {:.2e}  {:.2}s",
                epoch,
                self.total_epochs,
                record.train_loss,
                record.train_acc,
                record.valid_loss,
                record.valid_acc,
                record.lr,
                record.seconds
            );
        }
        self.records.retain(|r| r.epoch != epoch);
        self.records.push(record);
    }
}

impl MetricLogger for EpochLog {
    fn log(&mut self, update: MetricsUpdate, epoch: usize, split: &Split) {
        let Ok(mut state) = self.inner.lock() else {
            return;
        };
        let mut values = Vec::new();
        for numeric in &update.entries_numeric {
            let Some(name) = state.names.get(&numeric.entry.metric_id).cloned() else {
                continue;
            };
            if let Some(entry) = numeric
                .running_entry
                .as_ref()
                .or(numeric.numeric_entry.as_ref())
            {
                values.push((name, entry.current()));
            }
        }
        if matches!(split, Split::Test(_)) {
            return;
        }
        if let Some((_, loss)) = values.iter().find(|(name, _)| name == "Loss")
            && !loss.is_finite()
            && !state.interrupter.should_stop()
        {
            let which = if matches!(split, Split::Train) {
                "training"
            } else {
                "validation"
            };
            state.interrupter.stop(Some(&format!(
                "{DIVERGED}: the {which} loss became {loss} in epoch {epoch}"
            )));
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
        if let Ok(mut state) = self.inner.lock() {
            state
                .names
                .insert(definition.metric_id.clone(), definition.name.to_string());
        }
    }

    fn log_epoch_summary(&mut self, summary: EpochSummary) {
        if let (Split::Valid, Ok(mut state)) = (&summary.split, self.inner.lock()) {
            state.finish(summary.epoch_number);
        }
    }
}

/// Reads the rows of an existing `metrics.csv` up to and including `last_epoch` (resume).
pub fn read_records(csv: &std::path::Path, last_epoch: usize) -> Vec<EpochRecord> {
    let Ok(text) = std::fs::read_to_string(csv) else {
        return Vec::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<f64> = line
                .split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect();
            (f.len() == 7).then(|| EpochRecord {
                epoch: f[0] as usize,
                train_loss: f[1],
                train_acc: f[2],
                valid_loss: f[3],
                valid_acc: f[4],
                lr: f[5],
                train_seconds: f[6],
                seconds: f[6],
            })
        })
        .filter(|r| r.epoch >= 1 && r.epoch <= last_epoch)
        .collect()
}
