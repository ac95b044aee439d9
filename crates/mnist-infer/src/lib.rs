//! Classifying real images of handwritten digits with a model trained by `train`: finding
//! the image files, reading each as one digit or a whole number (the pixels come from the
//! `mnist-vision` crate), batching the digits through the model, saving what the model saw,
//! and reporting.
//!
//! The reading itself (loading a model, the mode, the forward pass, the JSON of an answer)
//! is `mnist-read`'s, the one path `serve` and the browser page call too; this crate adds
//! files and directories, the test set, views and the command line. It knows nothing of
//! training.

pub mod inputs;
pub mod quantize;
pub mod report;
pub mod view;

pub use inputs::{IMAGE_EXTENSIONS, Input, expand};
// The reading itself (models, predictions, modes) is `mnist-read`'s, shared with `serve` and
// the browser page.
pub use mnist_read::{
    LoadedModel, Mode, Model, Prediction, Reading, mode_for, model, predict, prepare_file,
    read_all, reading,
};
pub use mnist_vision::{Digit, PreprocessError, preprocess_bytes, preprocess_image};
