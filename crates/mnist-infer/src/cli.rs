//! Command-line arguments of `infer`.

use std::path::PathBuf;

use clap::Parser;

/// Classify photos, scans and drawings of handwritten digits with a model trained by
/// `train`, or evaluate the model on the MNIST test set.
///
/// Any image size and colour works: each image is converted to grayscale, inverted when the
/// digit is dark on a light background, cropped to the digit, scaled to fit 20×20 and
/// centred by mass in 28×28, as MNIST itself was made.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
pub struct Args {
    /// Image files (PNG, JPEG, BMP, GIF, WebP) or directories to search for them.
    #[arg(value_name = "IMAGE", required_unless_present = "test")]
    pub images: Vec<PathBuf>,
    /// A run directory written by `train`, or the model file inside one.
    #[arg(
        long,
        short,
        value_name = "PATH",
        default_value = "artifacts/mlp-256-128"
    )]
    pub model: PathBuf,
    /// Show the K most likely digits for each image.
    #[arg(long, short = 'k', value_name = "K", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=10))]
    pub top_k: u8,
    /// Print machine-readable JSON (every probability) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Evaluate on the 10 000 MNIST test images: accuracy, per-class accuracy, confusion.
    #[arg(long, conflicts_with = "images")]
    pub test: bool,
    /// With --test: also write the logits of every test image to FILE (CSV, one row of 10
    /// per image, in test-set order), e.g. to compare with another framework.
    #[arg(long, value_name = "FILE", requires = "test")]
    pub logits: Option<PathBuf>,
    /// Directory with the MNIST files for --test (also MNIST_DIR).
    #[arg(long, value_name = "DIR", requires = "test")]
    pub data_dir: Option<PathBuf>,
    /// Backend: ndarray, flex, wgpu or cuda, among those compiled in.
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
}
