//! f32 layers + calibration images → an int8 MLP (the scheme is in the crate docs).

use std::format;
use std::vec::Vec;

use crate::error::{Error, Result};
use crate::owned::{QuantizedDense, QuantizedMlp};
use crate::reference::{DenseF32, activations, check_layers};
use crate::requant::quantize_multiplier;
use crate::types::{INPUT_LEN, INPUT_SCALE, INPUT_ZERO_POINT};

/// How activation ranges are calibrated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizeOptions {
    /// The percentile (in `(0, 100]`) of each hidden layer's activations, over all calibration
    /// images and units, that maps to 127; 100 is the maximum (nothing saturates on the
    /// calibration set).
    pub activation_percentile: f64,
    /// The same for `|logit|`.
    pub logit_percentile: f64,
}

impl Default for QuantizeOptions {
    /// The maximum for both: on MNIST MLPs it reads as well as any percentile tried (see the
    /// crate's tests and firmware/README.md).
    fn default() -> Self {
        Self {
            activation_percentile: 100.0,
            logit_percentile: 100.0,
        }
    }
}

/// [`quantize_with`] and the default options.
pub fn quantize<I>(layers: &[DenseF32], calibration: I) -> Result<QuantizedMlp>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    quantize_with(layers, calibration, &QuantizeOptions::default())
}

/// Quantizes `layers` (784 → … → 10, PyTorch layout) with activation ranges measured on
/// `calibration` (raw 784-pixel images, typically a few thousand training images).
pub fn quantize_with<I>(
    layers: &[DenseF32],
    calibration: I,
    options: &QuantizeOptions,
) -> Result<QuantizedMlp>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    check_layers(layers)?;
    for p in [options.activation_percentile, options.logit_percentile] {
        if !(p > 0.0 && p <= 100.0) {
            return Err(Error::Calibration(format!(
                "percentile {p} is not in (0, 100]"
            )));
        }
    }
    let ranges = calibrate(layers, calibration, options)?;
    let last = layers.len() - 1;
    let mut input_scale = INPUT_SCALE;
    let mut input_zero_point = INPUT_ZERO_POINT;
    let mut quantized = Vec::with_capacity(layers.len());
    for (k, (layer, range)) in layers.iter().zip(ranges).enumerate() {
        let (output_scale, output_zero_point) = if k == last {
            (positive_or_one(range / 127.0), 0)
        } else {
            (positive_or_one(range / 255.0), -128)
        };
        let q = quantize_layer(
            k + 1,
            layer,
            (input_scale, input_zero_point),
            (output_scale, output_zero_point),
        )?;
        quantized.push(q);
        input_scale = output_scale;
        input_zero_point = output_zero_point;
    }
    Ok(QuantizedMlp {
        layers: quantized,
        dataset: None,
        class_names: None,
    })
}

/// A positive finite scale, or 1 for a range that is all zeros.
fn positive_or_one(scale: f32) -> f32 {
    if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    }
}

/// Each layer's range: the chosen percentile of its (ReLU'd) activations, of `|logit|` last.
fn calibrate<I>(layers: &[DenseF32], calibration: I, options: &QuantizeOptions) -> Result<Vec<f32>>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let last = layers.len() - 1;
    let percentile = |k: usize| {
        if k == last {
            options.logit_percentile
        } else {
            options.activation_percentile
        }
    };
    let mut maxima = std::vec![0.0f32; layers.len()];
    let mut samples: Vec<Vec<f32>> = std::vec![Vec::new(); layers.len()];
    let mut images = 0usize;
    for image in calibration {
        let pixels = image.as_ref();
        if pixels.len() != INPUT_LEN {
            return Err(Error::Calibration(format!(
                "image {images} has {} pixels, expected {INPUT_LEN}",
                pixels.len()
            )));
        }
        images += 1;
        for (k, outputs) in activations(layers, pixels).into_iter().enumerate() {
            let magnitudes = outputs.into_iter().map(f32::abs);
            if percentile(k) >= 100.0 {
                if let (Some(max), Some(m)) = (maxima.get_mut(k), magnitudes.reduce(f32::max)) {
                    *max = max.max(m);
                }
            } else if let Some(s) = samples.get_mut(k) {
                s.extend(magnitudes);
            }
        }
    }
    if images == 0 {
        return Err(Error::Calibration(
            "no images: activation ranges need at least one".into(),
        ));
    }
    Ok(maxima
        .into_iter()
        .zip(samples)
        .enumerate()
        .map(|(k, (max, mut s))| {
            if s.is_empty() {
                return max;
            }
            let rank = ((percentile(k) / 100.0) * (s.len() - 1) as f64).round() as usize;
            let rank = rank.min(s.len() - 1);
            *s.select_nth_unstable_by(rank, f32::total_cmp).1
        })
        .collect())
}

