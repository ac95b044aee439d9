//! `POST /api/predict`: an image (or 784 pixel values) in, the model's reading out, through
//! exactly the functions `infer` uses, so the page says what `infer` would.

use axum::http::StatusCode;
use burn::prelude::*;
use mnist_data::Framing;
use mnist_infer::report::JsonResult;
use mnist_infer::{Mode, PreprocessError, read_all};
use mnist_model::INPUTS;
use mnist_vision::{Glyph, Prepared, Rect, decode_bytes, prepare};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::models::LoadedModel;

/// What a prediction request carries.
#[derive(Debug, Clone, PartialEq)]
pub enum PredictInput {
    /// An encoded image (PNG, JPEG, BMP, GIF, WebP), read as `infer` reads a file.
    Image(Vec<u8>),
    /// The model's input itself: 28×28 values in 0..1, row-major, light ink on black as in
    /// MNIST, each rounded to the nearest of the 256 grey levels the model was trained on.
    Pixels(Box<[u8; INPUTS]>),
}

/// Reads the request body: JSON (by its content type) must be an array of 784 numbers in
/// 0..1; anything else is taken for an image, whose format is sniffed from its bytes.
pub fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<PredictInput, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "empty body: send an image (PNG, JPEG, BMP, GIF, WebP) or a JSON array of 784 values in 0..1",
        ));
    }
    let is_json = content_type.is_some_and(|t| {
        let t = t.split(';').next().unwrap_or("").trim();
        t.eq_ignore_ascii_case("application/json") || t.ends_with("+json")
    });
    if !is_json {
        return Ok(PredictInput::Image(body.to_vec()));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Value::Array(values) = value else {
        return Err(ApiError::bad_request(
            "expected a JSON array of 784 numbers in 0..1 (28×28, row-major)",
        ));
    };
    if values.len() != INPUTS {
        return Err(ApiError::bad_request(format!(
            "expected 784 values (28×28, row-major), got {}",
            values.len()
        )));
    }
    let mut pixels = Box::new([0u8; INPUTS]);
    for (i, (value, pixel)) in values.iter().zip(pixels.iter_mut()).enumerate() {
        let v = value.as_f64().ok_or_else(|| {
            ApiError::bad_request(format!("value [{i}] is {value}, not a number"))
        })?;
        if !(0.0..=1.0).contains(&v) {
            return Err(ApiError::bad_request(format!(
                "value [{i}] is {v}, outside 0..1"
            )));
        }
        *pixel = (v * 255.0).round() as u8;
    }
    Ok(PredictInput::Pixels(pixels))
}

/// How to read an image for `loaded`: one digit, one product, or a number's digits.
pub fn mode_for(loaded: &LoadedModel, number: bool) -> Result<Mode, ApiError> {
    match (number, loaded.dataset.framing) {
        (false, framing) => Ok(Mode::single(framing)),
        (true, Framing::DigitBox) => Ok(Mode::Number),
        (true, _) => Err(ApiError::bad_request(format!(
            "number=1 reads the digits of a number, but this run was trained on {}, whose images show one object each",
            loaded.dataset.title
        ))),
    }
}

