//! Optimiser and learning-rate schedule from the config.

use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer};

use crate::config::{OptimizerConfig, OptimizerKind, ScheduleConfig, ScheduleKind};

/// Warm-up starts at `lr / WARMUP_DIVISOR`, as one-cycle schedules do.
const WARMUP_DIVISOR: f64 = 25.0;

/// The optimiser described by `[optimizer]`.
pub fn optimizer(config: &OptimizerConfig) -> ModuleOptimizer {
    match config.kind {
        OptimizerKind::Adam => AdamConfig::new()
            .with_beta_1(config.beta1)
            .with_beta_2(config.beta2)
            .with_epsilon(config.epsilon)
            .with_weight_decay(
                (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay)),
            )
            .init(),
        OptimizerKind::Adamw => AdamWConfig::new()
            .with_beta_1(config.beta1)
            .with_beta_2(config.beta2)
            .with_epsilon(config.epsilon)
            .with_weight_decay(config.weight_decay)
            .init(),
    }
}

/// The per-batch learning-rate schedule for `epochs` epochs of `batches_per_epoch` batches.
pub fn scheduler(
    schedule: &ScheduleConfig,
    lr: f64,
    epochs: usize,
    batches_per_epoch: usize,
) -> Result<ModuleLrScheduler, String> {
    let warmup = schedule.warmup_epochs * batches_per_epoch;
    let main_iters = (epochs * batches_per_epoch).saturating_sub(warmup).max(1);
    let main = match schedule.kind {
        ScheduleKind::Constant if warmup == 0 => return Ok(ConstantLr::new(lr).into()),
        ScheduleKind::Constant => LinearLrSchedulerConfig::new(lr, lr, main_iters).into(),
        ScheduleKind::Cosine => CosineAnnealingLrSchedulerConfig::new(lr, main_iters)
            .with_min_lr(schedule.min_lr)
            .into(),
    };
    if warmup == 0 {
        return SequentialLrSchedulerConfig::new(vec![main], vec![]).init();
    }
    let ramp = LinearLrSchedulerConfig::new(lr / WARMUP_DIVISOR, lr, warmup).into();
    SequentialLrSchedulerConfig::new(vec![ramp, main], vec![warmup]).init()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schedule_builds() {
        for kind in [ScheduleKind::Constant, ScheduleKind::Cosine] {
            for warmup_epochs in [0, 1] {
                let schedule = ScheduleConfig {
                    kind,
                    warmup_epochs,
                    min_lr: 1e-5,
                };
                scheduler(&schedule, 1e-3, 3, 10)
                    .unwrap_or_else(|e| panic!("{kind:?} {warmup_epochs}: {e}"));
            }
        }
    }
}
