//! The whole way from a decoded image to the images a model is given: one digit (the
//! default), every digit of a number left to right, or one product photo (Fashion-MNIST's
//! recipe, [`crate::product`]), each with where it was found and the warnings a user should
//! see before trusting the answer.

use image::{DynamicImage, GrayImage, Luma};
use imageproc::distance_transform::Norm;
use imageproc::morphology::dilate;

use crate::decode::decode_bytes;
use crate::error::PreprocessError;
use crate::ink::InkMap;
use crate::marks::Marks;
pub use crate::marks::Rect;
use crate::mnist_box::{Digit, to_mnist};
use crate::segment::{self, Group};

/// Above this share of inked pixels the image is not a digit on paper.
const MOSTLY_INK: f32 = 0.35;
/// More separate marks than this in one digit is a scribble, a page of text or a texture.
const MANY_MARKS: usize = 8;
/// A group this tall, against the tallest, counts as a digit when deciding whether a
/// single-digit image holds several.
const DIGIT_HEIGHT: f32 = 0.5;
/// The ink level taken as full strength: this quantile of a digit's own stroke pixels, so
/// the stroke cores come out saturated like MNIST's whatever the pen's darkness.
const FULL_INK_QUANTILE: f32 = 0.9;

/// What an image shows, which decides how it is made into 28×28 images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One digit, made as MNIST was (20×20 box, centre of mass).
    #[default]
    Digit,
    /// A number: its digits are read left to right, each made as MNIST was.
    Number,
    /// One product (a garment, a shoe, a bag), made as Fashion-MNIST was.
    Product,
}

impl Mode {
    /// How the images of a dataset made with `framing` are read one per image.
    pub fn single(framing: mnist_dataset::Framing) -> Self {
        match framing {
            mnist_dataset::Framing::DigitBox => Mode::Digit,
            mnist_dataset::Framing::CentredProduct => Mode::Product,
        }
    }
}

/// One digit (or product) found in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// The 28×28 image the model is given.
    pub digit: Digit,
    /// Where it was found, in the pixels of the upright image.
    pub bounds: Rect,
}

/// What preprocessing made of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// One glyph in [`Mode::Digit`]; the digits left to right in [`Mode::Number`].
    pub glyphs: Vec<Glyph>,
    /// Why the answer may not mean what it seems: sentences for the user.
    pub warnings: Vec<String>,
}

/// Decodes `bytes` and makes the 28×28 digit of the one digit it shows.
pub fn preprocess_bytes(bytes: &[u8]) -> Result<Digit, PreprocessError> {
    preprocess_image(&decode_bytes(bytes)?)
}

/// Makes the 28×28 digit of an image of one digit, in any size and colour.
pub fn preprocess_image(image: &DynamicImage) -> Result<Digit, PreprocessError> {
    let prepared = prepare(image, Mode::Digit)?;
    Ok(prepared.glyphs[0].digit)
}

/// Finds the digit (for [`Mode::Number`] the digits, for [`Mode::Product`] the product) in
/// an upright image and makes each into what the model is given. At least one glyph comes
/// back; an image without ink is [`PreprocessError::Blank`] ([`PreprocessError::NoObject`]
/// for a product).
pub fn prepare(image: &DynamicImage, mode: Mode) -> Result<Prepared, PreprocessError> {
    if mode == Mode::Product {
        return crate::product::prepare_product(image);
    }
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(PreprocessError::Empty { width, height });
    }
    let map = InkMap::new(image);
    let marks = Marks::find(&map)?;
    let mut warnings = Vec::new();
    if marks.ink_fraction > MOSTLY_INK {
        warnings.push(format!(
            "ink covers {:.0}% of the image: this does not look like a digit on paper",
            100.0 * marks.ink_fraction
        ));
    }
    let groups = match mode {
        Mode::Digit | Mode::Product => vec![one_digit(&marks, &mut warnings)],
        Mode::Number => {
            let segments = segment::segment_number(&marks, &map.ink);
            if segments.split > 0 {
                warnings.push(format!(
                    "{} mark(s) looked like touching digits and were split where the ink is thinnest: check the boxes",
                    segments.split
                ));
            }
            if segments.small > 0 {
                warnings.push(format!(
                    "left out {} mark(s) too small to be digits (dots, dashes)",
                    segments.small
                ));
            }
            segments.digits
        }
    };
    let glyphs = groups
        .iter()
        .map(|group| Glyph {
            digit: to_mnist(&group_ink(&map, &marks, group)),
            bounds: group.bounds.scaled(map.scale, (width, height)),
        })
        .collect();
    Ok(Prepared { glyphs, warnings })
}

