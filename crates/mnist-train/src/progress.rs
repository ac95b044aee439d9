//! The plain per-epoch line printed when Burn's terminal dashboard is off (CI, pipes, logs).

use crate::metrics::EpochRecord;

/// `epoch   3/20  train loss 0.1234 acc  96.10%  valid loss …  lr 1.00e-3  2.10s`
pub fn epoch_line(record: &EpochRecord, total_epochs: usize) -> String {
    format!(
        "epoch {:>3}/{}  train loss {:.4} acc {:6.2}%  valid loss {:.4} acc {:6.2}%  lr {:.2e}  {:.2}s",
        record.epoch,
        total_epochs,
        record.train_loss,
        record.train_acc,
        record.valid_loss,
        record.valid_acc,
        record.lr,
        record.seconds
    )
}
