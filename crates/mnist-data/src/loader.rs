//! The training data loader: shuffled, optionally augmented batches whose content depends only
//! on (seed, epoch), so a run resumed after a crash sees exactly the batches an uninterrupted
//! run would have seen.
//!
//! Burn's `DataLoaderBuilder::shuffle` advances one RNG across epochs, so a resumed run would
//! restart the shuffle sequence from epoch 1, and it copies every item through `Dataset::get`;
//! this loader seeds each epoch from its number and gathers pixels straight from the shared
//! buffer.
//!
//! Batches are made on the thread that trains, when they are asked for, not on a producer
//! thread ahead of it: gathering a batch of 128 images is a 100 KB copy (microseconds), while
//! handing it over a channel woke a sleeping thread on every step, which a VM charges for
//! (BENCHMARKS.md, "Per-step costs"). Augmentation, the one costly part, is split across the
//! images of a batch on rayon's pool, each image with its own seeded draws.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use burn::data::dataset::Dataset;
use burn::prelude::*;

use mnist_dataset::images_to_tensor;

use crate::augment::Augmentation;
use crate::batcher::MnistBatch;
use crate::dataset::MnistDataset;
use crate::files::IMAGE_PIXELS;

/// Shuffled, seeded, optionally augmented training batches.
#[derive(Clone)]
pub struct MnistLoader {
    dataset: MnistDataset,
    batch_size: usize,
    seed: u64,
    augmentation: Augmentation,
    device: Device,
}

impl MnistLoader {
    /// Batches of `batch_size` from `dataset`, reshuffled every epoch from `seed`.
    pub fn new(dataset: MnistDataset, batch_size: usize, seed: u64, device: Device) -> Self {
        Self {
            dataset,
            batch_size: batch_size.max(1),
            seed,
            augmentation: Augmentation::default(),
            device,
        }
    }

    /// Distorts every training image at random (fresh draws each epoch).
    pub fn with_augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    /// Images per epoch.
    pub fn len(&self) -> usize {
        self.dataset.len()
    }

    /// True when the dataset holds no image.
    pub fn is_empty(&self) -> bool {
        self.dataset.len() == 0
    }

    /// Batches per epoch (the last one may be smaller).
    pub fn batches_per_epoch(&self) -> usize {
        self.dataset.len().div_ceil(self.batch_size)
    }

    /// The batches of 1-based `epoch`, independent of any other epoch having run.
    pub fn epoch(&self, epoch: usize) -> EpochBatches<'_> {
        let stream = mix(self.seed, epoch as u64);
        let mut order: Vec<u32> = (0..self.dataset.len() as u32).collect();
        order.shuffle(&mut StdRng::seed_from_u64(stream));
        EpochBatches {
            loader: self,
            order,
            stream,
            next: 0,
            pixels: Vec::new(),
        }
    }

    /// Fills `pixels` with the images `indices` (batch `index` of the epoch `stream`).
    fn gather(&self, stream: u64, index: usize, indices: &[u32], pixels: &mut Vec<u8>) {
        pixels.resize(indices.len() * IMAGE_PIXELS, 0);
        if self.augmentation.is_active() {
            // One RNG per image, seeded from (seed, epoch, batch, position): reproducible,
            // resumable, and the same whichever thread draws it.
            let batch_stream = mix(stream, index as u64);
            let images = indices
                .par_iter()
                .zip(pixels.par_chunks_exact_mut(IMAGE_PIXELS));
            images.enumerate().for_each(|(position, (&i, out))| {
                let mut rng = StdRng::seed_from_u64(mix(batch_stream, position as u64));
                self.augmentation
                    .apply(self.dataset.image(i as usize), out, &mut rng);
            });
        } else {
            for (&i, out) in indices.iter().zip(pixels.chunks_exact_mut(IMAGE_PIXELS)) {
                out.copy_from_slice(self.dataset.image(i as usize));
            }
        }
    }
}

/// One epoch's batches, in shuffled order.
pub struct EpochBatches<'a> {
    loader: &'a MnistLoader,
    order: Vec<u32>,
    stream: u64,
    /// Index of the next batch.
    next: usize,
    /// The u8 pixels of the batch being made, reused from batch to batch.
    pixels: Vec<u8>,
}

