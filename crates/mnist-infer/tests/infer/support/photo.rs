//! A phone photo of digits written on paper, made from MNIST digits: every condition a
//! real photo brings, drawn at random from a seeded generator, all in one image: paper
//! from grey to white with uneven light and a soft shadow, ruled or squared lines, dust
//! specks, black, blue or red ink (or chalk on a board), thin pens and thick markers, the
//! digits anywhere at 25–80 % of the height, blur, sensor noise and JPEG compression.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{GrayImage, Rgb, RgbImage};
use imageproc::filter::gaussian_blur_f32;
use imageproc::morphology::{Mask, grayscale_dilate, grayscale_erode};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The random conditions of one photo, kept so a failure can be described.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The encoded JPEG.
    pub jpeg: Vec<u8>,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// What was drawn, in words.
    pub conditions: String,
}

/// A seeded generator of photos.
pub struct PhotoMaker {
    rng: StdRng,
}

impl PhotoMaker {
    /// A generator whose photos depend on `seed` alone.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A photo of `digits` (MNIST's white-on-black 28×28) written left to right, with an
    /// image height drawn from `heights`.
    pub fn photo(&mut self, digits: &[GrayImage], heights: (u32, u32)) -> Photo {
        let rng = &mut self.rng;
        let height = rng.random_range(heights.0..=heights.1);
        // The 20-pixel box of an MNIST digit becomes `digit_height` pixels tall.
        let digit_height = height as f32 * rng.random_range(0.25..0.8f32);
        let scale = digit_height / 20.0;
        // < 0: a thin pen (down to 3 % of the digit height); > 0: a marker (up to 20 %).
        let pen: f32 = rng.random_range(-0.35..0.35f32);
        let glyphs: Vec<GrayImage> = digits
            .iter()
            .map(|d| {
                let s = scale * rng.random_range(0.9..1.1f32);
                let side = (28.0 * s).round() as u32;
                let big = imageops::resize(d, side, side, FilterType::CatmullRom);
                let radius = (pen.abs() * s).round().min(255.0) as u8;
                match (radius, pen < 0.0) {
                    (0, _) => big,
                    (r, true) => grayscale_erode(&big, &Mask::disk(r)),
                    (r, false) => grayscale_dilate(&big, &Mask::disk(r)),
                }
            })
            .map(|g| crop_to_ink(&g))
            .collect();
        // Left to right with gaps, never touching; slight vertical jitter.
        let gaps: Vec<u32> = (1..glyphs.len())
            .map(|_| (digit_height * rng.random_range(0.08..0.35f32)) as u32)
            .collect();
        let ink_width: u32 =
            glyphs.iter().map(GrayImage::width).sum::<u32>() + gaps.iter().sum::<u32>();
        let tallest = glyphs.iter().map(GrayImage::height).max().unwrap_or(1);
        let aspect = rng.random_range(0.75..1.5f32);
        let margin = (height / 25).max(4);
        let width = ((height as f32 * aspect) as u32).max(ink_width + 2 * margin);
        let height = height.max(tallest + 2 * margin + (digit_height * 0.1) as u32);
        let mut alpha = GrayImage::new(width, height);
        let mut x = rng.random_range(margin..=(width - ink_width - margin).max(margin));
        let y0 = rng.random_range(margin..=(height - tallest - margin).max(margin));
        for (i, glyph) in glyphs.iter().enumerate() {
            let jitter = (digit_height * rng.random_range(0.0..0.06f32)) as u32;
            let y = (y0 + jitter).min(height - glyph.height());
            imageops::overlay(&mut alpha, glyph, i64::from(x), i64::from(y));
            x += glyph.width() + gaps.get(i).copied().unwrap_or(0);
        }

        // Paper and ink colours.
        let board = rng.random_bool(0.1);
        let (paper, ink, ink_name) = if board {
            let b = rng.random_range(35.0..80.0f32);
            ([b * 0.9, b, b * 0.95], [225.0, 225.0, 215.0], "chalk")
        } else {
            let l = rng.random_range(150.0..250.0f32);
            let paper = [
                l,
                l * rng.random_range(0.95..1.0f32),
                l * rng.random_range(0.85..1.0f32),
            ];
            match rng.random_range(0..3) {
                0 => (paper, [25.0, 25.0, 30.0], "black"),
                1 => (paper, [30.0, 45.0, 150.0], "blue"),
                _ => (paper, [185.0, 30.0, 40.0], "red"),
            }
        };
        // Uneven light: a linear gradient and a soft-edged shadow.
        let gradient = rng.random_range(0.0..0.35f32);
        let angle = rng.random_range(0.0..std::f32::consts::TAU);
        let shadow = if rng.random_bool(0.5) {
            rng.random_range(0.1..0.35f32)
        } else {
            0.0
        };
        let shadow_angle = rng.random_range(0.0..std::f32::consts::TAU);
        let shadow_at = rng.random_range(0.2..0.8f32);
        // Paper lines: none, ruled or squared, faint, nearly level.
        let lines = rng.random_range(0..3);
        let spacing = height as f32 * rng.random_range(0.06..0.12f32);
        let line_width = (height as f32 / 400.0).max(1.0);
        let line_strength = rng.random_range(0.08..0.2f32);
        let tilt = rng.random_range(-0.003..0.003f32);
        let phase = rng.random_range(0.0..spacing);
        // Dust specks: dark dots.
        let specks: Vec<(f32, f32, f32)> = (0..rng.random_range(0..8))
            .map(|_| {
                (
                    rng.random_range(0.0..width as f32),
                    rng.random_range(0.0..height as f32),
                    (height as f32 / 300.0) * rng.random_range(0.7..2.0f32),
                )
            })
            .collect();
        let noise = rng.random_range(0.0..12.0f32);
        let blur = if rng.random_bool(0.4) {
            rng.random_range(0.3..1.2f32) * (height as f32 / 500.0).max(1.0)
        } else {
            0.0
        };
        let quality = rng.random_range(55..=95u8);

        let (w, h) = (width as f32, height as f32);
        let (ca, sa) = (angle.cos(), angle.sin());
        let (cs, ss) = (shadow_angle.cos(), shadow_angle.sin());
        let mut photo = RgbImage::from_fn(width, height, |x, y| {
            let (fx, fy) = (x as f32 / w - 0.5, y as f32 / h - 0.5);
            let mut light = 1.0 - gradient * (0.5 + fx * ca + fy * sa);
            let d = fx * cs + fy * ss - (shadow_at - 0.5);
            light *= 1.0 - shadow / (1.0 + (-d / 0.05).exp());
            let mut colour = paper;
            let on_line = |v: f32| {
                let m = (v - phase).rem_euclid(spacing);
                m < line_width || spacing - m < 0.5
            };
            let ruled = lines >= 1 && on_line(y as f32 + tilt * x as f32);
            let squared = lines == 2 && on_line(x as f32 - tilt * y as f32);
            if ruled || squared {
                // Light blue-grey printed lines.
                colour = [
                    colour[0] * (1.0 - line_strength * 1.3),
                    colour[1] * (1.0 - line_strength),
                    colour[2] * (1.0 - line_strength * 0.4),
                ];
            }
            let speck = specks.iter().any(|&(sx, sy, r)| {
                let (dx, dy) = (x as f32 - sx, y as f32 - sy);
                dx * dx + dy * dy <= r * r
            });
            let a = f32::from(alpha[(x, y)][0]) / 255.0;
            let a = if speck && !board { a.max(0.7) } else { a };
            Rgb(std::array::from_fn(|c| {
                let v = (colour[c] * (1.0 - a) + ink[c] * a) * light;
                v.clamp(0.0, 255.0) as u8
            }))
        });
        if blur > 0.0 {
            photo = gaussian_blur_f32(&photo, blur);
        }
        if noise > 0.0 {
            for p in photo.pixels_mut() {
                for c in 0..3 {
                    let v = f32::from(p[c]) + noise * gaussian(rng);
                    p[c] = v.round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        let mut jpeg = Cursor::new(Vec::new());
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&photo)
            .expect("encodes");
        Photo {
            jpeg: jpeg.into_inner(),
            size: (width, height),
            conditions: format!(
                "{width}×{height}, digit {:.0}% tall, {ink_name} ink, pen {pen:+.2}, paper lines {lines}, {} specks, gradient {gradient:.2}, shadow {shadow:.2}, noise σ {noise:.1}, blur {blur:.1}, JPEG {quality}",
                100.0 * digit_height / h,
                specks.len()
            ),
        }
    }
}

/// A standard normal deviate (Box–Muller): `rand`'s distributions live in another crate,
/// and this is the one line of it the generator needs.
fn gaussian(rng: &mut StdRng) -> f32 {
    let u: f32 = rng.random_range(f32::EPSILON..1.0);
    let v: f32 = rng.random_range(0.0..std::f32::consts::TAU);
    (-2.0 * u.ln()).sqrt() * v.cos()
}

fn crop_to_ink(image: &GrayImage) -> GrayImage {
    let on: Vec<(u32, u32)> = image
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] > 0)
        .map(|(x, y, _)| (x, y))
        .collect();
    if on.is_empty() {
        return image.clone();
    }
    let (x0, x1) = (
        on.iter().map(|p| p.0).min().unwrap_or(0),
        on.iter().map(|p| p.0).max().unwrap_or(0),
    );
    let (y0, y1) = (
        on.iter().map(|p| p.1).min().unwrap_or(0),
        on.iter().map(|p| p.1).max().unwrap_or(0),
    );
    imageops::crop_imm(image, x0, y0, x1 + 1 - x0, y1 + 1 - y0).to_image()
}
