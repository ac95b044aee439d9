//! `infer` with a model trained on the real Fashion-MNIST (CI installs Debian's
//! `dataset-fashion-mnist`; without it these tests fail, never skip): class names in every
//! output, the model's own test set, the wrong dataset refused, and product photos made by
//! Fashion-MNIST's recipe.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use burn::prelude::*;
use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use mnist_data::{Augmentation, Dataset, FetchOptions, Mnist};
use mnist_model::load_model;
use mnist_vision::Digit;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tempfile::TempDir;

use crate::support::{encoded, trained_run};

/// Product photos rendered from this many test images.
const PHOTOS: usize = 200;

fn fashion() -> &'static Mnist {
    static DATA: OnceLock<Mnist> = OnceLock::new();
    DATA.get_or_init(|| {
        Mnist::load(&FetchOptions::new(Dataset::FASHION_MNIST)).unwrap_or_else(|e| {
            panic!("Fashion-MNIST is required (apt-get install dataset-fashion-mnist): {e}")
        })
    })
}

/// A run directory with a 784-256-128-10 model trained for 3 epochs on Fashion-MNIST with
/// mirrors and shifts (≈ 87 % test accuracy), recording the dataset as `train` does.
fn model_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let augmentation = Augmentation {
            shift_px: 2.0,
            flip_horizontal: true,
            ..Augmentation::default()
        };
        trained_run(fashion(), augmentation, 3, 5)
    })
    .path()
}

fn model_arg() -> &'static str {
    model_dir().to_str().expect("utf-8 path")
}

fn infer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infer"))
        .args(args)
        .env_remove("MNIST_DIR")
        .env_remove("FASHION_MNIST_DIR")
        .output()
        .expect("infer runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_test_set_report_names_the_classes() {
    let out = infer(&["--model", model_arg(), "--test"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("784-256-128-10, Fashion-MNIST"),
        "{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("per class: T-shirt/top: "), "{stdout}");
    assert!(stdout.contains("  Ankle boot: "), "{stdout}");
    assert!(
        stdout.contains("classes: 0 T-shirt/top, 1 Trouser"),
        "{stdout}"
    );
    let accuracy: f64 = stdout
        .strip_prefix("test accuracy ")
        .and_then(|rest| rest.split('%').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no accuracy in {stdout}"));
    // Chance is 10 %; three epochs give ≈ 87 %.
    assert!(accuracy > 80.0, "{accuracy}");

    let out = infer(&["--model", model_arg(), "--test", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["dataset"], "fashion-mnist");
    assert_eq!(json["count"], 10_000);
}

#[test]
fn another_dataset_is_refused_for_the_test_set_and_for_images() {
    let out = infer(&["--model", model_arg(), "--test", "--dataset", "mnist"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("was trained on Fashion-MNIST, not MNIST: --test --dataset mnist"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let dir = tempfile::tempdir().expect("tempdir");
    let photo = product_photo(&fashion().test.image(0).try_into().expect("784"), 1);
    let path = dir.path().join("boot.jpg");
    std::fs::write(&path, &photo).expect("write");
    let path = path.to_str().expect("utf-8");
    let out = infer(&["--model", model_arg(), "--number", path]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--number reads the digits of a number"),
        "{stderr}"
    );
    let out = infer(&["--model", model_arg(), "--dataset", "kmnist", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("the datasets are mnist, fashion-mnist"),
        "{}",
        text(&out.stderr)
    );
}

/// Fashion-MNIST image `pixels` as the catalogue shot it came from might look when
/// photographed: dark product on white, 12× larger, on a margin of paper, the light falling
/// off across the frame, sensor noise, a speck of dust, JPEG.
fn product_photo(pixels: &Digit, seed: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    let small = GrayImage::from_fn(28, 28, |x, y| Luma([255 - pixels[(y * 28 + x) as usize]]));
    let side = 28 * 12;
    let product = imageops::resize(&small, side, side, FilterType::CatmullRom);
    let (width, height) = (side + 160, side + 120);
    let (left, top) = (rng.random_range(40..120), rng.random_range(30..90));
    let falloff = rng.random_range(0.0f32..0.25);
    let photo = GrayImage::from_fn(width, height, |x, y| {
        let inside = (left..left + side).contains(&x) && (top..top + side).contains(&y);
        let level = if inside {
            f32::from(product[(x - left, y - top)][0])
        } else {
            250.0
        };
        let light = 1.0 - falloff * x as f32 / width as f32;
        let noise = ((x * 7919 + y * 104_729 + seed as u32 * 31) % 13) as f32 - 6.0;
        Luma([(level * light + noise).clamp(0.0, 255.0) as u8])
    });
    let mut photo = photo;
    let (dx, dy) = (width - 20, height - 15);
    for (x, y) in [(dx, dy), (dx + 1, dy), (dx, dy + 1), (dx + 1, dy + 1)] {
        photo.put_pixel(x, y, Luma([40]));
    }
    encoded(DynamicImage::ImageLuma8(photo), ImageFormat::Jpeg)
}

#[test]
fn product_photos_read_as_the_dataset_images_they_show() {
    let device = Device::default();
    let (model, _) = load_model(model_dir(), &device).expect("model");
    let originals: Vec<Digit> = (0..PHOTOS)
        .map(|i| fashion().test.image(i).try_into().expect("784 pixels"))
        .collect();
    let reference: Vec<usize> = mnist_infer::predict(&model, &originals, &device)
        .iter()
        .map(|p| p.class)
        .collect();

    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = originals
        .iter()
        .enumerate()
        .map(|(i, pixels)| {
            let path = dir.path().join(format!("{i:03}.jpg"));
            std::fs::write(&path, product_photo(pixels, i as u64)).expect("write");
            path
        })
        .collect();
    let views = dir.path().join("seen");
    let mut args = vec![
        "--model",
        model_arg(),
        "--json",
        "--save-preprocessed",
        views.to_str().expect("utf-8"),
    ];
    args.extend(paths.iter().map(|p| p.to_str().expect("utf-8")));
    let out = infer(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["dataset"], "fashion-mnist");
    assert_eq!(json["classes"][9], "Ankle boot");
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), PHOTOS);
    let mut agreeing = 0;
    for (result, expected) in results.iter().zip(&reference) {
        let class = result["class"].as_u64().expect("class") as usize;
        assert_eq!(
            result["label"],
            Dataset::FASHION_MNIST.class_name(class),
            "{result}"
        );
        agreeing += usize::from(class == *expected);
    }
    let agreement = agreeing as f64 / PHOTOS as f64;
    println!("product photos agreeing with the dataset images: {agreeing}/{PHOTOS}");
    assert!(agreement >= 0.9, "{agreeing} of {PHOTOS}");
    assert!(views.join("000.png").is_file() && views.join("000-box.png").is_file());

    // Text output names the class, and weights exported by the run keep the dataset.
    let safetensors = model_dir().join("model.safetensors");
    let out = infer(&[
        "--model",
        safetensors.to_str().expect("utf-8"),
        "--top-k",
        "2",
        paths[0].to_str().expect("utf-8"),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = Dataset::FASHION_MNIST.class_name(reference[0]);
    assert!(stdout.contains(&format!("000.jpg: {first} (")), "{stdout}");
}
