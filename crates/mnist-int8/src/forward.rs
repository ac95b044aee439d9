//! The integer forward pass: int8 in, int8 logits out, `i32` accumulators, no floats, no
//! allocation, no panics; two `MAX_WIDTH`-byte buffers on the stack.

use crate::preprocess::preprocess;
use crate::requant::requantize;
use crate::types::{CLASSES, Classification, INPUT_LEN, Int8Dense, Int8Mlp, MAX_WIDTH};

impl Int8Mlp<'_> {
    /// The int8 logits of a preprocessed image (see [`preprocess`]).
    pub fn forward(&self, input: &[i8; INPUT_LEN]) -> [i8; CLASSES] {
        let mut logits = [0i8; CLASSES];
        let layers = self.layers();
        let Some((last, hidden)) = layers.split_last() else {
            return logits;
        };
        let mut buffers = [[0i8; MAX_WIDTH]; 2];
        // Layer k reads buffer (k + 1) % 2 (the input for k = 0) and writes buffer k % 2.
        let mut width = INPUT_LEN;
        for (k, layer) in hidden.iter().enumerate() {
            let [even, odd] = &mut buffers;
            let (src, dst): (&[i8], &mut [i8]) = match (k, k % 2) {
                (0, _) => (input, even),
                (_, 0) => (odd, even),
                _ => (even, odd),
            };
            // Int8Mlp::new checked that widths chain and hidden ones fit MAX_WIDTH.
            dense(layer, &src[..width], &mut dst[..layer.out_features], true);
            width = layer.out_features;
        }
        let src: &[i8] = match hidden.len() {
            0 => input,
            n => &buffers[(n - 1) % 2][..width],
        };
        dense(last, src, &mut logits, false);
        logits
    }

    /// The class and logits of a preprocessed image.
    pub fn classify(&self, input: &[i8; INPUT_LEN]) -> Classification {
        let logits = self.forward(input);
        Classification {
            class: argmax(&logits),
            logits,
        }
    }

    /// The class and logits of raw pixels (0 = background, 255 = ink, row-major 28×28).
    pub fn classify_pixels(&self, pixels: &[u8; INPUT_LEN]) -> Classification {
        self.classify(&preprocess(pixels))
    }

    /// The logits as reals: `scale · (q − zero_point)` (for display or softmax; inference itself
    /// uses no floats).
    pub fn dequantize_logits(&self, logits: &[i8; CLASSES]) -> [f32; CLASSES] {
        let (scale, zero_point) = self.logit_quantization();
        logits.map(|q| scale * (i32::from(q) - zero_point) as f32)
    }
}

/// The index of the largest logit, the lowest one on ties.
pub fn argmax(logits: &[i8; CLASSES]) -> usize {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best
}

/// One layer: `output[o] = clamp(zp_out + requantize(bias[o] + Σᵢ w[o][i]·x[i]))`, the clamp
/// from the zero point (ReLU) or −128 up to 127.
fn dense(layer: &Int8Dense<'_>, input: &[i8], output: &mut [i8], relu: bool) {
    let floor = if relu { layer.output_zero_point } else { -128 };
    let rows = layer.weight.chunks_exact(layer.in_features.max(1));
    let per_output = rows.zip(layer.bias).zip(layer.multiplier).zip(layer.shift);
    for (out, (((row, &bias), &multiplier), &shift)) in output.iter_mut().zip(per_output) {
        let acc = bias.wrapping_add(dot(row, input));
        let q = requantize(acc, multiplier, shift)
            .saturating_add(layer.output_zero_point)
            .clamp(floor, 127);
        // In -128..=127 after the clamp.
        *out = q as i8;
    }
}

/// `Σ w·x` of one row: at most 784 products of magnitude ≤ 2¹⁴, so no `i32` overflow.
///
/// Eight products a step, so the compiler can use immediate offsets and one loop branch per
/// eight multiply-accumulates: on the Cortex-M3 in QEMU, 338 k instructions an image of the
/// 784-128-10 model instead of 497 k one product at a time (firmware/README.md).
#[inline]
fn dot(row: &[i8], input: &[i8]) -> i32 {
    const STEP: usize = 8;
    let rows = row.chunks_exact(STEP);
    let inputs = input.chunks_exact(STEP);
    let tail = rows
        .remainder()
        .iter()
        .zip(inputs.remainder())
        .fold(0i32, |acc, (&w, &x)| acc + i32::from(w) * i32::from(x));
    rows.zip(inputs).fold(tail, |acc, (w, x)| {
        w.iter()
            .zip(x)
            .fold(acc, |acc, (&w, &x)| acc + i32::from(w) * i32::from(x))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::INPUT_ZERO_POINT;

    #[test]
    fn argmax_prefers_the_lowest_index_on_ties() {
        assert_eq!(argmax(&[0, 5, 5, 1, 0, 0, 0, 0, 0, 5]), 1);
        assert_eq!(argmax(&[-128; CLASSES]), 0);
        assert_eq!(argmax(&[-1, -2, -3, -4, -5, -6, -7, -8, -9, 127]), 9);
    }

    /// A one-layer model whose logit o is the sum of the pixels of row o of the image (every
    /// weight of row o is 1 on that row's 28 pixels): checks the bias folding and the
    /// requantization end to end by hand.
    #[test]
    fn a_hand_built_layer_gives_the_hand_computed_logits() {
        let mut weight = [0i8; INPUT_LEN * CLASSES];
        for o in 0..CLASSES {
            for c in 0..28 {
                weight[o * INPUT_LEN + o * 28 + c] = 1;
            }
        }
        // Folded bias: −zp_in · Σw = 128 · 28.
        let bias = [128 * 28; CLASSES];
        // M = 1/64: multiplier 2³⁰, shift 5 (0.5 · 2⁻⁵).
        let multiplier = [1 << 30; CLASSES];
        let shift = [5; CLASSES];
        let layer = Int8Dense {
            in_features: INPUT_LEN,
            out_features: CLASSES,
            weight: &weight,
            bias: &bias,
            multiplier: &multiplier,
            shift: &shift,
            input_zero_point: INPUT_ZERO_POINT,
            output_zero_point: -20,
            output_scale: 1.0,
        };
        let model = Int8Mlp::new(&[layer]).expect("valid");
        let mut pixels = [0u8; INPUT_LEN];
        for (o, v) in [(0, 10u8), (3, 255), (7, 100)] {
            for c in 0..28 {
                pixels[o * 28 + c] = v;
            }
        }
        let reading = model.classify_pixels(&pixels);
        // Row sums 280, 7140, 2800 → /64 = 4.375 → 4, 111.56 → 112 (+(−20) = 92), 43.75 → 44.
        let mut expected = [-20i8; CLASSES];
        expected[0] = 4 - 20;
        expected[3] = 92;
        expected[7] = 44 - 20;
        assert_eq!(reading.logits, expected);
        assert_eq!(reading.class, 3);
        let reals = model.dequantize_logits(&reading.logits);
        assert_eq!(reals[3], 112.0);
        assert_eq!(reals[1], 0.0);
    }
}
