//! The model config Keras stores beside the weights (`config.json` in a `.keras` archive,
//! the `model_config` attribute of a legacy `.h5`): which layers, in which order, with which
//! activations. Both use the same JSON shape: `{"class_name": "Sequential", "config":
//! {"layers": [{"class_name": "Dense", "config": {"name": …, "units": …}}, …]}}`.

use serde_json::Value;

use crate::KerasError;
use crate::layers::Activation;

/// A layer of the config, reduced to what matters to an MLP.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Layer {
    /// A `Dense` layer.
    Dense {
        name: String,
        units: usize,
        activation: Activation,
        use_bias: bool,
    },
    /// An activation applied to the previous layer's output (`Activation`, `ReLU`,
    /// `Softmax`).
    Activation {
        name: String,
        activation: Activation,
    },
    /// A layer without weights that does not change the numbers (`InputLayer`, `Flatten`,
    /// `Dropout`, which is off at inference).
    Passive,
}

/// The layers of a model config, in order, and the input shape without the batch axis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelConfig {
    pub input_shape: Option<Vec<usize>>,
    pub layers: Vec<Layer>,
}

/// Parses a Sequential or Functional model config.
pub(crate) fn parse(json: &str) -> Result<ModelConfig, KerasError> {
    let root: Value = serde_json::from_str(json).map_err(|e| KerasError::Config(e.to_string()))?;
    let class = root.get("class_name").and_then(Value::as_str).unwrap_or("");
    if !matches!(class, "Sequential" | "Functional" | "Model") {
        return Err(KerasError::Config(format!(
            "the model is a `{class}`; expected a Sequential or Functional model"
        )));
    }
    // Keras 2.0–2.2 wrote a Sequential's layers as the config itself.
    let config = root.get("config").unwrap_or(&Value::Null);
    let layers = config
        .get("layers")
        .or(Some(config))
        .and_then(Value::as_array)
        .ok_or_else(|| KerasError::Config("no `layers` list".into()))?;
    let mut input_shape = config
        .get("build_input_shape")
        .and_then(shape_without_batch);
    let mut parsed = Vec::with_capacity(layers.len());
    for layer in layers {
        let class = layer
            .get("class_name")
            .and_then(Value::as_str)
            .ok_or_else(|| KerasError::Config("a layer without `class_name`".into()))?;
        let config = layer.get("config").unwrap_or(&Value::Null);
        let name = config
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(class)
            .to_string();
        if input_shape.is_none() {
            input_shape = ["batch_shape", "batch_input_shape"]
                .iter()
                .find_map(|key| config.get(*key).and_then(shape_without_batch));
        }
        parsed.push(layer_of(class, name, config)?);
    }
    Ok(ModelConfig {
        input_shape,
        layers: parsed,
    })
}

fn layer_of(class: &str, name: String, config: &Value) -> Result<Layer, KerasError> {
    let unsupported = |name: String| KerasError::Unsupported {
        layer: name,
        class: class.to_string(),
    };
    Ok(match class {
        "InputLayer" | "Flatten" | "Dropout" => Layer::Passive,
        "Dense" => {
            let units = config
                .get("units")
                .and_then(Value::as_u64)
                .ok_or_else(|| KerasError::Config(format!("Dense layer `{name}` has no units")))?;
            Layer::Dense {
                activation: activation(config.get("activation")),
                use_bias: config
                    .get("use_bias")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
                units: units as usize,
                name,
            }
        }
        "Activation" => Layer::Activation {
            activation: activation(config.get("activation")),
            name,
        },
        "Softmax" => Layer::Activation {
            activation: Activation::Softmax,
            name,
        },
        // ReLU with its defaults only: a leak, a cap or a threshold is another function.
        "ReLU" if is_plain_relu(config) => Layer::Activation {
            activation: Activation::Relu,
            name,
        },
        _ => return Err(unsupported(name)),
    })
}

fn is_plain_relu(config: &Value) -> bool {
    let zero_or_absent = |key: &str| {
        config
            .get(key)
            .is_none_or(|v| v.is_null() || v.as_f64() == Some(0.0))
    };
    zero_or_absent("negative_slope")
        && zero_or_absent("threshold")
        && config.get("max_value").is_none_or(Value::is_null)
}

/// An activation as Keras serialises it: a name, or (Keras 3) `{"class_name": "function",
/// "config": "relu", …}`.
fn activation(value: Option<&Value>) -> Activation {
    match value {
        None | Some(Value::Null) => Activation::Linear,
        Some(Value::String(name)) => Activation::from_name(name),
        Some(object) => {
            let name = object
                .get("config")
                .and_then(Value::as_str)
                .or_else(|| object.get("class_name").and_then(Value::as_str))
                .unwrap_or("unknown");
            Activation::from_name(&name.to_ascii_lowercase())
        }
    }
}