impl Iterator for EpochBatches<'_> {
    type Item = MnistBatch;

    fn next(&mut self) -> Option<MnistBatch> {
        let size = self.loader.batch_size;
        let start = self.next * size;
        if start >= self.order.len() {
            return None;
        }
        let indices = &self.order[start..(start + size).min(self.order.len())];
        let loader = self.loader;
        loader.gather(self.stream, self.next, indices, &mut self.pixels);
        self.next += 1;
        let labels: Vec<i64> = indices
            .iter()
            .map(|&i| i64::from(loader.dataset.label(i as usize)))
            .collect();
        let count = labels.len();
        let device = &loader.device;
        let images = images_to_tensor(self.pixels.chunks_exact(IMAGE_PIXELS), device);
        let targets = Tensor::from_data(TensorData::new(labels, [count]), device);
        Some(MnistBatch { images, targets })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.loader.batches_per_epoch().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl ExactSizeIterator for EpochBatches<'_> {}

/// Combines two numbers into a well-spread seed (SplitMix64's finaliser), so that nearby
/// (seed, epoch) pairs give unrelated streams.
pub fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_add(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::mnist::MnistImages;

    /// `n` images whose every pixel holds the image's index, labelled `index % 10`.
    fn dataset(n: usize) -> MnistDataset {
        let pixels = (0..n * IMAGE_PIXELS)
            .map(|i| (i / IMAGE_PIXELS) as u8)
            .collect();
        let labels = (0..n).map(|i| (i % 10) as u8).collect();
        MnistDataset::new(Arc::new(
            MnistImages::new(pixels, labels).expect("consistent"),
        ))
    }

    /// Each batch's images, identified by their first pixel × 255 (pixel = index / 255).
    fn indices(loader: &MnistLoader, epoch: usize) -> Vec<Vec<usize>> {
        loader
            .epoch(epoch)
            .map(|batch| {
                let data = batch.images.into_data().convert::<f32>();
                let values = data.as_slice::<f32>().expect("f32 data");
                values
                    .chunks(IMAGE_PIXELS)
                    .map(|image| (image[0] * 255.0).round() as usize)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_image_appears_once_per_epoch_in_an_order_fixed_by_seed_and_epoch() {
        let loader = MnistLoader::new(dataset(100), 32, 7, Device::default());
        let epoch1 = indices(&loader, 1);
        assert_eq!(
            epoch1.iter().map(Vec::len).collect::<Vec<_>>(),
            [32, 32, 32, 4]
        );
        let mut seen: Vec<usize> = epoch1.concat();
        assert_ne!(seen, (0..100).collect::<Vec<_>>(), "not shuffled");
        seen.sort_unstable();
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert_eq!(indices(&loader, 1), epoch1, "same epoch, same order");
        assert_ne!(indices(&loader, 2), epoch1, "each epoch reshuffles");
        let other_seed = MnistLoader::new(dataset(100), 32, 8, Device::default());
        assert_ne!(indices(&other_seed, 1), epoch1);
    }

    #[test]
    fn an_epoch_does_not_depend_on_the_epochs_before_it() {
        let fresh = MnistLoader::new(dataset(50), 16, 3, Device::default());
        let resumed = fresh.clone();
        for epoch in 1..=2 {
            assert_eq!(fresh.epoch(epoch).count(), 4);
        }
        let labels = |loader: &MnistLoader| -> Vec<i64> {
            loader
                .epoch(3)
                .flat_map(|b| {
                    let targets = b.targets.into_data();
                    targets.convert::<i64>().try_to_vec::<i64>().expect("i64")
                })
                .collect()
        };
        assert_eq!(labels(&resumed), labels(&fresh));
        assert_eq!((fresh.len(), fresh.batches_per_epoch()), (50, 4));
        assert_eq!(fresh.epoch(1).len(), 4);
    }

    #[test]
    fn labels_travel_with_their_images_through_shuffling() {
        let data = dataset(40);
        let loader = MnistLoader::new(data.clone(), 8, 1, Device::default());
        for batch in loader.epoch(1) {
            let images = batch.images.into_data().convert::<f32>();
            let images = images.as_slice::<f32>().expect("f32");
            let labels = batch.targets.into_data().convert::<i64>();
            for (image, &label) in images
                .chunks(IMAGE_PIXELS)
                .zip(labels.as_slice::<i64>().expect("i64"))
            {
                let index = (image[0] * 255.0).round() as usize;
                assert_eq!(label as usize, index % 10);
                assert_eq!(i64::from(data.get(index).expect("item").label), label);
            }
        }
    }

    #[test]
    fn augmented_epochs_are_reproducible_and_differ_from_the_originals() {
        let augmentation = Augmentation {
            rotation_deg: 10.0,
            scale: 0.1,
            shift_px: 2.0,
            elastic_px: 0.0,
            flip_horizontal: false,
        };
        let mut pixels = vec![0u8; 20 * IMAGE_PIXELS];
        for (i, p) in pixels.iter_mut().enumerate() {
            let (x, y) = ((i % IMAGE_PIXELS) % 28, (i % IMAGE_PIXELS) / 28);
            *p = if (8..20).contains(&x) && (10..18).contains(&y) {
                200
            } else {
                0
            };
        }
        let data = MnistDataset::new(Arc::new(
            MnistImages::new(pixels, vec![1; 20]).expect("consistent"),
        ));
        let plain = MnistLoader::new(data.clone(), 5, 9, Device::default());
        let augmented = plain.clone().with_augmentation(augmentation);
        let all = |loader: &MnistLoader, epoch: usize| -> Vec<f32> {
            loader
                .epoch(epoch)
                .flat_map(|b| {
                    let images = b.images.into_data();
                    images.convert::<f32>().try_to_vec::<f32>().expect("f32")
                })
                .collect()
        };
        assert_eq!(all(&augmented, 1), all(&augmented, 1));
        assert_ne!(all(&augmented, 1), all(&plain, 1));
        assert_ne!(all(&augmented, 1), all(&augmented, 2));
    }

    #[test]
    fn mixing_separates_neighbouring_inputs() {
        assert_ne!(mix(1, 1), mix(1, 2));
        assert_ne!(mix(1, 2), mix(2, 1));
        assert_ne!(mix(0, 0), 0);
    }
}
