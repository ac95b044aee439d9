//! Turning a photo, scan or drawing of one digit into a 28×28 image like MNIST's, the way
//! MNIST itself was made: the digit's bounding box is scaled with anti-aliasing to fit
//! 20×20, keeping its aspect ratio, then placed in a 28×28 field with its centre of mass at
//! the centre. Ink is bright on black, as in MNIST; dark-on-light images are inverted.

use std::borrow::Cow;
use std::io::{BufRead, Cursor, Seek};
use std::path::Path;

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, ImageError, ImageReader, Limits, Luma};
use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};
use thiserror::Error;

/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Most memory the decoder may allocate for one image.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// Side of the box the digit is fitted into (MNIST's 20×20).
const DIGIT_BOX: u32 = 20;
/// Larger images are first reduced (area averaging) to this side: the digit ends up 20
/// pixels tall, so full photo resolution would only cost time and memory.
const WORKING_SIDE: u32 = 512;
/// After contrast stretching, ink below this level is paper texture or JPEG ringing.
const NOISE_FLOOR: u8 = 32;
/// Least difference between the strongest ink and the background, out of 255, for an
/// image to hold a digit at all.
const MIN_CONTRAST: u8 = 40;

/// 28×28 pixels, row-major, 0 = background, 255 = ink: what the data crate's
/// normalisation turns into model input.
pub type Digit = [u8; IMAGE_PIXELS];

/// Why an input could not be made into a digit.
#[derive(Debug, Error)]
pub enum PreprocessError {
    /// The file could not be opened or read.
    #[error("cannot read it: {0}")]
    Read(#[from] std::io::Error),
    /// The bytes are not in any image format.
    #[error("not an image (PNG, JPEG, BMP, GIF and WebP are supported)")]
    NotAnImage,
    /// An image format this build does not decode.
    #[error("unsupported image format: {0} (PNG, JPEG, BMP, GIF and WebP are supported)")]
    Unsupported(String),
    /// The image is larger than the decoder limits.
    #[error(
        "image too large: the limit is {MAX_SIDE}×{MAX_SIDE} pixels and {limit_mib} MiB decoded ({0})",
        limit_mib = MAX_DECODE_BYTES >> 20
    )]
    TooLarge(String),
    /// The image has no pixels.
    #[error("empty image ({width}×{height} pixels)")]
    Empty {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The decoder rejected the data.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// Nothing stands out from the background.
    #[error(
        "blank image: no digit found (ink differs from the background by {contrast} of 255; at least {MIN_CONTRAST} is needed)"
    )]
    Blank {
        /// Difference between the strongest ink and the background.
        contrast: u8,
    },
}

/// Decodes and preprocesses the image file at `path`.
pub fn preprocess_file(path: &Path) -> Result<Digit, PreprocessError> {
    // The format is taken from the content alone (ImageReader::open would trust the
    // extension), so a text file named .png is "not an image", not a "corrupt PNG".
    let file = std::fs::File::open(path)?;
    preprocess_reader(ImageReader::new(std::io::BufReader::new(file)))
}

/// Decodes and preprocesses an encoded image held in memory.
pub fn preprocess_bytes(bytes: &[u8]) -> Result<Digit, PreprocessError> {
    preprocess_reader(ImageReader::new(Cursor::new(bytes)))
}

fn preprocess_reader<R: BufRead + Seek>(reader: ImageReader<R>) -> Result<Digit, PreprocessError> {
    let mut reader = reader.with_guessed_format()?;
    if reader.format().is_none() {
        return Err(PreprocessError::NotAnImage);
    }
    // The decoder checks these before allocating, so a 20 000 × 20 000 header costs nothing.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        ImageError::Limits(e) => PreprocessError::TooLarge(e.to_string()),
        // Some decoders (BMP: "Image too large … > soft limit of 65535") enforce their own
        // size cap while parsing the header and report it as a format error.
        ImageError::Decoding(e) if e.to_string().contains("too large") => {
            PreprocessError::TooLarge(e.to_string())
        }
        ImageError::Unsupported(e) => PreprocessError::Unsupported(e.to_string()),
        ImageError::IoError(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            PreprocessError::Read(e)
        }
        other => PreprocessError::Corrupt(other.to_string()),
    })?;
    preprocess_image(&image)
}

