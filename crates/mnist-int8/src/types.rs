//! The types every part of the crate shares: the borrowed int8 model, its layers, a reading,
//! the limits, and why a set of layers is not a model.

use core::fmt;

/// Pixels in one image: 28×28, row-major.
pub const INPUT_LEN: usize = 784;
/// Classes, hence logits.
pub const CLASSES: usize = 10;
/// Dense layers a model may stack (784-…-10).
pub const MAX_LAYERS: usize = 4;
/// The widest hidden layer: the forward pass keeps two buffers of this many `i8` on the stack.
pub const MAX_WIDTH: usize = 256;
/// The input's zero point: `q = pixel − 128`.
pub const INPUT_ZERO_POINT: i32 = -128;
/// The input's scale: `pixel / 255 = (q + 128) / 255`.
pub const INPUT_SCALE: f32 = 1.0 / 255.0;
/// The smallest `shift` (a left shift by 31 bits: multipliers up to 2³¹).
pub const MIN_SHIFT: i32 = -31;
/// The largest `shift` (a right shift by 62 bits in all, with the multiplier's 31).
pub const MAX_SHIFT: i32 = 31;

/// One int8 dense layer, borrowed: `y = requantize(bias + W·x)` with `x` and `y` int8.
///
/// Plain data so generated firmware code can build it in a `static`; it is checked when an
/// [`Int8Mlp`] is made of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Int8Dense<'a> {
    /// Inputs (columns of `weight`).
    pub in_features: usize,
    /// Outputs (rows of `weight`).
    pub out_features: usize,
    /// Row-major `[out][in]`, symmetric per output row (zero point 0).
    pub weight: &'a [i8],
    /// `[out]`, in units of `input_scale · weight_scale[o]`, with the input zero point already
    /// folded in: `round(b / (s_in · s_w[o])) − zp_in · Σᵢ w[o][i]`.
    pub bias: &'a [i32],
    /// `[out]`: the Q31 fixed-point part of `s_in · s_w[o] / s_out`, in `0..=i32::MAX`.
    pub multiplier: &'a [i32],
    /// `[out]`: `s_in · s_w[o] / s_out ≈ multiplier · 2^−(31 + shift)`, in
    /// `MIN_SHIFT..=MAX_SHIFT`.
    pub shift: &'a [i32],
    /// The zero point of this layer's input (the previous layer's output zero point, or
    /// [`INPUT_ZERO_POINT`]).
    pub input_zero_point: i32,
    /// The zero point of this layer's output, in `-128..=127`; for hidden layers also the ReLU
    /// floor.
    pub output_zero_point: i32,
    /// The real value of one output step (only for dequantizing; inference uses no floats).
    pub output_scale: f32,
}

impl Int8Dense<'_> {
    /// A layer of no width, the filler of [`Int8Mlp`]'s fixed array.
    pub const EMPTY: Int8Dense<'static> = Int8Dense {
        in_features: 0,
        out_features: 0,
        weight: &[],
        bias: &[],
        multiplier: &[],
        shift: &[],
        input_zero_point: 0,
        output_zero_point: 0,
        output_scale: 1.0,
    };
}

/// A checked stack of int8 dense layers, 784 → … → 10, ReLU after every layer but the last.
///
/// Made only by [`Int8Mlp::new`], which checks every width, length and range once, so the
/// forward pass needs no checks and cannot panic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Int8Mlp<'a> {
    pub(crate) layers: [Int8Dense<'a>; MAX_LAYERS],
    pub(crate) len: usize,
}

impl<'a> Int8Mlp<'a> {
    /// The layers, first to last.
    pub fn layers(&self) -> &[Int8Dense<'a>] {
        self.layers.get(..self.len).unwrap_or(&[])
    }

    /// The widths, e.g. `[784, 128, 10]`, written `784-128-10` by [`Architecture`]'s
    /// `Display`.
    pub fn architecture(&self) -> Architecture {
        let mut widths = [0; MAX_LAYERS + 1];
        widths[0] = INPUT_LEN;
        for (w, layer) in widths.iter_mut().skip(1).zip(self.layers()) {
            *w = layer.out_features;
        }
        Architecture {
            widths,
            len: self.len + 1,
        }
    }

