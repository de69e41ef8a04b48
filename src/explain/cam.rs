//! The class-activation-map family on the last convolutional block, following
//! pytorch-grad-cam's conventions: the class score is the logit; each method turns the block's
//! activations A and the score's gradients G into a coarse map, which is `ReLU`ed, scaled per
//! map to [0, 1] (minus its minimum, over 1e-7 + its maximum) and only then upsampled
//! bilinearly (half-pixel centres) to the input size.
//!
//! - Grad-CAM: `Σ_c mean_hw(G_c)·A_c`
//! - Grad-CAM++: `Σ_c (Σ_hw ReLU(G)·α)·A_c` with `α = G² / (2G² + Σ_hw A · G³ + 1e-6)`, 0
//!   where G = 0
//! - XGrad-CAM: `Σ_c (Σ_hw G·A / (Σ_hw A + 1e-7))·A_c`
//! - HiResCAM: `Σ_c G_c ⊙ A_c`
//! - Layer-CAM: `Σ_c ReLU(G_c) ⊙ A_c`
//! - Eigen-CAM: the projection of the centred activations (positions × channels) on their
//!   first right singular vector, signed so that it agrees with the mean activation (the SVD's
//!   sign is arbitrary; pytorch-grad-cam leaves it so).
//! - Score-CAM: `Σ_c softmax_c(score(x ⊙ norm(up(A_c))))·A_c` (`score_cam.rs`).

use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Tensor, TensorData};

use super::eigen::first_principal_projection;
use super::{ExplainError, ExplainMethod, Progress};
use crate::models::ModelPair;

/// The block's activations and, for the gradient methods, the class score's gradients.
pub(super) struct BlockSignals {
    activations: Tensor<4>,
    gradients: Option<Tensor<4>>,
}

/// One forward pass split at `block`: the block's activations (plain device), the same values
/// as a gradient-tracking leaf, and the logits the head computes from that leaf.
pub(super) struct BlockPass {
    activations: Tensor<4>,
    leaf: Tensor<4>,
    /// `[batch, classes]`, on the autodiff device.
    pub(super) logits: Tensor<2>,
}

impl BlockPass {
    /// Runs `input` through the network, stopping to keep the activations of `block`.
    pub(super) fn run(models: &ModelPair, input: &Tensor<4>, block: usize) -> Self {
        let activations = models
            .inference
            .features_at(input.clone().without_autodiff(), block); // [b, c, fh, fw]
        let leaf = activations.clone().autodiff().require_grad();
        let logits = models.differentiable.head_from(leaf.clone(), block); // [b, classes]
        Self {
            activations,
            leaf,
            logits,
        }
    }

    /// The signals a CAM method needs for `class` (the score's gradients only when asked).
    pub(super) fn signals(
        self,
        class: usize,
        with_gradients: bool,
    ) -> Result<BlockSignals, ExplainError> {
        let [batch, classes] = self.logits.dims();
        if class >= classes {
            return Err(ExplainError::InvalidClass { class, classes });
        }
        if !with_gradients {
            return Ok(BlockSignals {
                activations: self.activations,
                gradients: None,
            });
        }
        let score = self.logits.slice([0..batch, class..class + 1]).sum();
        let grads = score.backward();
        crate::attacks::count_backward_pass();
        let gradients = self.leaf.grad(&grads).ok_or(ExplainError::NoGradient)?;
        Ok(BlockSignals {
            activations: self.activations,
            gradients: Some(gradients),
        })
    }
}

fn block_signals(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    with_gradients: bool,
    block: usize,
) -> Result<BlockSignals, ExplainError> {
    BlockPass::run(models, input, block).signals(class, with_gradients)
}

