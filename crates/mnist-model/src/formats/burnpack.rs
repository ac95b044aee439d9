//! Burnpack, the run directory's own format: `model.bpk` (the weights) beside `model.json`
//! (the architecture and dataset), so that a run directory alone is enough to rebuild and load
//! the model.

use std::path::Path;

use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot, ModuleStore};
use mnist_dataset::Dataset;
use serde::{Deserialize, Serialize};

use super::types::not_written;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Writer};
use crate::error::{ModelFileError, corrupt, write_error};
use crate::layout::{ARCHITECTURE_FILE, MODEL_FILE, SAFETENSORS_FILE};
use crate::mlp::{Mlp, MlpConfig};

/// Format tag written into `model.json`.
const FORMAT: &str = "mnist-burn-mlp";
/// The `model.json` version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Burnpack's magic number, little-endian ("NRUB").
const MAGIC: [u8; 4] = 0x4255_524E_u32.to_le_bytes();

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

pub struct Burnpack;

impl Format for Burnpack {
    fn about(&self) -> &'static About {
        &About {
            name: "Burnpack",
            precision: Precision::F32,
            writes: Some("bpk"),
            run_file: Some(MODEL_FILE),
            read_extensions: &["bpk"],
        }
    }

    fn recognises(&self, file: &ModelFile<'_>) -> bool {
        file.bytes.starts_with(&MAGIC)
    }

    /// Also the fallback for a file no format recognises, which is said plainly rather than
    /// read as a damaged Burnpack file.
    fn read(&self, file: &ModelFile<'_>, device: &Device) -> Result<ReadModel, ModelFileError> {
        if !self.recognises(file) && file.extension().as_deref() != Some("bpk") {
            let formats: Vec<&str> = super::FORMATS.iter().map(|f| f.name()).collect();
            return Err(corrupt(
                file.name,
                format!(
                    "its content is in none of the model formats this tool knows ({})",
                    formats.join(", ")
                ),
            ));
        }
        if !file.on_disk {
            return Err(ModelFileError::Unsupported {
                path: file.name.to_path_buf(),
                reason: format!(
                    "a Burnpack model is read with the model.json of its run directory; use \
                     the run's {SAFETENSORS_FILE} (or its int8 copy) instead"
                ),
            });
        }
        read_beside_description(file.name, device)
    }
}

impl Writer for Burnpack {
    /// Writes `path` and the `model.json` beside it.
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::F32 {
            mlp,
            config,
            dataset,
        } = model
        else {
            return Err(not_written(self, model, path));
        };
        let description = ModelDescription {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            architecture: config.clone(),
            dataset,
            input: "pixel / 255, row-major 28x28 flattened to 784".into(),
        };
        let json =
            serde_json::to_string_pretty(&description).expect("a description always serialises");
        save_weights(mlp, path, &json).map_err(|reason| write_error(path, reason))?;
        let arch = path
            .parent()
            .unwrap_or(Path::new("."))
            .join(ARCHITECTURE_FILE);
        mnist_atomic::write(&arch, json.as_bytes()).map_err(|e| write_error(&arch, e.io))
    }
}

/// Reads the model of a run directory.
pub fn read_run(dir: &Path, device: &Device) -> Result<ReadModel, ModelFileError> {
    let weights = dir.join(MODEL_FILE);
    if !weights.is_file() {
        return Err(ModelFileError::Missing {
            path: dir.to_path_buf(),
        });
    }
    read_beside_description(&weights, device)
}

/// Reads the Burnpack file `weights` with the `model.json` in its directory.
fn read_beside_description(weights: &Path, device: &Device) -> Result<ReadModel, ModelFileError> {
    let description = weights
        .parent()
        .unwrap_or(Path::new("."))
        .join(ARCHITECTURE_FILE);
    let description = read_description(&description)?;
    let config = description.architecture;
    let mlp = load_weights(config.init(device), &config, weights)?;
    Ok(ReadModel::f32(mlp, config, Some(description.dataset)))
}

/// Writes the weights of `model` as Burnpack to `path` atomically; `architecture` is
/// stored in the file's metadata as well, for provenance.
fn save_weights(model: &Mlp, path: &Path, architecture: &str) -> Result<(), String> {
    let mut store = BurnpackStore::from_bytes(None).metadata("architecture", architecture);
    model.save_into(&mut store).map_err(|e| e.to_string())?;
    let bytes = store.get_bytes().map_err(|e| e.to_string())?;
    mnist_atomic::write(path, &bytes).map_err(|e| e.io.to_string())
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
fn load_weights(mut model: Mlp, config: &MlpConfig, path: &Path) -> Result<Mlp, ModelFileError> {
    let mismatch = |details: String| ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: config.name(),
        details,
    };
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    // Reading every tensor first separates a damaged file (truncated, bad header) from weights
    // that read fine but do not fit: burn-pack reports both as `ValidationError`.
    store.get_all_tensors().map_err(|e| corrupt(path, e))?;
    let result = model.load_from(&mut store).map_err(|e| match e {
        burn_pack::Error::ValidationError(details) => mismatch(details),
        other => corrupt(path, other),
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
    use crate::layout::{KERAS_FILE, ONNX_FILE};
    use crate::model_files::{load_model, save_model};

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
    fn a_file_in_no_format_is_named_as_such_not_as_a_damaged_burnpack() {
        let device = Device::default();
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
        for on_disk in [false, true] {
            let file = ModelFile {
                name: Path::new("photo.jpg"),
                bytes: jpeg,
                on_disk,
            };
            let message = crate::formats::detect(&file)
                .read(&file, &device)
                .expect_err("a photo is no model")
                .to_string();
            assert!(
                message.starts_with("photo.jpg: not a readable model file: its content is in none"),
                "{message}"
            );
            assert!(
                message.contains("Keras") && !message.contains("model.json"),
                "{message}"
            );
        }
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
}
