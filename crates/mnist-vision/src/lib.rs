//! Turning a photo, scan or drawing of handwritten digits into the 28×28 images an MNIST
//! model expects, the way MNIST itself was made (and a product photo into Fashion-MNIST's,
//! the way Zalando made those: [`product`]), and surviving what real photos bring:
//! camera orientation, sensor noise, uneven light and shadows, ruled or squared paper,
//! specks, coloured ink, and numbers of several digits.
//!
//! The stages, one file each: [`decode`] (bytes → upright image, with limits and clear
//! errors for formats we cannot read), [`ink`] (background removal, polarity, denoising,
//! paper lines → an ink map), [`marks`] (data-driven thresholds and connected components:
//! the strokes that are ink, without specks and lines), [`segment`] (strokes → digits, left
//! to right) and [`mnist_box`] (one digit → 28×28 by MNIST's recipe). [`pipeline`] runs
//! them for one digit or a whole number.
//!
//! This crate knows nothing of models or Burn: it only produces pixels, so the fuzz target
//! and any front end (the `infer` CLI, a web page) share it.

pub mod decode;
pub mod error;
pub mod ink;
pub mod marks;
pub mod mnist_box;
pub mod pipeline;
pub mod product;
pub mod segment;

pub use decode::{decode_bytes, decode_file};
pub use error::PreprocessError;
pub use mnist_box::Digit;
pub use pipeline::{Glyph, Mode, Prepared, Rect, prepare, preprocess_bytes, preprocess_image};
