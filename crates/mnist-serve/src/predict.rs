//! `POST /api/predict`: an image (or 784 pixel values) in, the model's reading out, through
//! exactly the functions `infer` uses, so the page says what `infer` would.

use axum::http::StatusCode;
use burn::prelude::*;
use mnist_infer::{Mode, PreprocessError};
use mnist_model::INPUTS;
use mnist_read::{ReadError, read_image, read_pixels};
use serde_json::Value;

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
    mnist_infer::mode_for(loaded.dataset, number)
        .map_err(|e| ApiError::bad_request(format!("number=1 {e}")))
}

/// Classifies `input` with `loaded`: the answer has `infer --json`'s fields for one image
/// plus what the model was given ([`mnist_read::ImageReading::answer`]). Blocking.
pub fn predict(
    loaded: &LoadedModel,
    input: PredictInput,
    mode: Mode,
    device: &Device,
) -> Result<Value, ApiError> {
    let read = match &input {
        PredictInput::Image(bytes) => read_image(&loaded.model, bytes, mode, device),
        PredictInput::Pixels(pixels) => read_pixels(&loaded.model, pixels, mode, device),
    };
    Ok(read.map_err(read_error)?.answer(loaded.dataset))
}

fn read_error(e: ReadError) -> ApiError {
    match e {
        ReadError::Image(e) => preprocess_error(e),
        ReadError::PixelsOfANumber => ApiError::bad_request(format!("number=1: {e}")),
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
