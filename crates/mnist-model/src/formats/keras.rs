//! Keras exchange: `.keras`, `.weights.h5` and legacy `.h5` files in (the architecture read
//! from the file), `model.keras` out. Keras's `Dense` kernel is `[inputs, units]`, as Burn's
//! `Linear` weight, so tensors move without transposition; the files themselves are read
//! and written by the `mnist-keras` crate, which knows nothing of Burn.

use std::path::Path;

use burn::module::Param;
use burn::prelude::*;
use mnist_keras::{Activation, Dense, KerasError};

use mnist_dataset::Dataset;

use super::types::not_written;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Writer};
use crate::error::{ModelFileError, write_error};
use crate::layout::KERAS_FILE;
use crate::mlp::{CLASSES, INPUTS, Mlp, MlpConfig};
use crate::provenance::{CLASS_NAMES_KEY, DATASET_KEY, class_names_json};
use crate::provenance::{keras_dataset, named_dataset};

/// The input shape `model.keras` declares: 28×28 images, flattened by its first layer, as
/// in the reference Keras program, so `model.predict(x_test / 255)` works as it does there.
const IMAGE_SHAPE: [usize; 2] = [28, 28];

pub struct Keras;

impl Format for Keras {
    fn about(&self) -> &'static About {
        &About {
            name: "Keras",
            precision: Precision::F32,
            writes: Some("keras"),
            run_file: Some(KERAS_FILE),
            read_extensions: &["keras", "h5"],
        }
    }

    /// An HDF5 file (`.weights.h5`, legacy `.h5`, even behind a user block) or a zip archive
    /// holding a Keras model.
    fn recognises(&self, file: &ModelFile<'_>) -> bool {
        matches!(
            mnist_keras::Container::sniff(file.bytes),
            Some(mnist_keras::Container::Hdf5)
        ) || file.is_keras_zip()
    }

    fn read(&self, file: &ModelFile<'_>, device: &Device) -> Result<ReadModel, ModelFileError> {
        let (mlp, config) = import_keras(file.name, file.bytes, device)?;
        Ok(ReadModel::f32(
            mlp,
            config,
            named_dataset(file.name, keras_dataset(file.name, file.bytes)?)?,
        ))
    }
}

impl Writer for Keras {
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::F32 { mlp, dataset, .. } = model else {
            return Err(not_written(self, model, path));
        };
        export_keras(mlp, dataset, path)
    }
}

/// Loads a Keras model from `bytes` (the file at `path`): the architecture from the file,
/// the final softmax (if any) left off so that the model gives logits.
fn import_keras(
    path: &Path,
    bytes: &[u8],
    device: &Device,
) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let model = mnist_keras::read(bytes).map_err(|e| match e {
        KerasError::Unsupported { .. } | KerasError::Weights { .. } => unsupported(path, e),
        other => ModelFileError::Corrupt {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })?;
    let flat: Option<usize> = model.input_shape.as_ref().map(|s| s.iter().product());
    if flat.is_some_and(|n| n != INPUTS) {
        return Err(unsupported(
            path,
            format!(
                "the model takes inputs of shape {:?}; expected 28×28 = {INPUTS} pixels",
                model.input_shape.unwrap_or_default()
            ),
        ));
    }
    let config = architecture(&model.layers).map_err(|reason| unsupported(path, reason))?;
    let mut mlp = config.init(device);
    for (linear, dense) in mlp.layers_mut().zip(&model.layers) {
        let weight = TensorData::new(dense.kernel.clone(), [dense.inputs, dense.units]);
        linear.weight = Param::from_tensor(Tensor::from_data(weight, device));
        let bias = TensorData::new(dense.bias.clone(), [dense.units]);
        linear.bias = Some(Param::from_tensor(Tensor::from_data(bias, device)));
    }
    Ok((mlp, config))
}

/// The MLP these dense layers make, or why they make none of ours: 784 inputs, ReLU hidden
/// layers, 10 outputs whose activation (softmax or none) is dropped.
fn architecture(layers: &[Dense]) -> Result<MlpConfig, String> {
    let (last, hidden) = layers.split_last().ok_or("the file has no Dense layer")?;
    let first = layers.first().unwrap_or(last);
    if first.inputs != INPUTS {
        return Err(format!(
            "layer `{}` takes {} inputs; expected 28×28 = {INPUTS} pixels",
            first.name, first.inputs
        ));
    }
    if last.units != CLASSES {
        return Err(format!(
            "the last layer `{}` has {} units; expected {CLASSES}, one per digit",
            last.name, last.units
        ));
    }
    if hidden.is_empty() {
        return Err(format!(
            "`{}` is the only Dense layer; the MLPs here have at least one hidden layer",
            last.name
        ));
    }
    for layer in hidden {
        if let Some(activation) = layer
            .activation
            .as_ref()
            .filter(|a| **a != Activation::Relu)
        {
            return Err(format!(
                "hidden layer `{}` uses {}; the MLPs here use ReLU between layers",
                layer.name,
                activation.name()
            ));
        }
    }
    match &last.activation {
        None | Some(Activation::Linear | Activation::Softmax) => {}
        Some(other) => {
            return Err(format!(
                "the last layer `{}` uses {}; expected softmax or no activation (logits)",
                last.name,
                other.name()
            ));
        }
    }
    Ok(MlpConfig {
        hidden: hidden.iter().map(|l| l.units).collect(),
        dropout: 0.0,
    })
}

fn unsupported(path: &Path, reason: impl ToString) -> ModelFileError {
    ModelFileError::Unsupported {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Writes `model` to `path` as a `.keras` archive, atomically: a Sequential model of
/// `Input((28, 28))`, `Flatten`, `Dense(…, relu)` per hidden layer and `Dense(10, softmax)`,
/// which `keras.saving.load_model` opens as is; `metadata.json` records `dataset`. The same
/// weights give the same bytes.
fn export_keras(model: &Mlp, dataset: Dataset, path: &Path) -> Result<(), ModelFileError> {
    let write_err = |reason: String| write_error(path, reason);
    let count = model.layers().count();
    let layers: Vec<Dense> = model
        .layers()
        .enumerate()
        .map(|(index, linear)| {
            let [inputs, units] = linear.weight.dims();
            let values = |data: TensorData| data.convert::<f32>().try_to_vec::<f32>();
            Ok(Dense {
                name: String::new(),
                inputs,
                units,
                kernel: values(linear.weight.val().into_data()).map_err(|e| format!("{e:?}"))?,
                bias: match &linear.bias {
                    Some(bias) => values(bias.val().into_data()).map_err(|e| format!("{e:?}"))?,
                    None => vec![0.0; units],
                },
                activation: Some(if index + 1 == count {
                    Activation::Softmax
                } else {
                    Activation::Relu
                }),
            })
        })
        .collect::<Result<_, String>>()
        .map_err(write_err)?;
    let writer = concat!("mnist-burn ", env!("CARGO_PKG_VERSION"));
    let classes = class_names_json(dataset);
    let provenance = [
        ("writer", writer),
        (DATASET_KEY, dataset.name),
        (CLASS_NAMES_KEY, classes.as_str()),
    ];
    let bytes = mnist_keras::write_archive(&layers, &IMAGE_SHAPE, &provenance)
        .map_err(|e| write_err(e.to_string()))?;
    mnist_atomic::write(path, &bytes).map_err(|e| write_error(path, e.io))
}
