//! The on-disk model: `model.bpk` (Burnpack weights) beside `model.json` (the architecture),
//! so that a run directory alone is enough to rebuild and load the model.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot, ModuleStore};
use mnist_dataset::Dataset;
use serde::{Deserialize, Serialize};

use crate::error::ModelFileError;
use crate::exchange::{ForeignFormat, export_safetensors, import_weights};
use crate::keras::{export_keras, import_keras};
use crate::layout::{ARCHITECTURE_FILE, KERAS_FILE, MODEL_FILE, ONNX_FILE, SAFETENSORS_FILE};
use crate::mlp::{Mlp, MlpConfig};
use crate::onnx::export_onnx;
use crate::sniff::{ModelSource, sniff};

/// Format tag written into `model.json`.
const FORMAT: &str = "mnist-burn-mlp";
/// The `model.json` version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What `model.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDescription {
    /// Always `mnist-burn-mlp`.
    pub format: String,
    /// Format version ([`FORMAT_VERSION`]); a newer file is refused rather than misread.
    pub version: u32,
    /// The architecture the weights belong to.
    pub architecture: MlpConfig,
    /// The dataset it was trained on, which names its classes; a file written before runs
    /// recorded it is MNIST's.
    #[serde(default)]
    pub dataset: Dataset,
    /// How inputs must be prepared: pixel / 255, flattened row-major 28×28.
    pub input: String,
}

/// Writes `model.bpk`, `model.json` and the open-weights exports (PyTorch-convention
/// `model.safetensors`, Keras `model.keras`, `model.onnx`) into `dir`, each atomically
/// (temporary file, then rename), and returns the path of the weights. Every file records
/// `dataset`, the one the model was trained on.
pub fn save_model(
    model: &Mlp,
    config: &MlpConfig,
    dataset: Dataset,
    dir: &Path,
) -> Result<PathBuf, ModelFileError> {
    let description = ModelDescription {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        architecture: config.clone(),
        dataset,
        input: "pixel / 255, row-major 28x28 flattened to 784".into(),
    };
    let json = serde_json::to_string_pretty(&description).expect("a description always serialises");
    let write_err = |path: &Path, reason: String| ModelFileError::Write {
        path: path.to_path_buf(),
        reason,
    };

    let weights = dir.join(MODEL_FILE);
    save_weights(model, &weights, &json).map_err(|reason| write_err(&weights, reason))?;
    let arch = dir.join(ARCHITECTURE_FILE);
    mnist_atomic::write(&arch, json.as_bytes()).map_err(|e| write_err(&arch, e.io.to_string()))?;
    export_safetensors(model, config, dataset, &dir.join(SAFETENSORS_FILE))?;
    export_keras(model, dataset, &dir.join(KERAS_FILE))?;
    export_onnx(model, dataset, &dir.join(ONNX_FILE))?;
    Ok(weights)
}

/// Writes the weights of `model` as Burnpack to `path` atomically; `architecture` is
/// stored in the file's metadata as well, for provenance.
pub fn save_weights(model: &Mlp, path: &Path, architecture: &str) -> Result<(), String> {
    let mut store = BurnpackStore::from_bytes(None).metadata("architecture", architecture);
    model.save_into(&mut store).map_err(|e| e.to_string())?;
    let bytes = store.get_bytes().map_err(|e| e.to_string())?;
    mnist_atomic::write(path, &bytes).map_err(|e| e.io.to_string())
}

