//! ResNet-18 (He et al. 2016) as in torchvision, adapted to one input channel: a 7×7/2 stem
//! and 3×3/2 max-pool, four stages of two basic blocks (64–128–256–512 channels), global
//! average pooling and a linear head. At 128×128 the last stage is 4×4.

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

/// Hyper-parameters of [`ResNet18`].
#[derive(Config, Debug)]
pub struct ResNet18Config {
    /// Number of output classes.
    pub num_classes: usize,
    /// How the [0, 1] input is normalised.
    #[config(default = "InputNormalization::new()")]
    pub input: InputNormalization,
}

/// The 1×1 projection on a block's shortcut (`PyTorch`: `downsample.0` / `downsample.1`).
#[derive(Module, Debug)]
pub struct Downsample {
    /// 1×1 strided convolution.
    pub conv: Conv2d,
    /// Batch normalisation.
    pub bn: BatchNorm,
    /// Whether `bn` is folded into `conv` (see [`super::fold`]).
    #[module(skip)]
    folded: bool,
}

/// A basic residual block: two 3×3 conv–BN layers and a shortcut.
#[derive(Module, Debug)]
pub struct BasicBlock {
    /// First 3×3 convolution (strided in the first block of a stage).
    pub conv1: Conv2d,
    /// Its batch normalisation.
    pub bn1: BatchNorm,
    /// Second 3×3 convolution.
    pub conv2: Conv2d,
    /// Its batch normalisation.
    pub bn2: BatchNorm,
    /// Shortcut projection when the shape changes.
    pub downsample: Option<Downsample>,
    /// Whether `bn1` and `bn2` are folded into `conv1` and `conv2` (see [`super::fold`]).
    #[module(skip)]
    folded: bool,
}

/// ResNet-18 for single-channel input. `PyTorch` equivalent in `docs/weights.md`.
#[derive(Module, Debug)]
pub struct ResNet18 {
    /// 7×7/2 stem convolution.
    pub conv1: Conv2d,
    /// Stem batch normalisation.
    pub bn1: BatchNorm,
    /// Stage 1 (64 channels).
    pub layer1: Vec<BasicBlock>,
    /// Stage 2 (128 channels).
    pub layer2: Vec<BasicBlock>,
    /// Stage 3 (256 channels).
    pub layer3: Vec<BasicBlock>,
    /// Stage 4 (512 channels).
    pub layer4: Vec<BasicBlock>,
    /// Linear head.
    pub fc: Linear,
    maxpool: MaxPool2d,
    #[module(skip)]
    input: InputNormalization,
    /// Whether the stem's `bn1` is folded into `conv1` (see [`super::fold`]).
    #[module(skip)]
    folded: bool,
}

fn conv(channels: [usize; 2], kernel: usize, stride: usize, device: &Device) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .init(device)
}

fn block(in_channels: usize, out_channels: usize, stride: usize, device: &Device) -> BasicBlock {
    let downsample = (stride != 1 || in_channels != out_channels).then(|| Downsample {
        conv: conv([in_channels, out_channels], 1, stride, device),
        bn: BatchNormConfig::new(out_channels).init(device),
        folded: false,
    });
    BasicBlock {
        conv1: conv([in_channels, out_channels], 3, stride, device),
        bn1: BatchNormConfig::new(out_channels).init(device),
        conv2: conv([out_channels, out_channels], 3, 1, device),
        bn2: BatchNormConfig::new(out_channels).init(device),
        downsample,
        folded: false,
    }
}

fn stage(
    in_channels: usize,
    out_channels: usize,
    stride: usize,
    device: &Device,
) -> Vec<BasicBlock> {
    vec![
        block(in_channels, out_channels, stride, device),
        block(out_channels, out_channels, 1, device),
    ]
}

impl ResNet18Config {
    /// Builds an untrained network.
    #[must_use]
    pub fn init(&self, device: &Device) -> ResNet18 {
        ResNet18 {
            conv1: conv([1, 64], 7, 2, device),
            bn1: BatchNormConfig::new(64).init(device),
            layer1: stage(64, 64, 1, device),
            layer2: stage(64, 128, 2, device),
            layer3: stage(128, 256, 2, device),
            layer4: stage(256, 512, 2, device),
            fc: LinearConfig::new(512, self.num_classes).init(device),
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
            input: self.input.clone(),
            folded: false,
        }
    }
}

