//! Round trips and every kind of bad file.

use std::collections::HashMap;
use std::string::{String, ToString};
use std::vec::Vec;

use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};

use super::*;
use crate::quantize;
use crate::testing::{Rng, random_images, random_layers};
use crate::write::to_bytes;

fn model(widths: &[usize]) -> QuantizedMlp {
    let mut model =
        quantize(&random_layers(widths, 21), random_images(100, 22)).expect("quantizes");
    model.dataset = Some("mnist".into());
    model.class_names = Some((0..10).map(|c| c.to_string()).collect());
    model
}

/// A file's tensors and metadata, to tamper with and write again with the safetensors crate.
struct Parts {
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
    metadata: HashMap<String, String>,
}

impl Parts {
    fn of(bytes: &[u8]) -> Self {
        let file = SafeTensors::deserialize(bytes).expect("valid");
        let (_, header) = SafeTensors::read_metadata(bytes).expect("valid");
        Self {
            tensors: file
                .tensors()
                .into_iter()
                .map(|(name, t)| (name, t.dtype(), t.shape().to_vec(), t.data().to_vec()))
                .collect(),
            metadata: header.metadata().clone().unwrap_or_default(),
        }
    }

    fn set(&mut self, name: &str, dtype: Dtype, shape: Vec<usize>, data: Vec<u8>) -> &mut Self {
        self.tensors.retain(|t| t.0 != name);
        self.tensors.push((name.into(), dtype, shape, data));
        self
    }

    fn remove(&mut self, name: &str) -> &mut Self {
        self.tensors.retain(|t| t.0 != name);
        self
    }

    fn get(&self, name: &str) -> Vec<u8> {
        self.tensors
            .iter()
            .find(|t| t.0 == name)
            .map(|t| t.3.clone())
            .expect("present")
    }

    fn set_i32(&mut self, name: &str, index: usize, value: i32) -> &mut Self {
        let mut data = self.get(name);
        data[4 * index..4 * index + 4].copy_from_slice(&value.to_le_bytes());
        let shape = std::vec![data.len() / 4];
        self.set(name, Dtype::I32, shape, data)
    }

    fn set_f32(&mut self, name: &str, index: usize, value: f32) -> &mut Self {
        let mut data = self.get(name);
        data[4 * index..4 * index + 4].copy_from_slice(&value.to_le_bytes());
        let shape = std::vec![data.len() / 4];
        self.set(name, Dtype::F32, shape, data)
    }

    fn bytes(&self) -> Vec<u8> {
        let views = self.tensors.iter().map(|(name, dtype, shape, data)| {
            (
                name.clone(),
                TensorView::new(*dtype, shape.clone(), data).expect("consistent"),
            )
        });
        safetensors::serialize(views, Some(self.metadata.clone())).expect("serializes")
    }

    fn read(&self) -> Result<QuantizedMlp> {
        read_bytes(&self.bytes())
    }
}

fn good() -> (QuantizedMlp, Parts) {
    let model = model(&[784, 32, 16, 10]);
    let parts = Parts::of(&to_bytes(&model).expect("writes"));
    (model, parts)
}

#[test]
fn round_trips_bit_exactly_and_deterministically() {
    for widths in [
        &[784, 10][..],
        &[784, 128, 10],
        &[784, 256, 128, 10],
        &[784, 8, 8, 8, 10],
    ] {
        let model = model(widths);
        let bytes = to_bytes(&model).expect("writes");
        assert!(crate::is_int8_file(&bytes));
        let back = read_bytes(&bytes).expect("reads");
        assert_eq!(back, model);
        for (a, b) in back.layers.iter().zip(&model.layers) {
            let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a.weight_scale), bits(&b.weight_scale));
            assert_eq!(a.output_scale.to_bits(), b.output_scale.to_bits());
        }
        assert_eq!(
            to_bytes(&back).expect("writes"),
            bytes,
            "same model, same bytes"
        );
        // The same file through the safetensors crate's own writer reads the same.
        assert_eq!(Parts::of(&bytes).read().expect("reads"), model);
    }
}