/// `[null, 28, 28]` → `[28, 28]`.
fn shape_without_batch(value: &Value) -> Option<Vec<usize>> {
    let dims = value.as_array()?;
    dims.get(1..)?
        .iter()
        .map(|d| d.as_u64().map(|d| d as usize))
        .collect()
}

/// Writes the config of a Sequential model: `InputLayer` of `input_shape`, `Flatten` when
/// that has more than one axis, then one `Dense` per `(units, activation)`.
pub(crate) fn sequential(input_shape: &[usize], dense: &[(usize, &str)]) -> Value {
    use serde_json::json;
    let dtype = json!({"module": "keras", "class_name": "DTypePolicy",
                       "config": {"name": "float32"}, "registered_name": null});
    let flat: usize = input_shape.iter().product();
    let mut batch_shape = vec![Value::Null];
    batch_shape.extend(input_shape.iter().map(|&d| json!(d)));
    let mut layers = vec![json!({
        "module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
        "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": false,
                   "ragged": false, "name": "input_layer", "optional": false},
    })];
    if input_shape.len() > 1 {
        layers.push(json!({
            "module": "keras.layers", "class_name": "Flatten", "registered_name": null,
            "config": {"name": "flatten", "trainable": true, "dtype": dtype,
                       "data_format": "channels_last"},
            "build_config": {"input_shape": batch_shape},
        }));
    }
    let mut inputs = flat;
    for (index, &(units, activation)) in dense.iter().enumerate() {
        let name = if index == 0 {
            "dense".to_string()
        } else {
            format!("dense_{index}")
        };
        layers.push(json!({
            "module": "keras.layers", "class_name": "Dense", "registered_name": null,
            "config": {
                "name": name, "trainable": true, "dtype": dtype, "units": units,
                "activation": activation, "use_bias": true,
                "kernel_initializer": {"module": "keras.initializers",
                    "class_name": "GlorotUniform", "config": {"seed": null},
                    "registered_name": null},
                "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                    "config": {}, "registered_name": null},
                "kernel_regularizer": null, "bias_regularizer": null,
                "kernel_constraint": null, "bias_constraint": null,
            },
            "build_config": {"input_shape": [null, inputs]},
        }));
        inputs = units;
    }
    json!({
        "module": "keras", "class_name": "Sequential", "registered_name": null,
        "config": {"name": "sequential", "trainable": true, "dtype": dtype,
                   "layers": layers, "build_input_shape": batch_shape},
        "build_config": {"input_shape": batch_shape},
        "compile_config": null,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_config_reads_back() {
        let json = sequential(&[28, 28], &[(128, "relu"), (10, "softmax")]).to_string();
        let config = parse(&json).expect("parses");
        assert_eq!(config.input_shape, Some(vec![28, 28]));
        assert_eq!(config.layers.len(), 4);
        assert_eq!(config.layers[0], Layer::Passive);
        assert_eq!(
            config.layers[3],
            Layer::Dense {
                name: "dense_1".into(),
                units: 10,
                activation: Activation::Softmax,
                use_bias: true
            }
        );
    }

    #[test]
    fn other_layers_and_models_are_refused_by_name() {
        let conv = r#"{"class_name": "Sequential", "config": {"layers": [
            {"class_name": "Conv2D", "config": {"name": "edges"}}]}}"#;
        assert_eq!(
            parse(conv),
            Err(KerasError::Unsupported {
                layer: "edges".into(),
                class: "Conv2D".into()
            })
        );
        let leaky = r#"{"class_name": "Sequential", "config": {"layers": [
            {"class_name": "ReLU", "config": {"name": "r", "negative_slope": 0.1}}]}}"#;
        assert!(matches!(parse(leaky), Err(KerasError::Unsupported { .. })));
        let custom = r#"{"class_name": "MyModel", "config": {}}"#;
        assert!(
            parse(custom)
                .expect_err("refused")
                .to_string()
                .contains("`MyModel`")
        );
    }

    #[test]
    fn activations_in_every_serialised_form() {
        assert_eq!(activation(None), Activation::Linear);
        assert_eq!(activation(Some(&"relu".into())), Activation::Relu);
        let keras3: Value = serde_json::from_str(
            r#"{"module": "keras.activations", "class_name": "function", "config": "softmax"}"#,
        )
        .expect("json");
        assert_eq!(activation(Some(&keras3)), Activation::Softmax);
        assert_eq!(
            activation(Some(&"tanh".into())),
            Activation::Other("tanh".into())
        );
    }
}
