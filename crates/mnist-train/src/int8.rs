//! The int8 copy every run leaves beside its f32 model: `model-int8.safetensors` (the exported
//! f32 weights quantized by the model crate's `quantize_for_dataset`, the same function the
//! `quantize` command calls) and its ONNX export `model-int8.onnx`, both written atomically,
//! and the copy scored on the test set by the same integer forward pass a board runs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::data::dataset::Dataset;
use mnist_data::MnistDataset;
use mnist_model::{CALIBRATION_IMAGES, INT8_FILE, INT8_ONNX_FILE, SAFETENSORS_FILE};

/// The int8 model of a run, as written.
pub struct Int8Copy {
    /// Its file.
    pub path: PathBuf,
    /// Its size, bytes.
    pub bytes: u64,
    /// Test accuracy of the integer forward pass, percent.
    pub test_accuracy: f64,
}

/// Quantizes the run's `model.safetensors` in `run`, writes the int8 file and its ONNX export
/// and scores it.
pub fn write_copy(
    run: &Path,
    dataset: mnist_data::Dataset,
    train: &MnistDataset,
    test: &MnistDataset,
) -> anyhow::Result<Int8Copy> {
    let source = run.join(SAFETENSORS_FILE);
    let layers = mnist_int8::read_f32_safetensors_file(&source)?;
    let calibration = (0..train.len().min(CALIBRATION_IMAGES)).map(|i| train.image(i));
    let model = mnist_model::quantize_for_dataset(&layers, dataset, calibration)
        .with_context(|| format!("quantizing {}", source.display()))?;
    let bytes = mnist_int8::to_bytes(&model)?;
    let path = run.join(INT8_FILE);
    mnist_atomic::write(&path, &bytes)?;
    mnist_model::export_int8_onnx(&model, &run.join(INT8_ONNX_FILE))?;
    let test_accuracy = mnist_model::int8_accuracy(
        &model,
        (0..test.len()).map(|i| (test.image(i), test.label(i))),
    );
    Ok(Int8Copy {
        path,
        bytes: bytes.len() as u64,
        test_accuracy,
    })
}
