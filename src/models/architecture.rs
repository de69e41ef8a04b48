//! Which network, for which task, with which input normalisation: everything needed to build
//! an untrained classifier that shipped weights can be loaded into.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{Classifier, CompactCnnConfig, InputNorm, InputNormalization, ResNet18Config, Task};

/// A network architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Architecture {
    /// Four conv–BN–ReLU blocks and a linear head (≈ 68 MFLOP at 128×128).
    CompactCnn,
    /// torchvision's ResNet-18 with a single-channel stem (≈ 0.6 GFLOP at 128×128).
    Resnet18,
}

impl Architecture {
    /// The batch size at which a data-set evaluation gets through the most scans per second
    /// on the CPU (`advlens bench --evaluation`, docs/performance.md): one scan per batch for
    /// both architectures since single images take the lowered convolutions and batches run
    /// one per worker thread (2026-12-05: PGD-20 15.4 scans/s at batch 1 against 11.7 at 16
    /// for the compact CNN, 2.6 against 2.5 and 1.9 at 16 and 64 for ResNet-18).
    #[must_use]
    pub fn evaluation_batch_size(self) -> usize {
        match self {
            Self::CompactCnn | Self::Resnet18 => 1,
        }
    }

    /// Every architecture.
    pub const ALL: [Self; 2] = [Self::CompactCnn, Self::Resnet18];
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CompactCnn => "compact-cnn",
            Self::Resnet18 => "resnet18",
        })
    }
}

impl FromStr for Architecture {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|arch| arch.to_string() == text)
            .ok_or_else(|| {
                format!("unknown architecture '{text}': expected compact-cnn or resnet18")
            })
    }
}

/// Everything that defines a classifier apart from its weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    /// The task (and so the classes).
    pub task: Task,
    /// The network.
    pub arch: Architecture,
    /// Input side in pixels (square, single channel).
    pub input_size: usize,
    /// Mean subtracted from [0, 1] pixels inside the model.
    pub input_mean: f32,
    /// Standard deviation divided out inside the model.
    pub input_std: f32,
    /// Data-set statistics or per-image standardisation.
    #[serde(default)]
    pub input_norm: InputNorm,
}

impl ModelSpec {
    /// The input normalisation the model applies (the card keeps its three fields flat).
    #[must_use]
    pub fn input_normalization(&self) -> InputNormalization {
        InputNormalization {
            norm: self.input_norm,
            mean: self.input_mean,
            std: self.input_std,
        }
    }

    /// Builds the untrained classifier.
    #[must_use]
    pub fn init(&self, device: &Device) -> Classifier {
        let classes = self.task.num_classes();
        match self.arch {
            Architecture::CompactCnn => Classifier::Compact(
                CompactCnnConfig::new(classes)
                    .with_input(self.input_normalization())
                    .init(device),
            ),
            Architecture::Resnet18 => Classifier::ResNet(
                ResNet18Config::new(classes)
                    .with_input(self.input_normalization())
                    .init(device),
            ),
        }
    }
}
