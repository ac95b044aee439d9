//! Open weights: the model as PyTorch names and lays it out, so trained weights move between
//! the frameworks unchanged (inputs are pixel / 255 on both sides).
//!
//! Layer `k` (1-based) is `fc{k}`: `fc{k}.weight` is `[out, in]` as in `torch.nn.Linear`,
//! `fc{k}.bias` is `[out]`. The 784-256-128-10 model is `fc1` [256, 784], `fc2` [128, 256],
//! `fc3` [10, 128]; 784-128-10 is `fc1` [128, 784], `fc2` [10, 128]. burn-store does the
//! transposition ([`BurnToPyTorchAdapter`]) and the renaming ([`KeyRemapper`]).

use std::path::Path;

use burn::module::Param;
use burn::prelude::*;
use burn::store::{
    BurnToPyTorchAdapter, KeyRemapper, ModuleSnapshot, ModuleStore, PytorchStore, SafetensorsStore,
};
use safetensors::{Dtype, SafeTensors};

use mnist_dataset::Dataset;

use crate::error::ModelFileError;
use crate::mlp::{CLASSES, INPUTS, Mlp, MlpConfig};
use crate::provenance::{CLASS_NAMES_KEY, DATASET_KEY, class_names_json};

/// The kinds of PyTorch weight files this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignFormat {
    /// A safetensors file (`.safetensors`).
    Safetensors,
    /// A `state_dict` saved with `torch.save` (`.pt`, `.pth`).
    PyTorch,
}

/// Writes `model` to `path` as safetensors with PyTorch's names and layout, atomically.
/// The same weights always give the same bytes (see [`canonical_header`]).
pub fn export_safetensors(
    model: &Mlp,
    config: &MlpConfig,
    dataset: Dataset,
    path: &Path,
) -> Result<(), ModelFileError> {
    let write_err = |reason: String| ModelFileError::Write {
        path: path.to_path_buf(),
        reason,
    };
    let mut store = SafetensorsStore::from_bytes(None)
        .metadata("architecture", config.name())
        .metadata("input", "pixel / 255, row-major 28x28 flattened to 784")
        .metadata(DATASET_KEY, dataset.name)
        .metadata(CLASS_NAMES_KEY, class_names_json(dataset))
        .with_to_adapter(BurnToPyTorchAdapter)
        .remap(names(config, Direction::ToPyTorch));
    model
        .save_into(&mut store)
        .map_err(|e| write_err(e.to_string()))?;
    let bytes = store.get_bytes().map_err(|e| write_err(e.to_string()))?;
    mnist_atomic::write(path, &canonical_header(bytes)).map_err(|e| write_err(e.io.to_string()))
}

/// Sorts the keys of a safetensors header. burn-store keeps the metadata in a `HashMap`, so
/// its order, and with it the file's bytes, changed from run to run even for identical
/// weights; sorted, a reproduced run can be checked with `sha256sum`. Only the order changes,
/// so the header keeps its length and the tensor data its offsets. Anything unexpected leaves
/// the bytes as they are.
fn canonical_header(mut bytes: Vec<u8>) -> Vec<u8> {
    let Some(len) = bytes
        .first_chunk::<8>()
        .and_then(|prefix| usize::try_from(u64::from_le_bytes(*prefix)).ok())
    else {
        return bytes;
    };
    let Some(header) = bytes.get(8..8usize.saturating_add(len)) else {
        return bytes;
    };
    // serde_json's map is ordered by key (its `preserve_order` feature is off).
    let Ok(sorted) = serde_json::from_slice::<serde_json::Value>(header)
        .and_then(|value| serde_json::to_vec(&value))
    else {
        return bytes;
    };
    if sorted.len() > len {
        return bytes;
    }
    // The format pads the header with spaces to keep the data aligned.
    bytes[8..8 + sorted.len()].copy_from_slice(&sorted);
    bytes[8 + sorted.len()..8 + len].fill(b' ');
    bytes
}

/// Loads PyTorch-convention weights (`fc1.weight` … as above) from a safetensors or
/// `state_dict` file; the architecture is read from the tensors' shapes.
pub fn import_weights(
    path: &Path,
    format: ForeignFormat,
    device: &Device,
) -> Result<(Mlp, MlpConfig), ModelFileError> {
    match format {
        ForeignFormat::Safetensors => {
            let bytes = std::fs::read(path).map_err(|e| corrupt(path, e.to_string()))?;
            import_safetensors_bytes(path, &bytes, device)
        }
        ForeignFormat::PyTorch => import_pytorch(path, device),
    }
}

