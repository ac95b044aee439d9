//! The int8 model's file, `model-int8.safetensors`: a safetensors file whose metadata `format`
//! is `mnist-int8`'s, read, validated and written by that crate (which a board's firmware
//! shares), so a file the laptop reads is the file the board reads.

use std::path::Path;

use burn::prelude::*;

use super::types::not_written;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Weights, Writer};
use crate::error::{ModelFileError, corrupt, write_error};
use crate::layout::INT8_FILE;
use crate::provenance::named_dataset;

pub struct Int8Safetensors;

impl Format for Int8Safetensors {
    fn about(&self) -> &'static About {
        &About {
            name: "int8 safetensors",
            precision: Precision::Int8,
            writes: Some("safetensors"),
            run_file: Some(INT8_FILE),
            read_extensions: &[],
        }
    }

    /// Only by content (no extension names it): a damaged `.safetensors` whose metadata
    /// cannot be read is left to the f32 reader, whose message names the header's fault.
    fn recognises(&self, file: &ModelFile<'_>) -> bool {
        mnist_int8::is_int8_file(file.bytes)
    }

    fn read(&self, file: &ModelFile<'_>, _: &Device) -> Result<ReadModel, ModelFileError> {
        let model = mnist_int8::read_bytes(file.bytes)
            .map_err(|e| corrupt(file.name, format!("not a usable int8 model: {e}")))?;
        let dataset = named_dataset(file.name, model.dataset.clone())?;
        Ok(ReadModel {
            weights: Weights::Int8(model),
            dataset,
        })
    }
}

impl Writer for Int8Safetensors {
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::Int8(int8) = model else {
            return Err(not_written(self, model, path));
        };
        let bytes = mnist_int8::to_bytes(int8).map_err(|e| write_error(path, e))?;
        mnist_atomic::write(path, &bytes).map_err(|e| write_error(path, e.io))
    }
}
