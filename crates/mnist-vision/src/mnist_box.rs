//! One digit's ink → a 28×28 image made the way MNIST was: strokes brought to MNIST's
//! width, the digit's bounding box scaled with anti-aliasing to fit 20×20 keeping its
//! aspect ratio, then placed in a 28×28 field with its centre of mass at the centre. Ink is
//! bright on black, as in MNIST.

use image::imageops::{self, FilterType};
use image::{GrayImage, Luma};
use imageproc::morphology::{Mask, grayscale_dilate, grayscale_erode};
use mnist_dataset::{IMAGE_PIXELS, IMAGE_SIDE};

/// 28×28 pixels, row-major, 0 = background, 255 = ink: what the data crate's
/// normalisation turns into model input.
pub type Digit = [u8; IMAGE_PIXELS];

/// Side of the box the digit is fitted into (MNIST's 20×20).
const DIGIT_BOX: u32 = 20;
/// Stroke widths in the 28×28 image, by the estimate of [`stroke_width`]. MNIST's test
/// digits measure 2.0 (1st percentile), 2.66 (median) and 4.97 (99th percentile): thinner
/// strokes (a fine pen on a large photo) are thickened to the median, thicker ones (a
/// marker) thinned to about the 90th percentile.
const THINNEST: f32 = 1.4;
const TYPICAL: f32 = 2.66;
const THICKEST: f32 = 5.2;
const THICK: f32 = 3.7;

/// A pixel brighter than this is part of the visible digit …
const VISIBLE: u8 = 30;
/// … and one brighter than this is at near full strength …
const STRONG: u8 = 200;
/// … which 56 % of the visible pixels of MNIST's test digits are.
const MNIST_STRONG_SHARE: f32 = 0.56;

/// Makes an MNIST digit of `ink`: the digit's pixels (bright on black, anything else 0),
/// cropped to it or not.
pub fn to_mnist(ink: &GrayImage) -> Digit {
    let Some(crop) = crop_to_ink(ink) else {
        return [0; IMAGE_PIXELS];
    };
    let crop = normalise_strokes(crop);
    centre_by_mass(&fit_digit_box(&crop))
}

fn crop_to_ink(ink: &GrayImage) -> Option<GrayImage> {
    let (width, height) = ink.dimensions();
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    let mut any = false;
    for (x, y, p) in ink.enumerate_pixels() {
        if p[0] > 0 {
            any = true;
            (left, top) = (left.min(x), top.min(y));
            (right, bottom) = (right.max(x), bottom.max(y));
        }
    }
    any.then(|| imageops::crop_imm(ink, left, top, right + 1 - left, bottom + 1 - top).to_image())
}

/// Stroke width in pixels: twice the area over the outline length of the pixels at half
/// strength or more (a 1-pixel line measures 2; a wide stroke its width).
pub fn stroke_width(image: &GrayImage) -> f32 {
    let (width, height) = image.dimensions();
    let on = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && x < i64::from(width)
            && y < i64::from(height)
            && image[(x as u32, y as u32)][0] >= 128
    };
    let (mut area, mut outline) = (0u32, 0u32);
    for y in 0..i64::from(height) {
        for x in 0..i64::from(width) {
            if on(x, y) {
                area += 1;
                if !(on(x - 1, y) && on(x + 1, y) && on(x, y - 1) && on(x, y + 1)) {
                    outline += 1;
                }
            }
        }
    }
    if outline == 0 {
        0.0
    } else {
        2.0 * area as f32 / outline as f32
    }
}