#[test]
fn files_on_disk_name_their_path() {
    let dir = std::env::temp_dir().join(std::format!("mnist-int8-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("model-int8.safetensors");
    let (model, _) = good();
    crate::write_file(&model, &path).expect("writes");
    assert_eq!(read_file(&path).expect("reads"), model);
    std::fs::write(&path, b"garbage").expect("writes");
    let e = read_file(&path).expect_err("garbage");
    assert!(e.to_string().contains("model-int8.safetensors"), "{e}");
    assert!(matches!(e.innermost(), Error::Safetensors(_)));
    let missing = dir.join("absent");
    assert!(matches!(read_file(&missing), Err(Error::Io { path, .. }) if path == missing));
    std::fs::remove_dir_all(&dir).expect("cleans up");
}

#[test]
fn garbage_and_truncated_files_are_safetensors_errors() {
    let (model, _) = good();
    let bytes = to_bytes(&model).expect("writes");
    for bad in [
        &[][..],
        &[1, 2, 3],
        &bytes[..bytes.len() - 1],
        &bytes[..100],
        &bytes[..8],
        b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all",
        &[0xff; 64],
    ] {
        assert!(
            matches!(read_bytes(bad), Err(Error::Safetensors(_))),
            "{:?}",
            read_bytes(bad)
        );
    }
}

fn tensor_error(result: Result<QuantizedMlp>) -> (String, Error) {
    let e = result.expect_err("refused");
    let name = match &e {
        Error::MissingTensor { name }
        | Error::Dtype { name, .. }
        | Error::Shape { name, .. }
        | Error::Value { name, .. }
        | Error::Layers { name, .. } => name.clone(),
        other => std::panic!("not a tensor error: {other}"),
    };
    (name, e)
}

#[test]
fn every_bad_tensor_is_named() {
    type Tamper = fn(&mut Parts);
    let cases: [(&str, &str, Tamper); 18] = [
        ("missing", "fc2.bias", |p| {
            p.remove("fc2.bias");
        }),
        ("missing", "fc1.weight", |p| {
            p.remove("fc1.weight");
        }),
        ("missing", "input.scale", |p| {
            p.remove("input.scale");
        }),
        ("dtype", "fc1.weight", |p| {
            // f32 weights where int8 ones belong.
            let n = 32 * 784;
            p.set(
                "fc1.weight",
                Dtype::F32,
                std::vec![32, 784],
                std::vec![0; 4 * n],
            );
        }),
        ("dtype", "fc2.weight_scale", |p| {
            p.set(
                "fc2.weight_scale",
                Dtype::I8,
                std::vec![16],
                std::vec![1; 16],
            );
        }),
        ("shape", "fc1.weight_scale", |p| {
            p.set(
                "fc1.weight_scale",
                Dtype::F32,
                std::vec![31],
                1f32.to_le_bytes().repeat(31),
            );
        }),
        ("shape", "fc3.output_scale", |p| {
            p.set(
                "fc3.output_scale",
                Dtype::F32,
                std::vec![2],
                1f32.to_le_bytes().repeat(2),
            );
        }),
        ("value", "fc1.weight_scale", |p| {
            p.set_f32("fc1.weight_scale", 5, 0.0);
        }),
        ("value", "fc2.weight_scale", |p| {
            p.set_f32("fc2.weight_scale", 0, -0.5);
        }),
        ("value", "fc3.weight_scale", |p| {
            p.set_f32("fc3.weight_scale", 9, f32::NAN);
        }),
        ("value", "fc2.output_scale", |p| {
            p.set_f32("fc2.output_scale", 0, f32::INFINITY);
        }),
        ("value", "fc1.shift", |p| {
            p.set_i32("fc1.shift", 3, 40);
        }),
        ("value", "fc2.multiplier", |p| {
            p.set_i32("fc2.multiplier", 1, -5);
        }),
        ("value", "fc3.multiplier", |p| {
            // Off by far more than rounding: not what the scales give.
            let m = i32::from_le_bytes(p.get("fc3.multiplier")[..4].try_into().expect("4"));
            p.set_i32("fc3.multiplier", 0, m / 2 + 7);
        }),
        ("value", "fc1.output_zero_point", |p| {
            p.set_i32("fc1.output_zero_point", 0, 200);
        }),
        ("value", "input.zero_point", |p| {
            p.set_i32("input.zero_point", 0, 0);
        }),
        ("layers", "fc2.weight", |p| {
            // Widths that do not chain: fc1 gives 32, fc2 takes 31.
            p.set(
                "fc2.weight",
                Dtype::I8,
                std::vec![16, 31],
                std::vec![0; 16 * 31],
            );
        }),
        ("layers", "fc3.weight", |p| {
            p.set(
                "fc3.weight",
                Dtype::I8,
                std::vec![11, 16],
                std::vec![0; 11 * 16],
            );
        }),
    ];
    for (kind, tensor, tamper) in cases {
        let (_, mut parts) = good();
        tamper(&mut parts);
        let (name, e) = tensor_error(parts.read());
        assert_eq!(name, tensor, "{kind}: {e}");
        let ok = match kind {
            "missing" => matches!(e, Error::MissingTensor { .. }),
            "dtype" => matches!(e, Error::Dtype { .. }),
            "shape" => matches!(e, Error::Shape { .. }),
            "value" => matches!(e, Error::Value { .. }),
            _ => matches!(e, Error::Layers { .. }),
        };
        assert!(ok, "{kind} {tensor}: {e}");
        assert!(e.to_string().contains(tensor), "{e}");
    }
}

#[test]
fn float_weights_in_an_int8_file_say_so() {
    let (_, mut parts) = good();
    parts.set(
        "fc1.weight",
        Dtype::F32,
        std::vec![32, 784],
        std::vec![0; 4 * 32 * 784],
    );
    let e = parts.read().expect_err("refused").to_string();
    assert!(
        e.contains("fc1.weight") && e.contains("F32") && e.contains("I8"),
        "{e}"
    );
    assert!(e.contains("quantized first"), "{e}");
}

#[test]
fn the_widths_are_checked_at_both_ends_and_in_the_middle() {
    let (_, mut parts) = good();
    parts.set(
        "fc1.weight",
        Dtype::I8,
        std::vec![32, 785],
        std::vec![0; 32 * 785],
    );
    let (name, e) = tensor_error(parts.read());
    assert_eq!(name, "fc1.weight");
    assert!(e.to_string().contains("785"), "{e}");

    let (_, mut parts) = good();
    parts.set(
        "fc1.weight",
        Dtype::I8,
        std::vec![300, 784],
        std::vec![0; 300 * 784],
    );
    assert!(matches!(tensor_error(parts.read()).1, Error::Layers { .. }));

    let (_, mut parts) = good();
    parts.set(
        "fc1.weight",
        Dtype::I8,
        std::vec![32, 28, 28],
        std::vec![0; 32 * 784],
    );
    assert!(matches!(tensor_error(parts.read()).1, Error::Shape { .. }));

    // Five layers: one more than MAX_LAYERS.
    let model = model(&[784, 8, 8, 8, 10]);
    let mut parts = Parts::of(&to_bytes(&model).expect("writes"));
    parts.set(
        "fc5.weight",
        Dtype::I8,
        std::vec![10, 10],
        std::vec![0; 100],
    );
    let (name, e) = tensor_error(parts.read());
    assert_eq!(name, "fc5.weight");
    assert!(matches!(e, Error::Layers { .. }));
}

#[test]
fn metadata_is_checked() {
    let cases: [(&str, Option<&str>); 6] = [
        ("format", None),
        ("format", Some("safetensors")),
        ("format_version", Some("2")),
        ("architecture", Some("784-128-10")),
        ("class_names", Some("[\"a\",\"b\"]")),
        ("class_names", Some("not json")),
    ];
    for (key, value) in cases {
        let (_, mut parts) = good();
        match value {
            Some(v) => parts.metadata.insert(key.into(), v.into()),
            None => parts.metadata.remove(key),
        };
        let e = parts.read().expect_err("refused");
        let named = match &e {
            Error::Format { .. } => key == "format",
            Error::Metadata { key: k, .. } => *k == key,
            _ => false,
        };
        assert!(named, "{key}: {e}");
    }
    // Without the optional keys the file still reads.
    let (_, mut parts) = good();
    parts.metadata.remove("dataset");
    parts.metadata.remove("class_names");
    let model = parts.read().expect("reads");
    assert_eq!((model.dataset, model.class_names), (None, None));
}

#[test]
fn an_f32_model_is_told_apart_both_ways() {
    let layers = random_layers(&[784, 16, 10], 30);
    let mut views = Vec::new();
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = layers
        .iter()
        .enumerate()
        .flat_map(|(k, l)| {
            let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
            [
                (
                    std::format!("fc{}.weight", k + 1),
                    std::vec![l.out_features, l.in_features],
                    bytes(&l.weight),
                ),
                (
                    std::format!("fc{}.bias", k + 1),
                    std::vec![l.out_features],
                    bytes(&l.bias),
                ),
            ]
        })
        .collect();
    for (name, shape, bytes) in &data {
        views.push((
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), bytes).expect("consistent"),
        ));
    }
    let f32_file = safetensors::serialize(views, None).expect("serializes");
    assert!(!crate::is_int8_file(&f32_file));
    let e = read_bytes(&f32_file).expect_err("not int8");
    assert!(matches!(e, Error::Format { found: None, .. }), "{e}");
    assert!(e.to_string().contains("f32 model"), "{e}");
    assert_eq!(
        crate::read_f32_safetensors(&f32_file).expect("reads"),
        layers
    );

    // And the int8 file given to the f32 reader.
    let (model, _) = good();
    let e = crate::read_f32_safetensors(&to_bytes(&model).expect("writes")).expect_err("int8");
    assert!(
        matches!(&e, Error::Dtype { name, .. } if name == "fc1.weight"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("int8 tensors where f32 are expected"),
        "{e}"
    );
}

#[test]
fn random_damage_never_panics_and_what_reads_also_runs() {
    let (model, _) = good();
    let bytes = to_bytes(&model).expect("writes");
    let header_len = 8 + u64::from_le_bytes(bytes[..8].try_into().expect("8")) as usize;
    let mut rng = Rng::new(40);
    let image = random_images(1, 41)[0];
    let mut read = 0;
    for round in 0..3000 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + rng.below(4) {
            // Mostly in the header, where the structure is.
            let at = if round % 2 == 0 {
                rng.below(header_len)
            } else {
                rng.below(damaged.len())
            };
            damaged[at] = rng.next_u64() as u8;
        }
        if round % 7 == 0 {
            damaged.truncate(rng.below(damaged.len()));
        }
        if let Ok(m) = read_bytes(&damaged) {
            read += 1;
            let view = m.view().expect("a model that reads is valid");
            let _ = view.classify_pixels(&image);
        }
    }
    // Damage to weight bytes or whitespace still reads: the loop did exercise both paths.
    assert!(read > 0 && read < 3000, "{read}");
}
