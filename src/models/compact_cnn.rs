//! The compact CNN: four conv(3×3)–BN–ReLU blocks, max-pooling between them, global average
//! pooling and a linear head. At 128×128 it costs about 68 MFLOP; the last block's 16×16
//! activations feed Grad-CAM.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;
use burn::tensor::{Device, Tensor};

use super::fold::{conv_then_norm, fold_into_conv};
use super::input_norm::InputNormalization;
use super::max_pool::max_pool;

/// Hyper-parameters of [`CompactCnn`].
#[derive(Config, Debug)]
pub struct CompactCnnConfig {
    /// Number of output classes.
    pub num_classes: usize,
    /// Channels of the four blocks.
    #[config(default = "[16, 24, 48, 64]")]
    pub widths: [usize; 4],
    /// How the [0, 1] input is normalised.
    #[config(default = "InputNormalization::new()")]
    pub input: InputNormalization,
}

/// One conv–BN pair (`ReLU` and pooling are applied by the caller).
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// 3×3 convolution, padding 1, no bias (BN follows) until the BN is folded into it.
    pub conv: Conv2d,
    /// Batch normalisation.
    pub bn: BatchNorm,
    /// Whether `bn` is folded into `conv` (then `bn` is skipped; see [`super::fold`]).
    #[module(skip)]
    folded: bool,
}

impl ConvBlock {
    /// `bn(conv(x))`.
    #[must_use]
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv_then_norm(&self.conv, &self.bn, self.folded, x)
    }

    fn with_batch_norm_folded(self) -> Self {
        match (self.folded, fold_into_conv(&self.conv, &self.bn)) {
            (false, Some(conv)) => Self {
                conv,
                bn: self.bn,
                folded: true,
            },
            _ => self,
        }
    }
}

/// The compact classifier. `PyTorch` equivalent in `docs/weights.md`.
#[derive(Module, Debug)]
pub struct CompactCnn {
    /// The four blocks.
    pub features: Vec<ConvBlock>,
    /// The linear head.
    pub classifier: Linear,
    pool: MaxPool2d,
    #[module(skip)]
    input: InputNormalization,
}

impl CompactCnnConfig {
    /// Builds an untrained network.
    #[must_use]
    pub fn init(&self, device: &Device) -> CompactCnn {
        let mut in_channels = 1;
        let features = self
            .widths
            .iter()
            .map(|&out_channels| {
                let block = ConvBlock {
                    conv: Conv2dConfig::new([in_channels, out_channels], [3, 3])
                        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                        .with_bias(false)
                        .init(device),
                    bn: BatchNormConfig::new(out_channels).init(device),
                    folded: false,
                };
                in_channels = out_channels;
                block
            })
            .collect();
        CompactCnn {
            features,
            classifier: LinearConfig::new(in_channels, self.num_classes).init(device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            input: self.input.clone(),
        }
    }
}

impl CompactCnn {
    /// The same network with every batch norm folded into its convolution (evaluation only:
    /// the folded layers no longer learn batch statistics).
    #[must_use]
    pub fn with_batch_norm_folded(self) -> Self {
        Self {
            features: self
                .features
                .into_iter()
                .map(ConvBlock::with_batch_norm_folded)
                .collect(),
            ..self
        }
    }

    /// The last block's activations.
    ///
    /// # Shapes
    /// - input: `[batch, 1, 128, 128]` pixels in [0, 1]
    /// - output: `[batch, 64, 16, 16]`
    #[must_use]
    pub fn features(&self, input: Tensor<4>) -> Tensor<4> {
        self.features_at(input, self.features.len().saturating_sub(1))
    }

    /// The activations of block `block` (0-based, clamped to the last), after its `ReLU`
    /// and before the pooling that follows it.
    #[must_use]
    pub fn features_at(&self, input: Tensor<4>, block: usize) -> Tensor<4> {
        let mut x = self.input.apply(input);
        let block = block.min(self.features.len().saturating_sub(1));
        for (index, layer) in self.features.iter().enumerate().take(block + 1) {
            if index > 0 {
                x = max_pool(&self.pool, x);
            }
            x = relu(layer.forward(x));
        }
        x
    }

    /// Class logits from the activations of block `block` (see [`Self::features_at`]): the
    /// blocks after it, then the head.
    #[must_use]
    pub fn head_from(&self, activations: Tensor<4>, block: usize) -> Tensor<2> {
        let mut x = activations;
        for layer in self.features.iter().skip(block + 1) {
            x = relu(layer.forward(max_pool(&self.pool, x)));
        }
        self.head(x)
    }

    /// Class logits from last-block activations.
    ///
    /// # Shapes
    /// - features: `[batch, channels, h, w]`
    /// - output: `[batch, classes]`
    #[must_use]
    pub fn head(&self, features: Tensor<4>) -> Tensor<2> {
        let pooled: Tensor<2> = adaptive_avg_pool2d(features, [1, 1]).flatten(1, 3); // [batch, channels]
        self.classifier.forward(pooled)
    }
}
