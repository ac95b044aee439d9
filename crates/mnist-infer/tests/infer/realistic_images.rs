//! Real MNIST test digits rendered the way people's images come (large, black on white,
//! off-centre, coloured, JPEG): after preprocessing, the model must give the same answer
//! as on the original 28×28 digit for the vast majority.

use burn::prelude::*;
use image::{DynamicImage, GrayImage, ImageFormat};
use mnist_infer::{Digit, predict, preprocess_bytes};
use mnist_model::load_model;

use crate::support::{
    coloured, encoded, inverted, off_centre, test_digit, trained_model_dir, upscaled,
};

/// Test digits compared per rendering.
const SAMPLES: usize = 1000;
/// Least share of agreeing predictions per rendering.
const MIN_AGREEMENT: f64 = 0.95;
/// Least share for the original 28×28 digit itself: preprocessing MNIST must give MNIST back.
const MIN_AGREEMENT_AS_IS: f64 = 0.99;

type Render = fn(&GrayImage) -> Vec<u8>;

#[test]
fn predictions_on_realistic_renderings_agree_with_the_original_digits() {
    let device = Device::default();
    let (model, _) = load_model(trained_model_dir(), &device).expect("model");
    let originals: Vec<GrayImage> = (0..SAMPLES).map(test_digit).collect();
    let as_digit =
        |image: &GrayImage| -> Digit { image.as_raw().as_slice().try_into().expect("784") };
    let reference = predict(
        &model,
        &originals.iter().map(as_digit).collect::<Vec<_>>(),
        &device,
    );

    let renderings: [(&str, Render); 6] = [
        ("28×28 as is (PNG)", |d| {
            encoded(DynamicImage::ImageLuma8(d.clone()), ImageFormat::Png)
        }),
        ("upscaled to 280×280", |d| {
            encoded(DynamicImage::ImageLuma8(upscaled(d, 280)), ImageFormat::Png)
        }),
        ("black on white", |d| {
            encoded(
                DynamicImage::ImageLuma8(inverted(upscaled(d, 200))),
                ImageFormat::Png,
            )
        }),
        ("off-centre on a 400×300 sheet", |d| {
            encoded(
                DynamicImage::ImageLuma8(off_centre(&inverted(upscaled(d, 200)))),
                ImageFormat::Png,
            )
        }),
        ("blue ink on cream paper (RGB)", |d| {
            encoded(
                DynamicImage::ImageRgb8(coloured(&upscaled(d, 224))),
                ImageFormat::Png,
            )
        }),
        ("JPEG photo: off-centre, coloured", |d| {
            let sheet = off_centre(&inverted(upscaled(d, 160)));
            encoded(
                DynamicImage::ImageRgb8(coloured(&inverted(sheet))),
                ImageFormat::Jpeg,
            )
        }),
    ];
    let mut report = Vec::new();
    for (name, render) in renderings {
        let digits: Vec<Digit> = originals
            .iter()
            .map(|d| preprocess_bytes(&render(d)).unwrap_or_else(|e| panic!("{name}: {e}")))
            .collect();
        let predictions = predict(&model, &digits, &device);
        let agreeing = predictions
            .iter()
            .zip(&reference)
            .filter(|(a, b)| a.class == b.class)
            .count();
        report.push((name, agreeing as f64 / SAMPLES as f64));
    }
    println!("{report:#?}");
    for (i, (name, agreement)) in report.iter().copied().enumerate() {
        let least = if i == 0 {
            MIN_AGREEMENT_AS_IS
        } else {
            MIN_AGREEMENT
        };
        assert!(
            agreement >= least,
            "{name}: only {:.1}% agree ({report:?})",
            100.0 * agreement
        );
    }
}
