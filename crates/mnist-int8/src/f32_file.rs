//! A PyTorch-named f32 safetensors file (`fc{k}.weight` F32 `[out, in]`, `fc{k}.bias` F32
//! `[out]`, as `train` writes `model.safetensors`) → the f32 layers [`crate::quantize`] takes.

use std::format;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};
use crate::format::is_int8_file;
use crate::reference::{DenseF32, check_layers};
use crate::types::MAX_LAYERS;

/// Reads `path` ([`read_f32_safetensors`]); errors name the path.
pub fn read_f32_safetensors_file(path: &Path) -> Result<Vec<DenseF32>> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_f32_safetensors(&bytes).map_err(|e| Error::File {
        path: path.to_path_buf(),
        source: std::boxed::Box::new(e),
    })
}

/// The layers `fc1`, `fc2`, … of an f32 MLP file, checked as an MLP 784 → … → 10. An int8
/// file is refused with a dtype error that says so.
pub fn read_f32_safetensors(bytes: &[u8]) -> Result<Vec<DenseF32>> {
    let tensors = SafeTensors::deserialize(bytes)?;
    let int8 = is_int8_file(bytes);
    let read = |name: &str, rank: usize| -> Result<(Vec<f32>, Vec<usize>)> {
        let view = tensors.tensor(name).map_err(|_| Error::MissingTensor {
            name: name.to_string(),
        })?;
        if view.dtype() != Dtype::F32 {
            return Err(Error::Dtype {
                name: name.to_string(),
                expected: "F32",
                found: format!("{:?}", view.dtype()),
                hint: if int8 || view.dtype() == Dtype::I8 {
                    ": int8 tensors where f32 are expected (an int8 model file: read it with \
                     mnist_int8::read_bytes)"
                } else {
                    ""
                },
            });
        }
        if view.shape().len() != rank {
            return Err(Error::Shape {
                name: name.to_string(),
                expected: if rank == 2 { "[out, in]" } else { "[out]" }.into(),
                found: view.shape().to_vec(),
            });
        }
        let values = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok((values, view.shape().to_vec()))
    };
    let mut layers = Vec::new();
    for k in 1..=MAX_LAYERS + 1 {
        let weight_name = format!("fc{k}.weight");
        if tensors.tensor(&weight_name).is_err() {
            if k == 1 {
                return Err(Error::MissingTensor { name: weight_name });
            }
            break;
        }
        let (weight, shape) = read(&weight_name, 2)?;
        let (bias, _) = read(&format!("fc{k}.bias"), 1)?;
        layers.push(DenseF32 {
            weight,
            bias,
            in_features: shape.get(1).copied().unwrap_or_default(),
            out_features: shape.first().copied().unwrap_or_default(),
        });
    }
    check_layers(&layers)?;
    Ok(layers)
}
