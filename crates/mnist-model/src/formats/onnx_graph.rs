//! The f32 model as an ONNX graph, by Burn's own exporter (`burn-onnx`'s `export` feature),
//! which traces the model's forward pass and so cannot drift from it.

use burn::prelude::*;
use burn_onnx::export::{AxisSpec, InputSpec, OnnxExporter};
use onnx_ir::{Message, ModelProto};

use mnist_dataset::Dataset;

use super::onnx::{ONNX_INPUT, ONNX_OUTPUT};
use crate::mlp::{INPUTS, Mlp};
use crate::provenance::{CLASS_NAMES_KEY, DATASET_KEY, class_names_json};

/// `mlp`'s graph (opset 18), `dataset` in its metadata.
pub fn f32_onnx_bytes(mlp: &Mlp, dataset: Dataset) -> Result<Vec<u8>, String> {
    let device = Device::default();
    // Two traces with different batch sizes tell the exporter which axis is the batch.
    let sample = Tensor::<2>::zeros([1, INPUTS], &device);
    let validation = Tensor::<2>::zeros([2, INPUTS], &device);
    let specs = [InputSpec::new([
        AxisSpec::dynamic("batch"),
        AxisSpec::Static,
    ])];
    let onnx = OnnxExporter::new()
        .export_dynamic(mlp, sample, validation, &specs, Mlp::forward)
        .map_err(|e| format!("ONNX export failed: {e}"))?;
    named(onnx.as_bytes(), dataset).map_err(|e| format!("ONNX export: {e}"))
}

/// Renames the graph's one input and one output from the tracer's tensor numbers
/// (`tensor_4`, …) to [`ONNX_INPUT`] and [`ONNX_OUTPUT`], the names runtimes' users address,
/// and records `dataset` in the model's metadata.
fn named(bytes: &[u8], dataset: Dataset) -> Result<Vec<u8>, String> {
    let mut model = ModelProto::parse_from_bytes(bytes).map_err(|e| e.to_string())?;
    for (key, value) in [
        (DATASET_KEY, dataset.name.to_string()),
        (CLASS_NAMES_KEY, class_names_json(dataset)),
    ] {
        // The entry type is not re-exported by onnx-ir; it is reached through the field.
        model.metadata_props.push(Default::default());
        let entry = model.metadata_props.last_mut().ok_or("no entry")?;
        (entry.key, entry.value) = (key.to_string(), value);
    }
    let graph = model.graph.as_mut().ok_or("no graph")?;
    let (Some(input), Some(output)) = (graph.input.first(), graph.output.first()) else {
        return Err("the graph has no input or no output".into());
    };
    let renames = [
        (input.name.clone(), ONNX_INPUT),
        (output.name.clone(), ONNX_OUTPUT),
    ];
    for (old, new) in &renames {
        let node_names = graph
            .node
            .iter_mut()
            .flat_map(|node| node.input.iter_mut().chain(node.output.iter_mut()));
        let value_names = graph
            .input
            .iter_mut()
            .chain(graph.output.iter_mut())
            .chain(graph.value_info.iter_mut())
            .map(|value| &mut value.name);
        for name in node_names.chain(value_names) {
            if name == old {
                *name = (*new).to_string();
            }
        }
    }
    model.write_to_bytes().map_err(|e| e.to_string())
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::onnx::Onnx;
    use crate::formats::types::{ToWrite, Writer};
    use crate::mlp::{CLASSES, MlpConfig};

    /// The dimensions of a graph input or output: a name for a symbolic axis, else its size.
    fn dims(value: &onnx_ir::ValueInfoProto) -> Vec<String> {
        value
            .type_
            .tensor_type()
            .shape
            .dim
            .iter()
            .map(|d| {
                if d.has_dim_param() {
                    d.dim_param().to_string()
                } else {
                    d.dim_value().to_string()
                }
            })
            .collect()
    }

    #[test]
    fn the_graph_has_named_io_a_dynamic_batch_and_the_weights() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("model.onnx");
        let config = MlpConfig {
            hidden: vec![16, 8],
            dropout: 0.3,
        };
        let mlp = config.init(&Device::default());
        let model = ToWrite::F32 {
            mlp: &mlp,
            config: &config,
            dataset: Dataset::FASHION_MNIST,
        };
        Onnx.write(model, &path).expect("export");
        let model =
            ModelProto::parse_from_bytes(&std::fs::read(&path).expect("read")).expect("parses");
        assert!(model.opset_import.iter().any(|o| o.version >= 13));
        let graph = model.graph.as_ref().expect("graph");
        assert_eq!(graph.input.len(), 1);
        assert_eq!(graph.input[0].name, ONNX_INPUT);
        assert_eq!(dims(&graph.input[0]), ["batch", &INPUTS.to_string()]);
        assert_eq!(graph.output[0].name, ONNX_OUTPUT);
        assert_eq!(dims(&graph.output[0]), ["batch", &CLASSES.to_string()]);
        let ops: Vec<&str> = graph.node.iter().map(|n| n.op_type.as_str()).collect();
        assert!(
            ops.contains(&"Relu") && !ops.iter().any(|op| op.contains("Dropout")),
            "{ops:?}"
        );
        // Float initializers are the weights; the exporter adds a few integer shape constants.
        const FLOAT: i32 = 1;
        let weights: usize = graph
            .initializer
            .iter()
            .filter(|t| t.data_type == FLOAT)
            .map(|t| t.dims.iter().product::<i64>() as usize)
            .sum();
        assert_eq!(weights, config.num_params());
        assert!(
            graph
                .node
                .iter()
                .any(|n| n.input.iter().any(|i| i == ONNX_INPUT))
        );
        assert!(
            graph
                .node
                .iter()
                .any(|n| n.output.iter().any(|o| o == ONNX_OUTPUT))
        );
        let metadata: Vec<(&str, &str)> = model
            .metadata_props
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(metadata[0], ("dataset", "fashion-mnist"));
        assert_eq!(metadata[1].0, "class_names");
        assert!(metadata[1].1.starts_with(r#"["T-shirt/top","Trouser""#));
    }
}
