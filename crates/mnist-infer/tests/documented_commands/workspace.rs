//! The workspace as the documents may name it: packages, their binaries, features, tests,
//! benches and examples.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::repo;

#[derive(Debug, Default)]
pub struct Package {
    pub dir: PathBuf,
    pub bins: BTreeSet<String>,
    pub features: BTreeSet<String>,
    pub tests: BTreeSet<String>,
    pub benches: BTreeSet<String>,
    pub examples: BTreeSet<String>,
    /// Dependencies pinned to one version (`name = "=1.2.3"`): name → version.
    pub pins: BTreeMap<String, String>,
}

/// Read from the manifests and the file layout rather than `cargo metadata`, which would
/// wait on the lock of the `cargo test` that runs this.
pub fn workspace() -> &'static BTreeMap<String, Package> {
    static PACKAGES: OnceLock<BTreeMap<String, Package>> = OnceLock::new();
    PACKAGES.get_or_init(|| {
        let mut packages = BTreeMap::new();
        let mut dirs: Vec<PathBuf> = fs::read_dir(repo().join("crates"))
            .expect("crates/")
            .map(|entry| entry.expect("crates/ entry").path())
            .collect();
        dirs.sort();
        for dir in dirs {
            let Ok(manifest) = fs::read_to_string(dir.join("Cargo.toml")) else {
                continue;
            };
            let (name, package) = read_package(&dir, &manifest);
            packages.insert(name, package);
        }
        packages
    })
}

fn read_package(dir: &Path, manifest: &str) -> (String, Package) {
    let mut package = Package {
        dir: dir.to_path_buf(),
        ..Package::default()
    };
    let mut name = None;
    let mut section = String::new();
    let mut main_named = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches('"'));
        match (section.as_str(), key) {
            ("package", "name") => name = Some(value.to_string()),
            ("bin", "name") => {
                package.bins.insert(value.to_string());
            }
            ("bin", "path") if value == "src/main.rs" => main_named = true,
            ("test", "name") => {
                package.tests.insert(value.to_string());
            }
            ("bench", "name") => {
                package.benches.insert(value.to_string());
            }
            ("example", "name") => {
                package.examples.insert(value.to_string());
            }
            ("dependencies", dependency) if value.starts_with('=') => {
                package
                    .pins
                    .insert(dependency.to_string(), value[1..].to_string());
            }
            ("features", feature) => {
                package.features.insert(feature.to_string());
            }
            _ => {}
        }
    }
    let name = name.unwrap_or_else(|| panic!("{}: no package name", dir.display()));
    if dir.join("src/main.rs").is_file() && !main_named {
        package.bins.insert(name.clone());
    }
    package.bins.extend(targets_in(&dir.join("src/bin")));
    package.tests.extend(targets_in(&dir.join("tests")));
    package.benches.extend(targets_in(&dir.join("benches")));
    package.examples.extend(targets_in(&dir.join("examples")));
    (name, package)
}

/// Cargo's auto-discovered targets in a folder: `NAME.rs` and `NAME/main.rs`.
fn targets_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_string();
            let is_target = if path.is_dir() {
                path.join("main.rs").is_file()
            } else {
                path.extension().is_some_and(|e| e == "rs")
            };
            is_target.then_some(name)
        })
        .collect()
}

pub fn package_of_bin(bin: &str) -> Option<(&'static str, &'static Package)> {
    workspace()
        .iter()
        .find(|(_, package)| package.bins.contains(bin))
        .map(|(name, package)| (name.as_str(), package))
}
