//! The int8 copy every run leaves beside its f32 model (`model-int8.safetensors`): the
//! exported f32 weights quantized by `mnist-int8` (per-channel int8 weights, activation
//! scales calibrated on training images), written atomically and scored on the test set by
//! the same integer forward pass a board runs.

use std::path::{Path, PathBuf};

use anyhow::Context;
use burn::data::dataset::Dataset;
use mnist_data::{IMAGE_PIXELS, MnistDataset};
use mnist_int8::QuantizedMlp;
use mnist_model::{INT8_FILE, SAFETENSORS_FILE};

/// Training images the activation ranges are measured on.
const CALIBRATION_IMAGES: usize = 5000;

/// The int8 model of a run, as written.
pub struct Int8Copy {
    /// Its file.
    pub path: PathBuf,
    /// Its size, bytes.
    pub bytes: u64,
    /// Test accuracy of the integer forward pass, percent.
    pub test_accuracy: f64,
}

/// Quantizes the run's `model.safetensors` in `run`, writes the int8 file and scores it.
pub fn write_copy(
    run: &Path,
    dataset: mnist_data::Dataset,
    train: &MnistDataset,
    test: &MnistDataset,
) -> anyhow::Result<Int8Copy> {
    let source = run.join(SAFETENSORS_FILE);
    let layers = mnist_int8::read_f32_safetensors_file(&source)?;
    let calibration = (0..train.len().min(CALIBRATION_IMAGES)).map(|i| train.image(i));
    let mut model = mnist_int8::quantize(&layers, calibration)
        .with_context(|| format!("quantizing {}", source.display()))?;
    model.dataset = Some(dataset.name.to_string());
    model.class_names = Some((0..10).map(|c| dataset.class_name(c).to_string()).collect());
    let bytes = mnist_int8::to_bytes(&model)?;
    let path = run.join(INT8_FILE);
    mnist_atomic::write(&path, &bytes)?;
    Ok(Int8Copy {
        path,
        bytes: bytes.len() as u64,
        test_accuracy: accuracy(&model, test),
    })
}

/// Percent of `test` the integer forward pass classifies right.
fn accuracy(model: &QuantizedMlp, test: &MnistDataset) -> f64 {
    let correct = (0..test.len())
        .filter(|&i| {
            let mut pixels = [0u8; IMAGE_PIXELS];
            pixels.copy_from_slice(test.image(i));
            model
                .classify_pixels(&pixels)
                .is_some_and(|reading| reading.class == usize::from(test.label(i)))
        })
        .count();
    100.0 * correct as f64 / test.len().max(1) as f64
}
