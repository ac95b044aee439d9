//! The training loop: epochs of shuffled batches (forward, backward, Adam step), a validation
//! pass, a checkpoint and a metrics row per epoch, and how the run ended, as an [`Outcome`].
//!
//! This replaces burn-train's `Learner`, which hands every step's loss and accuracy to a
//! metrics thread over a channel and renders a terminal dashboard: on a VM each hand-over
//! woke a sleeping thread (≈ 100 context switches a step with the data loader's), and the
//! dashboard and its event store were most of what the first build compiled. The loop here
//! keeps burn-train's file names and record formats, so runs checkpointed by either resume.

use std::time::Instant;

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use mnist_data::{MnistBatch, MnistDataset, MnistLoader};
use mnist_model::{EVAL_BATCH, Mlp, evaluate::argmax};

use crate::checkpoint::{self, TrainingState};
use crate::classifier::{Classifier, Step};
use crate::divergence::Divergence;
use crate::epoch_log::{EpochLog, Meter};
use crate::interrupt::Interrupt;
use crate::kernel_counts::{PerStep, StepCounter};
use crate::metrics::{EpochRecord, MetricsFile};
use crate::plan::Plan;
use crate::progress::{EpochBar, say};
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
        /// The kernel work per step of the training passes after the first.
        steady_state: Option<PerStep>,
    },
    /// Stopped by a signal; the last complete epoch is checkpointed.
    Interrupted,
    /// A loss became NaN or infinite; the epoch it happened in was not checkpointed.
    Diverged(Divergence),
    /// Training could not go on (a checkpoint or metrics file that cannot be written).
    Failed(String),
}

/// The optimiser and schedule, which the loop advances once a batch.
struct Optimization {
    optimizer: ModuleOptimizer,
    scheduler: ModuleLrScheduler,
    /// The rate of the last step.
    lr: f64,
}

/// How one pass over the training batches ended.
enum Pass {
    Done(Meter),
    Interrupted,
    Diverged(Divergence),
}

/// Trains `plan.config` on `plan.splits.train`, validating on `plan.splits.valid` each epoch,
/// resuming after `plan.resume_epoch` when set.
pub fn train(plan: &Plan) -> anyhow::Result<Outcome> {
    let Plan {
        config,
        device,
        run,
        ..
    } = plan;
    device.seed(config.seed);
    let train_set = match config.data.train_limit {
        Some(limit) => plan.splits.train.head(limit),
        None => plan.splits.train.clone(),
    };
    let loader = MnistLoader::new(
        train_set,
        config.data.batch_size,
        config.shuffle_seed(),
        device.clone(),
    )
    .with_augmentation(config.augment);
    let (mut model, mut optimization) = initial_state(plan, loader.batches_per_epoch())?;
    let interrupt = Interrupt::install()?;
    let mut log = EpochLog::new(
        MetricsFile::new(run.file(METRICS_FILE)),
        config.epochs,
        plan.previous.clone(),
    );
    let mut kernel = StepCounter::default();
    for epoch in plan.resume_epoch.unwrap_or(0) + 1..=config.epochs {
        // Dropout masks are a function of (seed, epoch), as the batches are, so a resumed
        // run trains exactly as an uninterrupted one.
        device.seed(mnist_data::loader::mix(config.seed, epoch as u64));
        let started = Instant::now();
        let (trained, pass) = kernel.pass(loader.batches_per_epoch(), || {
            train_epoch(
                model,
                &mut optimization,
                &loader,
                epoch,
                config.epochs,
                &interrupt,
            )
        });
        model = trained;
        let train = match pass {
            Pass::Done(meter) => meter,
            Pass::Interrupted => return Ok(Outcome::Interrupted),
            Pass::Diverged(divergence) => return Ok(Outcome::Diverged(divergence)),
        };
        let train_seconds = started.elapsed().as_secs_f64();
        let valid = validate(&model, &plan.splits.valid, device);
        if let Some(divergence) = Divergence::check(valid.loss(), epoch, false) {
            return Ok(Outcome::Diverged(divergence));
        }
        let record = EpochRecord {
            epoch,
            train_loss: train.loss(),
            train_acc: train.accuracy(),
            valid_loss: valid.loss(),
            valid_acc: valid.accuracy(),
            lr: optimization.lr,
            train_seconds,
            seconds: started.elapsed().as_secs_f64(),
        };
        let state = TrainingState {
            model: &model,
            optimizer: &optimization.optimizer,
            scheduler: &optimization.scheduler,
        };
        if let Err(e) = end_of_epoch(plan, &mut log, record, state) {
            return Ok(Outcome::Failed(format!("{e:#}")));
        }
        if should_stop_early(log.records(), config.early_stopping.patience) {
            say!(
                "early stopping: no lower validation loss for {} epochs",
                config.early_stopping.patience.unwrap_or(0)
            );
            break;
        }
    }
    Ok(Outcome::Completed {
        model: Box::new(model.mlp.valid()),
        records: log.into_records(),
        steady_state: kernel.per_step(),
    })
}

