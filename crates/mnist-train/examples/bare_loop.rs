//! The training loop without Burn's learner, for measuring what the learner costs per epoch
//! (BENCHMARKS.md): the same loader, model, loss and Adam as `train` on the default backend,
//! and nothing else (no metrics, checkpoints or validation).
//!
//! `cargo run --release --example bare_loop -- [BATCH=128] [EPOCHS=3] [RAYON_THREADS=2] [--preload]`
//!
//! `--preload` builds every batch of an epoch before its clock starts, which separates the
//! cost of batching from the cost of the steps.
#![allow(missing_docs)]

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use mnist_data::{FetchOptions, Mnist, MnistBatch, MnistLoader, MnistSplits};
use mnist_model::{Backend, MlpConfig};

/// The same allocator as `train`, so the loop measures the same thing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preload = args.iter().any(|a| a == "--preload");
    let numbers: Vec<usize> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let number = |i: usize, default: usize| numbers.get(i).copied().unwrap_or(default);
    let (batch_size, epochs, threads) = (number(0, 128), number(1, 3), number(2, 2));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;

    let mnist = Mnist::load(&FetchOptions::default())?;
    let splits = MnistSplits::new(&mnist, 5000)?;
    let backend = Backend::default_compiled()?;
    let device = backend.device()?;
    let train_device = device.clone().autodiff();
    let loader = MnistLoader::new(splits.train.clone(), batch_size, 42, device);
    let mut model = MlpConfig::mlp_256_128().init(&train_device);
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&train_device);

    for epoch in 1..=epochs {
        let preloaded: Vec<MnistBatch> = if preload {
            loader.epoch(epoch).collect()
        } else {
            Vec::new()
        };
        let batches: Box<dyn Iterator<Item = anyhow::Result<MnistBatch>>> = if preload {
            Box::new(preloaded.into_iter().map(Ok))
        } else {
            Box::new(loader.epoch(epoch).map(Ok))
        };
        let start = Instant::now();
        let mut last_loss = None;
        for batch in batches {
            let batch = batch?;
            let logits = model.forward(batch.images.to_device(&train_device));
            let loss = loss_fn.forward(logits, batch.targets.to_device(&train_device));
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-3, model, grads);
            last_loss = Some(loss);
        }
        let seconds = start.elapsed().as_secs_f64();
        let loss = last_loss.map_or(f32::NAN, |l| l.into_scalar::<f32>());
        println!(
            "epoch {epoch}: {seconds:.3} s ({backend}, batch {batch_size}, rayon {threads}{}), last loss {loss:.4}",
            if preload { ", preloaded" } else { "" }
        );
    }
    Ok(())
}
