//! int8 models end to end: the `quantize` binary on a run directory, on its PyTorch
//! safetensors and on files it must refuse; `infer --test --logits` on the int8 file giving
//! exactly `mnist-int8`'s logits for all 10 000 test images (what a board computes); and
//! onnxruntime on the int8 ONNX export scoring what `infer` scores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use burn::data::dataset::Dataset as _;
use mnist_data::MnistDataset;
use mnist_int8::INPUT_LEN;
use tempfile::TempDir;

use crate::python_runtimes::{python, read_csv};
use crate::support::{mnist, trained_model_dir};

fn run(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env_remove("MNIST_DIR")
        .output()
        .expect("binary runs")
}

fn quantize(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_quantize"), args)
}

fn infer(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_infer"), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// A copy of the shared run (model.bpk, model.json, model.safetensors) quantized by
/// `quantize <run> --onnx <run>/model-int8.onnx`, and what it printed.
fn quantized_run() -> &'static (TempDir, String) {
    static RUN: OnceLock<(TempDir, String)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["model.bpk", "model.json", "model.safetensors"] {
            std::fs::copy(trained_model_dir().join(name), dir.path().join(name)).expect("copy");
        }
        let onnx = dir.path().join("model-int8.onnx");
        let out = quantize(&[utf8(dir.path()), "--onnx", utf8(&onnx)]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        (dir, text(&out.stdout))
    })
}

fn int8_file() -> PathBuf {
    quantized_run().0.path().join("model-int8.safetensors")
}

