//! The exports opened by the real runtimes: `keras.saving.load_model` on `model.keras` (Keras
//! 3 on JAX) and onnxruntime on `model.onnx` (after `onnx.checker`) give Burn's
//! logits within 1e-4. They need the Python of `scripts/exchange-venv.sh`, named by
//! `MNIST_EXCHANGE_PYTHON` (CI sets it); elsewhere the test says so and passes, in CI it fails.

use std::path::PathBuf;
use std::process::Command;

use burn::prelude::*;
use mnist_model::{KERAS_FILE, MlpConfig, ONNX_FILE, save_model};

use crate::python_runtimes::{python, read_csv, write_csv};

/// Eight inputs in 0..1: blank, full, a ramp and pseudo-random images.
fn inputs() -> Vec<Vec<f32>> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    let mut rows = vec![vec![0.0; 784], vec![1.0; 784]];
    rows.push((0..784).map(|i| i as f32 / 783.0).collect());
    rows.extend((0..5).map(|_| (0..784).map(|_| next()).collect()));
    rows
}

#[test]
fn keras_and_onnxruntime_give_burns_logits() {
    let Some(python) = python() else {
        return;
    };
    let device = Device::default();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = MlpConfig {
        hidden: vec![64, 32],
        dropout: 0.2,
    };
    let model = config.init(&device);
    save_model(&model, &config, mnist_model::Dataset::MNIST, dir.path()).expect("save");

    let rows = inputs();
    let input_file = dir.path().join("inputs.csv");
    write_csv(&input_file, &rows);
    // Burn reads the same decimal text the runtimes read.
    let flat: Vec<f32> = read_csv(&input_file).concat();
    let want = model
        .forward(Tensor::from_data(
            TensorData::new(flat, [rows.len(), 784]),
            &device,
        ))
        .into_data()
        .try_to_vec::<f32>()
        .expect("f32");

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/foreign_logits.py");
    for (runtime, file) in [("keras", KERAS_FILE), ("onnx", ONNX_FILE)] {
        let out = dir.path().join(format!("{runtime}.csv"));
        let status = Command::new(&python)
            .arg(&script)
            .args([runtime, dir.path().join(file).to_str().expect("utf-8")])
            .arg("--inputs")
            .arg(&input_file)
            .arg("--out")
            .arg(&out)
            .env("KERAS_BACKEND", "jax")
            .status()
            .expect("python runs");
        assert!(status.success(), "{runtime} failed on {file}");
        let got = read_csv(&out).concat();
        assert_eq!(got.len(), want.len(), "{runtime}");
        let diff = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(diff <= 1e-4, "{runtime}: max |Δlogit| = {diff}");
    }
}

/// onnxruntime on the int8 export (`int8_onnx_bytes`, what `train` writes as
/// `model-int8.onnx`) gives `mnist-int8`'s dequantized logits exactly: the graph is its
/// integer arithmetic, and pixel / 255 in nine decimals quantizes back to the pixel. The
/// 10 000-image check against `infer` is in mnist-infer's tests (tests/infer/int8.rs).
#[test]
fn onnxruntime_gives_the_int8_crates_logits() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = MlpConfig {
        hidden: vec![64, 32],
        dropout: 0.0,
    };
    let model = config.init(&Device::default());
    let pixels: Vec<Vec<u8>> = inputs()
        .iter()
        .map(|row| row.iter().map(|v| (v * 255.0).round() as u8).collect())
        .collect();
    let layers = mnist_model::f32_layers(&model).expect("layers");
    let int8 = mnist_model::quantize_for_dataset(&layers, mnist_model::Dataset::MNIST, &pixels)
        .expect("quantizes");
    let onnx = dir.path().join(mnist_model::INT8_ONNX_FILE);
    mnist_model::write_model(mnist_model::ToWrite::Int8(&int8), &onnx).expect("export");
    let input_file = dir.path().join("inputs.csv");
    let scaled: Vec<Vec<f32>> = pixels
        .iter()
        .map(|r| r.iter().map(|&p| f32::from(p) / 255.0).collect())
        .collect();
    write_csv(&input_file, &scaled);
    let out = dir.path().join("onnx.csv");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/foreign_logits.py");
    let status = Command::new(&python)
        .arg(&script)
        .args(["onnx", onnx.to_str().expect("utf-8")])
        .arg("--inputs")
        .arg(&input_file)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python runs");
    assert!(status.success(), "onnxruntime failed on {}", onnx.display());
    let got = read_csv(&out);
    assert_eq!(got.len(), pixels.len());
    for (row, image) in got.iter().zip(&pixels) {
        let image: &[u8; 784] = image.as_slice().try_into().expect("784 pixels");
        let want = int8.dequantized_logits(image).expect("valid");
        assert_eq!(row.as_slice(), want.as_slice());
    }
}
