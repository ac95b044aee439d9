//! What every crate of the workspace agrees on about MNIST and its drop-in relatives: the
//! dataset table ([`Dataset`]: names, digests, class names, how an image is framed), the
//! geometry of the four IDX files, and the pixel normalisation training and inference share.
//!
//! It sits at the bottom so that crates which only need these facts (the image pipeline, the
//! model formats, the browser build) do not pull the data crate's downloading and archive
//! code with them.

pub mod datasets;
pub mod files;
pub mod pixels;

pub use datasets::{Dataset, DatasetSpec, Framing, Sources, SystemPackage, UnknownDataset};
pub use files::{IMAGE_PIXELS, IMAGE_SIDE, MnistFile, NUM_CLASSES, TEST_LEN, TRAIN_LEN};
#[cfg(feature = "burn")]
pub use pixels::images_to_tensor;
pub use pixels::{normalize_into, normalize_pixel};
