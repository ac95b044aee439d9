//! Layers → a checked [`Int8Mlp`]: every width, length and range once, so the forward pass
//! can index without checks and never panics.

use crate::types::{
    CLASSES, Field, INPUT_LEN, INPUT_ZERO_POINT, Int8Dense, Int8Mlp, MAX_LAYERS, MAX_SHIFT,
    MAX_WIDTH, MIN_SHIFT, ViewError,
};

impl<'a> Int8Mlp<'a> {
    /// Checks `layers` (784 → … → 10, at most [`MAX_LAYERS`], hidden widths up to
    /// [`MAX_WIDTH`], every array as long as its width, multipliers non-negative, shifts in
    /// `MIN_SHIFT..=MAX_SHIFT`, zero points in `-128..=127` and chained from
    /// [`INPUT_ZERO_POINT`]) and copies them into a model.
    pub fn new(layers: &[Int8Dense<'a>]) -> Result<Self, ViewError> {
        if layers.is_empty() || layers.len() > MAX_LAYERS {
            return Err(ViewError::LayerCount {
                found: layers.len(),
            });
        }
        let last = layers.len() - 1;
        let mut expected_in = INPUT_LEN;
        let mut expected_zero_point = INPUT_ZERO_POINT;
        let mut model = Int8Mlp {
            layers: [Int8Dense::EMPTY; MAX_LAYERS],
            len: layers.len(),
        };
        for (k, (layer, slot)) in layers.iter().zip(model.layers.iter_mut()).enumerate() {
            check_layer(k, layer, expected_in, k == last)?;
            if layer.input_zero_point != expected_zero_point {
                return Err(value(k, Field::InputZeroPoint, 0));
            }
            expected_in = layer.out_features;
            expected_zero_point = layer.output_zero_point;
            *slot = *layer;
        }
        Ok(model)
    }
}

fn value(layer: usize, field: Field, index: usize) -> ViewError {
    ViewError::Value {
        layer,
        field,
        index,
    }
}

fn check_layer(
    k: usize,
    layer: &Int8Dense<'_>,
    expected_in: usize,
    last: bool,
) -> Result<(), ViewError> {
    if layer.in_features != expected_in {
        return Err(ViewError::Width {
            layer: k,
            inputs: true,
            expected: expected_in,
            found: layer.in_features,
        });
    }
    let out = layer.out_features;
    if last && out != CLASSES {
        return Err(ViewError::Width {
            layer: k,
            inputs: false,
            expected: CLASSES,
            found: out,
        });
    }
    if !last && (out == 0 || out > MAX_WIDTH) {
        return Err(ViewError::Width {
            layer: k,
            inputs: false,
            expected: MAX_WIDTH,
            found: out,
        });
    }
    // Both widths are at most INPUT_LEN here, so the product cannot overflow.
    let lengths = [
        (Field::Weight, layer.weight.len(), out * layer.in_features),
        (Field::Bias, layer.bias.len(), out),
        (Field::Multiplier, layer.multiplier.len(), out),
        (Field::Shift, layer.shift.len(), out),
    ];
    for (field, found, expected) in lengths {
        if found != expected {
            return Err(ViewError::Length {
                layer: k,
                field,
                expected,
                found,
            });
        }
    }
    if let Some(i) = layer.multiplier.iter().position(|&m| m < 0) {
        return Err(value(k, Field::Multiplier, i));
    }
    if let Some(i) = layer
        .shift
        .iter()
        .position(|s| !(MIN_SHIFT..=MAX_SHIFT).contains(s))
    {
        return Err(value(k, Field::Shift, i));
    }
    if !(-128..=127).contains(&layer.input_zero_point) {
        return Err(value(k, Field::InputZeroPoint, 0));
    }
    if !(-128..=127).contains(&layer.output_zero_point) {
        return Err(value(k, Field::OutputZeroPoint, 0));
    }
    if !(layer.output_scale.is_finite() && layer.output_scale > 0.0) {
        return Err(value(k, Field::OutputScale, 0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Owned {
        weight: [i8; INPUT_LEN * CLASSES],
        bias: [i32; CLASSES],
        multiplier: [i32; CLASSES],
        shift: [i32; CLASSES],
    }

    fn owned() -> Owned {
        Owned {
            weight: [1; INPUT_LEN * CLASSES],
            bias: [0; CLASSES],
            multiplier: [1 << 30; CLASSES],
            shift: [0; CLASSES],
        }
    }

    fn layer(o: &Owned) -> Int8Dense<'_> {
        Int8Dense {
            in_features: INPUT_LEN,
            out_features: CLASSES,
            weight: &o.weight,
            bias: &o.bias,
            multiplier: &o.multiplier,
            shift: &o.shift,
            input_zero_point: INPUT_ZERO_POINT,
            output_zero_point: 0,
            output_scale: 0.1,
        }
    }

    #[test]
    fn a_single_layer_model_is_accepted() {
        let o = owned();
        let model = Int8Mlp::new(&[layer(&o)]).expect("valid");
        assert_eq!(model.layers().len(), 1);
        assert_eq!(model.architecture().widths(), &[784, 10]);
    }

    #[test]
    fn every_bad_field_is_named() {
        let o = owned();
        let good = layer(&o);
        assert_eq!(Int8Mlp::new(&[]), Err(ViewError::LayerCount { found: 0 }));
        assert_eq!(
            Int8Mlp::new(&[good; 5]),
            Err(ViewError::LayerCount { found: 5 })
        );
        let cases = [
            (
                Int8Dense {
                    weight: &o.weight[1..],
                    ..good
                },
                ViewError::Length {
                    layer: 0,
                    field: Field::Weight,
                    expected: 7840,
                    found: 7839,
                },
            ),
            (
                Int8Dense {
                    shift: &[32; CLASSES],
                    ..good
                },
                value(0, Field::Shift, 0),
            ),
            (
                Int8Dense {
                    multiplier: &[1, 2, -3, 4, 5, 6, 7, 8, 9, 10],
                    ..good
                },
                value(0, Field::Multiplier, 2),
            ),
            (
                Int8Dense {
                    output_zero_point: 128,
                    ..good
                },
                value(0, Field::OutputZeroPoint, 0),
            ),
            (
                Int8Dense {
                    output_scale: f32::NAN,
                    ..good
                },
                value(0, Field::OutputScale, 0),
            ),
            (
                Int8Dense {
                    input_zero_point: 0,
                    ..good
                },
                value(0, Field::InputZeroPoint, 0),
            ),
            (
                Int8Dense {
                    in_features: 783,
                    ..good
                },
                ViewError::Width {
                    layer: 0,
                    inputs: true,
                    expected: 784,
                    found: 783,
                },
            ),
        ];
        for (bad, expected) in cases {
            assert_eq!(Int8Mlp::new(&[bad]), Err(expected));
        }
    }

    #[test]
    fn a_chain_of_layers_must_agree_on_widths_and_zero_points() {
        let weight1 = [0i8; INPUT_LEN * 3];
        let weight2 = [0i8; 3 * CLASSES];
        let small = [0i32; 3];
        let first = Int8Dense {
            in_features: INPUT_LEN,
            out_features: 3,
            weight: &weight1,
            bias: &small,
            multiplier: &small,
            shift: &small,
            input_zero_point: INPUT_ZERO_POINT,
            output_zero_point: -128,
            output_scale: 0.5,
        };
        let o = owned();
        let second = Int8Dense {
            in_features: 3,
            weight: &weight2,
            input_zero_point: -128,
            ..layer(&o)
        };
        assert!(Int8Mlp::new(&[first, second]).is_ok());
        let shifted = Int8Dense {
            input_zero_point: -127,
            ..second
        };
        assert_eq!(
            Int8Mlp::new(&[first, shifted]),
            Err(value(1, Field::InputZeroPoint, 0))
        );
        // A hidden layer must not give 10 outputs just because the last one does.
        assert_eq!(
            Int8Mlp::new(&[first, first]),
            Err(ViewError::Width {
                layer: 1,
                inputs: true,
                expected: 3,
                found: 784
            })
        );
    }
}
