//! Running Burn's learner: model, optimiser, schedule, data loaders, metrics, checkpointers,
//! Ctrl-C, and how the run ended, as an [`Outcome`].

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use burn::train::logger::FileMetricLogger;
use burn::train::metric::store::{Aggregate, Direction, Split};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{
    Interrupter, Learner, MetricEarlyStoppingStrategy, StoppingCondition, SupervisedTraining,
};
use mnist_data::{MnistBatcher, MnistLoader};
use mnist_model::Mlp;

use crate::app_log::WarningsLog;
use crate::checkpoint::{self, AtomicCheckpointer};
use crate::classifier::Classifier;
use crate::divergence::{Divergence, DivergenceWatch};
use crate::epoch_log::EpochLog;
use crate::metrics::{EpochRecord, MetricsFile};
use crate::plan::Plan;
use crate::quiet_renderer::QuietRenderer;
use crate::run_dir::{CHECKPOINT_DIR, METRICS_FILE};
use crate::schedule;

/// How training ended.
pub enum Outcome {
    /// Every epoch ran (or early stopping ended the run).
    Completed {
        /// The model after the last epoch (boxed: the other outcomes are small).
        model: Box<Mlp>,
        /// Every epoch's record, those of a resumed run's earlier epochs included.
        records: Vec<EpochRecord>,
    },
    /// Stopped by a signal or by `q` in the dashboard; the last complete epoch is checkpointed.
    Interrupted,
    /// A loss became NaN or infinite; the epoch it happened in was not checkpointed.
    Diverged(Divergence),
    /// Training could not go on (a checkpoint or metrics file that cannot be written, a
    /// device error, a data loader failure).
    Failed(String),
}

/// Trains `plan.config` on `plan.splits.train`, validating on `plan.splits.valid` each epoch,
/// resuming after `plan.resume_epoch` when set.
pub fn train(plan: &Plan) -> anyhow::Result<Outcome> {
    let Plan {
        config,
        device,
        splits,
        run,
        resume_epoch,
        ..
    } = plan;
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
    // Parameters must be created on an autodiff device to be tracked for gradients. A resumed
    // run's weights come from its checkpoint, so `init_from` is not read again.
    let train_device = device.clone().autodiff();
    let mlp = match (&plan.initial_weights, resume_epoch) {
        (Some(weights), None) => weights.clone(),
        _ => config.model.init(&train_device),
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
    .with_augmentation(config.augment)
    .starting_after(resume_epoch.unwrap_or(0))
    .on_epoch(Arc::new(move |epoch| {
        dropout_device.seed(mnist_data::loader::mix(seed, epoch as u64))
    }));
    let valid_loader = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(mnist_model::EVAL_BATCH)
        .set_device(device.clone())
        .build(splits.valid.clone());

    let plain = std::env::var_os("CI").is_some() || !std::io::stdout().is_terminal();
    let interrupter = Interrupter::new();
    {
        let interrupter = interrupter.clone();
        // SIGINT and SIGTERM stop at the end of the current batch; the checkpoint of the last
        // complete epoch stays on disk for --resume.
        ctrlc::set_handler(move || interrupter.stop(Some("interrupted by signal")))
            .context("installing the Ctrl-C handler")?;
    }
    let epoch_log = EpochLog::new(
        MetricsFile::new(run.file(METRICS_FILE)),
        config.epochs,
        plain,
        plan.previous.clone(),
        interrupter.clone(),
    );
    let divergence = DivergenceWatch::new(interrupter.clone());

    let checkpoints = run.file(CHECKPOINT_DIR);
    let mut training = SupervisedTraining::new(&run.path, Arc::new(train_loader), valid_loader)
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .metric_train_numeric(LearningRateMetric::new())
        .with_application_logger(Some(Box::new(WarningsLog::new(run.file("experiment.log")))))
        .with_metric_logger(FileMetricLogger::new(run.file("logs")))
        .with_metric_logger(epoch_log.clone())
        .with_metric_logger(divergence.clone())
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
    if plain {
        training = training.renderer(Box::new(QuietRenderer));
    }
    if let Some(epoch) = resume_epoch {
        training = training.checkpoint(*epoch);
    }
    let result = training.launch(learner);

    // The most specific cause first: a divergence or a log failure also interrupts.
    Ok(if let Some(error) = result.error {
        Outcome::Failed(error.to_string())
    } else if let Some(failure) = epoch_log.failure() {
        Outcome::Failed(failure)
    } else if let Some(divergence) = divergence.seen() {
        Outcome::Diverged(divergence)
    } else if result.interrupted.is_some() {
        Outcome::Interrupted
    } else {
        Outcome::Completed {
            model: Box::new(result.model.mlp.valid()),
            records: epoch_log.records(),
        }
    })
}
