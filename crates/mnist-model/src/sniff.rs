//! What a model path holds, told by content rather than by extension: a Keras `.h5` and a
//! PyTorch `.pt` may be named anything, and a PyTorch checkpoint is a zip archive like a
//! `.keras` file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use mnist_keras::Container;

use crate::error::ModelFileError;

/// The kinds of model files and directories `load_model` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSource {
    /// A run directory written by `train` (`model.bpk` + `model.json`).
    RunDir,
    /// A Burnpack `.bpk` file beside its `model.json`.
    Burnpack,
    /// PyTorch-convention safetensors.
    Safetensors,
    /// A PyTorch `state_dict` saved with `torch.save`.
    PyTorch,
    /// A Keras `.keras`, `.weights.h5` or legacy `.h5` file.
    Keras,
    /// An ONNX graph (written for other runtimes; not read back).
    Onnx,
}

/// Burnpack's magic number, little-endian ("NRUB").
const BURNPACK_MAGIC: [u8; 4] = 0x4255_524E_u32.to_le_bytes();
/// Enough of a file to find an HDF5 signature behind a user block of up to 32 KiB.
const SNIFF_BYTES: u64 = 64 << 10;

/// Tells what `path` holds.
pub fn sniff(path: &Path) -> Result<ModelSource, ModelFileError> {
    if path.is_dir() {
        return Ok(ModelSource::RunDir);
    }
    let missing = || ModelFileError::Missing {
        path: path.to_path_buf(),
    };
    let file = File::open(path).map_err(|_| missing())?;
    let mut head = Vec::new();
    file.take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| ModelFileError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    Ok(sniff_head(&head, path, || {
        File::open(path)
            .map(|f| mnist_keras::is_keras_archive(std::io::BufReader::new(f)))
            .unwrap_or(false)
    }))
}

/// Tells what a file holds from its first bytes (`head`, up to 64 KiB), its name (the
/// extension breaks ties) and, for a zip archive, whether it is a Keras one.
pub fn sniff_head(head: &[u8], name: &Path, is_keras_zip: impl FnOnce() -> bool) -> ModelSource {
    if head.starts_with(&BURNPACK_MAGIC) {
        return ModelSource::Burnpack;
    }
    match Container::sniff(head) {
        Some(Container::Hdf5) => return ModelSource::Keras,
        Some(Container::Zip) => {
            return if is_keras_zip() {
                ModelSource::Keras
            } else {
                ModelSource::PyTorch
            };
        }
        None => {}
    }
    // torch.save's pre-1.6 format is a bare pickle: protocol 2 to 5.
    if let [0x80, 2..=5, ..] = head {
        return ModelSource::PyTorch;
    }
    // safetensors: an 8-byte little-endian header length, then the JSON header.
    if head.get(8) == Some(&b'{') {
        return ModelSource::Safetensors;
    }
    let extension = name
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("onnx") => ModelSource::Onnx,
        Some("safetensors") => ModelSource::Safetensors,
        Some("pt" | "pth") => ModelSource::PyTorch,
        Some("keras" | "h5") => ModelSource::Keras,
        // A damaged .bpk (or anything else) goes to the Burnpack reader, which says why.
        _ => ModelSource::Burnpack,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases: [(&str, &[u8], ModelSource); 6] = [
            (
                "weights.bin",
                b"\x89HDF\r\n\x1a\n\0\0\0",
                ModelSource::Keras,
            ),
            ("model.pt", b"\x80\x02}q\0", ModelSource::PyTorch),
            (
                "x.keras",
                b"\x10\0\0\0\0\0\0\0{\"a\":1}",
                ModelSource::Safetensors,
            ),
            ("x.pt", b"NRUB\x01\0", ModelSource::Burnpack),
            ("graph.onnx", b"\x08\x07\x12\x04", ModelSource::Onnx),
            ("junk.pth", b"hello", ModelSource::PyTorch),
        ];
        for (name, bytes, kind) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            assert_eq!(sniff(&path).expect("sniffs"), kind, "{name}");
        }
        assert_eq!(sniff(dir.path()).expect("dir"), ModelSource::RunDir);
        assert!(matches!(
            sniff(&dir.path().join("absent")),
            Err(ModelFileError::Missing { .. })
        ));
    }
}
