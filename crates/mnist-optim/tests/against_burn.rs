//! The fused optimizer against Burn's Adam and AdamW on the project's MLP, on every compiled
//! CPU backend: the same weights after several steps, and records that move between the two.
#![allow(missing_docs)]

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::Distribution;
use mnist_model::{Backend, Mlp, MlpConfig};
use mnist_optim::{Decay, FusedAdamConfig};

const LR: f64 = 3e-3;

/// Burn's random generator is one per process: tests running in parallel threads would draw
/// from it in turns, so each test holds this while it seeds and draws.
static RANDOM: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive_random() -> std::sync::MutexGuard<'static, ()> {
    RANDOM
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn devices() -> Vec<(Backend, Device)> {
    Backend::compiled()
        .into_iter()
        .filter(|b| !b.is_gpu())
        .map(|b| (b, b.device().expect("compiled").autodiff()))
        .collect()
}

/// Gradients of the cross-entropy on a fixed random batch (a different one per `step`).
fn grads(model: &Mlp, device: &Device, step: u64) -> GradientsParams {
    let images = Tensor::<2>::random([32, 784], Distribution::Uniform(0.0, 1.0), device);
    let labels: Vec<i64> = (0..32).map(|i| (i + step as i64) % 10).collect();
    let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [32]), device);
    let loss = CrossEntropyLossConfig::new()
        .init(device)
        .forward(model.forward(images), targets);
    GradientsParams::from_grads(loss.backward(), model)
}

/// Every weight of the model, flattened, in the order Burn visits the parameters.
fn weights(model: &Mlp) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(
                param
                    .val()
                    .into_data()
                    .try_to_vec::<f32>()
                    .expect("f32 weights"),
            );
        }
    }
    let mut collect = Collect(Vec::new());
    model.visit(&mut collect);
    collect.0
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Runs `steps` steps from `model`, the batch of step `i` drawn right after seeding with
/// `seed + i`.
fn train(
    mut optimizer: ModuleOptimizer,
    model: Mlp,
    device: &Device,
    seed: u64,
    steps: u64,
) -> (Mlp, ModuleOptimizer) {
    let mut model = model;
    for step in 0..steps {
        device.seed(seed + step);
        let g = grads(&model, device, step);
        model = optimizer.step(LR, model, g);
    }
    (model, optimizer)
}

fn pairs() -> Vec<(
    &'static str,
    ModuleOptimizer,
    ModuleOptimizer,
    FusedAdamConfig,
)> {
    let fused = |decay| FusedAdamConfig {
        decay,
        ..FusedAdamConfig::default()
    };
    vec![
        (
            "adam",
            AdamConfig::new().init(),
            fused(Decay::None).init(),
            fused(Decay::None),
        ),
        (
            "adam + L2",
            AdamConfig::new()
                .with_weight_decay(Some(WeightDecayConfig::new(0.01)))
                .init(),
            fused(Decay::L2(0.01)).init(),
            fused(Decay::L2(0.01)),
        ),
        (
            "adamw",
            AdamWConfig::new().with_weight_decay(0.05).init(),
            fused(Decay::Decoupled(0.05)).init(),
            fused(Decay::Decoupled(0.05)),
        ),
    ]
}

#[test]
fn fused_steps_give_burns_weights() {
    let _random = exclusive_random();
    for (backend, device) in devices() {
        for (name, burn_optim, fused_optim, _) in pairs() {
            device.seed(7);
            let start = MlpConfig::mlp_256_128().init(&device);
            // Step by step, so a failure names the first step that differs.
            let (mut burn_optim, mut fused_optim) = (burn_optim, fused_optim);
            let (mut burn_model, mut fused_model) = (start.clone(), start.clone());
            for step in 0..6 {
                (burn_model, burn_optim) = train(burn_optim, burn_model, &device, 100 + step, 1);
                (fused_model, fused_optim) =
                    train(fused_optim, fused_model, &device, 100 + step, 1);
                let apart = max_difference(&weights(&burn_model), &weights(&fused_model));
                assert!(
                    apart < 1e-5,
                    "{backend:?} {name}: after step {} fused and Burn's weights differ by {apart}",
                    step + 1
                );
            }
            let moved = max_difference(&weights(&start), &weights(&burn_model));
            let apart = max_difference(&weights(&burn_model), &weights(&fused_model));
            assert!(
                moved > 1e-3,
                "{backend:?} {name}: the weights did not move ({moved})"
            );
            assert!(
                apart < 1e-5,
                "{backend:?} {name}: fused and Burn's weights differ by {apart}"
            );
        }
    }
}

#[test]
fn records_move_between_burns_optimizer_and_the_fused_one() {
    let _random = exclusive_random();
    for (backend, device) in devices() {
        for (name, burn_optim, _, fused_config) in pairs() {
            device.seed(11);
            let start = MlpConfig::mlp_256_128().init(&device);
            let (model, burn_optim) = train(burn_optim, start, &device, 200, 3);
            let bytes = burn_optim.clone().into_bytes().expect("Burn's record");
            let fused = fused_config
                .init()
                .from_bytes(bytes)
                .expect("a Burn record loads");
            let (from_burn, burn_optim) = train(burn_optim, model.clone(), &device, 300, 2);
            let (from_fused, fused) = train(fused, model.clone(), &device, 300, 2);
            let apart = max_difference(&weights(&from_burn), &weights(&from_fused));
            assert!(
                apart < 1e-5,
                "{backend:?} {name}: resumed from Burn's record, {apart} apart"
            );

            // And back: the fused optimizer's record continues in Burn's.
            let bytes = fused.into_bytes().expect("fused record");
            let burn_again = pairs()
                .into_iter()
                .find(|(n, ..)| *n == name)
                .map(|(_, b, ..)| b)
                .expect("pair")
                .from_bytes(bytes)
                .expect("a fused record loads into Burn's optimizer");
            let (a, _) = train(burn_optim, from_burn.clone(), &device, 400, 1);
            let (b, _) = train(burn_again, from_burn, &device, 400, 1);
            let apart = max_difference(&weights(&a), &weights(&b));
            assert!(
                apart < 1e-5,
                "{backend:?} {name}: fused record in Burn's optimizer, {apart} apart"
            );
        }
    }
}
