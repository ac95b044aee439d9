//! Classifying real images of handwritten digits with a model trained by `train`: finding
//! the image files, preprocessing any photo, scan or drawing into an MNIST-like 28×28 digit,
//! batching them through the model, and reporting.
//!
//! This crate loads models only through the model crate's on-disk format and shares the
//! pixel normalisation with training through the data crate; it knows nothing of training.

pub mod inputs;
pub mod predict;
pub mod preprocess;
pub mod report;

pub use inputs::{IMAGE_EXTENSIONS, Input, expand};
pub use predict::{Prediction, predict};
pub use preprocess::{Digit, PreprocessError, preprocess_bytes, preprocess_file, preprocess_image};
