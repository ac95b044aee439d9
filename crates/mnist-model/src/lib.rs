//! The MNIST models and everything both binaries need to agree on about them: the MLP built
//! from an [`MlpConfig`], the compute [`Backend`] choice, and the on-disk model format
//! ([`save_model`]/[`load_model`]), with open weights: PyTorch-convention safetensors and
//! Keras both ways, ONNX out; and the int8 copy of a model (quantized by `mnist-int8`,
//! [`quantize_for_dataset`]) with its ONNX export ([`export_int8_onnx`]).
//!
//! This crate knows nothing of data loading, training loops or image files.

pub mod backend;
pub mod error;
pub mod evaluate;
pub mod exchange;
pub mod from_bytes;
pub mod keras;
pub mod layout;
pub mod mlp;
pub mod onnx;
pub mod onnx_int8;
pub mod provenance;
pub mod quantized;
pub mod sniff;
pub mod weights;

pub use backend::{Backend, BackendError};
pub use error::ModelFileError;
pub use evaluate::{EVAL_BATCH, Evaluation, argmax};
pub use exchange::{ForeignFormat, export_safetensors, import_safetensors_bytes, import_weights};
pub use from_bytes::{BytesModel, load_model_bytes};
pub use keras::{export_keras, import_keras};
pub use layout::{
    ARCHITECTURE_FILE, INT8_FILE, INT8_ONNX_FILE, KERAS_FILE, MODEL_FILE, ONNX_FILE,
    SAFETENSORS_FILE,
};
pub use mlp::{CLASSES, INPUTS, Mlp, MlpConfig, MlpConfigError};
pub use mnist_dataset::Dataset;
pub use onnx::{ONNX_INPUT, ONNX_OUTPUT, export_onnx};
pub use onnx_int8::{export_int8_onnx, int8_onnx_bytes};
pub use provenance::model_dataset;
pub use quantized::{CALIBRATION_IMAGES, f32_layers, int8_accuracy, quantize_for_dataset};
pub use sniff::{ModelSource, sniff, sniff_head};
pub use weights::{
    FORMAT_VERSION, ModelDescription, load_model, load_model_as, load_weights, read_architecture,
    read_description, save_model, save_weights,
};
