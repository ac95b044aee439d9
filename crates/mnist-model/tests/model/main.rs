//! The model crate's integration tests: Keras files through `load_model`, and the exports
//! opened by the real Keras and onnxruntime.
//!
//! One test binary rather than one per file: each test binary compiles and links its own copy
//! of the Burn code it calls.

mod foreign_runtimes;
mod keras_files;
mod python_runtimes;
