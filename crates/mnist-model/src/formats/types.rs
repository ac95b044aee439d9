//! The one interface every model format implements ([`Format`]), and what passes through it:
//! the file being read ([`ModelFile`]), the model read ([`ReadModel`]) and the model to write
//! ([`ToWrite`]).

use std::path::Path;

use burn::prelude::*;
use mnist_dataset::Dataset;
use mnist_int8::QuantizedMlp;

use crate::error::ModelFileError;
use crate::mlp::{Mlp, MlpConfig};

/// The kind of numbers a format's model computes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 weights, run on a Burn backend.
    F32,
    /// int8 weights and activations, run by `mnist-int8`'s integer forward pass.
    Int8,
}

impl Precision {
    /// `f32` or `int8`, as messages say it.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Int8 => "int8",
        }
    }
}

/// A model as a format reads it.
#[derive(Debug)]
pub enum Weights {
    /// f32 weights (boxed: the int8 variant is a few pointers).
    F32 {
        /// The network.
        mlp: Box<Mlp>,
        /// Its architecture.
        config: MlpConfig,
    },
    /// An int8 model.
    Int8(QuantizedMlp),
}

impl Weights {
    /// Which of the two the model is.
    pub fn precision(&self) -> Precision {
        match self {
            Self::F32 { .. } => Precision::F32,
            Self::Int8(_) => Precision::Int8,
        }
    }

    /// The architecture, e.g. `784-256-128-10`.
    pub fn architecture(&self) -> String {
        match self {
            Self::F32 { config, .. } => config.name(),
            Self::Int8(model) => model
                .architecture()
                .map_or_else(|| "int8".into(), |a| a.to_string()),
        }
    }
}

/// A model read from a file, with the dataset the file records.
#[derive(Debug)]
pub struct ReadModel {
    /// The model, f32 or int8.
    pub weights: Weights,
    /// `None` where the file records no dataset: weights PyTorch or Keras wrote themselves,
    /// or a `model.safetensors` written before runs recorded it.
    pub dataset: Option<Dataset>,
}

impl ReadModel {
    /// An f32 model read with its architecture.
    pub fn f32(mlp: Mlp, config: MlpConfig, dataset: Option<Dataset>) -> Self {
        Self {
            weights: Weights::F32 {
                mlp: Box::new(mlp),
                config,
            },
            dataset,
        }
    }
}

/// A model to write, in the form its precision's formats take it.
#[derive(Debug, Clone, Copy)]
pub enum ToWrite<'a> {
    /// A trained (or imported) f32 network.
    F32 {
        /// The network.
        mlp: &'a Mlp,
        /// Its architecture, which some formats record beside the tensors.
        config: &'a MlpConfig,
        /// The dataset it was trained on, which every file records.
        dataset: Dataset,
    },
    /// An int8 model records its dataset itself.
    Int8(&'a QuantizedMlp),
}

impl ToWrite<'_> {
    /// Which formats can hold it.
    pub fn precision(&self) -> Precision {
        match self {
            Self::F32 { .. } => Precision::F32,
            Self::Int8(_) => Precision::Int8,
        }
    }
}

/// A model file to recognise and read.
#[derive(Debug, Clone, Copy)]
pub struct ModelFile<'a> {
    /// Its path, or for a file with no file system around it (dropped on the browser page)
    /// its name: the extension breaks ties between formats, and messages name it.
    pub name: &'a Path,
    /// The whole file.
    pub bytes: &'a [u8],
    /// Whether `name` is a file on disk: a Burnpack file is read with the `model.json`
    /// beside it, a `torch.save` pickle by burn-store's file reader.
    pub on_disk: bool,
}

impl ModelFile<'_> {
    /// The extension, lower-case.
    pub fn extension(&self) -> Option<String> {
        extension(self.name)
    }

    /// Whether the file is a zip archive holding a Keras model (a PyTorch checkpoint is a zip
    /// archive too).
    pub fn is_keras_zip(&self) -> bool {
        matches!(
            mnist_keras::Container::sniff(self.bytes),
            Some(mnist_keras::Container::Zip)
        ) && mnist_keras::is_keras_archive(std::io::Cursor::new(self.bytes))
    }
}

/// `path`'s extension, lower-case.
pub fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// How sure a format is that a file is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The content says so.
    Content,
    /// Only the extension says so, for a file whose content names no format (ONNX has no
    /// magic number; a damaged header).
    Extension,
    /// Neither says so.
    No,
}

/// What a format is, as data: its name, the kind of model it holds and the files it is
/// written to and read from.
#[derive(Debug)]
pub struct About {
    /// Its name in messages, e.g. `Keras`.
    pub name: &'static str,
    /// The kind of model it holds.
    pub precision: Precision,
    /// The extension of the files it writes (without the dot), if it is a [`Writer`]: a path
    /// with it is written in this format by [`crate::write_model`].
    pub writes: Option<&'static str>,
    /// The file `train` writes in this format into every run directory, if it writes one.
    pub run_file: Option<&'static str>,
    /// The extensions that name it when the content names no format (lower-case).
    pub read_extensions: &'static [&'static str],
}

/// A model file format: how a file in it is recognised and read (written: [`Writer`]). Each format is one
/// module under `formats/` and one entry of [`crate::formats::FORMATS`]; callers go through
/// [`crate::model_files`], which picks the format, never through a format itself.
pub trait Format: Sync {
    /// What it is.
    fn about(&self) -> &'static About;
    /// Whether the content says `file` is in this format (a magic number, a header): a Keras
    /// `.h5` and a PyTorch `.pt` may be named anything.
    fn recognises(&self, file: &ModelFile<'_>) -> bool;
    /// Reads the model `file` holds.
    fn read(&self, file: &ModelFile<'_>, device: &Device) -> Result<ReadModel, ModelFileError>;

    /// Whether `file` is in this format: by content, else by extension.
    fn detect(&self, file: &ModelFile<'_>) -> Match {
        if self.recognises(file) {
            Match::Content
        } else if file
            .extension()
            .is_some_and(|e| self.about().read_extensions.contains(&e.as_str()))
        {
            Match::Extension
        } else {
            Match::No
        }
    }

    /// [`About::name`].
    fn name(&self) -> &'static str {
        self.about().name
    }

    /// [`About::precision`].
    fn precision(&self) -> Precision {
        self.about().precision
    }
}

/// A format that is written, not only read: one entry of [`crate::formats::WRITERS`]. Writing
/// is an interface apart from [`Format`] because a trait object's table keeps every method it
/// names: a build that only reads (the browser page) links no writer, no HDF5 or zip writer
/// and no ONNX exporter.
pub trait Writer: Format {
    /// Writes `model` to `path` atomically (a temporary file, then a rename).
    fn write(&self, model: ToWrite<'_>, path: &Path) -> Result<(), ModelFileError>;
}

/// The error of a format asked to write a model of the other precision or one it does not
/// write at all.
pub fn not_written(format: &dyn Format, model: ToWrite<'_>, path: &Path) -> ModelFileError {
    ModelFileError::Write {
        path: path.to_path_buf(),
        reason: format!(
            "the {} format does not hold {} models",
            format.name(),
            model.precision().name()
        ),
    }
}

/// The error of a format that is written for other runtimes and not read back.
pub fn not_read(file: &ModelFile<'_>, reason: &str) -> ModelFileError {
    ModelFileError::Unsupported {
        path: file.name.to_path_buf(),
        reason: reason.into(),
    }
}
