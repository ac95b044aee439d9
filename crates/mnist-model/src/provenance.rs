//! Which dataset a model was trained on, as its files record it: `model.json` in a run
//! directory, the `__metadata__` of `model.safetensors`, the `metadata.json` of `model.keras`
//! (and, written only, the metadata of `model.onnx`). It decides the class names `infer`
//! prints and which test set `infer --test` may use.

use std::io::Read;
use std::path::Path;

use mnist_data::Dataset;

use crate::error::ModelFileError;
use crate::layout::ARCHITECTURE_FILE;
use crate::sniff::{ModelSource, sniff};
use crate::weights::read_description;

/// The metadata key holding the dataset's name in the exported files.
pub const DATASET_KEY: &str = "dataset";
/// The metadata key holding the class names, a JSON list of 10 strings, in the exported files.
pub const CLASS_NAMES_KEY: &str = "class_names";
/// A safetensors header longer than this is not read for metadata (the format's own limit
/// is 100 MB; an MLP's is a few hundred bytes).
const MAX_HEADER: u64 = 100 << 20;

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
            if matches!(
                mnist_keras::Container::sniff(&bytes),
                Some(mnist_keras::Container::Zip)
            ) {
                mnist_keras::archive_metadata(&bytes)
                    .map_err(|e| corrupt(path, e.to_string()))?
                    .remove(DATASET_KEY)
            } else {
                None
            }
        }
        ModelSource::PyTorch | ModelSource::Onnx => None,
    };
    recorded
        .map(|name| {
            Dataset::by_name(&name).map_err(|e| ModelFileError::Architecture {
                path: path.to_path_buf(),
                reason: format!("{DATASET_KEY}: {e}"),
            })
        })
        .transpose()
}

fn corrupt(path: &Path, reason: String) -> ModelFileError {
    ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

/// The dataset name in a safetensors file's `__metadata__`, if any: the header is an
/// 8-byte little-endian length and that much JSON.
fn safetensors_metadata(path: &Path) -> Result<Option<String>, ModelFileError> {
    let mut file = std::fs::File::open(path).map_err(|e| corrupt(path, e.to_string()))?;
    let mut prefix = [0u8; 8];
    file.read_exact(&mut prefix)
        .map_err(|e| corrupt(path, e.to_string()))?;
    let len = u64::from_le_bytes(prefix);
    if len > MAX_HEADER {
        return Err(corrupt(path, format!("header of {len} bytes")));
    }
    let mut header = Vec::new();
    file.take(len)
        .read_to_end(&mut header)
        .map_err(|e| corrupt(path, e.to_string()))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| corrupt(path, format!("header: {e}")))?;
    Ok(header["__metadata__"][DATASET_KEY]
        .as_str()
        .map(str::to_string))
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
