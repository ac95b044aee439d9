//! Assembling Burn's learner (model, optimiser, schedule, data loaders, metrics,
//! checkpointers) and running it.

use std::sync::Arc;

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{
    Interrupter, Learner, MetricEarlyStoppingStrategy, StoppingCondition, SupervisedTraining,
};
use mnist_data::{MnistBatcher, MnistLoader, MnistSplits};
use mnist_model::Mlp;

use crate::checkpoint::{self, AtomicCheckpointer};
use crate::classifier::Classifier;
use crate::config::TrainConfig;
use crate::epoch_log::EpochLog;
use crate::quiet_renderer::QuietRenderer;
use crate::run_dir::{CHECKPOINT_DIR, RunDir};
use crate::schedule;

/// Validation batches are large: no gradients, so memory is no concern.
const VALID_BATCH: usize = 1000;

/// How progress is shown and how training is stopped.
pub struct Monitor {
    /// Plain per-epoch lines instead of the terminal dashboard.
    pub plain_output: bool,
    /// Receives every epoch's metrics (metrics.csv, printed lines).
    pub epoch_log: EpochLog,
    /// Stops training at the next batch (Ctrl-C).
    pub interrupter: Interrupter,
}

/// How training ended.
pub struct Trained {
    /// The model after the last completed epoch.
    pub model: Mlp,
    /// Why training stopped early, when it did (a signal, `q` in the dashboard, divergence).
    pub interrupted: Option<String>,
    /// Set when training failed (e.g. a device error).
    pub error: Option<String>,
}

/// Trains on `splits.train`, validating on `splits.valid` each epoch; resumes after
/// `resume_epoch` when given.
pub fn train(
    config: &TrainConfig,
    run: &RunDir,
    splits: &MnistSplits,
    device: &Device,
    resume_epoch: Option<usize>,
    monitor: Monitor,
) -> anyhow::Result<Trained> {
    let Monitor {
        plain_output,
        epoch_log,
        interrupter,
    } = monitor;
    device.seed(config.seed);
    let train_set = match config.data.train_limit {
        Some(limit) => splits.train.head(limit),
        None => splits.train.clone(),
    };
    let batches_per_epoch = train_set.len().div_ceil(config.data.batch_size);
    let scheduler = schedule::scheduler(
        &config.schedule,
        config.optimizer.lr,
        config.epochs,
        batches_per_epoch,
    )
    .map_err(|e| anyhow::anyhow!("schedule: {e}"))?;
    // Parameters must be created on an autodiff device to be tracked for gradients.
    let train_device = device.clone().autodiff();
    let mlp = match &config.init_from {
        Some(path) => mnist_model::load_model(path, &train_device)?.0,
        None => config.model.init(&train_device),
    };
    let model = Classifier::new(mlp, config.loss.label_smoothing, &train_device);
    let learner = Learner::new(model, schedule::optimizer(&config.optimizer), scheduler);

    // Every epoch's batches and dropout masks are functions of (seed, epoch), so an
    // interrupted run resumed from a checkpoint trains exactly as an uninterrupted one.
    let dropout_device = device.clone();
    let seed = config.seed;
    let train_loader = MnistLoader::new(
        train_set,
        config.data.batch_size,
        config.shuffle_seed(),
        device.clone(),
    )
    .with_augmentation(config.augment.augmentation())
    .starting_after(resume_epoch.unwrap_or(0))
    .on_epoch(Arc::new(move |epoch| {
        dropout_device.seed(mnist_data::loader::mix(seed, epoch as u64))
    }));
    let valid_loader = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(VALID_BATCH)
        .set_device(device.clone())
        .build(splits.valid.clone());

    let checkpoints = run.file(CHECKPOINT_DIR);
    let mut training = SupervisedTraining::new(&run.path, Arc::new(train_loader), valid_loader)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new())
        .with_metric_logger(FileMetricLogger::new(run.file("logs")))
        .with_metric_logger(epoch_log)
        .with_custom_checkpointers(
            AtomicCheckpointer::new(&checkpoints, "model"),
            AtomicCheckpointer::new(&checkpoints, "optim"),
            AtomicCheckpointer::new(&checkpoints, "scheduler"),
        )
        .with_checkpointing_strategy(checkpoint::strategy(config.checkpoint.keep_last))
        .with_interrupter(interrupter)
        .num_epochs(config.epochs);
    if let Some(patience) = config.early_stopping.patience {
        training = training.early_stopping(MetricEarlyStoppingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
            StoppingCondition::NoImprovementSince { n_epochs: patience },
        ));
    }
    if plain_output {
        training = training.renderer(Box::new(QuietRenderer));
    }
    if let Some(epoch) = resume_epoch {
        training = training.checkpoint(epoch);
    }
    let result = training.launch(learner);
    Ok(Trained {
        model: result.model.mlp.valid(),
        interrupted: result
            .interrupted
            .map(|i| i.reason.unwrap_or_else(|| "stopped".into())),
        error: result.error.map(|e| e.to_string()),
    })
}
