//! The int8 model in owned vectors, as quantization makes it and the file holds it; its
//! [`view`](QuantizedMlp::view) is the borrowed [`Int8Mlp`] that runs.

use std::string::String;
use std::vec::Vec;

use crate::types::{
    Architecture, CLASSES, Classification, INPUT_LEN, INPUT_ZERO_POINT, Int8Dense, Int8Mlp,
    MAX_LAYERS, ViewError,
};

/// One quantized dense layer (see the crate docs for what each array means).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedDense {
    /// Inputs.
    pub in_features: usize,
    /// Outputs.
    pub out_features: usize,
    /// `[out][in]` row-major.
    pub weight: Vec<i8>,
    /// `[out]`, the input zero point folded in.
    pub bias: Vec<i32>,
    /// `[out]`: the real value of one weight step of each row.
    pub weight_scale: Vec<f32>,
    /// `[out]`: Q31 multipliers.
    pub multiplier: Vec<i32>,
    /// `[out]`: shifts.
    pub shift: Vec<i32>,
    /// The real value of one output step.
    pub output_scale: f32,
    /// The output zero point (hidden layers: the ReLU floor).
    pub output_zero_point: i32,
}

/// An int8 MLP with what its file records besides the layers.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedMlp {
    /// `fc1`, `fc2`, …
    pub layers: Vec<QuantizedDense>,
    /// The dataset the model learned, e.g. `mnist` (metadata `dataset`).
    pub dataset: Option<String>,
    /// The 10 class names (metadata `class_names`).
    pub class_names: Option<Vec<String>>,
}

impl QuantizedDense {
    fn borrow(&self, input_zero_point: i32) -> Int8Dense<'_> {
        Int8Dense {
            in_features: self.in_features,
            out_features: self.out_features,
            weight: &self.weight,
            bias: &self.bias,
            multiplier: &self.multiplier,
            shift: &self.shift,
            input_zero_point,
            output_zero_point: self.output_zero_point,
            output_scale: self.output_scale,
        }
    }
}

impl QuantizedMlp {
    /// The checked, borrowed model that runs the forward pass.
    pub fn view(&self) -> Result<Int8Mlp<'_>, ViewError> {
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return Err(ViewError::LayerCount {
                found: self.layers.len(),
            });
        }
        let mut borrowed = [Int8Dense::EMPTY; MAX_LAYERS];
        let mut zero_point = INPUT_ZERO_POINT;
        for (slot, layer) in borrowed.iter_mut().zip(&self.layers) {
            *slot = layer.borrow(zero_point);
            zero_point = layer.output_zero_point;
        }
        Int8Mlp::new(&borrowed[..self.layers.len()])
    }

    /// The widths, e.g. `784-128-10` (its `Display`); `None` if the layers do not chain.
    pub fn architecture(&self) -> Option<Architecture> {
        self.view().ok().map(|v| v.architecture())
    }

    /// Classifies raw pixels (`None` for a model that does not pass [`QuantizedMlp::view`]).
    pub fn classify_pixels(&self, pixels: &[u8; INPUT_LEN]) -> Option<Classification> {
        self.view().ok().map(|v| v.classify_pixels(pixels))
    }

    /// The real logits of raw pixels, through the int8 path.
    pub fn dequantized_logits(&self, pixels: &[u8; INPUT_LEN]) -> Option<[f32; CLASSES]> {
        let view = self.view().ok()?;
        Some(view.dequantize_logits(&view.classify_pixels(pixels).logits))
    }
}
