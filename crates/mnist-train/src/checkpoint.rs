//! Crash-safe checkpoints: every file is written whole or not at all, and a resumed run only
//! ever starts from an epoch whose three files (model, optimiser, scheduler) all load.
//!
//! The files are Burn's own records (burnpack bytes of the model, the optimiser state and the
//! schedule), named as burn-train's checkpointer names them. Burn's `FileCheckpointer` writes
//! straight to the final path, so a crash mid-write leaves a truncated file under the name
//! `--resume` would pick; these go through a temporary file, fsync and rename
//! (`mnist_atomic`).

use std::path::{Path, PathBuf};

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::lr_scheduler::LrSchedulerRecord;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleRecord, ModuleSnapshot, RecordError};
use mnist_model::Mlp;

use crate::classifier::Classifier;
use crate::config::TrainConfig;
use crate::metrics::EpochRecord;

/// A checkpoint that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file is not there.
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    /// The file does not load into this run's model.
    #[error("{}: not a checkpoint of this run's model ({reason})", path.display())]
    OtherModel {
        /// The model checkpoint.
        path: PathBuf,
        /// burn-store's reason.
        reason: String,
    },
    /// The file holds tensors the model lacks (another architecture).
    #[error("{}: holds tensors this run's model lacks: {}", path.display(), names.join(", "))]
    ExtraTensors {
        /// The model checkpoint.
        path: PathBuf,
        /// The tensors in excess.
        names: Vec<String>,
    },
    /// An optimiser or scheduler record that does not load.
    #[error("{}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Burn's reason.
        reason: String,
    },
    /// No epoch has all three files.
    #[error(
        "{} holds no complete checkpoint (model, optim and scheduler files of one epoch)",
        .0.display()
    )]
    NoneComplete(PathBuf),
    /// Every complete epoch has a damaged file.
    #[error("no checkpoint in {} can be loaded:\n  {}", directory.display(), list(problems))]
    NoneLoads {
        /// The checkpoint directory.
        directory: PathBuf,
        /// What is wrong with each epoch, newest first.
        problems: Vec<CheckpointError>,
    },
}

fn list(problems: &[CheckpointError]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("\n  ")
}

/// The three records checkpointed each epoch, by file-name prefix.
pub const PARTS: [&str; 3] = ["model", "optim", "scheduler"];

/// Why a checkpoint could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Burn could not encode a record.
    #[error("encoding the {part} checkpoint of epoch {epoch}: {reason}")]
    Encode {
        /// `model`, `optim` or `scheduler`.
        part: &'static str,
        /// The epoch.
        epoch: usize,
        /// Burn's reason.
        reason: String,
    },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] mnist_atomic::WriteError),
    /// An old checkpoint could not be deleted.
    #[error("deleting {}: {source}", path.display())]
    Delete {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Path of one checkpoint file.
pub fn checkpoint_file(directory: &Path, name: &str, epoch: usize) -> PathBuf {
    directory.join(format!("{name}-{epoch}.bpk"))
}

/// The training state after an epoch, as it is checkpointed.
pub struct TrainingState<'a> {
    /// The model with its loss.
    pub model: &'a Classifier,
    /// The optimiser's moments and step counts.
    pub optimizer: &'a ModuleOptimizer,
    /// Where the learning-rate schedule stands.
    pub scheduler: &'a ModuleLrScheduler,
}

/// Writes epoch `epoch`'s three files, each atomically; the model last, since an epoch counts
/// as complete once its model file exists beside the other two.
pub fn save(directory: &Path, epoch: usize, state: TrainingState<'_>) -> Result<(), SaveError> {
    let encode = |part, result: Result<burn::tensor::Bytes, RecordError>| {
        result.map_err(|e| SaveError::Encode {
            part,
            epoch,
            reason: e.to_string(),
        })
    };
    let optim = encode("optim", state.optimizer.to_record().into_bytes())?;
    let scheduler = encode("scheduler", state.scheduler.to_record().into_bytes())?;
    let model = encode("model", state.model.clone().into_record().into_bytes())?;
    for (part, bytes) in [("optim", optim), ("scheduler", scheduler), ("model", model)] {
        mnist_atomic::write(&checkpoint_file(directory, part, epoch), &bytes)?;
    }
    Ok(())
}

