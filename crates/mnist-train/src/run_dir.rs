//! The run directory: what a run leaves behind, and the rules for reusing one
//! (refuse by default, `--resume` continues, `--force` starts over).

use std::path::{Path, PathBuf};

use thiserror::Error;

/// The resolved configuration of the run.
pub const CONFIG_FILE: &str = "config.toml";
/// One row per epoch.
pub const METRICS_FILE: &str = "metrics.csv";
/// Loss and accuracy curves.
pub const CURVES_FILE: &str = "curves.png";
/// Final results.
pub const SUMMARY_FILE: &str = "summary.json";
/// Burn's per-epoch checkpoints (model, optimizer, scheduler).
pub const CHECKPOINT_DIR: &str = "checkpoint";

/// Why a run directory cannot be used.
#[derive(Debug, Error)]
pub enum RunDirError {
    /// A previous run is there and neither `--resume` nor `--force` was given.
    #[error("{0} already holds a run; pass --resume to continue it or --force to start over")]
    Occupied(PathBuf),
    /// `--resume` on a directory without a run.
    #[error("{0} holds no run to resume (no {CONFIG_FILE}); start one without --resume")]
    NothingToResume(PathBuf),
    /// `--resume` on a run that has no complete checkpoint yet.
    #[error(
        "{0} has no complete checkpoint yet (the run stopped during its first epoch); start over with --force"
    )]
    NoCheckpoint(PathBuf),
    /// The directory holds something else; refusing to delete it even with `--force`.
    #[error(
        "{0} is not empty and is not a run directory; refusing to write into it, choose another --out"
    )]
    Foreign(PathBuf),
    /// Filesystem error.
    #[error("cannot prepare run directory {path}: {error}")]
    Io {
        /// The run directory.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
}

/// A prepared run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// Where it is; every output of the run goes inside.
    pub path: PathBuf,
}

impl RunDir {
    /// Prepares `path` for a new run or, with `resume`, finds where the previous run stopped
    /// (the last epoch with a complete checkpoint, returned as `Some(epoch)`).
    pub fn prepare(
        path: &Path,
        resume: bool,
        force: bool,
    ) -> Result<(Self, Option<usize>), RunDirError> {
        let io = |error| RunDirError::Io {
            path: path.to_path_buf(),
            error,
        };
        let run = Self {
            path: path.to_path_buf(),
        };
        let holds_run = run.file(CONFIG_FILE).is_file();
        let is_empty = !path.exists() || std::fs::read_dir(path).map_err(io)?.next().is_none();
        if resume {
            if !holds_run {
                return Err(RunDirError::NothingToResume(path.into()));
            }
            let epoch = run
                .last_checkpoint()
                .ok_or_else(|| RunDirError::NoCheckpoint(path.into()))?;
            return Ok((run, Some(epoch)));
        }
        if holds_run && !force {
            return Err(RunDirError::Occupied(path.into()));
        }
        if !holds_run && !is_empty {
            return Err(RunDirError::Foreign(path.into()));
        }
        if holds_run {
            // Moved aside first (atomic), then deleted: a crash mid-delete leaves either the
            // old run whole or a clean slate, never a half-deleted run that blocks the retry.
            let name = path
                .file_name()
                .map_or("run".into(), |n| n.to_string_lossy());
            let trash = path.with_file_name(format!(".{name}.deleting"));
            if trash.exists() {
                std::fs::remove_dir_all(&trash).map_err(io)?;
            }
            std::fs::rename(path, &trash).map_err(io)?;
            std::fs::remove_dir_all(&trash).map_err(io)?;
        }
        std::fs::create_dir_all(path).map_err(io)?;
        Ok((run, None))
    }

    /// A file inside the run directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The last epoch whose model, optimizer and scheduler checkpoints all exist.
    pub fn last_checkpoint(&self) -> Option<usize> {
        crate::checkpoint::complete_epochs(&self.file(CHECKPOINT_DIR))
            .first()
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_occupied_forced_and_resumed() {
        let root = tempfile::tempdir().expect("tempdir");
        let path = root.path().join("run");
        let (run, resume) = RunDir::prepare(&path, false, false).expect("fresh");
        assert_eq!(resume, None);
        std::fs::write(run.file(CONFIG_FILE), "x").expect("write");
        assert!(matches!(
            RunDir::prepare(&path, false, false),
            Err(RunDirError::Occupied(_))
        ));
        assert!(matches!(
            RunDir::prepare(&path, true, false),
            Err(RunDirError::NoCheckpoint(_))
        ));
        std::fs::create_dir_all(run.file(CHECKPOINT_DIR)).expect("mkdir");
        for name in [
            "model-1",
            "optim-1",
            "scheduler-1",
            "model-2",
            "optim-2",
            "model-3",
        ] {
            std::fs::write(run.file(CHECKPOINT_DIR).join(format!("{name}.bpk")), "x")
                .expect("write");
        }
        assert_eq!(
            RunDir::prepare(&path, true, false).expect("resume").1,
            Some(1)
        );
        let (run, _) = RunDir::prepare(&path, false, true).expect("forced");
        assert!(
            !run.file(CONFIG_FILE).exists(),
            "--force starts from an empty directory"
        );
    }

    #[test]
    fn foreign_directories_are_never_touched() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(root.path().join("thesis.tex"), "precious").expect("write");
        assert!(matches!(
            RunDir::prepare(root.path(), false, true),
            Err(RunDirError::Foreign(_))
        ));
        assert!(matches!(
            RunDir::prepare(root.path(), true, false),
            Err(RunDirError::NothingToResume(_))
        ));
        assert!(root.path().join("thesis.tex").exists());
    }
}
