//! The models `infer` reads: the f32 MLP (a run directory, `.bpk`, PyTorch or Keras weights,
//! through the model crate) on a Burn backend, or an int8 file (`model-int8.safetensors`)
//! read and run by `mnist-int8`, whose integer forward pass is the one a board runs, so the
//! laptop's answer for an image is the board's, bit for bit.

use std::path::Path;

use anyhow::Context;
use burn::prelude::*;
use mnist_dataset::images_to_tensor;
use mnist_int8::QuantizedMlp;
use mnist_model::{CLASSES, Dataset, Mlp, MlpConfig};
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

/// A model file or run directory, loaded.
pub enum LoadedModel {
    /// Weights of `train` or another framework, as f32.
    F32 {
        /// The network (boxed: the int8 variant is a few pointers).
        mlp: Box<Mlp>,
        /// Its architecture.
        config: MlpConfig,
    },
    /// An int8 file.
    Int8(QuantizedMlp),
}

impl LoadedModel {
    /// Loads `path`: an int8 file by its content, anything else through the model crate.
    pub fn load(path: &Path, device: &Device) -> anyhow::Result<Self> {
        if path.is_file() {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            if mnist_int8::is_int8_file(&bytes) {
                let model = mnist_int8::read_bytes(&bytes)
                    .with_context(|| format!("{}: not a usable int8 model", path.display()))?;
                return Ok(Self::Int8(model));
            }
        }
        let (mlp, config) = mnist_model::load_model(path, device)?;
        Ok(Self::F32 {
            mlp: Box::new(mlp),
            config,
        })
    }

    /// Loads a model file given as bytes, with no directory around it (a file dropped on
    /// the browser page): an int8 file by its content, anything else through the model
    /// crate's [`mnist_model::load_model_bytes`]; `name` names it in errors. The dataset its
    /// file records comes with it.
    pub fn from_bytes(
        name: &Path,
        bytes: &[u8],
        device: &Device,
    ) -> anyhow::Result<(Self, Option<Dataset>)> {
        if mnist_int8::is_int8_file(bytes) {
            let model = mnist_int8::read_bytes(bytes)
                .with_context(|| format!("{}: not a usable int8 model", name.display()))?;
            let loaded = Self::Int8(model);
            let dataset = loaded.recorded_dataset(name)?;
            return Ok((loaded, dataset));
        }
        let read = mnist_model::load_model_bytes(name, bytes, device)?;
        let loaded = Self::F32 {
            mlp: Box::new(read.mlp),
            config: read.config,
        };
        Ok((loaded, read.dataset))
    }

    /// The architecture, e.g. `784-256-128-10`.
    pub fn architecture(&self) -> String {
        match self {
            Self::F32 { config, .. } => config.name(),
            Self::Int8(model) => model
                .architecture()
                .map_or_else(|| "int8".into(), |a| a.to_string()),
        }
    }

    /// The dataset the model's files record, if they do.
    pub fn recorded_dataset(&self, path: &Path) -> anyhow::Result<Option<Dataset>> {
        match self {
            Self::F32 { .. } => Ok(mnist_model::model_dataset(path)?),
            Self::Int8(model) => match &model.dataset {
                Some(name) => {
                    Ok(Some(Dataset::by_name(name).with_context(|| {
                        format!("{}: metadata `dataset`", path.display())
                    })?))
                }
                None => Ok(None),
            },
        }
    }

    /// The model to classify with; `input_scale` rescales an f32 model's inputs (see
    /// `--input-scale`), which an int8 model's fixed input quantization cannot.
    pub fn into_model(self, input_scale: f32) -> anyhow::Result<Box<dyn Model>> {
        match self {
            Self::F32 { mlp, .. } => Ok(Box::new(mlp.scale_inputs(input_scale))),
            Self::Int8(model) if input_scale == 1.0 => Ok(Box::new(model)),
            Self::Int8(_) => anyhow::bail!(
                "--input-scale does not apply to an int8 model (its input quantization is fixed at pixel / 255)"
            ),
        }
    }
}
