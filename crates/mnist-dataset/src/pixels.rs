//! The one pixel normalisation shared by training and inference, and the model input built
//! with it.

/// Maps a u8 pixel to the model's input range: `pixel / 255`, in [0, 1].
///
/// Deliberately no mean/std standardisation: the seeds' Keras and PyTorch scripts feed
/// `pixel / 255`, so weights move between them and this project unchanged.
#[inline]
pub fn normalize_pixel(pixel: u8) -> f32 {
    f32::from(pixel) * (1.0 / 255.0)
}

/// Appends the normalised pixels of one image to `out`.
#[inline]
pub fn normalize_into(pixels: &[u8], out: &mut Vec<f32>) {
    out.extend(pixels.iter().map(|&p| normalize_pixel(p)));
}

/// Builds the `[B, 784]` model input from images of 784 u8 pixels each.
#[cfg(feature = "burn")]
pub fn images_to_tensor<'a>(
    images: impl ExactSizeIterator<Item = &'a [u8]>,
    device: &burn::prelude::Device,
) -> burn::prelude::Tensor<2> {
    use burn::prelude::{Tensor, TensorData};

    use crate::files::IMAGE_PIXELS;

    let batch = images.len();
    let mut data = Vec::with_capacity(batch * IMAGE_PIXELS);
    for image in images {
        debug_assert_eq!(image.len(), IMAGE_PIXELS);
        normalize_into(image, &mut data);
    }
    Tensor::from_data(TensorData::new(data, [batch, IMAGE_PIXELS]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_map_onto_zero_to_one() {
        assert_eq!(normalize_pixel(0), 0.0);
        assert_eq!(normalize_pixel(255), 1.0);
        assert!((normalize_pixel(128) - 128.0 / 255.0).abs() < 1e-7);
        let mut out = Vec::new();
        normalize_into(&[0, 51, 255], &mut out);
        assert_eq!((out[0], out[2]), (0.0, 1.0));
        assert!((out[1] - 0.2).abs() < 1e-7, "{}", out[1]);
    }
}
