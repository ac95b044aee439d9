//! Turning items into tensors, and the one pixel normalisation shared by training and
//! inference.

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;

use crate::dataset::MnistItem;
use crate::files::IMAGE_PIXELS;

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
pub fn images_to_tensor<'a>(
    images: impl ExactSizeIterator<Item = &'a [u8]>,
    device: &Device,
) -> Tensor<2> {
    let batch = images.len();
    let mut data = Vec::with_capacity(batch * IMAGE_PIXELS);
    for image in images {
        debug_assert_eq!(image.len(), IMAGE_PIXELS);
        normalize_into(image, &mut data);
    }
    Tensor::from_data(TensorData::new(data, [batch, IMAGE_PIXELS]), device)
}

/// A batch ready for the model.
#[derive(Debug, Clone)]
pub struct MnistBatch {
    /// `[B, 784]` f32 pixels in [0, 1].
    pub images: Tensor<2>,
    /// `[B]` class indices.
    pub targets: Tensor<1, Int>,
}

/// Burn batcher from [`MnistItem`]s to [`MnistBatch`].
#[derive(Debug, Clone, Copy, Default)]
pub struct MnistBatcher;

impl Batcher<MnistItem, MnistBatch> for MnistBatcher {
    fn batch(&self, items: Vec<MnistItem>, device: &Device) -> MnistBatch {
        let targets: Vec<i64> = items.iter().map(|item| i64::from(item.label)).collect();
        let len = targets.len();
        let images = images_to_tensor(items.iter().map(|item| item.image.as_slice()), device);
        let targets = Tensor::from_data(TensorData::new(targets, [len]), device);
        MnistBatch { images, targets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_maps_the_byte_range_onto_zero_one() {
        assert_eq!(normalize_pixel(0), 0.0);
        assert_eq!(normalize_pixel(255), 1.0);
        assert!((normalize_pixel(128) - 128.0 / 255.0).abs() < 1e-7);
    }

    #[test]
    fn batch_has_the_model_shapes_and_values() {
        let device = Device::default();
        let mut image = [0u8; IMAGE_PIXELS];
        image[0] = 255;
        image[783] = 51;
        let items = vec![
            MnistItem { image, label: 3 },
            MnistItem {
                image: [0; IMAGE_PIXELS],
                label: 9,
            },
        ];
        let batch = MnistBatcher.batch(items, &device);
        assert_eq!(batch.images.dims(), [2, 784]);
        let pixels = batch
            .images
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 data");
        assert_eq!(pixels[0], 1.0);
        assert!((pixels[783] - 0.2).abs() < 1e-6);
        assert!(pixels[784..].iter().all(|&p| p == 0.0));
        let targets = batch
            .targets
            .into_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .expect("int data");
        assert_eq!(targets, [3, 9]);
    }
}