/// The coarse map of a CAM method before `ReLU` and scaling, `[b, 1, fh, fw]`.
pub(super) fn coarse_map(
    method: ExplainMethod,
    signals: BlockSignals,
) -> Result<Tensor<4>, ExplainError> {
    let BlockSignals {
        activations: a,
        gradients,
    } = signals;
    if method == ExplainMethod::EigenCam {
        return eigen_map(&a);
    }
    let g = gradients.ok_or(ExplainError::NoGradient)?;
    let spatial_sum = |t: Tensor<4>| t.sum_dim(3).sum_dim(2); // [b, c, 1, 1]
    Ok(match method {
        ExplainMethod::GradCam => a.mul(g.mean_dim(3).mean_dim(2)).sum_dim(1),
        ExplainMethod::GradCamPlusPlus => {
            let g2 = g.clone().powi_scalar(2);
            let g3 = g.clone().powi_scalar(3);
            let denominator = g2
                .clone()
                .mul_scalar(2.0)
                .add(spatial_sum(a.clone()).mul(g3))
                .add_scalar(1e-6);
            let alpha = g2
                .div(denominator)
                .mask_fill(g.clone().equal_elem(0.0), 0.0);
            let weights = spatial_sum(relu(g).mul(alpha));
            a.mul(weights).sum_dim(1)
        }
        ExplainMethod::XGradCam => {
            let weights =
                spatial_sum(g.mul(a.clone())).div(spatial_sum(a.clone()).add_scalar(1e-7));
            a.mul(weights).sum_dim(1)
        }
        ExplainMethod::HiResCam => g.mul(a).sum_dim(1),
        ExplainMethod::LayerCam => relu(g).mul(a).sum_dim(1),
        other => {
            return Err(ExplainError::InvalidParameter(format!(
                "{} is not a class-activation map",
                other.label()
            )));
        }
    })
}

/// Eigen-CAM's coarse map, computed per image on the host.
fn eigen_map(activations: &Tensor<4>) -> Result<Tensor<4>, ExplainError> {
    let [batch, channels, height, width] = activations.dims();
    let values = super::host(activations.clone())?;
    let positions = height * width;
    let mut maps = Vec::with_capacity(batch * positions);
    if channels * positions == 0 {
        maps.resize(batch * positions, 0.0);
    } else {
        for image in values.chunks(channels * positions) {
            maps.extend(first_principal_projection(image, channels, positions));
        }
    }
    Ok(Tensor::from_data(
        TensorData::new(maps, [batch, 1, height, width]),
        &activations.device(),
    ))
}

/// `ReLU`, per-map min–max scaling, then bilinear upsampling to `[height, width]`.
pub(super) fn finish_map(coarse: Tensor<4>, [height, width]: [usize; 2]) -> Tensor<4> {
    let [batch, _, fh, fw] = coarse.dims();
    let positive = relu(coarse);
    let flat = positive.clone().reshape([batch, fh * fw]);
    let low = flat.clone().min_dim(1).reshape([batch, 1, 1, 1]);
    let shifted = positive.sub(low);
    let high = shifted
        .clone()
        .reshape([batch, fh * fw])
        .max_dim(1)
        .reshape([batch, 1, 1, 1]);
    let scaled = shifted.div(high.add_scalar(1e-7));
    let options = InterpolateOptions::new(InterpolateMode::Bilinear)
        .with_align_corners(false)
        .with_output_size([height, width]);
    interpolate(scaled, options).clamp(0.0, 1.0)
}

/// The 0-based block a CAM reads: `layer`, or the last block when `None`.
///
/// # Errors
/// [`ExplainError::InvalidParameter`] for a block the model does not have.
pub fn resolve_block(models: &ModelPair, layer: Option<usize>) -> Result<usize, ExplainError> {
    let blocks = models.inference.blocks();
    match layer {
        None => Ok(blocks.saturating_sub(1)),
        Some(block) if block < blocks => Ok(block),
        Some(block) => Err(ExplainError::InvalidParameter(format!(
            "block {} does not exist; this model has {blocks}",
            block + 1
        ))),
    }
}

/// A CAM method's maps for `class`, one per image, in [0, 1], on block `layer` (0-based; the
/// last when `None`).
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: `[batch, 1, h, w]`
///
/// # Errors
/// [`ExplainError`] for a class out of range, a missing gradient or a method that is not a CAM.
pub fn class_activation_map(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    method: ExplainMethod,
    layer: Option<usize>,
) -> Result<Tensor<4>, ExplainError> {
    class_activation_map_reporting(models, input, class, method, layer, None)
}

/// As [`class_activation_map`], reporting Score-CAM's masked forward passes to `progress`
/// as (done, in all).
///
/// # Errors
/// As [`class_activation_map`].
pub fn class_activation_map_reporting(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    method: ExplainMethod,
    layer: Option<usize>,
    progress: Progress<'_>,
) -> Result<Tensor<4>, ExplainError> {
    let [_, _, height, width] = input.dims();
    let block = resolve_block(models, layer)?;
    if method == ExplainMethod::ScoreCam {
        let coarse = super::score_cam::score_cam_coarse(models, input, class, block, progress)?;
        return Ok(finish_map(coarse, [height, width]));
    }
    let signals = block_signals(
        models,
        input,
        class,
        method != ExplainMethod::EigenCam,
        block,
    )?;
    Ok(finish_map(coarse_map(method, signals)?, [height, width]))
}
