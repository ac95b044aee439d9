//! The training configuration: one TOML file holds every knob; a few CLI flags override the
//! common ones. Unknown keys and out-of-range values are rejected naming the field.

use std::path::{Path, PathBuf};

use mnist_model::MlpConfig;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Everything a training run needs, as read from TOML (and then overridden by flags).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Run name; the run directory defaults to `<output.dir>/<name>`. Defaults to the file stem.
    #[serde(default)]
    pub name: String,
    /// Seed for weight initialisation, dropout and (unless `data.shuffle_seed`) shuffling.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    /// Number of passes over the training split.
    pub epochs: usize,
    /// Backend name (ndarray, flex, wgpu, cuda); absent = the default compiled backend.
    #[serde(default)]
    pub backend: Option<String>,
    /// `[model]`: hidden widths and dropout.
    pub model: MlpConfig,
    /// Start from these weights instead of a random initialisation: a run directory, a
    /// `.bpk` model, PyTorch weights (`.safetensors`, `.pt`, `.pth`) or a Keras file
    /// (`.keras`, `.weights.h5`, `.h5`) of the same architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
    /// The pixel scale the `init_from` model was trained on: 1 for pixel / 255 (the default,
    /// as here), 255 for raw 0–255 pixels. Folded into its first layer on loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_input_scale: Option<f32>,
    /// `[data]`: where MNIST comes from, the validation split, batching.
    #[serde(default)]
    pub data: DataConfig,
    /// `[optimizer]`: Adam or AdamW and its hyper-parameters.
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    /// `[schedule]`: the learning rate over the run.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// `[loss]`: cross-entropy, optionally label-smoothed.
    #[serde(default)]
    pub loss: LossConfig,
    /// `[augment]`: random distortions of the training images, drawn afresh every epoch from
    /// the seed (off unless set; validation and test images are never distorted).
    #[serde(default)]
    pub augment: mnist_data::Augmentation,
    /// Which checkpoints are kept, and which epoch becomes the final model.
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// Stopping when validation loss stops improving (off unless set).
    #[serde(default)]
    pub early_stopping: EarlyStoppingConfig,
    /// `[output]`: where run directories go.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[data]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// The dataset: `mnist` (the default) or `fashion-mnist`.
    pub dataset: mnist_data::Dataset,
    /// Directory holding the dataset's files (optional; see the data crate for the other
    /// sources).
    pub dir: Option<PathBuf>,
    /// Number of training images held out (the last ones) for validation.
    pub validation: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// Shuffle seed; absent = the top-level `seed`.
    pub shuffle_seed: Option<u64>,
    /// Train on only the first N training images (quick experiments and tests).
    pub train_limit: Option<usize>,
}

/// `[optimizer]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimizerConfig {
    /// `adam` or `adamw` (decoupled weight decay).
    pub kind: OptimizerKind,
    /// Peak learning rate.
    pub lr: f64,
    /// Adam β1.
    pub beta1: f32,
    /// Adam β2.
    pub beta2: f32,
    /// Adam ε.
    pub epsilon: f32,
    /// Weight decay (L2 for adam, decoupled for adamw); 0 disables it.
    pub weight_decay: f32,
}

/// Which Adam variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba), with optional L2 penalty.
    Adam,
    /// AdamW (Loshchilov & Hutter), decoupled weight decay.
    Adamw,
}

/// `[schedule]`: the learning rate over the run, stepped every batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    /// `constant` or `cosine` (cosine annealing to `min_lr`).
    pub kind: ScheduleKind,
    /// Epochs of linear warm-up from `lr / 25` before the main schedule (0 = none).
    pub warmup_epochs: usize,
    /// Final learning rate of the cosine schedule.
    pub min_lr: f64,
}

/// Shape of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    /// The same rate throughout.
    Constant,
    /// Cosine annealing from `lr` to `min_lr` over the run.
    Cosine,
}

/// `[loss]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct LossConfig {
    /// Label smoothing in [0, 1); 0 = plain cross-entropy.
    pub label_smoothing: f32,
}

/// `[checkpoint]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointConfig {
    /// Number of most recent epoch checkpoints kept (the best one is kept besides).
    pub keep_last: usize,
    /// Which epoch's weights become `model.bpk`: `last`, or `best` (lowest validation loss).
    pub final_model: FinalModel,
}

/// The epoch saved as the final model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FinalModel {
    /// The last trained epoch.
    Last,
    /// The epoch with the lowest validation loss (model selection on validation only).
    Best,
}

/// `[early_stopping]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EarlyStoppingConfig {
    /// Stop after this many epochs without a lower validation loss; absent = never stop early.
    pub patience: Option<usize>,
}

/// `[output]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Parent of run directories.
    pub dir: PathBuf,
}

fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(message()) }
}

