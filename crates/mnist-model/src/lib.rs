//! The MNIST models and everything both binaries need to agree on about them: the MLP built
//! from an [`MlpConfig`], the compute [`Backend`] choice, and the model files: every format
//! one module under [`formats`] behind one interface ([`Format`]: detect, read, write), read
//! and written through [`model_files`] ([`read_model`], [`write_run`], [`write_model`]).
//! The formats are this project's run directory (`.bpk` + `model.json`), open weights
//! (PyTorch-convention safetensors and `torch.save` files in, Keras both ways, ONNX out), and
//! the int8 copy of a model (quantized by `mnist-int8`, [`quantize_for_dataset`]) with its
//! ONNX export.
//!
//! This crate knows nothing of data loading, training loops or image files.

pub mod backend;
pub mod error;
pub mod evaluate;
pub mod formats;
pub mod layout;
pub mod mlp;
pub mod model_files;
pub mod provenance;
pub mod quantized;

pub use backend::{Backend, BackendError};
pub use error::ModelFileError;
pub use evaluate::{EVAL_BATCH, Evaluation, argmax};
pub use formats::{
    FORMAT_VERSION, Format, ModelDescription, Precision, ReadModel, ToWrite, Weights,
    read_description,
};
pub use layout::{
    ARCHITECTURE_FILE, INT8_FILE, INT8_ONNX_FILE, KERAS_FILE, MODEL_FILE, ONNX_FILE,
    SAFETENSORS_FILE,
};
pub use mlp::{CLASSES, INPUTS, Mlp, MlpConfig, MlpConfigError};
pub use mnist_dataset::Dataset;
pub use model_files::{
    load_model, load_model_as, model_dataset, read_model, read_model_bytes, save_model,
    write_model, write_run,
};
pub use quantized::{CALIBRATION_IMAGES, f32_layers, int8_accuracy, quantize_for_dataset};
