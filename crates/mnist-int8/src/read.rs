//! The bytes of an int8 safetensors file → a checked [`QuantizedMlp`]: every tensor, dtype,
//! shape, range and width checked, each refusal naming the tensor or key. No input panics.

use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

use safetensors::tensor::{Metadata, TensorInfo};
use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};
use crate::format::{
    FORMAT, FORMAT_VERSION, INPUT_SCALE, INPUT_ZERO_POINT, KEY_ARCHITECTURE, KEY_CLASS_NAMES,
    KEY_DATASET, KEY_FORMAT, KEY_VERSION, WEIGHT_SCALE, layer_tensor,
};
use crate::owned::{QuantizedDense, QuantizedMlp};
use crate::requant::{multiplier_value, quantize_multiplier};
use crate::types::{self, CLASSES, Field, INPUT_LEN, MAX_LAYERS, MAX_SHIFT, MAX_WIDTH, MIN_SHIFT};

/// Reads `path` ([`read_bytes`]); every error names the path.
pub fn read_file(path: &Path) -> Result<QuantizedMlp> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_bytes(&bytes).map_err(|e| Error::File {
        path: path.to_path_buf(),
        source: std::boxed::Box::new(e),
    })
}

/// Reads and checks an int8 MLP file (the format is in the crate docs).
pub fn read_bytes(bytes: &[u8]) -> Result<QuantizedMlp> {
    let (header_len, metadata) = SafeTensors::read_metadata(bytes)?;
    let data = bytes.get(8 + header_len..).unwrap_or(&[]);
    let file = File { metadata, data };
    file.check_format()?;

    let input_scale = file.single_f32(INPUT_SCALE)?;
    if input_scale != types::INPUT_SCALE {
        return Err(value_error(
            INPUT_SCALE,
            0,
            input_scale,
            "the input scale is fixed at 1/255 (q = pixel − 128)",
        ));
    }
    let input_zero_point = file.single_i32(INPUT_ZERO_POINT)?;
    if input_zero_point != types::INPUT_ZERO_POINT {
        return Err(value_error(
            INPUT_ZERO_POINT,
            0,
            input_zero_point,
            "the input zero point is fixed at −128 (q = pixel − 128)",
        ));
    }

    let count = (1..=MAX_LAYERS + 1)
        .take_while(|&k| file.metadata.info(&layer_tensor(k, "weight")).is_some())
        .count();
    if count == 0 {
        return Err(Error::MissingTensor {
            name: layer_tensor(1, "weight"),
        });
    }
    if count > MAX_LAYERS {
        return Err(Error::Layers {
            name: layer_tensor(count, "weight"),
            problem: format!("more than {MAX_LAYERS} layers"),
        });
    }
    let mut layers = Vec::with_capacity(count);
    let mut in_features = INPUT_LEN;
    let mut in_scale = input_scale;
    for k in 1..=count {
        let layer = file.layer(k, k == count, in_features, in_scale)?;
        in_features = layer.out_features;
        in_scale = layer.output_scale;
        layers.push(layer);
    }
    let mut model = QuantizedMlp {
        layers,
        dataset: None,
        class_names: None,
    };
    let view = model.view()?;
    let architecture = view.architecture().to_string();
    match file.meta(KEY_ARCHITECTURE) {
        Some(found) if found == architecture => {}
        found => {
            return Err(Error::Metadata {
                key: KEY_ARCHITECTURE,
                problem: format!("is {found:?}, but the tensors are {architecture}"),
            });
        }
    }
    model.dataset = file.meta(KEY_DATASET).map(String::from);
    model.class_names = file.class_names()?;
    Ok(model)
}

struct File<'a> {
    metadata: Metadata,
    data: &'a [u8],
}

fn value_error(name: &str, index: usize, value: impl ToString, problem: &'static str) -> Error {
    Error::Value {
        name: name.to_string(),
        index,
        value: value.to_string(),
        problem,
    }
}

fn dtype_name(dtype: Dtype) -> String {
    format!("{dtype:?}")
}