impl DataConfig {
    fn validate(&self) -> Result<(), String> {
        check(self.batch_size >= 1, || {
            "data.batch_size must be at least 1".into()
        })?;
        check(
            (1..mnist_data::TRAIN_LEN).contains(&self.validation),
            || {
                format!(
                    "data.validation is {}: it must be between 1 and {}",
                    self.validation,
                    mnist_data::TRAIN_LEN - 1
                )
            },
        )?;
        check(self.train_limit != Some(0), || {
            "data.train_limit must be at least 1".into()
        })
    }
}

impl OptimizerConfig {
    fn validate(&self) -> Result<(), String> {
        check(self.lr.is_finite() && self.lr > 0.0, || {
            format!("optimizer.lr is {}: it must be > 0", self.lr)
        })?;
        check((0.0..1.0).contains(&self.beta1), || {
            format!("optimizer.beta1 is {}: it must be in [0, 1)", self.beta1)
        })?;
        check((0.0..1.0).contains(&self.beta2), || {
            format!("optimizer.beta2 is {}: it must be in [0, 1)", self.beta2)
        })?;
        check(self.epsilon.is_finite() && self.epsilon > 0.0, || {
            format!("optimizer.epsilon is {}: it must be > 0", self.epsilon)
        })?;
        check(
            self.weight_decay.is_finite() && self.weight_decay >= 0.0,
            || {
                format!(
                    "optimizer.weight_decay is {}: it must be >= 0",
                    self.weight_decay
                )
            },
        )
    }
}

impl ScheduleConfig {
    /// The schedule's limits depend on the peak rate and the run's length.
    fn validate(&self, lr: f64, epochs: usize) -> Result<(), String> {
        // Burn's cosine and linear (warm-up) schedulers refuse larger rates.
        let scheduled = self.kind != ScheduleKind::Constant || self.warmup_epochs > 0;
        check(!scheduled || lr <= 1.0, || {
            format!("optimizer.lr is {lr}: with a cosine schedule or warm-up it must be at most 1")
        })?;
        check(self.min_lr >= 0.0 && self.min_lr < lr, || {
            format!(
                "schedule.min_lr is {}: it must be >= 0 and below optimizer.lr ({lr})",
                self.min_lr
            )
        })?;
        check(self.warmup_epochs < epochs, || {
            format!(
                "schedule.warmup_epochs is {}: it must be below epochs ({epochs})",
                self.warmup_epochs
            )
        })
    }
}

impl LossConfig {
    fn validate(&self) -> Result<(), String> {
        check((0.0..1.0).contains(&self.label_smoothing), || {
            format!(
                "loss.label_smoothing is {}: it must be in [0, 1)",
                self.label_smoothing
            )
        })
    }
}

impl CheckpointConfig {
    fn validate(&self) -> Result<(), String> {
        check(self.keep_last >= 1, || {
            "checkpoint.keep_last must be at least 1 (the last checkpoint is what --resume continues from)".into()
        })
    }
}

impl EarlyStoppingConfig {
    fn validate(&self) -> Result<(), String> {
        check(self.patience != Some(0), || {
            "early_stopping.patience must be at least 1 epoch".into()
        })
    }
}

/// `base` joined with `path`, with `dir/..` pairs folded away, so that `configs/../artifacts`
/// prints as `artifacts`. Lexical on purpose: the paths may not exist yet. (std offers no
/// such function, and a crate for ten lines would be heavier than them.)
fn join_lexically(base: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut joined = PathBuf::new();
    for component in base.join(path).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(joined.components().next_back(), Some(Component::Normal(_))) =>
            {
                joined.pop();
            }
            // `/..` is `/`.
            Component::ParentDir if joined.has_root() && joined.parent().is_none() => {}
            other => joined.push(other),
        }
    }
    if joined.as_os_str().is_empty() {
        joined.push(".");
    }
    joined
}

mod defaults {
    pub fn seed() -> u64 {
        42
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
            dataset: mnist_data::Dataset::MNIST,
            dir: None,
            validation: 5_000,
            batch_size: 256,
            shuffle_seed: None,
            train_limit: None,
        }
    }
}

impl Default for OptimizerConfig {
    fn default() -> Self {
        Self {
            kind: OptimizerKind::Adam,
            lr: 2e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            weight_decay: 0.0,
        }
    }
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            kind: ScheduleKind::Cosine,
            warmup_epochs: 0,
            min_lr: 0.0,
        }
    }
}

impl Default for CheckpointConfig {
    fn default() -> Self {
        Self {
            keep_last: 2,
            final_model: FinalModel::Last,
        }
    }
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("artifacts"),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read config {path}: {error}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The operating system's reason.
        error: std::io::Error,
    },
    /// TOML syntax, unknown key or wrong type (the message has line, column and key).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value out of range.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        message: String,
    },
}

