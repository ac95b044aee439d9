//! The multilayer perceptron: 784 inputs, hidden ReLU layers of configurable widths, 10 logits.

use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, Relu};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Input width: 28 × 28 pixels.
pub const INPUTS: usize = 784;
/// Output width: one logit per digit.
pub const CLASSES: usize = 10;

/// The architecture of an MLP: everything needed to rebuild it before loading weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpConfig {
    /// Widths of the hidden layers, each followed by ReLU (and dropout when set).
    pub hidden: Vec<usize>,
    /// Dropout probability after each hidden activation, in [0, 1); 0 disables it.
    #[serde(default)]
    pub dropout: f64,
}

/// An architecture that cannot be built.
#[derive(Debug, Error, PartialEq)]
pub enum MlpConfigError {
    /// No hidden layer.
    #[error("model.hidden must list at least one hidden layer width, e.g. [256, 128]")]
    NoHiddenLayer,
    /// A zero-width layer.
    #[error("model.hidden[{index}] is 0: every hidden layer needs at least one unit")]
    ZeroWidth {
        /// Position in the list.
        index: usize,
    },
    /// Dropout outside [0, 1).
    #[error("model.dropout is {0}: it must be in [0, 1)")]
    Dropout(f64),
}

impl MlpConfig {
    /// 784-256-128-10, the PyTorch seed's model (the default).
    pub fn mlp_256_128() -> Self {
        Self {
            hidden: vec![256, 128],
            dropout: 0.0,
        }
    }

    /// 784-128-10, the Keras seed's model.
    pub fn mlp_128() -> Self {
        Self {
            hidden: vec![128],
            dropout: 0.0,
        }
    }

    /// Checks that the architecture can be built.
    pub fn validate(&self) -> Result<(), MlpConfigError> {
        if self.hidden.is_empty() {
            return Err(MlpConfigError::NoHiddenLayer);
        }
        if let Some(index) = self.hidden.iter().position(|&w| w == 0) {
            return Err(MlpConfigError::ZeroWidth { index });
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(MlpConfigError::Dropout(self.dropout));
        }
        Ok(())
    }

    /// A short name such as `784-256-128-10`.
    pub fn name(&self) -> String {
        let widths: Vec<String> = std::iter::once(INPUTS)
            .chain(self.hidden.iter().copied())
            .chain([CLASSES])
            .map(|w| w.to_string())
            .collect();
        widths.join("-")
    }

    /// Number of trainable parameters (weights and biases).
    pub fn num_params(&self) -> usize {
        let widths: Vec<usize> = std::iter::once(INPUTS)
            .chain(self.hidden.iter().copied())
            .chain([CLASSES])
            .collect();
        widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
    }

    /// Builds the model with freshly initialised weights (Kaiming-uniform, as PyTorch's
    /// `nn.Linear`), on `device`. Call [`MlpConfig::validate`] first.
    pub fn init(&self, device: &Device) -> Mlp {
        let mut inputs = INPUTS;
        let mut hidden = Vec::with_capacity(self.hidden.len());
        for &width in &self.hidden {
            hidden.push(LinearConfig::new(inputs, width).init(device));
            inputs = width;
        }
        Mlp {
            hidden,
            output: LinearConfig::new(inputs, CLASSES).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: Relu::new(),
        }
    }
}

/// The MLP. Input `[B, 784]` pixels in [0, 1], output `[B, 10]` logits.
#[derive(Module, Debug)]
pub struct Mlp {
    pub(crate) hidden: Vec<Linear>,
    pub(crate) output: Linear,
    dropout: Dropout,
    activation: Relu,
}

impl Mlp {
    /// Logits for a batch of flattened images.
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let mut x = images;
        for layer in &self.hidden {
            x = self
                .dropout
                .forward(self.activation.forward(layer.forward(x)));
        }
        self.output.forward(x)
    }

    /// The dropout probability after each hidden activation (active only while training).
    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// Softmax probabilities for a batch of flattened images.
    pub fn probabilities(&self, images: Tensor<2>) -> Tensor<2> {
        burn::tensor::activation::softmax(self.forward(images), 1)
    }

    /// The same model for inputs `factor` times smaller: a model trained on pixels in
    /// 0–255 becomes one that takes pixel / 255 (`factor` = 255), like every model here.
    /// The factor is folded into the first layer's weights, so nothing else changes:
    /// `W · (factor · x) + b = (factor · W) · x + b`.
    pub fn scale_inputs(mut self, factor: f32) -> Self {
        let first = self.hidden.first_mut().unwrap_or(&mut self.output);
        first.weight = first.weight.clone().map(|w| w.mul_scalar(factor));
        self
    }

    /// Every layer, input to output: the hidden ones, then the output layer.
    pub(crate) fn layers(&self) -> impl Iterator<Item = &Linear> {
        self.hidden.iter().chain([&self.output])
    }

    /// Every layer, input to output, to set their weights.
    pub(crate) fn layers_mut(&mut self) -> impl Iterator<Item = &mut Linear> {
        self.hidden.iter_mut().chain([&mut self.output])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_match_the_seeds() {
        assert_eq!(MlpConfig::mlp_256_128().num_params(), 235_146);
        assert_eq!(MlpConfig::mlp_128().num_params(), 101_770);
        let device = Device::default();
        assert_eq!(MlpConfig::mlp_256_128().init(&device).num_params(), 235_146);
        assert_eq!(MlpConfig::mlp_128().init(&device).num_params(), 101_770);
    }

    #[test]
    fn forward_gives_ten_logits_per_image() {
        let device = Device::default();
        let model = MlpConfig {
            hidden: vec![32, 16, 8],
            dropout: 0.1,
        }
        .init(&device);
        let logits = model.forward(Tensor::zeros([5, INPUTS], &device));
        assert_eq!(logits.dims(), [5, CLASSES]);
        let sums = model
            .probabilities(Tensor::ones([3, INPUTS], &device))
            .sum_dim(1);
        for s in sums.into_data().convert::<f32>().iter::<f32>() {
            assert!((s - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn names_and_validation() {
        assert_eq!(MlpConfig::mlp_256_128().name(), "784-256-128-10");
        assert_eq!(
            MlpConfig {
                hidden: vec![],
                dropout: 0.0
            }
            .validate(),
            Err(MlpConfigError::NoHiddenLayer)
        );
        assert_eq!(
            MlpConfig {
                hidden: vec![4, 0],
                dropout: 0.0
            }
            .validate(),
            Err(MlpConfigError::ZeroWidth { index: 1 })
        );
        assert_eq!(
            MlpConfig {
                hidden: vec![4],
                dropout: 1.0
            }
            .validate(),
            Err(MlpConfigError::Dropout(1.0))
        );
        assert!(MlpConfig::mlp_128().validate().is_ok());
    }
}
