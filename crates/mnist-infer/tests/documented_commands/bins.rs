//! The binaries the documents start: path, freshness, `--help` and the flags it lists.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

use crate::workspace::{Package, workspace};
use crate::{SCREEN_COLUMNS, bin_dir, repo};

pub struct Bin {
    pub path: PathBuf,
    pub help: String,
    pub short_help: String,
    /// `--long` and `-s` flags the help lists.
    pub flags: BTreeSet<String>,
}

pub fn bins() -> &'static BTreeMap<String, Result<Bin, String>> {
    static BINS: OnceLock<BTreeMap<String, Result<Bin, String>>> = OnceLock::new();
    BINS.get_or_init(|| {
        workspace()
            .values()
            .flat_map(|package| package.bins.iter().map(move |bin| (bin, package)))
            .map(|(bin, package)| (bin.clone(), load_bin(bin, package)))
            .collect()
    })
}

fn load_bin(name: &str, package: &Package) -> Result<Bin, String> {
    let path = bin_dir().join(name);
    let built = fs::metadata(&path)
        .and_then(|m| m.modified())
        .map_err(|e| {
            format!(
                "{}: {e}: build the binaries first (cargo build --release --bins; \
                 cargo test --release --workspace builds them all)",
                path.display()
            )
        })?;
    if let Some(source) = newer_source(&path, package, built) {
        return Err(format!(
            "{} is older than {}: rebuild it (cargo build --release --bins) so that its \
             --help is the code's",
            path.display(),
            source.display()
        ));
    }
    let help = run_plain(&path, &["--help"])?;
    let short_help = run_plain(&path, &["-h"])?;
    let flags = help
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .flat_map(|line| {
            line.split(|c: char| c.is_whitespace() || c == ',' || c == '<' || c == '[')
                .take_while(|word| word.is_empty() || word.starts_with('-'))
                .filter(|word| word.len() > 1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    Ok(Bin {
        path,
        help,
        short_help,
        flags,
    })
}

/// A source of the binary changed after it was built: the files cargo's dep-info
/// (`target/release/NAME.d`) lists, or, without one, the package's own sources.
fn newer_source(bin: &Path, package: &Package, built: SystemTime) -> Option<PathBuf> {
    let sources: Vec<PathBuf> = match fs::read_to_string(bin.with_extension("d")) {
        Ok(dep_info) => dep_info
            .split_once(": ")
            .map(|(_, files)| files.split_whitespace().map(PathBuf::from).collect())
            .unwrap_or_default(),
        Err(_) => {
            let mut files = Vec::new();
            let mut pending = vec![package.dir.join("src")];
            while let Some(dir) = pending.pop() {
                for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let path = entry.path();
                    if path.is_dir() {
                        pending.push(path);
                    } else {
                        files.push(path);
                    }
                }
            }
            files
        }
    };
    sources.into_iter().find(|source| {
        fs::metadata(source)
            .and_then(|m| m.modified())
            .is_ok_and(|time| time > built)
    })
}

fn run_plain(path: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(path)
        .args(args)
        .env("COLUMNS", SCREEN_COLUMNS)
        .current_dir(repo())
        .output()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} {}: {}",
            path.display(),
            args.join(" "),
            output.status
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{}: {e}", path.display()))
}
