//! Replacing a file whole or not at all: the only way this workspace writes an output that a
//! crash, a full disk or a second reader must never see half-written (checkpoints, models,
//! configs, metrics, summaries, the MNIST cache).
//!
//! `atomic-write-file` does the work (a temporary file beside the target, fsync, rename, then
//! fsync of the directory so the rename itself survives a power cut; on Linux the temporary
//! file has no name until then, so a crash or a full disk mid-write leaves nothing behind);
//! this crate only names the path in its error, so every caller reports a full disk the same
//! way.

use std::io::Write;
use std::path::{Path, PathBuf};

use atomic_write_file::AtomicWriteFile;
use thiserror::Error;

/// A file that could not be replaced; the previous version, if any, is untouched.
#[derive(Debug, Error)]
#[error("cannot write {}: {io}", path.display())]
pub struct WriteError {
    /// The file that was to be written.
    pub path: PathBuf,
    /// The operating system's reason, e.g. "No space left on device" (part of the message,
    /// hence not also a `source`, which would print it twice in a chain).
    pub io: std::io::Error,
}

/// Replaces `path` with `bytes`: afterwards the file holds either its old content or all of
/// `bytes`, whatever happens meanwhile, and no temporary file is left behind.
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let wrap = |io| WriteError {
        path: path.to_path_buf(),
        io,
    };
    let mut file = AtomicWriteFile::open(path).map_err(wrap)?;
    file.write_all(bytes).map_err(wrap)?;
    file.commit().map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.txt");
        write(&path, b"first").expect("write");
        write(&path, b"second").expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        assert_eq!(names(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_failed_write_names_the_path_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("no-such-dir").join("out.txt");
        let err = write(&missing, b"x").expect_err("no directory");
        assert!(
            err.to_string()
                .starts_with(&format!("cannot write {}", missing.display()))
        );
        // A directory where the file should go: refused, the directory untouched.
        let blocker = dir.path().join("blocker");
        std::fs::create_dir(&blocker).expect("mkdir");
        let err = write(&blocker, b"new").expect_err("a directory");
        assert!(err.to_string().contains("blocker"), "{err}");
        assert!(blocker.is_dir());
    }
}
