//! The `infer` binary as users run it: images and directories in, one line (or JSON) per
//! image out, the test-set report, and a clear message with a non-zero exit for each bad
//! input.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use burn::prelude::*;
use image::{DynamicImage, ImageFormat};
use mnist_data::MnistDataset;
use mnist_model::{Evaluation, load_model};
use support::{encoded, inverted, mnist, test_digit, trained_model_dir, upscaled};

fn infer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(args)
        .env_remove("MNIST_DIR")
        .output()
        .expect("infer runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn model_arg() -> &'static str {
    trained_model_dir().to_str().expect("utf-8 path")
}

/// Writes the first `n` MNIST test digits as black-on-white 140×140 PNGs named
/// `<index>-<label>.png`; returns their paths.
fn write_digits(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let path = dir.join(format!("{i:03}-{}.png", mnist().test.label(i)));
            let image = DynamicImage::ImageLuma8(inverted(upscaled(&test_digit(i), 140)));
            std::fs::write(&path, encoded(image, ImageFormat::Png)).expect("write");
            path
        })
        .collect()
}

fn assert_failure_naming(out: &Output, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn classifies_files_and_directories_one_line_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_digits(dir.path(), 20);
    let first = paths[0].to_str().expect("utf-8");
    let out = infer(&[
        "--model",
        model_arg(),
        first,
        dir.path().to_str().expect("utf-8"),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 21, "{stdout}");
    assert!(lines[0].starts_with(&format!("{first}: ")), "{}", lines[0]);
    // Lines are `<dir>/<index>-<label>.png: <digit> (<p>%)`.
    let correct = lines
        .iter()
        .filter(|line| {
            let (path, answer) = line.split_once(": ").expect("path: answer");
            let label = path.trim_end_matches(".png").rsplit('-').next();
            label == answer.split(' ').next()
        })
        .count();
    assert!(correct >= 18, "{correct}/21 correct:\n{stdout}");
}

#[test]
fn top_k_and_json_show_the_probabilities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = write_digits(dir.path(), 3);
    let path = paths[1].to_str().expect("utf-8");

    let out = infer(&["--model", model_arg(), "--top-k", "3", path]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stdout.trim_end().matches('%').count(), 3, "{stdout}");

    let out = infer(&["--model", model_arg(), "--json", path, "missing.png"]);
    assert_eq!(out.status.code(), Some(1), "one input is missing");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["architecture"], "784-128-10");
    assert_eq!(json["failed"], 1);
    let results = json["results"].as_array().expect("results");
    assert_eq!(results[0]["path"], path);
    let probabilities: Vec<f64> = results[0]["probabilities"]
        .as_array()
        .expect("probabilities")
        .iter()
        .map(|p| p.as_f64().expect("number"))
        .collect();
    assert_eq!(probabilities.len(), 10);
    assert!((probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-3);
    assert!(results[1]["error"].as_str().is_some_and(|e| !e.is_empty()));
}

