//! The runs under `--runs`: found by walking the folder for run directories (those holding
//! `model.json` and `model.bpk`, as `train` writes them), described from their
//! `summary.json`, and looked up by name. A run's name is its folder relative to `--runs`;
//! names from requests are only ever compared with the names found, never joined onto a
//! path, so `../` leads nowhere.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use mnist_data::Framing;
use mnist_model::{ARCHITECTURE_FILE, Dataset, MODEL_FILE, read_description};
use serde::{Deserialize, Serialize};

/// Files a run directory holds besides its model.
const SUMMARY_FILE: &str = "summary.json";
const METRICS_FILE: &str = "metrics.csv";
const CONFIG_FILE: &str = "config.toml";

/// How deep under `--runs` run directories are looked for (`sweep/<config>/seed-N` is 3).
const MAX_DEPTH: usize = 6;

/// One run found under `--runs`.
#[derive(Debug, Clone)]
pub struct Run {
    /// Its directory.
    pub dir: PathBuf,
    /// What the runs table shows.
    pub info: RunInfo,
}

/// A run as listed by `GET /api/runs`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// The folder's path relative to `--runs`, with `/` between parts: `sweep/mlp-128/seed-1`.
    pub name: String,
    /// The name of the config it was trained with, when its summary records one.
    pub config: Option<String>,
    /// Layer widths: `784-256-128-10`.
    pub architecture: String,
    /// The dataset it was trained on (`mnist`, `fashion-mnist`).
    pub dataset: Dataset,
    /// That dataset's class names, indexed by class.
    pub classes: [&'static str; 10],
    /// Whether its model can read numbers of several digits (`number=1`): MNIST's can,
    /// a product dataset's cannot.
    pub reads_numbers: bool,
    /// Test accuracy in percent, from the summary.
    pub test_accuracy: Option<f64>,
    /// Epochs trained.
    pub epochs: Option<u64>,
    /// Seconds spent training.
    pub train_seconds: Option<f64>,
    /// The backend it was trained on.
    pub backend: Option<String>,
    /// When it finished (its summary's, else its model's modification time), RFC 3339 UTC.
    pub date: Option<String>,
    /// Whether a `summary.json` was found (a run stopped early has none).
    pub finished: bool,
    /// Seconds since the Unix epoch of the model file's last change: cached models and
    /// evaluations are keyed by it, so a retrained run is reloaded.
    #[serde(skip)]
    pub model_modified: u64,
}

/// The parts of `train`'s `summary.json` the runs table shows; every field optional, so
/// summaries of older and newer versions of `train` both read.
#[derive(Debug, Default, Deserialize)]
struct Summary {
    name: Option<String>,
    backend: Option<String>,
    final_epoch: Option<u64>,
    epochs: Option<u64>,
    test_accuracy: Option<f64>,
    train_seconds: Option<f64>,
}

impl Run {
    /// The run's `summary.json` as written, if any.
    pub fn summary(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.dir.join(SUMMARY_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The resolved config `train` saved, as TOML text, if any.
    pub fn config_toml(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join(CONFIG_FILE)).ok()
    }

    /// The per-epoch rows of `metrics.csv`, each a map from column to value (numbers where
    /// they parse), or none when the file is missing or unreadable.
    pub fn metrics(&self) -> Option<Vec<serde_json::Map<String, serde_json::Value>>> {
        let mut reader = csv::Reader::from_path(self.dir.join(METRICS_FILE)).ok()?;
        let headers = reader.headers().ok()?.clone();
        let rows = reader
            .records()
            .map_while(Result::ok)
            .map(|record| {
                headers
                    .iter()
                    .zip(record.iter())
                    .map(|(column, value)| {
                        let value = match value.parse::<f64>() {
                            Ok(n) if n.is_finite() => serde_json::json!(n),
                            _ => serde_json::json!(value),
                        };
                        (column.to_string(), value)
                    })
                    .collect()
            })
            .collect();
        Some(rows)
    }
}

/// Every run under `root`, sorted by name.
pub fn discover(root: &Path) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut walker = walkdir::WalkDir::new(root)
        .max_depth(MAX_DEPTH)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() {
            continue;
        }
        let dir = entry.path();
        if !(dir.join(ARCHITECTURE_FILE).is_file() && dir.join(MODEL_FILE).is_file()) {
            continue;
        }
        // A run's own folders (checkpoints, logs) hold no further runs.
        walker.skip_current_dir();
        if let Some(run) = describe(root, dir) {
            runs.push(run);
        }
    }
    runs.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    runs
}

