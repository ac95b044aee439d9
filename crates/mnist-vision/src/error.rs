//! Why an input could not be made into digits: every variant reads as a sentence a user
//! can act on, printed after the file's name.

use thiserror::Error;

use crate::decode::{MAX_DECODE_BYTES, MAX_SIDE};
use crate::marks::MIN_CONTRAST;

/// Why an input could not be made into a digit.
#[derive(Debug, Error)]
pub enum PreprocessError {
    /// The file could not be opened or read.
    #[error("cannot read it: {0}")]
    Read(#[from] std::io::Error),
    /// The bytes are not in any image format.
    #[error("not an image (PNG, JPEG, BMP, GIF and WebP are supported)")]
    NotAnImage,
    /// A format recognised by its magic bytes that this build does not decode, such as an
    /// iPhone's HEIC.
    #[error(
        "this is a {format} image, which infer cannot read: {advice} (PNG, JPEG, BMP, GIF and WebP are supported)"
    )]
    UnreadableFormat {
        /// The format's common name, e.g. "HEIC (HEIF)".
        format: &'static str,
        /// How to get a readable file, e.g. "export it as JPEG".
        advice: &'static str,
    },
    /// An image format this build does not decode.
    #[error("unsupported image format: {0} (PNG, JPEG, BMP, GIF and WebP are supported)")]
    Unsupported(String),
    /// The image is larger than the decoder limits.
    #[error(
        "image too large: the limit is {MAX_SIDE}×{MAX_SIDE} pixels and {limit_mib} MiB decoded ({0})",
        limit_mib = MAX_DECODE_BYTES >> 20
    )]
    TooLarge(String),
    /// The image has no pixels.
    #[error("empty image ({width}×{height} pixels)")]
    Empty {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The decoder rejected the data.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// Nothing stands out from the background once light, shadows and paper lines are
    /// removed.
    #[error(
        "blank image: no digit found (the strongest stroke differs from the paper by {contrast} of 255; at least {MIN_CONTRAST} is needed)"
    )]
    Blank {
        /// Difference between the strongest ink and the paper around it.
        contrast: u8,
    },
    /// A product photo in which nothing stands out from the background.
    #[error(
        "blank image: no product found (the strongest part differs from the background by {contrast} of 255; at least {MIN_CONTRAST} is needed)"
    )]
    NoObject {
        /// Difference between the strongest part and the background, 0..=255.
        contrast: u8,
    },
}
