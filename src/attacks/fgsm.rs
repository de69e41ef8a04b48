//! FGSM with a reusable gradient: the sign of the input gradient is computed once per
//! (scan, model, target) and every ε after that costs one element-wise update.

use burn::tensor::Tensor;

use super::gradient::cross_entropy_gradient;
use super::objective::AttackedModel;
use super::region::{Region, keep_inside};
use super::{AttackError, DefenseGradientPath};
use crate::models::Classifier;

/// The sign of the attack gradient at a clean image, ready to be scaled by any ε.
#[derive(Debug, Clone)]
pub struct FgsmGradient {
    clean: Tensor<4>,
    direction: Tensor<4>,
}

impl FgsmGradient {
    /// Computes the gradient sign once (one forward and one backward pass).
    ///
    /// # Errors
    /// As [`loss_gradient`].
    pub fn compute(
        model: &Classifier,
        clean: Tensor<4>,
        labels: &[usize],
        targeted: bool,
    ) -> Result<Self, AttackError> {
        Self::compute_through(model, clean, labels, targeted, None)
    }

    /// As [`Self::compute`], through a defence when `through` is given (exact, BPDA or EOT).
    ///
    /// # Errors
    /// As [`loss_gradient_through`].
    pub fn compute_through(
        model: &Classifier,
        clean: Tensor<4>,
        labels: &[usize],
        targeted: bool,
        through: Option<&dyn DefenseGradientPath>,
    ) -> Result<Self, AttackError> {
        let attacked = AttackedModel {
            model,
            path: through,
            region: None,
        };
        let gradient = cross_entropy_gradient(&attacked, &clean, labels, targeted)?.gradient;
        Ok(Self {
            clean,
            direction: gradient.sign(),
        })
    }

    /// The FGSM image for ε: `clamp(x + ε·sign(∇), 0, 1)`.
    #[must_use]
    pub fn apply(&self, epsilon: f64) -> Tensor<4> {
        self.clean
            .clone()
            .add(self.direction.clone().mul_scalar(epsilon))
            .clamp(0.0, 1.0)
    }

    /// The same gradient confined to `region`: the sign is 0 outside it (as the sign of a
    /// gradient masked there), so every ε leaves those pixels clean, bit for bit.
    #[must_use]
    pub fn within(self, region: Option<&Region>) -> Self {
        let Some(region) = region else {
            return self;
        };
        let dims = self.clean.dims();
        let mask = region.mask(dims[3], dims[2], &self.direction.device());
        let zero = self.direction.zeros_like();
        Self {
            direction: keep_inside(&zero, self.direction, Some(&mask)),
            clean: self.clean,
        }
    }

    /// The gradient sign (−1, 0 or 1 per pixel).
    #[must_use]
    pub fn direction(&self) -> &Tensor<4> {
        &self.direction
    }
}
