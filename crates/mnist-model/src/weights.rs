//! The on-disk model: `model.bpk` (Burnpack weights) beside `model.json` (the architecture),
//! so that a run directory alone is enough to rebuild and load the model.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::{BurnpackStore, ModuleSnapshot};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::exchange::{ForeignFormat, SAFETENSORS_FILE, export_safetensors, import_weights};
use crate::mlp::{Mlp, MlpConfig};

/// File name of the final weights inside a run directory.
pub const MODEL_FILE: &str = "model.bpk";
/// File name of the architecture description inside a run directory.
pub const ARCHITECTURE_FILE: &str = "model.json";
/// Format tag written into `model.json`.
const FORMAT: &str = "mnist-burn-mlp";

/// What `model.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDescription {
    /// Always `mnist-burn-mlp`.
    pub format: String,
    /// Format version, 1.
    pub version: u32,
    /// The architecture.
    pub architecture: MlpConfig,
    /// How inputs must be prepared: pixel / 255, flattened row-major 28×28.
    pub input: String,
}

/// Failure to save or load a model.
#[derive(Debug, Error)]
pub enum ModelFileError {
    /// Neither a run directory with a model nor a model file.
    #[error(
        "{path}: no model there (expected a run directory containing {MODEL_FILE}, a .bpk file, or PyTorch weights: .safetensors, .pt, .pth)"
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// `model.json` is missing or unreadable.
    #[error("{path}: cannot read the model architecture: {reason}")]
    Architecture {
        /// The architecture file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The weights file is not a readable Burnpack file.
    #[error("{path}: not a readable model file: {reason}")]
    Corrupt {
        /// The weights file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The weights do not fit the architecture.
    #[error("{path}: weights do not match the architecture {architecture}: {details}")]
    Mismatch {
        /// The weights file.
        path: PathBuf,
        /// The architecture name, e.g. 784-256-128-10.
        architecture: String,
        /// Missing, unexpected or mis-shaped tensors.
        details: String,
    },
    /// Writing failed.
    #[error("cannot write the model to {path}: {reason}")]
    Write {
        /// The destination.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Writes `model.bpk`, `model.json` and the PyTorch-convention `model.safetensors` into
/// `dir`, each atomically (temporary file, then rename), and returns the path of the weights.
pub fn save_model(model: &Mlp, config: &MlpConfig, dir: &Path) -> Result<PathBuf, ModelFileError> {
    let description = ModelDescription {
        format: FORMAT.into(),
        version: 1,
        architecture: config.clone(),
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
    write_atomic(&arch, json.as_bytes()).map_err(|e| write_err(&arch, e.to_string()))?;
    export_safetensors(model, config, &dir.join(SAFETENSORS_FILE))?;
    Ok(weights)
}

/// Writes the weights of `model` as Burnpack to `path` atomically; `architecture` is
/// stored in the file's metadata as well, for provenance.
pub fn save_weights(model: &Mlp, path: &Path, architecture: &str) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = temp_builder(".model-")
        .tempfile_in(dir)
        .map_err(|e| e.to_string())?;
    let mut store = BurnpackStore::from_file(tmp.path())
        .auto_extension(false)
        .overwrite(true)
        .metadata("architecture", architecture);
    model.save_into(&mut store).map_err(|e| e.to_string())?;
    tmp.as_file().sync_all().map_err(|e| e.to_string())?;
    tmp.persist(path).map_err(|e| e.error.to_string())?;
    Ok(())
}

/// Loads a model from a run directory, from a `.bpk` file whose directory holds
/// `model.json`, or from PyTorch-convention weights (`.safetensors`, `.pt`, `.pth`; see
/// [`crate::exchange`]); returns it with its architecture.
pub fn load_model(path: &Path, device: &Device) -> Result<(Mlp, MlpConfig), ModelFileError> {
    if let Some(format) = ForeignFormat::of(path).filter(|_| path.is_file()) {
        return import_weights(path, format, device);
    }
    let weights = if path.is_dir() {
        path.join(MODEL_FILE)
    } else {
        path.to_path_buf()
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

/// Reads and validates `model.json`.
pub fn read_architecture(path: &Path) -> Result<MlpConfig, ModelFileError> {
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
    description
        .architecture
        .validate()
        .map_err(|e| err(e.to_string()))?;
    Ok(description.architecture)
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
    // The store validates by default: a missing or mis-shaped tensor is a `ValidationError`;
    // any other error means the file itself could not be read.
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    let result = model.load_from(&mut store).map_err(|e| match e {
        // burn-pack reports a truncated file under the same variant as a shape mismatch;
        // only its message tells them apart.
        burn_pack::Error::ValidationError(details) if !details.starts_with("File truncated") => {
            mismatch(details)
        }
        other => ModelFileError::Corrupt {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })?;
    // Validation does not cover tensors the file has and the model lacks.
    if !result.unused.is_empty() {
        return Err(mismatch(format!("unexpected {}", result.unused.join(", "))));
    }
    Ok(model)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, flushed before
/// the rename, so a crash leaves either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = temp_builder(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Temporary files for outputs: readable like any file the user creates (tempfile's default
/// is owner-only), named so a leftover is recognisable.
pub(crate) fn temp_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
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
        save_model(&model, &config, dir.path()).expect("save");
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
            [MODEL_FILE, ARCHITECTURE_FILE, SAFETENSORS_FILE],
            "no temporary files left behind"
        );
    }

    #[test]
    fn another_architecture_is_refused_naming_the_file() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let small = MlpConfig::mlp_128();
        save_model(&small.init(&device), &small, dir.path()).expect("save");
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
        save_model(&config.init(&device), &config, dir.path()).expect("save");
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
}
