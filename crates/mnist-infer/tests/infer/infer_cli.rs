//! The `infer` binary as users run it: images and directories in, one line (or JSON) per
//! image out, the test-set report, and a clear message with a non-zero exit for each bad
//! input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use burn::prelude::*;
use image::{DynamicImage, ImageFormat};
use mnist_data::MnistDataset;
use mnist_model::{Evaluation, load_model};

use crate::support::{encoded, inverted, mnist, test_digit, trained_model_dir, upscaled};

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
fn a_reader_that_closes_stdout_ends_it_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_digits(dir.path(), 20);
    // `infer … | head -1`: the pipe closes before the first line is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(["--model", model_arg(), dir.path().to_str().expect("utf-8")])
        .env_remove("MNIST_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("infer starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("infer ends");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("model "),
        "the model's line alone, no panic or error: {stderr}"
    );
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
    assert_eq!(json["architecture"], "784-256-128-10");
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
    // TIFF and an iPhone's HEIC are recognised but not decoded by this build.
    let tiff = dir.path().join("scan.tif");
    std::fs::write(&tiff, b"II*\x00\x08\x00\x00\x00\x00\x00").expect("write");
    let heic = dir.path().join("IMG_0042.HEIC");
    std::fs::write(&heic, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\0").expect("write");
    let no_images = tempfile::tempdir().expect("tempdir");

    let paths = [
        &good, &text_file, &truncated, &empty, &blank, &missing, &huge, &tiff, &heic,
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
            &format!("{}: this is a TIFF image", tiff.display()),
            &format!("{}: this is a HEIC (HEIF) image", heic.display()),
            "export or save it as JPEG",
            "9 of 10 inputs failed",
        ],
    );
    assert!(text(&out.stdout).starts_with(&format!("{}: ", good.display())));
}

/// MNIST test digits `indices` side by side, black on white, 100 pixels tall each.
fn number_image(indices: &[usize]) -> DynamicImage {
    let mut sheet =
        image::GrayImage::from_pixel(110 * indices.len() as u32 + 40, 160, image::Luma([250]));
    for (i, &index) in indices.iter().enumerate() {
        let digit = inverted(upscaled(&test_digit(index), 140));
        image::imageops::overlay(&mut sheet, &digit, 20 + 110 * i as i64 - 20, 10);
    }
    DynamicImage::ImageLuma8(sheet)
}

#[test]
fn numbers_are_read_left_to_right_and_the_views_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let indices = [3, 2, 1, 18];
    let path = dir.path().join("meter.png");
    std::fs::write(&path, encoded(number_image(&indices), ImageFormat::Png)).expect("write");
    let device = Device::default();
    let (model, _) = load_model(trained_model_dir(), &device).expect("model");
    let originals: Vec<mnist_infer::Digit> = indices
        .iter()
        .map(|&i| test_digit(i).as_raw().as_slice().try_into().expect("784"))
        .collect();
    let expected: String = mnist_infer::predict(&model, &originals, &device)
        .iter()
        .map(|p| p.class.to_string())
        .collect();

    let views = dir.path().join("seen");
    let path_arg = path.to_str().expect("utf-8");
    let views_arg = views.to_str().expect("utf-8");
    let out = infer(&[
        "--model",
        model_arg(),
        "--number",
        "--save-preprocessed",
        views_arg,
        path_arg,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!("{path_arg}: {expected} (")),
        "expected {expected}: {stdout}"
    );
    let mut saved: Vec<String> = std::fs::read_dir(&views)
        .expect("views written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    saved.sort();
    assert_eq!(
        saved,
        [
            "meter-boxes.png",
            "meter-digit-1.png",
            "meter-digit-2.png",
            "meter-digit-3.png",
            "meter-digit-4.png"
        ]
    );
    let digit = image::open(views.join("meter-digit-1.png")).expect("png");
    assert_eq!((digit.width(), digit.height()), (224, 224));

    let out = infer(&["--model", model_arg(), "--number", "--json", path_arg]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let result = &json["results"][0];
    assert_eq!(result["number"], expected.as_str());
    let digits = result["digits"].as_array().expect("digits");
    assert_eq!(digits.len(), 4);
    let xs: Vec<u64> = digits
        .iter()
        .map(|d| d["box"]["x"].as_u64().expect("x"))
        .collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "left to right: {xs:?}");
    assert_eq!(
        digits[0]["probabilities"].as_array().map(Vec::len),
        Some(10)
    );

    // The same image read as one digit: a warning that suggests --number.
    let out = infer(&["--model", model_arg(), path_arg]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("4 digits side by side") && stderr.contains("--number"),
        "{stderr}"
    );
    let out = infer(&["--model", model_arg(), "--json", path_arg]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        json["results"][0]["warning"]
            .as_str()
            .is_some_and(|w| w.contains("--number")),
        "{json}"
    );
}