/// The group a single-digit image is read as: every stroke, or, when the image plainly
/// holds several digits side by side, the one with the most ink (and a warning).
fn one_digit(marks: &Marks, warnings: &mut Vec<String>) -> Group {
    if marks.marks.len() > MANY_MARKS {
        warnings.push(format!(
            "{} separate marks: this may not be a single digit",
            marks.marks.len()
        ));
    }
    let groups = segment::merge(marks);
    let tallest = groups.iter().map(|g| g.bounds.height).max().unwrap_or(0) as f32;
    let digits = groups
        .iter()
        .filter(|g| g.bounds.height as f32 >= DIGIT_HEIGHT * tallest)
        .count();
    // Everything drawn, except marks far smaller than the digit that stand apart from it
    // (a dot of dust the speck filter kept because it sat among other marks).
    let everything = groups
        .iter()
        .filter(|g| g.bounds.height as f32 >= segment::SHORTEST_DIGIT * tallest)
        .cloned()
        .reduce(|a, b| {
            let bounds = a.bounds.union(b.bounds);
            Group {
                labels: [a.labels, b.labels].concat(),
                columns: (bounds.x, bounds.right()),
                bounds,
            }
        })
        .expect("Marks::find returns at least one mark");
    if !(2..=MANY_MARKS).contains(&digits) {
        return everything;
    }
    warnings.push(format!(
        "this looks like {digits} digits side by side; read the largest (use --number to read them all)"
    ));
    let mass = |g: &Group| -> f32 {
        marks
            .marks
            .iter()
            .filter(|m| g.labels.contains(&m.label))
            .map(|m| m.mass)
            .sum()
    };
    groups
        .into_iter()
        .max_by(|a, b| mass(a).total_cmp(&mass(b)))
        .unwrap_or(everything)
}

