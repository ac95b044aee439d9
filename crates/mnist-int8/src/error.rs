//! Why a model could not be quantized, read or written: each variant names the tensor,
//! metadata key, layer or file.

use std::boxed::Box;
use std::path::PathBuf;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::types::{Field, ViewError};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, named precisely enough to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Reading or checking a file failed; the cause names the tensor.
    #[error("{}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong inside it.
        source: Box<Error>,
    },
    /// Not a safetensors file at all: truncated, garbage, or a damaged header.
    #[error("not a readable safetensors file: {0}")]
    Safetensors(#[from] safetensors::SafeTensorError),
    /// The safetensors metadata does not say this is an int8 MLP file.
    #[error(
        "not an int8 MLP file: metadata `format` is {found:?}, expected \"mnist-burn-int8\"{hint}"
    )]
    Format {
        /// The `format` found, if any.
        found: Option<String>,
        /// A hint when it looks like an f32 model.
        hint: &'static str,
    },
    /// A metadata value is missing or wrong.
    #[error("metadata `{key}`: {problem}")]
    Metadata {
        /// The key, e.g. `format_version`.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// A tensor the format requires is absent.
    #[error("tensor `{name}` is missing")]
    MissingTensor {
        /// The tensor.
        name: String,
    },
    /// A tensor has the wrong element type, e.g. F32 where I8 is expected.
    #[error("tensor `{name}` is {found}, expected {expected}{hint}")]
    Dtype {
        /// The tensor.
        name: String,
        /// The dtype the format requires.
        expected: &'static str,
        /// The dtype found.
        found: String,
        /// What the mismatch usually means.
        hint: &'static str,
    },
    /// A tensor has the wrong shape.
    #[error("tensor `{name}` has shape {found:?}, expected {expected}")]
    Shape {
        /// The tensor.
        name: String,
        /// The shape the format requires, e.g. `[128]`.
        expected: String,
        /// The shape found.
        found: Vec<usize>,
    },
    /// A value is out of its range (a scale zero, negative or not finite, a shift beyond
    /// −31..=31, a zero point beyond −128..=127, a multiplier not matching its scales).
    #[error("tensor `{name}`[{index}] = {value}: {problem}")]
    Value {
        /// The tensor.
        name: String,
        /// The element.
        index: usize,
        /// The value found, printed.
        value: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The layers do not form a 784 → … → 10 MLP: a width that does not chain, too many
    /// layers, a hidden layer too wide.
    #[error("`{name}`: {problem}")]
    Layers {
        /// The tensor (or layer) at fault.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// An f32 layer given to `quantize` is malformed.
    #[error("f32 layer {layer}: {problem}")]
    F32Layer {
        /// The layer, from 1 (`fc1`).
        layer: usize,
        /// What is wrong.
        problem: String,
    },
    /// The calibration images cannot be used.
    #[error("calibration: {0}")]
    Calibration(String),
    /// A layer cannot be represented in int8 (a bias beyond `i32`, a multiplier beyond 2³¹).
    #[error("fc{layer}: {problem}")]
    Unrepresentable {
        /// The layer, from 1.
        layer: usize,
        /// What does not fit.
        problem: String,
    },
    /// An IDX file (MNIST images or labels) is malformed.
    #[error("IDX: {0}")]
    Idx(String),
}

impl Error {
    /// The error itself, or the one inside [`Error::File`].
    pub fn innermost(&self) -> &Error {
        match self {
            Error::File { source, .. } => source.innermost(),
            other => other,
        }
    }
}

impl From<ViewError> for Error {
    fn from(e: ViewError) -> Self {
        match e {
            ViewError::LayerCount { found } => Error::Layers {
                name: std::format!("fc{}", found.max(1)),
                problem: e.to_string(),
            },
            ViewError::Width { layer, .. } => Error::Layers {
                name: std::format!("fc{}.weight", layer + 1),
                problem: e.to_string(),
            },
            ViewError::Length {
                layer,
                field,
                expected,
                found,
            } => Error::Shape {
                name: tensor_name(layer, field),
                expected: std::format!("{expected} values"),
                found: std::vec![found],
            },
            ViewError::Value {
                layer,
                field,
                index,
            } => Error::Value {
                name: tensor_name(layer, field),
                index,
                value: String::from("?"),
                problem: "out of range",
            },
        }
    }
}

/// `fc{layer+1}.{field}`; an input zero point is the previous layer's output zero point (or
/// `input.zero_point`).
pub(crate) fn tensor_name(layer: usize, field: Field) -> String {
    match (field, layer) {
        (Field::InputZeroPoint, 0) => String::from("input.zero_point"),
        (Field::InputZeroPoint, k) => std::format!("fc{k}.output_zero_point"),
        (field, k) => std::format!("fc{}.{}", k + 1, field.suffix()),
    }
}