impl Downsample {
    fn with_batch_norm_folded(self) -> Self {
        match (self.folded, fold_into_conv(&self.conv, &self.bn)) {
            (false, Some(conv)) => Self {
                conv,
                folded: true,
                ..self
            },
            _ => self,
        }
    }
}

impl BasicBlock {
    fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(down) => conv_then_norm(&down.conv, &down.bn, down.folded, input.clone()),
            None => input.clone(),
        };
        let x = relu(conv_then_norm(&self.conv1, &self.bn1, self.folded, input));
        let x = conv_then_norm(&self.conv2, &self.bn2, self.folded, x);
        relu(x.add(shortcut))
    }

    fn with_batch_norm_folded(self) -> Self {
        let downsample = self.downsample.map(Downsample::with_batch_norm_folded);
        let folded = if self.folded {
            None
        } else {
            fold_into_conv(&self.conv1, &self.bn1).zip(fold_into_conv(&self.conv2, &self.bn2))
        };
        match folded {
            Some((conv1, conv2)) => Self {
                conv1,
                conv2,
                downsample,
                folded: true,
                ..self
            },
            None => Self { downsample, ..self },
        }
    }
}

impl ResNet18 {
    /// The same network with every batch norm folded into its convolution (evaluation only:
    /// the folded layers no longer learn batch statistics).
    #[must_use]
    pub fn with_batch_norm_folded(self) -> Self {
        let fold_stage = |stage: Vec<BasicBlock>| {
            stage
                .into_iter()
                .map(BasicBlock::with_batch_norm_folded)
                .collect()
        };
        let stem = if self.folded {
            None
        } else {
            fold_into_conv(&self.conv1, &self.bn1)
        };
        let (conv1, folded) = match stem {
            Some(conv) => (conv, true),
            None => (self.conv1, self.folded),
        };
        Self {
            conv1,
            folded,
            layer1: fold_stage(self.layer1),
            layer2: fold_stage(self.layer2),
            layer3: fold_stage(self.layer3),
            layer4: fold_stage(self.layer4),
            ..self
        }
    }

    /// The last stage's activations.
    ///
    /// # Shapes
    /// - input: `[batch, 1, 128, 128]` pixels in [0, 1]
    /// - output: `[batch, 512, 4, 4]`
    #[must_use]
    pub fn features(&self, input: Tensor<4>) -> Tensor<4> {
        self.features_at(input, 3)
    }

    /// The four stages, `layer1` … `layer4`.
    fn stages(&self) -> [&Vec<BasicBlock>; 4] {
        [&self.layer1, &self.layer2, &self.layer3, &self.layer4]
    }

    /// The activations at the end of stage `stage` (0 = `layer1` … 3 = `layer4`, clamped).
    #[must_use]
    pub fn features_at(&self, input: Tensor<4>, stage: usize) -> Tensor<4> {
        let x = self.input.apply(input);
        let x = relu(conv_then_norm(&self.conv1, &self.bn1, self.folded, x)); // [batch, 64, 64, 64]
        let mut x = max_pool(&self.maxpool, x); // [batch, 64, 32, 32]
        for layer in self.stages().into_iter().take(stage.min(3) + 1) {
            for residual in layer {
                x = residual.forward(x);
            }
        }
        x
    }

    /// Class logits from the activations at the end of stage `stage`: the stages after it,
    /// then the head.
    #[must_use]
    pub fn head_from(&self, activations: Tensor<4>, stage: usize) -> Tensor<2> {
        let mut x = activations;
        for layer in self.stages().into_iter().skip(stage + 1) {
            for residual in layer {
                x = residual.forward(x);
            }
        }
        self.head(x)
    }

    /// Class logits from last-stage activations.
    ///
    /// # Shapes
    /// - features: `[batch, 512, h, w]`
    /// - output: `[batch, classes]`
    #[must_use]
    pub fn head(&self, features: Tensor<4>) -> Tensor<2> {
        let pooled: Tensor<2> = adaptive_avg_pool2d(features, [1, 1]).flatten(1, 3); // [batch, 512]
        self.fc.forward(pooled)
    }
}
