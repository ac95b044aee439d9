//! One `train` per run directory: an advisory lock held for the whole run.
//!
//! The lock file sits beside the run directory (`.<name>.lock`), not inside it, because
//! `--force` replaces the directory: a lock inside would vanish with it and let a third run
//! in. The lock is the operating system's (`flock` through `std::fs::File::try_lock`), so a
//! run killed with SIGKILL releases it with its process and never blocks the next one; the
//! file itself may stay, harmless.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why the run directory could not be locked.
#[derive(Debug, Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "{} is in use by another train process{holder}; wait for it to finish or stop it \
         (its checkpoints stay resumable), then run again",
        run.display()
    )]
    Busy {
        /// The run directory.
        run: PathBuf,
        /// ` (pid N)` when the holder wrote its pid.
        holder: String,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock run directory {} ({}): {io}", run.display(), file.display())]
    Io {
        /// The run directory.
        run: PathBuf,
        /// The lock file.
        file: PathBuf,
        /// The operating system's reason.
        io: std::io::Error,
    },
}

/// Held for as long as the run: dropping it (or the process ending) releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Locks `run`, creating its parent directory if needed.
    pub fn acquire(run: &Path) -> Result<Self, LockError> {
        let file_path = lock_file(run);
        let io = |io| LockError::Io {
            run: run.to_path_buf(),
            file: file_path.clone(),
            io,
        };
        if let Some(parent) = file_path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&file_path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&file_path)
                    .ok()
                    .and_then(|pid| pid.trim().parse::<u32>().ok())
                    .map(|pid| format!(" (pid {pid})"))
                    .unwrap_or_default();
                return Err(LockError::Busy {
                    run: run.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Only for the message a second process prints; the lock itself is what counts.
        let _ = file
            .set_len(0)
            .and_then(|()| write!(file, "{}", std::process::id()));
        Ok(Self { _file: file })
    }
}

/// `<parent>/.<name>.lock` for the run directory `<parent>/<name>`.
fn lock_file(run: &Path) -> PathBuf {
    let name = run
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy());
    let parent = run.parent().filter(|p| !p.as_os_str().is_empty());
    parent
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = dir.path().join("runs").join("a");
        let first = RunLock::acquire(&run).expect("first");
        let err = RunLock::acquire(&run).expect_err("busy");
        let message = err.to_string();
        assert!(
            message.contains("is in use by another train process")
                && message.contains(&format!("(pid {})", std::process::id())),
            "{message}"
        );
        assert!(RunLock::acquire(&dir.path().join("runs").join("b")).is_ok());
        drop(first);
        RunLock::acquire(&run).expect("free again");
        assert!(dir.path().join("runs/.a.lock").is_file());
    }
}