/// The model, optimiser and schedule a run starts from: fresh (or `init_from`), or those of
/// the checkpoint a resumed run continues after.
fn initial_state(
    plan: &Plan,
    batches_per_epoch: usize,
) -> anyhow::Result<(Classifier, Optimization)> {
    let config = &plan.config;
    let scheduler = schedule::scheduler(
        &config.schedule,
        config.optimizer.lr,
        config.epochs,
        batches_per_epoch,
    )
    .map_err(|e| anyhow::anyhow!("schedule: {e}"))?;
    let mut optimization = Optimization {
        optimizer: schedule::optimizer(&config.optimizer),
        scheduler,
        lr: config.optimizer.lr,
    };
    // Parameters must be created on an autodiff device to be tracked for gradients. A resumed
    // run's weights come from its checkpoint, so `init_from` is not read again.
    let train_device = plan.device.clone().autodiff();
    let mlp = match (&plan.initial_weights, plan.resume_epoch) {
        // Forked: `init_from` weights may be the output of an operation (`init_input_scale`),
        // and gradients must start at the parameters, not flow back into how they were made.
        (Some(weights), None) => weights.clone().fork(&train_device),
        _ => config.model.init(&train_device),
    };
    let mut model = Classifier::new(mlp, config.loss.label_smoothing, &train_device);
    if let Some(epoch) = plan.resume_epoch {
        let restored = checkpoint::restore(&plan.run.file(CHECKPOINT_DIR), epoch)?;
        model = model.load_record(restored.model);
        optimization.optimizer = optimization.optimizer.load_record(restored.optimizer);
        optimization.scheduler = optimization.scheduler.load_record(restored.scheduler);
    }
    Ok((model, optimization))
}

/// One pass over the training batches; returns the model as it stands after the last
/// step taken.
fn train_epoch(
    mut model: Classifier,
    optimization: &mut Optimization,
    loader: &MnistLoader,
    epoch: usize,
    total_epochs: usize,
    interrupt: &Interrupt,
) -> (Classifier, Pass) {
    let mut meter = Meter::default();
    let mut bar = EpochBar::new(epoch, total_epochs, loader.batches_per_epoch());
    for batch in loader.epoch(epoch) {
        if interrupt.requested() {
            return (model, Pass::Interrupted);
        }
        let targets = batch.targets.clone();
        let step = model.step(batch);
        let (loss, correct, count) = score(&step, targets);
        if let Some(divergence) = Divergence::check(loss, epoch, true) {
            return (model, Pass::Diverged(divergence));
        }
        meter.add(loss, correct, count);
        let grads = GradientsParams::from_grads(step.loss.backward(), &model);
        let lr = optimization.scheduler.step();
        optimization.lr = lr.base();
        model = optimization.optimizer.step(lr, model, grads);
        bar.step(|| meter.loss());
    }
    (model, Pass::Done(meter))
}

/// A batch's mean loss, hits and size, read back from the device.
fn score(step: &Step, targets: Tensor<1, Int>) -> (f64, usize, usize) {
    let loss = f64::from(step.loss.clone().into_scalar::<f32>());
    let logits = step.logits.clone().into_data().convert::<f32>();
    let labels = targets.into_data().convert::<i64>();
    let (Ok(logits), Ok(labels)) = (logits.as_slice::<f32>(), labels.as_slice::<i64>()) else {
        return (loss, 0, 0);
    };
    let classes = logits.len() / labels.len().max(1);
    let correct = logits
        .chunks_exact(classes.max(1))
        .zip(labels)
        .filter(|(row, label)| argmax(row) as i64 == **label)
        .count();
    (loss, correct, labels.len())
}

/// Loss and accuracy on the validation split, without gradients.
fn validate(model: &Classifier, valid: &MnistDataset, device: &Device) -> Meter {
    let model = model.valid();
    let mut meter = Meter::default();
    for (images, labels) in valid.tensor_batches(EVAL_BATCH, device) {
        let labels: Vec<i64> = labels.into_iter().map(i64::from).collect();
        let count = labels.len();
        let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [count]), device);
        let step = model.step(MnistBatch {
            images,
            targets: targets.clone(),
        });
        let (loss, correct, count) = score(&step, targets);
        meter.add(loss, correct, count);
    }
    meter
}

/// Checkpoints the epoch, then records it, then drops the checkpoints no longer kept: in that
/// order, so `metrics.csv` never lists an epoch a resume could not start after.
fn end_of_epoch(
    plan: &Plan,
    log: &mut EpochLog,
    record: EpochRecord,
    state: TrainingState<'_>,
) -> anyhow::Result<()> {
    let directory = plan.run.file(CHECKPOINT_DIR);
    checkpoint::save(&directory, record.epoch, state)?;
    log.push(record)?;
    let keep = checkpoint::epochs_to_keep(log.records(), plan.config.checkpoint.keep_last);
    checkpoint::prune(&directory, &keep)?;
    Ok(())
}

/// True when the last `patience` epochs brought no lower validation loss than the best
/// before them.
fn should_stop_early(records: &[EpochRecord], patience: Option<usize>) -> bool {
    let (Some(patience), Some(last)) = (patience, records.last()) else {
        return false;
    };
    let best = records
        .iter()
        .filter(|r| r.valid_loss.is_finite())
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss));
    best.is_some_and(|best| last.epoch - best.epoch >= patience)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(valid_losses: &[f64]) -> Vec<EpochRecord> {
        valid_losses
            .iter()
            .enumerate()
            .map(|(i, &valid_loss)| EpochRecord::with_valid_loss(i + 1, valid_loss))
            .collect()
    }

    #[test]
    fn early_stopping_waits_patience_epochs_after_the_best() {
        let history = records(&[0.5, 0.3, 0.35, 0.4]);
        assert!(!should_stop_early(&history, None));
        assert!(!should_stop_early(&history, Some(3)));
        assert!(should_stop_early(&history, Some(2)));
        assert!(!should_stop_early(&records(&[0.5, 0.3, 0.2]), Some(1)));
    }
}
