//! The int8 model's ONNX file, `model-int8.onnx`: written for other runtimes (the graph is
//! built in `onnx_int8_graph.rs`), never read back.

use std::path::Path;

use burn::prelude::Device;

use super::onnx::NOT_READ;
use super::onnx_int8_graph::int8_onnx_bytes;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Writer};
use super::types::{not_read, not_written};
use crate::error::{ModelFileError, write_error};
use crate::layout::INT8_ONNX_FILE;

/// The int8 model as ONNX (opset 13, integer ops), for other runtimes; not read back (an
/// `.onnx` file is refused by [`super::onnx::Onnx`]'s reader).
pub struct OnnxInt8;

impl Format for OnnxInt8 {
    fn about(&self) -> &'static About {
        &About {
            name: "int8 ONNX",
            precision: Precision::Int8,
            writes: Some("onnx"),
            run_file: Some(INT8_ONNX_FILE),
            read_extensions: &[],
        }
    }

    /// Never: an `.onnx` file is refused by the f32 ONNX format's reader.
    fn recognises(&self, _: &ModelFile<'_>) -> bool {
        false
    }

    fn read(&self, file: &ModelFile<'_>, _: &Device) -> Result<ReadModel, ModelFileError> {
        Err(not_read(file, NOT_READ))
    }
}

impl Writer for OnnxInt8 {
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::Int8(int8) = model else {
            return Err(not_written(self, model, path));
        };
        let bytes = int8_onnx_bytes(int8)
            .map_err(|e| write_error(path, format!("int8 ONNX export: {e}")))?;
        mnist_atomic::write(path, &bytes).map_err(|e| write_error(path, e.io))
    }
}
