//! A photo of one product → the 28×28 image a Fashion-MNIST model expects, made the way
//! Zalando made the dataset from its catalogue shots: the product trimmed from the background,
//! its longest side resized to 28 pixels, sharpened, centred by its bounding box (no 20×20
//! box, no centre of mass) and negated, a light object on black.
//!
//! Catalogue shots have an even white background; photos do not. So the background is
//! measured first: a smooth surface fitted to the image's border (a gradient of light or a
//! vignette leaves it flat after division), against which "negated" means how much darker
//! than its own background each pixel is. Specks apart from the product are dropped.

use image::imageops;
use image::{DynamicImage, GrayImage, Luma};
use imageproc::distance_transform::Norm;
use imageproc::filter::{gaussian_blur_f32, sharpen_gaussian};
use imageproc::morphology::dilate;
use imageproc::region_labelling::{Connectivity, connected_components};
use mnist_dataset::{IMAGE_PIXELS, IMAGE_SIDE};

use crate::error::PreprocessError;
use crate::ink::{GrayF32, at_working_size, on_backdrop};
use crate::marks::{MIN_CONTRAST, Rect};
use crate::mnist_box::Digit;
use crate::pipeline::{Glyph, Prepared};

/// The border band the background is measured on, as a share of the longest side.
const BORDER: f32 = 0.04;
/// Zalando trimmed pixels within 5 % of the corner colour: the product starts here …
const TRIM_SHARE: f32 = 0.05;
/// … or this many noise σ above the background, whichever is larger.
const TRIM_SIGMAS: f32 = 4.0;
/// Parts of the product smaller than this share of its largest part are specks.
const SPECK_SHARE: f32 = 0.02;
/// Sharpening after the resize (Zalando: a Gaussian operator of radius and σ 1.0).
const SHARPEN_SIGMA: f32 = 1.0;
const SHARPEN_AMOUNT: f32 = 0.7;

/// Finds the one product in an upright image and makes its Fashion-MNIST image.
pub fn prepare_product(image: &DynamicImage) -> Result<Prepared, PreprocessError> {
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(PreprocessError::Empty { width, height });
    }
    // A transparent background goes on white, as catalogue shots have it.
    let (gray, scale) = at_working_size(on_backdrop(image, 255));
    let background = Background::fit(&gray);
    let object = background.object(&gray);
    let (mask, contrast) = background.product_mask(&object);
    let Some(bounds) = bounding_box(&mask) else {
        return Err(PreprocessError::NoObject { contrast });
    };
    let mut warnings = Vec::new();
    let (w, h) = gray.dimensions();
    if bounds.x == 0 || bounds.y == 0 || bounds.right() == w || bounds.bottom() == h {
        warnings.push(
            "the product touches the edge of the photo: part of it may be cut off".to_string(),
        );
    }
    let kept = dilate(&mask, Norm::LInf, 2);
    let crop = GrayImage::from_fn(bounds.width, bounds.height, |x, y| {
        let (gx, gy) = (x + bounds.x, y + bounds.y);
        let level = if kept[(gx, gy)][0] > 0 {
            object[(gx, gy)][0]
        } else {
            0.0
        };
        Luma([level.round().clamp(0.0, 255.0) as u8])
    });
    let digit = frame(&crop);
    // A sliver (a hairline across a large frame) can average away to nothing at 28 pixels.
    if digit.iter().all(|&p| p == 0) {
        return Err(PreprocessError::NoObject { contrast });
    }
    Ok(Prepared {
        glyphs: vec![Glyph {
            digit,
            bounds: bounds.scaled(scale, (width, height)),
        }],
        warnings,
    })
}

/// The background's brightness across the image: a quadratic surface in x and y.
#[derive(Debug, Clone)]
struct Background {
    /// Coefficients of 1, u, v, u², uv, v² (u, v: position from the centre, −½..½).
    coefficients: [f64; 6],
    /// The median of the border: light (a white sheet) or dark (a black table).
    level: f32,
    /// Standard deviation of the border around the surface, in grey levels.
    noise: f32,
    width: u32,
    height: u32,
}

