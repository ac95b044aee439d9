//! Scoring a model on labelled images: loss, accuracy, per-class accuracy, confusion matrix.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use mnist_dataset::Dataset;
use serde::Serialize;

use crate::mlp::{CLASSES, Mlp};

/// Images per forward pass when scoring a whole split (validation, `train`'s test report,
/// `infer --test`): no gradients are kept, so large batches cost little memory.
pub const EVAL_BATCH: usize = 1000;

/// Accumulated results over any number of batches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// `confusion[true][predicted]` counts.
    pub confusion: [[u64; CLASSES]; CLASSES],
    /// Sum of per-image cross-entropy (nats).
    pub loss_sum: f64,
    /// Images seen.
    pub count: u64,
}

impl Default for Evaluation {
    fn default() -> Self {
        Self {
            confusion: [[0; CLASSES]; CLASSES],
            loss_sum: 0.0,
            count: 0,
        }
    }
}

impl Evaluation {
    /// Scores every batch of `(images [B, 784], labels)` with `model`.
    pub fn run(model: &Mlp, batches: impl IntoIterator<Item = (Tensor<2>, Vec<u8>)>) -> Self {
        let mut evaluation = Self::default();
        for (images, labels) in batches {
            evaluation.add(model.forward(images), &labels);
        }
        evaluation
    }

    /// Adds one batch of logits `[B, 10]` with the true labels; returns the predicted class
    /// of each image.
    pub fn add(&mut self, logits: Tensor<2>, labels: &[u8]) -> Vec<usize> {
        let log_probs = log_softmax(logits, 1).into_data().convert::<f32>();
        let log_probs = log_probs.as_slice::<f32>().expect("converted to f32");
        let mut predictions = Vec::with_capacity(labels.len());
        for (row, &label) in log_probs.chunks_exact(CLASSES).zip(labels) {
            let predicted = argmax(row);
            self.confusion[label as usize][predicted] += 1;
            self.loss_sum -= f64::from(row[label as usize]);
            self.count += 1;
            predictions.push(predicted);
        }
        predictions
    }

    /// Mean cross-entropy.
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.count.max(1) as f64
    }

    /// Correctly classified images.
    pub fn correct(&self) -> u64 {
        (0..CLASSES).map(|c| self.confusion[c][c]).sum()
    }

    /// Accuracy in percent.
    pub fn accuracy(&self) -> f64 {
        100.0 * self.correct() as f64 / self.count.max(1) as f64
    }

    /// Accuracy of each true class in percent (recall per digit).
    pub fn per_class_accuracy(&self) -> [f64; CLASSES] {
        std::array::from_fn(|c| {
            let total: u64 = self.confusion[c].iter().sum();
            100.0 * self.confusion[c][c] as f64 / total.max(1) as f64
        })
    }
}

impl Evaluation {
    /// The report both binaries print: accuracy and loss, then accuracy per class, named as
    /// `dataset` names them.
    pub fn report(&self, dataset: Dataset) -> String {
        let per_class: Vec<String> = self
            .per_class_accuracy()
            .iter()
            .enumerate()
            .map(|(class, accuracy)| format!("{}: {accuracy:.1}%", dataset.class_name(class)))
            .collect();
        format!(
            "test accuracy {:.2}% ({} / {}), test loss {:.4}\nper class: {}",
            self.accuracy(),
            self.correct(),
            self.count,
            self.loss(),
            per_class.join("  ")
        )
    }
}

impl std::fmt::Display for Evaluation {
    /// [`Evaluation::report`] with MNIST's class names (the digits).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.report(Dataset::MNIST))
    }
}

/// Index of the largest value (the first on ties).
pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > values[best] { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_loss_and_accuracies() {
        let device = Device::default();
        let mut logits = [[0.0f32; CLASSES]; 3];
        logits[0][3] = 10.0; // true 3, predicted 3
        logits[1][5] = 10.0; // true 3, predicted 5
        logits[2][1] = 10.0; // true 1, predicted 1
        let mut evaluation = Evaluation::default();
        evaluation.add(Tensor::from_data(logits, &device), &[3, 3, 1]);
        assert_eq!(evaluation.count, 3);
        assert_eq!(evaluation.correct(), 2);
        assert!((evaluation.accuracy() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(evaluation.confusion[3][5], 1);
        let per_class = evaluation.per_class_accuracy();
        assert_eq!(
            (per_class[3], per_class[1], per_class[0]),
            (50.0, 100.0, 0.0)
        );
        // The misclassified row costs ~10 nats, the others ~0.
        assert!(
            (evaluation.loss() - 10.0 / 3.0).abs() < 0.01,
            "{}",
            evaluation.loss()
        );
    }

    #[test]
    fn argmax_prefers_the_first_maximum() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
    }
}
