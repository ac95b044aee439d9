//! The models `infer` reads, as the model crate reads them: the f32 MLP (a run directory,
//! `.bpk`, PyTorch or Keras weights) on a Burn backend, or an int8 file
//! (`model-int8.safetensors`) run by `mnist-int8`, whose integer forward pass is the one a
//! board runs, so the laptop's answer for an image is the board's, bit for bit.

use std::path::Path;

use burn::prelude::*;
use mnist_dataset::images_to_tensor;
use mnist_int8::QuantizedMlp;
use mnist_model::{CLASSES, Dataset, Mlp, ReadModel, Weights};
use mnist_vision::Digit;

/// What turns preprocessed digits into logits.
pub trait Model: Sync {
    /// `[digits.len(), 10]` logits (the int8 model's dequantized).
    fn logits(&self, digits: &[Digit], device: &Device) -> Tensor<2>;
}

impl Model for Mlp {
    fn logits(&self, digits: &[Digit], device: &Device) -> Tensor<2> {
        self.forward(images_to_tensor(
            digits.iter().map(|d| d.as_slice()),
            device,
        ))
    }
}

impl Model for QuantizedMlp {
    fn logits(&self, digits: &[Digit], device: &Device) -> Tensor<2> {
        let mut values = Vec::with_capacity(digits.len() * CLASSES);
        // A model read from a file passed validation, so the view exists; NaN logits would
        // show up as a wrong class rather than a panic should it not.
        match self.view() {
            Ok(view) => {
                for digit in digits {
                    let reading = view.classify_pixels(digit);
                    values.extend(view.dequantize_logits(&reading.logits));
                }
            }
            Err(_) => values.resize(digits.len() * CLASSES, f32::NAN),
        }
        Tensor::from_data(TensorData::new(values, [digits.len(), CLASSES]), device)
    }
}

/// A model file or run directory, loaded by the model crate ([`mnist_model::read_model`]),
/// which decides its format: f32 weights of `train` or another framework, or an int8 file.
#[derive(Debug)]
pub struct LoadedModel {
    /// The model.
    pub weights: Weights,
    /// The dataset its files record, if they do.
    pub dataset: Option<Dataset>,
}

impl From<ReadModel> for LoadedModel {
    fn from(read: ReadModel) -> Self {
        Self {
            weights: read.weights,
            dataset: read.dataset,
        }
    }
}

impl LoadedModel {
    /// Loads `path`, a run directory or a model file in any format the model crate reads.
    pub fn load(path: &Path, device: &Device) -> anyhow::Result<Self> {
        Ok(mnist_model::read_model(path, device)?.into())
    }

    /// Loads a model file given as bytes, with no directory around it (a file dropped on
    /// the browser page); `name` names it in errors.
    pub fn from_bytes(name: &Path, bytes: &[u8], device: &Device) -> anyhow::Result<Self> {
        Ok(mnist_model::read_model_bytes(name, bytes, device)?.into())
    }

    /// The architecture, e.g. `784-256-128-10`.
    pub fn architecture(&self) -> String {
        self.weights.architecture()
    }

    /// The model to classify with; `input_scale` rescales an f32 model's inputs (see
    /// `--input-scale`), which an int8 model's fixed input quantization cannot.
    pub fn into_model(self, input_scale: f32) -> anyhow::Result<Box<dyn Model>> {
        match self.weights {
            Weights::F32 { mlp, .. } => Ok(Box::new(mlp.scale_inputs(input_scale))),
            Weights::Int8(model) if input_scale == 1.0 => Ok(Box::new(model)),
            Weights::Int8(_) => anyhow::bail!(
                "--input-scale does not apply to an int8 model (its input quantization is fixed at pixel / 255)"
            ),
        }
    }
}
