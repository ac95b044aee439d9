//! Writes the seed corpus of the `int8_read` fuzz target (run by `fuzz/make-int8-seeds.sh`):
//! tiny int8 models (784-10, 784-1-10, 784-2-2-10) quantized from seeded random weights, an
//! f32 file of the same shape, and the bad files the reader must refuse by name (truncated,
//! a scale of zero or NaN, a wrong shape, a multiplier that is not its scales', int8 tensors
//! where f32 are expected, a wrong architecture). Seeds give libFuzzer valid headers and
//! tensor names to mutate; trained weights would add nothing but size.
//!
//! ```text
//! cargo run --release -p mnist-int8 --features std --example fuzz_seeds -- fuzz/corpus/int8_read
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mnist_int8::{DenseF32, INPUT_LEN};
use safetensors::{Dtype, SafeTensors};

/// A file's tensors (dtype, shape, bytes) and metadata, to edit and write back.
struct Tensors {
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
    metadata: Option<HashMap<String, String>>,
}

impl Tensors {
    fn read(bytes: &[u8]) -> Self {
        let file = SafeTensors::deserialize(bytes).expect("a written file reads");
        let (_, metadata) = SafeTensors::read_metadata(bytes).expect("header");
        let tensors = file
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                (
                    name,
                    view.dtype(),
                    view.shape().to_vec(),
                    view.data().to_vec(),
                )
            })
            .collect();
        Self {
            tensors,
            metadata: metadata.metadata().clone(),
        }
    }

    fn get(&mut self, name: &str) -> &mut (String, Dtype, Vec<usize>, Vec<u8>) {
        self.tensors
            .iter_mut()
            .find(|t| t.0 == name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
    }

    /// The file, keys sorted: `safetensors::serialize` orders metadata as a `HashMap` does,
    /// differently on every run, and the seeds must not change when regenerated.
    fn bytes(&self) -> Vec<u8> {
        let quote = |s: &str| serde_json::to_string(s).expect("a string serializes");
        let mut entries = Vec::new();
        if let Some(metadata) = &self.metadata {
            let mut keys: Vec<_> = metadata.iter().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), quote(v)))
                .collect();
            entries.push(format!("\"__metadata__\":{{{}}}", fields.join(",")));
        }
        let mut order: Vec<_> = self.tensors.iter().collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let (mut data, mut offset) = (Vec::new(), 0);
        for (name, dtype, shape, bytes) in order {
            let shape: Vec<String> = shape.iter().map(usize::to_string).collect();
            entries.push(format!(
                "{}:{{\"dtype\":\"{dtype:?}\",\"shape\":[{}],\"data_offsets\":[{offset},{}]}}",
                quote(name),
                shape.join(","),
                offset + bytes.len()
            ));
            offset += bytes.len();
            data.extend_from_slice(bytes);
        }
        let mut header = format!("{{{}}}", entries.join(",")).into_bytes();
        while header.len() % 8 != 0 {
            header.push(b' ');
        }
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend(header);
        file.extend(data);
        file
    }
}

/// Seeded xorshift: the same corpus on every machine.
fn layers(widths: &[usize], mut state: u64) -> Vec<DenseF32> {
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    widths
        .windows(2)
        .map(|w| DenseF32 {
            weight: (0..w[0] * w[1]).map(|_| unit() * 0.2 - 0.1).collect(),
            bias: (0..w[1]).map(|_| unit() * 0.2 - 0.1).collect(),
            in_features: w[0],
            out_features: w[1],
        })
        .collect()
}