#[test]
fn test_mode_reports_what_the_library_evaluation_gives() {
    let device = Device::default();
    let (model, _) = load_model(trained_model_dir(), &device).expect("model");
    let test = MnistDataset::new(Arc::clone(&mnist().test));
    let expected = Evaluation::run(&model, test.tensor_batches(500, &device));

    let out = infer(&["--model", model_arg(), "--test"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let accuracy_line = format!("test accuracy {:.2}%", expected.accuracy());
    assert!(
        stdout.contains(&accuracy_line),
        "{accuracy_line} not in:\n{stdout}"
    );
    assert!(stdout.contains("per class: 0: "), "{stdout}");
    assert!(stdout.contains("confusion matrix"), "{stdout}");
    assert!(expected.accuracy() > 90.0, "{}", expected.accuracy());

    let out = infer(&["--model", model_arg(), "--test", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["count"], 10_000);
    assert_eq!(json["correct"], expected.correct());
    let confusion_total: u64 = json["confusion"]
        .as_array()
        .expect("rows")
        .iter()
        .flat_map(|row| {
            row.as_array()
                .expect("row")
                .iter()
                .map(|c| c.as_u64().expect("count"))
        })
        .sum();
    assert_eq!(confusion_total, 10_000);
}

#[test]
fn bad_inputs_are_named_and_the_good_ones_still_classified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = write_digits(dir.path(), 1).remove(0);
    let text_file = dir.path().join("notes.png");
    std::fs::write(&text_file, "not an image").expect("write");
    let truncated = dir.path().join("truncated.png");
    let png = std::fs::read(&good).expect("read");
    std::fs::write(&truncated, &png[..png.len() / 3]).expect("write");
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").expect("write");
    let blank = dir.path().join("blank.png");
    let white = DynamicImage::ImageLuma8(image::GrayImage::from_pixel(64, 64, image::Luma([255])));
    std::fs::write(&blank, encoded(white, ImageFormat::Png)).expect("write");
    let missing = dir.path().join("nowhere.png");
    // A BMP header claiming 100 000 × 100 000 pixels (30 GB decoded), without the pixels.
    let huge = dir.path().join("huge.bmp");
    let mut bmp = b"BM".to_vec();
    for field in [54u32, 0, 54, 40, 100_000, 100_000] {
        bmp.extend(field.to_le_bytes());
    }
    bmp.extend([1u8, 0, 24, 0]); // planes, bits per pixel
    bmp.extend([0u8; 24]); // compression, sizes, resolution, palette
    std::fs::write(&huge, &bmp).expect("write");
    // TIFF is recognised but not decoded by this build.
    let tiff = dir.path().join("scan.tif");
    std::fs::write(&tiff, b"II*\x00\x08\x00\x00\x00\x00\x00").expect("write");
    let no_images = tempfile::tempdir().expect("tempdir");

    let paths = [
        &good, &text_file, &truncated, &empty, &blank, &missing, &huge, &tiff,
    ];
    let mut args: Vec<&str> = vec!["--model", model_arg()];
    args.extend(paths.iter().map(|p| p.to_str().expect("utf-8")));
    args.push(no_images.path().to_str().expect("utf-8"));
    let out = infer(&args);
    assert_failure_naming(
        &out,
        &[
            &format!("{}: not an image", text_file.display()),
            &format!("{}: corrupt image", truncated.display()),
            &format!("{}: not an image", empty.display()),
            &format!("{}: blank image", blank.display()),
            &format!("{}: No such file", missing.display()),
            &format!("{}: no image files", no_images.path().display()),
            &format!("{}: image too large", huge.display()),
            &format!("{}: unsupported image format", tiff.display()),
            "8 of 9 inputs failed",
        ],
    );
    assert!(text(&out.stdout).starts_with(&format!("{}: ", good.display())));
}

#[test]
fn bad_models_are_refused_with_the_path_and_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = write_digits(dir.path(), 1).remove(0);
    let image = image.to_str().expect("utf-8");

    let missing = dir.path().join("no-such-run");
    let out = infer(&["--model", missing.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &[&format!("{}: no model there", missing.display())]);

    // Weights of 784-128-10 described as 784-256-128-10.
    let other = dir.path().join("other-architecture");
    copy_run(trained_model_dir(), &other);
    let description = std::fs::read_to_string(other.join("model.json")).expect("model.json");
    let mut description: serde_json::Value = serde_json::from_str(&description).expect("json");
    description["architecture"]["hidden"] = serde_json::json!([256, 128]);
    std::fs::write(other.join("model.json"), description.to_string()).expect("write");
    let out = infer(&["--model", other.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &["do not match the architecture 784-256-128-10"]);

    let corrupt = dir.path().join("corrupt");
    copy_run(trained_model_dir(), &corrupt);
    let weights = corrupt.join("model.bpk");
    let bytes = std::fs::read(&weights).expect("read");
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).expect("write");
    let out = infer(&["--model", corrupt.to_str().expect("utf-8"), image]);
    assert_failure_naming(
        &out,
        &[&format!("{}: not a readable model file", weights.display())],
    );

    let not_a_model = dir.path().join("not-a-model");
    copy_run(trained_model_dir(), &not_a_model);
    std::fs::write(not_a_model.join("model.bpk"), "hello").expect("write");
    let out = infer(&["--model", not_a_model.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &["not a readable model file"]);
}

#[test]
fn usage_errors_exit_with_2() {
    let out = infer(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("<IMAGE>"),
        "{}",
        text(&out.stderr)
    );
    let out = infer(&["--top-k", "11", "x.png"]);
    assert_eq!(out.status.code(), Some(2));
}

fn copy_run(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for name in ["model.bpk", "model.json"] {
        std::fs::copy(from.join(name), to.join(name)).expect("copy");
    }
}
