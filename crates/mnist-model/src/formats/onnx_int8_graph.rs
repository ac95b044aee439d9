//! ONNX out for the int8 model: `model-int8.onnx`, the integer forward pass of `mnist-int8`
//! as an ONNX graph, so onnxruntime (or any runtime with the integer ops) reads every image
//! as `infer` and a board do, bit for bit.
//!
//! The graph takes what the f32 export takes (`pixels`, `[batch, 784]` float pixel / 255) and
//! gives what it gives (`logits`, `[batch, 10]` float), with the same metadata (`dataset`,
//! `class_names`). In between it is integers only (opset 13):
//!
//! ```text
//! pixels ─QuantizeLinear(1/255, −128)→ int8
//!   per layer k: MatMulInteger(x, fc{k}.weight [in, out] int8, zero point of x) → int32
//!                + fc{k}.bias (int32, no zero point folded in)              → accumulator
//!                requantize: Cast int64 · multiplier, |·| + 2^(30+s), ÷ 2^(31+s), · sign
//!                + output zero point, Clip(ReLU floor or −128, 127), Cast int8
//! int8 logits ─DequantizeLinear(logit scale, 0)→ logits
//! ```
//!
//! The requantization is spelt out in integer ops rather than left to `QLinearMatMul` or a
//! `DequantizeLinear`/`QuantizeLinear` pair because those compute `acc · s_in · s_w / s_out`
//! in float and round half to even; `mnist-int8` multiplies by a Q31 integer and rounds half
//! away from zero, and the graph must give its logits exactly. The scales that the integer
//! graph does not need (per-channel weight scales, hidden activation scales) are in the
//! metadata key `int8_scales`, as JSON named like the int8 file's tensors.

use mnist_int8::{INPUT_SCALE, INPUT_ZERO_POINT, QuantizedMlp};
use onnx_ir::{AttributeProto, GraphProto, Message, ModelProto, NodeProto, TensorProto};
use onnx_ir::{AttributeType, TensorShapeProto, TypeProto, ValueInfoProto};

use super::onnx::{ONNX_INPUT, ONNX_OUTPUT};
use crate::provenance::{CLASS_NAMES_KEY, DATASET_KEY};

/// Opset 13: per-axis QuantizeLinear/DequantizeLinear, Clip with integer bounds as inputs.
const OPSET: i64 = 13;
/// The IR version of opset 13.
const IR_VERSION: i64 = 7;

// TensorProto.DataType values.
const FLOAT: i32 = 1;
const INT8: i32 = 3;
const INT32: i32 = 6;
const INT64: i32 = 7;

