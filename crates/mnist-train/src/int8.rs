//! The int8 copy every run leaves beside its f32 model: the exported f32 weights quantized by
//! the model crate's `quantize_for_dataset` (the function the `quantize` command calls),
//! written in every int8 format a run holds (`model-int8.safetensors`, `model-int8.onnx`), and
//! scored on the test set by the same integer forward pass a board runs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::data::dataset::Dataset;
use mnist_data::MnistDataset;
use mnist_model::{CALIBRATION_IMAGES, INT8_FILE, SAFETENSORS_FILE, ToWrite};

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
    mnist_model::write_run(ToWrite::Int8(&model), run)?;
    let path = run.join(INT8_FILE);
    let bytes = std::fs::metadata(&path)
        .with_context(|| format!("reading back {}", path.display()))?
        .len();
    let test_accuracy = mnist_model::int8_accuracy(
        &model,
        (0..test.len()).map(|i| (test.image(i), test.label(i))),
    );
    Ok(Int8Copy {
        path,
        bytes,
        test_accuracy,
    })
}