/// The ink of one group, bright on black and cropped to it: its own stroke pixels plus a
/// one-pixel rim of their fainter, anti-aliased edges, everything else 0.
fn group_ink(map: &InkMap, marks: &Marks, group: &Group) -> GrayImage {
    let (width, height) = map.ink.dimensions();
    let b = group.bounds;
    let (x0, y0) = (b.x.saturating_sub(1), b.y.saturating_sub(1));
    let (x1, y1) = ((b.right() + 1).min(width), (b.bottom() + 1).min(height));
    let owns = |x: u32, y: u32| group.owns(x, marks.labels[(x, y)][0]);
    let member = GrayImage::from_fn(x1 - x0, y1 - y0, |x, y| {
        Luma([if owns(x + x0, y + y0) { 255 } else { 0 }])
    });
    let mut stroke: Vec<f32> = member
        .enumerate_pixels()
        .filter(|(_, _, p)| p[0] > 0)
        .map(|(x, y, _)| map.ink[(x + x0, y + y0)][0])
        .collect();
    let full = if stroke.is_empty() {
        1.0
    } else {
        let index = ((stroke.len() as f32 * FULL_INK_QUANTILE) as usize).min(stroke.len() - 1);
        stroke
            .select_nth_unstable_by(index, f32::total_cmp)
            .1
            .max(1.0)
    };
    let rim = dilate(&member, Norm::LInf, 1);
    GrayImage::from_fn(x1 - x0, y1 - y0, |x, y| {
        let (gx, gy) = (x + x0, y + y0);
        let label = marks.labels[(gx, gy)][0];
        let inside = rim[(x, y)][0] > 0 && (label == 0 || owns(gx, gy));
        let level = if inside {
            map.ink[(gx, gy)][0] * 255.0 / full
        } else {
            0.0
        };
        Luma([level.round().clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{ImageFormat, Rgba, RgbaImage, imageops};

    use super::*;
    use crate::mnist_box::digit_image;

    /// A 7-like glyph, white on black, 3 % of the canvas thick.
    fn seven(size: u32) -> GrayImage {
        crate::mnist_box::tests::seven(size, (size / 30).max(2))
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

    fn ink_box(digit: &Digit) -> (usize, usize, usize, usize) {
        crate::mnist_box::tests::bounding_box(digit)
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
            assert_eq!(ink_box(&digit), ink_box(&reference));
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
        let (left, top, right, bottom) = ink_box(&digit);
        // 20 rows whose centre (row 9.5 of the box) lands on row 14 to within half a pixel.
        assert_eq!(bottom - top, 19);
        assert!((4..=5).contains(&top), "{top}");
        assert!((right - left + 1) <= 4, "{left}..{right}");
    }

    #[test]
    fn an_mnist_sized_digit_passes_through_almost_unchanged() {
        let once = preprocess_image(&DynamicImage::ImageLuma8(seven(28))).expect("digit");
        let twice = preprocess_image(&DynamicImage::ImageLuma8(digit_image(&once))).expect("digit");
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
        // JPEG is lossy: its digit's box may move by a pixel.
        let jpeg = preprocess_bytes(&encode(image.clone(), ImageFormat::Jpeg)).expect("jpeg");
        let (a, b) = (ink_box(&jpeg), ink_box(&reference));
        let near = |p: usize, q: usize| p.abs_diff(q) <= 1;
        assert!(
            near(a.0, b.0) && near(a.1, b.1) && near(a.2, b.2) && near(a.3, b.3),
            "{a:?} {b:?}"
        );

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
        let digit = preprocess_image(&DynamicImage::ImageLuma8(seven(3000))).expect("digit");
        let small = preprocess_image(&DynamicImage::ImageLuma8(seven(300))).expect("digit");
        assert_eq!(ink_box(&digit), ink_box(&small));
    }

    #[test]
    fn several_digits_in_digit_mode_are_flagged_and_read_in_number_mode() {
        let image = GrayImage::from_fn(600, 200, |x, y| {
            let one = (100..112).contains(&x) && (40..160).contains(&y);
            let other = (300..312).contains(&x) && (40..160).contains(&y);
            let third = (480..492).contains(&x) && (40..160).contains(&y);
            Luma([if one || other || third { 20 } else { 235 }])
        });
        let image = DynamicImage::ImageLuma8(image);
        let single = prepare(&image, Mode::Digit).expect("digit");
        assert_eq!(single.glyphs.len(), 1);
        assert!(
            single.warnings.iter().any(|w| w.contains("3 digits")),
            "{:?}",
            single.warnings
        );
        let number = prepare(&image, Mode::Number).expect("number");
        let xs: Vec<u32> = number.glyphs.iter().map(|g| g.bounds.x).collect();
        assert_eq!(xs.len(), 3);
        for (x, drawn) in xs.iter().zip([100, 300, 480]) {
            // Found at working size (512 of 600 pixels), so within a pixel or two.
            assert!(x.abs_diff(drawn) <= 2, "{xs:?}");
        }
        assert!(number.warnings.is_empty(), "{:?}", number.warnings);
    }

    #[test]
    fn an_image_that_is_mostly_ink_is_flagged() {
        let image = GrayImage::from_fn(200, 200, |x, y| {
            Luma([if (x / 20 + y / 20) % 2 == 0 { 20 } else { 230 }])
        });
        let prepared = prepare(&DynamicImage::ImageLuma8(image), Mode::Digit).expect("ink");
        assert!(!prepared.warnings.is_empty());
    }
}