fn images() -> Vec<[u8; INPUT_LEN]> {
    (0..8u32)
        .map(|s| std::array::from_fn(|p| ((p as u32 * 31 + s * 97) % 256) as u8))
        .collect()
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: fuzz_seeds DIR");
        return ExitCode::from(2);
    };
    match write_all(&dir) {
        Ok(n) => {
            println!("{n} seeds in {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

fn write_all(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut valid = Vec::new();
    for (name, widths, seed) in [
        ("valid-784-10", &[784, 10][..], 1),
        ("valid-784-1-10", &[784, 1, 10], 2),
        ("valid-784-2-2-10", &[784, 2, 2, 10], 3),
    ] {
        let mut model = mnist_int8::quantize(&layers(widths, seed), images()).expect("quantizes");
        model.dataset = Some("mnist".into());
        model.class_names = Some((0..10).map(|c| c.to_string()).collect());
        let bytes = mnist_int8::to_bytes(&model).expect("writes");
        assert!(mnist_int8::read_bytes(&bytes).is_ok(), "{name} reads back");
        seeds.push((name, bytes.clone()));
        valid.push(bytes);
    }
    let small = &valid[1];
    seeds.push(("truncated", small[..small.len() / 2].to_vec()));
    let edit = |f: &dyn Fn(&mut Tensors)| {
        let mut tensors = Tensors::read(small);
        f(&mut tensors);
        tensors.bytes()
    };
    seeds.push((
        "zero-output-scale",
        edit(&|t| t.get("fc1.output_scale").3 = 0f32.to_le_bytes().to_vec()),
    ));
    seeds.push((
        "nan-weight-scale",
        edit(&|t| t.get("fc2.weight_scale").3[..4].copy_from_slice(&f32::NAN.to_le_bytes())),
    ));
    seeds.push((
        "wrong-shift-shape",
        edit(&|t| {
            let shift = t.get("fc1.shift");
            shift.2 = vec![2];
            shift.3 = [0i32, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        }),
    ));
    seeds.push((
        "multiplier-not-its-scales",
        edit(&|t| {
            let data = &mut t.get("fc1.multiplier").3;
            let m = i32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            data[..4].copy_from_slice(&(m ^ (1 << 28)).to_le_bytes());
        }),
    ));
    seeds.push((
        "wrong-architecture",
        edit(&|t| {
            if let Some(m) = t.metadata.as_mut() {
                m.insert("architecture".into(), "784-2-10".into());
            }
        }),
    ));
    // An f32 file (what `train` writes as model.safetensors) of the 784-1-10 shape, and the
    // same with int8 tensors where f32 are expected.
    let f32_layers = layers(&[784, 1, 10], 4);
    let f32_file = |int8: bool| {
        let mut tensors = Vec::new();
        for (k, layer) in f32_layers.iter().enumerate() {
            let n = k + 1;
            let encode = |values: &[f32]| -> (Dtype, Vec<u8>) {
                if int8 {
                    (
                        Dtype::I8,
                        values.iter().map(|v| (v * 1000.0) as i8 as u8).collect(),
                    )
                } else {
                    (
                        Dtype::F32,
                        values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                    )
                }
            };
            let (dtype, weight) = encode(&layer.weight);
            tensors.push((
                format!("fc{n}.weight"),
                dtype,
                vec![layer.out_features, layer.in_features],
                weight,
            ));
            let (dtype, bias) = encode(&layer.bias);
            tensors.push((format!("fc{n}.bias"), dtype, vec![layer.out_features], bias));
        }
        Tensors {
            tensors,
            metadata: Some(HashMap::from([("architecture".into(), "784-1-10".into())])),
        }
        .bytes()
    };
    let f32_bytes = f32_file(false);
    assert!(
        mnist_int8::read_f32_safetensors(&f32_bytes).is_ok(),
        "the f32 seed reads"
    );
    seeds.push(("f32-784-1-10", f32_bytes));
    seeds.push(("int8-where-f32-expected", f32_file(true)));
    for (name, bytes) in &seeds {
        if !name.starts_with("valid") && !name.starts_with("f32") {
            assert!(
                mnist_int8::read_bytes(bytes).is_err(),
                "{name} must be refused"
            );
        }
        std::fs::write(dir.join(name), bytes)?;
    }
    Ok(seeds.len())
}