#[test]
fn phone_orientation_is_applied_to_jpeg_photos() {
    use image::ImageEncoder;
    // EXIF orientation 1–8, with the pixels stored as a camera would for each.
    let exif = |value: u16| -> Vec<u8> {
        let mut exif = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        exif.extend(value.to_be_bytes());
        exif.extend([0, 0, 0, 0, 0, 0]);
        exif
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args: Vec<String> = vec!["--model".into(), model_arg().into()];
    for index in [0usize, 1, 2] {
        let upright = DynamicImage::ImageLuma8(inverted(upscaled(&test_digit(index), 160)));
        for value in 1..=8u16 {
            let stored = match value {
                1 => upright.clone(),
                2 => upright.fliph(),
                3 => upright.rotate180(),
                4 => upright.flipv(),
                5 => upright.rotate90().fliph(),
                6 => upright.rotate270(),
                7 => upright.rotate270().fliph(),
                _ => upright.rotate90(),
            };
            let path = dir.path().join(format!("{index}-{value}.jpg"));
            let mut bytes = Vec::new();
            let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
            encoder.set_exif_metadata(exif(value)).expect("exif");
            let gray = stored.to_luma8();
            encoder
                .write_image(
                    gray.as_raw(),
                    gray.width(),
                    gray.height(),
                    image::ExtendedColorType::L8,
                )
                .expect("encodes");
            std::fs::write(&path, bytes).expect("write");
            args.push(path.to_string_lossy().into_owned());
        }
    }
    let out = infer(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let answers: Vec<&str> = stdout
        .lines()
        .map(|l| {
            l.split(": ")
                .nth(1)
                .and_then(|a| a.split(' ').next())
                .expect("answer")
        })
        .collect();
    assert_eq!(answers.len(), 24, "{stdout}");
    for chunk in answers.chunks(8) {
        assert!(
            chunk.iter().all(|a| *a == chunk[0]),
            "every orientation reads alike: {stdout}"
        );
    }
}

#[test]
fn bad_models_are_refused_with_the_path_and_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let image = write_digits(dir.path(), 1).remove(0);
    let image = image.to_str().expect("utf-8");

    let missing = dir.path().join("no-such-run");
    let out = infer(&["--model", missing.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &[&format!("{}: no model there", missing.display())]);

    // Weights of 784-256-128-10 described as 784-128-10.
    let other = dir.path().join("other-architecture");
    copy_run(trained_model_dir(), &other);
    let description = std::fs::read_to_string(other.join("model.json")).expect("model.json");
    let mut description: serde_json::Value = serde_json::from_str(&description).expect("json");
    description["architecture"]["hidden"] = serde_json::json!([128]);
    std::fs::write(other.join("model.json"), description.to_string()).expect("write");
    let out = infer(&["--model", other.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &["do not match the architecture 784-128-10"]);

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

    let conv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../mnist-keras/tests/fixtures/conv.keras");
    let out = infer(&["--model", conv.to_str().expect("utf-8"), image]);
    assert_failure_naming(
        &out,
        &[
            "not a model this tool can load",
            "layer `edges` (Conv2D) is not supported",
        ],
    );
    let onnx = trained_model_dir().join("model.onnx");
    let out = infer(&["--model", onnx.to_str().expect("utf-8"), image]);
    assert_failure_naming(&out, &["ONNX graphs are written for other runtimes"]);
}

#[test]
fn the_keras_and_pytorch_exports_read_as_the_run_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let images = write_digits(dir.path(), 4);
    let images: Vec<&str> = images.iter().map(|p| p.to_str().expect("utf-8")).collect();
    let run = infer(&[&["--model", model_arg(), "--top-k", "3"][..], &images].concat());
    assert!(run.status.success(), "{}", text(&run.stderr));
    for export in ["model.keras", "model.safetensors"] {
        let model = trained_model_dir().join(export);
        let model = model.to_str().expect("utf-8");
        let out = infer(&[&["--model", model, "--top-k", "3"][..], &images].concat());
        assert!(out.status.success(), "{export}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), text(&run.stdout), "{export}");
    }
    for bad in ["0", "-255", "nan", "x"] {
        let flag = format!("--input-scale={bad}");
        let out = infer(&["--model", model_arg(), &flag, images[0]]);
        assert_eq!(out.status.code(), Some(2), "--input-scale {bad}");
        assert!(
            text(&out.stderr).contains("is not a number above 0"),
            "{}",
            text(&out.stderr)
        );
    }
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
