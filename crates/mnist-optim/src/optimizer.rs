//! [`FusedAdam`] behind Burn's per-parameter `Optimizer` trait, with Burn's Adam state.

use burn::optim::{
    AdamConfig, AdamState, AdamWConfig, AdamWState, AdaptiveMomentumState, LearningRate, Optimizer,
    decay::WeightDecayConfig,
};
use burn::tensor::{DType, Device, Tensor, TensorData};

use crate::FusedAdamConfig;
use crate::kernel::{Decay, StepConstants};

/// Adam or AdamW in one pass over each f32 parameter (see the crate's documentation).
#[derive(Clone)]
pub struct FusedAdam {
    config: FusedAdamConfig,
    /// Burn's own optimizer with the same settings, for parameters that are not f32.
    fallback: Fallback,
}

#[derive(Clone)]
enum Fallback {
    Adam(burn::optim::Adam),
    AdamW(burn::optim::AdamW),
}

impl FusedAdam {
    pub(crate) fn new(config: FusedAdamConfig) -> Self {
        let fallback = match config.decay {
            Decay::Decoupled(rate) => Fallback::AdamW(
                AdamWConfig::new()
                    .with_beta_1(config.beta_1)
                    .with_beta_2(config.beta_2)
                    .with_epsilon(config.epsilon)
                    .with_weight_decay(rate)
                    .build(),
            ),
            Decay::None | Decay::L2(_) => Fallback::Adam(
                AdamConfig::new()
                    .with_beta_1(config.beta_1)
                    .with_beta_2(config.beta_2)
                    .with_epsilon(config.epsilon)
                    .with_weight_decay(match config.decay {
                        Decay::L2(penalty) => Some(WeightDecayConfig::new(penalty)),
                        _ => None,
                    })
                    .build(),
            ),
        };
        Self { config, fallback }
    }

    /// One fused step, or the inputs back untouched when they are not all f32 (then Burn's
    /// step runs). Everything is taken by value: a tensor nothing else holds hands its buffer
    /// over without a copy (Flex's `into_data`), so the update happens in place.
    fn fused_step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        momentum: Option<AdaptiveMomentumState<D>>,
    ) -> Result<(Tensor<D>, AdaptiveMomentumState<D>), Box<Unfused<D>>> {
        let all_f32 = tensor.dtype() == DType::F32
            && grad.dtype() == DType::F32
            && momentum.as_ref().is_none_or(|m| {
                m.max_moment_2.is_none()
                    && m.moment_1.dtype() == DType::F32
                    && m.moment_2.dtype() == DType::F32
            });
        if !all_f32 {
            return Err(Box::new((tensor, grad, momentum)));
        }
        let device = tensor.device();
        let shape = tensor.shape();
        let had_state = momentum.is_some();
        let (time, moment_1, moment_2) = match momentum {
            Some(state) => (
                state.time + 1,
                state.moment_1.into_data(),
                state.moment_2.into_data(),
            ),
            None => {
                let zeros = || TensorData::new(vec![0.0f32; shape.num_elements()], shape.clone());
                (1, zeros(), zeros())
            }
        };
        let (mut params, grads, mut moment_1, mut moment_2) =
            (tensor.into_data(), grad.into_data(), moment_1, moment_2);
        let FusedAdamConfig {
            beta_1,
            beta_2,
            epsilon,
            decay,
        } = self.config;
        let fused = match (
            params.as_mut_slice::<f32>(),
            grads.as_slice::<f32>(),
            moment_1.as_mut_slice::<f32>(),
            moment_2.as_mut_slice::<f32>(),
        ) {
            (Ok(p), Ok(g), Ok(m), Ok(v)) => {
                StepConstants::new(beta_1, beta_2, epsilon, decay, lr, time).apply(p, g, m, v);
                true
            }
            // A buffer the f32 view cannot borrow (misaligned bytes): untouched, back to Burn.
            _ => false,
        };
        let tensor_of = |data: TensorData| Tensor::from_data(data, &device);
        if !fused {
            let momentum = had_state.then(|| {
                AdaptiveMomentumState::new(time - 1, tensor_of(moment_1), tensor_of(moment_2))
            });
            return Err(Box::new((tensor_of(params), tensor_of(grads), momentum)));
        }
        let state = AdaptiveMomentumState::new(time, tensor_of(moment_1), tensor_of(moment_2));
        Ok((tensor_of(params), state))
    }
}

/// A parameter, its gradient and its state, handed back when they cannot be fused.
type Unfused<const D: usize> = (Tensor<D>, Tensor<D>, Option<AdaptiveMomentumState<D>>);

/// The state is Burn's `AdamState` for both variants: `AdamWState` has the same one field, so
/// a checkpoint records exactly the names and tensors Burn's optimizer of either variant would.
impl Optimizer for FusedAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (tensor, grad, momentum) =
            match self.fused_step(lr, tensor, grad, state.map(|s| s.momentum)) {
                Ok((tensor, momentum)) => return (tensor, Some(AdamState::new(momentum))),
                Err(unfused) => *unfused,
            };
        let state = momentum.map(AdamState::new);
        match &self.fallback {
            Fallback::Adam(adam) => adam.step(lr, tensor, grad, state),
            Fallback::AdamW(adamw) => {
                let state = state.map(|s| AdamWState::new(s.momentum));
                let (tensor, state) = adamw.step(lr, tensor, grad, state);
                (tensor, state.map(|s| AdamState::new(s.momentum)))
            }
        }
    }

    fn to_device<const D: usize>(mut state: Self::State<D>, device: &Device) -> Self::State<D> {
        state.momentum = state.momentum.to_device(device);
        state
    }
}