/// Preprocesses a decoded image of one digit, in any size and colour.
pub fn preprocess_image(image: &DynamicImage) -> Result<Digit, PreprocessError> {
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(PreprocessError::Empty { width, height });
    }
    let image = if width.max(height) > WORKING_SIDE {
        Cow::Owned(image.thumbnail(WORKING_SIDE, WORKING_SIDE))
    } else {
        Cow::Borrowed(image)
    };
    let ink = ink_map(&gray_levels(&image))?;
    let fitted = fit_digit_box(&ink);
    Ok(centre_by_mass(&fitted))
}

/// Luminance, with transparent areas filled by the shade that contrasts with the strokes
/// (a black pen on a transparent canvas is composed over white, a white one over black).
fn gray_levels(image: &DynamicImage) -> GrayImage {
    let luma_alpha = image.to_luma_alpha8();
    let (width, height) = luma_alpha.dimensions();
    if luma_alpha.pixels().all(|p| p[1] == u8::MAX) {
        return GrayImage::from_fn(width, height, |x, y| Luma([luma_alpha[(x, y)][0]]));
    }
    let (sum, count) = luma_alpha
        .pixels()
        .filter(|p| p[1] >= 128)
        .fold((0u64, 0u64), |(sum, count), p| {
            (sum + u64::from(p[0]), count + 1)
        });
    let backdrop: u32 = if count == 0 || sum / count < 128 {
        255
    } else {
        0
    };
    GrayImage::from_fn(width, height, |x, y| {
        let [luma, alpha] = luma_alpha[(x, y)].0.map(u32::from);
        Luma([((luma * alpha + backdrop * (255 - alpha) + 127) / 255) as u8])
    })
}

/// Ink strength per pixel, 0 = background, 255 = the strongest stroke. The background is
/// the median of the border pixels; light backgrounds are inverted.
fn ink_map(gray: &GrayImage) -> Result<GrayImage, PreprocessError> {
    let background = border_median(gray);
    let invert = background >= 128;
    let ink_of = |v: u8| if invert { 255 - v } else { v };
    let base = ink_of(background);
    let peak = gray.pixels().map(|p| ink_of(p[0])).max().unwrap_or(0);
    let contrast = peak.saturating_sub(base);
    if contrast < MIN_CONTRAST {
        return Err(PreprocessError::Blank { contrast });
    }
    let (width, height) = gray.dimensions();
    Ok(GrayImage::from_fn(width, height, |x, y| {
        let above = u32::from(ink_of(gray[(x, y)][0]).saturating_sub(base));
        let level = (above * 255 / u32::from(contrast)) as u8;
        Luma([if level < NOISE_FLOOR { 0 } else { level }])
    }))
}

fn border_median(gray: &GrayImage) -> u8 {
    let (width, height) = gray.dimensions();
    let mut border: Vec<u8> = (0..width)
        .flat_map(|x| [gray[(x, 0)][0], gray[(x, height - 1)][0]])
        .chain((0..height).flat_map(|y| [gray[(0, y)][0], gray[(width - 1, y)][0]]))
        .collect();
    let middle = border.len() / 2;
    *border.select_nth_unstable(middle).1
}

