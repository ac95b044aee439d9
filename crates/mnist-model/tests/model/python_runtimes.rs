//! What the tests that compare this project with onnxruntime and Keras need of Python: the
//! interpreter that has them (`scripts/exchange-venv.sh`), and rows of numbers as the CSV text
//! `scripts/foreign_logits.py` reads and writes (inputs in, logits out). Shared with
//! `mnist-infer`'s int8 tests by path.

use std::path::{Path, PathBuf};

/// `MNIST_EXCHANGE_PYTHON`, or the project's `.venv-exchange`; `None` (the test skipped, with
/// a line saying why) outside CI, a failure in CI, which installs it.
pub fn python() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let found = std::env::var_os("MNIST_EXCHANGE_PYTHON")
        .map(PathBuf::from)
        .or_else(|| Some(root.join(".venv-exchange/bin/python")).filter(|p| p.is_file()));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "MNIST_EXCHANGE_PYTHON is not set: .ci/run installs it (scripts/exchange-venv.sh)"
        );
        eprintln!("skipped: no MNIST_EXCHANGE_PYTHON (source scripts/exchange-venv.sh)");
    }
    found
}

/// Reads one row a line, values separated by commas.
pub fn read_csv(path: &Path) -> Vec<Vec<f32>> {
    std::fs::read_to_string(path)
        .expect("logits csv")
        .lines()
        .map(|line| {
            line.split(',')
                .map(|v| v.parse().expect("number"))
                .collect()
        })
        .collect()
}

/// Writes `rows` with nine decimals, which an f32 reads back exactly enough for the runtimes
/// and Burn to see the same inputs.
pub fn write_csv(path: &Path, rows: &[Vec<f32>]) {
    let text: String = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| format!("{v:.9}"))
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    std::fs::write(path, text).expect("write csv");
}
