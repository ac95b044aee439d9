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
    /// The architecture.
    pub model: MlpConfig,
    /// Start from these weights instead of a random initialisation: a run directory, a
    /// `.bpk` model, or PyTorch weights (`.safetensors`, `.pt`, `.pth`) of the same
    /// architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
    /// Data source and batching.
    #[serde(default)]
    pub data: DataConfig,
    /// Optimiser.
    #[serde(default)]
    pub optimizer: OptimizerConfig,
    /// Learning-rate schedule.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// Loss.
    #[serde(default)]
    pub loss: LossConfig,
    /// Random distortions of the training images (off unless set).
    #[serde(default)]
    pub augment: AugmentConfig,
    /// Which checkpoints are kept, and which epoch becomes the final model.
    #[serde(default)]
    pub checkpoint: CheckpointConfig,
    /// Stopping when validation loss stops improving (off unless set).
    #[serde(default)]
    pub early_stopping: EarlyStoppingConfig,
    /// Outputs.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[data]`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// Directory holding the MNIST files (optional; see the data crate for the other sources).
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

/// `[augment]`: on-the-fly random affine (and elastic) distortion of training images, drawn
/// afresh every epoch from the seed. Validation and test images are never distorted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentConfig {
    /// Maximum rotation either way, degrees (0 = none).
    pub rotation_deg: f32,
    /// Maximum relative scale change either way, e.g. 0.1 (0 = none).
    pub scale: f32,
    /// Maximum shift either way along each axis, pixels (0 = none).
    pub shift_px: f32,
    /// Maximum smooth elastic displacement, pixels (0 = none).
    pub elastic_px: f32,
}

