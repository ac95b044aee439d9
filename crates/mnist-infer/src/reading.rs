//! One image's reading: its digits (one, or a number's, left to right), what the model
//! answered for each, and the warnings that come with them.

use std::path::Path;

use burn::prelude::*;
use image::DynamicImage;
use mnist_vision::{Glyph, Mode, Prepared, PreprocessError, decode_file, prepare};

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
