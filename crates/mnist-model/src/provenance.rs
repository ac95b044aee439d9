//! Which dataset a model was trained on, as its files record it: `model.json` in a run
//! directory, the `__metadata__` of `model.safetensors`, the `metadata.json` of `model.keras`
//! and the metadata of `model.onnx`. It decides the class names `infer` prints and which test
//! set `infer --test` may use. Here are the keys and the readers the formats share.

use std::path::Path;

use mnist_dataset::Dataset;

use crate::error::{ModelFileError, corrupt};

/// The metadata key holding the dataset's name in the exported files.
pub const DATASET_KEY: &str = "dataset";
/// The metadata key holding the class names, a JSON list of 10 strings, in the exported files.
pub const CLASS_NAMES_KEY: &str = "class_names";

/// `dataset`'s class names as a JSON list.
pub fn class_names_json(dataset: Dataset) -> String {
    serde_json::to_string(&dataset.class_names).expect("strings serialise")
}

/// The dataset name in a safetensors file's `__metadata__`, if any, read by the `safetensors`
/// crate (which also bounds the header's length).
pub fn safetensors_dataset(name: &Path, bytes: &[u8]) -> Result<Option<String>, ModelFileError> {
    let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| corrupt(name, format!("header: {e}")))?;
    Ok(metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(DATASET_KEY))
        .cloned())
}

/// The dataset name in a `.keras` archive's `metadata.json`, if any (an `.h5` file has none).
pub fn keras_dataset(path: &Path, bytes: &[u8]) -> Result<Option<String>, ModelFileError> {
    if !matches!(
        mnist_keras::Container::sniff(bytes),
        Some(mnist_keras::Container::Zip)
    ) {
        return Ok(None);
    }
    Ok(mnist_keras::archive_metadata(bytes)
        .map_err(|e| corrupt(path, e))?
        .remove(DATASET_KEY))
}

/// The dataset a recorded name names; a name this build does not know is an error naming the
/// file.
pub fn named_dataset(
    path: &Path,
    recorded: Option<String>,
) -> Result<Option<Dataset>, ModelFileError> {
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
    use crate::layout::{ARCHITECTURE_FILE, KERAS_FILE, MODEL_FILE, ONNX_FILE, SAFETENSORS_FILE};
    use crate::mlp::MlpConfig;
    use crate::model_files::{load_model, model_dataset, save_model};

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
        // ONNX graphs are written, not read back, so their metadata is onnxruntime's to read.
        let onnx = model_dataset(&dir.path().join(ONNX_FILE)).expect_err("onnx");
        assert!(onnx.to_string().contains("not read back"), "{onnx}");
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