/// Classifies `input` with `loaded`; the answer has `infer --json`'s fields for one image
/// (`class`, `label`, `confidence`, `probabilities`, `box`, or `number` and `digits`, and
/// `warning`), plus `inputs` (each 28×28 image the model saw, as 784 values in 0..1) and
/// the size of the upright image the boxes refer to. Blocking.
pub fn predict(
    loaded: &LoadedModel,
    input: PredictInput,
    mode: Mode,
    device: &Device,
) -> Result<Value, ApiError> {
    let (prepared, size) = match input {
        PredictInput::Image(bytes) => {
            let image = decode_bytes(&bytes).map_err(preprocess_error)?;
            let size = (image.width(), image.height());
            (prepare(&image, mode).map_err(preprocess_error)?, size)
        }
        PredictInput::Pixels(pixels) => {
            if mode == Mode::Number {
                return Err(ApiError::bad_request(
                    "number=1 needs an image of the whole number, not 784 values of one digit",
                ));
            }
            let glyph = Glyph {
                digit: *pixels,
                bounds: Rect {
                    x: 0,
                    y: 0,
                    width: 28,
                    height: 28,
                },
            };
            let prepared = Prepared {
                glyphs: vec![glyph],
                warnings: Vec::new(),
            };
            (prepared, (28, 28))
        }
    };
    let reading = read_all(&loaded.model, &[&prepared], device)
        .pop()
        .expect("one reading per image");
    let result = JsonResult::new(None, Ok(&reading), mode, loaded.dataset);
    let mut answer = serde_json::to_value(result).expect("readings serialise");
    let inputs: Vec<Vec<f32>> = prepared
        .glyphs
        .iter()
        .map(|g| g.digit.iter().map(|&p| f32::from(p) / 255.0).collect())
        .collect();
    answer["mode"] = json!(mode_name(mode));
    answer["inputs"] = json!(inputs);
    answer["image"] = json!({ "width": size.0, "height": size.1 });
    Ok(answer)
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Digit => "digit",
        Mode::Number => "number",
        Mode::Product => "product",
    }
}

/// The status for an image that could not be read: 415 for what is not an image this build
/// decodes, 413 for one past the decoder limits, 422 for an image with nothing to read.
fn preprocess_error(e: PreprocessError) -> ApiError {
    let status = match e {
        PreprocessError::NotAnImage
        | PreprocessError::UnreadableFormat { .. }
        | PreprocessError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        PreprocessError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        PreprocessError::Read(_) => StatusCode::INTERNAL_SERVER_ERROR,
        PreprocessError::Empty { .. }
        | PreprocessError::Corrupt(_)
        | PreprocessError::Blank { .. }
        | PreprocessError::NoObject { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, format!("image: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_body(text: &str) -> Result<PredictInput, ApiError> {
        parse_body(Some("application/json; charset=utf-8"), text.as_bytes())
    }

    #[test]
    fn pixel_arrays_are_checked_value_by_value() {
        let ok = format!("[{}]", vec!["0.5"; INPUTS].join(","));
        let PredictInput::Pixels(pixels) = json_body(&ok).expect("784 values") else {
            panic!("pixels expected")
        };
        assert!(pixels.iter().all(|&p| p == 128));

        let short = format!("[{}]", vec!["0"; 783].join(","));
        assert!(
            json_body(&short)
                .expect_err("refused")
                .message
                .contains("got 783")
        );
        let mut big = vec!["0"; INPUTS];
        big[5] = "1.5";
        let err = json_body(&format!("[{}]", big.join(","))).expect_err("refused");
        assert!(err.message.contains("value [5] is 1.5"), "{err}");
        let mut text = vec!["0"; INPUTS];
        text[9] = "\"x\"";
        let err = json_body(&format!("[{}]", text.join(","))).expect_err("refused");
        assert!(err.message.contains("value [9]"), "{err}");
        for bad in ["NaN", "[NaN]", "{\"a\": 1}", "[1,2"] {
            assert_eq!(
                json_body(bad).expect_err("refused").status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }

    #[test]
    fn anything_but_json_is_an_image_and_nothing_is_an_error() {
        assert_eq!(
            parse_body(Some("image/png"), b"\x89PNG"),
            Ok(PredictInput::Image(b"\x89PNG".to_vec()))
        );
        assert_eq!(
            parse_body(None, b"[0.1]"),
            Ok(PredictInput::Image(b"[0.1]".to_vec()))
        );
        assert!(
            parse_body(Some("application/json"), b"")
                .expect_err("refused")
                .message
                .starts_with("empty body")
        );
    }

    #[test]
    fn unreadable_images_map_to_client_errors() {
        assert_eq!(
            preprocess_error(PreprocessError::NotAnImage).status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(
            preprocess_error(PreprocessError::TooLarge("x".into())).status,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        assert_eq!(
            preprocess_error(PreprocessError::Blank { contrast: 3 }).status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
