//! The legacy HDF5 format of Keras 2, tf.keras and Keras 3's legacy writer. `model.save`
//! puts the weights under `model_weights/` and the model config, as JSON, in the root's
//! `model_config` attribute; `save_weights` puts them at the root with no config. Either
//! way a `layer_names` attribute lists the layers in model order, and each layer's group a
//! `weight_names` attribute with the paths of its tensors (`dense/kernel:0`, …).

use hdf5_pure::{File, Group};

use crate::h5::{self, Tensor};
use crate::layers::{Dense, KerasFormat, KerasModel, check_chain};
use crate::{KerasError, assemble, config};

const WEIGHTS_GROUP: &str = "model_weights";

/// Whether `file` is laid out as legacy Keras.
pub(crate) fn is_legacy(file: &File) -> bool {
    file.group(WEIGHTS_GROUP).is_ok()
        || h5::attrs(&file.root()).is_ok_and(|attrs| attrs.contains_key("layer_names"))
}

pub(crate) fn read(file: &File) -> Result<KerasModel, KerasError> {
    let root = file.group(WEIGHTS_GROUP).unwrap_or_else(|_| file.root());
    let layer_names = h5::attrs(&root)?
        .get("layer_names")
        .and_then(h5::strings)
        .ok_or_else(|| KerasError::NotKerasWeights("no `layer_names` attribute".into()))?;
    let weights_of = |name: &str| -> Result<(Vec<String>, Vec<Tensor>), KerasError> {
        if !layer_names.iter().any(|n| n == name) {
            return Err(KerasError::weights(name, "has no weights in the file"));
        }
        let group: Group = root
            .group(name)
            .map_err(|e| KerasError::weights(name, format!("no weight group: {e}")))?;
        let names = h5::attrs(&group)?
            .get("weight_names")
            .and_then(h5::strings)
            .unwrap_or_default();
        let tensors = names
            .iter()
            .map(|path| h5::tensor(&group, path, name))
            .collect::<Result<_, _>>()?;
        Ok((names, tensors))
    };
    let model_config = h5::attrs(&file.root())?
        .get("model_config")
        .and_then(h5::string);
    if let Some(json) = model_config {
        let config = config::parse(&json)?;
        let layers = assemble::with_config(&config, |_, name| Ok(weights_of(name)?.1))?;
        return Ok(KerasModel {
            format: KerasFormat::Legacy,
            input_shape: config.input_shape,
            layers,
        });
    }
    let mut layers: Vec<Dense> = Vec::new();
    for name in &layer_names {
        let (names, tensors) = weights_of(name)?;
        if tensors.is_empty() {
            continue;
        }
        let kinds: Vec<&str> = names.iter().map(|n| short_name(n)).collect();
        if !matches!(kinds.as_slice(), ["kernel"] | ["kernel", "bias"]) {
            return Err(KerasError::Unsupported {
                layer: name.clone(),
                class: format!("a layer with weights {}", kinds.join(", ")),
            });
        }
        layers.push(assemble::dense(name, tensors, None)?);
    }
    check_chain(&layers)?;
    Ok(KerasModel {
        format: KerasFormat::Legacy,
        input_shape: None,
        layers,
    })
}

/// `sequential/dense/kernel:0` → `kernel`.
fn short_name(path: &str) -> &str {
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split(':').next().unwrap_or(last)
}