/// The records of a checkpointed epoch, checked by [`verify`] before.
pub struct Restored {
    /// The model's record.
    pub model: ModuleRecord,
    /// The optimiser's.
    pub optimizer: OptimizerRecord,
    /// The schedule's.
    pub scheduler: LrSchedulerRecord,
}

/// Reads epoch `epoch`'s three records.
pub fn restore(directory: &Path, epoch: usize) -> Result<Restored, CheckpointError> {
    let unreadable = |name: &str, e: RecordError| CheckpointError::Unreadable {
        path: checkpoint_file(directory, name, epoch),
        reason: e.to_string(),
    };
    Ok(Restored {
        model: ModuleRecord::load(checkpoint_file(directory, "model", epoch))
            .map_err(|e| unreadable("model", e))?,
        optimizer: OptimizerRecord::load(checkpoint_file(directory, "optim", epoch))
            .map_err(|e| unreadable("optim", e))?,
        scheduler: LrSchedulerRecord::load(checkpoint_file(directory, "scheduler", epoch))
            .map_err(|e| unreadable("scheduler", e))?,
    })
}

/// The epochs whose checkpoints are kept: the last `keep_last` of `records`, plus the one with
/// the lowest validation loss (what `final_model = "best"` picks).
pub fn epochs_to_keep(records: &[EpochRecord], keep_last: usize) -> Vec<usize> {
    let mut keep: Vec<usize> = records
        .iter()
        .rev()
        .take(keep_last)
        .map(|r| r.epoch)
        .collect();
    let best = records
        .iter()
        .filter(|r| r.valid_loss.is_finite())
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss));
    if let Some(best) = best
        && !keep.contains(&best.epoch)
    {
        keep.push(best.epoch);
    }
    keep
}

