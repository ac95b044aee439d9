//! ONNX out: `model.onnx` for every other runtime (onnxruntime, TensorRT, OpenVINO, the
//! browser); the graph is built in `onnx_graph.rs`.
//!
//! The graph's input `pixels` is `[batch, 784]` float pixels / 255 (the batch axis dynamic),
//! its output `logits` is `[batch, 10]` (opset 18: MatMul, Add, Relu).

use std::path::Path;

use burn::prelude::Device;

use super::onnx_graph::f32_onnx_bytes;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Writer};
use super::types::{not_read, not_written};
use crate::error::{ModelFileError, write_error};
use crate::layout::ONNX_FILE;

/// The graph input's name.
pub const ONNX_INPUT: &str = "pixels";
/// The graph output's name.
pub const ONNX_OUTPUT: &str = "logits";

/// ONNX out (opset 18), for other runtimes; not read back.
pub struct Onnx;

/// Why an ONNX file given to `infer` (or the browser page) is not read.
pub const NOT_READ: &str = "ONNX graphs are written for other runtimes and not read back; load \
                            the run directory, or its model.safetensors or model.keras";

impl Format for Onnx {
    fn about(&self) -> &'static About {
        &About {
            name: "ONNX",
            precision: Precision::F32,
            writes: Some("onnx"),
            run_file: Some(ONNX_FILE),
            read_extensions: &["onnx"],
        }
    }

    /// By extension only: an ONNX protobuf has no magic number.
    fn recognises(&self, _: &ModelFile<'_>) -> bool {
        false
    }

    fn read(&self, file: &ModelFile<'_>, _: &Device) -> Result<ReadModel, ModelFileError> {
        Err(not_read(file, NOT_READ))
    }
}

impl Writer for Onnx {
    /// The model's metadata records the dataset and its class names (onnxruntime:
    /// `session.get_modelmeta().custom_metadata_map`).
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::F32 { mlp, dataset, .. } = model else {
            return Err(not_written(self, model, path));
        };
        let bytes = f32_onnx_bytes(mlp, dataset).map_err(|e| write_error(path, e))?;
        mnist_atomic::write(path, &bytes).map_err(|e| write_error(path, e.io))
    }
}
