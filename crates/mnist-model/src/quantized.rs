//! f32 MLP → int8 model, the one path `train` (its run's `model-int8.safetensors`) and the
//! `quantize` command both take, so an int8 file of the same weights and calibration images
//! is the same file whichever made it. The scheme itself is `mnist-int8`'s.

use burn::prelude::*;
use mnist_dataset::Dataset;
use mnist_int8::{DenseF32, QuantizedMlp};

use crate::mlp::Mlp;

/// Training images the activation ranges are measured on, unless the caller picks another
/// number: past a few thousand the ranges (maxima) barely move, and it keeps `train`'s
/// finish step to a second or two.
pub const CALIBRATION_IMAGES: usize = 5000;

/// The layers of `model` as `mnist-int8` takes them: PyTorch's layout (`[out][in]` row-major),
/// which Burn's `[in, out]` weights are transposed to.
pub fn f32_layers(model: &Mlp) -> Result<Vec<DenseF32>, String> {
    model
        .layers()
        .map(|linear| {
            let [in_features, out_features] = linear.weight.dims();
            let values = |data: TensorData| {
                data.convert::<f32>()
                    .try_to_vec::<f32>()
                    .map_err(|e| format!("{e:?}"))
            };
            let burn = values(linear.weight.val().into_data())?;
            let mut weight = vec![0.0; burn.len()];
            for (i, row) in burn.chunks_exact(out_features.max(1)).enumerate() {
                for (o, &w) in row.iter().enumerate() {
                    weight[o * in_features + i] = w;
                }
            }
            let bias = match &linear.bias {
                Some(bias) => values(bias.val().into_data())?,
                None => vec![0.0; out_features],
            };
            Ok(DenseF32 {
                weight,
                bias,
                in_features,
                out_features,
            })
        })
        .collect()
}

/// Quantizes `layers` with activation ranges measured on `calibration` (raw 784-pixel
/// training images of `dataset`), recording `dataset` and its class names in the model as
/// the f32 files do.
pub fn quantize_for_dataset<I>(
    layers: &[DenseF32],
    dataset: Dataset,
    calibration: I,
) -> mnist_int8::Result<QuantizedMlp>
where
    I: IntoIterator,
    I::Item: AsRef<[u8]>,
{
    let mut model = mnist_int8::quantize(layers, calibration)?;
    model.dataset = Some(dataset.name.to_string());
    model.class_names = Some(
        (0..crate::mlp::CLASSES)
            .map(|c| dataset.class_name(c).to_string())
            .collect(),
    );
    Ok(model)
}

/// Percent of `test` (raw 784-pixel images and their labels) the integer forward pass
/// classifies right; 0 for a model that does not pass validation.
pub fn int8_accuracy<'a, I>(model: &QuantizedMlp, test: I) -> f64
where
    I: IntoIterator<Item = (&'a [u8], u8)>,
{
    let Ok(view) = model.view() else {
        return 0.0;
    };
    let (mut correct, mut count) = (0usize, 0usize);
    for (image, label) in test {
        let Ok(pixels) = <&[u8; mnist_int8::INPUT_LEN]>::try_from(image) else {
            continue;
        };
        count += 1;
        if view.classify_pixels(pixels).class == usize::from(label) {
            correct += 1;
        }
    }
    100.0 * correct as f64 / count.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mlp::MlpConfig;

    #[test]
    fn the_layers_compute_what_burn_computes() {
        let device = Device::default();
        let config = MlpConfig {
            hidden: vec![12],
            dropout: 0.0,
        };
        let model = config.init(&device);
        let layers = f32_layers(&model).expect("layers");
        assert_eq!(layers.len(), 2);
        assert_eq!((layers[0].in_features, layers[0].out_features), (784, 12));
        let pixels: Vec<u8> = (0..784).map(|i| (i * 7 % 256) as u8).collect();
        let input: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        let burn = model
            .forward(Tensor::from_data(TensorData::new(input, [1, 784]), &device))
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        let reference = mnist_int8::reference::forward_f32(&layers, &pixels);
        for (a, b) in burn.iter().zip(reference) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
        let int8 = quantize_for_dataset(&layers, Dataset::FASHION_MNIST, [&pixels[..]])
            .expect("quantizes");
        assert_eq!(int8.dataset.as_deref(), Some("fashion-mnist"));
        assert_eq!(
            int8.class_names.as_ref().map(|c| c[0].as_str()),
            Some("T-shirt/top")
        );
        let accuracy = int8_accuracy(&int8, [(&pixels[..], 3u8), (&pixels[..1], 3)]);
        assert!(accuracy == 0.0 || accuracy == 100.0, "{accuracy}");
    }
}
