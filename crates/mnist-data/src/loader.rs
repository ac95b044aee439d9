//! The training data loader: shuffled, optionally augmented batches whose content depends only
//! on (seed, epoch), so a run resumed after a crash sees exactly the batches an uninterrupted
//! run would have seen.
//!
//! Burn's `DataLoaderBuilder::shuffle` advances one RNG across epochs, so a resumed run would
//! restart the shuffle sequence from epoch 1, and it copies every item through `Dataset::get`;
//! this loader seeds each epoch from its number and gathers pixels straight from the shared
//! buffer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;

use burn::data::dataloader::{DataLoader, DataLoaderIterator, Progress};
use burn::data::dataset::{Dataset, DatasetError};
use burn::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::augment::Augmentation;
use crate::batcher::{MnistBatch, images_to_tensor};
use crate::dataset::MnistDataset;
use crate::files::IMAGE_PIXELS;

/// Called with the 1-based epoch number before the epoch's first batch.
pub type EpochHook = Arc<dyn Fn(usize) + Send + Sync>;

/// Shuffled, seeded, optionally augmented training batches for Burn's learner.
#[derive(Clone)]
pub struct MnistLoader {
    dataset: MnistDataset,
    batch_size: usize,
    seed: u64,
    augmentation: Augmentation,
    device: Device,
    /// Epochs started so far, shared by the copies `to_device`/`slice` hand out.
    epochs_started: Arc<AtomicUsize>,
    on_epoch: Option<EpochHook>,
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
            epochs_started: Arc::new(AtomicUsize::new(0)),
            on_epoch: None,
        }
    }

    /// Distorts every training image at random (fresh draws each epoch).
    pub fn with_augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    /// Starts counting after `epochs_done` epochs (a resumed run).
    pub fn starting_after(self, epochs_done: usize) -> Self {
        self.epochs_started.store(epochs_done, Ordering::SeqCst);
        self
    }

    /// Runs `hook` with the epoch number before each epoch (e.g. to reseed dropout).
    pub fn on_epoch(mut self, hook: EpochHook) -> Self {
        self.on_epoch = Some(hook);
        self
    }

    /// The batches of 1-based `epoch`, independent of any other epoch having run.
    ///
    /// A producer thread gathers (and augments) the u8 pixels of the next batches while the
    /// caller trains on the current one; each batch's draws come from its own seed, so the
    /// thread changes nothing but the timing.
    pub fn epoch(&self, epoch: usize) -> EpochBatches<'_> {
        let len = self.dataset.len();
        let mut order: Vec<u32> = (0..len as u32).collect();
        order.shuffle(&mut StdRng::seed_from_u64(mix(self.seed, epoch as u64)));
        let producer = Producer {
            dataset: self.dataset.clone(),
            batch_size: self.batch_size,
            augmentation: self.augmentation,
            stream: mix(self.seed, epoch as u64),
        };
        let batches = Prefetch::spawn(move |send| {
            for (index, indices) in order.chunks(producer.batch_size).enumerate() {
                if !send(producer.batch(index, indices)) {
                    break;
                }
            }
        });
        EpochBatches {
            loader: self,
            batches,
            done: 0,
            total: len,
        }
    }
}

/// Items made ahead on a thread of their own. Unlike a bare channel, the end of the items
/// is told apart from the producer dying: a panic there comes back as an error instead of
/// looking like a short epoch.
struct Prefetch<T> {
    items: Receiver<T>,
    producer: Option<std::thread::JoinHandle<()>>,
}

/// The producer thread of a [`Prefetch`] panicked.
#[derive(Debug, thiserror::Error)]
#[error("the batch producer thread panicked: {0}")]
pub struct ProducerPanicked(String);

impl<T: Send + 'static> Prefetch<T> {
    /// Runs `produce` on a new thread; it hands each item to the function it is given, which
    /// returns false once the consumer is gone (an abandoned epoch): then it should stop.
    fn spawn(produce: impl FnOnce(&dyn Fn(T) -> bool) + Send + 'static) -> Self {
        let (sender, items) = std::sync::mpsc::sync_channel(PREFETCH);
        let producer = std::thread::spawn(move || produce(&|item| sender.send(item).is_ok()));
        Self {
            items,
            producer: Some(producer),
        }
    }

    /// The next item; `None` once the producer finished, an error if it panicked.
    fn next(&mut self) -> Option<Result<T, ProducerPanicked>> {
        if let Ok(item) = self.items.recv() {
            return Some(Ok(item));
        }
        let payload = self.producer.take()?.join().err()?;
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Some(Err(ProducerPanicked(message)))
    }
}

/// Batches gathered ahead of the training step.
const PREFETCH: usize = 4;

/// Builds the u8 content of batches on the producer thread.
struct Producer {
    dataset: MnistDataset,
    batch_size: usize,
    augmentation: Augmentation,
    /// Seed of this epoch's draws.
    stream: u64,
}

