//! Running the model on preprocessed digits, in batches.

use burn::prelude::*;
use mnist_model::{CLASSES, argmax};
use serde::Serialize;

use mnist_vision::Digit;

use crate::model::Model;

/// Digits per forward pass: large enough to amortise the call, small enough to keep memory
/// flat for any number of inputs.
pub const BATCH: usize = 1024;

/// The model's answer for one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// The most likely class (for MNIST the digit).
    pub class: usize,
    /// Its probability.
    pub confidence: f32,
    /// The probability of each class 0..=9.
    pub probabilities: [f32; CLASSES],
}

impl Prediction {
    fn from_probabilities(probabilities: [f32; CLASSES]) -> Self {
        let class = argmax(&probabilities);
        Self {
            class,
            confidence: probabilities[class],
            probabilities,
        }
    }

    /// The `k` most likely classes with their probabilities, most likely first.
    pub fn top_k(&self, k: usize) -> Vec<(usize, f32)> {
        let mut ranked: Vec<(usize, f32)> =
            self.probabilities.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }
}

/// Classifies `digits`, [`BATCH`] at a time.
pub fn predict<M: Model + ?Sized>(model: &M, digits: &[Digit], device: &Device) -> Vec<Prediction> {
    let mut predictions = Vec::with_capacity(digits.len());
    for chunk in digits.chunks(BATCH) {
        let logits = model.logits(chunk, device);
        let probabilities = burn::tensor::activation::softmax(logits, 1)
            .into_data()
            .convert::<f32>();
        let probabilities = probabilities.as_slice::<f32>().expect("converted to f32");
        predictions.extend(probabilities.chunks_exact(CLASSES).map(|row| {
            Prediction::from_probabilities(row.try_into().expect("rows of CLASSES values"))
        }));
    }
    predictions
}

#[cfg(test)]
mod tests {
    use mnist_model::MlpConfig;

    use super::*;

    #[test]
    fn top_k_ranks_by_probability() {
        let mut probabilities = [0.0; CLASSES];
        (probabilities[3], probabilities[8], probabilities[1]) = (0.6, 0.3, 0.1);
        let prediction = Prediction::from_probabilities(probabilities);
        assert_eq!((prediction.class, prediction.confidence), (3, 0.6));
        assert_eq!(prediction.top_k(2), vec![(3, 0.6), (8, 0.3)]);
    }

    #[test]
    fn batches_give_the_same_answers_as_single_images() {
        let device = Device::default();
        device.seed(3);
        let model = MlpConfig::mlp_128().init(&device);
        let digits: Vec<Digit> = (0..BATCH + 5)
            .map(|i| std::array::from_fn(|p| ((p * 7 + i * 13) % 256) as u8))
            .collect();
        let all = predict(&model, &digits, &device);
        assert_eq!(all.len(), digits.len());
        for i in [0, BATCH - 1, BATCH, BATCH + 4] {
            let single = predict(&model, &digits[i..=i], &device);
            assert_eq!(single[0].class, all[i].class);
            let sum: f32 = all[i].probabilities.iter().sum();
            assert!((sum - 1.0).abs() < 1e-4, "{sum}");
            for (a, b) in single[0].probabilities.iter().zip(&all[i].probabilities) {
                assert!((a - b).abs() < 1e-5);
            }
        }
    }
}
