//! One image's reading: its digits (one, or a number's, left to right), what the model
//! answered for each, and the warnings that come with them.

use std::path::Path;

use burn::prelude::*;
use image::DynamicImage;
use mnist_vision::{
    Digit, Glyph, Mode, Prepared, PreprocessError, Rect, decode_bytes, decode_file, prepare,
};
use thiserror::Error;

use crate::model::Model;
use crate::predict::{Prediction, predict};

/// What the model read in one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Each digit found, left to right, with the model's answer.
    pub digits: Vec<(Glyph, Prediction)>,
    /// Why the answer may not mean what it seems.
    pub warnings: Vec<String>,
}

impl Reading {
    /// The digits read, left to right, as text: "7", or "2026" for a number.
    pub fn text(&self) -> String {
        self.digits
            .iter()
            .map(|(_, p)| char::from(b'0' + p.class as u8))
            .collect()
    }
}

/// Decodes the image at `path` upright and finds its digit(s); the upright image comes
/// back too, for views of what was found.
pub fn prepare_file(path: &Path, mode: Mode) -> Result<(DynamicImage, Prepared), PreprocessError> {
    let image = decode_file(path)?;
    let prepared = prepare(&image, mode)?;
    Ok((image, prepared))
}

/// Classifies the digits of all `prepared` images in as few forward passes as possible.
pub fn read_all<M: Model + ?Sized>(
    model: &M,
    prepared: &[&Prepared],
    device: &Device,
) -> Vec<Reading> {
    let digits: Vec<_> = prepared
        .iter()
        .flat_map(|p| p.glyphs.iter().map(|g| g.digit))
        .collect();
    let mut predictions = predict(model, &digits, device).into_iter();
    prepared
        .iter()
        .map(|p| Reading {
            digits: p
                .glyphs
                .iter()
                .map(|g| {
                    let prediction = predictions.next().expect("one prediction per glyph");
                    (g.clone(), prediction)
                })
                .collect(),
            warnings: p.warnings.clone(),
        })
        .collect()
}

/// One image read: how, what the model was given, and what it answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageReading {
    /// How the image was read.
    pub mode: Mode,
    /// The 28×28 images the model was given (one per digit) and the warnings.
    pub prepared: Prepared,
    /// The model's answers.
    pub reading: Reading,
    /// Width and height of the upright image the digits' boxes refer to.
    pub size: (u32, u32),
}

/// Why an image could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The bytes are not an image this build reads, or show nothing to classify.
    #[error("image: {0}")]
    Image(#[from] PreprocessError),
    /// A number was asked of the pixels of one digit.
    #[error("a number needs an image of the whole number, not the 784 pixels of one digit")]
    PixelsOfANumber,
}

/// Reads an encoded image (PNG, JPEG, BMP, GIF, WebP; the format sniffed from its bytes) as
/// `mode`: upright by its EXIF orientation, ink found, cropped and centred as for a file.
pub fn read_image<M: Model + ?Sized>(
    model: &M,
    bytes: &[u8],
    mode: Mode,
    device: &Device,
) -> Result<ImageReading, ReadError> {
    let image = decode_bytes(bytes)?;
    let size = (image.width(), image.height());
    let prepared = prepare(&image, mode)?;
    Ok(read_prepared(model, prepared, mode, size, device))
}

/// Reads the model's input itself (28×28 grey levels, light ink on black as in MNIST), as
/// the one object of `mode`.
pub fn read_pixels<M: Model + ?Sized>(
    model: &M,
    pixels: &Digit,
    mode: Mode,
    device: &Device,
) -> Result<ImageReading, ReadError> {
    if mode == Mode::Number {
        return Err(ReadError::PixelsOfANumber);
    }
    let side = mnist_dataset::IMAGE_SIDE as u32;
    let glyph = Glyph {
        digit: *pixels,
        bounds: Rect {
            x: 0,
            y: 0,
            width: side,
            height: side,
        },
    };
    let prepared = Prepared {
        glyphs: vec![glyph],
        warnings: Vec::new(),
    };
    Ok(read_prepared(model, prepared, mode, (side, side), device))
}

fn read_prepared<M: Model + ?Sized>(
    model: &M,
    prepared: Prepared,
    mode: Mode,
    size: (u32, u32),
    device: &Device,
) -> ImageReading {
    let reading = read_all(model, &[&prepared], device)
        .pop()
        .expect("one reading per image");
    ImageReading {
        mode,
        prepared,
        reading,
        size,
    }
}
