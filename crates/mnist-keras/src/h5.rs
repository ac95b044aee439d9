//! The few things read from HDF5 (through `hdf5-pure`): string attributes in any of the
//! encodings h5py and Keras have used, and float tensors with their shapes.

use std::collections::HashMap;

use hdf5_pure::{AttrValue, DType, File, Group};

use crate::KerasError;

/// Tensors above this many elements are refused before they are read: a damaged or hostile
/// file must not make the reader allocate gigabytes. (A 784-4096-4096-10 MLP has 20 M.)
const MAX_ELEMENTS: u64 = 256 << 20;

pub(crate) fn open(bytes: &[u8]) -> Result<File, KerasError> {
    File::from_bytes(bytes.to_vec()).map_err(|e| KerasError::Hdf5(e.to_string()))
}

pub(crate) fn attrs(group: &Group) -> Result<HashMap<String, AttrValue>, KerasError> {
    group.attrs().map_err(|e| KerasError::Hdf5(e.to_string()))
}

/// A string attribute, whatever its encoding (fixed or variable length, ASCII or UTF-8).
pub(crate) fn string(value: &AttrValue) -> Option<String> {
    match value {
        AttrValue::String(s)
        | AttrValue::AsciiString(s)
        | AttrValue::VarLenString(s)
        | AttrValue::VarLenAsciiString(s)
        | AttrValue::StringSized { value: s, .. }
        | AttrValue::AsciiStringSized { value: s, .. } => Some(trimmed(s)),
        _ => strings(value).and_then(|mut list| (list.len() == 1).then(|| list.remove(0))),
    }
}

/// A list-of-strings attribute (`layer_names`, `weight_names`). Keras writes an empty list
/// as an empty float array, which reads as an empty list here.
pub(crate) fn strings(value: &AttrValue) -> Option<Vec<String>> {
    match value {
        AttrValue::StringArray(list)
        | AttrValue::AsciiStringArray(list)
        | AttrValue::VarLenAsciiCharArray(list)
        | AttrValue::VarLenStringArray(list)
        | AttrValue::VarLenAsciiStringArray(list)
        | AttrValue::StringArraySized { values: list, .. }
        | AttrValue::AsciiStringArraySized { values: list, .. } => {
            Some(list.iter().map(|s| trimmed(s)).collect())
        }
        AttrValue::F64Array(v) if v.is_empty() => Some(Vec::new()),
        AttrValue::F32Array(v) if v.is_empty() => Some(Vec::new()),
        _ => None,
    }
}

/// Fixed-length strings come padded with NULs (or spaces, for some writers).
fn trimmed(s: &str) -> String {
    s.trim_end_matches(['\0', ' ']).to_string()
}

/// A float tensor: its shape and its values, row-major, as f32.
pub(crate) struct Tensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// Reads the float dataset `path` of `group`; `layer` names the layer in errors.
pub(crate) fn tensor(group: &Group, path: &str, layer: &str) -> Result<Tensor, KerasError> {
    // The file names this weight, so a failure to read it is damage, not another model.
    let hdf5 =
        |e: hdf5_pure::Error| KerasError::Hdf5(format!("layer `{layer}`, weight `{path}`: {e}"));
    let dataset = group.dataset(path).map_err(hdf5)?;
    let dtype = dataset.dtype().map_err(hdf5)?;
    if !matches!(dtype, DType::F32 | DType::F64) {
        return Err(KerasError::weights(
            layer,
            format!("weight `{path}` holds {dtype}, not 32- or 64-bit floats"),
        ));
    }
    let shape = dataset.shape().map_err(hdf5)?;
    let elements = shape
        .iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| {
            KerasError::weights(
                layer,
                format!("weight `{path}` of shape {shape:?} is too large"),
            )
        })?;
    let values = dataset.read_f32().map_err(hdf5)?;
    if values.len() as u64 != elements {
        return Err(KerasError::weights(
            layer,
            format!(
                "weight `{path}` has {} values for shape {shape:?}",
                values.len()
            ),
        ));
    }
    let shape = shape.iter().map(|&d| d as usize).collect();
    Ok(Tensor { shape, values })
}
