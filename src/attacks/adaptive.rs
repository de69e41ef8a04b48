//! Attacking through a defence (Athalye et al. 2018). A differentiable transform is simply
//! differentiated; BPDA replaces a non-differentiable transform's gradient by the identity's
//! (straight-through): it enters the loss as `x + stop_gradient(T_k(x) − x)`, so the forward
//! pass sees exactly the defended input while the gradient flows to `x` unchanged. EOT sums
//! the gradient over draws of a randomized transform.

use burn::tensor::Tensor;

use super::AttackError;
use super::gradient::cross_entropy_gradient;
use super::objective::AttackedModel;
use crate::models::Classifier;

/// A defence as an attacker who knows about it sees it.
pub trait DefenseGradientPath: Sync {
    /// Draws of the defence's randomness averaged per gradient (1 for a deterministic
    /// defence).
    fn samples(&self) -> usize;

    /// Whether `transform` is made of differentiable tensor operations, so that it can be
    /// applied to an autodiff tensor and differentiated exactly instead of by BPDA.
    fn differentiable(&self) -> bool {
        false
    }

    /// The defended batch (`[batch, 1, h, w]` in [0, 1]) for a fresh draw of the defence's
    /// randomness: each call draws anew. On the plain device, or on the autodiff device when
    /// [`Self::differentiable`].
    ///
    /// # Errors
    /// [`AttackError::Defense`] if the defence fails.
    fn transform(&self, images: &Tensor<4>) -> Result<Tensor<4>, AttackError>;
}

/// ∇ₓ of the attack objective through a defence: the sum over EOT draws of the objective at
/// `x + stop_gradient(T_k(x) − x)` (or at `T_k(x)` itself when the defence is differentiable);
/// all draws go through the model as one batch.
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: same.
///
/// # Errors
/// [`AttackError`] from the defence or a missing gradient.
pub fn loss_gradient_through(
    model: &Classifier,
    input: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    path: &dyn DefenseGradientPath,
) -> Result<Tensor<4>, AttackError> {
    let target = AttackedModel {
        model,
        path: Some(path),
        region: None,
    };
    Ok(cross_entropy_gradient(&target, input, labels, targeted)?.gradient)
}
