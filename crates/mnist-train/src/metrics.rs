//! `metrics.csv`: one row per finished epoch, read and written through serde on
//! [`EpochRecord`], so the header and the rows cannot drift apart.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One finished epoch, as `metrics.csv` holds it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Training accuracy, percent.
    pub train_acc: f64,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Validation accuracy, percent.
    pub valid_acc: f64,
    /// Learning rate at the end of the epoch.
    pub lr: f64,
    /// Wall time of the training pass, seconds (validation excluded). Files written before
    /// this column existed lack it; their whole-epoch time stands in.
    #[serde(default = "f64_nan")]
    pub train_seconds: f64,
    /// Wall time of the whole epoch, validation included, seconds.
    pub seconds: f64,
}

impl EpochRecord {
    /// A record of `epoch` that differs from others only in its validation loss: what the
    /// checkpoint-keeping and early-stopping tests vary.
    #[cfg(test)]
    pub fn with_valid_loss(epoch: usize, valid_loss: f64) -> Self {
        Self {
            epoch,
            train_loss: 1.0,
            train_acc: 50.0,
            valid_loss,
            valid_acc: 50.0,
            lr: 1e-3,
            train_seconds: 1.0,
            seconds: 1.0,
        }
    }
}

fn f64_nan() -> f64 {
    f64::NAN
}

/// Why `metrics.csv` could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A row could not be parsed (or encoded).
    #[error("{}: {csv}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The csv crate's message, with line and field.
        csv: csv::Error,
    },
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] mnist_atomic::WriteError),
}

/// The metrics file of a run.
#[derive(Debug, Clone)]
pub struct MetricsFile {
    path: PathBuf,
}

impl MetricsFile {
    /// The file at `path` (not touched yet).
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The rows of epochs 1 to `last_epoch`, for a resumed run; a missing file has none.
    pub fn read_until(&self, last_epoch: usize) -> Result<Vec<EpochRecord>, MetricsError> {
        if !self.path.exists() {
            return Ok(Vec::new());
        }
        let read_err = |csv| MetricsError::Csv {
            path: self.path.clone(),
            csv,
        };
        let mut records = Vec::new();
        for row in csv::Reader::from_path(&self.path)
            .map_err(read_err)?
            .deserialize()
        {
            let mut record: EpochRecord = row.map_err(read_err)?;
            if record.train_seconds.is_nan() {
                record.train_seconds = record.seconds;
            }
            if (1..=last_epoch).contains(&record.epoch) {
                records.push(record);
            }
        }
        Ok(records)
    }

    /// How many epochs the file records without a gap (epochs 1 to n): a resumed run continues
    /// after one of them, never after an epoch whose row a kill cut off.
    pub fn recorded_epochs(&self) -> Result<usize, MetricsError> {
        let mut epochs: Vec<usize> = self
            .read_until(usize::MAX)?
            .iter()
            .map(|r| r.epoch)
            .collect();
        epochs.sort_unstable();
        epochs.dedup();
        Ok(epochs
            .iter()
            .zip(1..)
            .take_while(|&(&epoch, expected)| epoch == expected)
            .count())
    }

    /// Replaces the file with `records` (all epochs so far), atomically: a crash or a full
    /// disk leaves the previous rows whole.
    pub fn write(&self, records: &[EpochRecord]) -> Result<(), MetricsError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for record in records {
            writer
                .serialize(Rounded::from(record))
                .map_err(|csv| MetricsError::Csv {
                    path: self.path.clone(),
                    csv,
                })?;
        }
        // An empty file still gets its header, so a reader sees the columns at once.
        let mut bytes = writer.into_inner().map_err(|e| {
            MetricsError::Write(mnist_atomic::WriteError {
                path: self.path.clone(),
                io: e.into_error(),
            })
        })?;
        if records.is_empty() {
            bytes = format!("{}\n", HEADER.join(",")).into_bytes();
        }
        mnist_atomic::write(&self.path, &bytes)?;
        Ok(())
    }
}

/// The column names, in order (what serde writes for [`EpochRecord`]).
pub const HEADER: [&str; 8] = [
    "epoch",
    "train_loss",
    "train_acc",
    "valid_loss",
    "valid_acc",
    "lr",
    "train_seconds",
    "seconds",
];

/// A record as written: fixed digits keep the file readable and diffs small.
#[derive(Serialize)]
struct Rounded {
    epoch: usize,
    train_loss: String,
    train_acc: String,
    valid_loss: String,
    valid_acc: String,
    lr: String,
    train_seconds: String,
    seconds: String,
}

impl From<&EpochRecord> for Rounded {
    fn from(r: &EpochRecord) -> Self {
        Self {
            epoch: r.epoch,
            train_loss: format!("{:.6}", r.train_loss),
            train_acc: format!("{:.4}", r.train_acc),
            valid_loss: format!("{:.6}", r.valid_loss),
            valid_acc: format!("{:.4}", r.valid_acc),
            lr: format!("{:.6e}", r.lr),
            train_seconds: format!("{:.3}", r.train_seconds),
            seconds: format!("{:.3}", r.seconds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: usize) -> EpochRecord {
        EpochRecord {
            epoch,
            train_loss: 0.5 / epoch as f64,
            train_acc: 90.0 + epoch as f64,
            valid_loss: 0.4 / epoch as f64,
            valid_acc: 91.0 + epoch as f64,
            lr: 1e-3,
            train_seconds: 1.5,
            seconds: 2.0,
        }
    }

    #[test]
    fn recorded_epochs_count_up_to_the_first_gap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = MetricsFile::new(dir.path().join("metrics.csv"));
        assert_eq!(file.recorded_epochs().expect("no file"), 0);
        file.write(&[]).expect("header only");
        assert_eq!(file.recorded_epochs().expect("empty"), 0);
        file.write(&[record(1), record(2), record(3)])
            .expect("write");
        assert_eq!(file.recorded_epochs().expect("three"), 3);
        file.write(&[record(1), record(2), record(4)])
            .expect("write");
        assert_eq!(file.recorded_epochs().expect("a gap"), 2);
        file.write(&[record(2)]).expect("write");
        assert_eq!(file.recorded_epochs().expect("no first"), 0);
    }

    #[test]
    fn rows_round_trip_and_a_resume_keeps_the_done_epochs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("metrics.csv");
        let file = MetricsFile::new(path.clone());
        file.write(&[]).expect("header only");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            format!("{}\n", HEADER.join(","))
        );
        let records: Vec<EpochRecord> = (1..=3).map(record).collect();
        file.write(&records).expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(&HEADER.join(",")), "{text}");
        let back = file.read_until(2).expect("read");
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].epoch, 2);
        assert_eq!(back[1].train_seconds, 1.5, "training time kept apart");
        assert_eq!(back[1].seconds, 2.0);
        assert!((back[1].train_loss - 0.25).abs() < 1e-6);
    }

    #[test]
    fn an_older_file_without_training_time_reads_its_epoch_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("metrics.csv");
        std::fs::write(
            &path,
            "epoch,train_loss,train_acc,valid_loss,valid_acc,lr,seconds\n1,0.5,90,0.4,91,1e-3,2.5\n",
        )
        .expect("write");
        let back = MetricsFile::new(path).read_until(5).expect("read");
        assert_eq!(back[0].train_seconds, 2.5);
    }

    #[test]
    fn a_damaged_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("metrics.csv");
        std::fs::write(&path, format!("{}\n1,x,1,1,1,1,1,1\n", HEADER.join(","))).expect("write");
        let err = MetricsFile::new(path.clone())
            .read_until(5)
            .expect_err("bad row");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
    }
}
