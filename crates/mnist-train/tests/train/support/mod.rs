//! Running the real `train` binary and reading what it leaves, shared by the CLI tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The real `train` with `args`, run from the repository with plain output and the data
/// sources CI uses.
pub fn train_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_train"));
    command
        .args(args)
        .current_dir(repo())
        .env("CI", "true")
        .env_remove("MNIST_DIR");
    command
}

pub fn train(args: &[&str]) -> Output {
    train_command(args).output().expect("train runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn assert_clean_failure(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

pub fn metrics_rows(run: &Path) -> Vec<Vec<f64>> {
    let csv = std::fs::read_to_string(run.join("metrics.csv")).expect("metrics.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,train_loss,train_acc,valid_loss,valid_acc,lr,train_seconds,seconds")
    );
    lines
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect()
}

pub fn summary(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).expect("summary.json"))
        .expect("json")
}

/// The outputs a model computes for three fixed inputs: equal outputs, equal weights
/// (Burnpack files carry random parameter ids, so the bytes differ).
pub fn model_logits(run: &Path) -> burn::prelude::TensorData {
    let device = burn::prelude::Device::default();
    let pixels: Vec<f32> = (0..3 * 784).map(|i| (i % 255) as f32 / 255.0).collect();
    let input = burn::prelude::Tensor::<2>::from_data(
        burn::prelude::TensorData::new(pixels, [3, 784]),
        &device,
    );
    let (model, _) = mnist_model::load_model(run, &device).expect("model loads");
    model.forward(input).into_data()
}