/// `infer --test --json`'s accuracy.
fn infer_accuracy(model: &Path) -> f64 {
    let out = infer(&["--model", utf8(model), "--test", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    json["accuracy"].as_f64().expect("accuracy")
}

#[test]
fn quantize_writes_an_int8_copy_that_scores_like_the_f32_model() {
    let (run, stdout) = quantized_run();
    let int8 = int8_file();
    assert!(int8.is_file(), "{stdout}");
    assert!(stdout.contains("int8 model: "), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("test accuracy: f32 "))
        .unwrap_or_else(|| panic!("no accuracy line: {stdout}"));
    let percent = |after: &str| -> f64 {
        let rest = &line[line.find(after).expect("field") + after.len()..];
        rest[..rest.find('%').expect("%")].parse().expect("number")
    };
    let (f32_accuracy, int8_accuracy) = (percent("f32 "), percent("int8 "));
    assert!(f32_accuracy > 97.0, "{line}");
    assert!((f32_accuracy - int8_accuracy).abs() <= 0.2, "{line}");
    // `infer` reads the int8 file and agrees with what quantize printed.
    assert!(
        (infer_accuracy(&int8) - int8_accuracy).abs() < 0.005,
        "{line}"
    );
    let f32_bytes = std::fs::metadata(run.path().join("model.safetensors")).expect("f32");
    let int8_bytes = std::fs::metadata(&int8).expect("int8");
    assert!(
        int8_bytes.len() * 3 < f32_bytes.len(),
        "{} vs {} bytes",
        int8_bytes.len(),
        f32_bytes.len()
    );

    // The run's PyTorch-convention weights quantize to the same bytes as the run itself:
    // one quantization path, whatever the format.
    let torch = run.path().join("model.safetensors");
    let dir = tempfile::tempdir().expect("tempdir");
    let pytorch = dir.path().join("torch-mlp.safetensors");
    std::fs::copy(&torch, &pytorch).expect("copy");
    let out = quantize(&[utf8(&pytorch), "--no-eval", "--calibration", "5000"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("test accuracy"),
        "--no-eval: {}",
        text(&out.stdout)
    );
    let beside = dir.path().join("torch-mlp-int8.safetensors");
    assert_eq!(
        std::fs::read(&beside).expect("written beside the input"),
        std::fs::read(&int8).expect("int8")
    );
    // Fewer calibration images measure other ranges: another file, still a good model.
    let few = dir.path().join("few.safetensors");
    let out = quantize(&[
        utf8(&pytorch),
        "--calibration",
        "100",
        "--out",
        utf8(&few),
        "--no-eval",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_ne!(
        std::fs::read(&few).expect("few"),
        std::fs::read(&int8).expect("int8")
    );
    assert!(infer_accuracy(&few) > 96.0);
}

#[test]
fn quantize_refuses_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let refuse = |args: &[&str], needles: &[&str]| {
        let out = quantize(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: expected `{needle}` in {stderr}"
            );
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!dir.path().join("x-int8.safetensors").exists());
    };
    let hello = dir.path().join("x.safetensors");
    std::fs::write(&hello, "hello").expect("write");
    refuse(
        &[utf8(&hello)],
        &[utf8(&hello), "not a readable model file"],
    );
    let missing = dir.path().join("missing-run");
    refuse(&[utf8(&missing)], &[utf8(&missing), "no model there"]);
    let int8 = int8_file();
    refuse(&[utf8(&int8)], &[utf8(&int8), "already an int8 model"]);
    let onnx = trained_model_dir().join("model.onnx");
    refuse(&[utf8(&onnx)], &[utf8(&onnx)]);

    let out = quantize(&[utf8(&hello), "--calibration", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = quantize(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    let examples = &help[help.find("Examples:").expect("examples")..];
    assert_eq!(
        examples.lines().filter(|l| l.contains("quantize ")).count(),
        3
    );
    assert!(
        help.trim_end().ends_with("Guide: docs/small-models.md"),
        "{help}"
    );
}

/// `infer`'s logits for the int8 file are `mnist-int8`'s, exactly, on every test image: the
/// CSV's shortest round-trip decimals read back to the same f32, and those to the same int8
/// logits the crate's (and a board's) forward pass gives.
#[test]
fn infer_gives_the_int8_crates_logits_bit_for_bit_on_all_test_images() {
    let int8 = int8_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("logits.csv");
    let out = infer(&["--model", utf8(&int8), "--test", "--logits", utf8(&csv)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = read_csv(&csv);
    let model = mnist_int8::read_file(&int8).expect("reads");
    let view = model.view().expect("valid");
    let (scale, zero_point) = view.logit_quantization();
    let test = MnistDataset::new(mnist().test.clone());
    assert_eq!(rows.len(), test.len());
    assert_eq!(rows.len(), 10_000);
    for (i, row) in rows.iter().enumerate() {
        let pixels: &[u8; INPUT_LEN] = test.image(i).try_into().expect("784 pixels");
        let reading = view.classify_pixels(pixels);
        let expected = model.dequantized_logits(pixels).expect("valid");
        assert_eq!(row.as_slice(), expected.as_slice(), "test image {i}");
        let integers: Vec<i8> = row
            .iter()
            .map(|v| ((v / scale).round() as i32 + zero_point) as i8)
            .collect();
        assert_eq!(integers, reading.logits, "test image {i}");
    }
}

/// onnxruntime on `model-int8.onnx` (after `onnx.checker`) over the 10 000 test images:
/// within 0.05 points of `infer` on the int8 file, and in fact the same logits, since the
/// graph is the crate's integer arithmetic.
#[test]
fn onnxruntime_scores_the_int8_export_as_infer_does() {
    let Some(python) = python() else {
        return;
    };
    let (run, _) = quantized_run();
    let int8 = int8_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let infer_csv = dir.path().join("infer.csv");
    let out = infer(&[
        "--model",
        utf8(&int8),
        "--test",
        "--json",
        "--logits",
        utf8(&infer_csv),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let infer_accuracy = json["accuracy"].as_f64().expect("accuracy");

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/foreign_logits.py");
    let onnx_csv = dir.path().join("onnx.csv");
    let out = Command::new(&python)
        .arg(&script)
        .args(["onnx", utf8(&run.path().join("model-int8.onnx"))])
        .arg("--out")
        .arg(&onnx_csv)
        .env_remove("MNIST_DIR")
        .output()
        .expect("python runs");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let accuracy: f64 = stdout
        .split("test accuracy ")
        .nth(1)
        .and_then(|rest| rest.split('%').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {stdout}"));
    assert!(
        (accuracy - infer_accuracy).abs() <= 0.05,
        "onnxruntime {accuracy}% vs infer {infer_accuracy}%"
    );
    let (onnx, infer) = (read_csv(&onnx_csv), read_csv(&infer_csv));
    assert_eq!(onnx.len(), 10_000);
    let differ = onnx.iter().zip(&infer).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "rows whose logits differ");
}
