//! Rows of numbers as the CSV text `scripts/foreign_logits.py` reads and writes (inputs in,
//! logits out), for the tests that compare this project with onnxruntime and Keras; shared
//! with `mnist-infer`'s int8 tests by path.

use std::path::Path;

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
