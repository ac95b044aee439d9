//! What can be wrong with a Keras file. The caller adds the file's path.

use thiserror::Error;

/// A Keras file that cannot be read, or a model this crate does not take.
#[derive(Debug, Error, PartialEq)]
pub enum KerasError {
    /// Neither an HDF5 file nor a zip archive.
    #[error("not a Keras file (neither HDF5 nor a .keras zip archive)")]
    NotKeras,
    /// The HDF5 structure could not be read (truncated, damaged).
    #[error("damaged HDF5 file: {0}")]
    Hdf5(String),
    /// The zip structure could not be read, or an entry is missing or too large.
    #[error("damaged .keras archive: {0}")]
    Archive(String),
    /// The model's `config.json` / `model_config` is not what Keras writes.
    #[error("unreadable model config: {0}")]
    Config(String),
    /// An HDF5 file that holds no Keras weights in any layout this crate knows.
    #[error("an HDF5 file, but not Keras weights: {0}")]
    NotKerasWeights(String),
    /// A layer that is not part of an MLP (convolution, normalisation, …).
    #[error(
        "layer `{layer}` ({class}) is not supported: only Dense layers with their activations, InputLayer, Flatten and Dropout are"
    )]
    Unsupported {
        /// The layer's name in the file.
        layer: String,
        /// Its Keras class, or what its weights look like when the file has no config.
        class: String,
    },
    /// A weight tensor missing, of the wrong rank or shape, or not float.
    #[error("layer `{layer}`: {details}")]
    Weights {
        /// The layer's name in the file.
        layer: String,
        /// What is wrong.
        details: String,
    },
}

impl KerasError {
    pub(crate) fn weights(layer: &str, details: impl Into<String>) -> Self {
        Self::Weights {
            layer: layer.to_string(),
            details: details.into(),
        }
    }
}
