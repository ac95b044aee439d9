//! A dataset held in memory as compact u8: 60 000 + 10 000 images of 784 pixels (≈55 MB).

use std::sync::Arc;

use thiserror::Error;

use crate::datasets::Dataset;
use crate::fetch::{FetchError, FetchOptions, FetchedFiles, fetch};
use crate::files::{IMAGE_PIXELS, MnistFile};
use crate::idx::{self, IdxError};

/// Images and labels of one part of a dataset (the train or the test file pair).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MnistImages {
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl MnistImages {
    /// Pairs images with labels; they must be equally many.
    pub fn new(pixels: Vec<u8>, labels: Vec<u8>) -> Result<Self, LoadError> {
        if pixels.len() != labels.len() * IMAGE_PIXELS {
            return Err(LoadError::CountMismatch {
                images: pixels.len() / IMAGE_PIXELS,
                labels: labels.len(),
            });
        }
        Ok(Self { pixels, labels })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The 784 pixels (row-major, 0 = background) of image `index`.
    pub fn image(&self, index: usize) -> &[u8] {
        &self.pixels[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS]
    }

    /// The class (for MNIST the digit) of image `index`.
    pub fn label(&self, index: usize) -> u8 {
        self.labels[index]
    }

    /// All labels, in order.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// How many images there are of each class 0..=9.
    pub fn label_histogram(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &label in &self.labels {
            counts[label as usize] += 1;
        }
        counts
    }
}

/// The whole of an MNIST-format dataset in memory (MNIST itself, or another of
/// [`Dataset::ALL`]).
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Which dataset this is.
    pub dataset: Dataset,
    /// The 60 000 training images (validation is carved out of these, never out of test).
    pub train: Arc<MnistImages>,
    /// The 10 000 test images, for the final evaluation only.
    pub test: Arc<MnistImages>,
}

/// Failure to load a dataset.
#[derive(Debug, Error)]
pub enum LoadError {
    /// No source yielded the files.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// A file did not parse (only possible for files that bypassed verification).
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// Image and label files disagree on the count.
    #[error("image/label count mismatch: {images} images but {labels} labels")]
    CountMismatch {
        /// Images found.
        images: usize,
        /// Labels found.
        labels: usize,
    },
}

impl Mnist {
    /// Obtains (see [`fetch`]) and parses the dataset of `options`.
    pub fn load(options: &FetchOptions) -> Result<Self, LoadError> {
        Self::from_files(fetch(options)?)
    }

    /// Parses four verified files.
    pub fn from_files(mut files: FetchedFiles) -> Result<Self, LoadError> {
        let mut part = |images: MnistFile, labels: MnistFile| -> Result<MnistImages, LoadError> {
            let parsed = idx::parse_images(images.file_name(), files.take(images))?;
            let labels = idx::parse_labels(labels.file_name(), files.take(labels))?;
            MnistImages::new(parsed.pixels, labels)
        };
        let train = part(MnistFile::TrainImages, MnistFile::TrainLabels)?;
        let test = part(MnistFile::TestImages, MnistFile::TestLabels)?;
        Ok(Self {
            dataset: files.dataset(),
            train: Arc::new(train),
            test: Arc::new(test),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_histogram() {
        let pixels: Vec<u8> = (0..3 * IMAGE_PIXELS)
            .map(|i| (i / IMAGE_PIXELS) as u8)
            .collect();
        let images = MnistImages::new(pixels, vec![7, 1, 7]).expect("consistent");
        assert_eq!(images.len(), 3);
        assert!(images.image(2).iter().all(|&p| p == 2));
        assert_eq!(images.label(0), 7);
        assert_eq!(images.label_histogram(), [0, 1, 0, 0, 0, 0, 0, 2, 0, 0]);
    }

    #[test]
    fn count_mismatch_is_an_error() {
        let err =
            MnistImages::new(vec![0; 2 * IMAGE_PIXELS], vec![1]).expect_err("2 images, 1 label");
        assert_eq!(
            err.to_string(),
            "image/label count mismatch: 2 images but 1 labels"
        );
    }
}