/// Crops `ink` to the digit's bounding box and scales it to fit 20×20 keeping the aspect
/// ratio, with the strongest pixel at 255 again (thin strokes fade when shrunk).
fn fit_digit_box(ink: &GrayImage) -> GrayImage {
    let (width, height) = ink.dimensions();
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    for (x, y, p) in ink.enumerate_pixels() {
        if p[0] > 0 {
            (left, top) = (left.min(x), top.min(y));
            (right, bottom) = (right.max(x), bottom.max(y));
        }
    }
    // ink_map guarantees one pixel at full strength, so the box is never empty.
    let (box_w, box_h) = (right + 1 - left, bottom + 1 - top);
    let crop = imageops::crop_imm(ink, left, top, box_w, box_h).to_image();
    let longest = box_w.max(box_h);
    let scaled = |side: u32| ((side * DIGIT_BOX + longest / 2) / longest).clamp(1, DIGIT_BOX);
    let mut fitted = imageops::resize(&crop, scaled(box_w), scaled(box_h), FilterType::Triangle);
    let peak = fitted.pixels().map(|p| p[0]).max().unwrap_or(0).max(1);
    for p in fitted.pixels_mut() {
        p[0] = (u32::from(p[0]) * 255 / u32::from(peak)) as u8;
    }
    fitted
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

#[cfg(test)]
mod tests {
    use image::{ImageFormat, Rgba, RgbaImage};

    use super::*;

    /// A 7-like glyph: a bar across the top and a diagonal stroke, 3 px thick, white on
    /// black, in a `size`×`size` canvas with the glyph spanning `size / 2`.
    fn seven(size: u32) -> GrayImage {
        let glyph = size / 2;
        let (x0, y0) = (size / 8, size / 3);
        let thickness = (size / 30).max(2);
        GrayImage::from_fn(size, size, |x, y| {
            let (gx, gy) = (x as i64 - x0 as i64, y as i64 - y0 as i64);
            let g = glyph as i64;
            let t = thickness as i64;
            let bar = (0..t).contains(&gy) && (0..g / 2).contains(&gx);
            let diagonal = (0..g).contains(&gy) && (gx - (g / 2 - gy / 2)).abs() < t && gx >= 0;
            Luma([if bar || diagonal { 255 } else { 0 }])
        })
    }

    fn bounding_box(digit: &Digit) -> (usize, usize, usize, usize) {
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

    fn centre_of_mass(digit: &Digit) -> (f64, f64) {
        let mass: f64 = digit.iter().map(|&v| f64::from(v)).sum();
        let moment = |axis: fn(usize) -> usize| {
            (0..IMAGE_PIXELS)
                .map(|i| f64::from(digit[i]) * axis(i) as f64)
                .sum::<f64>()
                / mass
        };
        (moment(|i| i % IMAGE_SIDE), moment(|i| i / IMAGE_SIDE))
    }

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        // The GIF encoder takes RGBA only.
        let image = match format {
            ImageFormat::Gif => DynamicImage::ImageRgba8(image.to_rgba8()),
            _ => image,
        };
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).expect("encodes");
        bytes.into_inner()
    }

    #[test]
    fn the_digit_fills_a_20_pixel_box_centred_by_mass() {
        let digit = preprocess_image(&DynamicImage::ImageLuma8(seven(300))).expect("digit");
        let (left, top, right, bottom) = bounding_box(&digit);
        let (w, h) = (right - left + 1, bottom - top + 1);
        assert_eq!(w.max(h), 20, "box {w}×{h}");
        let (cx, cy) = centre_of_mass(&digit);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "({cx}, {cy})"
        );
        assert_eq!(digit.iter().max(), Some(&255));
    }

    #[test]
    fn dark_on_light_gives_the_same_digit_as_light_on_dark() {
        let light_on_dark = seven(200);
        let mut dark_on_light = light_on_dark.clone();
        imageops::invert(&mut dark_on_light);
        let a = preprocess_image(&DynamicImage::ImageLuma8(light_on_dark)).expect("digit");
        let b = preprocess_image(&DynamicImage::ImageLuma8(dark_on_light)).expect("digit");
        assert_eq!(a, b);
    }

    #[test]
    fn coloured_ink_on_coloured_paper_and_transparent_drawings_work() {
        let mask = seven(120);
        let on_paper = RgbaImage::from_fn(120, 120, |x, y| {
            if mask[(x, y)][0] > 0 {
                Rgba([20, 30, 140, 255]) // blue pen
            } else {
                Rgba([250, 240, 180, 255]) // yellow paper
            }
        });
        let transparent = RgbaImage::from_fn(120, 120, |x, y| {
            Rgba([0, 0, 0, if mask[(x, y)][0] > 0 { 255 } else { 0 }])
        });
        let reference = preprocess_image(&DynamicImage::ImageLuma8(mask)).expect("digit");
        for image in [on_paper, transparent] {
            let digit = preprocess_image(&DynamicImage::ImageRgba8(image)).expect("digit");
            assert_eq!(bounding_box(&digit), bounding_box(&reference));
        }
    }

    #[test]
    fn a_tall_thin_one_keeps_its_aspect_ratio() {
        let bar = GrayImage::from_fn(100, 100, |x, y| {
            Luma([if (45..55).contains(&x) && (10..90).contains(&y) {
                255
            } else {
                0
            }])
        });
        let digit = preprocess_image(&DynamicImage::ImageLuma8(bar)).expect("digit");
        let (left, top, right, bottom) = bounding_box(&digit);
        // 20 rows whose centre (row 9.5 of the box) lands on row 14 to within half a pixel.
        assert_eq!(bottom - top, 19);
        assert!((4..=5).contains(&top), "{top}");
        assert!((right - left + 1) <= 4, "{left}..{right}");
    }

    #[test]
    fn an_mnist_sized_digit_passes_through_almost_unchanged() {
        let once = preprocess_image(&DynamicImage::ImageLuma8(seven(28))).expect("digit");
        let image = GrayImage::from_raw(28, 28, once.to_vec()).expect("28×28");
        let twice = preprocess_image(&DynamicImage::ImageLuma8(image)).expect("digit");
        let differing = once
            .iter()
            .zip(&twice)
            .filter(|(a, b)| a.abs_diff(**b) > 64);
        assert!(differing.count() <= 8);
    }

    #[test]
    fn blank_and_near_blank_images_are_reported() {
        for level in [0u8, 128, 255] {
            let flat = GrayImage::from_pixel(50, 40, Luma([level]));
            let err = preprocess_image(&DynamicImage::ImageLuma8(flat)).expect_err("blank");
            assert!(
                matches!(err, PreprocessError::Blank { contrast: 0 }),
                "{err}"
            );
        }
        let faint = GrayImage::from_fn(50, 50, |x, y| Luma([200 + ((x + y) % 3) as u8 * 5]));
        let err = preprocess_image(&DynamicImage::ImageLuma8(faint)).expect_err("blank");
        assert!(err.to_string().starts_with("blank image"), "{err}");
    }

    #[test]
    fn encoded_formats_decode_and_bad_bytes_are_named() {
        let image = DynamicImage::ImageLuma8(seven(64));
        let reference = preprocess_image(&image).expect("digit");
        for format in [ImageFormat::Png, ImageFormat::Bmp, ImageFormat::Gif] {
            let decoded = preprocess_bytes(&encode(image.clone(), format)).expect("decodes");
            assert_eq!(decoded, reference, "{format:?}");
        }
        let jpeg = preprocess_bytes(&encode(image.clone(), ImageFormat::Jpeg)).expect("jpeg");
        assert_eq!(bounding_box(&jpeg), bounding_box(&reference));

        let err = preprocess_bytes(b"hello, I am a text file").expect_err("text");
        assert!(matches!(err, PreprocessError::NotAnImage), "{err}");
        let png = encode(image, ImageFormat::Png);
        let err = preprocess_bytes(&png[..png.len() / 2]).expect_err("truncated");
        assert!(matches!(err, PreprocessError::Corrupt(_)), "{err}");
    }

    #[test]
    fn huge_dimensions_are_refused_before_decoding() {
        let mut bmp = encode(DynamicImage::ImageLuma8(seven(8)), ImageFormat::Bmp);
        // BMP's header holds width and height as little-endian i32 at bytes 18 and 22.
        bmp[18..22].copy_from_slice(&20_000i32.to_le_bytes());
        bmp[22..26].copy_from_slice(&20_000i32.to_le_bytes());
        let err = preprocess_bytes(&bmp).expect_err("too large");
        assert!(matches!(err, PreprocessError::TooLarge(_)), "{err}");
    }

    #[test]
    fn very_large_images_are_reduced_first() {
        let big = seven(3000);
        let digit = preprocess_image(&DynamicImage::ImageLuma8(big)).expect("digit");
        let small = preprocess_image(&DynamicImage::ImageLuma8(seven(300))).expect("digit");
        assert_eq!(bounding_box(&digit), bounding_box(&small));
    }
}
