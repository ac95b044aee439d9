//! Turning items into tensors (the pixel normalisation is `mnist-dataset`'s, shared with
//! inference).

use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;

use crate::dataset::MnistItem;
use mnist_dataset::images_to_tensor;

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
    use crate::files::IMAGE_PIXELS;

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
