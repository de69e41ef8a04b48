//! Grad-CAM: weight each channel of the last convolutional block by the spatial mean of the
//! class score's gradient, sum, `ReLU`, upsample bilinearly to the input size and scale each
//! map to [0, 1] by its maximum.

use burn::tensor::Tensor;
use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};

use crate::models::ModelPair;

/// Errors from explanations.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The class does not exist.
    #[error("class {class} does not exist; the model has {classes} classes")]
    InvalidClass {
        /// Asked for.
        class: usize,
        /// Available.
        classes: usize,
    },
    /// Autodiff returned no gradient for the activations.
    #[error("no gradient reached the last convolutional block")]
    NoGradient,
}

/// Grad-CAM maps for `class`, one per image, in [0, 1].
///
/// # Shapes
/// - input: `[batch, 1, h, w]`
/// - output: `[batch, 1, h, w]`
///
/// # Errors
/// [`ExplainError`] for a class out of range or a missing gradient.
pub fn grad_cam(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
) -> Result<Tensor<4>, ExplainError> {
    let [batch, _, height, width] = input.dims();
    let activations = models.inference.features(input.clone().without_autodiff()); // [batch, c, fh, fw]
    let leaf = activations.clone().autodiff().require_grad();
    let logits = models.differentiable.head(leaf.clone()); // [batch, classes]
    let [_, classes] = logits.dims();
    if class >= classes {
        return Err(ExplainError::InvalidClass { class, classes });
    }
    let score = logits.slice([0..batch, class..class + 1]).sum();
    let gradients = leaf
        .grad(&score.backward())
        .ok_or(ExplainError::NoGradient)?; // [batch, c, fh, fw]
    let weights = gradients.mean_dim(3).mean_dim(2); // [batch, c, 1, 1]
    let cam = relu(activations.mul(weights).sum_dim(1)); // [batch, 1, fh, fw]
    let options = InterpolateOptions::new(InterpolateMode::Bilinear)
        .with_align_corners(false)
        .with_output_size([height, width]);
    let upsampled = interpolate(cam, options).clamp_min(0.0); // [batch, 1, h, w]
    let peak = upsampled
        .clone()
        .reshape([batch, height * width])
        .max_dim(1)
        .reshape([batch, 1, 1, 1]);
    Ok(upsampled.div(peak.clamp_min(1e-12)))
}
