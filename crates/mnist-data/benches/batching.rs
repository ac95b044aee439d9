//! How fast MNIST items become tensors, on synthetic images (the cost does not depend on pixel
//! values): `Dataset::get` plus `MnistBatcher` (Burn's generic path), and the training loader
//! `MnistLoader` with and without augmentation. Compare with the training step
//! (`cargo bench --workspace --bench train_step`) to see what the data path costs.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mnist_data::{
    Augmentation, IMAGE_PIXELS, MnistBatcher, MnistDataset, MnistImages, MnistLoader,
};

fn synthetic(count: usize) -> MnistDataset {
    let pixels = (0..count * IMAGE_PIXELS)
        .map(|i| (i * 31 % 256) as u8)
        .collect();
    let labels = (0..count).map(|i| (i % 10) as u8).collect();
    MnistDataset::new(Arc::new(
        MnistImages::new(pixels, labels).expect("consistent"),
    ))
}

fn batching(c: &mut Criterion) {
    let device = Device::default();
    let dataset = synthetic(4096);
    let mut group = c.benchmark_group("batch");
    for batch_size in [128usize, 512] {
        group.throughput(Throughput::Elements(batch_size as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(batch_size),
            &batch_size,
            |b, &size| {
                let mut start = 0;
                b.iter(|| {
                    let items: Vec<_> = (start..start + size)
                        .map(|i| dataset.get(i).expect("in range"))
                        .collect();
                    start = (start + size) % (dataset.len() - size);
                    let batch = MnistBatcher.batch(items, &device);
                    // Reading a value back forces the tensor to exist on lazy backends.
                    black_box(batch.targets.dims());
                    black_box(batch.images)
                })
            },
        );
    }
    group.finish();
}

/// Whole epochs of the training loader over 4 096 images, per image.
fn loader(c: &mut Criterion) {
    let device = Device::default();
    let dataset = synthetic(4096);
    let augmentation = Augmentation {
        rotation_deg: 10.0,
        scale: 0.1,
        shift_px: 2.0,
        elastic_px: 0.0,
        flip_horizontal: false,
    };
    let elastic = Augmentation {
        elastic_px: 1.0,
        ..augmentation
    };
    let mut group = c.benchmark_group("loader_epoch");
    group.throughput(Throughput::Elements(dataset.len() as u64));
    for (name, distortion) in [
        ("plain", Augmentation::default()),
        ("affine", augmentation),
        ("affine+elastic", elastic),
    ] {
        let loader =
            MnistLoader::new(dataset.clone(), 128, 1, device.clone()).with_augmentation(distortion);
        let mut epoch = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                epoch += 1;
                for batch in loader.epoch(epoch) {
                    black_box(batch.images);
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, batching, loader);
criterion_main!(benches);
