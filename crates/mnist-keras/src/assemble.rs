//! From a layer's weight tensors, and the config's layer list when there is one, to
//! [`Dense`] layers in order.

use crate::KerasError;
use crate::config::{Layer, ModelConfig};
use crate::h5::Tensor;
use crate::layers::{Activation, Dense, check_chain};

/// A `Dense` layer from its tensors: the kernel `[inputs, units]`, then the bias `[units]`
/// unless the layer has none.
pub(crate) fn dense(
    name: &str,
    mut tensors: Vec<Tensor>,
    activation: Option<Activation>,
) -> Result<Dense, KerasError> {
    let shapes: Vec<&[usize]> = tensors.iter().map(|t| t.shape.as_slice()).collect();
    let (inputs, units) = match shapes.as_slice() {
        [[inputs, units]] => (*inputs, *units),
        [[inputs, units], [bias]] if bias == units => (*inputs, *units),
        _ => {
            return Err(KerasError::Unsupported {
                layer: name.to_string(),
                class: format!(
                    "weights of shapes {shapes:?}, not a Dense layer's [in, out] and [out]"
                ),
            });
        }
    };
    let bias = if tensors.len() == 2 {
        tensors.pop().map(|t| t.values).unwrap_or_default()
    } else {
        vec![0.0; units]
    };
    let kernel = tensors.pop().map(|t| t.values).unwrap_or_default();
    Ok(Dense {
        name: name.to_string(),
        inputs,
        units,
        kernel,
        bias,
        activation,
    })
}

/// The dense layers of `config`, in its order, with their weights from `weights_of(index,
/// name)` (the index counts Dense layers only) and the activations that follow them.
pub(crate) fn with_config(
    config: &ModelConfig,
    mut weights_of: impl FnMut(usize, &str) -> Result<Vec<Tensor>, KerasError>,
) -> Result<Vec<Dense>, KerasError> {
    let mut layers: Vec<Dense> = Vec::new();
    for layer in &config.layers {
        match layer {
            Layer::Passive => {}
            Layer::Dense {
                name,
                units,
                activation,
                use_bias,
            } => {
                let tensors = weights_of(layers.len(), name)?;
                if tensors.len() != 1 + usize::from(*use_bias) {
                    return Err(KerasError::weights(
                        name,
                        format!(
                            "has {} weight tensors; a Dense layer {} a bias has {}",
                            tensors.len(),
                            if *use_bias { "with" } else { "without" },
                            1 + usize::from(*use_bias)
                        ),
                    ));
                }
                let dense = dense(name, tensors, Some(activation.clone()))?;
                if dense.units != *units {
                    return Err(KerasError::weights(
                        name,
                        format!(
                            "has {} units in its weights but {units} in the config",
                            dense.units
                        ),
                    ));
                }
                layers.push(dense);
            }
            Layer::Activation { name, activation } => {
                let previous = layers.last_mut().ok_or_else(|| KerasError::Unsupported {
                    layer: name.clone(),
                    class: "an activation before the first Dense layer".into(),
                })?;
                if previous.activation != Some(Activation::Linear) {
                    return Err(KerasError::Unsupported {
                        layer: name.clone(),
                        class: format!("a second activation after `{}`", previous.name),
                    });
                }
                previous.activation = Some(activation.clone());
            }
        }
    }
    check_chain(&layers)?;
    Ok(layers)
}
