//! The runs the tests serve: a 784-256-128-10 MNIST model (the infer tests' augmented one,
//! ≈ 98 %) and a one-epoch Fashion-MNIST model under `sweep/`, each with the summary,
//! metrics and config `train` writes beside a model.

use std::path::Path;
use std::sync::OnceLock;

use burn::prelude::*;
use mnist_data::{Augmentation, FetchOptions, Mnist, MnistDataset};
use mnist_model::{Dataset, Evaluation, load_model};
use tempfile::TempDir;

use crate::support;

/// The MNIST run's name.
pub const MNIST_RUN: &str = "mlp-256-128";
/// The Fashion-MNIST run's name: nested, as `scripts/seed-sweep.sh` makes them.
pub const FASHION_RUN: &str = "sweep/fashion-mlp-256-128/seed-1";

/// The folder holding both runs, made once per test binary.
pub fn runs() -> &'static Path {
    static RUNS: OnceLock<TempDir> = OnceLock::new();
    RUNS.get_or_init(|| {
        let root = tempfile::tempdir().expect("tempdir");
        let mnist_dir = root.path().join(MNIST_RUN);
        copy_model(support::trained_model_dir(), &mnist_dir);
        write_run_files(&mnist_dir, MNIST_RUN, support::mnist(), 6);

        let fashion = fashion();
        let augmentation = Augmentation {
            flip_horizontal: true,
            ..Augmentation::default()
        };
        let trained = support::trained_run(fashion, augmentation, 1, 5);
        let fashion_dir = root.path().join(FASHION_RUN);
        copy_model(trained.path(), &fashion_dir);
        write_run_files(&fashion_dir, "fashion-mlp-256-128", fashion, 1);
        root
    })
    .path()
}

/// Real Fashion-MNIST, loaded once.
pub fn fashion() -> &'static Mnist {
    static FASHION: OnceLock<Mnist> = OnceLock::new();
    FASHION.get_or_init(|| {
        Mnist::load(&FetchOptions::new(Dataset::FASHION_MNIST)).unwrap_or_else(|e| {
            panic!("Fashion-MNIST must be available (apt-get install dataset-fashion-mnist): {e}")
        })
    })
}

fn copy_model(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("run dir");
    for entry in std::fs::read_dir(from).expect("model dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// The files `train` writes beside the model: `summary.json` with the model's real test
/// accuracy, a `metrics.csv` of `epochs` rows, and the config.
fn write_run_files(dir: &Path, config_name: &str, data: &Mnist, epochs: usize) {
    let device = Device::default();
    let (model, config) = load_model(dir, &device).expect("model loads");
    let test = MnistDataset::new(data.test.clone());
    let evaluation = Evaluation::run(&model, test.tensor_batches(1000, &device));
    let summary = serde_json::json!({
        "name": config_name,
        "model": config.name(),
        "dataset": data.dataset,
        "backend": "flex",
        "seed": 5,
        "epochs": epochs,
        "final_epoch": epochs,
        "test_accuracy": evaluation.accuracy(),
        "test_loss": evaluation.loss(),
        "train_seconds": 4.5 * epochs as f64,
    });
    std::fs::write(dir.join("summary.json"), summary.to_string()).expect("summary");
    let mut metrics =
        String::from("epoch,train_loss,train_acc,valid_loss,valid_acc,lr,train_seconds,seconds\n");
    for epoch in 1..=epochs {
        let e = epoch as f64;
        metrics += &format!(
            "{epoch},{:.6},{:.4},{:.6},{:.4},1e-3,4.5,4.6\n",
            0.5 / e,
            90.0 + e,
            0.4 / e + 0.02,
            89.0 + e
        );
    }
    std::fs::write(dir.join("metrics.csv"), metrics).expect("metrics");
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "name = \"{config_name}\"\nepochs = {epochs}\n\n[data]\ndataset = \"{}\"\n",
            data.dataset
        ),
    )
    .expect("config");
}