/// Thickens strokes that would come out thinner than MNIST's thinnest once the digit is
/// scaled into its box, and thins those thicker than its thickest.
fn normalise_strokes(crop: GrayImage) -> GrayImage {
    let scale = DIGIT_BOX as f32 / crop.width().max(crop.height()) as f32;
    let width = stroke_width(&crop);
    if width == 0.0 {
        return crop;
    }
    let scaled = width * scale.min(1.0);
    if scaled < THINNEST && scale < 1.0 {
        let radius = ((TYPICAL / scale - width) / 2.0).ceil().clamp(1.0, 64.0) as u8;
        // Grow the canvas first, so the thickened strokes are not clipped at its edges.
        let pad = u32::from(radius);
        let mut padded = GrayImage::new(crop.width() + 2 * pad, crop.height() + 2 * pad);
        imageops::replace(&mut padded, &crop, i64::from(pad), i64::from(pad));
        grayscale_dilate(&padded, &Mask::disk(radius))
    } else if scaled > THICKEST {
        let radius = ((width - THICK / scale.min(1.0)) / 2.0)
            .floor()
            .clamp(0.0, 64.0) as u8;
        if radius == 0 {
            return crop;
        }
        let thinned = grayscale_erode(&crop, &Mask::disk(radius));
        // Never erase the digit: a blob that erodes away stays as it was.
        if thinned.pixels().any(|p| p[0] >= 128) {
            thinned
        } else {
            crop
        }
    } else {
        crop
    }
}

/// Crops `ink` to the digit's bounding box and scales it to fit 20×20 keeping the aspect
/// ratio, with the strongest pixel at 255 again (thin strokes fade when shrunk).
fn fit_digit_box(ink: &GrayImage) -> GrayImage {
    let Some(crop) = crop_to_ink(ink) else {
        return GrayImage::new(1, 1);
    };
    let (box_w, box_h) = crop.dimensions();
    let longest = box_w.max(box_h);
    let scaled = |side: u32| ((side * DIGIT_BOX + longest / 2) / longest).clamp(1, DIGIT_BOX);
    let mut fitted = imageops::resize(&crop, scaled(box_w), scaled(box_h), FilterType::Triangle);
    let peak = fitted.pixels().map(|p| p[0]).max().unwrap_or(0).max(1);
    for p in fitted.pixels_mut() {
        p[0] = (u32::from(p[0]) * 255 / u32::from(peak)) as u8;
    }
    sharpen_like_mnist(&mut fitted);
    fitted
}

/// Brings soft strokes (a blurred photo, a JPEG, a thin stroke's anti-aliasing after a
/// large reduction) to MNIST's contrast: in MNIST, over half of a digit's visible pixels
/// are near full strength; where fewer are, levels are stretched until that holds again.
/// Digits as crisp as MNIST's are left alone.
fn sharpen_like_mnist(digit: &mut GrayImage) {
    let mut visible: Vec<u8> = digit
        .pixels()
        .map(|p| p[0])
        .filter(|&v| v > VISIBLE)
        .collect();
    if visible.is_empty() {
        return;
    }
    let index =
        ((visible.len() as f32 * (1.0 - MNIST_STRONG_SHARE)) as usize).min(visible.len() - 1);
    let level = f32::from(*visible.select_nth_unstable(index).1);
    if level >= f32::from(STRONG) {
        return;
    }
    let black = f32::from(VISIBLE) * 0.7;
    let gain = (f32::from(STRONG) - black) / (level - black).max(1.0);
    for p in digit.pixels_mut() {
        p[0] = ((f32::from(p[0]) - black) * gain).round().clamp(0.0, 255.0) as u8;
    }
    let peak = digit.pixels().map(|p| p[0]).max().unwrap_or(0).max(1);
    for p in digit.pixels_mut() {
        p[0] = (u32::from(p[0]) * 255 / u32::from(peak)) as u8;
    }
}

/// Pastes `digit` (at most 20×20) into a 28×28 field so that its centre of mass falls on
/// pixel (14, 14), as far as the field's edges allow. MNIST's convention is pixel indices:
/// its digits' mean centre of mass is (14.0, 14.0) ± 0.3 measured that way; a half-pixel
/// error here moves a third of the digits by one pixel, which an MLP notices.
fn centre_by_mass(digit: &GrayImage) -> Digit {
    let (width, height) = digit.dimensions();
    let (mut mass, mut sum_x, mut sum_y) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y, p) in digit.enumerate_pixels() {
        let m = f64::from(p[0]);
        mass += m;
        sum_x += m * f64::from(x);
        sum_y += m * f64::from(y);
    }
    let side = IMAGE_SIDE as f64;
    let offset = |sum: f64, extent: u32| -> usize {
        let centre = if mass > 0.0 {
            sum / mass
        } else {
            f64::from(extent - 1) / 2.0
        };
        let free = (IMAGE_SIDE as u32 - extent) as f64;
        (side / 2.0 - centre).round().clamp(0.0, free) as usize
    };
    let (left, top) = (offset(sum_x, width), offset(sum_y, height));
    let mut out = [0u8; IMAGE_PIXELS];
    for (x, y, p) in digit.enumerate_pixels() {
        out[(top + y as usize) * IMAGE_SIDE + left + x as usize] = p[0];
    }
    out
}

