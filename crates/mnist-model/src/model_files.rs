//! Reading and writing models, for every caller: a path or bytes in, the format decided by
//! [`crate::formats::detect`]; a model out, in the formats a run directory holds or the one an
//! output path's extension names.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use mnist_dataset::Dataset;

use crate::error::ModelFileError;
use crate::formats::{self, ModelFile, ReadModel, ToWrite, Weights};
use crate::layout::MODEL_FILE;
use crate::mlp::{Mlp, MlpConfig};

/// Reads the model at `path`: a run directory written by `train`, or a file in any format
/// [`crate::formats::FORMATS`] reads (this project's `.bpk` beside its `model.json`, its int8
/// file, PyTorch safetensors or `torch.save` files, Keras `.keras`, `.weights.h5` or `.h5`),
/// told apart by content.
pub fn read_model(path: &Path, device: &Device) -> Result<ReadModel, ModelFileError> {
    if path.is_dir() {
        return formats::read_run(path, device);
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ModelFileError::Missing {
            path: path.to_path_buf(),
        },
        _ => crate::error::corrupt(path, e),
    })?;
    let file = ModelFile {
        name: path,
        bytes: &bytes,
        on_disk: true,
    };
    formats::detect(&file).read(&file, device)
}

/// Reads a model file given as bytes, with no directory around it (a file dropped on the
/// browser page); `name` (the file's name) breaks ties between formats and names the file in
/// errors. A Burnpack `.bpk` needs the `model.json` beside it and a `torch.save` pickle a file
/// system, so both are refused with what to use instead.
pub fn read_model_bytes(
    name: &Path,
    bytes: &[u8],
    device: &Device,
) -> Result<ReadModel, ModelFileError> {
    let file = ModelFile {
        name,
        bytes,
        on_disk: false,
    };
    formats::detect(&file).read(&file, device)
}

/// Loads the f32 model at `path` (any form [`read_model`] reads, but an int8 file) with its
/// architecture.
pub fn load_model(path: &Path, device: &Device) -> Result<(Mlp, MlpConfig), ModelFileError> {
    match read_model(path, device)?.weights {
        Weights::F32 { mlp, config } => Ok((*mlp, config)),
        Weights::Int8(_) => Err(ModelFileError::Unsupported {
            path: path.to_path_buf(),
            reason: "an int8 model; this needs f32 weights, such as the model.safetensors of \
                     the run it was quantized from"
                .into(),
        }),
    }
}

/// Loads the weights at `path` (any form [`load_model`] reads) into a fresh `config` model, so
/// that what the weights file cannot carry, such as `config.dropout`, comes from `config`.
/// Refuses weights of another architecture.
pub fn load_model_as(
    config: &MlpConfig,
    path: &Path,
    device: &Device,
) -> Result<Mlp, ModelFileError> {
    let (loaded, found) = load_model(path, device)?;
    if found.hidden != config.hidden {
        return Err(ModelFileError::OtherArchitecture {
            path: path.to_path_buf(),
            found: found.name(),
            expected: config.name(),
        });
    }
    Ok(config.init(device).load_record(loaded.into_record()))
}

/// The dataset recorded by the model at `path` (any form [`read_model`] reads), or `None`
/// when its file records none.
pub fn model_dataset(path: &Path) -> Result<Option<Dataset>, ModelFileError> {
    Ok(read_model(path, &Device::default())?.dataset)
}

/// Writes `model` into `dir` in every format a run directory holds for its precision (f32:
/// `model.bpk` with `model.json`, `model.safetensors`, `model.keras`, `model.onnx`; int8:
/// `model-int8.safetensors`, `model-int8.onnx`), each atomically; returns the files written.
pub fn write_run(model: ToWrite<'_>, dir: &Path) -> Result<Vec<PathBuf>, ModelFileError> {
    formats::run_formats(model.precision())
        .map(|(format, file)| {
            let path = dir.join(file);
            format.write(model, &path).map(|()| path)
        })
        .collect()
}

