//! The model crate's integration tests: Keras files through `load_model`, and the exports
//! opened by the real Keras and onnxruntime.
//!
//! One test binary rather than one per file: each binary links all of Burn.

mod foreign_runtimes;
mod keras_files;