/// Loads PyTorch-convention safetensors given as bytes (a file, or one dropped on the
/// browser page with no file system around it); `name` names it in errors.
///
/// Read with the `safetensors` crate rather than burn-store's store: the tensors are a
/// handful of f32 matrices, and the store's key remapping links a regex engine, a tenth
/// of the browser page's code.
pub fn import_safetensors_bytes(
    name: &Path,
    bytes: &[u8],
    device: &Device,
) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| corrupt(name, e.to_string()))?;
    let shapes: Vec<(String, Vec<usize>)> = tensors
        .iter()
        .map(|(key, view)| (key.to_string(), view.shape().to_vec()))
        .collect();
    let config = config_from_shapes(name, &shapes)?;
    let values = |key: &str| -> Result<Vec<f32>, ModelFileError> {
        let view = tensors
            .tensor(key)
            .map_err(|e| corrupt(name, e.to_string()))?;
        match view.dtype() {
            Dtype::F32 => Ok(view
                .data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            Dtype::F64 => Ok(view
                .data()
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
                .collect()),
            other => Err(ModelFileError::Mismatch {
                path: name.to_path_buf(),
                architecture: config.name(),
                details: format!("{key} holds {other:?} values; expected F32 (or F64)"),
            }),
        }
    };
    let mut mlp = config.init(device);
    for (k, linear) in mlp.layers_mut().enumerate() {
        let [inputs, outputs] = linear.weight.dims();
        // PyTorch's [out, in] is Burn's [in, out] transposed; reordered here, so the tensor is
        // laid out as Burn's own (a transposed view would change the matmul's summation order
        // and with it the logits' last digits).
        let torch = values(&format!("fc{}.weight", k + 1))?;
        let burn: Vec<f32> = (0..inputs * outputs)
            .map(|i| torch[(i % outputs) * inputs + i / outputs])
            .collect();
        let weight = TensorData::new(burn, [inputs, outputs]);
        linear.weight = Param::from_tensor(Tensor::from_data(weight, device));
        let bias = TensorData::new(values(&format!("fc{}.bias", k + 1))?, [outputs]);
        linear.bias = Some(Param::from_tensor(Tensor::from_data(bias, device)));
    }
    Ok((mlp, config))
}

fn import_pytorch(path: &Path, device: &Device) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let mut shapes =
        tensor_shapes(&mut PytorchStore::from_file(path)).map_err(|e| corrupt(path, e))?;
    // A checkpoint dict often nests the state_dict under one of these keys.
    let mut top_level_key = None;
    for key in ["state_dict", "model_state_dict"] {
        if shapes.iter().any(|(name, _)| name == "fc1.weight") {
            break;
        }
        let mut nested = PytorchStore::from_file(path).with_top_level_key(key);
        if let Ok(found) = tensor_shapes(&mut nested)
            && !found.is_empty()
        {
            (shapes, top_level_key) = (found, Some(key));
        }
    }
    let config = config_from_shapes(path, &shapes)?;
    let mut model = config.init(device);
    // PytorchStore applies the PyTorch-to-Burn adapter by itself.
    let store = PytorchStore::from_file(path).remap(names(&config, Direction::FromPyTorch));
    let mut store = match top_level_key {
        Some(key) => store.with_top_level_key(key),
        None => store,
    };
    let result = model
        .load_from(&mut store)
        .map_err(|e| corrupt(path, e.to_string()))?;
    fitted(path, &config, result.is_success(), || result.to_string())?;
    Ok((model, config))
}

fn corrupt(path: &Path, reason: String) -> ModelFileError {
    ModelFileError::Corrupt {
        path: path.to_path_buf(),
        reason,
    }
}

fn config_from_shapes(
    path: &Path,
    shapes: &[(String, Vec<usize>)],
) -> Result<MlpConfig, ModelFileError> {
    architecture_from_shapes(shapes).map_err(|details| ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: "784-…-10 with layers fc1, fc2, …".into(),
        details,
    })
}

/// Every tensor of the model was found, with its shape; else what was not.
fn fitted(
    path: &Path,
    config: &MlpConfig,
    success: bool,
    details: impl FnOnce() -> String,
) -> Result<(), ModelFileError> {
    if success {
        return Ok(());
    }
    Err(ModelFileError::Mismatch {
        path: path.to_path_buf(),
        architecture: config.name(),
        details: details(),
    })
}

