//! Burn [`Dataset`]s over MNIST: train, validation (the last N training images) and test.

use std::ops::Range;
use std::sync::Arc;

use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;
use thiserror::Error;

use mnist_dataset::images_to_tensor;

use crate::files::IMAGE_PIXELS;
use crate::mnist::{Mnist, MnistImages};

/// One image with its label; pixels stay u8 until batching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistItem {
    /// 28×28 pixels, row-major, 0 = background, 255 = ink.
    pub image: [u8; IMAGE_PIXELS],
    /// The digit 0..=9.
    pub label: u8,
}

/// A contiguous range of one MNIST part, sharing the in-memory images (no copy).
#[derive(Debug, Clone)]
pub struct MnistDataset {
    images: Arc<MnistImages>,
    range: Range<usize>,
}

impl MnistDataset {
    /// All of `images`.
    pub fn new(images: Arc<MnistImages>) -> Self {
        let range = 0..images.len();
        Self { images, range }
    }

    /// Images `range` of `images`.
    pub fn slice(images: Arc<MnistImages>, range: Range<usize>) -> Self {
        assert!(
            range.end <= images.len(),
            "slice {range:?} outside 0..{}",
            images.len()
        );
        Self { images, range }
    }

    /// The first `n` items (all of them when there are fewer).
    pub fn head(&self, n: usize) -> Self {
        let end = self.range.start + n.min(self.range.len());
        Self {
            images: self.images.clone(),
            range: self.range.start..end,
        }
    }

    /// Items `range` of this dataset (indices relative to it).
    pub fn range(&self, range: Range<usize>) -> Self {
        let end = range.end.min(self.range.len());
        let start = range.start.min(end);
        Self {
            images: self.images.clone(),
            range: self.range.start + start..self.range.start + end,
        }
    }

    /// The 784 pixels of item `index` without copying them.
    pub fn image(&self, index: usize) -> &[u8] {
        self.images.image(self.range.start + index)
    }

    /// The label of item `index`.
    pub fn label(&self, index: usize) -> u8 {
        self.images.label(self.range.start + index)
    }

    /// All items in order as `(images [B, 784], labels)` batches of at most `batch_size`
    /// (evaluation: no shuffling, and no per-item copies as through [`Dataset::get`]).
    pub fn tensor_batches<'a>(
        &'a self,
        batch_size: usize,
        device: &'a Device,
    ) -> impl Iterator<Item = (Tensor<2>, Vec<u8>)> + 'a {
        let len = self.range.len();
        (0..len).step_by(batch_size.max(1)).map(move |start| {
            let end = (start + batch_size.max(1)).min(len);
            let images = images_to_tensor((start..end).map(|i| self.image(i)), device);
            (images, (start..end).map(|i| self.label(i)).collect())
        })
    }
}

impl Dataset<MnistItem> for MnistDataset {
    fn get(&self, index: usize) -> Result<MnistItem, DatasetError> {
        assert!(
            index < self.range.len(),
            "index {index} out of bounds for {} items",
            self.range.len()
        );
        let mut image = [0u8; IMAGE_PIXELS];
        image.copy_from_slice(self.image(index));
        Ok(MnistItem {
            image,
            label: self.label(index),
        })
    }

    fn len(&self) -> usize {
        self.range.len()
    }
}

/// The three splits used for training: model selection only ever sees `valid`.
#[derive(Debug, Clone)]
pub struct MnistSplits {
    /// The first `60 000 - validation` training images.
    pub train: MnistDataset,
    /// The last `validation` training images.
    pub valid: MnistDataset,
    /// The 10 000 test images.
    pub test: MnistDataset,
}

/// A validation size that leaves nothing (or less than nothing) to train on.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("validation size {validation} must be smaller than the {train} training images")]
pub struct SplitError {
    /// Requested validation size.
    pub validation: usize,
    /// Training images available.
    pub train: usize,
}

impl MnistSplits {
    /// Holds out the last `validation` training images for validation.
    pub fn new(mnist: &Mnist, validation: usize) -> Result<Self, SplitError> {
        let total = mnist.train.len();
        if validation >= total {
            return Err(SplitError {
                validation,
                train: total,
            });
        }
        let cut = total - validation;
        Ok(Self {
            train: MnistDataset::slice(mnist.train.clone(), 0..cut),
            valid: MnistDataset::slice(mnist.train.clone(), cut..total),
            test: MnistDataset::new(mnist.test.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mnist(train: usize, test: usize) -> Mnist {
        let part = |n: usize| {
            let pixels = (0..n * IMAGE_PIXELS)
                .map(|i| (i / IMAGE_PIXELS) as u8)
                .collect();
            let labels = (0..n).map(|i| (i % 10) as u8).collect();
            Arc::new(MnistImages::new(pixels, labels).expect("consistent"))
        };
        Mnist {
            dataset: crate::Dataset::MNIST,
            train: part(train),
            test: part(test),
        }
    }

    #[test]
    fn validation_is_the_tail_of_train() {
        let splits = MnistSplits::new(&mnist(10, 4), 3).expect("valid split");
        assert_eq!(
            (splits.train.len(), splits.valid.len(), splits.test.len()),
            (7, 3, 4)
        );
        let first_valid = splits.valid.get(0).expect("item");
        assert_eq!(first_valid.label, 7);
        assert!(first_valid.image.iter().all(|&p| p == 7));
        assert_eq!(splits.train.get(6).expect("item").label, 6);
        assert_eq!(splits.valid.head(2).len(), 2);
        assert_eq!(splits.valid.head(99).len(), 3);
        assert_eq!(splits.valid.head(2).label(1), 8);
    }

    #[test]
    fn validation_must_leave_training_data() {
        assert_eq!(
            MnistSplits::new(&mnist(5, 1), 5).expect_err("too big"),
            SplitError {
                validation: 5,
                train: 5
            }
        );
        assert_eq!(
            MnistSplits::new(&mnist(5, 1), 0)
                .expect("no validation")
                .valid
                .len(),
            0
        );
    }

    #[test]
    #[should_panic(expected = "out of bounds")]
    fn get_past_the_end_panics_like_a_slice() {
        let _ = MnistSplits::new(&mnist(5, 1), 2)
            .expect("split")
            .valid
            .get(2);
    }
}