impl Producer {
    /// Pixels and labels of batch `index`, holding the images `indices`.
    fn batch(&self, index: usize, indices: &[u32]) -> (Vec<u8>, Vec<i64>) {
        let mut pixels = vec![0u8; indices.len() * IMAGE_PIXELS];
        let chunks = indices.iter().zip(pixels.chunks_exact_mut(IMAGE_PIXELS));
        if self.augmentation.is_active() {
            // One RNG per batch, seeded from (seed, epoch, batch): reproducible and resumable.
            let mut rng = StdRng::seed_from_u64(mix(self.stream, index as u64));
            for (&i, out) in chunks {
                self.augmentation
                    .apply(self.dataset.image(i as usize), out, &mut rng);
            }
        } else {
            for (&i, out) in chunks {
                out.copy_from_slice(self.dataset.image(i as usize));
            }
        }
        let labels = indices
            .iter()
            .map(|&i| i64::from(self.dataset.label(i as usize)))
            .collect();
        (pixels, labels)
    }
}

/// One epoch's batches, in shuffled order.
pub struct EpochBatches<'a> {
    loader: &'a MnistLoader,
    batches: Prefetch<(Vec<u8>, Vec<i64>)>,
    done: usize,
    total: usize,
}

impl Iterator for EpochBatches<'_> {
    type Item = Result<MnistBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let (pixels, labels) = match self.batches.next()? {
            Ok(batch) => batch,
            Err(panicked) => return Some(Err(DatasetError::new(panicked))),
        };
        let count = labels.len();
        self.done += count;
        let device = &self.loader.device;
        let images = images_to_tensor(pixels.chunks_exact(IMAGE_PIXELS), device);
        let targets = Tensor::from_data(TensorData::new(labels, [count]), device);
        Some(Ok(MnistBatch { images, targets }))
    }
}

impl DataLoaderIterator<MnistBatch> for EpochBatches<'_> {
    fn progress(&self) -> Progress {
        Progress::new(self.done, self.total, None)
    }
}

impl DataLoader<MnistBatch> for MnistLoader {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<MnistBatch> + 'a> {
        let epoch = self.epochs_started.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(hook) = &self.on_epoch {
            hook(epoch);
        }
        Box::new(self.epoch(epoch))
    }

    fn num_items(&self) -> usize {
        self.dataset.len()
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<MnistBatch>> {
        let mut loader = self.clone();
        loader.device = device.clone();
        Arc::new(loader)
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<MnistBatch>> {
        let mut loader = self.clone();
        loader.dataset = self.dataset.range(start..end);
        Arc::new(loader)
    }
}

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
    use std::sync::Mutex;

    use super::*;
    use crate::mnist::MnistImages;

    #[test]
    fn a_panicking_producer_is_an_error_not_a_short_epoch() {
        let mut items = Prefetch::spawn(|send| {
            send(1);
            send(2);
            panic!("disk on fire");
        });
        assert_eq!(items.next().map(|r| r.ok()), Some(Some(1)));
        assert_eq!(items.next().map(|r| r.ok()), Some(Some(2)));
        let err = items.next().expect("an item").expect_err("the panic");
        assert_eq!(
            err.to_string(),
            "the batch producer thread panicked: disk on fire"
        );
        assert!(items.next().is_none(), "reported once, then the end");
        let mut finished = Prefetch::spawn(|send| {
            send(1);
        });
        assert!(matches!(finished.next(), Some(Ok(1))));
        assert!(
            finished.next().is_none(),
            "a producer that returns is a clean end"
        );
    }

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
                let batch = batch.expect("in-memory batches cannot fail");
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
    fn a_resumed_loader_continues_with_the_next_epochs_batches() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let hook_calls = calls.clone();
        let resumed = MnistLoader::new(dataset(50), 16, 3, Device::default())
            .starting_after(2)
            .on_epoch(Arc::new(move |e| hook_calls.lock().expect("lock").push(e)));
        let fresh = MnistLoader::new(dataset(50), 16, 3, Device::default());
        for _ in 0..2 {
            drop(fresh.iter());
        }
        let labels = |loader: &MnistLoader| -> Vec<i64> {
            loader
                .iter()
                .flat_map(|b| {
                    let targets = b.expect("batch").targets.into_data();
                    targets.convert::<i64>().try_to_vec::<i64>().expect("i64")
                })
                .collect()
        };
        assert_eq!(labels(&resumed), labels(&fresh));
        assert_eq!(*calls.lock().expect("lock"), vec![3]);
        assert_eq!(resumed.num_items(), 50);
    }

    #[test]
    fn labels_travel_with_their_images_through_shuffling() {
        let data = dataset(40);
        let loader = MnistLoader::new(data.clone(), 8, 1, Device::default());
        for batch in loader.epoch(1) {
            let batch = batch.expect("batch");
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
                    let images = b.expect("batch").images.into_data();
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
