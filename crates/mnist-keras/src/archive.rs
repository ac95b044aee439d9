//! Keras 3's `.keras` archive: a zip holding `config.json` (the model), `metadata.json`
//! (versions) and `model.weights.h5` (see [`crate::weights_h5`]).

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::layers::{Dense, KerasFormat, KerasModel};
use crate::{KerasError, assemble, config, h5, weights_h5};

const CONFIG: &str = "config.json";
const METADATA: &str = "metadata.json";
const WEIGHTS: &str = "model.weights.h5";
/// Entries are read only up to this size: a zip bomb must not exhaust memory.
const MAX_ENTRY: u64 = 2 << 30;

pub(crate) fn is_keras_archive(archive: impl Read + Seek) -> bool {
    ZipArchive::new(archive).is_ok_and(|zip| {
        zip.index_for_name(CONFIG).is_some() && zip.index_for_name(WEIGHTS).is_some()
    })
}

fn entry(zip: &mut ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, KerasError> {
    let damaged = |e: zip::result::ZipError| KerasError::Archive(format!("{name}: {e}"));
    let mut file = zip.by_name(name).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => {
            KerasError::Archive(format!("no {name} in the archive (is it a .keras file?)"))
        }
        other => damaged(other),
    })?;
    if file.size() > MAX_ENTRY {
        return Err(KerasError::Archive(format!("{name} is larger than 2 GiB")));
    }
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.by_ref()
        .take(MAX_ENTRY)
        .read_to_end(&mut bytes)
        .map_err(|e| KerasError::Archive(format!("{name}: {e}")))?;
    Ok(bytes)
}

/// The string values of a `.keras` archive's `metadata.json` (`keras_version`, and what
/// [`write_archive`] recorded); empty when the archive has none.
pub fn archive_metadata(bytes: &[u8]) -> Result<BTreeMap<String, String>, KerasError> {
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| KerasError::Archive(e.to_string()))?;
    if zip.index_for_name(METADATA).is_none() {
        return Ok(BTreeMap::new());
    }
    let json = entry(&mut zip, METADATA)?;
    let value: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|e| KerasError::Config(format!("{METADATA}: {e}")))?;
    Ok(value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
        .collect())
}

pub(crate) fn read(bytes: &[u8]) -> Result<KerasModel, KerasError> {
    let mut zip =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| KerasError::Archive(e.to_string()))?;
    let config_json = entry(&mut zip, CONFIG)?;
    let config_json = String::from_utf8(config_json)
        .map_err(|_| KerasError::Config(format!("{CONFIG} is not UTF-8")))?;
    let config = config::parse(&config_json)?;
    let file = h5::open(&entry(&mut zip, WEIGHTS)?)?;
    let layers = assemble::with_config(&config, |index, name| {
        weights_h5::vars(&file, &weights_h5::dense_path(index), name)
    })?;
    Ok(KerasModel {
        format: KerasFormat::Archive,
        input_shape: config.input_shape,
        layers,
    })
}

/// Writes a `.keras` archive of a Sequential model: an input of `input_shape` (flattened
/// when it has several axes), then `layers`, each with its activation (`relu` when none
/// is set). `provenance` (the writer, the dataset, …) is recorded in `metadata.json`, which
/// Keras ignores beyond its version. The bytes depend on nothing else.
pub fn write_archive(
    layers: &[Dense],
    input_shape: &[usize],
    provenance: &[(&str, &str)],
) -> Result<Vec<u8>, KerasError> {
    let dense: Vec<(usize, &str)> = layers
        .iter()
        .map(|l| (l.units, l.activation.as_ref().map_or("relu", |a| a.name())))
        .collect();
    let config = config::sequential(input_shape, &dense).to_string();
    // Keras reads `keras_version` to explain loading failures; the format is Keras 3's.
    let mut metadata = serde_json::json!({
        "keras_version": "3.0.0",
        "date_saved": "1980-01-01@00:00:00",
    });
    for (key, value) in provenance {
        metadata[*key] = serde_json::Value::from(*value);
    }
    let metadata = metadata.to_string();
    let weights = weights_h5::write_weights_h5(layers, input_shape.len() > 1)?;
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // Stored, as Keras itself writes it; a fixed timestamp keeps the bytes reproducible.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    let io = |e: std::io::Error| KerasError::Archive(e.to_string());
    for (name, bytes) in [
        (METADATA, metadata.as_bytes()),
        (CONFIG, config.as_bytes()),
        (WEIGHTS, weights.as_slice()),
    ] {
        zip.start_file(name, options)
            .map_err(|e| KerasError::Archive(e.to_string()))?;
        zip.write_all(bytes).map_err(io)?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| KerasError::Archive(e.to_string()))?;
    Ok(cursor.into_inner())
}
