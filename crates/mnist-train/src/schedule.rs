//! Optimiser and learning-rate schedule from the config.

use burn::lr_scheduler::constant::ConstantLr;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::ModuleOptimizer;
use mnist_optim::{Decay, FusedAdamConfig};

use crate::config::{OptimizerConfig, OptimizerKind, ScheduleConfig, ScheduleKind};

/// Warm-up starts at `lr / WARMUP_DIVISOR`, as one-cycle schedules do.
const WARMUP_DIVISOR: f64 = 25.0;

/// The optimiser described by `[optimizer]`: Adam or AdamW fused into one pass per parameter
/// (`mnist-optim`; the same arithmetic and checkpoint format as Burn's, a fraction of the
/// memory traffic).
pub fn optimizer(config: &OptimizerConfig) -> ModuleOptimizer {
    let decay = match config.kind {
        _ if config.weight_decay == 0.0 => Decay::None,
        OptimizerKind::Adam => Decay::L2(config.weight_decay),
        OptimizerKind::Adamw => Decay::Decoupled(config.weight_decay),
    };
    FusedAdamConfig {
        beta_1: config.beta1,
        beta_2: config.beta2,
        epsilon: config.epsilon,
        decay,
    }
    .init()
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
