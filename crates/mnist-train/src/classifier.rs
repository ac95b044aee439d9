//! The MLP wrapped with its loss: what the training loop steps and checkpoints.

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::prelude::*;
use mnist_data::MnistBatch;
use mnist_model::Mlp;

/// The model plus its training loss (cross-entropy, optionally label-smoothed).
#[derive(Module, Debug)]
pub struct Classifier {
    /// The network itself; this is what is saved.
    pub mlp: Mlp,
    loss: CrossEntropyLoss,
}

/// A batch's loss (a one-element tensor, for `backward`) and its logits.
pub struct Step {
    /// Mean loss over the batch.
    pub loss: Tensor<1>,
    /// `[B, 10]` logits.
    pub logits: Tensor<2>,
}

impl Classifier {
    /// Wraps `mlp`; `label_smoothing` of 0 gives plain cross-entropy.
    pub fn new(mlp: Mlp, label_smoothing: f32, device: &Device) -> Self {
        let smoothing = (label_smoothing > 0.0).then_some(label_smoothing);
        let loss = CrossEntropyLossConfig::new()
            .with_smoothing(smoothing)
            .init(device);
        Self { mlp, loss }
    }

    /// The forward pass and loss of `batch`.
    pub fn step(&self, batch: MnistBatch) -> Step {
        let logits = self.mlp.forward(batch.images);
        let loss = self.loss.forward(logits.clone(), batch.targets);
        Step { loss, logits }
    }
}

#[cfg(test)]
mod tests {
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::Distribution;
    use mnist_model::MlpConfig;

    use super::*;

    #[test]
    fn a_few_adam_steps_lower_the_loss_on_a_small_batch() {
        let device = Device::default().autodiff();
        device.seed(7);
        let mut model = Classifier::new(MlpConfig::mlp_128().init(&device), 0.0, &device);
        let images = Tensor::<2>::random([32, 784], Distribution::Uniform(0.0, 1.0), &device);
        let targets = Tensor::<1, Int>::from_data(
            TensorData::new((0..32i64).map(|i| i % 10).collect(), [32]),
            &device,
        );
        let batch = || MnistBatch {
            images: images.clone(),
            targets: targets.clone(),
        };
        let mut optimizer = AdamConfig::new().init();
        let initial = loss_value(&model, batch());
        for _ in 0..20 {
            let grads = model.step(batch()).loss.backward();
            let grads = GradientsParams::from_grads(grads, &model);
            model = optimizer.step(1e-3, model, grads);
        }
        let last = loss_value(&model, batch());
        assert!(last < initial * 0.5, "loss {initial} -> {last}");
    }

    fn loss_value(model: &Classifier, batch: MnistBatch) -> f32 {
        model.step(batch).loss.into_scalar::<f32>()
    }
}
