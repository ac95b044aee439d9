//! The JSON of a reading: `infer --json`'s entry for one image, and the answer `serve`'s
//! `POST /api/predict` and the browser page give, which adds what the model was given.

use std::path::Path;

use mnist_dataset::Dataset;
use mnist_vision::{Mode, Rect};
use serde::Serialize;
use serde_json::{Value, json};

use crate::mode::mode_name;
use crate::predict::Prediction;
use crate::reading::{ImageReading, Reading};

/// One digit (or product) of `--json` output: where it was found and the model's answer.
#[derive(Debug, Serialize)]
pub struct JsonDigit<'a> {
    /// Its box in the upright image, in pixels.
    #[serde(rename = "box")]
    pub bounds: Rect,
    /// The name of the predicted class (`7`, `Ankle boot`).
    pub label: &'static str,
    /// The prediction, flattened into this object.
    #[serde(flatten)]
    pub prediction: &'a Prediction,
}

/// One entry of `--json` output: an image's reading, or the reason there is none.
#[derive(Debug, Serialize)]
pub struct JsonResult<'a> {
    /// The input as given or found; none for an image that came without a file (`serve`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a Path>,
    /// With --number: the digits read, left to right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// With --number: each digit, left to right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<Vec<JsonDigit<'a>>>,
    /// For one digit or product: its answer and box, flattened into this object.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub digit: Option<JsonDigit<'a>>,
    /// Why the answer may not mean what it seems, when something looked wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Why the input failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

impl<'a> JsonResult<'a> {
    /// The entry for `path` read as `mode` with `dataset`'s class names, or failed with
    /// `error`.
    pub fn new(
        path: Option<&'a Path>,
        outcome: Result<&'a Reading, &'a str>,
        mode: Mode,
        dataset: Dataset,
    ) -> Self {
        let mut entry = JsonResult {
            path,
            number: None,
            digits: None,
            digit: None,
            warning: None,
            error: None,
        };
        let reading = match outcome {
            Ok(reading) => reading,
            Err(error) => {
                entry.error = Some(error);
                return entry;
            }
        };
        let mut digits = reading.digits.iter().map(|(glyph, prediction)| JsonDigit {
            bounds: glyph.bounds,
            label: dataset.class_name(prediction.class),
            prediction,
        });
        match mode {
            Mode::Digit | Mode::Product => entry.digit = digits.next(),
            Mode::Number => {
                entry.number = Some(reading.text());
                entry.digits = Some(digits.collect());
            }
        }
        if !reading.warnings.is_empty() {
            entry.warning = Some(reading.warnings.join("; "));
        }
        entry
    }
}

impl ImageReading {
    /// The answer the studio and the page display: [`JsonResult`]'s fields (`class`,
    /// `label`, `confidence`, `probabilities`, `box`, or `number` and `digits`, and
    /// `warning`), plus `mode`, `inputs` (each 28×28 image the model saw, as 784 values in
    /// 0..1) and `image` (the size of the upright image the boxes refer to).
    pub fn answer(&self, dataset: Dataset) -> Value {
        let result = JsonResult::new(None, Ok(&self.reading), self.mode, dataset);
        let mut answer = serde_json::to_value(result).expect("readings serialise");
        let inputs: Vec<Vec<f32>> = self
            .prepared
            .glyphs
            .iter()
            .map(|g| {
                g.digit
                    .iter()
                    .map(|&p| mnist_dataset::normalize_pixel(p))
                    .collect()
            })
            .collect();
        answer["mode"] = json!(mode_name(self.mode));
        answer["inputs"] = json!(inputs);
        answer["image"] = json!({ "width": self.size.0, "height": self.size.1 });
        answer
    }
}
