//! Shared by the integration tests: real MNIST, a model trained on it once per test binary,
//! and renderings of MNIST digits the way people photograph or draw them.

#![allow(dead_code)] // each test binary uses a different part

use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageFormat, Rgb, RgbImage};
use mnist_data::{FetchOptions, Mnist, MnistDataset};
use mnist_model::{MlpConfig, save_model};
use tempfile::TempDir;

/// Real MNIST, loaded once.
pub fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| {
        Mnist::load(&FetchOptions::default())
            .expect("MNIST must be available (run `cargo run --release --bin mnist-fetch`)")
    })
}

/// A run directory holding a 784-128-10 model trained for one epoch on all of MNIST's
/// training images (≈ 95 % test accuracy): good enough for its answers to mean something.
pub fn trained_model_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let device = Device::default().autodiff();
        device.seed(11);
        let config = MlpConfig::mlp_128();
        let mut model = config.init(&device);
        let mut optimizer = AdamConfig::new().init();
        let loss = CrossEntropyLossConfig::new().init(&device);
        let train = MnistDataset::new(Arc::clone(&mnist().train));
        for (images, labels) in train.tensor_batches(128, &device) {
            let targets = Tensor::<1, Int>::from_data(
                TensorData::new(
                    labels.iter().map(|&l| i64::from(l)).collect(),
                    [labels.len()],
                ),
                &device,
            );
            let grads = loss.forward(model.forward(images), targets).backward();
            let grads = GradientsParams::from_grads(grads, &model);
            model = optimizer.step(1e-3, model, grads);
        }
        save_model(&model.valid(), &config, dir.path()).expect("model saved");
        dir
    })
    .path()
}

/// MNIST test image `index` as a 28×28 gray image (white ink on black).
pub fn test_digit(index: usize) -> GrayImage {
    GrayImage::from_raw(28, 28, mnist().test.image(index).to_vec()).expect("28×28")
}

/// `digit` scaled to `side`×`side`, as a scan or a large drawing would be.
pub fn upscaled(digit: &GrayImage, side: u32) -> GrayImage {
    imageops::resize(digit, side, side, FilterType::CatmullRom)
}

/// Black ink on white paper.
pub fn inverted(mut image: GrayImage) -> GrayImage {
    imageops::invert(&mut image);
    image
}

/// `digit` (black on white) placed off-centre on a larger white sheet.
pub fn off_centre(digit: &GrayImage) -> GrayImage {
    let mut sheet = GrayImage::from_pixel(
        digit.width() * 2,
        digit.height() * 3 / 2,
        image::Luma([255]),
    );
    imageops::overlay(
        &mut sheet,
        digit,
        i64::from(digit.width() / 8),
        i64::from(digit.height() / 3),
    );
    sheet
}

/// Dark blue ink on cream paper, as an RGB image: ink strength from a white-on-black `digit`.
pub fn coloured(digit: &GrayImage) -> RgbImage {
    let paper = [245.0, 235.0, 200.0];
    let ink = [25.0, 35.0, 120.0];
    RgbImage::from_fn(digit.width(), digit.height(), |x, y| {
        let t = f32::from(digit[(x, y)][0]) / 255.0;
        Rgb(std::array::from_fn(|c| {
            (paper[c] * (1.0 - t) + ink[c] * t) as u8
        }))
    })
}

/// `image` encoded in `format` (JPEG at the encoder's default quality, 75).
pub fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).expect("encodes");
    bytes.into_inner()
}
