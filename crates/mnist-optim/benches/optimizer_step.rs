//! The optimizer step alone (Burn's Adam vs the fused one) on the 235 146 parameters of
//! 784-256-128-10, and a whole training step (forward, cross-entropy, backward, update) at
//! batch 128 and 512 with each, on Flex with rayon's default pool, as `train` runs.
#![allow(missing_docs)]

use std::hint::black_box;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::Distribution;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mnist_model::{Backend, Mlp, MlpConfig};
use mnist_optim::FusedAdamConfig;

fn batch(size: usize, device: &Device) -> (Tensor<2>, Tensor<1, Int>) {
    let images = Tensor::<2>::random([size, 784], Distribution::Uniform(0.0, 1.0), device);
    let labels = (0..size as i64).map(|i| i % 10).collect::<Vec<_>>();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [size]), device);
    (images, targets)
}

/// A named way to build a fresh optimizer.
type NamedOptimizer = (&'static str, fn() -> ModuleOptimizer);

fn optimizers() -> [NamedOptimizer; 2] {
    [
        ("burn-adam", || AdamConfig::new().init()),
        ("fused-adam", || FusedAdamConfig::default().init()),
    ]
}

fn optimizer_step(c: &mut Criterion) {
    let device = Backend::Flex.device().expect("flex").autodiff();
    let loss = CrossEntropyLossConfig::new().init(&device);
    let config = MlpConfig::mlp_256_128();

    let mut group = c.benchmark_group("optimizer_step");
    group.throughput(Throughput::Elements(config.num_params() as u64));
    let (images, targets) = batch(128, &device);
    for (name, make) in optimizers() {
        let mut optimizer = make();
        let model = std::cell::RefCell::new(Some(config.init(&device)));
        // Gradients are taken outside the measurement, fresh for every step (a step consumes
        // them), at the current weights.
        let setup = || {
            let current = model.borrow_mut().take().expect("model");
            let value = loss.forward(current.forward(images.clone()), targets.clone());
            let grads = GradientsParams::from_grads(value.backward(), &current);
            (current, grads)
        };
        group.bench_function(name, |b| {
            b.iter_batched(
                setup,
                |(current, grads)| {
                    let next = optimizer.step(1e-3, current, grads);
                    black_box(next.forward(images.clone().narrow(0, 0, 1)).dims());
                    *model.borrow_mut() = Some(next);
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("train_step");
    for (name, make) in optimizers() {
        for size in [128usize, 512] {
            let (images, targets) = batch(size, &device);
            group.throughput(Throughput::Elements(size as u64));
            let mut model: Option<Mlp> = Some(config.init(&device));
            let mut optimizer = make();
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, _| {
                b.iter(|| {
                    let current = model.take().expect("model");
                    let value = loss.forward(current.forward(images.clone()), targets.clone());
                    let grads = GradientsParams::from_grads(value.backward(), &current);
                    let next = optimizer.step(1e-3, current, grads);
                    black_box(next.forward(images.clone().narrow(0, 0, 1)).dims());
                    model = Some(next);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, optimizer_step);
criterion_main!(benches);