/// Deletes the files of every checkpointed epoch not in `keep`.
pub fn prune(directory: &Path, keep: &[usize]) -> Result<(), SaveError> {
    for epoch in complete_epochs(directory) {
        if keep.contains(&epoch) {
            continue;
        }
        // The model file goes first: without it the epoch is no longer complete, so a crash
        // halfway leaves nothing that `--resume` would pick.
        for part in ["model", "optim", "scheduler"] {
            let path = checkpoint_file(directory, part, epoch);
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(SaveError::Delete { path, source: e });
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Loads the network saved in epoch `epoch`'s model checkpoint.
pub fn load_model(
    directory: &Path,
    epoch: usize,
    config: &TrainConfig,
    device: &Device,
) -> Result<Mlp, CheckpointError> {
    let path = checkpoint_file(directory, "model", epoch);
    if !path.is_file() {
        return Err(CheckpointError::Missing(path));
    }
    let mut classifier = Classifier::new(
        config.model.init(device),
        config.loss.label_smoothing,
        device,
    );
    let mut store = BurnpackStore::from_file(&path).auto_extension(false);
    let result = match classifier.load_from(&mut store) {
        Ok(result) => result,
        Err(e) => {
            return Err(CheckpointError::OtherModel {
                path,
                reason: e.to_string(),
            });
        }
    };
    if !result.unused.is_empty() {
        return Err(CheckpointError::ExtraTensors {
            path,
            names: result.unused,
        });
    }
    Ok(classifier.mlp)
}

/// Checks that all three files of epoch `epoch` load and fit `config`'s model, so that a
/// resumed run never starts from a damaged one.
pub fn verify(
    directory: &Path,
    epoch: usize,
    config: &TrainConfig,
    device: &Device,
) -> Result<(), CheckpointError> {
    load_model(directory, epoch, config, device)?;
    restore(directory, epoch).map(|_| ())
}

/// The newest epoch up to `recorded` (the last epoch `metrics.csv` holds, with all before it)
/// whose checkpoint loads; damaged newer ones are reported on stderr and skipped, so one bad
/// file costs one epoch instead of the run. A checkpoint newer than `recorded` is one a kill
/// cut off before its metrics row was written: that epoch is trained again (to the same
/// weights), so that `metrics.csv` never misses a row. `None`: no epoch is recorded yet, and
/// the run starts from its first epoch.
pub fn resumable_epoch(
    directory: &Path,
    recorded: usize,
    config: &TrainConfig,
    device: &Device,
) -> Result<Option<usize>, CheckpointError> {
    if recorded == 0 {
        return Ok(None);
    }
    let mut problems = Vec::new();
    for epoch in complete_epochs(directory)
        .into_iter()
        .filter(|&epoch| epoch <= recorded)
    {
        match verify(directory, epoch, config, device) {
            Ok(()) => {
                for problem in &problems {
                    eprintln!("warning: skipping a damaged checkpoint: {problem}");
                }
                return Ok(Some(epoch));
            }
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        return Err(CheckpointError::NoneComplete(directory.to_path_buf()));
    }
    Err(CheckpointError::NoneLoads {
        directory: directory.to_path_buf(),
        problems,
    })
}

/// Epochs with all three checkpoint files present, newest first.
pub fn complete_epochs(directory: &Path) -> Vec<usize> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    let mut epochs: Vec<usize> = entries
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("model-")?
                .strip_suffix(".bpk")?
                .parse::<usize>()
                .ok()
        })
        .filter(|&n| {
            PARTS
                .iter()
                .all(|part| checkpoint_file(directory, part, n).is_file())
        })
        .collect();
    epochs.sort_unstable_by(|a, b| b.cmp(a));
    epochs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_epoch_restores_and_pruning_keeps_the_last_and_the_best() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = Device::default();
        let model = Classifier::new(
            mnist_model::MlpConfig::mlp_128().init(&device),
            0.0,
            &device,
        );
        let optimizer = crate::schedule::optimizer(&crate::config::OptimizerConfig::default());
        let scheduler =
            crate::schedule::scheduler(&crate::config::ScheduleConfig::default(), 1e-3, 4, 10)
                .expect("schedule");
        for epoch in 1..=4 {
            let state = TrainingState {
                model: &model,
                optimizer: &optimizer,
                scheduler: &scheduler,
            };
            save(dir.path(), epoch, state).expect("saved");
        }
        let names = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(
            names, 12,
            "three files an epoch, no temporary file left behind"
        );
        let restored = restore(dir.path(), 3).expect("restored");
        let reloaded = Classifier::new(
            mnist_model::MlpConfig::mlp_128().init(&device),
            0.0,
            &device,
        )
        .load_record(restored.model);
        let input = Tensor::<2>::ones([1, 784], &device);
        reloaded
            .mlp
            .forward(input.clone())
            .into_data()
            .assert_eq(&model.mlp.forward(input).into_data(), true);

        let record = EpochRecord::with_valid_loss;
        let records = [
            record(1, 0.5),
            record(2, 0.2),
            record(3, 0.4),
            record(4, f64::NAN),
        ];
        let keep = epochs_to_keep(&records, 2);
        assert_eq!(
            keep,
            [4, 3, 2],
            "the last two, then the lowest finite validation loss"
        );
        prune(dir.path(), &keep).expect("pruned");
        assert_eq!(complete_epochs(dir.path()), [4, 3, 2]);
        prune(dir.path(), &keep).expect("pruning twice is fine");
    }

    #[test]
    fn only_epochs_with_all_three_files_are_complete() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (part, epoch) in [
            ("model", 1),
            ("optim", 1),
            ("scheduler", 1),
            ("model", 2),
            ("optim", 2),
            ("model", 3),
            ("optim", 3),
            ("scheduler", 3),
        ] {
            std::fs::write(checkpoint_file(dir.path(), part, epoch), b"x").expect("write");
        }
        assert_eq!(complete_epochs(dir.path()), [3, 1]);
        assert!(complete_epochs(&dir.path().join("absent")).is_empty());
    }
}
