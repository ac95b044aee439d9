//! The end of a run: the test-set evaluation, `summary.json`, and what is printed.

use std::path::Path;

use burn::prelude::*;
use mnist_data::MnistDataset;
use mnist_model::{Backend, Evaluation, Mlp};
use serde::Serialize;

use crate::config::TrainConfig;
use crate::host::Host;
use crate::int8::Int8Copy;
use crate::kernel_counts::PerStep;
use crate::metrics::EpochRecord;

/// Scores `model` on every image of `dataset`.
pub fn evaluate(model: &Mlp, dataset: &MnistDataset, device: &Device) -> Evaluation {
    Evaluation::run(
        model,
        dataset.tensor_batches(mnist_model::EVAL_BATCH, device),
    )
}

/// What `summary.json` holds.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    /// Run name.
    pub name: &'a str,
    /// The dataset trained and tested on.
    pub dataset: mnist_data::Dataset,
    /// Architecture, e.g. 784-256-128-10.
    pub model: String,
    /// Trainable parameters.
    pub params: usize,
    /// Backend used.
    pub backend: Backend,
    /// The run's seed.
    pub seed: u64,
    /// Epochs completed.
    pub epochs: usize,
    /// The epoch whose weights were saved as the model (see `checkpoint.final_model`).
    pub final_epoch: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// Test accuracy, percent.
    pub test_accuracy: f64,
    /// Mean test cross-entropy.
    pub test_loss: f64,
    /// Test accuracy per class (label 0..=9), percent.
    pub test_per_class_accuracy: [f64; 10],
    /// Validation accuracy of the saved epoch, percent.
    pub valid_accuracy: f64,
    /// Validation loss of the saved epoch.
    pub valid_loss: f64,
    /// Sum of the training passes' wall time (validation excluded).
    pub train_seconds: f64,
    /// Wall time of each epoch's training pass.
    pub epoch_seconds: Vec<f64>,
    /// Wall time of the whole run in this process, data loading and evaluation included.
    pub total_seconds: f64,
    /// The machine the timings were measured on.
    pub host: Host,
    /// What each training step asked of the kernel (page faults, context switches), counted
    /// over the passes after the first; `null` for a run of one pass, or where the OS has no
    /// `getrusage`.
    pub steady_state: Option<PerStep>,
    /// Test accuracy of the int8 copy (`model-int8.safetensors`), percent.
    pub int8_test_accuracy: f64,
    /// Size of the int8 copy, bytes.
    pub int8_bytes: u64,
}

/// What a run produced after its last epoch.
pub struct Outputs<'a> {
    /// The saved model's test evaluation.
    pub test: &'a Evaluation,
    /// The epoch whose weights were saved.
    pub final_epoch: usize,
    /// The int8 copy.
    pub int8: &'a Int8Copy,
    /// The kernel work per step of the training passes after the first.
    pub steady_state: Option<PerStep>,
}

/// Builds the summary from the epoch records and the run's outputs.
pub fn summary<'a>(
    config: &'a TrainConfig,
    backend: Backend,
    records: &[EpochRecord],
    outputs: Outputs<'_>,
    total_seconds: f64,
    host: Host,
) -> Summary<'a> {
    let Outputs {
        test,
        final_epoch,
        int8,
        steady_state,
    } = outputs;
    let model = &config.model;
    let epoch_seconds: Vec<f64> = records.iter().map(|r| r.train_seconds).collect();
    let chosen = records
        .iter()
        .find(|r| r.epoch == final_epoch)
        .or(records.last());
    Summary {
        name: &config.name,
        dataset: config.data.dataset,
        model: model.name(),
        params: model.num_params(),
        backend,
        seed: config.seed,
        epochs: records.len(),
        final_epoch,
        batch_size: config.data.batch_size,
        test_accuracy: test.accuracy(),
        test_loss: test.loss(),
        test_per_class_accuracy: test.per_class_accuracy(),
        valid_accuracy: chosen.map_or(f64::NAN, |r| r.valid_acc),
        valid_loss: chosen.map_or(f64::NAN, |r| r.valid_loss),
        train_seconds: epoch_seconds.iter().sum(),
        epoch_seconds,
        total_seconds,
        host,
        steady_state,
        int8_test_accuracy: int8.test_accuracy,
        int8_bytes: int8.bytes,
    }
}

/// Writes `summary` as pretty JSON, atomically.
pub fn write_summary(summary: &Summary, path: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(summary)?;
    Ok(mnist_atomic::write(path, json.as_bytes())?)
}
