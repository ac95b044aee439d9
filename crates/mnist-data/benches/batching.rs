//! How fast MNIST items become tensors: `Dataset::get` for a batch plus `MnistBatcher`, on
//! synthetic images (the cost does not depend on pixel values). Compare with the training step
//! time to see that batching is not the bottleneck.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mnist_data::{IMAGE_PIXELS, MnistBatcher, MnistDataset, MnistImages};

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

criterion_group!(benches, batching);
criterion_main!(benches);