/// The ONNX model of `model` (the graph is in the module docs); an error for a model that
/// does not pass `mnist-int8`'s validation.
pub fn int8_onnx_bytes(model: &QuantizedMlp) -> Result<Vec<u8>, String> {
    let view = model.view().map_err(|e| e.to_string())?;
    let mut graph = GraphProto {
        name: "mnist-int8".into(),
        ..Default::default()
    };
    graph.input.push(value_info(ONNX_INPUT, FLOAT, 784));
    graph.output.push(value_info(ONNX_OUTPUT, FLOAT, 10));
    let mut b = Builder { graph };
    b.scalar_f32("input.scale", INPUT_SCALE);
    b.scalar_i8("input.zero_point", INPUT_ZERO_POINT);
    b.scalar_i64("int8.max", 127);
    let mut x = "input.quantized".to_string();
    b.node(
        "QuantizeLinear",
        &[ONNX_INPUT, "input.scale", "input.zero_point"],
        &x,
        None,
    );
    let layers = view.layers();
    for (k, layer) in layers.iter().enumerate() {
        let n = k + 1;
        let last = n == layers.len();
        let name = |suffix: &str| format!("fc{n}.{suffix}");
        let (inputs, outputs) = (layer.in_features, layer.out_features);
        // MatMulInteger's B is [K, N]; the file's weights are PyTorch's [out, in].
        let mut transposed = vec![0u8; inputs * outputs];
        for (o, row) in layer.weight.chunks_exact(inputs).enumerate() {
            for (i, &w) in row.iter().enumerate() {
                transposed[i * outputs + o] = w.to_le_bytes()[0];
            }
        }
        b.tensor(&name("weight"), INT8, &[inputs, outputs], transposed);
        b.scalar_i8(&name("input_zero_point"), layer.input_zero_point);
        // The file's bias has `−zp_in · Σ w` folded in; MatMulInteger subtracts the zero
        // point itself, so it is taken out again (exactly: all of it is integer).
        let mut bias = Vec::with_capacity(outputs);
        for (row, &folded) in layer.weight.chunks_exact(inputs).zip(layer.bias) {
            let sum: i64 = row.iter().map(|&w| i64::from(w)).sum();
            let plain = i64::from(folded) + i64::from(layer.input_zero_point) * sum;
            bias.push(i32::try_from(plain).map_err(|_| format!("{} overflows", name("bias")))?);
        }
        b.tensor(
            &name("bias"),
            INT32,
            &[outputs],
            le_bytes(&bias, i32::to_le_bytes),
        );
        let (mut multiplier, mut rounding, mut divisor) = (vec![], vec![], vec![]);
        for (&m, &s) in layer.multiplier.iter().zip(layer.shift) {
            let total = 31 + s.clamp(mnist_int8::MIN_SHIFT, mnist_int8::MAX_SHIFT);
            multiplier.push(i64::from(m));
            rounding.push(if total == 0 { 0 } else { 1i64 << (total - 1) });
            divisor.push(1i64 << total);
        }
        for (suffix, values) in [
            ("multiplier", &multiplier),
            ("rounding", &rounding),
            ("divisor", &divisor),
        ] {
            b.tensor(
                &name(suffix),
                INT64,
                &[outputs],
                le_bytes(values, i64::to_le_bytes),
            );
        }
        b.scalar_i64(
            &name("output_zero_point"),
            i64::from(layer.output_zero_point),
        );
        let floor = if last { -128 } else { layer.output_zero_point };
        b.scalar_i64(&name("floor"), i64::from(floor));

        let int64 = Some(("to", INT64));
        b.node(
            "MatMulInteger",
            &[&x, &name("weight"), &name("input_zero_point")],
            &name("matmul"),
            None,
        );
        b.node(
            "Add",
            &[&name("matmul"), &name("bias")],
            &name("accumulator"),
            None,
        );
        b.node(
            "Cast",
            &[&name("accumulator")],
            &name("accumulator64"),
            int64,
        );
        // |acc · m| ≤ 2⁶², plus the rounding half ≤ 2⁶¹: no int64 overflow.
        b.node(
            "Mul",
            &[&name("accumulator64"), &name("multiplier")],
            &name("product"),
            None,
        );
        b.node("Abs", &[&name("product")], &name("magnitude"), None);
        b.node("Sign", &[&name("product")], &name("sign"), None);
        b.node(
            "Add",
            &[&name("magnitude"), &name("rounding")],
            &name("half_up"),
            None,
        );
        // Of non-negative integers, so truncation is the floor the shift takes.
        b.node(
            "Div",
            &[&name("half_up"), &name("divisor")],
            &name("rounded"),
            None,
        );
        b.node(
            "Mul",
            &[&name("rounded"), &name("sign")],
            &name("requantized"),
            None,
        );
        b.node(
            "Add",
            &[&name("requantized"), &name("output_zero_point")],
            &name("shifted"),
            None,
        );
        b.node(
            "Clip",
            &[&name("shifted"), &name("floor"), "int8.max"],
            &name("clipped"),
            None,
        );
        x = name("output");
        b.node("Cast", &[&name("clipped")], &x, Some(("to", INT8)));
    }
    let (logit_scale, logit_zero_point) = view.logit_quantization();
    b.scalar_f32("logits.scale", logit_scale);
    b.scalar_i8("logits.zero_point", logit_zero_point);
    b.node(
        "DequantizeLinear",
        &[&x, "logits.scale", "logits.zero_point"],
        ONNX_OUTPUT,
        None,
    );
    b.annotate("input.quantized", "input.scale", "input.zero_point");
    b.annotate(&x, "logits.scale", "logits.zero_point");

    let mut onnx = ModelProto {
        ir_version: IR_VERSION,
        producer_name: "mnist-burn".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: "int8 MLP (mnist-int8): integer ops only between the input's \
                     QuantizeLinear and the logits' DequantizeLinear"
            .into(),
        graph: Some(b.graph).into(),
        ..Default::default()
    };
    onnx.opset_import.push(Default::default());
    if let Some(opset) = onnx.opset_import.last_mut() {
        opset.version = OPSET;
    }
    let mut metadata = Vec::new();
    if let Some(dataset) = &model.dataset {
        metadata.push((DATASET_KEY, dataset.clone()));
    }
    if let Some(names) = &model.class_names {
        metadata.push((CLASS_NAMES_KEY, json(names)?));
    }
    metadata.push(("int8_scales", json(&scales(model))?));
    for (key, value) in metadata {
        // The entry type is not re-exported by onnx-ir; it is reached through the field.
        onnx.metadata_props.push(Default::default());
        let entry = onnx.metadata_props.last_mut().ok_or("no entry")?;
        (entry.key, entry.value) = (key.to_string(), value);
    }
    onnx.write_to_bytes().map_err(|e| e.to_string())
}

