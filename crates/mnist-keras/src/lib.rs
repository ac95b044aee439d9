//! Keras files as plain stacks of dense layers, with no Burn, no Python and no C library.
//!
//! Reads the three forms Keras programs leave behind, telling them apart by content:
//! Keras 3 `.keras` archives (`model.save`), Keras 3 `.weights.h5` (`model.save_weights`),
//! and the legacy HDF5 `.h5` of Keras 2 / tf.keras and Keras 3's legacy writer. Writes a
//! `.keras` archive that `keras.saving.load_model` opens with no code of the user's.
//!
//! Only what an MLP is made of is accepted: `Dense` layers (kernels `[inputs, units]`),
//! activations, and the weightless `InputLayer`, `Flatten` and `Dropout`. Anything else is
//! refused by name, so a convolutional model is never half-read.

mod archive;
mod assemble;
mod config;
mod error;
mod h5;
mod layers;
mod legacy;
mod weights_h5;

pub use archive::{archive_metadata, write_archive};
pub use error::KerasError;
pub use layers::{Activation, Dense, KerasFormat, KerasModel};
pub use weights_h5::write_weights_h5;

/// The HDF5 signature, at offset 0 unless the file has a user block.
const HDF5_SIGNATURE: &[u8] = b"\x89HDF\r\n\x1a\n";
/// A zip archive's first local file header.
const ZIP_SIGNATURE: &[u8] = b"PK\x03\x04";

/// What a file's first bytes say it is, as far as Keras is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// An HDF5 file: `.weights.h5` or legacy `.h5`.
    Hdf5,
    /// A zip archive: a `.keras` file if it holds `config.json` and `model.weights.h5`.
    Zip,
}

impl Container {
    /// The container `bytes` start with, if any. HDF5 files may start with a user block of
    /// 512, 1024, 2048, … bytes, so the signature is also looked for at those offsets.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(ZIP_SIGNATURE) {
            return Some(Self::Zip);
        }
        let mut offset = 0;
        while offset < bytes.len() {
            if bytes[offset..].starts_with(HDF5_SIGNATURE) {
                return Some(Self::Hdf5);
            }
            offset = if offset == 0 { 512 } else { offset * 2 };
        }
        None
    }
}

/// Whether a zip archive is a Keras `.keras` archive rather than, say, a PyTorch
/// checkpoint, which is a zip archive too. Reads only the archive's directory.
pub fn is_keras_archive(archive: impl std::io::Read + std::io::Seek) -> bool {
    archive::is_keras_archive(archive)
}

/// Reads a Keras model from the bytes of a `.keras`, `.weights.h5` or legacy `.h5` file.
pub fn read(bytes: &[u8]) -> Result<KerasModel, KerasError> {
    match Container::sniff(bytes) {
        Some(Container::Zip) => archive::read(bytes),
        Some(Container::Hdf5) => {
            let file = h5::open(bytes)?;
            if legacy::is_legacy(&file) {
                legacy::read(&file)
            } else {
                let layers = weights_h5::read_by_names(&file)?;
                Ok(KerasModel {
                    format: KerasFormat::Weights,
                    input_shape: None,
                    layers,
                })
            }
        }
        None => Err(KerasError::NotKeras),
    }
}
