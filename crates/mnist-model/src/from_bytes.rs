//! A model file given as bytes, with no directory around it (a file dropped on the browser
//! page): told apart by content as [`crate::load_model`] tells files apart, and read by the
//! same readers where a single file carries the whole model.

use std::io::Cursor;
use std::path::Path;

use burn::prelude::*;
use mnist_dataset::Dataset;

use crate::error::ModelFileError;
use crate::exchange::import_safetensors_bytes;
use crate::keras::import_keras;
use crate::layout::SAFETENSORS_FILE;
use crate::mlp::{Mlp, MlpConfig};
use crate::provenance::bytes_dataset;
use crate::sniff::{ModelSource, sniff_head};

/// A model read from bytes.
#[derive(Debug)]
pub struct BytesModel {
    /// The network.
    pub mlp: Mlp,
    /// Its architecture.
    pub config: MlpConfig,
    /// The dataset its file records, if it does.
    pub dataset: Option<Dataset>,
}

/// Reads the model file `bytes`; `name` (the file's name) breaks ties between formats and
/// names the file in errors. Safetensors (this project's `model.safetensors` or PyTorch's)
/// and Keras files carry a whole model; a Burnpack `.bpk` needs the `model.json` beside it
/// and a `torch.save` pickle a file system, so both are refused with what to use instead.
pub fn load_model_bytes(
    name: &Path,
    bytes: &[u8],
    device: &Device,
) -> Result<BytesModel, ModelFileError> {
    let source = sniff_head(bytes, name, || {
        mnist_keras::is_keras_archive(Cursor::new(bytes))
    });
    let unsupported = |reason: String| ModelFileError::Unsupported {
        path: name.to_path_buf(),
        reason,
    };
    let (mlp, config) = match source {
        ModelSource::Safetensors => import_safetensors_bytes(name, bytes, device)?,
        ModelSource::Keras => import_keras(name, bytes, device)?,
        // sniff_head never answers RunDir; a directory has no bytes.
        ModelSource::Burnpack | ModelSource::RunDir => {
            return Err(unsupported(format!(
                "a Burnpack model is read with the model.json of its run directory; use the \
                 run's {SAFETENSORS_FILE} (or its int8 copy) instead"
            )));
        }
        ModelSource::PyTorch => {
            return Err(unsupported(
                "a torch.save pickle is read by `infer` only; save the state_dict with \
                 safetensors.torch.save_file instead"
                    .into(),
            ));
        }
        ModelSource::Onnx => {
            return Err(unsupported(
                "ONNX graphs are written for other runtimes and not read back; use the run's \
                 model.safetensors or model.keras"
                    .into(),
            ));
        }
    };
    let dataset = bytes_dataset(name, source, bytes)?;
    Ok(BytesModel {
        mlp,
        config,
        dataset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{KERAS_FILE, MODEL_FILE};
    use crate::weights::save_model;

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
            let read = load_model_bytes(Path::new(file), &bytes, &device).expect(file);
            assert_eq!(read.config.hidden, config.hidden, "{file}");
            assert_eq!(read.dataset, Some(Dataset::FASHION_MNIST), "{file}");
            assert_eq!(read.mlp.forward(input.clone()).into_data(), want, "{file}");
        }

        let bpk = std::fs::read(dir.path().join(MODEL_FILE)).expect("bpk");
        let refused = load_model_bytes(Path::new("model.bpk"), &bpk, &device)
            .expect_err("a .bpk alone has no architecture");
        assert!(
            refused.to_string().contains("model.safetensors"),
            "{refused}"
        );

        let safetensors = std::fs::read(dir.path().join(SAFETENSORS_FILE)).expect("file");
        let half = &safetensors[..safetensors.len() / 2];
        let damaged = load_model_bytes(Path::new("half.safetensors"), half, &device)
            .expect_err("a truncated file");
        assert!(
            damaged.to_string().contains("half.safetensors"),
            "{damaged}"
        );

        let pickle = load_model_bytes(Path::new("w.pt"), b"\x80\x02}q\0.", &device)
            .expect_err("a pickle needs a file system");
        assert!(pickle.to_string().contains("safetensors"), "{pickle}");
    }
}
