//! Keras 3's weights file (`model.weights.h5`, alone or inside a `.keras` archive): one
//! group per layer under `layers/`, named after the layer's class and its count among
//! layers of that class (`dense`, `dense_1`, …, whatever names the user gave), holding the
//! layer's variables as datasets `vars/0` (kernel), `vars/1` (bias).

use hdf5_pure::{AttrValue, File, FileBuilder, Group};

use crate::KerasError;
use crate::assemble;
use crate::h5::{self, Tensor};
use crate::layers::{Dense, check_chain};

/// The group of the `index`-th layer of class `Dense` (0-based).
pub(crate) fn dense_path(index: usize) -> String {
    if index == 0 {
        "layers/dense".into()
    } else {
        format!("layers/dense_{index}")
    }
}

/// The variables of the layer group at `path`, in order (`vars/0`, `vars/1`, …).
pub(crate) fn vars(file: &File, path: &str, layer: &str) -> Result<Vec<Tensor>, KerasError> {
    let group = file.group(path).map_err(|e| {
        KerasError::weights(
            layer,
            format!("no weights at `{path}` in model.weights.h5: {e}"),
        )
    })?;
    let Ok(vars) = group.group("vars") else {
        return Ok(Vec::new());
    };
    let mut names = vars
        .datasets()
        .map_err(|e| KerasError::Hdf5(e.to_string()))?;
    names.sort_by_key(|n| n.parse::<usize>().unwrap_or(usize::MAX));
    names
        .iter()
        .map(|name| h5::tensor(&vars, name, layer))
        .collect()
}

/// The dense layers of a bare `.weights.h5`, which has no config: layers are ordered by
/// their group names (`dense`, `dense_1`, …, which Keras numbers in model order) and any
/// other layer with weights is refused. Activations are unknown.
pub(crate) fn read_by_names(file: &File) -> Result<Vec<Dense>, KerasError> {
    let layers = file.group("layers").map_err(|_| {
        KerasError::NotKerasWeights(
            "no `layers` group (Keras 3) and no `layer_names` attribute (legacy Keras)".into(),
        )
    })?;
    let mut dense = Vec::new();
    for name in layers
        .groups()
        .map_err(|e| KerasError::Hdf5(e.to_string()))?
    {
        let group = layers
            .group(&name)
            .map_err(|e| KerasError::Hdf5(e.to_string()))?;
        if group.group("layers").is_ok() {
            return Err(KerasError::Unsupported {
                layer: name,
                class: "a nested model".into(),
            });
        }
        if !has_vars(&group)? {
            continue;
        }
        let index = match name.strip_prefix("dense") {
            Some("") => 0,
            Some(suffix) => suffix
                .strip_prefix('_')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| unsupported(&name))?,
            None => return Err(unsupported(&name)),
        };
        let tensors = vars(file, &format!("layers/{name}"), &name)?;
        dense.push((index, assemble::dense(&name, tensors, None)?));
    }
    dense.sort_by_key(|(index, _)| *index);
    let dense: Vec<Dense> = dense.into_iter().map(|(_, layer)| layer).collect();
    check_chain(&dense)?;
    Ok(dense)
}

fn has_vars(group: &Group) -> Result<bool, KerasError> {
    match group.group("vars") {
        Ok(vars) => Ok(!vars
            .datasets()
            .map_err(|e| KerasError::Hdf5(e.to_string()))?
            .is_empty()),
        Err(_) => Ok(false),
    }
}

/// A layer group named after another class than Dense (`conv2d_1` → `Conv2D`-like).
fn unsupported(name: &str) -> KerasError {
    let class = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    KerasError::Unsupported {
        layer: name.to_string(),
        class: format!("a `{class}` layer with weights"),
    }
}

/// Writes the layers as Keras 3's `model.weights.h5` of a Sequential model whose first
/// layer is a `Flatten` when `flatten` is set, exactly as `model.save_weights` lays it out,
/// so that `model.load_weights` reads it into the same architecture.
pub fn write_weights_h5(layers: &[Dense], flatten: bool) -> Result<Vec<u8>, KerasError> {
    let mut builder = FileBuilder::new();
    let mut group = builder.create_group("layers");
    let mut names: Vec<String> = (0..layers.len())
        .map(|i| dense_path(i).trim_start_matches("layers/").to_string())
        .collect();
    if flatten {
        names.push("flatten".into());
    }
    for (index, name) in names.iter().enumerate() {
        let mut layer = group.create_group(name);
        let mut vars = layer.create_group("vars");
        vars.set_attr("name", AttrValue::VarLenString(name.clone()));
        if let Some(dense) = layers.get(index) {
            vars.create_dataset("0")
                .with_f32_data(&dense.kernel)
                .with_shape(&[dense.inputs as u64, dense.units as u64]);
            vars.create_dataset("1")
                .with_f32_data(&dense.bias)
                .with_shape(&[dense.units as u64]);
        }
        layer.add_group(vars.finish());
        group.add_group(layer.finish());
    }
    builder.add_group(group.finish());
    let mut model_vars = builder.create_group("vars");
    model_vars.set_attr("name", AttrValue::VarLenString("sequential".into()));
    builder.add_group(model_vars.finish());
    builder
        .finish()
        .map_err(|e| KerasError::Hdf5(format!("cannot write: {e}")))
}