impl TrainConfig {
    /// Reads and parses a config file. Relative paths in it are taken relative to the file's
    /// folder, as a reader of the file would expect, and stored resolved. Not validated yet:
    /// flags may still replace values, so call [`TrainConfig::check`] after applying them.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config = Self::read(path)?;
        config.resolve_paths(path.parent().unwrap_or(Path::new("")));
        if config.name.is_empty() {
            config.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".into());
        }
        Ok(config)
    }

    /// Reads and parses a config file (no validation, paths as written).
    fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.into(),
            error,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.into(),
            message,
        })
    }

    /// Validates, naming `path` in the error.
    pub fn check(&self, path: &Path) -> Result<(), ConfigError> {
        self.validate().map_err(|message| ConfigError::Invalid {
            path: path.into(),
            message,
        })
    }

    /// Parses TOML text (no validation).
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// Makes the relative paths of the file (`data.dir`, `init_from`, `output.dir`) relative
    /// to `base`, the file's folder. A default `output.dir` stays relative to the working
    /// directory: the user never wrote it.
    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| *p = join_lexically(base, p);
        if let Some(dir) = &mut self.data.dir {
            resolve(dir);
        }
        if let Some(init) = &mut self.init_from {
            resolve(init);
        }
        if self.output.dir != OutputConfig::default().dir {
            resolve(&mut self.output.dir);
        }
    }

    /// Checks every value's range; the message names the field. Each section checks itself.
    pub fn validate(&self) -> Result<(), String> {
        self.model.validate().map_err(|e| e.to_string())?;
        check(self.epochs >= 1, || "epochs must be at least 1".into())?;
        self.data.validate()?;
        self.optimizer.validate()?;
        self.schedule.validate(self.optimizer.lr, self.epochs)?;
        self.loss.validate()?;
        self.augment.validate()?;
        self.checkpoint.validate()?;
        self.early_stopping.validate()?;
        if let Some(scale) = self.init_input_scale {
            check(scale.is_finite() && scale > 0.0, || {
                format!("init_input_scale is {scale}: it must be > 0 (255 for raw 0–255 pixels)")
            })?;
        }
        if let Some(backend) = &self.backend {
            backend
                .parse::<mnist_model::Backend>()
                .map_err(|e| format!("backend: {e}"))?;
        }
        Ok(())
    }

    /// Makes `data.dir` and `init_from` absolute (against the working directory), for the
    /// copy saved in the run directory, which may be resumed from anywhere.
    pub fn make_paths_absolute(&mut self) {
        for path in [self.data.dir.as_mut(), self.init_from.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Ok(absolute) = std::path::absolute(&*path) {
                *path = absolute;
            }
        }
    }

    /// The seed of the shuffling order.
    pub fn shuffle_seed(&self) -> u64 {
        self.data.shuffle_seed.unwrap_or(self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "epochs = 3\n[model]\nhidden = [256, 128]\n";

    fn invalid(extra: &str) -> String {
        let mut config = TrainConfig::parse(&format!("{MINIMAL}{extra}")).expect("parses");
        config.name = "t".into();
        config.validate().expect_err("should be rejected")
    }

    #[test]
    fn minimal_config_gets_the_documented_defaults() {
        let config = TrainConfig::parse(MINIMAL).expect("parses");
        assert_eq!(config.seed, 42);
        assert_eq!(config.data.batch_size, 256);
        assert_eq!(config.data.validation, 5000);
        assert_eq!(config.optimizer.kind, OptimizerKind::Adam);
        assert_eq!(config.optimizer.lr, 2e-3);
        assert_eq!(config.schedule.kind, ScheduleKind::Cosine);
        assert_eq!(config.model, MlpConfig::mlp_256_128());
        assert!(config.validate().is_ok());
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_rejected_with_their_name() {
        let err = TrainConfig::parse("epochs = 3\nlearning_rate = 0.1\n[model]\nhidden = [1]\n")
            .expect_err("unknown");
        assert!(err.contains("unknown field `learning_rate`"), "{err}");
        let err =
            TrainConfig::parse("epochs = 3\n[model]\nhidden = [1]\n[optimizer]\nlr = \"fast\"\n")
                .expect_err("type");
        assert!(err.contains("lr") && err.contains("line 5"), "{err}");
        let err = TrainConfig::parse("epochs = 3\n[model]\nhiden = [1]\n").expect_err("typo");
        assert!(err.contains("hiden"), "{err}");
        let err = TrainConfig::parse("epochs = \n").expect_err("syntax");
        assert!(err.contains("line 1"), "{err}");
        let err =
            TrainConfig::parse("epochs = 3\n[model]\nhidden = [1]\n[data]\ndataset = \"kmnist\"\n")
                .expect_err("unknown dataset");
        assert!(
            err.contains("unknown dataset `kmnist`: the datasets are mnist, fashion-mnist")
                && err.contains("dataset"),
            "{err}"
        );
        let config = TrainConfig::parse(
            "epochs = 3\n[model]\nhidden = [1]\n[data]\ndataset = \"fashion-mnist\"\n",
        )
        .expect("parses");
        assert_eq!(config.data.dataset, mnist_data::Dataset::FASHION_MNIST);
        assert_eq!(
            TrainConfig::parse("epochs = 3\n[model]\nhidden = [1]\n")
                .expect("parses")
                .data
                .dataset,
            mnist_data::Dataset::MNIST
        );
    }

    #[test]
    fn out_of_range_values_are_rejected_naming_the_field() {
        assert!(invalid("[optimizer]\nlr = 0.0\n").starts_with("optimizer.lr is 0"));
        assert!(invalid("[optimizer]\nlr = -1e-3\n").starts_with("optimizer.lr is -0.001"));
        assert!(invalid("[data]\nbatch_size = 0\n").starts_with("data.batch_size"));
        assert!(invalid("[data]\nvalidation = 60000\n").starts_with("data.validation is 60000"));
        assert!(invalid("[optimizer]\nbeta1 = 1.0\n").starts_with("optimizer.beta1"));
        assert!(invalid("[loss]\nlabel_smoothing = 1.5\n").starts_with("loss.label_smoothing"));
        assert!(invalid("[schedule]\nwarmup_epochs = 3\n").starts_with("schedule.warmup_epochs"));
        assert!(
            invalid("[optimizer]\nlr = 2.0\n[schedule]\nkind = \"cosine\"\n")
                .starts_with("optimizer.lr is 2: with a cosine schedule")
        );
        assert!(
            invalid("[augment]\nrotation_deg = 200\n").starts_with("augment.rotation_deg is 200")
        );
        assert!(invalid("[augment]\nscale = -0.1\n").starts_with("augment.scale is -0.1"));
        assert!(invalid("[checkpoint]\nkeep_last = 0\n").starts_with("checkpoint.keep_last"));
        assert!(invalid("[early_stopping]\npatience = 0\n").starts_with("early_stopping.patience"));
        let mut tpu = TrainConfig::parse(&format!("backend = \"tpu\"\n{MINIMAL}")).expect("parses");
        tpu.name = "t".into();
        assert!(
            tpu.validate()
                .expect_err("tpu")
                .starts_with("backend: unknown backend `tpu`")
        );
        let mut empty = TrainConfig::parse(MINIMAL).expect("parses");
        empty.model.hidden.clear();
        assert!(
            empty
                .validate()
                .expect_err("empty")
                .starts_with("model.hidden")
        );
        let mut zero = TrainConfig::parse(MINIMAL).expect("parses");
        zero.epochs = 0;
        assert_eq!(
            zero.validate().expect_err("zero"),
            "epochs must be at least 1"
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_config_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("configs");
        std::fs::create_dir(&folder).expect("mkdir");
        let path = folder.join("paths.toml");
        std::fs::write(
            &path,
            format!(
                "init_from = \"../runs/old\"\n{MINIMAL}[data]\ndir = \"mnist\"\n\
                 [output]\ndir = \"../artifacts\"\n"
            ),
        )
        .expect("write");
        let config = TrainConfig::load(&path).expect("loads");
        assert_eq!(config.data.dir, Some(folder.join("mnist")));
        assert_eq!(config.init_from, Some(dir.path().join("runs/old")));
        assert_eq!(config.output.dir, dir.path().join("artifacts"));
        assert_eq!(config.name, "paths");

        // Absolute paths stay, the unwritten default stays relative to the working directory.
        std::fs::write(&path, format!("{MINIMAL}[data]\ndir = \"/data/mnist\"\n")).expect("write");
        let config = TrainConfig::load(&path).expect("loads");
        assert_eq!(config.data.dir, Some(PathBuf::from("/data/mnist")));
        assert_eq!(config.output.dir, PathBuf::from("artifacts"));
    }

    #[test]
    fn lexical_join_folds_parent_components() {
        let join = |a: &str, b: &str| join_lexically(Path::new(a), Path::new(b));
        assert_eq!(join("configs", "../artifacts"), PathBuf::from("artifacts"));
        assert_eq!(join("", "../x"), PathBuf::from("../x"));
        assert_eq!(join("a/b", "./c/../../d"), PathBuf::from("a/d"));
        assert_eq!(join("/etc", "../../x"), PathBuf::from("/x"));
        assert_eq!(join("a", ".."), PathBuf::from("."));
    }

    #[test]
    fn committed_configs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("configs/ exists") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let config = TrainConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
                config.check(&path).unwrap_or_else(|e| panic!("{e}"));
                seen += 1;
            }
        }
        assert!(seen >= 2, "configs/ holds at least the two seed configs");
    }
}
