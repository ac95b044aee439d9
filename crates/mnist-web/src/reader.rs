//! What the page holds: one model, and the readings it gives.

use std::path::Path;

use burn::prelude::*;
use mnist_dataset::Dataset;
use mnist_read::{LoadedModel, Model, mode_for, read_image};
use serde_json::{Value, json};

/// A model loaded on the page.
pub struct PageReader {
    model: Box<dyn Model>,
    architecture: String,
    dataset: Dataset,
    name: String,
    device: Device,
}

impl PageReader {
    /// Reads the model file `bytes` named `name` (this project's `model.safetensors` or
    /// `model-int8.safetensors`, PyTorch safetensors, a Keras file), told apart by content as
    /// `infer` tells files apart. Weights that record no dataset are taken for MNIST, as
    /// `infer` takes them without `--dataset`.
    pub fn load(name: &str, bytes: &[u8]) -> anyhow::Result<Self> {
        let device = Device::default();
        let loaded = LoadedModel::from_bytes(Path::new(name), bytes, &device)?;
        let architecture = loaded.architecture();
        let dataset = loaded.dataset.unwrap_or(Dataset::MNIST);
        Ok(Self {
            model: loaded.into_model(1.0)?,
            architecture,
            dataset,
            name: name.to_string(),
            device,
        })
    }

    /// The model: file name, architecture, dataset and class names.
    pub fn describe(&self) -> Value {
        json!({
            "model": self.name,
            "architecture": self.architecture,
            "dataset": self.dataset,
            "title": self.dataset.title,
            "classes": self.dataset.class_names,
            "numbers": mode_for(self.dataset, true).is_ok(),
        })
    }

    /// Reads the encoded image `bytes` (a drawing, a photo, a scan) as its one digit or
    /// product, or with `number` as a number's digits: the answer of `POST /api/predict`,
    /// with the model's description.
    pub fn read(&self, bytes: &[u8], number: bool) -> anyhow::Result<Value> {
        let mode = mode_for(self.dataset, number)?;
        let reading = read_image(self.model.as_ref(), bytes, mode, &self.device)?;
        let mut answer = reading.answer(self.dataset);
        if let (Value::Object(answer), Value::Object(model)) = (&mut answer, self.describe()) {
            answer.extend(model);
        }
        Ok(answer)
    }
}
