//! The f32 MLP the int8 one approximates: its layers, their checks, and a plain forward pass
//! (for calibration and tests; real f32 inference is Burn's).

use std::format;
use std::string::String;
use std::vec::Vec;

use crate::error::{Error, Result};
use crate::types::{CLASSES, INPUT_LEN, MAX_LAYERS, MAX_WIDTH};

/// One f32 dense layer as PyTorch stores it: `y = W·x + b`, `W` row-major `[out][in]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseF32 {
    /// `out_features · in_features` values, row-major `[out][in]`.
    pub weight: Vec<f32>,
    /// `out_features` values.
    pub bias: Vec<f32>,
    /// Inputs.
    pub in_features: usize,
    /// Outputs.
    pub out_features: usize,
}

/// Checks that `layers` form a 784 → … → 10 MLP of at most [`MAX_LAYERS`] layers, hidden
/// widths up to [`MAX_WIDTH`], with finite values and consistent lengths.
pub fn check_layers(layers: &[DenseF32]) -> Result<()> {
    if layers.is_empty() || layers.len() > MAX_LAYERS {
        return Err(Error::Layers {
            name: String::from("layers"),
            problem: format!("{} layers, expected 1 to {MAX_LAYERS}", layers.len()),
        });
    }
    let mut expected_in = INPUT_LEN;
    for (k, layer) in layers.iter().enumerate() {
        let bad = |problem: String| Error::F32Layer {
            layer: k + 1,
            problem,
        };
        let last = k + 1 == layers.len();
        if layer.in_features != expected_in {
            return Err(bad(format!(
                "takes {} inputs, expected {expected_in}",
                layer.in_features
            )));
        }
        if last && layer.out_features != CLASSES {
            return Err(bad(format!(
                "gives {} outputs, the last layer must give {CLASSES}",
                layer.out_features
            )));
        }
        if !last && !(1..=MAX_WIDTH).contains(&layer.out_features) {
            return Err(bad(format!(
                "gives {} outputs, hidden layers may have 1 to {MAX_WIDTH}",
                layer.out_features
            )));
        }
        if layer.weight.len() != layer.in_features * layer.out_features {
            return Err(bad(format!(
                "weight has {} values, expected {} × {}",
                layer.weight.len(),
                layer.out_features,
                layer.in_features
            )));
        }
        if layer.bias.len() != layer.out_features {
            return Err(bad(format!(
                "bias has {} values, expected {}",
                layer.bias.len(),
                layer.out_features
            )));
        }
        if let Some(i) = layer.weight.iter().position(|w| !w.is_finite()) {
            return Err(bad(format!("weight[{i}] is not finite")));
        }
        if let Some(i) = layer.bias.iter().position(|b| !b.is_finite()) {
            return Err(bad(format!("bias[{i}] is not finite")));
        }
        expected_in = layer.out_features;
    }
    Ok(())
}

/// Every layer's output for one image (`pixel / 255` in): ReLU'd for hidden layers, the
/// logits last. `layers` must pass [`check_layers`] and `pixels` hold 784 values.
pub fn activations(layers: &[DenseF32], pixels: &[u8]) -> Vec<Vec<f32>> {
    let mut x: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let mut outputs = Vec::with_capacity(layers.len());
    for (k, layer) in layers.iter().enumerate() {
        let mut y: Vec<f32> = layer
            .weight
            .chunks_exact(layer.in_features.max(1))
            .zip(&layer.bias)
            .map(|(row, b)| b + dot(row, &x))
            .collect();
        if k + 1 < layers.len() {
            y.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        x.clone_from(&y);
        outputs.push(y);
    }
    outputs
}

/// `Σ w·x` in eight running sums, added up in a fixed order at the end.
///
/// One running sum is a chain of dependent additions the compiler may not reorder, so it runs
/// one product at a time; eight independent ones become two SSE (or one AVX) multiply-adds a
/// step, ≈ 5 × faster, which is most of the time `train` spends making its int8 copy
/// (calibration runs this forward pass on 5 000 images). The order is the same on every CPU,
/// so calibration, and the int8 file it gives, still do not depend on the machine.
fn dot(row: &[f32], x: &[f32]) -> f32 {
    const LANES: usize = 8;
    let rows = row.chunks_exact(LANES);
    let inputs = x.chunks_exact(LANES);
    let tail: f32 = rows
        .remainder()
        .iter()
        .zip(inputs.remainder())
        .map(|(w, v)| w * v)
        .sum();
    let mut sums = [0.0f32; LANES];
    for (w, v) in rows.zip(inputs) {
        for lane in 0..LANES {
            sums[lane] += w[lane] * v[lane];
        }
    }
    let [a, b, c, d, e, f, g, h] = sums;
    ((a + b) + (c + d)) + ((e + f) + (g + h)) + tail
}

/// The f32 logits of one image.
pub fn forward_f32(layers: &[DenseF32], pixels: &[u8]) -> Vec<f32> {
    activations(layers, pixels).pop().unwrap_or_default()
}

/// The f32 class (the lowest index on ties).
pub fn classify_f32(layers: &[DenseF32], pixels: &[u8]) -> usize {
    let logits = forward_f32(layers, pixels);
    let mut best = 0;
    for (i, v) in logits.iter().enumerate() {
        if logits.get(best).is_some_and(|b| v > b) {
            best = i;
        }
    }
    best
}
