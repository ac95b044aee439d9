//! MNIST test digits photographed the way people's phones do (see `support/photo.rs`:
//! noise, uneven light, shadows, ruled and squared paper, specks, coloured ink, thin pens
//! and markers, blur, JPEG, any position and size): after preprocessing, the model must
//! give the same answer as on the original 28×28 digits, one digit at a time and for
//! whole numbers read left to right.

use burn::prelude::*;
use image::GrayImage;
use mnist_infer::{Digit, Mode, predict};
use mnist_model::{Mlp, load_model};
use mnist_vision::{decode_bytes, prepare};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::support::photo::{Photo, PhotoMaker};
use crate::support::{test_digit, trained_model_dir};

/// Single-digit photos, and their least share agreeing with the original digit's answer.
const SINGLES: usize = 600;
const MIN_SINGLE_AGREEMENT: f64 = 0.97;
/// Number photos (2–5 digits), and their least share read exactly.
const NUMBERS: usize = 150;
const MIN_NUMBERS_EXACT: f64 = 0.90;
/// The test digits used start here, away from those of the other tests.
const FIRST_DIGIT: usize = 2000;

fn model() -> (Mlp, Device) {
    let device = Device::default();
    let (model, _) = load_model(trained_model_dir(), &device).expect("model");
    (model, device)
}

fn as_digit(image: &GrayImage) -> Digit {
    image.as_raw().as_slice().try_into().expect("784")
}

/// Reads `photo` in `mode`: the digits found, or nothing when preprocessing refused it.
fn digits_in(photo: &Photo, mode: Mode) -> Vec<Digit> {
    let image = decode_bytes(&photo.jpeg).expect("our own JPEG decodes");
    prepare(&image, mode)
        .map(|p| p.glyphs.iter().map(|g| g.digit).collect())
        .unwrap_or_default()
}

/// With `REAL_PHOTOS_FAILURES=DIR`, each failing photo is written there with what the
/// model saw beside the original digit(s), to look at.
fn keep_failure(name: &str, photo: &Photo, seen: &[Digit], originals: &[Digit]) {
    let Some(dir) = std::env::var_os("REAL_PHOTOS_FAILURES") else {
        return;
    };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).expect("failure dir");
    std::fs::write(dir.join(format!("{name}.jpg")), &photo.jpeg).expect("write");
    let row = |digits: &[Digit]| {
        let mut strip = GrayImage::new(28 * digits.len().max(1) as u32, 28);
        for (i, d) in digits.iter().enumerate() {
            let tile = GrayImage::from_raw(28, 28, d.to_vec()).expect("28×28");
            image::imageops::replace(&mut strip, &tile, 28 * i as i64, 0);
        }
        strip
    };
    let (seen, original) = (row(seen), row(originals));
    let mut both = GrayImage::new(seen.width().max(original.width()), 57);
    image::imageops::replace(&mut both, &original, 0, 0);
    image::imageops::replace(&mut both, &seen, 0, 29);
    let both = image::imageops::resize(
        &both,
        both.width() * 6,
        both.height() * 6,
        image::imageops::FilterType::Nearest,
    );
    both.save(dir.join(format!("{name}-seen.png")))
        .expect("write");
}

fn answers(model: &Mlp, digits: &[Digit], device: &Device) -> Vec<usize> {
    predict(model, digits, device)
        .iter()
        .map(|p| p.class)
        .collect()
}

#[test]
fn single_digit_photos_agree_with_the_original_digits() {
    let (model, device) = model();
    let indices: Vec<usize> = (FIRST_DIGIT..FIRST_DIGIT + SINGLES).collect();
    let originals: Vec<GrayImage> = indices.iter().map(|&i| test_digit(i)).collect();
    let reference = answers(
        &model,
        &originals.iter().map(as_digit).collect::<Vec<_>>(),
        &device,
    );
    // A few full 12-megapixel photos among them (4000×3000), the rest 200–900 pixels tall.
    let photos: Vec<Photo> = originals
        .par_iter()
        .enumerate()
        .map(|(i, d)| {
            let heights = if i % 150 == 7 {
                (3000, 3000)
            } else {
                (200, 900)
            };
            PhotoMaker::new(i as u64).photo(std::slice::from_ref(d), heights)
        })
        .collect();
    let found: Vec<Vec<Digit>> = photos
        .par_iter()
        .map(|p| digits_in(p, Mode::Digit))
        .collect();
    let mut agreeing = 0;
    let mut failures = Vec::new();
    for (i, digits) in found.iter().enumerate() {
        let answer = digits.first().map(|d| answers(&model, &[*d], &device)[0]);
        if answer == Some(reference[i]) {
            agreeing += 1;
        } else {
            keep_failure(
                &format!("single-{i}"),
                &photos[i],
                digits,
                &[as_digit(&originals[i])],
            );
            failures.push(format!(
                "#{i} (test {}): {answer:?} instead of {}: {}",
                indices[i], reference[i], photos[i].conditions
            ));
        }
    }
    let agreement = agreeing as f64 / SINGLES as f64;
    println!(
        "single digits: {agreeing}/{SINGLES} agree ({:.1}%)",
        100.0 * agreement
    );
    for failure in &failures {
        println!("  {failure}");
    }
    assert!(
        agreement >= MIN_SINGLE_AGREEMENT,
        "only {:.1}% agree:\n{}",
        100.0 * agreement,
        failures.join("\n")
    );
}

#[test]
fn numbers_in_photos_are_read_exactly() {
    let (model, device) = model();
    let mut rng = StdRng::seed_from_u64(2026);
    let numbers: Vec<Vec<usize>> = (0..NUMBERS)
        .map(|_| {
            let length = rng.random_range(2..=5);
            (0..length)
                .map(|_| rng.random_range(FIRST_DIGIT + SINGLES..10_000))
                .collect()
        })
        .collect();
    let photos: Vec<Photo> = numbers
        .par_iter()
        .enumerate()
        .map(|(i, indices)| {
            let digits: Vec<GrayImage> = indices.iter().map(|&d| test_digit(d)).collect();
            PhotoMaker::new(10_000 + i as u64).photo(&digits, (200, 900))
        })
        .collect();
    let found: Vec<Vec<Digit>> = photos
        .par_iter()
        .map(|p| digits_in(p, Mode::Number))
        .collect();
    let mut exact = 0;
    let mut failures = Vec::new();
    for (i, indices) in numbers.iter().enumerate() {
        let originals: Vec<Digit> = indices.iter().map(|&d| as_digit(&test_digit(d))).collect();
        let expected = answers(&model, &originals, &device);
        let read = answers(&model, &found[i], &device);
        if read == expected {
            exact += 1;
        } else {
            keep_failure(&format!("number-{i}"), &photos[i], &found[i], &originals);
            failures.push(format!(
                "#{i}: read {read:?} instead of {expected:?}: {}",
                photos[i].conditions
            ));
        }
    }
    let share = exact as f64 / NUMBERS as f64;
    println!(
        "numbers: {exact}/{NUMBERS} read exactly ({:.1}%)",
        100.0 * share
    );
    for failure in &failures {
        println!("  {failure}");
    }
    assert!(
        share >= MIN_NUMBERS_EXACT,
        "only {:.1}% read exactly:\n{}",
        100.0 * share,
        failures.join("\n")
    );
}
