//! The files real Keras wrote (`scripts/make-keras-fixtures.py`) read back with the logits
//! Keras computed; refusals name the layer; damaged files are errors, never panics.

use std::path::PathBuf;

use mnist_keras::{Activation, Dense, KerasError, KerasFormat, read, write_archive};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The inputs `make-keras-fixtures.py` fed: blank, a ramp, a pattern.
fn inputs() -> Vec<Vec<f32>> {
    vec![
        vec![0.0; 784],
        (0..784).map(|i| i as f32 / 783.0).collect(),
        (0..784)
            .map(|i| ((i * 7919) % 255) as f32 / 255.0)
            .collect(),
    ]
}

/// ReLU between layers, the last layer's output before its softmax.
fn logits(layers: &[Dense], input: &[f32]) -> Vec<f32> {
    let mut x = input.to_vec();
    for (index, layer) in layers.iter().enumerate() {
        let mut y = layer.bias.clone();
        for (i, xi) in x.iter().enumerate() {
            for (j, yj) in y.iter_mut().enumerate() {
                *yj += xi * layer.kernel[i * layer.units + j];
            }
        }
        if index + 1 < layers.len() {
            y.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        x = y;
    }
    x
}

#[test]
fn every_keras_form_reads_with_the_logits_keras_computed() {
    let expected: Value = serde_json::from_slice(&fixture("expected.json")).expect("expected.json");
    let files = expected["files"].as_object().expect("files");
    assert_eq!(files.len(), 5, "{:?}", files.keys());
    for (name, want) in files {
        let model = read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let widths: Vec<String> = std::iter::once(model.layers[0].inputs)
            .chain(model.layers.iter().map(|l| l.units))
            .map(|w| w.to_string())
            .collect();
        assert_eq!(widths.join("-"), want["architecture"], "{name}");
        for (input, want) in inputs()
            .iter()
            .zip(want["logits"].as_array().expect("logits"))
        {
            let got = logits(&model.layers, input);
            for (g, w) in got.iter().zip(want.as_array().expect("row")) {
                let w = w.as_f64().expect("number") as f32;
                assert!((g - w).abs() <= 1e-5, "{name}: {got:?} vs {want}");
            }
        }
    }
}

#[test]
fn formats_configs_and_activations_are_recognised() {
    let weights = read(&fixture("k3.weights.h5")).expect("weights");
    assert_eq!(weights.format, KerasFormat::Weights);
    assert_eq!(weights.input_shape, None);
    assert!(weights.layers.iter().all(|l| l.activation.is_none()));

    let archive = read(&fixture("k3-deeper.keras")).expect("archive");
    assert_eq!(archive.format, KerasFormat::Archive);
    assert_eq!(archive.input_shape, Some(vec![28, 28]));
    let names: Vec<&str> = archive.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["first", "second", "digits"]);
    let activations: Vec<_> = archive
        .layers
        .iter()
        .map(|l| l.activation.clone())
        .collect();
    // `second` is linear in its config; the Activation layer after it makes it ReLU.
    assert_eq!(
        activations,
        [
            Some(Activation::Relu),
            Some(Activation::Relu),
            Some(Activation::Softmax)
        ]
    );

    for name in ["k3-legacy.h5", "keras2.h5"] {
        let legacy = read(&fixture(name)).expect(name);
        assert_eq!(legacy.format, KerasFormat::Legacy, "{name}");
        assert_eq!(legacy.input_shape, Some(vec![28, 28]), "{name}");
        assert_eq!(
            legacy.layers[1].activation,
            Some(Activation::Softmax),
            "{name}"
        );
    }
    let bare = read(&fixture("k3-legacy-weights.h5")).expect("legacy weights");
    assert_eq!(bare.format, KerasFormat::Legacy);
    assert!(bare.layers.iter().all(|l| l.activation.is_none()));

    let tanh = read(&fixture("tanh.keras")).expect("reads; the caller refuses tanh");
    assert_eq!(
        tanh.layers[0].activation,
        Some(Activation::Other("tanh".into()))
    );
    assert_eq!(tanh.input_shape, Some(vec![784]));
}

#[test]
fn a_convolution_is_refused_naming_the_layer() {
    let err = read(&fixture("conv.keras")).expect_err("conv");
    assert_eq!(
        err,
        KerasError::Unsupported {
            layer: "edges".into(),
            class: "Conv2D".into()
        }
    );
    assert!(
        err.to_string()
            .starts_with("layer `edges` (Conv2D) is not supported")
    );
}

#[test]
fn damaged_and_foreign_files_are_errors() {
    assert_eq!(read(b"plain text"), Err(KerasError::NotKeras));
    for name in [
        "k3.weights.h5",
        "k3-deeper.keras",
        "k3-legacy.h5",
        "keras2.h5",
    ] {
        let bytes = fixture(name);
        for cut in [16, 100, bytes.len() / 3, bytes.len() / 2] {
            assert!(read(&bytes[..cut]).is_err(), "{name} cut at {cut}");
        }
        // Flipped bytes may still read (the damage can fall on unused space) but never panic.
        for at in (0..bytes.len()).step_by(97) {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x5a;
            let _ = read(&damaged);
        }
    }
    // A zip that is not a Keras archive (a PyTorch checkpoint is a zip too).
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("archive/data.pkl", zip::write::SimpleFileOptions::default())
        .expect("entry");
    let bytes = zip.finish().expect("zip").into_inner();
    assert!(!mnist_keras::is_keras_archive(std::io::Cursor::new(&bytes)));
    assert!(
        read(&bytes)
            .expect_err("no config")
            .to_string()
            .contains("no config.json")
    );
}

#[test]
fn a_written_archive_reads_back_identically_and_reproducibly() {
    let original = read(&fixture("k3-deeper.keras")).expect("archive");
    let provenance = [("writer", "test"), ("dataset", "fashion-mnist")];
    let bytes = write_archive(&original.layers, &[28, 28], &provenance).expect("write");
    assert_eq!(
        bytes,
        write_archive(&original.layers, &[28, 28], &provenance).expect("again")
    );
    let metadata = mnist_keras::archive_metadata(&bytes).expect("metadata");
    assert_eq!(metadata["dataset"], "fashion-mnist");
    assert_eq!(metadata["writer"], "test");
    assert_eq!(metadata["keras_version"], "3.0.0");
    // Keras's own archives carry no such key.
    let keras = mnist_keras::archive_metadata(&fixture("k3-deeper.keras")).expect("metadata");
    assert!(keras.contains_key("keras_version") && !keras.contains_key("dataset"));
    let back = read(&bytes).expect("read back");
    assert_eq!(back.format, KerasFormat::Archive);
    assert_eq!(back.input_shape, Some(vec![28, 28]));
    for (a, b) in original.layers.iter().zip(&back.layers) {
        assert_eq!((a.inputs, a.units), (b.inputs, b.units));
        assert_eq!(a.kernel, b.kernel);
        assert_eq!(a.bias, b.bias);
        assert_eq!(a.activation, b.activation);
    }
}
