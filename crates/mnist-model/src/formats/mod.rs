//! Every model file format, one module each behind one interface ([`Format`]): how a file in
//! it is recognised, read and written. Which format a file is, and which formats a run
//! directory holds, is decided here and only here; a new format is a new module and a line in
//! [`FORMATS`].

mod burnpack;
mod int8;
mod keras;
mod onnx;
mod onnx_graph;
mod onnx_int8;
mod onnx_int8_graph;
mod pytorch;
mod safetensors;
mod torch_layout;
mod types;

pub use burnpack::{FORMAT_VERSION, ModelDescription, read_description, read_run};
pub use onnx::{ONNX_INPUT, ONNX_OUTPUT};
pub use onnx_int8_graph::int8_onnx_bytes;
pub use types::{About, Format, Match, ModelFile, Precision, ReadModel, ToWrite, Weights, Writer};

/// Every format, in the order detection asks them. Content decides before any extension does;
/// among contents the int8 file (a safetensors file with its own metadata) comes before f32
/// safetensors, and a Keras zip archive before a PyTorch one.
pub static FORMATS: &[&dyn Format] = &[
    &burnpack::Burnpack,
    &int8::Int8Safetensors,
    &keras::Keras,
    &pytorch::PyTorch,
    &safetensors::Safetensors,
    &onnx::Onnx,
    &onnx_int8::OnnxInt8,
];

/// The formats that are written, each also in [`FORMATS`], with [`About::writes`] set.
pub static WRITERS: &[&dyn Writer] = &[
    &burnpack::Burnpack,
    &int8::Int8Safetensors,
    &keras::Keras,
    &safetensors::Safetensors,
    &onnx::Onnx,
    &onnx_int8::OnnxInt8,
];

/// The format `file` is in: the first whose content test holds, else the first its extension
/// names, else Burnpack, whose reader says why a damaged `.bpk` (or anything else) is not one.
pub fn detect(file: &ModelFile<'_>) -> &'static dyn Format {
    // One pass: a content test may scan the file (a zip's directory).
    let mut by_extension = None;
    for format in FORMATS {
        match format.detect(file) {
            Match::Content => return *format,
            Match::Extension => {
                by_extension.get_or_insert(*format);
            }
            Match::No => {}
        }
    }
    by_extension.unwrap_or(&burnpack::Burnpack)
}

/// The format a file named `path` is written in for a model of `precision`: the one whose
/// extension `path` has.
pub fn for_output(path: &std::path::Path, precision: Precision) -> Option<&'static dyn Writer> {
    let extension = types::extension(path)?;
    WRITERS
        .iter()
        .find(|f| f.precision() == precision && f.about().writes == Some(extension.as_str()))
        .copied()
}

/// The formats every run directory holds for a model of `precision`, with their file names.
pub fn run_formats(
    precision: Precision,
) -> impl Iterator<Item = (&'static dyn Writer, &'static str)> {
    WRITERS
        .iter()
        .filter(move |f| f.precision() == precision)
        .filter_map(|f| f.about().run_file.map(|file| (*f, file)))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn detected(name: &str, bytes: &[u8]) -> &'static str {
        let file = ModelFile {
            name: Path::new(name),
            bytes,
            on_disk: false,
        };
        detect(&file).name()
    }

    #[test]
    fn content_decides_not_the_name() {
        let cases: [(&str, &[u8], &str); 7] = [
            ("weights.bin", b"\x89HDF\r\n\x1a\n\0\0\0", "Keras"),
            ("model.pt", b"\x80\x02}q\0", "PyTorch"),
            ("x.keras", b"\x10\0\0\0\0\0\0\0{\"a\":1}", "safetensors"),
            ("x.pt", b"NRUB\x01\0", "Burnpack"),
            ("graph.onnx", b"\x08\x07\x12\x04", "ONNX"),
            ("junk.pth", b"hello", "PyTorch"),
            ("junk.txt", b"hello", "Burnpack"),
        ];
        for (name, bytes, format) in cases {
            assert_eq!(detected(name, bytes), format, "{name}");
        }
    }

    #[test]
    fn every_format_has_a_distinct_name_and_runs_write_distinct_files() {
        let mut names: Vec<_> = FORMATS.iter().map(|f| f.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FORMATS.len(), "{names:?}");
        let mut files: Vec<_> = [Precision::F32, Precision::Int8]
            .into_iter()
            .flat_map(run_formats)
            .map(|(_, file)| file)
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "model-int8.onnx",
                "model-int8.safetensors",
                "model.bpk",
                "model.keras",
                "model.onnx",
                "model.safetensors"
            ]
        );
    }

    #[test]
    fn the_writers_are_the_formats_that_name_an_extension_to_write() {
        let writing: Vec<_> = FORMATS
            .iter()
            .filter(|f| f.about().writes.is_some())
            .map(|f| f.name())
            .collect();
        let writers: Vec<_> = WRITERS.iter().map(|f| f.name()).collect();
        assert_eq!(writers, writing);
    }

    #[test]
    fn an_output_path_names_its_format_by_extension_and_precision() {
        let name = |path: &str, precision| for_output(Path::new(path), precision).map(|f| f.name());
        assert_eq!(name("a/m.ONNX", Precision::F32), Some("ONNX"));
        assert_eq!(name("m.onnx", Precision::Int8), Some("int8 ONNX"));
        assert_eq!(
            name("m.safetensors", Precision::Int8),
            Some("int8 safetensors")
        );
        assert_eq!(name("m.safetensors", Precision::F32), Some("safetensors"));
        assert_eq!(name("m.keras", Precision::Int8), None);
        assert_eq!(
            name("m.pt", Precision::F32),
            None,
            "PyTorch pickles are read only"
        );
        assert_eq!(name("model", Precision::F32), None);
    }
}
