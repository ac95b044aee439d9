//! The framework-neutral result of reading a Keras file: dense layers in order.

use std::fmt;

/// A layer's activation as Keras names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Activation {
    /// `linear` or none: the layer's output as is.
    Linear,
    /// `relu`.
    Relu,
    /// `softmax`: probabilities; its argument is the logits.
    Softmax,
    /// Any other activation, by name (`tanh`, `sigmoid`, …).
    Other(String),
}

impl Activation {
    /// The activation Keras calls `name`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "linear" | "None" | "" => Self::Linear,
            "relu" => Self::Relu,
            "softmax" => Self::Softmax,
            other => Self::Other(other.to_string()),
        }
    }

    /// Keras's name for it.
    pub fn name(&self) -> &str {
        match self {
            Self::Linear => "linear",
            Self::Relu => "relu",
            Self::Softmax => "softmax",
            Self::Other(name) => name,
        }
    }
}

/// One `Dense` layer: `activation(x · kernel + bias)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    /// The layer's name in the file (`dense`, `dense_1`, or the user's own).
    pub name: String,
    /// Input width.
    pub inputs: usize,
    /// Output width (Keras's `units`).
    pub units: usize,
    /// `[inputs, units]`, row-major: Keras's layout, which is also Burn's `Linear`.
    pub kernel: Vec<f32>,
    /// `[units]`; zeros for a layer built with `use_bias=False`.
    pub bias: Vec<f32>,
    /// The activation, when the file says (a `.weights.h5` alone does not).
    pub activation: Option<Activation>,
}

/// Which Keras file a model came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KerasFormat {
    /// A Keras 3 `.keras` archive (`model.save("x.keras")`): config and weights.
    Archive,
    /// A Keras 3 `.weights.h5` (`model.save_weights`): weights only, no activations.
    Weights,
    /// The legacy HDF5 `.h5` of Keras 2, tf.keras and Keras 3's legacy writer, with or
    /// without the model config.
    Legacy,
}

impl fmt::Display for KerasFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Archive => "Keras .keras archive",
            Self::Weights => "Keras 3 .weights.h5",
            Self::Legacy => "legacy Keras HDF5 (.h5)",
        })
    }
}

/// A model read from a Keras file.
#[derive(Debug, Clone, PartialEq)]
pub struct KerasModel {
    /// The file's form.
    pub format: KerasFormat,
    /// The input shape without the batch axis, when the file has a config (`[28, 28]`).
    pub input_shape: Option<Vec<usize>>,
    /// The dense layers, input to output, each fed by the one before.
    pub layers: Vec<Dense>,
}

/// Checks that each layer is fed by the one before and that tensors have their shapes.
pub(crate) fn check_chain(layers: &[Dense]) -> Result<(), crate::KerasError> {
    if layers.is_empty() {
        return Err(crate::KerasError::NotKerasWeights(
            "no Dense layer with weights".into(),
        ));
    }
    for pair in layers.windows(2) {
        if pair[1].inputs != pair[0].units {
            return Err(crate::KerasError::weights(
                &pair[1].name,
                format!(
                    "takes {} inputs but `{}` before it has {} units",
                    pair[1].inputs, pair[0].name, pair[0].units
                ),
            ));
        }
    }
    Ok(())
}
