//! Command-line arguments of `infer`.

use std::path::PathBuf;

use clap::Parser;

/// Classify photos, scans and drawings of handwritten digits (or, with a Fashion-MNIST
/// model, photos of clothes, shoes and bags) with a model trained by `train`, or evaluate
/// the model on its dataset's test set.
///
/// Any image size and colour works, phone photos included: the camera's orientation is
/// applied, the paper's light, shadows and ruled lines are removed, specks are ignored, and
/// the digit is cropped, scaled to fit 20×20 and centred by mass in 28×28, as MNIST itself
/// was made. With --number, every digit of a number is read, left to right. A product photo
/// is made as Fashion-MNIST was: trimmed, longest side 28 pixels, sharpened, centred,
/// negated.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
pub struct Args {
    /// Image files (PNG, JPEG, BMP, GIF, WebP) or directories to search for them.
    #[arg(value_name = "IMAGE", required_unless_present = "test")]
    pub images: Vec<PathBuf>,
    /// A run directory written by `train`, the model file inside one, PyTorch weights
    /// (.safetensors, .pt, .pth) or a Keras file (.keras, .weights.h5, .h5), told apart by
    /// content.
    #[arg(
        long,
        short,
        value_name = "PATH",
        default_value = "artifacts/mlp-256-128"
    )]
    pub model: PathBuf,
    /// Read each image as a number of several digits (a house number, a meter reading,
    /// "2026"), left to right (MNIST models only).
    #[arg(long, short = 'n', conflicts_with = "test")]
    pub number: bool,
    /// Write what the model saw into DIR: per image the 28×28 image it was given (PNG,
    /// enlarged ×8); with --number one per digit and the image with the digits boxed; for a
    /// product, the photo with the product's box too.
    #[arg(long, value_name = "DIR", conflicts_with = "test")]
    pub save_preprocessed: Option<PathBuf>,
    /// Show the K most likely classes for each image.
    #[arg(long, short = 'k', value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub top_k: u8,
    /// Print machine-readable JSON (every probability) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Evaluate on the 10 000 test images of the model's dataset: accuracy, per-class
    /// accuracy, confusion.
    #[arg(long, conflicts_with = "images")]
    pub test: bool,
    /// The dataset the model was trained on: mnist or fashion-mnist. Needed only for weights
    /// that do not record it (PyTorch's, or Keras's own files; default mnist); a model that
    /// records another dataset is refused, so --test never scores a model on the wrong
    /// test set.
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<mnist_model::Dataset>,
    /// With --test: also write the logits of every test image to FILE (CSV, one row of 10
    /// per image, in test-set order), e.g. to compare with another framework.
    #[arg(long, value_name = "FILE", requires = "test")]
    pub logits: Option<PathBuf>,
    /// Directory with the dataset's files for --test (also MNIST_DIR, or FASHION_MNIST_DIR).
    #[arg(long, value_name = "DIR", requires = "test")]
    pub data_dir: Option<PathBuf>,
    /// The pixel scale the model was trained on: 1 for pixel / 255 (every model `train`
    /// writes), 255 for a model trained on raw 0–255 pixels.
    #[arg(long, value_name = "SCALE", default_value_t = 1.0, value_parser = positive)]
    pub input_scale: f32,
    /// Backend: ndarray, flex, wgpu or cuda, among those compiled in.
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
}

/// A finite number above 0.
fn positive(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        _ => Err(format!("`{text}` is not a number above 0 (1 or 255)")),
    }
}
