//! One type for every shipped architecture, so that attacks, explanations and training treat
//! them alike.

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

use super::{CompactCnn, ModelError, ResNet18};

/// Logits and the last convolutional block's activations (for Grad-CAM).
#[derive(Debug, Clone)]
pub struct ClassifierOutput {
    /// `[batch, classes]`.
    pub logits: Tensor<2>,
    /// `[batch, channels, h, w]`.
    pub features: Tensor<4>,
}

/// A classifier of single-channel images in [0, 1].
#[expect(
    clippy::large_enum_variant,
    reason = "both variants are handles to parameters; boxing would not save memory that matters"
)]
#[derive(Module, Debug)]
pub enum Classifier {
    /// The compact CNN.
    Compact(CompactCnn),
    /// ResNet-18.
    ResNet(ResNet18),
}

impl Classifier {
    /// The same network with its batch norms folded into the convolutions before them: the
    /// same function up to float rounding, faster, for evaluation only (see
    /// [`super::fold`]).
    #[must_use]
    pub fn with_batch_norm_folded(self) -> Self {
        match self {
            Self::Compact(model) => Self::Compact(model.with_batch_norm_folded()),
            Self::ResNet(model) => Self::ResNet(model.with_batch_norm_folded()),
        }
    }

    /// Activations of the last convolutional block.
    ///
    /// # Shapes
    /// - input: `[batch, 1, size, size]`
    /// - output: `[batch, channels, h, w]`
    #[must_use]
    pub fn features(&self, input: Tensor<4>) -> Tensor<4> {
        match self {
            Self::Compact(model) => model.features(input),
            Self::ResNet(model) => model.features(input),
        }
    }

    /// How many convolutional blocks an explanation can read (the compact CNN's four blocks,
    /// ResNet-18's four stages).
    #[must_use]
    pub fn blocks(&self) -> usize {
        match self {
            Self::Compact(model) => model.features.len(),
            Self::ResNet(_) => 4,
        }
    }

    /// A block's name as the architecture's users know it (`block 2`, `layer3`), 0-based.
    #[must_use]
    pub fn block_name(&self, block: usize) -> String {
        match self {
            Self::Compact(_) => format!("block {}", block + 1),
            Self::ResNet(_) => format!("layer{}", block + 1),
        }
    }

    /// Activations of block `block` (0-based; clamped to the last).
    ///
    /// # Shapes
    /// - input: `[batch, 1, size, size]`
    /// - output: `[batch, channels, h, w]`
    #[must_use]
    pub fn features_at(&self, input: Tensor<4>, block: usize) -> Tensor<4> {
        match self {
            Self::Compact(model) => model.features_at(input, block),
            Self::ResNet(model) => model.features_at(input, block),
        }
    }

    /// Logits from the activations of block `block`: `head_from(features_at(x, k), k)` is
    /// `forward(x)` for every k.
    #[must_use]
    pub fn head_from(&self, activations: Tensor<4>, block: usize) -> Tensor<2> {
        match self {
            Self::Compact(model) => model.head_from(activations, block),
            Self::ResNet(model) => model.head_from(activations, block),
        }
    }

    /// Logits from last-block activations.
    ///
    /// # Shapes
    /// - features: `[batch, channels, h, w]`
    /// - output: `[batch, classes]`
    #[must_use]
    pub fn head(&self, features: Tensor<4>) -> Tensor<2> {
        match self {
            Self::Compact(model) => model.head(features),
            Self::ResNet(model) => model.head(features),
        }
    }

    /// Class logits.
    ///
    /// # Shapes
    /// - input: `[batch, 1, size, size]`
    /// - output: `[batch, classes]`
    #[must_use]
    pub fn forward(&self, input: Tensor<4>) -> Tensor<2> {
        self.head(self.features(input))
    }

    /// Logits and last-block activations in one pass.
    #[must_use]
    pub fn forward_with_features(&self, input: Tensor<4>) -> ClassifierOutput {
        let features = self.features(input);
        ClassifierOutput {
            logits: self.head(features.clone()),
            features,
        }
    }

    /// Class probabilities of every image of a batch, read back to the host, one row per
    /// image (the softmax of [`Self::forward`]).
    ///
    /// # Shapes
    /// - input: `[batch, 1, size, size]`; output: `batch` rows of `classes` values
    ///
    /// # Errors
    /// [`ModelError::ReadBack`] if the device cannot return the data.
    pub fn probability_rows(&self, input: Tensor<4>) -> Result<Vec<Vec<f32>>, ModelError> {
        let logits = self.forward(input);
        let [_, classes] = logits.dims();
        let values: Vec<f32> = softmax(logits, 1)
            .try_into_data()
            .map_err(|err| ModelError::ReadBack(format!("{err:?}")))?
            .try_to_vec()
            .map_err(|err| ModelError::ReadBack(format!("{err:?}")))?;
        Ok(values.chunks(classes.max(1)).map(<[f32]>::to_vec).collect())
    }
}