/// Loads a model from a run directory, from a `.bpk` file whose directory holds
/// `model.json`, from PyTorch-convention weights (`.safetensors`, `.pt`, `.pth`; see
/// [`crate::exchange`]) or from a Keras file (`.keras`, `.weights.h5`, `.h5`; see
/// [`crate::keras`]), told apart by content; returns it with its architecture.
pub fn load_model(path: &Path, device: &Device) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let weights = match sniff(path)? {
        ModelSource::RunDir => path.join(MODEL_FILE),
        ModelSource::Burnpack => path.to_path_buf(),
        ModelSource::Safetensors => {
            return import_weights(path, ForeignFormat::Safetensors, device);
        }
        ModelSource::PyTorch => return import_weights(path, ForeignFormat::PyTorch, device),
        ModelSource::Keras => {
            let bytes = std::fs::read(path).map_err(|e| ModelFileError::Corrupt {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
            return import_keras(path, &bytes, device);
        }
        ModelSource::Onnx => {
            return Err(ModelFileError::Unsupported {
                path: path.to_path_buf(),
                reason: "ONNX graphs are written for other runtimes and not read back; load \
                         the run directory, or its model.safetensors or model.keras"
                    .into(),
            });
        }
    };
    if !weights.is_file() {
        return Err(ModelFileError::Missing {
            path: path.to_path_buf(),
        });
    }
    let arch_path = weights
        .parent()
        .unwrap_or(Path::new("."))
        .join(ARCHITECTURE_FILE);
    let config = read_architecture(&arch_path)?;
    let model = load_weights(config.init(device), &config, &weights)?;
    Ok((model, config))
}

/// Loads the weights at `path` (any form [`load_model`] reads) into a fresh `config` model, so
/// that what the weights file cannot carry, such as `config.dropout`, comes from `config`.
/// Refuses weights of another architecture.
pub fn load_model_as(
    config: &MlpConfig,
    path: &Path,
    device: &Device,
) -> Result<Mlp, ModelFileError> {
    let (loaded, found) = load_model(path, device)?;
    if found.hidden != config.hidden {
        return Err(ModelFileError::OtherArchitecture {
            path: path.to_path_buf(),
            found: found.name(),
            expected: config.name(),
        });
    }
    Ok(config.init(device).load_record(loaded.into_record()))
}

/// Reads and validates `model.json`, returning the architecture.
pub fn read_architecture(path: &Path) -> Result<MlpConfig, ModelFileError> {
    Ok(read_description(path)?.architecture)
}

/// Reads and validates `model.json`.
pub fn read_description(path: &Path) -> Result<ModelDescription, ModelFileError> {
    let err = |reason: String| ModelFileError::Architecture {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let description: ModelDescription =
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
    if description.format != FORMAT {
        return Err(err(format!(
            "format is `{}`, expected `{FORMAT}`",
            description.format
        )));
    }
    if description.version != FORMAT_VERSION {
        return Err(err(format!(
            "format version {} is not the version {FORMAT_VERSION} this build reads; use the \
             release of this tool that wrote it, or re-export the weights as .safetensors",
            description.version
        )));
    }
    description
        .architecture
        .validate()
        .map_err(|e| err(e.to_string()))?;
    Ok(description)
}

/// Loads Burnpack weights into `model`, requiring every tensor to be present and to fit.
pub fn load_weights(
    mut model: Mlp,
    config: &MlpConfig,
    path: &Path,
) -> Result<Mlp, ModelFileError> {
    let mismatch = |details: String| ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: config.name(),
        details,
    };
    let corrupt = |e: burn_pack::Error| ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    // Reading every tensor first separates a damaged file (truncated, bad header) from weights
    // that read fine but do not fit: burn-pack reports both as `ValidationError`.
    store.get_all_tensors().map_err(corrupt)?;
    let result = model.load_from(&mut store).map_err(|e| match e {
        burn_pack::Error::ValidationError(details) => mismatch(details),
        other => corrupt(other),
    })?;
    // Validation does not cover tensors the file has and the model lacks.
    if !result.unused.is_empty() {
        return Err(mismatch(format!("unexpected {}", result.unused.join(", "))));
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_gives_identical_logits() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = MlpConfig::mlp_128();
        let model = config.init(&device);
        save_model(&model, &config, Dataset::MNIST, dir.path()).expect("save");
        let (loaded, loaded_config) = load_model(dir.path(), &device).expect("load");
        assert_eq!(loaded_config, config);
        let input = Tensor::<2>::random([4, 784], burn::tensor::Distribution::Default, &device);
        let a = model.forward(input.clone()).into_data();
        let b = loaded.forward(input).into_data();
        assert_eq!(a, b);
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                MODEL_FILE,
                ARCHITECTURE_FILE,
                KERAS_FILE,
                ONNX_FILE,
                SAFETENSORS_FILE
            ],
            "no temporary files left behind"
        );
    }

    #[test]
    fn another_architecture_is_refused_naming_the_file() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let small = MlpConfig::mlp_128();
        save_model(&small.init(&device), &small, Dataset::MNIST, dir.path()).expect("save");
        // Pretend the file describes the bigger model.
        let arch = dir.path().join(ARCHITECTURE_FILE);
        let text = std::fs::read_to_string(&arch)
            .expect("read")
            .replace("128", "256,\n    128");
        std::fs::write(&arch, text).expect("write");
        let err = load_model(dir.path(), &device).expect_err("mismatch");
        let message = err.to_string();
        assert!(matches!(err, ModelFileError::Mismatch { .. }), "{message}");
        assert!(
            message.contains("model.bpk") && message.contains("784-256-128-10"),
            "{message}"
        );
    }

    #[test]
    fn garbage_and_missing_files_are_clear_errors() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(matches!(
            load_model(&dir.path().join("nope"), &device),
            Err(ModelFileError::Missing { .. })
        ));
        let config = MlpConfig::mlp_128();
        save_model(&config.init(&device), &config, Dataset::MNIST, dir.path()).expect("save");
        std::fs::write(dir.path().join(MODEL_FILE), b"this is not burnpack").expect("write");
        let message = load_model(dir.path(), &device)
            .expect_err("corrupt")
            .to_string();
        assert!(
            message.starts_with(&dir.path().join(MODEL_FILE).display().to_string()),
            "{message}"
        );
        std::fs::remove_file(dir.path().join(ARCHITECTURE_FILE)).expect("rm");
        let message = load_model(dir.path(), &device)
            .expect_err("no architecture")
            .to_string();
        assert!(
            message.contains("model.json: cannot read the model architecture"),
            "{message}"
        );
    }

    #[test]
    fn a_truncated_file_is_corrupt_not_a_mismatch() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = MlpConfig::mlp_128();
        save_model(&config.init(&device), &config, Dataset::MNIST, dir.path()).expect("save");
        let weights = dir.path().join(MODEL_FILE);
        let bytes = std::fs::read(&weights).expect("read");
        std::fs::write(&weights, &bytes[..bytes.len() / 2]).expect("truncate");
        let err = load_model(dir.path(), &device).expect_err("truncated");
        assert!(matches!(err, ModelFileError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }

    #[test]
    fn a_newer_format_version_is_refused() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = MlpConfig::mlp_128();
        save_model(&config.init(&device), &config, Dataset::MNIST, dir.path()).expect("save");
        let arch = dir.path().join(ARCHITECTURE_FILE);
        let text = std::fs::read_to_string(&arch).expect("read");
        assert!(text.contains("\"version\": 1"), "{text}");
        std::fs::write(&arch, text.replace("\"version\": 1", "\"version\": 2")).expect("write");
        let message = load_model(dir.path(), &device).expect_err("v2").to_string();
        assert!(
            message.contains("format version 2 is not the version 1 this build reads"),
            "{message}"
        );
    }

    #[test]
    fn loading_as_a_config_keeps_its_dropout_and_refuses_other_layers() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = MlpConfig::mlp_128();
        let model = plain.init(&device);
        save_model(&model, &plain, Dataset::MNIST, dir.path()).expect("save");
        let with_dropout = MlpConfig {
            dropout: 0.2,
            ..plain.clone()
        };
        for source in [dir.path().to_path_buf(), dir.path().join(SAFETENSORS_FILE)] {
            let loaded = load_model_as(&with_dropout, &source, &device).expect("loads");
            assert_eq!(loaded.dropout(), 0.2, "{}", source.display());
            let input = Tensor::<2>::ones([2, 784], &device);
            // Dropout is inactive outside autodiff: the same weights give the same logits.
            loaded
                .forward(input.clone())
                .into_data()
                .assert_approx_eq::<f32>(&model.forward(input).into_data(), Default::default());
        }
        let err = load_model_as(&MlpConfig::mlp_256_128(), dir.path(), &device)
            .expect_err("other layers");
        assert!(
            err.to_string()
                .ends_with("holds a 784-128-10 model but model.hidden describes 784-256-128-10"),
            "{err}"
        );
    }
}
