//! Keras files through `load_model`, as `infer --model` and `train --init-from` use it: the
//! fixtures real Keras wrote give Keras's logits; what is not one of our MLPs is refused
//! naming the file and the layer; `model.keras` written here reads back identically.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use mnist_model::{
    KERAS_FILE, MlpConfig, ModelFileError, ONNX_FILE, SAFETENSORS_FILE, load_model, save_model,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mnist-keras/tests/fixtures")
}

/// The inputs `scripts/make-keras-fixtures.py` fed: blank, a ramp, a pattern.
fn inputs(device: &Device) -> Tensor<2> {
    let values: Vec<f32> = (0..784)
        .map(|_| 0.0)
        .chain((0..784).map(|i| i as f32 / 783.0))
        .chain((0..784).map(|i| ((i * 7919) % 255) as f32 / 255.0))
        .collect();
    Tensor::from_data(TensorData::new(values, [3, 784]), device)
}

fn rows(tensor: Tensor<2>) -> Vec<Vec<f32>> {
    let [n, m] = tensor.dims();
    let values = tensor.into_data().try_to_vec::<f32>().expect("f32");
    (0..n)
        .map(|i| values[i * m..(i + 1) * m].to_vec())
        .collect()
}

fn error(path: &Path) -> String {
    load_model(path, &Device::default())
        .map(|_| ())
        .expect_err("refused")
        .to_string()
}

#[test]
fn keras_files_load_with_the_logits_keras_computed() {
    let device = Device::default();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    for (name, want) in expected["files"].as_object().expect("files") {
        let (model, config) =
            load_model(&fixtures().join(name), &device).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(config.name(), want["architecture"], "{name}");
        let got = rows(model.forward(inputs(&device)));
        for (got, want) in got.iter().zip(want["logits"].as_array().expect("logits")) {
            for (g, w) in got.iter().zip(want.as_array().expect("row")) {
                let w = w.as_f64().expect("number") as f32;
                assert!((g - w).abs() <= 1e-5, "{name}: {got:?} vs {want}");
            }
        }
    }
}

#[test]
fn models_that_are_not_our_mlps_are_refused_naming_file_and_layer() {
    let cases = [
        ("conv.keras", "layer `edges` (Conv2D) is not supported"),
        ("tanh.keras", "hidden layer `squash` uses tanh"),
        ("twelve-classes.keras", "has 12 units; expected 10"),
    ];
    for (name, reason) in cases {
        let path = fixtures().join(name);
        let message = error(&path);
        assert!(
            message.starts_with(&format!(
                "{}: not a model this tool can load",
                path.display()
            )),
            "{message}"
        );
        assert!(message.contains(reason), "{name}: {message}");
    }
}

#[test]
fn damaged_keras_files_name_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["k3.weights.h5", "k3-deeper.keras", "keras2.h5"] {
        let bytes = std::fs::read(fixtures().join(name)).expect("fixture");
        // Any name: the content says what it is.
        let path = dir.path().join(format!("cut-{name}.bin"));
        std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
        let message = error(&path);
        assert!(
            message.starts_with(&format!("{}: not a readable model file", path.display())),
            "{name}: {message}"
        );
    }
}

#[test]
fn the_exported_keras_archive_reads_back_to_the_same_logits() {
    let device = Device::default();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = MlpConfig {
        hidden: vec![32, 16],
        dropout: 0.0,
    };
    let model = config.init(&device);
    save_model(&model, &config, mnist_model::Dataset::MNIST, dir.path()).expect("save");
    let want = model.forward(inputs(&device)).into_data();
    for file in [KERAS_FILE, SAFETENSORS_FILE] {
        let (loaded, loaded_config) = load_model(&dir.path().join(file), &device).expect(file);
        assert_eq!(loaded_config, config, "{file}");
        assert_eq!(loaded.forward(inputs(&device)).into_data(), want, "{file}");
    }
    let first = std::fs::read(dir.path().join(KERAS_FILE)).expect("read");
    save_model(&model, &config, mnist_model::Dataset::MNIST, dir.path()).expect("save again");
    assert_eq!(
        std::fs::read(dir.path().join(KERAS_FILE)).expect("read"),
        first,
        "the same weights give the same bytes"
    );
    let onnx = dir.path().join(ONNX_FILE);
    assert!(
        error(&onnx).contains("ONNX graphs are written for other runtimes"),
        "{}",
        error(&onnx)
    );
}

#[test]
fn an_input_scale_folds_into_the_first_layer() {
    let device = Device::default();
    let model = MlpConfig::mlp_128().init(&device);
    let raw = inputs(&device).mul_scalar(255.0);
    let want = model.forward(raw);
    let got = model.scale_inputs(255.0).forward(inputs(&device));
    got.into_data().assert_approx_eq::<f32>(
        &want.into_data(),
        burn::tensor::Tolerance::rel_abs(1e-5, 1e-4),
    );
}

#[test]
fn a_missing_file_lists_the_formats() {
    let message = error(Path::new("/nonexistent/model.h5"));
    assert!(
        matches!(
            load_model(Path::new("/nonexistent/x"), &Device::default()),
            Err(ModelFileError::Missing { .. })
        ) && message.contains("Keras file (.keras, .weights.h5, .h5)"),
        "{message}"
    );
}
