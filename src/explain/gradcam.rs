//! Grad-CAM by name, for the callers that want only it (the benchmark, the tests).

use burn::tensor::Tensor;

use super::{ExplainError, ExplainMethod, class_activation_map};
use crate::models::ModelPair;

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
    class_activation_map(models, input, class, ExplainMethod::GradCam, None)
}