impl<'a> File<'a> {
    fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(key))
            .map(String::as_str)
    }

    fn check_format(&self) -> Result<()> {
        let format = self.meta(KEY_FORMAT);
        if format != Some(FORMAT) {
            let f32_weights = self
                .metadata
                .info(&layer_tensor(1, "weight"))
                .is_some_and(|i| i.dtype == Dtype::F32);
            return Err(Error::Format {
                found: format.map(String::from),
                hint: if f32_weights {
                    " (fc1.weight is F32: this is an f32 model; quantize it first)"
                } else {
                    ""
                },
            });
        }
        match self.meta(KEY_VERSION) {
            Some(FORMAT_VERSION) => Ok(()),
            found => Err(Error::Metadata {
                key: KEY_VERSION,
                problem: format!("is {found:?}, this reader knows \"{FORMAT_VERSION}\""),
            }),
        }
    }

    fn info(&self, name: &str, dtype: Dtype) -> Result<&TensorInfo> {
        let info = self
            .metadata
            .info(name)
            .ok_or_else(|| Error::MissingTensor {
                name: name.to_string(),
            })?;
        if info.dtype != dtype {
            let hint = match (dtype, info.dtype) {
                (Dtype::I8, Dtype::F32 | Dtype::F16 | Dtype::BF16) => {
                    ": float weights in an int8 file (an f32 model must be quantized first)"
                }
                (Dtype::F32, Dtype::I8 | Dtype::U8 | Dtype::I32) => {
                    ": integers where an f32 scale belongs"
                }
                _ => "",
            };
            return Err(Error::Dtype {
                name: name.to_string(),
                expected: match dtype {
                    Dtype::I8 => "I8",
                    Dtype::I32 => "I32",
                    _ => "F32",
                },
                found: dtype_name(info.dtype),
                hint,
            });
        }
        Ok(info)
    }

    fn bytes(&self, name: &str, info: &TensorInfo) -> Result<&'a [u8]> {
        let (start, end) = info.data_offsets;
        self.data.get(start..end).ok_or_else(|| Error::Shape {
            name: name.to_string(),
            expected: "data inside the file".into(),
            found: info.shape.clone(),
        })
    }

    /// A 1-D tensor of `len` 4-byte values.
    fn vector(&self, name: &str, dtype: Dtype, len: usize) -> Result<Vec<[u8; 4]>> {
        let info = self.info(name, dtype)?;
        if info.shape != [len] {
            return Err(Error::Shape {
                name: name.to_string(),
                expected: format!("[{len}]"),
                found: info.shape.clone(),
            });
        }
        Ok(self
            .bytes(name, info)?
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
            .collect())
    }

    fn i32s(&self, name: &str, len: usize) -> Result<Vec<i32>> {
        Ok(self
            .vector(name, Dtype::I32, len)?
            .into_iter()
            .map(i32::from_le_bytes)
            .collect())
    }

    /// Finite, positive f32 values (scales).
    fn scales(&self, name: &str, len: usize) -> Result<Vec<f32>> {
        let values: Vec<f32> = self
            .vector(name, Dtype::F32, len)?
            .into_iter()
            .map(f32::from_le_bytes)
            .collect();
        if let Some(i) = values.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(value_error(
                name,
                i,
                values[i],
                "a scale must be finite and positive",
            ));
        }
        Ok(values)
    }

    fn single_f32(&self, name: &str) -> Result<f32> {
        Ok(self.scales(name, 1)?.first().copied().unwrap_or(f32::NAN))
    }

    fn single_i32(&self, name: &str) -> Result<i32> {
        Ok(self.i32s(name, 1)?.first().copied().unwrap_or_default())
    }

    fn layer(
        &self,
        k: usize,
        last: bool,
        in_features: usize,
        input_scale: f32,
    ) -> Result<QuantizedDense> {
        let name = |suffix: &str| layer_tensor(k, suffix);
        let weight_name = name(Field::Weight.suffix());
        let info = self.info(&weight_name, Dtype::I8)?;
        let &[out, inputs] = info.shape.as_slice() else {
            return Err(Error::Shape {
                name: weight_name,
                expected: format!("[out, {in_features}]"),
                found: info.shape.clone(),
            });
        };
        let layers = |problem: String| Error::Layers {
            name: weight_name.clone(),
            problem,
        };
        if inputs != in_features {
            return Err(layers(if k == 1 {
                format!("takes {inputs} inputs, expected {INPUT_LEN} (28×28 pixels)")
            } else {
                format!("takes {inputs} inputs, but fc{} gives {in_features}", k - 1)
            }));
        }
        if last && out != CLASSES {
            return Err(layers(format!(
                "the last layer gives {out} outputs, expected {CLASSES} classes"
            )));
        }
        if !last && !(1..=MAX_WIDTH).contains(&out) {
            return Err(layers(format!(
                "hidden layer of {out} units, expected 1 to {MAX_WIDTH}"
            )));
        }
        let weight = self
            .bytes(&weight_name, info)?
            .iter()
            .map(|&b| b as i8)
            .collect();
        let bias = self.i32s(&name(Field::Bias.suffix()), out)?;
        let weight_scale = self.scales(&name(WEIGHT_SCALE), out)?;
        let multiplier_name = name(Field::Multiplier.suffix());
        let multiplier = self.i32s(&multiplier_name, out)?;
        let shift_name = name(Field::Shift.suffix());
        let shift = self.i32s(&shift_name, out)?;
        let output_scale = self.single_f32(&name(Field::OutputScale.suffix()))?;
        let zero_point_name = name(Field::OutputZeroPoint.suffix());
        let output_zero_point = self.single_i32(&zero_point_name)?;
        if !(-128..=127).contains(&output_zero_point) {
            return Err(value_error(
                &zero_point_name,
                0,
                output_zero_point,
                "a zero point must be in −128..=127",
            ));
        }
        if let Some(i) = shift
            .iter()
            .position(|s| !(MIN_SHIFT..=MAX_SHIFT).contains(s))
        {
            return Err(value_error(
                &shift_name,
                i,
                shift[i],
                "a shift must be in −31..=31",
            ));
        }
        for (o, (&m, &s)) in multiplier.iter().zip(&shift).enumerate() {
            let real =
                f64::from(input_scale) * f64::from(weight_scale[o]) / f64::from(output_scale);
            let consistent = m >= 0
                && (quantize_multiplier(real) == Some((m, s))
                    || ((multiplier_value(m, s) - real) / real).abs() <= 1e-6);
            if !consistent {
                return Err(value_error(
                    &multiplier_name,
                    o,
                    m,
                    "not the multiplier its scales give (input · weight / output scale)",
                ));
            }
        }
        Ok(QuantizedDense {
            in_features,
            out_features: out,
            weight,
            bias,
            weight_scale,
            multiplier,
            shift,
            output_scale,
            output_zero_point,
        })
    }

    fn class_names(&self) -> Result<Option<Vec<String>>> {
        let Some(text) = self.meta(KEY_CLASS_NAMES) else {
            return Ok(None);
        };
        let problem = |p: String| Error::Metadata {
            key: KEY_CLASS_NAMES,
            problem: p,
        };
        let names: Vec<String> = serde_json::from_str(text)
            .map_err(|e| problem(format!("not a JSON array of strings: {e}")))?;
        if names.len() != CLASSES {
            return Err(problem(format!(
                "{} names, expected {CLASSES}",
                names.len()
            )));
        }
        Ok(Some(names))
    }
}

#[cfg(test)]
mod tests;
