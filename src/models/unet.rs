//! A compact U-Net (Ronneberger et al. 2015) for single-channel 128×128 scans: four levels of
//! two conv(3×3)–BN–ReLU layers, max-pooling on the way down, nearest-neighbour ×2 upsampling
//! and concatenation with the skip connection on the way up, and a 1×1 convolution to one
//! foreground logit per pixel. Input normalisation is part of the model, as for the
//! classifiers, so that attacks work on the [0, 1] pixel scale.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor};

use super::input_norm::InputNormalization;
use super::max_pool::max_pool;

/// Hyper-parameters of [`UNet`].
#[derive(Config, Debug)]
pub struct UNetConfig {
    /// Channels of the four levels, from full resolution down to the bottleneck.
    #[config(default = "[8, 16, 32, 64]")]
    pub widths: [usize; 4],
    /// How the [0, 1] input is normalised.
    #[config(default = "InputNormalization::new()")]
    pub input: InputNormalization,
}

/// Two conv(3×3, padding 1)–BN–ReLU layers.
#[derive(Module, Debug)]
pub struct DoubleConv {
    /// First convolution (no bias: BN follows).
    pub conv1: Conv2d,
    /// Its batch normalisation.
    pub bn1: BatchNorm,
    /// Second convolution.
    pub conv2: Conv2d,
    /// Its batch normalisation.
    pub bn2: BatchNorm,
}

impl DoubleConv {
    fn new(in_channels: usize, out_channels: usize, device: &Device) -> Self {
        let conv = |from: usize| {
            Conv2dConfig::new([from, out_channels], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(false)
                .init(device)
        };
        Self {
            conv1: conv(in_channels),
            bn1: BatchNormConfig::new(out_channels).init(device),
            conv2: conv(out_channels),
            bn2: BatchNormConfig::new(out_channels).init(device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu(self.bn1.forward(self.conv1.forward(x)));
        relu(self.bn2.forward(self.conv2.forward(x)))
    }
}

/// The segmentation network: `[batch, 1, h, w]` pixels in [0, 1] to `[batch, 1, h, w]`
/// foreground logits (h and w divisible by 8). `PyTorch` equivalent in `docs/weights.md`.
#[derive(Module, Debug)]
pub struct UNet {
    /// Encoder levels 1–3 and the bottleneck (level 4).
    pub down: Vec<DoubleConv>,
    /// Decoder levels 3, 2, 1 (each after upsampling and concatenation).
    pub up: Vec<DoubleConv>,
    /// 1×1 convolution to the foreground logit.
    pub head: Conv2d,
    pool: MaxPool2d,
    #[module(skip)]
    input: InputNormalization,
}

impl UNetConfig {
    /// Builds an untrained network.
    #[must_use]
    pub fn init(&self, device: &Device) -> UNet {
        let widths = self.widths;
        let mut down = Vec::with_capacity(4);
        let mut in_channels = 1;
        for &width in &widths {
            down.push(DoubleConv::new(in_channels, width, device));
            in_channels = width;
        }
        let up = (0..3)
            .rev()
            .map(|level| DoubleConv::new(widths[level + 1] + widths[level], widths[level], device))
            .collect();
        UNet {
            down,
            up,
            head: Conv2dConfig::new([widths[0], 1], [1, 1]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            input: self.input.clone(),
        }
    }
}

impl UNet {
    /// Foreground logits.
    ///
    /// # Shapes
    /// - input: `[batch, 1, h, w]` pixels in [0, 1], h and w divisible by 8
    /// - output: `[batch, 1, h, w]`
    #[must_use]
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let mut x = self.input.apply(input);
        let mut skips = Vec::with_capacity(3);
        for (level, block) in self.down.iter().enumerate() {
            if level > 0 {
                x = max_pool(&self.pool, x);
            }
            x = block.forward(x);
            if level < 3 {
                skips.push(x.clone());
            }
        }
        for block in &self.up {
            let Some(skip) = skips.pop() else { break };
            let [_, _, height, width] = skip.dims();
            let upsampled = interpolate(
                x,
                InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([height, width]),
            );
            x = block.forward(Tensor::cat(vec![upsampled, skip], 1));
        }
        self.head.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn output_has_the_input_size_and_one_channel() {
        let device = Device::flex();
        let model = UNetConfig::new().init(&device);
        let input = Tensor::<4>::from_data(
            TensorData::new(vec![0.5f32; 2 * 32 * 32], [2, 1, 32, 32]),
            &device,
        );
        assert_eq!(model.forward(input).dims(), [2, 1, 32, 32]);
    }
}
