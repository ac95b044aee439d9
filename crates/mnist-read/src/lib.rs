//! The one reading path shared by `infer`, `serve` and the browser page: image bytes (or a
//! file, or 784 pixels) and a [`Mode`] in, the model's [`Reading`] out, and the JSON answer
//! the studio and the page display.
//!
//! What an image is read as (one digit, one product, a number's digits) is decided once, by
//! [`mode_for`], from the model's dataset and whether a number was asked for.

pub mod json;
pub mod mode;
pub mod model;
pub mod predict;
pub mod reading;

pub use json::{JsonDigit, JsonResult};
pub use mnist_vision::{Digit, Mode, Prepared, PreprocessError};
pub use mode::{NumberNeedsDigits, mode_for};
pub use model::{LoadedModel, Model};
pub use predict::{BATCH, Prediction, predict};
pub use reading::{
    ImageReading, ReadError, Reading, prepare_file, read_all, read_image, read_pixels,
};
