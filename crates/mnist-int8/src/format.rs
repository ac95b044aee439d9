//! The int8 file's vocabulary: metadata keys and values, tensor names (the table is in the
//! crate docs), and a cheap test for "is this an int8 file".

use std::format;
use std::string::String;

#[cfg(doc)]
use crate::types::Field;

/// Metadata `format` of an int8 MLP file.
pub const FORMAT: &str = "mnist-burn-int8";
/// Metadata `format_version` this crate writes and reads.
pub const FORMAT_VERSION: &str = "1";

pub(crate) const KEY_FORMAT: &str = "format";
pub(crate) const KEY_VERSION: &str = "format_version";
pub(crate) const KEY_ARCHITECTURE: &str = "architecture";
pub(crate) const KEY_DATASET: &str = "dataset";
pub(crate) const KEY_CLASS_NAMES: &str = "class_names";

pub(crate) const INPUT_SCALE: &str = "input.scale";
pub(crate) const INPUT_ZERO_POINT: &str = "input.zero_point";

/// `fc{number}.{suffix}`, `number` from 1.
pub(crate) fn layer_tensor(number: usize, suffix: &str) -> String {
    format!("fc{number}.{suffix}")
}

/// `fc{number}.weight_scale`'s suffix (the other suffixes are [`Field::suffix`]'s; inference
/// never needs the weight scales, so the borrowed layer has no field for them).
pub(crate) const WEIGHT_SCALE: &str = "weight_scale";

/// Whether `bytes` look like an int8 MLP file (a safetensors header whose metadata `format`
/// is [`FORMAT`]); reads only the header. For telling an int8 file from an f32 one before
/// choosing a reader.
pub fn is_int8_file(bytes: &[u8]) -> bool {
    safetensors::SafeTensors::read_metadata(bytes).is_ok_and(|(_, metadata)| {
        metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(KEY_FORMAT))
            .is_some_and(|f| f == FORMAT)
    })
}
