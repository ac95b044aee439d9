//! Open weights as safetensors with PyTorch's names and layout ([`super::torch_layout`]), so
//! trained weights move between the frameworks unchanged (inputs are pixel / 255 on both
//! sides): `model.safetensors` out, any such file in. burn-store writes it, doing the
//! transposition ([`BurnToPyTorchAdapter`]) and the renaming ([`KeyRemapper`]); the
//! `safetensors` crate reads it.

use std::path::Path;

use burn::module::Param;
use burn::prelude::*;
#[cfg(doc)]
use burn::store::KeyRemapper;
use burn::store::{BurnToPyTorchAdapter, ModuleSnapshot, SafetensorsStore};
use safetensors::{Dtype, SafeTensors};

use super::torch_layout::{Direction, config_from_shapes, names};
use super::types::not_written;
use super::types::{About, Format, ModelFile, Precision, ReadModel, ToWrite, Writer};
use crate::error::{ModelFileError, corrupt, write_error};
use crate::layout::SAFETENSORS_FILE;
use crate::mlp::{Mlp, MlpConfig};
use crate::provenance::{CLASS_NAMES_KEY, DATASET_KEY, class_names_json};
use crate::provenance::{named_dataset, safetensors_dataset};

pub struct Safetensors;

impl Format for Safetensors {
    fn about(&self) -> &'static About {
        &About {
            name: "safetensors",
            precision: Precision::F32,
            writes: Some("safetensors"),
            run_file: Some(SAFETENSORS_FILE),
            read_extensions: &["safetensors"],
        }
    }

    /// An 8-byte little-endian header length, then the JSON header.
    fn recognises(&self, file: &ModelFile<'_>) -> bool {
        file.bytes.get(8) == Some(&b'{')
    }

    fn read(&self, file: &ModelFile<'_>, device: &Device) -> Result<ReadModel, ModelFileError> {
        let (mlp, config) = import_safetensors(file.name, file.bytes, device)?;
        Ok(ReadModel::f32(
            mlp,
            config,
            named_dataset(file.name, safetensors_dataset(file.name, file.bytes)?)?,
        ))
    }
}

impl Writer for Safetensors {
    /// The same weights always give the same bytes (see [`canonical_header`]).
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
        let ToWrite::F32 {
            mlp,
            config,
            dataset,
        } = model
        else {
            return Err(not_written(self, model, path));
        };
        let mut store = SafetensorsStore::from_bytes(None)
            .metadata("architecture", config.name())
            .metadata("input", "pixel / 255, row-major 28x28 flattened to 784")
            .metadata(DATASET_KEY, dataset.name)
            .metadata(CLASS_NAMES_KEY, class_names_json(dataset))
            .with_to_adapter(BurnToPyTorchAdapter)
            .remap(names(config, Direction::ToPyTorch));
        mlp.save_into(&mut store)
            .map_err(|e| write_error(path, e))?;
        let bytes = store.get_bytes().map_err(|e| write_error(path, e))?;
        mnist_atomic::write(path, &canonical_header(bytes)).map_err(|e| write_error(path, e.io))
    }
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

/// Loads PyTorch-convention safetensors; `name` names the file in errors.
///
/// Read with the `safetensors` crate rather than burn-store's store: the tensors are a
/// handful of f32 matrices, and the store's key remapping links a regex engine, a tenth
/// of the browser page's code.
fn import_safetensors(
    name: &Path,
    bytes: &[u8],
    device: &Device,
) -> Result<(Mlp, MlpConfig), ModelFileError> {
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| corrupt(name, e))?;
    let shapes: Vec<(String, Vec<usize>)> = tensors
        .iter()
        .map(|(key, view)| (key.to_string(), view.shape().to_vec()))
        .collect();
    let config = config_from_shapes(name, &shapes)?;
    let values = |key: &str| -> Result<Vec<f32>, ModelFileError> {
        let view = tensors.tensor(key).map_err(|e| corrupt(name, e))?;
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

#[cfg(test)]
mod tests {
    use burn::store::ModuleStore;

    use mnist_dataset::Dataset;

    use super::*;
    use crate::formats::torch_layout::tensor_shapes;
    use crate::mlp::INPUTS;

    fn export(mlp: &Mlp, config: &MlpConfig, path: &Path) {
        let model = ToWrite::F32 {
            mlp,
            config,
            dataset: Dataset::MNIST,
        };
        Safetensors.write(model, path).expect("export");
    }

    fn import(path: &Path, device: &Device) -> (Mlp, MlpConfig) {
        let bytes = std::fs::read(path).expect("read");
        import_safetensors(path, &bytes, device).expect("import")
    }

    #[test]
    fn the_same_weights_give_the_same_file() {
        let device = Device::default();
        let config = MlpConfig::mlp_128();
        let model = config.init(&device);
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<Vec<u8>> = (0..3)
            .map(|i| {
                let path = dir.path().join(format!("{i}.safetensors"));
                export(&model, &config, &path);
                std::fs::read(&path).expect("read")
            })
            .collect();
        assert!(
            files.iter().all(|f| f == &files[0]),
            "byte-identical exports"
        );
        let (loaded, loaded_config) = import(&dir.path().join("0.safetensors"), &device);
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

    #[test]
    fn export_then_import_gives_identical_logits() {
        let device = Device::default();
        device.seed(5);
        for config in [MlpConfig::mlp_256_128(), MlpConfig::mlp_128()] {
            let model = config.init(&device);
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(SAFETENSORS_FILE);
            export(&model, &config, &path);
            let (imported, imported_config) = import(&path, &device);
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
        export(&model, &config, &path);
        let mut found = tensor_shapes(&mut SafetensorsStore::from_file(&path)).expect("read");
        found.sort();
        assert_eq!(
            found,
            [
                ("fc1.bias", vec![256]),
                ("fc1.weight", vec![256, 784]),
                ("fc2.bias", vec![128]),
                ("fc2.weight", vec![128, 256]),
                ("fc3.bias", vec![10]),
                ("fc3.weight", vec![10, 128]),
            ]
            .map(|(name, shape)| (name.to_string(), shape))
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
