//! The on-disk cache of verified, uncompressed dataset files: one folder per dataset.

use std::io;
use std::path::{Path, PathBuf};

use crate::datasets::Dataset;
use crate::files::MnistFile;

/// Environment variable that overrides the cache's root (each dataset has a folder in it).
pub const CACHE_DIR_ENV: &str = "MNIST_CACHE_DIR";

/// A directory holding one dataset's verified files under their canonical names.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache rooted at `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `dataset`'s folder (`mnist`, `fashion-mnist`) in `$MNIST_CACHE_DIR`, else in the
    /// platform cache directory (`~/.cache/mnist-burn/` on Linux); `None` when the platform
    /// has no home directory.
    pub fn default_dir(dataset: Dataset) -> Option<PathBuf> {
        let root = match std::env::var_os(CACHE_DIR_ENV) {
            Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
            _ => dirs::cache_dir().map(|d| d.join("mnist-burn")),
        };
        root.map(|root| root.join(dataset.cache_dir))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `file` lives in the cache.
    pub fn path(&self, file: MnistFile) -> PathBuf {
        self.dir.join(file.file_name())
    }

    /// The cached bytes of `file`, or `None` when it is not cached.
    pub fn load(&self, file: MnistFile) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(file)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes verified bytes atomically (`mnist_atomic`), so no reader ever sees a partial
    /// file.
    pub fn store(&self, file: MnistFile, bytes: &[u8]) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let path = self.path(file);
        mnist_atomic::write(&path, bytes).map_err(|e| e.io)?;
        Ok(path)
    }

    /// Deletes a cached file found to be corrupt; a file already gone is not an error.
    pub fn remove(&self, file: MnistFile) -> io::Result<()> {
        match std::fs::remove_file(self.path(file)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_then_load_round_trips_and_leaves_no_temporary_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(dir.path().join("nested"));
        assert_eq!(cache.load(MnistFile::TestLabels).expect("readable"), None);
        cache.store(MnistFile::TestLabels, b"hello").expect("store");
        assert_eq!(
            cache.load(MnistFile::TestLabels).expect("readable"),
            Some(b"hello".to_vec())
        );
        let names: Vec<_> = std::fs::read_dir(cache.dir())
            .expect("listable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["t10k-labels-idx1-ubyte"]);
        cache.remove(MnistFile::TestLabels).expect("remove");
        cache
            .remove(MnistFile::TestLabels)
            .expect("removing twice is fine");
        assert_eq!(cache.load(MnistFile::TestLabels).expect("readable"), None);
    }
}