/// The scales the integer graph folds away, named as in the int8 file.
fn scales(model: &QuantizedMlp) -> serde_json::Value {
    let mut scales = serde_json::Map::new();
    scales.insert("input.scale".into(), INPUT_SCALE.into());
    scales.insert("input.zero_point".into(), INPUT_ZERO_POINT.into());
    for (k, layer) in model.layers.iter().enumerate() {
        let n = k + 1;
        scales.insert(
            format!("fc{n}.weight_scale"),
            layer.weight_scale.clone().into(),
        );
        scales.insert(format!("fc{n}.output_scale"), layer.output_scale.into());
        scales.insert(
            format!("fc{n}.output_zero_point"),
            layer.output_zero_point.into(),
        );
    }
    scales.into()
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn le_bytes<T: Copy, const N: usize>(values: &[T], f: fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| f(v)).collect()
}

/// `[batch, width]` of `elem_type`, the batch axis symbolic.
fn value_info(name: &str, elem_type: i32, width: usize) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    shape.dim.push(Default::default());
    shape.dim.push(Default::default());
    shape.dim[0].set_dim_param("batch".into());
    shape.dim[1].set_dim_value(width as i64);
    let mut type_ = TypeProto::new();
    let tensor = type_.mut_tensor_type();
    tensor.elem_type = elem_type;
    tensor.shape = Some(shape).into();
    ValueInfoProto {
        name: name.into(),
        type_: Some(type_).into(),
        ..Default::default()
    }
}

struct Builder {
    graph: GraphProto,
}

impl Builder {
    fn tensor(&mut self, name: &str, data_type: i32, dims: &[usize], raw: Vec<u8>) {
        self.graph.initializer.push(TensorProto {
            name: name.into(),
            data_type,
            dims: dims.iter().map(|&d| d as i64).collect(),
            raw_data: raw.into(),
            ..Default::default()
        });
    }

    fn scalar_f32(&mut self, name: &str, value: f32) {
        self.tensor(name, FLOAT, &[], value.to_le_bytes().to_vec());
    }

    /// `value` is a validated zero point, in −128..=127.
    fn scalar_i8(&mut self, name: &str, value: i32) {
        let byte = (value.clamp(-128, 127) as i8).to_le_bytes().to_vec();
        self.tensor(name, INT8, &[], byte);
    }

