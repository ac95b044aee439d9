//! The fused Adam/AdamW update on plain slices: one read and one write of every parameter,
//! gradient and moment per step.

use rayon::prelude::*;

/// Elements per rayon task: big enough that a task outweighs its scheduling (a few µs of
/// arithmetic), small enough that the first layer's 200 704 weights split over every core.
const CHUNK: usize = 16 * 1024;

/// How weights decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// No decay.
    None,
    /// Adam's L2 penalty: `penalty · θ` added to the gradient before the moments.
    L2(f32),
    /// AdamW's decoupled decay: `θ ← θ · (1 − lr · rate)` beside the Adam step.
    Decoupled(f32),
}

/// Everything of one step that is the same for every element, worked out once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepConstants {
    beta_1: f32,
    beta_2: f32,
    /// Multiplies the first moment (bias corrections and, for Adam, Burn's folding of them).
    moment_scale: f32,
    /// Multiplies the second moment before its root (AdamW's bias correction; 1 for Adam).
    variance_scale: f32,
    /// Added to the root of the second moment.
    epsilon: f32,
    lr: f32,
    /// L2 penalty folded into the gradient (Adam).
    penalty: f32,
    /// What the weight is multiplied by before the step (AdamW).
    keep: f32,
}

impl StepConstants {
    /// The constants of step `time` (1 for the first step), in the forms Burn's `Adam` and
    /// `AdamW` use, so the fused step follows the same arithmetic.
    pub fn new(beta_1: f32, beta_2: f32, epsilon: f32, decay: Decay, lr: f64, time: usize) -> Self {
        let time = i32::try_from(time).unwrap_or(i32::MAX);
        let correction_1 = 1.0 - beta_1.powi(time);
        let correction_2 = 1.0 - beta_2.powi(time);
        let lr32 = lr as f32;
        let (moment_scale, variance_scale, epsilon, penalty, keep) = match decay {
            Decay::None | Decay::L2(_) => {
                // Burn's Adam: m · √c2 / c1 / (√v + ε √c2).
                let root_2 = correction_2.sqrt();
                let penalty = if let Decay::L2(p) = decay { p } else { 0.0 };
                (root_2 / correction_1, 1.0, epsilon * root_2, penalty, 1.0)
            }
            Decay::Decoupled(rate) => (
                1.0 / correction_1,
                1.0 / correction_2,
                epsilon,
                0.0,
                (1.0 - lr * f64::from(rate)) as f32,
            ),
        };
        Self {
            beta_1,
            beta_2,
            moment_scale,
            variance_scale,
            epsilon,
            lr: lr32,
            penalty,
            keep,
        }
    }

    /// Updates `params` and both moments in place from `grads`; all four have one length.
    pub fn apply(
        &self,
        params: &mut [f32],
        grads: &[f32],
        moment_1: &mut [f32],
        moment_2: &mut [f32],
    ) {
        assert!(
            grads.len() == params.len()
                && moment_1.len() == params.len()
                && moment_2.len() == params.len(),
            "a parameter, its gradient and its moments have one length"
        );
        // The instruction set is detected once per step, not per chunk.
        let arch = pulp::Arch::new();
        params
            .par_chunks_mut(CHUNK)
            .zip(grads.par_chunks(CHUNK))
            .zip(moment_1.par_chunks_mut(CHUNK))
            .zip(moment_2.par_chunks_mut(CHUNK))
            .for_each(|(((params, grads), moment_1), moment_2)| {
                arch.dispatch(Chunk {
                    constants: self,
                    params,
                    grads,
                    moment_1,
                    moment_2,
                })
            });
    }