/// The run in `dir`, or none when its `model.json` cannot be read.
fn describe(root: &Path, dir: &Path) -> Option<Run> {
    let description = read_description(&dir.join(ARCHITECTURE_FILE)).ok()?;
    let relative = dir.strip_prefix(root).ok()?;
    let name = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    // `--runs` pointing at a run directory itself: the run is named after its folder.
    let name = if name.is_empty() {
        dir.file_name()
            .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned())
    } else {
        name
    };
    let summary_path = dir.join(SUMMARY_FILE);
    let summary: Option<Summary> = std::fs::read_to_string(&summary_path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    let model_time = modified(&dir.join(MODEL_FILE));
    let finished_time = summary.as_ref().and(modified(&summary_path)).or(model_time);
    let summary_found = summary.is_some();
    let summary = summary.unwrap_or_default();
    let dataset = description.dataset;
    Some(Run {
        dir: dir.to_path_buf(),
        info: RunInfo {
            name,
            config: summary.name,
            architecture: description.architecture.name(),
            dataset,
            classes: dataset.class_names,
            reads_numbers: dataset.framing == Framing::DigitBox,
            test_accuracy: summary.test_accuracy,
            epochs: summary.final_epoch.or(summary.epochs),
            train_seconds: summary.train_seconds,
            backend: summary.backend,
            date: finished_time.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
            finished: summary_found,
            model_modified: model_time
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs()),
        },
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The runs found at start, found again on each refresh (`GET /api/runs`).
#[derive(Debug)]
pub struct RunIndex {
    root: PathBuf,
    runs: RwLock<Arc<Vec<Run>>>,
}

impl RunIndex {
    /// Finds the runs under `root`.
    pub fn new(root: PathBuf) -> Self {
        let runs = discover(&root);
        Self {
            root,
            runs: RwLock::new(Arc::new(runs)),
        }
    }

    /// The folder the runs are found in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Looks for runs again (a run finished or was deleted since) and returns them.
    pub fn refresh(&self) -> Arc<Vec<Run>> {
        let runs = Arc::new(discover(&self.root));
        *self.runs.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&runs);
        runs
    }

    /// The runs as last found.
    pub fn all(&self) -> Arc<Vec<Run>> {
        Arc::clone(&self.runs.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// The run called `name`, exactly as listed.
    pub fn get(&self, name: &str) -> Option<Run> {
        self.all().iter().find(|r| r.info.name == name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use mnist_model::{MlpConfig, save_model};

    use super::*;

    fn save_run(dir: &Path, dataset: Dataset) {
        std::fs::create_dir_all(dir).expect("run dir");
        let device = burn::prelude::Device::default();
        let config = MlpConfig::mlp_128();
        save_model(&config.init(&device), &config, dataset, dir).expect("saved");
    }

    #[test]
    fn runs_are_found_at_any_depth_and_named_by_their_relative_path() {
        let root = tempfile::tempdir().expect("tempdir");
        let plain = root.path().join("mlp-128");
        let seed = root.path().join("sweep/fashion/seed-1");
        save_run(&plain, Dataset::MNIST);
        save_run(&seed, Dataset::FASHION_MNIST);
        std::fs::write(
            plain.join(SUMMARY_FILE),
            r#"{"name": "mlp-128", "final_epoch": 3, "test_accuracy": 97.5, "backend": "flex", "unknown": 1}"#,
        )
        .expect("summary");
        // Not runs: a folder with no model, and a run's own checkpoint folder.
        std::fs::create_dir_all(root.path().join("empty")).expect("dir");
        save_run(&plain.join("checkpoint"), Dataset::MNIST);

        let index = RunIndex::new(root.path().to_path_buf());
        let runs = index.all();
        let names: Vec<&str> = runs.iter().map(|r| r.info.name.as_str()).collect();
        assert_eq!(names, ["mlp-128", "sweep/fashion/seed-1"]);
        let plain = &runs[0].info;
        assert_eq!(plain.architecture, "784-128-10");
        assert_eq!((plain.test_accuracy, plain.epochs), (Some(97.5), Some(3)));
        assert!(plain.finished && plain.date.is_some());
        let fashion = &runs[1].info;
        assert_eq!(fashion.dataset, Dataset::FASHION_MNIST);
        assert_eq!(fashion.classes[9], "Ankle boot");
        assert!(plain.reads_numbers && !fashion.reads_numbers);
        assert!(!fashion.finished && fashion.test_accuracy.is_none());

        assert!(index.get("sweep/fashion/seed-1").is_some());
        for name in ["../mlp-128", "sweep/../mlp-128", "/mlp-128", "sweep", ""] {
            assert!(index.get(name).is_none(), "{name}");
        }
    }

    #[test]
    fn metrics_rows_are_numbers_where_they_parse() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join(METRICS_FILE),
            "epoch,train_loss,note\n1,0.5,warm\n2,0.25,\n",
        )
        .expect("csv");
        let run = Run {
            dir: dir.path().to_path_buf(),
            info: RunInfo {
                name: "x".into(),
                config: None,
                architecture: String::new(),
                dataset: Dataset::MNIST,
                classes: Dataset::MNIST.class_names,
                reads_numbers: true,
                test_accuracy: None,
                epochs: None,
                train_seconds: None,
                backend: None,
                date: None,
                finished: false,
                model_modified: 0,
            },
        };
        let rows = run.metrics().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["train_loss"], 0.25);
        assert_eq!(rows[0]["note"], "warm");
        assert!(run.summary().is_none() && run.config_toml().is_none());
    }
}