    fn scalar_i64(&mut self, name: &str, value: i64) {
        self.tensor(name, INT64, &[], value.to_le_bytes().to_vec());
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str, int: Option<(&str, i32)>) {
        let mut node = NodeProto {
            op_type: op.into(),
            name: format!("{output}:{op}"),
            input: inputs.iter().map(|i| i.to_string()).collect(),
            output: vec![output.to_string()],
            ..Default::default()
        };
        if let Some((name, value)) = int {
            node.attribute.push(AttributeProto {
                name: name.into(),
                type_: AttributeType::INT.into(),
                i: i64::from(value),
                ..Default::default()
            });
        }
        self.graph.node.push(node);
    }

    /// Records that the int8 tensor `tensor` stands for `scale · (q − zero_point)`.
    fn annotate(&mut self, tensor: &str, scale: &str, zero_point: &str) {
        self.graph.quantization_annotation.push(Default::default());
        let Some(annotation) = self.graph.quantization_annotation.last_mut() else {
            return;
        };
        annotation.tensor_name = tensor.into();
        for (key, value) in [("SCALE_TENSOR", scale), ("ZERO_POINT_TENSOR", zero_point)] {
            annotation
                .quant_parameter_tensor_names
                .push(Default::default());
            if let Some(entry) = annotation.quant_parameter_tensor_names.last_mut() {
                (entry.key, entry.value) = (key.into(), value.into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> QuantizedMlp {
        let layers: Vec<mnist_int8::DenseF32> = [(784, 16), (16, 10)]
            .iter()
            .enumerate()
            .map(|(k, &(i, o))| mnist_int8::DenseF32 {
                weight: (0..i * o)
                    .map(|j| ((j * 37 + k) % 101) as f32 / 500.0 - 0.1)
                    .collect(),
                bias: (0..o).map(|j| j as f32 / 100.0 - 0.05).collect(),
                in_features: i,
                out_features: o,
            })
            .collect();
        let images: Vec<Vec<u8>> = (0..20)
            .map(|s| (0..784).map(|p| ((p * 13 + s * 71) % 256) as u8).collect())
            .collect();
        crate::quantized::quantize_for_dataset(&layers, crate::Dataset::MNIST, &images)
            .expect("quantizes")
    }

    #[test]
    fn the_graph_is_integer_between_named_float_io_and_records_the_scales() {
        let model = model();
        let onnx = ModelProto::parse_from_bytes(&int8_onnx_bytes(&model).expect("export"))
            .expect("parses");
        assert_eq!(onnx.opset_import[0].version, OPSET);
        let graph = onnx.graph.as_ref().expect("graph");
        assert_eq!(graph.input[0].name, ONNX_INPUT);
        assert_eq!(graph.output[0].name, ONNX_OUTPUT);
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(ops.first(), Some(&"QuantizeLinear"));
        assert_eq!(ops.last(), Some(&"DequantizeLinear"));
        assert_eq!(ops.iter().filter(|&&op| op == "MatMulInteger").count(), 2);
        assert!(!ops.contains(&"MatMul"), "{ops:?}");
        let weight = graph
            .initializer
            .iter()
            .find(|t| t.name == "fc1.weight")
            .expect("fc1.weight");
        assert_eq!(
            (weight.data_type, weight.dims.as_slice()),
            (INT8, &[784, 16][..])
        );
        // Transposed: element [i][o] is the file's [o][i].
        let file = &model.layers[0].weight;
        assert_eq!(weight.raw_data[16 * 5 + 3] as i8, file[3 * 784 + 5]);
        let metadata: Vec<(&str, &str)> = onnx
            .metadata_props
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(metadata[0], ("dataset", "mnist"));
        assert_eq!(metadata[1].0, "class_names");
        let scales: serde_json::Value = serde_json::from_str(metadata[2].1).expect("json");
        assert_eq!(
            scales["fc1.weight_scale"].as_array().map(Vec::len),
            Some(16)
        );
        assert_eq!(scales["fc1.output_zero_point"], -128);
    }

    #[test]
    fn an_invalid_model_is_refused() {
        let mut model = model();
        model.layers[1].shift[0] = 99;
        assert!(int8_onnx_bytes(&model).is_err());
    }
}
