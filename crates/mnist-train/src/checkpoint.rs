//! Crash-safe checkpoints: every file is written whole or not at all, and a resumed run only
//! ever starts from an epoch whose three files (model, optimiser, scheduler) all load.
//!
//! Burn's `FileCheckpointer` writes straight to the final path, so a crash mid-write leaves a
//! truncated file under the name `--resume` would pick; this one goes through a temporary
//! file, fsync and rename (`mnist_atomic`).

use std::path::{Path, PathBuf};

use burn::optim::OptimizerRecord;
use burn::optim::lr_scheduler::LrSchedulerRecord;
use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::train::checkpoint::{
    Checkpoint, Checkpointer, CheckpointerError, CheckpointingStrategy,
    ComposedCheckpointingStrategy, KeepLastNCheckpoints, MetricCheckpointingStrategy,
};
use burn::train::metric::LossMetric;
use burn::train::metric::store::{Aggregate, Direction, Split};
use mnist_model::Mlp;

use crate::classifier::Classifier;
use crate::config::TrainConfig;

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

/// The three records Burn's learner checkpoints each epoch, by file-name prefix.
pub const PARTS: [&str; 3] = ["model", "optim", "scheduler"];

/// Saves each record as `<dir>/<name>-<epoch>.bpk`, atomically.
pub struct AtomicCheckpointer {
    directory: PathBuf,
    name: &'static str,
}

impl AtomicCheckpointer {
    /// Checkpoints named `name-<epoch>.bpk` in `directory`.
    pub fn new(directory: &Path, name: &'static str) -> Self {
        Self {
            directory: directory.to_path_buf(),
            name,
        }
    }
}

/// Path of one checkpoint file.
pub fn checkpoint_file(directory: &Path, name: &str, epoch: usize) -> PathBuf {
    directory.join(format!("{name}-{epoch}.bpk"))
}

impl<R: Checkpoint> Checkpointer<R> for AtomicCheckpointer {
    fn save(&self, epoch: usize, record: R) -> Result<(), CheckpointerError> {
        let bytes = record
            .checkpoint_into_bytes()
            .map_err(CheckpointerError::Record)?;
        // The directory is made when the run starts: one deleted under a running `train` is
        // an error, not silently made again.
        let path = checkpoint_file(&self.directory, self.name, epoch);
        mnist_atomic::write(&path, &bytes).map_err(|e| {
            CheckpointerError::IOError(std::io::Error::new(e.io.kind(), e.to_string()))
        })
    }

    fn restore(&self, epoch: usize) -> Result<R, CheckpointerError> {
        R::load(checkpoint_file(&self.directory, self.name, epoch))
    }

    fn delete(&self, epoch: usize) -> Result<(), CheckpointerError> {
        match std::fs::remove_file(checkpoint_file(&self.directory, self.name, epoch)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(CheckpointerError::IOError(e))
            }
            _ => Ok(()),
        }
    }
}

/// Keeps the last `keep_last` epochs plus the one with the lowest validation loss.
pub fn strategy(keep_last: usize) -> impl CheckpointingStrategy + 'static {
    ComposedCheckpointingStrategy::builder()
        .add(KeepLastNCheckpoints::new(keep_last))
        .add(MetricCheckpointingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            Split::Valid,
        ))
        .build()
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

/// Checks that all three files of epoch `epoch` load and fit `config`'s model, so that Burn's
/// learner (which panics on a bad checkpoint) never sees a damaged one.
pub fn verify(
    directory: &Path,
    epoch: usize,
    config: &TrainConfig,
    device: &Device,
) -> Result<(), CheckpointError> {
    load_model(directory, epoch, config, device)?;
    let unreadable = |name: &str, e: CheckpointerError| CheckpointError::Unreadable {
        path: checkpoint_file(directory, name, epoch),
        reason: e.to_string(),
    };
    let _: OptimizerRecord = Checkpoint::load(checkpoint_file(directory, "optim", epoch))
        .map_err(|e| unreadable("optim", e))?;
    let _: LrSchedulerRecord = Checkpoint::load(checkpoint_file(directory, "scheduler", epoch))
        .map_err(|e| unreadable("scheduler", e))?;
    Ok(())
}

/// The newest epoch whose checkpoint loads; damaged newer ones are reported on stderr and
/// skipped, so one bad file costs one epoch instead of the run.
pub fn resumable_epoch(
    directory: &Path,
    config: &TrainConfig,
    device: &Device,
) -> Result<usize, CheckpointError> {
    let mut problems = Vec::new();
    for epoch in complete_epochs(directory) {
        match verify(directory, epoch, config, device) {
            Ok(()) => {
                for problem in &problems {
                    eprintln!("warning: skipping a damaged checkpoint: {problem}");
                }
                return Ok(epoch);
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
    use burn::store::ModuleRecord;

    use super::*;

    #[test]
    fn saves_are_atomic_and_deletes_tolerate_missing_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = Device::default();
        let model = mnist_model::MlpConfig::mlp_128().init(&device);
        let checkpointer = AtomicCheckpointer::new(dir.path(), "model");
        let record = model.clone().into_record();
        Checkpointer::<ModuleRecord>::save(&checkpointer, 3, record).expect("saved");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
            .collect();
        assert_eq!(names, ["model-3.bpk"], "no temporary file is left behind");
        let restored: ModuleRecord = checkpointer.restore(3).expect("restored");
        let reloaded = mnist_model::MlpConfig::mlp_128()
            .init(&device)
            .load_record(restored);
        let input = Tensor::<2>::ones([1, 784], &device);
        reloaded
            .forward(input.clone())
            .into_data()
            .assert_eq(&model.forward(input).into_data(), true);
        Checkpointer::<ModuleRecord>::delete(&checkpointer, 3).expect("deleted");
        Checkpointer::<ModuleRecord>::delete(&checkpointer, 3).expect("already gone is fine");
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
