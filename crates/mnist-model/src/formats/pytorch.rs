//! PyTorch's `torch.save` files (`.pt`, `.pth`): a `state_dict` (or a checkpoint dict holding
//! one) of the [`super::torch_layout`] names, read by burn-store's pickle reader, which reads
//! from a path and transposes PyTorch's `[out, in]` to Burn's `[in, out]` itself. Read only:
//! the open weights go out as safetensors, which `torch` loads without unpickling code.

use std::path::Path;

use burn::prelude::*;
use burn::store::{ModuleSnapshot, PytorchStore};

use super::torch_layout::{Direction, config_from_shapes, names, tensor_shapes};
use super::types::{About, Format, ModelFile, Precision, ReadModel};
use crate::error::{ModelFileError, corrupt};
use crate::mlp::{Mlp, MlpConfig};

pub struct PyTorch;

impl Format for PyTorch {
    fn about(&self) -> &'static About {
        &About {
            name: "PyTorch",
            precision: Precision::F32,
            writes: None,
            run_file: None,
            read_extensions: &["pt", "pth"],
        }
    }

    /// A zip archive (torch.save since 1.6; asked after Keras, whose `.keras` is one too) or a
    /// bare pickle of protocol 2 to 5 (before 1.6).
    fn recognises(&self, file: &ModelFile<'_>) -> bool {
        let zip = matches!(
            mnist_keras::Container::sniff(file.bytes),
            Some(mnist_keras::Container::Zip)
        );
        zip || matches!(file.bytes, [0x80, 2..=5, ..])
    }

    fn read(&self, file: &ModelFile<'_>, device: &Device) -> Result<ReadModel, ModelFileError> {
        // The browser page has no files: that build leaves the pickle reader out (with the
        // key remapping's regex engine, a tenth of the page).
        if !file.on_disk || cfg!(target_arch = "wasm32") {
            return Err(ModelFileError::Unsupported {
                path: file.name.to_path_buf(),
                reason: "a torch.save pickle is read by `infer` only; save the state_dict with \
                         safetensors.torch.save_file instead"
                    .into(),
            });
        }
        let (mlp, config) = import_pytorch(file.name, device)?;
        Ok(ReadModel::f32(mlp, config, None))
    }
}

fn import_pytorch(path: &Path, device: &Device) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let mut shapes =
        tensor_shapes(&mut PytorchStore::from_file(path)).map_err(|e| corrupt(path, e))?;
    // A checkpoint dict often nests the state_dict under one of these keys.
    let mut top_level_key = None;
    for key in ["state_dict", "model_state_dict"] {
        if shapes.iter().any(|(name, _)| name == "fc1.weight") {
            break;
        }
        let mut nested = PytorchStore::from_file(path).with_top_level_key(key);
        if let Ok(found) = tensor_shapes(&mut nested)
            && !found.is_empty()
        {
            (shapes, top_level_key) = (found, Some(key));
        }
    }
    let config = config_from_shapes(path, &shapes)?;
    let mut model = config.init(device);
    // PytorchStore applies the PyTorch-to-Burn adapter by itself.
    let store = PytorchStore::from_file(path).remap(names(&config, Direction::FromPyTorch));
    let mut store = match top_level_key {
        Some(key) => store.with_top_level_key(key),
        None => store,
    };
    let result = model.load_from(&mut store).map_err(|e| corrupt(path, e))?;
    fitted(path, &config, result.is_success(), || result.to_string())?;
    Ok((model, config))
}

/// Every tensor of the model was found, with its shape; else what was not.
fn fitted(
    path: &Path,
    config: &MlpConfig,
    success: bool,
    details: impl FnOnce() -> String,
) -> Result<(), ModelFileError> {
    if success {
        return Ok(());
    }
    Err(ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: config.name(),
        details: details(),
    })
}
