//! Shared by the integration tests: real MNIST, a model trained on it once per test binary,
//! and renderings of MNIST digits the way people photograph or draw them.

#![allow(dead_code)] // `mnist-serve`'s studio test uses only a part

pub mod photo;

use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageFormat, Rgb, RgbImage};
use mnist_data::{Augmentation, FetchOptions, Mnist, MnistDataset, MnistLoader};
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

/// A run directory holding a 784-256-128-10 model (the default architecture) trained on all of MNIST's training images
/// with the project's augmentation (random rotation, scale, shift and elastic distortion,
/// as in `configs/mlp-256-128-best.toml`, the kind of model the README recommends for real
/// photos), ≈ 98 % test accuracy. Its answers are steady under the sub-pixel differences
/// any resampling brings, so agreement measures the preprocessing, not the model's coin
/// flips on digits it barely knows.
pub fn trained_model_dir() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let augmentation = Augmentation {
            rotation_deg: 10.0,
            scale: 0.1,
            shift_px: 2.0,
            elastic_px: 1.0,
            flip_horizontal: false,
        };
        trained_run(mnist(), augmentation, EPOCHS, 11)
    })
    .path()
}

/// A run directory holding a 784-256-128-10 model trained on all of `data`'s training images
/// for `epochs` (Adam from 2e-3 decaying linearly per epoch to 2e-3 / `epochs`, batch 128,
/// `augmentation`, `seed`), saved as `train` saves it, recording `data`'s dataset. The decay
/// settles the last epochs, so the model's readings do not hinge on the CPU's matmul kernel
/// (a constant rate left a rendered 8 at 33 % on an AVX-512 host).
pub fn trained_run(data: &Mnist, augmentation: Augmentation, epochs: usize, seed: u64) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = Device::default().autodiff();
    device.seed(seed);
    let config = MlpConfig::mlp_256_128();
    let mut model = config.init(&device);
    let mut optimizer = AdamConfig::new().init();
    let loss = CrossEntropyLossConfig::new().init(&device);
    let train = MnistDataset::new(Arc::clone(&data.train));
    let loader = MnistLoader::new(train, 128, seed, device.clone()).with_augmentation(augmentation);
    for epoch in 1..=epochs {
        let lr = 2e-3 * (epochs + 1 - epoch) as f64 / epochs as f64;
        for batch in loader.epoch(epoch) {
            let grads = loss
                .forward(model.forward(batch.images), batch.targets)
                .backward();
            let grads = GradientsParams::from_grads(grads, &model);
            model = optimizer.step(lr, model, grads);
        }
    }
    save_model(&model.valid(), &config, data.dataset, dir.path()).expect("model saved");
    dir
}

/// Epochs of the shared test model.
const EPOCHS: usize = 6;

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