impl Background {
    /// Fits the surface to the border band, three times, each time leaving out what lies more
    /// than 3 σ from the last fit (a sleeve or a shadow reaching the edge).
    ///
    /// Hand-written least squares on a 6×6 system: neither `image` nor `imageproc` fits
    /// surfaces, and a linear-algebra crate for one small solve would cost more than it saves.
    fn fit(gray: &GrayImage) -> Self {
        let (width, height) = gray.dimensions();
        let band = ((width.max(height) as f32 * BORDER).ceil() as u32).max(1);
        let step = (band / 2).max(1);
        let mut samples: Vec<(f64, f64, f64)> = Vec::new();
        for y in (0..height).step_by(step as usize) {
            for x in (0..width).step_by(step as usize) {
                let near_edge = x < band || y < band || x + band >= width || y + band >= height;
                if near_edge {
                    let (u, v) = normalised(x, y, width, height);
                    samples.push((u, v, f64::from(gray[(x, y)][0])));
                }
            }
        }
        let mut levels: Vec<f32> = samples.iter().map(|s| s.2 as f32).collect();
        let level = median(&mut levels);
        // Start from the median, which a product reaching into the band does not sway.
        let mut coefficients = [f64::from(level), 0.0, 0.0, 0.0, 0.0, 0.0];
        let deviation = |coefficients: &[f64; 6]| {
            let mut residuals: Vec<f32> = samples
                .iter()
                .map(|&(u, v, z)| (z - evaluate(coefficients, u, v)).abs() as f32)
                .collect();
            // 1.4826 × the median absolute deviation is σ for Gaussian noise.
            1.4826 * median(&mut residuals)
        };
        for _ in 0..3 {
            let limit = f64::from(3.0 * deviation(&coefficients).max(1.0));
            let inliers: Vec<_> = samples
                .iter()
                .copied()
                .filter(|&(u, v, z)| (z - evaluate(&coefficients, u, v)).abs() <= limit)
                .collect();
            if let Some(fitted) = least_squares(&inliers) {
                coefficients = fitted;
            }
        }
        let noise = deviation(&coefficients);
        Self {
            coefficients,
            level,
            noise,
            width,
            height,
        }
    }

    fn at(&self, x: u32, y: u32) -> f32 {
        let (u, v) = normalised(x, y, self.width, self.height);
        evaluate(&self.coefficients, u, v).clamp(1.0, 254.0) as f32
    }

    fn light(&self) -> bool {
        self.level >= 128.0
    }

    /// How far each pixel is from its background towards the product, 0..=255: on a light
    /// background the negated brightness relative to the background (white → 0, black →
    /// 255), on a dark one the brightness above it.
    fn object(&self, gray: &GrayImage) -> GrayF32 {
        GrayF32::from_fn(gray.width(), gray.height(), |x, y| {
            let (b, v) = (self.at(x, y), f32::from(gray[(x, y)][0]));
            let share = if self.light() {
                (b - v) / b
            } else {
                (v - b) / (255.0 - b)
            };
            Luma([255.0 * share.clamp(0.0, 1.0)])
        })
    }

    /// The product's pixels (255) without specks, and the strongest contrast found.
    fn product_mask(&self, object: &GrayF32) -> (GrayImage, u8) {
        let smooth = gaussian_blur_f32(object, 1.0);
        let strongest = smooth.pixels().map(|p| p[0]).fold(0.0f32, f32::max);
        // σ in grey levels → the same distance in `object`'s units.
        let span = if self.light() {
            self.level
        } else {
            255.0 - self.level
        };
        let noise = self.noise * 255.0 / span.max(1.0);
        let threshold = (TRIM_SHARE * 255.0)
            .max(TRIM_SIGMAS * noise)
            .max(f32::from(MIN_CONTRAST) / 2.0);
        let contrast = strongest.round().clamp(0.0, 255.0) as u8;
        let above = GrayImage::from_fn(smooth.width(), smooth.height(), |x, y| {
            Luma([if smooth[(x, y)][0] > threshold {
                255
            } else {
                0
            }])
        });
        if strongest < f32::from(MIN_CONTRAST) {
            return (GrayImage::new(above.width(), above.height()), contrast);
        }
        let labels = connected_components(&above, Connectivity::Eight, Luma([0u8]));
        let mut areas = vec![0usize; 1];
        for label in labels.pixels().map(|p| p[0] as usize) {
            if label >= areas.len() {
                areas.resize(label + 1, 0);
            }
            areas[label] += 1;
        }
        areas[0] = 0;
        let largest = areas.iter().copied().max().unwrap_or(0);
        let least = (largest as f32 * SPECK_SHARE).max(1.0);
        let mask = GrayImage::from_fn(above.width(), above.height(), |x, y| {
            let label = labels[(x, y)][0] as usize;
            Luma([if label > 0 && areas[label] as f32 >= least {
                255
            } else {
                0
            }])
        });
        (mask, contrast)
    }
}

/// The position of pixel (x, y) from the image's centre, each axis −½..½.
fn normalised(x: u32, y: u32, width: u32, height: u32) -> (f64, f64) {
    (
        (f64::from(x) + 0.5) / f64::from(width) - 0.5,
        (f64::from(y) + 0.5) / f64::from(height) - 0.5,
    )
}

fn terms(u: f64, v: f64) -> [f64; 6] {
    [1.0, u, v, u * u, u * v, v * v]
}

