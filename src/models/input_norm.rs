//! Input normalisation, part of every model so that attacks work on the [0, 1] pixel scale:
//! either fixed data-set statistics, or per-image standardisation (each image to zero mean and
//! unit variance), which makes a model indifferent to global brightness and contrast — the
//! main way the chest X-ray test set differs from the training set.

use burn::config::Config;
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// How a model normalises its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputNorm {
    /// `(x − input_mean) / input_std` with the training set's statistics.
    #[default]
    Dataset,
    /// `(x − mean(x)) / (std(x) + 1e-3)` per image.
    PerImage,
}

/// The input normalisation of a model, nested in both architectures' configs.
#[derive(Config, Debug, PartialEq)]
pub struct InputNormalization {
    /// Data-set statistics or per-image standardisation.
    #[config(default = "InputNorm::Dataset")]
    pub norm: InputNorm,
    /// Mean subtracted from [0, 1] input pixels (data-set statistics only).
    #[config(default = 0.5)]
    pub mean: f32,
    /// Standard deviation the centred input is divided by (data-set statistics only).
    #[config(default = 0.25)]
    pub std: f32,
}

impl InputNormalization {
    /// Normalises a batch.
    ///
    /// # Shapes
    /// - input and output: `[batch, channels, h, w]`
    #[must_use]
    pub fn apply(&self, input: Tensor<4>) -> Tensor<4> {
        normalize_input(input, self.norm, self.mean, self.std)
    }
}

/// Normalises a batch.
///
/// # Shapes
/// - input and output: `[batch, channels, h, w]`
#[must_use]
pub fn normalize_input(input: Tensor<4>, norm: InputNorm, mean: f32, std: f32) -> Tensor<4> {
    match norm {
        InputNorm::Dataset => input.sub_scalar(mean).div_scalar(std),
        InputNorm::PerImage => {
            let [batch, channels, height, width] = input.dims();
            let flat = input.reshape([batch, channels * height * width]);
            let centred = flat.clone().sub(flat.mean_dim(1)); // [batch, pixels]
            let deviation = centred
                .clone()
                .powi_scalar(2)
                .mean_dim(1)
                .sqrt()
                .add_scalar(1e-3); // [batch, 1]
            centred
                .div(deviation)
                .reshape([batch, channels, height, width])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn per_image_normalisation_ignores_brightness_and_contrast() {
        let device = Device::flex();
        let values: Vec<f32> = (0..16).map(|v| v as f32 / 20.0).collect();
        let brighter: Vec<f32> = values.iter().map(|v| 0.2 + 0.5 * v).collect();
        let a = Tensor::<4>::from_data(TensorData::new(values, [1, 1, 4, 4]), &device);
        let b = Tensor::<4>::from_data(TensorData::new(brighter, [1, 1, 4, 4]), &device);
        let na: Vec<f32> = normalize_input(a, InputNorm::PerImage, 0.0, 1.0)
            .into_data()
            .try_to_vec()
            .unwrap();
        let nb: Vec<f32> = normalize_input(b, InputNorm::PerImage, 0.0, 1.0)
            .into_data()
            .try_to_vec()
            .unwrap();
        for (x, y) in na.iter().zip(&nb) {
            assert!((x - y).abs() < 0.01, "{x} vs {y}");
        }
        let mean: f32 = na.iter().sum::<f32>() / 16.0;
        assert!(mean.abs() < 1e-5);
    }
}
