//! Per-epoch records: a [`Meter`] sums each batch's loss and hits, and the [`EpochLog`] keeps
//! every finished epoch's record, rewrites `metrics.csv` with it and prints its line.

use crate::metrics::{EpochRecord, MetricsError, MetricsFile};
use crate::progress::{self, say};

/// Loss and accuracy over the batches of one pass, weighted by batch size.
#[derive(Debug, Default, Clone, Copy)]
pub struct Meter {
    loss_sum: f64,
    correct: usize,
    count: usize,
}

impl Meter {
    /// Adds a batch of `count` images with mean loss `loss`, `correct` of them classified right.
    pub fn add(&mut self, loss: f64, correct: usize, count: usize) {
        self.loss_sum += loss * count as f64;
        self.correct += correct;
        self.count += count;
    }

    /// Mean loss so far (NaN before the first batch).
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.count as f64
    }

    /// Accuracy so far, percent.
    pub fn accuracy(&self) -> f64 {
        100.0 * self.correct as f64 / self.count as f64
    }
}

/// The finished epochs of a run, mirrored in `metrics.csv`.
pub struct EpochLog {
    file: MetricsFile,
    total_epochs: usize,
    records: Vec<EpochRecord>,
}

impl EpochLog {
    /// Starts from the `previous` records (a resumed run's done epochs).
    pub fn new(file: MetricsFile, total_epochs: usize, previous: Vec<EpochRecord>) -> Self {
        Self {
            file,
            total_epochs,
            records: previous,
        }
    }

    /// Adds a finished epoch, rewrites the file and prints the epoch's line.
    pub fn push(&mut self, record: EpochRecord) -> Result<(), MetricsError> {
        self.records.retain(|r| r.epoch != record.epoch);
        self.records.push(record);
        self.file.write(&self.records)?;
        say!("{}", progress::epoch_line(&record, self.total_epochs));
        Ok(())
    }

    /// The epochs finished so far (including those of a resumed run).
    pub fn records(&self) -> &[EpochRecord] {
        &self.records
    }

    /// The records, once training is over.
    pub fn into_records(self) -> Vec<EpochRecord> {
        self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_weights_batches_by_their_size() {
        let mut meter = Meter::default();
        meter.add(1.0, 3, 4);
        meter.add(0.0, 0, 1);
        assert!((meter.loss() - 0.8).abs() < 1e-12);
        assert!((meter.accuracy() - 60.0).abs() < 1e-12);
    }

    #[test]
    fn a_pushed_epoch_replaces_an_older_record_of_the_same_epoch() {
        let dir = tempfile::tempdir().expect("tempdir");
        let record = |epoch, valid_loss| EpochRecord {
            epoch,
            train_loss: 0.5,
            train_acc: 90.0,
            valid_loss,
            valid_acc: 91.0,
            lr: 1e-3,
            train_seconds: 1.0,
            seconds: 1.2,
        };
        let file = MetricsFile::new(dir.path().join("metrics.csv"));
        let mut log = EpochLog::new(file.clone(), 3, vec![record(1, 0.4), record(2, 0.3)]);
        log.push(record(2, 0.25)).expect("written");
        assert_eq!(log.records().len(), 2);
        assert_eq!(file.read_until(3).expect("read"), log.records());
    }
}
