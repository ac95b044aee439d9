//! A run's score on its dataset's test set, computed once per run and kept: the confusion
//! matrix, per-class accuracy, and every misclassified test image with the model's
//! probabilities, for the run page.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use burn::prelude::*;
use burn::tensor::activation::softmax;
use mnist_data::{FetchOptions, Mnist, MnistDataset, MnistImages};
use mnist_model::{CLASSES, Dataset, EVAL_BATCH, Evaluation};
use serde::Serialize;

use crate::error::ApiError;
use crate::models::LoadedModel;

/// `GET /api/runs/NAME/evaluation`.
#[derive(Debug, Serialize)]
pub struct RunEvaluation {
    /// The run's name.
    pub run: String,
    /// The test set it was scored on.
    pub dataset: Dataset,
    /// Its class names.
    pub classes: [&'static str; CLASSES],
    /// Test images scored.
    pub count: u64,
    /// Percent right.
    pub accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Percent right for each true class.
    pub per_class_accuracy: [f64; CLASSES],
    /// `confusion[true][predicted]` counts.
    pub confusion: [[u64; CLASSES]; CLASSES],
    /// Every test image the model got wrong, in test-set order.
    pub misclassified: Vec<Mistake>,
}

/// One misclassified test image.
#[derive(Debug, Serialize)]
pub struct Mistake {
    /// Its index in the test set (`GET /api/datasets/DATASET/test/INDEX` serves it).
    pub index: usize,
    /// The true class.
    pub label: u8,
    /// The class the model chose.
    pub predicted: usize,
    /// The model's probability for each class.
    pub probabilities: [f32; CLASSES],
}

/// Scores `model` on `test`, in batches.
pub fn evaluate(
    run: &str,
    model: &LoadedModel,
    test: Arc<MnistImages>,
    device: &Device,
) -> RunEvaluation {
    let test = MnistDataset::new(test);
    let mut evaluation = Evaluation::default();
    let mut misclassified = Vec::new();
    let mut index = 0;
    for (images, labels) in test.tensor_batches(EVAL_BATCH, device) {
        let logits = model.model.forward(images);
        let probabilities = softmax(logits.clone(), 1).into_data().convert::<f32>();
        let probabilities = probabilities.as_slice::<f32>().expect("converted to f32");
        let predicted = evaluation.add(logits, &labels);
        for ((row, &label), predicted) in probabilities
            .chunks_exact(CLASSES)
            .zip(&labels)
            .zip(predicted)
        {
            if predicted != usize::from(label) {
                misclassified.push(Mistake {
                    index,
                    label,
                    predicted,
                    probabilities: row.try_into().expect("rows of CLASSES values"),
                });
            }
            index += 1;
        }
    }
    RunEvaluation {
        run: run.to_string(),
        dataset: model.dataset,
        classes: model.dataset.class_names,
        count: evaluation.count,
        accuracy: evaluation.accuracy(),
        loss: evaluation.loss(),
        per_class_accuracy: evaluation.per_class_accuracy(),
        confusion: evaluation.confusion,
        misclassified,
    }
}

/// The test sets loaded so far, and the evaluations computed so far.
#[derive(Debug, Default)]
pub struct Evaluations {
    data_dir: Option<PathBuf>,
    test_sets: Mutex<HashMap<&'static str, Arc<MnistImages>>>,
    done: Mutex<HashMap<(String, u64), Arc<RunEvaluation>>>,
}

impl Evaluations {
    /// Test sets come from `data_dir` when given, else from the usual sources (cache,
    /// mirrors, packages), as for `train`.
    pub fn new(data_dir: Option<PathBuf>) -> Self {
        Self {
            data_dir,
            ..Self::default()
        }
    }

    /// `dataset`'s test set, loaded (and verified) the first time. Blocking.
    pub fn test_set(&self, dataset: Dataset) -> Result<Arc<MnistImages>, ApiError> {
        let mut sets = self.test_sets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(set) = sets.get(dataset.name) {
            return Ok(Arc::clone(set));
        }
        let options = FetchOptions::new(dataset).with_data_dir(self.data_dir.clone());
        let mnist = Mnist::load(&options).map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the {} test set is not available: {e}", dataset.title),
            )
        })?;
        sets.insert(dataset.name, Arc::clone(&mnist.test));
        Ok(mnist.test)
    }

    /// `run`'s evaluation, computed the first time. Blocking.
    pub fn get(
        &self,
        run: &crate::runs::Run,
        model: &LoadedModel,
        device: &Device,
    ) -> Result<Arc<RunEvaluation>, ApiError> {
        let key = (run.info.name.clone(), run.info.model_modified);
        if let Some(done) = self
            .done
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(Arc::clone(done));
        }
        let test = self.test_set(model.dataset)?;
        let evaluation = Arc::new(evaluate(&run.info.name, model, test, device));
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        done.retain(|(name, _), _| name != &run.info.name);
        done.insert(key, Arc::clone(&evaluation));
        Ok(evaluation)
    }
}