    /// The update of one chunk, inlined into `Chunk::with_simd` so that it is compiled, and
    /// vectorised, once per instruction set: the baseline x86-64 build alone would use 4-wide
    /// SSE for the square roots and divisions.
    #[inline(always)]
    fn apply_chunk(
        &self,
        params: &mut [f32],
        grads: &[f32],
        moment_1: &mut [f32],
        moment_2: &mut [f32],
    ) {
        let Self {
            beta_1,
            beta_2,
            moment_scale,
            variance_scale,
            epsilon,
            lr,
            penalty,
            keep,
        } = *self;
        let (rest_1, rest_2) = (1.0 - beta_1, 1.0 - beta_2);
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grads)
            .zip(moment_1.iter_mut())
            .zip(moment_2.iter_mut())
        {
            let g = g + penalty * *p;
            *m = *m * beta_1 + g * rest_1;
            *v = *v * beta_2 + g * g * rest_2;
            let step = *m * moment_scale / ((*v * variance_scale).sqrt() + epsilon);
            *p = *p * keep - step * lr;
        }
    }
}

/// One chunk's arguments, for `pulp`'s run-time choice of instruction set.
struct Chunk<'a> {
    constants: &'a StepConstants,
    params: &'a mut [f32],
    grads: &'a [f32],
    moment_1: &'a mut [f32],
    moment_2: &'a mut [f32],
}

impl pulp::WithSimd for Chunk<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        self.constants
            .apply_chunk(self.params, self.grads, self.moment_1, self.moment_2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adam written out for one scalar, as the paper states it.
    fn textbook(theta: f32, grads: &[f32], lr: f32, decay: Decay) -> f32 {
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-5f32);
        // Burn's Adam folds the corrections differently (m·√c2/c1 / (√v + ε√c2)); the
        // algebra is the same.
        let (mut m, mut v, mut theta) = (0.0f32, 0.0f32, theta);
        for (t, &g) in grads.iter().enumerate() {
            let t = t as i32 + 1;
            let g = if let Decay::L2(p) = decay {
                g + p * theta
            } else {
                g
            };
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            let (m_hat, v_hat) = (m / (1.0 - b1.powi(t)), v / (1.0 - b2.powi(t)));
            if let Decay::Decoupled(rate) = decay {
                theta *= 1.0 - lr * rate;
            }
            theta -= lr * m_hat / (v_hat.sqrt() + eps);
        }
        theta
    }

    #[test]
    fn matches_the_textbook_update_for_every_decay() {
        let grads = [0.5f32, -0.25, 1.0, 0.125, -2.0, 0.75];
        for decay in [Decay::None, Decay::L2(0.01), Decay::Decoupled(0.05)] {
            let (mut p, mut m, mut v) = ([1.5f32], [0.0f32], [0.0f32]);
            for (t, &g) in grads.iter().enumerate() {
                StepConstants::new(0.9, 0.999, 1e-5, decay, 1e-2, t + 1).apply(
                    &mut p,
                    &[g],
                    &mut m,
                    &mut v,
                );
            }
            let expected = textbook(1.5, &grads, 1e-2, decay);
            assert!(
                (p[0] - expected).abs() < 1e-5,
                "{decay:?}: {} vs {expected}",
                p[0]
            );
        }
    }

    #[test]
    fn the_split_over_threads_does_not_change_the_result() {
        let n = 3 * CHUNK + 17;
        let grads: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let constants = StepConstants::new(0.9, 0.999, 1e-8, Decay::Decoupled(0.01), 1e-3, 3);
        let run = |threads: usize| {
            let (mut p, mut m, mut v) = (vec![0.25f32; n], vec![0.01f32; n], vec![0.02f32; n]);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            pool.install(|| constants.apply(&mut p, &grads, &mut m, &mut v));
            (p, m, v)
        };
        assert_eq!(run(1), run(4));
    }

    #[test]
    #[should_panic(expected = "one length")]
    fn mismatched_lengths_are_refused() {
        let constants = StepConstants::new(0.9, 0.999, 1e-8, Decay::None, 1e-3, 1);
        constants.apply(&mut [0.0; 3], &[0.0; 2], &mut [0.0; 3], &mut [0.0; 3]);
    }
}