/// Writes `model` to `path` in the format its extension names for the model's precision
/// (`.safetensors`, `.onnx`, `.keras`, `.bpk`), atomically.
pub fn write_model(model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError> {
    let precision = model.precision();
    let format = formats::for_output(path, precision).ok_or_else(|| {
        let written: Vec<String> = formats::WRITERS
            .iter()
            .filter(|f| f.precision() == precision)
            .filter_map(|f| f.about().writes)
            .map(|e| format!(".{e}"))
            .collect();
        ModelFileError::Write {
            path: path.to_path_buf(),
            reason: format!(
                "the extension names no format for {} models; use {}",
                precision.name(),
                written.join(" or ")
            ),
        }
    })?;
    format.write(model, path)
}

/// Writes `model.bpk`, `model.json` and the open-weights exports of an f32 model into `dir`
/// ([`write_run`]); returns the path of the weights. Every file records `dataset`, the one the
/// model was trained on.
pub fn save_model(
    model: &Mlp,
    config: &MlpConfig,
    dataset: Dataset,
    dir: &Path,
) -> Result<PathBuf, ModelFileError> {
    let model = ToWrite::F32 {
        mlp: model,
        config,
        dataset,
    };
    write_run(model, dir)?;
    Ok(dir.join(MODEL_FILE))
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{INT8_FILE, INT8_ONNX_FILE, KERAS_FILE, SAFETENSORS_FILE};

    /// [`read_model_bytes`] of an f32 file, as (model, config, dataset).
    fn read_bytes_f32(
        name: &Path,
        bytes: &[u8],
        device: &Device,
    ) -> Result<(Mlp, MlpConfig, Option<Dataset>), ModelFileError> {
        let read = read_model_bytes(name, bytes, device)?;
        match read.weights {
            Weights::F32 { mlp, config } => Ok((*mlp, config, read.dataset)),
            Weights::Int8(_) => panic!("{}: an int8 model", name.display()),
        }
    }

    #[test]
    fn a_runs_files_read_from_bytes_as_from_disk_and_the_rest_is_refused_by_name() {
        let device = Device::default();
        device.seed(7);
        let config = MlpConfig {
            hidden: vec![16, 8],
            dropout: 0.0,
        };
        let model = config.init(&device);
        let dir = tempfile::tempdir().expect("tempdir");
        save_model(&model, &config, Dataset::FASHION_MNIST, dir.path()).expect("saved");
        let input = Tensor::<2>::ones([2, crate::mlp::INPUTS], &device);
        let want = model.forward(input.clone()).into_data();
        for file in [SAFETENSORS_FILE, KERAS_FILE] {
            let bytes = std::fs::read(dir.path().join(file)).expect(file);
            let (mlp, read, dataset) =
                read_bytes_f32(Path::new(file), &bytes, &device).expect(file);
            assert_eq!(read.hidden, config.hidden, "{file}");
            assert_eq!(dataset, Some(Dataset::FASHION_MNIST), "{file}");
            assert_eq!(mlp.forward(input.clone()).into_data(), want, "{file}");
        }

        let bpk = std::fs::read(dir.path().join(MODEL_FILE)).expect("bpk");
        let refused = read_bytes_f32(Path::new("model.bpk"), &bpk, &device)
            .expect_err("a .bpk alone has no architecture");
        assert!(
            refused.to_string().contains("model.safetensors"),
            "{refused}"
        );

        let safetensors = std::fs::read(dir.path().join(SAFETENSORS_FILE)).expect("file");
        let half = &safetensors[..safetensors.len() / 2];
        let damaged = read_bytes_f32(Path::new("half.safetensors"), half, &device)
            .expect_err("a truncated file");
        assert!(
            damaged.to_string().contains("half.safetensors"),
            "{damaged}"
        );

        let pickle = read_bytes_f32(Path::new("w.pt"), b"\x80\x02}q\0.", &device)
            .expect_err("a pickle needs a file system");
        assert!(pickle.to_string().contains("safetensors"), "{pickle}");
    }

    #[test]
    fn loading_as_a_config_keeps_its_dropout_and_refuses_other_layers() {
        let device = Device::default();
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = MlpConfig::mlp_128();
        let model = plain.init(&device);
        save_model(&model, &plain, Dataset::MNIST, dir.path()).expect("save");
        let with_dropout = MlpConfig {
            dropout: 0.2,
            ..plain.clone()
        };
        for source in [dir.path().to_path_buf(), dir.path().join(SAFETENSORS_FILE)] {
            let loaded = load_model_as(&with_dropout, &source, &device).expect("loads");
            assert_eq!(loaded.dropout(), 0.2, "{}", source.display());
            let input = Tensor::<2>::ones([2, 784], &device);
            // Dropout is inactive outside autodiff: the same weights give the same logits.
            loaded
                .forward(input.clone())
                .into_data()
                .assert_approx_eq::<f32>(&model.forward(input).into_data(), Default::default());
        }
        let err = load_model_as(&MlpConfig::mlp_256_128(), dir.path(), &device)
            .expect_err("other layers");
        assert!(
            err.to_string()
                .ends_with("holds a 784-128-10 model but model.hidden describes 784-256-128-10"),
            "{err}"
        );
    }

    #[test]
    fn an_int8_run_is_written_in_its_formats_and_read_back_by_content() {
        let layers: Vec<mnist_int8::DenseF32> = [(784, 16), (16, 10)]
            .iter()
            .map(|&(i, o)| mnist_int8::DenseF32 {
                weight: (0..i * o).map(|j| (j % 7) as f32 / 70.0 - 0.05).collect(),
                bias: vec![0.01; o],
                in_features: i,
                out_features: o,
            })
            .collect();
        let images: Vec<Vec<u8>> = (0..8)
            .map(|s| (0..784).map(|p| ((p * 31 + s * 97) % 256) as u8).collect())
            .collect();
        let int8 = crate::quantize_for_dataset(&layers, Dataset::FASHION_MNIST, &images)
            .expect("quantizes");
        let dir = tempfile::tempdir().expect("tempdir");
        let written = write_run(ToWrite::Int8(&int8), dir.path()).expect("written");
        let mut names: Vec<_> = written
            .iter()
            .map(|p| p.file_name().and_then(|n| n.to_str()).expect("name"))
            .collect();
        names.sort();
        assert_eq!(names, [INT8_ONNX_FILE, INT8_FILE]);

        // Named anything, the int8 file is read as int8, with its dataset.
        let renamed = dir.path().join("weights.bin");
        std::fs::copy(dir.path().join(INT8_FILE), &renamed).expect("copy");
        let read = read_model(&renamed, &Device::default()).expect("read");
        assert!(matches!(&read.weights, Weights::Int8(model) if *model == int8));
        assert_eq!(read.dataset, Some(Dataset::FASHION_MNIST));
        let refused = load_model(&renamed, &Device::default()).expect_err("f32 wanted");
        assert!(refused.to_string().contains("an int8 model"), "{refused}");

        // An output path's extension names the format; one naming none is refused.
        let onnx = dir.path().join("copy.onnx");
        write_model(ToWrite::Int8(&int8), &onnx).expect("onnx");
        assert_eq!(
            std::fs::read(&onnx).expect("onnx"),
            std::fs::read(dir.path().join(INT8_ONNX_FILE)).expect("run's onnx")
        );
        let keras = dir.path().join("copy.keras");
        let err = write_model(ToWrite::Int8(&int8), &keras).expect_err("no int8 Keras");
        assert!(
            err.to_string().contains("use .safetensors or .onnx"),
            "{err}"
        );
        assert!(!keras.exists());
    }

    #[test]
    fn a_damaged_int8_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The metadata of an int8 file, and none of its tensors.
        let header = br#"{"__metadata__":{"format":"mnist-burn-int8"}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        let path = dir.path().join("empty-int8.safetensors");
        std::fs::write(&path, &bytes).expect("write");
        let err = read_model(&path, &Device::default()).expect_err("no tensors");
        let message = err.to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains("not a usable int8 model"), "{message}");
    }
}
