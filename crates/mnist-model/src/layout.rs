//! The file names of a saved model, as `train` leaves them in a run directory and `infer`
//! looks for them.

/// File name of the final weights inside a run directory.
pub const MODEL_FILE: &str = "model.bpk";
/// File name of the architecture description inside a run directory.
pub const ARCHITECTURE_FILE: &str = "model.json";
/// File name of the exported weights inside a run directory.
pub const SAFETENSORS_FILE: &str = "model.safetensors";
/// File name of the Keras export inside a run directory.
pub const KERAS_FILE: &str = "model.keras";
/// File name of the ONNX export inside a run directory.
pub const ONNX_FILE: &str = "model.onnx";
/// File name of the int8 copy of the model inside a run directory (`mnist-int8`'s format).
pub const INT8_FILE: &str = "model-int8.safetensors";
/// File name of the int8 model's ONNX export inside a run directory (integer ops; see
/// `onnx_int8`).
pub const INT8_ONNX_FILE: &str = "model-int8.onnx";
