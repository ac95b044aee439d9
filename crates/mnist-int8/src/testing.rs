//! Test fixtures: a seeded generator, random f32 MLPs and digit-like synthetic images.

use std::vec::Vec;

use crate::reference::DenseF32;
use crate::types::INPUT_LEN;

/// xorshift64*: small, seeded, good enough for fixtures.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// An MLP of the given widths (784 first, 10 last) with Glorot-uniform weights.
pub(crate) fn random_layers(widths: &[usize], seed: u64) -> Vec<DenseF32> {
    let mut rng = Rng::new(seed);
    widths
        .windows(2)
        .map(|w| {
            let (inputs, outputs) = (w[0], w[1]);
            let limit = (6.0 / (inputs + outputs) as f32).sqrt();
            DenseF32 {
                weight: (0..inputs * outputs)
                    .map(|_| (2.0 * rng.unit() - 1.0) * limit)
                    .collect(),
                bias: (0..outputs).map(|_| 0.2 * rng.unit() - 0.1).collect(),
                in_features: inputs,
                out_features: outputs,
            }
        })
        .collect()
}

/// Images of a few bright strokes on black, like handwriting.
pub(crate) fn random_images(n: usize, seed: u64) -> Vec<[u8; INPUT_LEN]> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut image = [0u8; INPUT_LEN];
            for _ in 0..2 + rng.below(4) {
                let (mut x, mut y) = (4 + rng.below(20), 4 + rng.below(20));
                let (dx, dy) = (rng.below(3) as isize - 1, rng.below(3) as isize - 1);
                for _ in 0..4 + rng.below(12) {
                    let v = 128 + rng.below(128);
                    image[y * 28 + x] = image[y * 28 + x].max(v as u8);
                    x = (x as isize + dx).clamp(0, 27) as usize;
                    y = (y as isize + dy).clamp(0, 27) as usize;
                }
            }
            image
        })
        .collect()
}
