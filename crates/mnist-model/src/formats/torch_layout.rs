//! The PyTorch convention the open weights follow, shared by the safetensors and `torch.save`
//! formats: layer `k` (1-based) is `fc{k}`, `fc{k}.weight` is `[out, in]` as in
//! `torch.nn.Linear`, `fc{k}.bias` is `[out]`. The 784-256-128-10 model is `fc1` [256, 784],
//! `fc2` [128, 256], `fc3` [10, 128]; 784-128-10 is `fc1` [128, 784], `fc2` [10, 128].

use std::path::Path;

use burn::store::{KeyRemapper, ModuleStore};

use crate::error::ModelFileError;
use crate::mlp::{CLASSES, INPUTS, MlpConfig};

/// The MLP whose layers have these PyTorch shapes, or a mismatch naming the file.
pub fn config_from_shapes(
    path: &Path,
    shapes: &[(String, Vec<usize>)],
) -> Result<MlpConfig, ModelFileError> {
    architecture_from_shapes(shapes).map_err(|details| ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: "784-…-10 with layers fc1, fc2, …".into(),
        details,
    })
}

#[derive(Clone, Copy)]
pub enum Direction {
    ToPyTorch,
    FromPyTorch,
}

/// Burn's module paths (`hidden.0`, …, `output`) against PyTorch's (`fc1`, …).
pub fn names(config: &MlpConfig, direction: Direction) -> KeyRemapper {
    let layers = config.hidden.len();
    let pairs = (0..layers)
        .map(|i| (format!("hidden.{i}"), format!("fc{}", i + 1)))
        .chain([("output".to_string(), format!("fc{}", layers + 1))]);
    let patterns: Vec<(String, String)> = pairs
        .map(|(burn, torch)| match direction {
            Direction::ToPyTorch => (format!(r"^{}\.", regex_escape(&burn)), format!("{torch}.")),
            Direction::FromPyTorch => (format!(r"^{torch}\."), format!("{burn}.")),
        })
        .collect();
    KeyRemapper::from_patterns(patterns).expect("fixed patterns are valid regexes")
}

fn regex_escape(name: &str) -> String {
    name.replace('.', r"\.")
}

/// Name → shape of every tensor in `store`.
pub fn tensor_shapes<S: ModuleStore>(store: &mut S) -> Result<Vec<(String, Vec<usize>)>, String>
where
    S::Error: std::fmt::Display,
{
    let tensors = store.get_all_tensors().map_err(|e| e.to_string())?;
    Ok(tensors
        .iter()
        .map(|(name, tensor)| (name.clone(), tensor.shape.to_vec()))
        .collect())
}

/// The MLP whose layers `fc1`, `fc2`, … have these PyTorch shapes, or what is wrong.
pub fn architecture_from_shapes(shapes: &[(String, Vec<usize>)]) -> Result<MlpConfig, String> {
    let shape_of = |name: &str| shapes.iter().find(|(n, _)| n == name).map(|(_, s)| s);
    let mut widths = vec![INPUTS];
    let mut layer = 1;
    while let Some(weight) = shape_of(&format!("fc{layer}.weight")) {
        let inputs = *widths.last().expect("starts with the input width");
        match weight.as_slice() {
            [out, into] if *into == inputs => widths.push(*out),
            other => {
                return Err(format!(
                    "fc{layer}.weight has shape {other:?}; expected [_, {inputs}]"
                ));
            }
        }
        let out = *widths.last().expect("just pushed");
        if shape_of(&format!("fc{layer}.bias")).map(Vec::as_slice) != Some(&[out][..]) {
            return Err(format!("fc{layer}.bias is missing or not of shape [{out}]"));
        }
        layer += 1;
    }
    let expected: usize = 2 * (layer - 1);
    if layer < 3 {
        return Err(format!(
            "expected tensors fc1.weight, fc1.bias, fc2.weight, … of an MLP; found {}",
            names_list(shapes)
        ));
    }
    if shapes.len() != expected {
        return Err(format!(
            "unexpected tensors besides fc1…fc{}: {}",
            layer - 1,
            names_list(shapes)
        ));
    }
    if widths.last() != Some(&CLASSES) {
        return Err(format!(
            "the last layer fc{} has {} outputs; expected {CLASSES}",
            layer - 1,
            widths.last().copied().unwrap_or(0)
        ));
    }
    Ok(MlpConfig {
        hidden: widths[1..widths.len() - 1].to_vec(),
        dropout: 0.0,
    })
}

fn names_list(shapes: &[(String, Vec<usize>)]) -> String {
    let names: Vec<String> = shapes.iter().map(|(n, s)| format!("{n} {s:?}")).collect();
    if names.is_empty() {
        "no tensors".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shapes(list: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
        list.iter()
            .map(|(n, s)| (n.to_string(), s.to_vec()))
            .collect()
    }

    #[test]
    fn the_architecture_is_read_from_pytorch_shapes() {
        let seed = shapes(&[
            ("fc1.weight", &[256, 784]),
            ("fc1.bias", &[256]),
            ("fc2.weight", &[128, 256]),
            ("fc2.bias", &[128]),
            ("fc3.weight", &[10, 128]),
            ("fc3.bias", &[10]),
        ]);
        assert_eq!(
            architecture_from_shapes(&seed),
            Ok(MlpConfig::mlp_256_128())
        );
    }

    #[test]
    fn other_architectures_are_refused_with_the_reason() {
        let transposed = shapes(&[
            ("fc1.weight", &[784, 128]),
            ("fc1.bias", &[128]),
            ("fc2.weight", &[10, 128]),
            ("fc2.bias", &[10]),
        ]);
        let err = architecture_from_shapes(&transposed).expect_err("transposed");
        assert!(err.contains("fc1.weight has shape [784, 128]"), "{err}");

        let twenty_classes = shapes(&[
            ("fc1.weight", &[128, 784]),
            ("fc1.bias", &[128]),
            ("fc2.weight", &[20, 128]),
            ("fc2.bias", &[20]),
        ]);
        let err = architecture_from_shapes(&twenty_classes).expect_err("20 classes");
        assert!(err.contains("fc2 has 20 outputs"), "{err}");

        let conv = shapes(&[("conv1.weight", &[32, 1, 3, 3])]);
        let err = architecture_from_shapes(&conv).expect_err("not an MLP");
        assert!(err.contains("conv1.weight [32, 1, 3, 3]"), "{err}");
    }
}
