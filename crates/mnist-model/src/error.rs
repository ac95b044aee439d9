//! What can go wrong saving or loading a model, in any format; every variant names the file.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::layout::MODEL_FILE;

/// Failure to save or load a model.
#[derive(Debug, Error)]
pub enum ModelFileError {
    /// Neither a run directory with a model nor a model file.
    #[error(
        "{path}: no model there (expected a run directory containing {MODEL_FILE}, a .bpk file, PyTorch weights (.safetensors, .pt, .pth) or a Keras file (.keras, .weights.h5, .h5))"
    )]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// `model.json` is missing or unreadable.
    #[error("{path}: cannot read the model architecture: {reason}")]
    Architecture {
        /// The architecture file.
        path: PathBuf,
        /// What the reader or the operating system said.
        reason: String,
    },
    /// The weights file is not a readable Burnpack file.
    #[error("{path}: not a readable model file: {reason}")]
    Corrupt {
        /// The weights file.
        path: PathBuf,
        /// What the reader or the operating system said.
        reason: String,
    },
    /// The weights do not fit the architecture.
    #[error("{path}: weights do not match the architecture {architecture}: {details}")]
    Mismatch {
        /// The weights file.
        path: PathBuf,
        /// The architecture name, e.g. 784-256-128-10.
        architecture: String,
        /// Missing, unexpected or mis-shaped tensors.
        details: String,
    },
    /// A readable file holding a model this tool cannot run (a convolution, a tanh layer, 12
    /// classes, an ONNX graph, …).
    #[error("{path}: not a model this tool can load: {reason}")]
    Unsupported {
        /// The file given.
        path: PathBuf,
        /// What it holds that the MLPs here are not.
        reason: String,
    },
    /// A model of another architecture than the one asked for (`train --init-from`).
    #[error("{path} holds a {found} model but model.hidden describes {expected}")]
    OtherArchitecture {
        /// The model given.
        path: PathBuf,
        /// Its architecture, e.g. 784-128-10.
        found: String,
        /// The architecture wanted.
        expected: String,
    },
    /// Writing failed.
    #[error("cannot write the model to {path}: {reason}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// What the reader or the operating system said.
        reason: String,
    },
}

/// A file that cannot be read as the model it claims to be.
pub fn corrupt(path: &Path, reason: impl ToString) -> ModelFileError {
    ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// A file that cannot be written.
pub fn write_error(path: &Path, reason: impl ToString) -> ModelFileError {
    ModelFileError::Write {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}
