//! One training step of 784-256-128-10 (forward, cross-entropy, backward, Adam update) on
//! each compiled CPU backend, at batch 128 and 512, with the thread settings `train` uses
//! (Flex: rayon's default pool, which its matmuls run on; NdArray: a one-thread rayon pool,
//! since its matmuls have their own threads); plus the forward pass alone.
//! One epoch is 430 steps at batch 128 (55 000 images) and 108 at batch 512.
#![allow(missing_docs)]

use std::hint::black_box;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mnist_model::{Backend, Mlp, MlpConfig};

fn batch(size: usize, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let images = Tensor::<2>::random([size, 784], Distribution::Uniform(0.0, 1.0), device);
    let labels = (0..size as i64).map(|i| i % 10).collect::<Vec<_>>();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [size]), device);
    (images, targets)
}

/// The CPU backends compiled into this bench.
fn cpu_backends() -> Vec<Backend> {
    Backend::compiled()
        .into_iter()
        .filter(|b| !b.is_gpu())
        .collect()
}

fn train_step(c: &mut Criterion) {
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let mut group = c.benchmark_group("train_step");
    for backend in cpu_backends() {
        let device = backend.device().expect("compiled").autodiff();
        let loss = CrossEntropyLossConfig::new().init(&device);
        for size in [128usize, 512] {
            let (images, targets) = batch(size, &device);
            group.throughput(Throughput::Elements(size as u64));
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
            group.bench_with_input(BenchmarkId::new(backend.name(), size), &size, |b, _| {
                if backend == Backend::Ndarray {
                    one_thread.install(|| b.iter(&mut step));
                } else {
                    b.iter(&mut step);
                }
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("forward");
    for backend in cpu_backends() {
        let device = backend.device().expect("compiled");
        let model = MlpConfig::mlp_256_128().init(&device);
        for size in [128usize, 512] {
            let (images, _) = batch(size, &device);
            group.throughput(Throughput::Elements(size as u64));
            group.bench_with_input(BenchmarkId::new(backend.name(), size), &size, |b, _| {
                b.iter(|| black_box(model.forward(images.clone()).dims()))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
