//! The MLP wrapped with its loss, so that Burn's learner can train and validate it.

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::prelude::*;
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use mnist_data::MnistBatch;
use mnist_model::Mlp;

/// The model plus its training loss (cross-entropy, optionally label-smoothed).
#[derive(Module, Debug)]
pub struct Classifier {
    /// The network itself; this is what is saved.
    pub mlp: Mlp,
    loss: CrossEntropyLoss,
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

    fn classify(&self, batch: MnistBatch) -> ClassificationOutput {
        let output = self.mlp.forward(batch.images);
        let loss = self.loss.forward(output.clone(), batch.targets.clone());
        ClassificationOutput::new(loss, output, batch.targets)
    }
}

impl TrainStep for Classifier {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.classify(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Classifier {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> ClassificationOutput {
        self.classify(batch)
    }
}

#[cfg(test)]
mod tests {
    use burn::optim::AdamConfig;
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
            let step = TrainStep::step(&model, batch());
            model = model.optimize(&mut optimizer, 1e-3.into(), step.grads);
        }
        let last = loss_value(&model, batch());
        assert!(last < initial * 0.5, "loss {initial} -> {last}");
    }

    fn loss_value(model: &Classifier, batch: MnistBatch) -> f32 {
        InferenceStep::step(model, batch).loss.into_scalar::<f32>()
    }
}