impl AugmentConfig {
    /// The data crate's description of the same distortions.
    pub fn augmentation(&self) -> mnist_data::Augmentation {
        mnist_data::Augmentation {
            rotation_deg: self.rotation_deg,
            scale: self.scale,
            shift_px: self.shift_px,
            elastic_px: self.elastic_px,
        }
    }
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

mod defaults {
    pub fn seed() -> u64 {
        42
    }
}

impl Default for DataConfig {
    fn default() -> Self {
        Self {
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
        /// The file.
        path: PathBuf,
        /// Why.
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

/// Command-line values that replace config values when given.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--epochs`
    pub epochs: Option<usize>,
    /// `--batch-size`
    pub batch_size: Option<usize>,
    /// `--lr`
    pub lr: Option<f64>,
    /// `--seed`
    pub seed: Option<u64>,
    /// `--data-dir`
    pub data_dir: Option<PathBuf>,
    /// `--backend`
    pub backend: Option<String>,
    /// `--train-limit`
    pub train_limit: Option<usize>,
    /// `--init-from`
    pub init_from: Option<PathBuf>,
}

impl TrainConfig {
    /// Reads, parses and validates a config file, then applies `overrides` (validated too).
    pub fn load(path: &Path, overrides: &Overrides) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.into(),
            error,
        })?;
        let mut config = Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.into(),
            message,
        })?;
        if config.name.is_empty() {
            config.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".into());
        }
        config.apply(overrides);
        config.validate().map_err(|message| ConfigError::Invalid {
            path: path.into(),
            message,
        })?;
        Ok(config)
    }

    /// Parses TOML text (no validation).
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())
    }

    /// Replaces values with the given overrides.
    pub fn apply(&mut self, o: &Overrides) {
        if let Some(v) = o.epochs {
            self.epochs = v;
        }
        if let Some(v) = o.batch_size {
            self.data.batch_size = v;
        }
        if let Some(v) = o.lr {
            self.optimizer.lr = v;
        }
        if let Some(v) = o.seed {
            self.seed = v;
        }
        if let Some(v) = &o.data_dir {
            self.data.dir = Some(v.clone());
        }
        if let Some(v) = &o.backend {
            self.backend = Some(v.clone());
        }
        if let Some(v) = o.train_limit {
            self.data.train_limit = Some(v);
        }
        if let Some(v) = &o.init_from {
            self.init_from = Some(v.clone());
        }
    }

    /// Checks every value's range; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        fn check(ok: bool, message: impl FnOnce() -> String) -> Result<(), String> {
            if ok { Ok(()) } else { Err(message()) }
        }
        self.model.validate().map_err(|e| e.to_string())?;
        check(self.epochs >= 1, || "epochs must be at least 1".into())?;
        check(self.data.batch_size >= 1, || {
            "data.batch_size must be at least 1".into()
        })?;
        check(
            (1..mnist_data::TRAIN_LEN).contains(&self.data.validation),
            || {
                format!(
                    "data.validation is {}: it must be between 1 and {}",
                    self.data.validation,
                    mnist_data::TRAIN_LEN - 1
                )
            },
        )?;
        if let Some(limit) = self.data.train_limit {
            check(limit >= 1, || "data.train_limit must be at least 1".into())?;
        }
        let o = &self.optimizer;
        check(o.lr.is_finite() && o.lr > 0.0, || {
            format!("optimizer.lr is {}: it must be > 0", o.lr)
        })?;
        check((0.0..1.0).contains(&o.beta1), || {
            format!("optimizer.beta1 is {}: it must be in [0, 1)", o.beta1)
        })?;
        check((0.0..1.0).contains(&o.beta2), || {
            format!("optimizer.beta2 is {}: it must be in [0, 1)", o.beta2)
        })?;
        check(o.epsilon.is_finite() && o.epsilon > 0.0, || {
            format!("optimizer.epsilon is {}: it must be > 0", o.epsilon)
        })?;
        check(o.weight_decay.is_finite() && o.weight_decay >= 0.0, || {
            format!(
                "optimizer.weight_decay is {}: it must be >= 0",
                o.weight_decay
            )
        })?;
        let s = &self.schedule;
        // Burn's cosine and linear (warm-up) schedulers refuse larger rates.
        let scheduled = s.kind != ScheduleKind::Constant || s.warmup_epochs > 0;
        check(!scheduled || o.lr <= 1.0, || {
            format!(
                "optimizer.lr is {}: with a cosine schedule or warm-up it must be at most 1",
                o.lr
            )
        })?;
        check(s.min_lr >= 0.0 && s.min_lr < o.lr, || {
            format!(
                "schedule.min_lr is {}: it must be >= 0 and below optimizer.lr ({})",
                s.min_lr, o.lr
            )
        })?;
        check(s.warmup_epochs < self.epochs, || {
            format!(
                "schedule.warmup_epochs is {}: it must be below epochs ({})",
                s.warmup_epochs, self.epochs
            )
        })?;
        check((0.0..1.0).contains(&self.loss.label_smoothing), || {
            format!(
                "loss.label_smoothing is {}: it must be in [0, 1)",
                self.loss.label_smoothing
            )
        })?;
        let a = &self.augment;
        for (name, value, max) in [
            ("rotation_deg", a.rotation_deg, 180.0),
            ("scale", a.scale, 0.5),
            ("shift_px", a.shift_px, 14.0),
            ("elastic_px", a.elastic_px, 14.0),
        ] {
            check(value.is_finite() && (0.0..=max).contains(&value), || {
                format!("augment.{name} is {value}: it must be between 0 and {max}")
            })?;
        }
        check(self.checkpoint.keep_last >= 1, || {
            "checkpoint.keep_last must be at least 1 (the last checkpoint is what --resume continues from)".into()
        })?;
        if let Some(patience) = self.early_stopping.patience {
            check(patience >= 1, || {
                "early_stopping.patience must be at least 1 epoch".into()
            })?;
        }
        if let Some(backend) = &self.backend {
            backend
                .parse::<mnist_model::Backend>()
                .map_err(|e| format!("backend: {e}"))?;
        }
        Ok(())
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
    fn overrides_replace_values_and_are_validated() {
        let mut config = TrainConfig::parse(MINIMAL).expect("parses");
        config.apply(&Overrides {
            epochs: Some(7),
            lr: Some(0.01),
            batch_size: Some(64),
            seed: Some(1),
            ..Default::default()
        });
        assert_eq!(
            (
                config.epochs,
                config.optimizer.lr,
                config.data.batch_size,
                config.seed
            ),
            (7, 0.01, 64, 1)
        );
        assert_eq!(config.shuffle_seed(), 1);
        config.apply(&Overrides {
            lr: Some(0.0),
            ..Default::default()
        });
        assert!(config.validate().is_err());
    }

    #[test]
    fn committed_configs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("configs/ exists") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                TrainConfig::load(&path, &Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
                seen += 1;
            }
        }
        assert!(seen >= 2, "configs/ holds at least the two seed configs");
    }
}
