//! Classifying real images of handwritten digits with a model trained by `train`: finding
//! the image files, reading each as one digit or a whole number (the pixels come from the
//! `mnist-vision` crate), batching the digits through the model, saving what the model saw,
//! and reporting.
//!
//! This crate loads models only through the model crate's on-disk format and shares the
//! pixel normalisation with training through the data crate; it knows nothing of training.

pub mod inputs;
pub mod model;
pub mod predict;
pub mod reading;
pub mod report;
pub mod view;

pub use inputs::{IMAGE_EXTENSIONS, Input, expand};
pub use mnist_vision::{Digit, Mode, PreprocessError, preprocess_bytes, preprocess_image};
pub use model::{LoadedModel, Model};
pub use predict::{Prediction, predict};
pub use reading::{Reading, prepare_file, read_all};
