//! The int8 MLP: the one integer implementation of the model, for a board, the browser and
//! the laptop alike, so every one of them reads an image bit-exactly the same.
//!
//! Without features the crate is `#![no_std]` and allocates nothing: a borrowed
//! [`Int8Mlp`] (weights in flash, say) and its forward pass in `i32`/`i64` integer arithmetic,
//! with two 256-byte buffers on the stack. The `std` feature adds what a host does once:
//! `quantize` an f32 MLP with calibration images, read and write the int8 safetensors file
//! (`read_file`, `write_file`), read IDX images (`idx`), and generate the Rust source a
//! firmware embeds (`codegen`, whose docs list what it generates). It is not for training,
//! Burn, or f32 inference (the `reference` forward pass is there for tests and calibration).
//!
//! # The quantization scheme
//!
//! Every tensor `x` stands for the reals `scale · (q − zero_point)`.
//!
//! | What | Type | Scale | Zero point |
//! |---|---|---|---|
//! | input pixels (28×28 row-major, 0 = background, 255 = ink) | `i8`, `q = pixel − 128` | 1/255 (the f32 model reads `pixel / 255`) | −128 |
//! | weights `[out][in]` | `i8` in −127..=127 | per output row: its largest magnitude / 127 (a zero row: 1) | 0 |
//! | biases `[out]` | `i32` | `s_in · s_w[o]` | 0, with `−zp_in · Σᵢ w_q[o][i]` folded in |
//! | hidden activations (after ReLU) | `i8` | per tensor: `a / 255`, `a` a high percentile (default: the maximum) of the f32 activations on the calibration images | −128 (0..a → −128..127) |
//! | logits | `i8` | per tensor, symmetric: the largest logit magnitude / 127 on the calibration images | 0 |
//!
//! A layer computes, in integers only:
//!
//! ```text
//! acc[o] = bias[o] + Σᵢ w[o][i] · x[i]                  (i8·i8 summed in i32; the input
//!                                                        zero point is already in the bias)
//! y[o]   = clamp(zp_out + requantize(acc[o], m[o], s[o]), lo, 127)
//!          lo = zp_out for hidden layers (ReLU), −128 for the logits
//! requantize(acc, m, s) = round(acc · m / 2^(31 + s))   (i64 product, ties away from zero,
//!                                                        saturated to i32; see requant)
//! ```
//!
//! with `m · 2^−(31 + s) ≈ s_in · s_w[o] / s_out`, `m` a Q31 integer in `2³⁰..2³¹` and
//! `s` in −31..=31, both computed once when quantizing. The class is the argmax of the int8
//! logits, the lowest index on ties.
//!
//! # The int8 file (safetensors)
//!
//! Layers are `fc1`, `fc2`, … (PyTorch's names), 1 to [`MAX_LAYERS`]; all data little-endian.
//!
//! | Tensor | Dtype | Shape | Content |
//! |---|---|---|---|
//! | `input.scale` | F32 | `[1]` | 1/255 (checked) |
//! | `input.zero_point` | I32 | `[1]` | −128 (checked) |
//! | `fc{k}.weight` | I8 | `[out, in]` | quantized weights, row-major |
//! | `fc{k}.bias` | I32 | `[out]` | quantized biases with the input zero point folded in |
//! | `fc{k}.weight_scale` | F32 | `[out]` | `s_w[o]`, finite and > 0 |
//! | `fc{k}.multiplier` | I32 | `[out]` | `m[o]`, ≥ 0 |
//! | `fc{k}.shift` | I32 | `[out]` | `s[o]`, −31..=31 |
//! | `fc{k}.output_scale` | F32 | `[1]` | `s_out`, finite and > 0 |
//! | `fc{k}.output_zero_point` | I32 | `[1]` | `zp_out`, −128..=127 |
//!
//! Metadata (`__metadata__`): `format` = `"mnist-burn-int8"`, `format_version` = `"1"`,
//! `architecture` (e.g. `"784-128-10"`, checked against the tensors), and optionally
//! `dataset` (e.g. `"mnist"`) and `class_names` (a JSON array of 10 strings).
//!
//! Reading checks all of it: widths chain from 784 to 10 (hidden ones up to [`MAX_WIDTH`]),
//! every dtype and shape, every scale, multiplier, shift and zero point, and that each
//! `(multiplier, shift)` is the one its scales give. Each refusal is an `Error` naming the
//! tensor or key; no input makes it panic. Writing is deterministic: the same model gives the
//! same bytes (tensors by name, 4-byte ones first; metadata keys sorted).

#![no_std]

#[cfg(any(feature = "std", test))]
extern crate std;

mod forward;
mod preprocess;
pub mod requant;
mod types;
mod validate;

#[cfg(feature = "std")]
pub mod codegen;
#[cfg(feature = "std")]
mod error;
#[cfg(feature = "std")]
mod f32_file;
#[cfg(feature = "std")]
mod format;
#[cfg(feature = "std")]
pub mod idx;
#[cfg(feature = "std")]
mod owned;
#[cfg(feature = "std")]
mod quantize;
#[cfg(feature = "std")]
mod read;
#[cfg(feature = "std")]
pub mod reference;
#[cfg(feature = "std")]
mod write;

#[cfg(all(test, feature = "std"))]
mod testing;

pub use forward::argmax;
pub use preprocess::{preprocess, quantize_pixel};
pub use requant::requantize;
pub use types::{
    Architecture, CLASSES, Classification, Field, INPUT_LEN, INPUT_SCALE, INPUT_ZERO_POINT,
    Int8Dense, Int8Mlp, MAX_LAYERS, MAX_SHIFT, MAX_WIDTH, MIN_SHIFT, ViewError,
};

#[cfg(feature = "std")]
pub use error::{Error, Result};
#[cfg(feature = "std")]
pub use f32_file::{read_f32_safetensors, read_f32_safetensors_file};
#[cfg(feature = "std")]
pub use format::{FORMAT, FORMAT_VERSION, is_int8_file};
#[cfg(feature = "std")]
pub use owned::{QuantizedDense, QuantizedMlp};
#[cfg(feature = "std")]
pub use quantize::{QuantizeOptions, quantize, quantize_with};
#[cfg(feature = "std")]
pub use read::{read_bytes, read_file};
#[cfg(feature = "std")]
pub use reference::DenseF32;
#[cfg(feature = "std")]
pub use write::{to_bytes, write_file};
