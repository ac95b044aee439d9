//! Which dataset a model was trained on, as its files record it: `model.json` in a run
//! directory, the `__metadata__` of `model.safetensors`, the `metadata.json` of `model.keras`
//! (and, written only, the metadata of `model.onnx`). It decides the class names `infer`
//! prints and which test set `infer --test` may use.

use std::path::Path;

use mnist_dataset::Dataset;

use crate::error::ModelFileError;
use crate::layout::ARCHITECTURE_FILE;
use crate::sniff::{ModelSource, sniff};
use crate::weights::read_description;

/// The metadata key holding the dataset's name in the exported files.
pub const DATASET_KEY: &str = "dataset";
/// The metadata key holding the class names, a JSON list of 10 strings, in the exported files.
pub const CLASS_NAMES_KEY: &str = "class_names";

/// `dataset`'s class names as a JSON list.
pub fn class_names_json(dataset: Dataset) -> String {
    serde_json::to_string(&dataset.class_names).expect("strings serialise")
}

/// The dataset recorded by the model at `path` (any form [`crate::load_model`] reads), or
/// `None` when the file records none (weights from PyTorch or Keras themselves, or a
/// `model.safetensors` written before datasets were recorded). A name this build does not
/// know is an error naming the file.
pub fn model_dataset(path: &Path) -> Result<Option<Dataset>, ModelFileError> {
    let recorded = match sniff(path)? {
        ModelSource::RunDir => {
            return Ok(Some(
                read_description(&path.join(ARCHITECTURE_FILE))?.dataset,
            ));
        }
        ModelSource::Burnpack => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let description = dir.join(ARCHITECTURE_FILE);
            if !description.is_file() {
                return Ok(None);
            }
            return Ok(Some(read_description(&description)?.dataset));
        }
        ModelSource::Safetensors => safetensors_metadata(path)?,
        ModelSource::Keras => {
            let bytes = std::fs::read(path).map_err(|e| corrupt(path, e.to_string()))?;
            keras_metadata(path, &bytes)?
        }
        ModelSource::PyTorch | ModelSource::Onnx => None,
    };
    named_dataset(path, recorded)
}

fn corrupt(path: &Path, reason: String) -> ModelFileError {
    ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

/// The dataset name in a safetensors file's `__metadata__`, if any.
fn safetensors_metadata(path: &Path) -> Result<Option<String>, ModelFileError> {
    let bytes = std::fs::read(path).map_err(|e| corrupt(path, e.to_string()))?;
    safetensors_metadata_of_bytes(path, &bytes)
}

/// [`safetensors_metadata`] of a file given as bytes, read by the `safetensors` crate (which
/// also bounds the header's length).
fn safetensors_metadata_of_bytes(
    name: &Path,
    bytes: &[u8],
) -> Result<Option<String>, ModelFileError> {
    let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| corrupt(name, format!("header: {e}")))?;
    Ok(metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(DATASET_KEY))
        .cloned())
}

/// The dataset recorded by a model file given as bytes, as [`model_dataset`] reads it
/// from a file (`source` as [`crate::sniff_head`] told it).
pub fn bytes_dataset(
    name: &Path,
    source: ModelSource,
    bytes: &[u8],
) -> Result<Option<Dataset>, ModelFileError> {
    let recorded = match source {
        ModelSource::Safetensors => safetensors_metadata_of_bytes(name, bytes)?,
        ModelSource::Keras => keras_metadata(name, bytes)?,
        _ => None,
    };
    named_dataset(name, recorded)
}

fn keras_metadata(path: &Path, bytes: &[u8]) -> Result<Option<String>, ModelFileError> {
    if !matches!(
        mnist_keras::Container::sniff(bytes),
        Some(mnist_keras::Container::Zip)
    ) {
        return Ok(None);
    }
    Ok(mnist_keras::archive_metadata(bytes)
        .map_err(|e| corrupt(path, e.to_string()))?
        .remove(DATASET_KEY))
}

fn named_dataset(path: &Path, recorded: Option<String>) -> Result<Option<Dataset>, ModelFileError> {
    recorded
        .map(|name| {
            Dataset::by_name(&name).map_err(|e| ModelFileError::Architecture {
                path: path.to_path_buf(),
                reason: format!("{DATASET_KEY}: {e}"),
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use burn::prelude::*;

    use super::*;
    use crate::layout::{KERAS_FILE, MODEL_FILE, ONNX_FILE, SAFETENSORS_FILE};
    use crate::mlp::MlpConfig;
    use crate::weights::{load_model, save_model};

    #[test]
    fn every_saved_file_records_the_dataset() {
        let device = Device::default();
        let config = MlpConfig {
            hidden: vec![8],
            dropout: 0.0,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        save_model(
            &config.init(&device),
            &config,
            Dataset::FASHION_MNIST,
            dir.path(),
        )
        .expect("save");
        for path in [
            dir.path().to_path_buf(),
            dir.path().join(MODEL_FILE),
            dir.path().join(SAFETENSORS_FILE),
            dir.path().join(KERAS_FILE),
        ] {
            assert_eq!(
                model_dataset(&path).expect("readable"),
                Some(Dataset::FASHION_MNIST),
                "{}",
                path.display()
            );
            load_model(&path, &device).expect("still loads");
        }
        assert_eq!(
            model_dataset(&dir.path().join(ONNX_FILE)).expect("onnx"),
            None
        );
        let json = std::fs::read_to_string(dir.path().join(ARCHITECTURE_FILE)).expect("json");
        assert!(json.contains(r#""dataset": "fashion-mnist""#), "{json}");
    }

    #[test]
    fn a_model_json_without_a_dataset_is_mnist_and_an_unknown_one_is_refused() {
        let device = Device::default();
        let config = MlpConfig {
            hidden: vec![8],
            dropout: 0.0,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        save_model(&config.init(&device), &config, Dataset::MNIST, dir.path()).expect("save");
        let json_path = dir.path().join(ARCHITECTURE_FILE);
        let json = std::fs::read_to_string(&json_path).expect("json");
        let older = json.replace(",\n  \"dataset\": \"mnist\"", "");
        assert!(!older.contains("dataset"), "{older}");
        std::fs::write(&json_path, &older).expect("write");
        assert_eq!(
            model_dataset(dir.path()).expect("old file"),
            Some(Dataset::MNIST)
        );
        std::fs::write(&json_path, json.replace("\"mnist\"", "\"kmnist\"")).expect("write");
        let err = model_dataset(dir.path()).expect_err("unknown dataset");
        assert!(
            err.to_string().contains("unknown dataset `kmnist`"),
            "{err}"
        );
    }
}