#[derive(Clone, Copy)]
enum Direction {
    ToPyTorch,
    FromPyTorch,
}

/// Burn's module paths (`hidden.0`, …, `output`) against PyTorch's (`fc1`, …).
fn names(config: &MlpConfig, direction: Direction) -> KeyRemapper {
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
fn tensor_shapes<S: ModuleStore>(store: &mut S) -> Result<Vec<(String, Vec<usize>)>, String>
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
fn architecture_from_shapes(shapes: &[(String, Vec<usize>)]) -> Result<MlpConfig, String> {
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
    use crate::layout::SAFETENSORS_FILE;

    #[test]
    fn the_same_weights_give_the_same_file() {
        let device = Device::default();
        let config = MlpConfig::mlp_128();
        let model = config.init(&device);
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<Vec<u8>> = (0..3)
            .map(|i| {
                let path = dir.path().join(format!("{i}.safetensors"));
                export_safetensors(&model, &config, Dataset::MNIST, &path).expect("export");
                std::fs::read(&path).expect("read")
            })
            .collect();
        assert!(
            files.iter().all(|f| f == &files[0]),
            "byte-identical exports"
        );
        let (loaded, loaded_config) = import_weights(
            &dir.path().join("0.safetensors"),
            ForeignFormat::Safetensors,
            &device,
        )
        .expect("the sorted file still loads");
        assert_eq!(loaded_config, config);
        let input = Tensor::<2>::ones([1, INPUTS], &device);
        assert_eq!(
            loaded.forward(input.clone()).into_data(),
            model.forward(input).into_data()
        );
    }

    #[test]
    fn a_header_is_sorted_without_changing_its_length() {
        let header = br#"{"b":{"x":1},"a":"z"}   "#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        let sorted = canonical_header(bytes.clone());
        assert_eq!(sorted.len(), bytes.len());
        assert_eq!(&sorted[8..8 + header.len()], br#"{"a":"z","b":{"x":1}}   "#);
        assert_eq!(&sorted[8 + header.len()..], &[1, 2, 3, 4]);
        assert_eq!(canonical_header(b"short".to_vec()), b"short");
    }

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

    #[test]
    fn export_then_import_gives_identical_logits() {
        let device = Device::default();
        device.seed(5);
        for config in [MlpConfig::mlp_256_128(), MlpConfig::mlp_128()] {
            let model = config.init(&device);
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(SAFETENSORS_FILE);
            export_safetensors(&model, &config, Dataset::MNIST, &path).expect("export");
            let (imported, imported_config) =
                import_weights(&path, ForeignFormat::Safetensors, &device).expect("import");
            assert_eq!(imported_config.hidden, config.hidden);
            let input = Tensor::<2>::random(
                [4, INPUTS],
                burn::tensor::Distribution::Uniform(0.0, 1.0),
                &device,
            );
            let expected = model.forward(input.clone()).into_data();
            imported
                .forward(input)
                .into_data()
                .assert_eq(&expected, true);
        }
    }

    #[test]
    fn exported_tensors_have_pytorch_names_and_layout() {
        let device = Device::default();
        let config = MlpConfig::mlp_256_128();
        let model = config.init(&device);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(SAFETENSORS_FILE);
        export_safetensors(&model, &config, Dataset::MNIST, &path).expect("export");
        let mut found = tensor_shapes(&mut SafetensorsStore::from_file(&path)).expect("read");
        found.sort();
        assert_eq!(
            found,
            shapes(&[
                ("fc1.bias", &[256]),
                ("fc1.weight", &[256, 784]),
                ("fc2.bias", &[128]),
                ("fc2.weight", &[128, 256]),
                ("fc3.bias", &[10]),
                ("fc3.weight", &[10, 128]),
            ])
        );
        // PyTorch's fc1.weight[o][i] is Burn's hidden.0.weight[i][o].
        let burn_weight = model.hidden[0].weight.val().into_data().convert::<f32>();
        let burn_weight = burn_weight.as_slice::<f32>().expect("f32");
        let mut store = SafetensorsStore::from_file(&path);
        let exported = store
            .get_tensor("fc1.weight")
            .expect("read")
            .expect("fc1.weight");
        let exported: Vec<f32> = exported
            .to_bytes()
            .expect("bytes")
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        for (o, i) in [(0, 0), (3, 700), (255, 1)] {
            assert_eq!(exported[o * INPUTS + i], burn_weight[i * 256 + o]);
        }
    }
}
