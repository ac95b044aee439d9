//! An int8 model → the bytes of its safetensors file, deterministically (same model, same
//! bytes): tensors sorted by name with the 4-byte ones first (so each is aligned), metadata
//! keys sorted, the header padded with spaces to a multiple of 8 as safetensors does.

use std::collections::BTreeMap;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::error::{Error, Result};
use crate::format::{
    FORMAT, FORMAT_VERSION, INPUT_SCALE, INPUT_ZERO_POINT, KEY_ARCHITECTURE, KEY_CLASS_NAMES,
    KEY_DATASET, KEY_FORMAT, KEY_VERSION, WEIGHT_SCALE, layer_tensor,
};
use crate::owned::QuantizedMlp;
use crate::types::{self, Field};

struct Tensor {
    name: String,
    dtype: &'static str,
    element: usize,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn f32s(name: String, values: &[f32]) -> Tensor {
    Tensor {
        name,
        dtype: "F32",
        element: 4,
        shape: std::vec![values.len()],
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

fn i32s(name: String, values: &[i32]) -> Tensor {
    Tensor {
        name,
        dtype: "I32",
        element: 4,
        shape: std::vec![values.len()],
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

/// The file's bytes; the model is checked first (as [`QuantizedMlp::view`] does, and every
/// weight scale finite and positive), so a file this writes always reads back.
pub fn to_bytes(model: &QuantizedMlp) -> Result<Vec<u8>> {
    let view = model.view()?;
    for (k, layer) in model.layers.iter().enumerate() {
        let name = || layer_tensor(k + 1, WEIGHT_SCALE);
        if layer.weight_scale.len() != layer.out_features {
            return Err(Error::Shape {
                name: name(),
                expected: std::format!("[{}]", layer.out_features),
                found: std::vec![layer.weight_scale.len()],
            });
        }
        if let Some(i) = layer
            .weight_scale
            .iter()
            .position(|s| !(s.is_finite() && *s > 0.0))
        {
            return Err(Error::Value {
                name: name(),
                index: i,
                value: layer.weight_scale[i].to_string(),
                problem: "a scale must be finite and positive",
            });
        }
    }
    let mut tensors = std::vec![
        f32s(INPUT_SCALE.into(), &[types::INPUT_SCALE]),
        i32s(INPUT_ZERO_POINT.into(), &[types::INPUT_ZERO_POINT]),
    ];
    for (k, layer) in model.layers.iter().enumerate() {
        let name = |suffix: &str| layer_tensor(k + 1, suffix);
        tensors.push(Tensor {
            name: name(Field::Weight.suffix()),
            dtype: "I8",
            element: 1,
            shape: std::vec![layer.out_features, layer.in_features],
            data: layer.weight.iter().map(|&w| w as u8).collect(),
        });
        tensors.push(i32s(name(Field::Bias.suffix()), &layer.bias));
        tensors.push(f32s(name(WEIGHT_SCALE), &layer.weight_scale));
        tensors.push(i32s(name(Field::Multiplier.suffix()), &layer.multiplier));
        tensors.push(i32s(name(Field::Shift.suffix()), &layer.shift));
        tensors.push(f32s(
            name(Field::OutputScale.suffix()),
            &[layer.output_scale],
        ));
        tensors.push(i32s(
            name(Field::OutputZeroPoint.suffix()),
            &[layer.output_zero_point],
        ));
    }
    tensors.sort_by(|a, b| b.element.cmp(&a.element).then_with(|| a.name.cmp(&b.name)));

    let mut metadata = BTreeMap::new();
    metadata.insert(KEY_FORMAT, FORMAT.to_string());
    metadata.insert(KEY_VERSION, FORMAT_VERSION.to_string());
    metadata.insert(KEY_ARCHITECTURE, view.architecture().to_string());
    if let Some(dataset) = &model.dataset {
        metadata.insert(KEY_DATASET, dataset.clone());
    }
    if let Some(names) = &model.class_names {
        metadata.insert(KEY_CLASS_NAMES, json(names.clone()));
    }

    let mut header = String::from("{\"__metadata__\":{");
    for (i, (key, value)) in metadata.iter().enumerate() {
        if i > 0 {
            header.push(',');
        }
        header.push_str(&json(*key));
        header.push(':');
        header.push_str(&json(value.as_str()));
    }
    header.push('}');
    let mut offset = 0;
    for t in &tensors {
        let end = offset + t.data.len();
        let shape: Vec<String> = t.shape.iter().map(ToString::to_string).collect();
        header.push_str(&std::format!(
            ",{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{offset},{end}]}}",
            json(t.name.as_str()),
            t.dtype,
            shape.join(",")
        ));
        offset = end;
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }

    let mut bytes = Vec::with_capacity(8 + header.len() + offset);
    bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for t in &tensors {
        bytes.extend_from_slice(&t.data);
    }
    Ok(bytes)
}

/// `value` (a string, or a list of them) as a JSON literal.
fn json(value: impl Into<serde_json::Value>) -> String {
    value.into().to_string()
}

/// Writes the file with [`std::fs::write`] (callers that need an atomic replace write
/// [`to_bytes`] themselves); errors name `path`.
pub fn write_file(model: &QuantizedMlp, path: &Path) -> Result<()> {
    let bytes = to_bytes(model).map_err(|e| Error::File {
        path: path.to_path_buf(),
        source: std::boxed::Box::new(e),
    })?;
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}
