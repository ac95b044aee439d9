//! A loss that stopped being finite: training stops at once, before that epoch is
//! checkpointed, and the run reports it as a typed value.

/// A loss that became NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Divergence {
    /// The 1-based epoch it happened in.
    pub epoch: usize,
    /// True for the training loss, false for the validation loss.
    pub training: bool,
    /// The value (NaN or ±inf).
    pub loss: f64,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let which = if self.training {
            "training"
        } else {
            "validation"
        };
        write!(
            f,
            "the {which} loss became {} in epoch {}",
            self.loss, self.epoch
        )
    }
}

impl Divergence {
    /// `Some` when `loss` (of epoch `epoch`, training or validation) is NaN or infinite.
    pub fn check(loss: f64, epoch: usize, training: bool) -> Option<Self> {
        (!loss.is_finite()).then_some(Self {
            epoch,
            training,
            loss,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_finite_losses_diverge() {
        assert_eq!(Divergence::check(0.3, 2, true), None);
        let nan = Divergence::check(f64::NAN, 2, true).expect("NaN diverges");
        assert_eq!((nan.epoch, nan.training), (2, true));
        let inf = Divergence::check(f64::INFINITY, 3, false).expect("inf diverges");
        assert_eq!(inf.to_string(), "the validation loss became inf in epoch 3");
    }
}