/// `digit` as a 28×28 gray image.
pub fn digit_image(digit: &Digit) -> GrayImage {
    GrayImage::from_fn(IMAGE_SIDE as u32, IMAGE_SIDE as u32, |x, y| {
        Luma([digit[y as usize * IMAGE_SIDE + x as usize]])
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 7-like glyph: a bar across the top and a diagonal stroke, `thickness` px thick,
    /// white on black, in a `size`×`size` canvas with the glyph spanning `size / 2`.
    pub(crate) fn seven(size: u32, thickness: u32) -> GrayImage {
        let glyph = size / 2;
        let (x0, y0) = (size / 8, size / 3);
        GrayImage::from_fn(size, size, |x, y| {
            let (gx, gy) = (x as i64 - x0 as i64, y as i64 - y0 as i64);
            let g = glyph as i64;
            let t = thickness as i64;
            let bar = (0..t).contains(&gy) && (0..g / 2).contains(&gx);
            let diagonal = (0..g).contains(&gy) && (gx - (g / 2 - gy / 2)).abs() < t && gx >= 0;
            Luma([if bar || diagonal { 255 } else { 0 }])
        })
    }

    pub(crate) fn bounding_box(digit: &Digit) -> (usize, usize, usize, usize) {
        let on: Vec<(usize, usize)> = (0..IMAGE_PIXELS)
            .filter(|&i| digit[i] > 0)
            .map(|i| (i % IMAGE_SIDE, i / IMAGE_SIDE))
            .collect();
        let xs = on.iter().map(|p| p.0);
        let ys = on.iter().map(|p| p.1);
        (
            xs.clone().min().unwrap_or(0),
            ys.clone().min().unwrap_or(0),
            xs.max().unwrap_or(0),
            ys.max().unwrap_or(0),
        )
    }

    #[test]
    fn the_digit_fills_a_20_pixel_box_centred_by_mass() {
        let digit = to_mnist(&seven(300, 10));
        let (left, top, right, bottom) = bounding_box(&digit);
        let (w, h) = (right - left + 1, bottom - top + 1);
        assert_eq!(w.max(h), 20, "box {w}×{h}");
        let mass: f64 = digit.iter().map(|&v| f64::from(v)).sum();
        let moment = |axis: fn(usize) -> usize| {
            (0..IMAGE_PIXELS)
                .map(|i| f64::from(digit[i]) * axis(i) as f64)
                .sum::<f64>()
                / mass
        };
        let (cx, cy) = (moment(|i| i % IMAGE_SIDE), moment(|i| i / IMAGE_SIDE));
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "({cx}, {cy})"
        );
        assert_eq!(digit.iter().max(), Some(&255));
    }

    #[test]
    fn a_hairline_on_a_large_image_gets_mnist_strokes() {
        let digit = to_mnist(&seven(600, 2));
        let width = stroke_width(&digit_image(&digit));
        assert!((2.0..3.6).contains(&width), "stroke {width}");
    }

    #[test]
    fn a_marker_gets_thinner_strokes() {
        let marker = seven(300, 40);
        let digit = to_mnist(&marker);
        let as_drawn = centre_by_mass(&fit_digit_box(&marker));
        let (width, drawn) = (
            stroke_width(&digit_image(&digit)),
            stroke_width(&digit_image(&as_drawn)),
        );
        assert!(
            drawn > THICKEST && width <= 0.9 * drawn,
            "{width} vs {drawn}"
        );
    }

    #[test]
    fn mnist_sized_strokes_are_left_alone() {
        let crop = seven(200, 18);
        assert_eq!(normalise_strokes(crop.clone()), crop);
    }
}