/// One layer, given its input's and output's `(scale, zero point)`.
fn quantize_layer(
    number: usize,
    layer: &DenseF32,
    (input_scale, input_zero_point): (f32, i32),
    (output_scale, output_zero_point): (f32, i32),
) -> Result<QuantizedDense> {
    let unrepresentable = |problem| Error::Unrepresentable {
        layer: number,
        problem,
    };
    let n = layer.in_features;
    let mut weight = Vec::with_capacity(layer.weight.len());
    let mut bias = Vec::with_capacity(layer.out_features);
    let mut weight_scale = Vec::with_capacity(layer.out_features);
    let mut multiplier = Vec::with_capacity(layer.out_features);
    let mut shift = Vec::with_capacity(layer.out_features);
    for (o, (row, &b)) in layer
        .weight
        .chunks_exact(n.max(1))
        .zip(&layer.bias)
        .enumerate()
    {
        let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        let scale = positive_or_one(max / 127.0);
        let start = weight.len();
        weight.extend(row.iter().map(|&w| {
            // |w / scale| ≤ 127 up to rounding; the clamp keeps it there.
            (f64::from(w) / f64::from(scale))
                .round()
                .clamp(-127.0, 127.0) as i8
        }));
        let sum: i64 = weight[start..].iter().map(|&q| i64::from(q)).sum();
        let real_bias = f64::from(b) / (f64::from(input_scale) * f64::from(scale));
        // Keep |bias| ≤ 2³⁰ so bias + Σ w·x (|Σ| < 2²⁵) stays far from i32's edges.
        let folded = real_bias.round() - (i64::from(input_zero_point) * sum) as f64;
        if folded.is_nan() || folded.abs() > f64::from(1u32 << 30) {
            return Err(unrepresentable(format!(
                "bias[{o}] = {b} is {folded:e} weight steps, beyond ±2^30"
            )));
        }
        bias.push(folded as i32);
        let real = f64::from(input_scale) * f64::from(scale) / f64::from(output_scale);
        let (m, s) = quantize_multiplier(real).ok_or_else(|| {
            unrepresentable(format!("row {o}'s multiplier {real:e} is beyond 2^31"))
        })?;
        weight_scale.push(scale);
        multiplier.push(m);
        shift.push(s);
    }
    Ok(QuantizedDense {
        in_features: layer.in_features,
        out_features: layer.out_features,
        weight,
        bias,
        weight_scale,
        multiplier,
        shift,
        output_scale,
        output_zero_point,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::forward_f32;
    use crate::testing::{random_images, random_layers};
    use crate::types::CLASSES;

    /// Class agreement and the largest logit error (relative to the largest |logit|) of the
    /// int8 model against its f32 original on `test`.
    fn compare(layers: &[DenseF32], model: &QuantizedMlp, test: &[[u8; INPUT_LEN]]) -> (f64, f32) {
        let view = model.view().expect("valid");
        let (mut agree, mut worst, mut range) = (0, 0.0f32, 0.0f32);
        for image in test {
            let reference = forward_f32(layers, image);
            let reading = view.classify_pixels(image);
            let int8 = view.dequantize_logits(&reading.logits);
            if reading.class == crate::reference::classify_f32(layers, image) {
                agree += 1;
            }
            for (a, b) in reference.iter().zip(int8) {
                worst = worst.max((a - b).abs());
                range = range.max(a.abs());
            }
        }
        (f64::from(agree) / test.len() as f64, worst / range)
    }

    #[test]
    fn int8_agrees_with_f32_for_every_depth() {
        let calibration = random_images(400, 1);
        let test = random_images(400, 2);
        for (seed, widths) in [
            (10, &[784, 10][..]),
            (11, &[784, 128, 10]),
            (12, &[784, 256, 128, 10]),
            (13, &[784, 64, 48, 32, 10]),
        ] {
            let layers = random_layers(widths, seed);
            let model = quantize(&layers, &calibration).expect("quantizes");
            assert_eq!(
                model.architecture().map(|a| a.widths().to_vec()),
                Some(widths.to_vec())
            );
            let (agreement, error) = compare(&layers, &model, &test);
            assert!(
                agreement >= 0.95,
                "{widths:?}: classes agree on {agreement}"
            );
            assert!(
                error < 0.1,
                "{widths:?}: logits off by {error} of their range"
            );
        }
    }

    #[test]
    fn a_percentile_saturates_the_top_activations_only() {
        let calibration = random_images(200, 3);
        let layers = random_layers(&[784, 64, 10], 4);
        let max = quantize(&layers, &calibration).expect("quantizes");
        let options = QuantizeOptions {
            activation_percentile: 99.0,
            logit_percentile: 100.0,
        };
        let p99 = quantize_with(&layers, &calibration, &options).expect("quantizes");
        assert!(p99.layers[0].output_scale < max.layers[0].output_scale);
        assert_eq!(p99.layers[1].output_scale, max.layers[1].output_scale);
        let (agreement, _) = compare(&layers, &p99, &random_images(200, 5));
        assert!(agreement >= 0.9, "{agreement}");
    }

    #[test]
    fn weights_fill_the_int8_range_per_row_and_zero_rows_do_not_divide_by_zero() {
        let mut layers = random_layers(&[784, 16, 10], 6);
        layers[0].weight[..784].fill(0.0);
        layers[0].bias[0] = 0.25;
        let model = quantize(&layers, random_images(50, 7)).expect("quantizes");
        let first = &model.layers[0];
        assert_eq!(first.weight_scale[0], 1.0);
        assert!(first.weight[..784].iter().all(|&w| w == 0));
        for (o, row) in first.weight.chunks_exact(784).enumerate().skip(1) {
            assert_eq!(
                row.iter().map(|w| w.unsigned_abs()).max(),
                Some(127),
                "row {o}"
            );
            let scale = first.weight_scale[o];
            for (q, w) in row.iter().zip(&layers[0].weight[o * 784..]) {
                assert!((f32::from(*q) * scale - w).abs() <= scale / 2.0 + 1e-7);
            }
        }
        // The zero row's accumulator is its bias alone: 0.25 / (1/255 · 1) = 63.75 → 64, and
        // its output 0.25 / s_out steps above the zero point.
        assert_eq!(first.bias[0], 64);
        let steps = crate::requantize(64, first.multiplier[0], first.shift[0]);
        let expected = (64.0 / 255.0 / f64::from(first.output_scale)).round();
        assert!(
            (f64::from(steps) - expected).abs() <= 1.0,
            "{steps} vs {expected}"
        );
    }

    #[test]
    fn bad_layers_and_calibrations_are_refused() {
        let calibration = random_images(10, 8);
        let good = random_layers(&[784, 32, 10], 9);
        let mut wide = good.clone();
        wide[0].in_features = 785;
        assert!(matches!(
            quantize(&wide, &calibration),
            Err(Error::F32Layer { layer: 1, .. })
        ));
        let mut nan = good.clone();
        nan[1].bias[3] = f32::NAN;
        assert!(matches!(
            quantize(&nan, &calibration),
            Err(Error::F32Layer { layer: 2, .. })
        ));
        let mut eleven = random_layers(&[784, 32, 11], 9);
        eleven[1].bias.truncate(11);
        assert!(matches!(
            quantize(&eleven, &calibration),
            Err(Error::F32Layer { layer: 2, .. })
        ));
        let deep = random_layers(&[784, 8, 8, 8, 8, 10], 9);
        assert!(matches!(
            quantize(&deep, &calibration),
            Err(Error::Layers { .. })
        ));
        assert!(matches!(
            quantize(&[], &calibration),
            Err(Error::Layers { .. })
        ));
        let none: [[u8; INPUT_LEN]; 0] = [];
        assert!(matches!(quantize(&good, none), Err(Error::Calibration(_))));
        assert!(matches!(
            quantize(&good, [&[0u8; 100][..]]),
            Err(Error::Calibration(_))
        ));
        let bad_percentile = QuantizeOptions {
            activation_percentile: 0.0,
            logit_percentile: 100.0,
        };
        assert!(matches!(
            quantize_with(&good, &calibration, &bad_percentile),
            Err(Error::Calibration(_))
        ));
        // An all-black calibration set: every activation range is the bias alone or zero,
        // and the model must still come out valid (scales of 1 where the range is zero).
        let mut dead = good.clone();
        dead[0].bias.fill(-1.0);
        let model = quantize(&dead, [[0u8; INPUT_LEN]]).expect("quantizes");
        assert_eq!(model.layers[0].output_scale, 1.0);
        assert!(model.view().is_ok());
        assert_eq!(model.layers[1].weight.len(), 32 * CLASSES);
    }
}
