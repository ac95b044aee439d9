//! One training step of 784-256-128-10 (forward, cross-entropy, backward, Adam update) on the
//! default CPU backend, at batch 128 and 512, with rayon's pool at one thread (what `train`
//! uses on ndarray) and at the machine's default; plus the forward pass alone.
//! One epoch is 430 steps at batch 128 (55 000 images) and 108 at batch 512.
#![allow(missing_docs)]

use std::hint::black_box;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mnist_model::{Mlp, MlpConfig};

fn batch(size: usize, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let images = Tensor::<2>::random([size, 784], Distribution::Uniform(0.0, 1.0), device);
    let labels = (0..size as i64).map(|i| i % 10).collect::<Vec<_>>();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [size]), device);
    (images, targets)
}

fn train_step(c: &mut Criterion) {
    let device = Device::default().autodiff();
    let loss = CrossEntropyLossConfig::new().init(&device);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let mut group = c.benchmark_group("train_step");
    for size in [128usize, 512] {
        let (images, targets) = batch(size, &device);
        group.throughput(Throughput::Elements(size as u64));
        for pool in ["rayon-1", "rayon-default"] {
            let mut model: Option<Mlp> = Some(MlpConfig::mlp_256_128().init(&device));
            let mut optimizer = AdamConfig::new().init();
            let mut step = || {
                let current = model.take().expect("model");
                let logits = current.forward(images.clone());
                let value = loss.forward(logits, targets.clone());
                let grads = GradientsParams::from_grads(value.backward(), &current);
                let next = optimizer.step(1e-3, current, grads);
                // Reading one weight back waits for the step on lazy backends.
                black_box(next.forward(images.clone().narrow(0, 0, 1)).dims());
                model = Some(next);
            };
            group.bench_with_input(BenchmarkId::new(pool, size), &size, |b, _| {
                if pool == "rayon-1" {
                    one_thread.install(|| b.iter(&mut step));
                } else {
                    b.iter(&mut step);
                }
            });
        }
    }
    group.finish();

    let device = Device::default();
    let model = MlpConfig::mlp_256_128().init(&device);
    let mut group = c.benchmark_group("forward");
    for size in [128usize, 512] {
        let (images, _) = batch(size, &device);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, _| {
            b.iter(|| black_box(model.forward(images.clone()).dims()))
        });
    }
    group.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