fn evaluate(c: &[f64; 6], u: f64, v: f64) -> f64 {
    terms(u, v).iter().zip(c).map(|(t, c)| t * c).sum()
}

/// The least-squares coefficients for `samples` (u, v, level), or `None` when they do not
/// determine the surface (too few, or all on one line).
fn least_squares(samples: &[(f64, f64, f64)]) -> Option<[f64; 6]> {
    let mut a = [[0.0f64; 7]; 6];
    for &(u, v, z) in samples {
        let t = terms(u, v);
        for row in 0..6 {
            for col in 0..6 {
                a[row][col] += t[row] * t[col];
            }
            a[row][6] += t[row] * z;
        }
    }
    // Gauss–Jordan elimination with partial pivoting on the normal equations.
    for col in 0..6 {
        let pivot = (col..6).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 * samples.len() as f64 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, values) in a.iter_mut().enumerate() {
            if row != col {
                let factor = values[col] / pivot_row[col];
                for (value, p) in values.iter_mut().zip(&pivot_row).skip(col) {
                    *value -= factor * p;
                }
            }
        }
    }
    Some(std::array::from_fn(|i| a[i][6] / a[i][i]))
}

fn median(values: &mut [f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let middle = values.len() / 2;
    *values.select_nth_unstable_by(middle, f32::total_cmp).1
}

fn bounding_box(mask: &GrayImage) -> Option<Rect> {
    let (mut left, mut top, mut right, mut bottom) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in mask.enumerate_pixels() {
        if p[0] > 0 {
            (left, top) = (left.min(x), top.min(y));
            (right, bottom) = (right.max(x), bottom.max(y));
        }
    }
    (left != u32::MAX).then(|| Rect {
        x: left,
        y: top,
        width: right + 1 - left,
        height: bottom + 1 - top,
    })
}

/// The trimmed product → 28×28: longest side 28 (area averaging), sharpened, centred.
fn frame(crop: &GrayImage) -> Digit {
    let side = IMAGE_SIDE as u32;
    let (w, h) = crop.dimensions();
    let longest = w.max(h);
    let fit = |s: u32| ((s as f32 * side as f32 / longest as f32).round() as u32).clamp(1, side);
    let small = if longest > side {
        imageops::thumbnail(crop, fit(w), fit(h))
    } else {
        imageops::resize(crop, fit(w), fit(h), imageops::FilterType::Triangle)
    };
    let sharp = sharpen_gaussian(&small, SHARPEN_SIGMA, SHARPEN_AMOUNT);
    let (x0, y0) = ((side - sharp.width()) / 2, (side - sharp.height()) / 2);
    let mut digit = [0u8; IMAGE_PIXELS];
    for (x, y, p) in sharp.enumerate_pixels() {
        digit[((y + y0) * side + x + x0) as usize] = p[0];
    }
    digit
}

#[cfg(test)]
mod tests {
    use image::RgbaImage;

    use super::*;

    /// A shirt-like shape (body and sleeves), `tone` on `paper`, in a `size`² image with
    /// light falling off from left to right by `gradient` levels.
    fn shirt(size: u32, tone: u8, paper: u8, gradient: f32) -> GrayImage {
        let s = size as f32;
        GrayImage::from_fn(size, size, |x, y| {
            let (fx, fy) = (x as f32 / s, y as f32 / s);
            let body = (0.35..0.65).contains(&fx) && (0.25..0.8).contains(&fy);
            let sleeves = (0.2..0.8).contains(&fx) && (0.25..0.4).contains(&fy);
            let light = 1.0 - gradient / 255.0 * fx;
            let level = if body || sleeves { tone } else { paper };
            Luma([(f32::from(level) * light).round() as u8])
        })
    }

    fn product(image: GrayImage) -> Prepared {
        prepare_product(&DynamicImage::ImageLuma8(image)).expect("a product")
    }

    fn nonzero_box(digit: &Digit) -> (usize, usize, usize, usize) {
        crate::mnist_box::tests::bounding_box(digit)
    }

    #[test]
    fn the_product_fills_28_pixels_along_its_longest_side_centred_light_on_black() {
        let prepared = product(shirt(300, 60, 240, 0.0));
        let digit = prepared.glyphs[0].digit;
        let (left, top, right, bottom) = nonzero_box(&digit);
        // 0.6 of the width, 0.55 of the height: the width becomes 28.
        assert_eq!((left, right), (0, 27));
        let rows = bottom - top + 1;
        assert!((24..=27).contains(&rows), "{rows}");
        assert!(top.abs_diff(27 - bottom) <= 1, "centred: {top}..{bottom}");
        // Negated: the dark shirt is bright, the white paper 0.
        assert!(digit[14 * 28 + 14] > 150, "{}", digit[14 * 28 + 14]);
        assert_eq!(digit[0], 0);
        assert!(prepared.warnings.is_empty(), "{:?}", prepared.warnings);
    }

    #[test]
    fn uneven_light_and_a_speck_do_not_move_the_product() {
        let clean = product(shirt(300, 60, 240, 0.0)).glyphs[0].clone();
        let mut photo = shirt(300, 60, 240, 70.0);
        for (x, y) in [(20, 270), (21, 270), (20, 271), (21, 271)] {
            photo.put_pixel(x, y, Luma([30]));
        }
        let shaded = product(photo).glyphs[0].clone();
        assert_eq!(nonzero_box(&shaded.digit), nonzero_box(&clean.digit));
        assert_eq!(shaded.bounds, clean.bounds);
        let differing = clean
            .digit
            .iter()
            .zip(&shaded.digit)
            .filter(|(a, b)| a.abs_diff(**b) > 40)
            .count();
        assert!(differing <= 20, "{differing} pixels differ");
    }

    #[test]
    fn a_light_product_on_a_dark_table_and_a_transparent_cut_out_work() {
        let dark = product(shirt(200, 200, 30, 0.0)).glyphs[0].clone();
        let light = product(shirt(200, 60, 240, 0.0)).glyphs[0].clone();
        assert_eq!(dark.bounds, light.bounds);
        let mask = shirt(200, 0, 255, 0.0);
        let cut_out = RgbaImage::from_fn(200, 200, |x, y| {
            let inside = mask[(x, y)][0] == 0;
            image::Rgba([90, 40, 40, if inside { 255 } else { 0 }])
        });
        let cut = prepare_product(&DynamicImage::ImageRgba8(cut_out)).expect("product");
        assert_eq!(cut.glyphs[0].bounds, light.bounds);
    }

    #[test]
    fn a_fashion_like_image_survives_the_round_trip() {
        // A 28×28 "trouser", light on black as in the dataset, printed dark on white with a
        // margin (the catalogue shot), enlarged ten times: the recipe gives it back.
        let original: Digit = std::array::from_fn(|i| {
            let (x, y) = (i % 28, i / 28);
            let leg = (8..13).contains(&x) || (15..20).contains(&x);
            if (8..20).contains(&x) && y < 28 && (y < 6 || leg) {
                180 + (x as u8 % 3) * 20
            } else {
                0
            }
        });
        let shot = GrayImage::from_fn(400, 400, |x, y| {
            let (cx, cy) = (x as i64 / 10 - 6, y as i64 / 10 - 6);
            let level = if (0..28).contains(&cx) && (0..28).contains(&cy) {
                original[cy as usize * 28 + cx as usize]
            } else {
                0
            };
            Luma([255 - level])
        });
        let digit = product(shot).glyphs[0].digit;
        let (a, b) = (nonzero_box(&digit), nonzero_box(&original));
        assert!(a.1 == b.1 && a.3 == b.3, "{a:?} {b:?}");
        let close = digit
            .iter()
            .zip(&original)
            .filter(|(p, q)| p.abs_diff(**q) <= 48)
            .count();
        assert!(
            close >= 28 * 28 - 40,
            "{close} of 784 pixels within 48 levels"
        );
    }

    #[test]
    fn noise_alone_and_flat_images_are_blank() {
        let noise = GrayImage::from_fn(120, 90, |x, y| Luma([200 + ((x * 7 + y * 13) % 9) as u8]));
        for image in [noise, GrayImage::from_pixel(40, 40, Luma([255]))] {
            let err = prepare_product(&DynamicImage::ImageLuma8(image)).expect_err("nothing");
            assert!(matches!(err, PreprocessError::NoObject { .. }), "{err}");
            assert!(err.to_string().starts_with("blank image"), "{err}");
        }
    }

    #[test]
    fn a_product_cut_off_by_the_frame_is_flagged() {
        let prepared = product(GrayImage::from_fn(200, 200, |x, y| {
            Luma([if x < 120 && (40..160).contains(&y) {
                50
            } else {
                240
            }])
        }));
        assert_eq!(prepared.warnings.len(), 1, "{:?}", prepared.warnings);
    }

    #[test]
    fn least_squares_recovers_a_plane() {
        let samples: Vec<_> = (0..50)
            .map(|i| {
                let (u, v) = (i as f64 / 50.0 - 0.5, ((i * 7) % 50) as f64 / 50.0 - 0.5);
                (u, v, 100.0 + 30.0 * u - 20.0 * v + 10.0 * u * u)
            })
            .collect();
        let c = least_squares(&samples).expect("determined");
        for (got, want) in c.iter().zip([100.0, 30.0, -20.0, 10.0, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-6, "{c:?}");
        }
        assert_eq!(least_squares(&samples[..3]), None);
    }
}