    /// The logits' scale and zero point: `real = scale · (q − zero_point)`.
    pub fn logit_quantization(&self) -> (f32, i32) {
        self.layers()
            .last()
            .map_or((1.0, 0), |l| (l.output_scale, l.output_zero_point))
    }
}

/// The widths of a model, input first; `Display` writes them as `784-256-128-10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Architecture {
    widths: [usize; MAX_LAYERS + 1],
    len: usize,
}

impl Architecture {
    /// The widths, input first.
    pub fn widths(&self) -> &[usize] {
        self.widths.get(..self.len).unwrap_or(&[])
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, w) in self.widths().iter().enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            write!(f, "{w}")?;
        }
        Ok(())
    }
}

/// A reading: the class (argmax of the logits, the lowest index on ties) and the int8 logits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    /// `0..CLASSES`.
    pub class: usize,
    /// The last layer's int8 outputs.
    pub logits: [i8; CLASSES],
}

/// Which array or value of a layer a [`ViewError`] is about; [`Field::suffix`] names it as
/// the int8 file does (`weight` → `fc1.weight`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `weight`.
    Weight,
    /// `bias`.
    Bias,
    /// `multiplier`.
    Multiplier,
    /// `shift`.
    Shift,
    /// `input_zero_point` (the previous layer's `output_zero_point` in the file).
    InputZeroPoint,
    /// `output_zero_point`.
    OutputZeroPoint,
    /// `output_scale`.
    OutputScale,
}

impl Field {
    /// The file's tensor name suffix: `fc{k}.{suffix}`.
    pub fn suffix(self) -> &'static str {
        match self {
            Field::Weight => "weight",
            Field::Bias => "bias",
            Field::Multiplier => "multiplier",
            Field::Shift => "shift",
            Field::InputZeroPoint => "input_zero_point",
            Field::OutputZeroPoint => "output_zero_point",
            Field::OutputScale => "output_scale",
        }
    }
}

/// Why a set of [`Int8Dense`] layers is not an [`Int8Mlp`]. `layer` counts from 0 (the file's
/// `fc1` is layer 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewError {
    /// Not `1..=MAX_LAYERS` layers.
    LayerCount {
        /// Layers given.
        found: usize,
    },
    /// A layer's width does not fit: the first must take 784 inputs, each the previous one's
    /// outputs, the last must give 10, hidden ones `1..=MAX_WIDTH`.
    Width {
        /// The layer.
        layer: usize,
        /// `true`: its inputs; `false`: its outputs.
        inputs: bool,
        /// The width the chain needs (for a hidden width too wide, [`MAX_WIDTH`]).
        expected: usize,
        /// Its width.
        found: usize,
    },
    /// An array's length is not its width (`out·in` for `weight`, `out` for the others).
    Length {
        /// The layer.
        layer: usize,
        /// The array.
        field: Field,
        /// `out·in` or `out`.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// A value outside its range (`multiplier` negative, `shift` outside
    /// `MIN_SHIFT..=MAX_SHIFT`, a zero point outside `-128..=127` or not the previous layer's,
    /// `output_scale` not finite and positive).
    Value {
        /// The layer.
        layer: usize,
        /// The array or value.
        field: Field,
        /// The element (0 for a single value).
        index: usize,
    },
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ViewError::LayerCount { found } => {
                write!(f, "{found} layers, expected 1 to {MAX_LAYERS}")
            }
            ViewError::Width {
                layer,
                inputs,
                expected,
                found,
            } => write!(
                f,
                "fc{} has {found} {}, expected {expected}",
                layer + 1,
                if inputs { "inputs" } else { "outputs" }
            ),
            ViewError::Length {
                layer,
                field,
                expected,
                found,
            } => write!(
                f,
                "fc{}.{} has {found} values, expected {expected}",
                layer + 1,
                field.suffix()
            ),
            ViewError::Value {
                layer,
                field,
                index,
            } => write!(
                f,
                "fc{}.{}[{index}] is out of range",
                layer + 1,
                field.suffix()
            ),
        }
    }
}

impl core::error::Error for ViewError {}
