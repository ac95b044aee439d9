//! Command-line arguments of `infer`.

use std::path::PathBuf;

use clap::Parser;

/// Shown after the options: a newcomer copies an example before reading the list. The
/// flags named here are checked by the `documented_commands` test.
const EXAMPLES: &str = "\
Examples:
  infer photo.jpg scans/                    one digit each, the default model
  infer --number --save-preprocessed seen/ docs/examples/squared-2026.jpg
  infer --model artifacts/mlp-128 --test    accuracy on the test set

Guide: docs/inference.md";

/// Read digits (or clothes) in photos with a model trained by `train`, or score it on its test set.
// One paragraph only: a second one would switch clap's --help to its three-lines-an-option
// layout, which does not fit a screen with this many options. How an image becomes a digit
// is in docs/inference.md.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
pub struct Args {
    /// Image files (PNG, JPEG, BMP, GIF, WebP) or directories to search for them.
    #[arg(value_name = "IMAGE", required_unless_present = "test")]
    pub images: Vec<PathBuf>,
    /// Run directory or model file: ours (f32, int8), PyTorch, Keras.
    #[arg(
        long,
        short,
        value_name = "PATH",
        default_value = "artifacts/mlp-256-128"
    )]
    pub model: PathBuf,
    /// Read each image as a number of several digits, left to right (MNIST models).
    #[arg(long, short = 'n', conflicts_with = "test")]
    pub number: bool,
    /// Write what the model saw into DIR (the 28×28 images, the boxes found).
    #[arg(long, value_name = "DIR", conflicts_with = "test")]
    pub save_preprocessed: Option<PathBuf>,
    /// Show the K most likely classes of each image.
    #[arg(long, short = 'k', value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub top_k: u8,
    /// Print JSON (every probability, box, warning) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Score the model on its dataset's 10 000 test images.
    #[arg(long, conflicts_with = "images")]
    pub test: bool,
    /// mnist or fashion-mnist, for weights that do not record it (PyTorch, Keras).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<mnist_model::Dataset>,
    /// With --test: write every test image's logits to FILE (CSV, test-set order).
    #[arg(long, value_name = "FILE", requires = "test")]
    pub logits: Option<PathBuf>,
    /// Directory with the dataset's files for --test (env MNIST_DIR).
    #[arg(long, value_name = "DIR", requires = "test")]
    pub data_dir: Option<PathBuf>,
    /// 255 for a model trained on raw 0–255 pixels (train's: pixel / 255).
    #[arg(long, value_name = "SCALE", default_value_t = 1.0, value_parser = positive)]
    pub input_scale: f32,
    /// flex, ndarray, wgpu or cuda, among those compiled in.
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
