//! Universal adversarial perturbations: one δ, within ε in L∞, that fools the model on many
//! scans at once (Moosavi-Dezfooli et al. 2017), fitted by stochastic gradient ascent on the
//! shared δ (SGD-UAP, Shafahi et al. 2020): for each batch, δ moves by ε/4·sign(Σ ∇ₓ CE) and is
//! clipped back to [−ε, ε]; the step halves each epoch. Its fooling rate — the share of scans
//! whose prediction it changes — is measured on the scans it was fitted on and on held-out
//! ones. A fitted δ is stored as JSON (`advlens uap`) and applied to any scan of its size.

use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::control::AttackControl;
use super::gradient::cross_entropy_gradient;
use super::objective::{AttackedModel, host_values};
use super::{AttackError, predicted_class, probabilities};
use crate::models::ModelPair;

/// A fitted universal perturbation and how well it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniversalPerturbation {
    /// The model it was fitted on.
    pub model: String,
    /// Its L∞ radius on the [0, 1] scale.
    pub epsilon: f64,
    /// Width of δ in pixels (the model's input size).
    pub width: usize,
    /// Height of δ in pixels.
    pub height: usize,
    /// δ, row-major, every value in [−ε, ε].
    pub delta: Vec<f32>,
    /// Passes over the fitting scans.
    pub epochs: usize,
    /// The scans it was fitted on, in words.
    pub source: String,
    /// Scans it was fitted on.
    pub fit_images: usize,
    /// Of those, how many it fools (prediction changed).
    pub fit_fooled: usize,
    /// Held-out scans it was measured on.
    pub held_out_images: usize,
    /// Of those, how many it fools.
    pub held_out_fooled: usize,
}

impl UniversalPerturbation {
    /// The scan with δ added, clipped to [0, 1].
    ///
    /// # Shapes
    /// - clean: `[batch, 1, height, width]`; output: same.
    ///
    /// # Errors
    /// [`AttackError::InvalidParameter`] when δ's size is not the scan's.
    pub fn apply(&self, clean: &Tensor<4>) -> Result<Tensor<4>, AttackError> {
        let [batch, channels, height, width] = clean.dims();
        if channels != 1
            || height != self.height
            || width != self.width
            || self.delta.len() != height * width
        {
            return Err(AttackError::InvalidParameter(format!(
                "this universal perturbation is {}×{} (fitted on {}); the model's input is {width}×{height}",
                self.width, self.height, self.model
            )));
        }
        let delta = Tensor::<4>::from_data(
            TensorData::new(self.delta.clone(), [1, 1, height, width]),
            &clean.device(),
        )
        .repeat_dim(0, batch);
        Ok(clean.clone().add(delta).clamp(0.0, 1.0))
    }

    /// Share of held-out scans it fools (0 when there were none).
    #[must_use]
    pub fn held_out_rate(&self) -> f64 {
        self.held_out_fooled as f64 / self.held_out_images.max(1) as f64
    }

    /// Share of the fitting scans it fools.
    #[must_use]
    pub fn fit_rate(&self) -> f64 {
        self.fit_fooled as f64 / self.fit_images.max(1) as f64
    }
}

/// Fits δ on `batches` (`[b, 1, h, w]` scans with the labels to move away from). `control`
/// reports progress per batch and epoch and can cancel.
///
/// # Errors
/// [`AttackError`] for a bad ε, cancellation, or a missing gradient.
pub fn fit_universal(
    models: &ModelPair,
    batches: &[(Tensor<4>, Vec<usize>)],
    epsilon: f64,
    epochs: usize,
    control: &AttackControl<'_>,
) -> Result<Vec<f32>, AttackError> {
    if !epsilon.is_finite() || !(0.0..=1.0).contains(&epsilon) {
        return Err(AttackError::InvalidEpsilon(epsilon.to_string()));
    }
    let Some((first, _)) = batches.first() else {
        return Err(AttackError::InvalidParameter(
            "no scans to fit a universal perturbation on".to_string(),
        ));
    };
    let [_, _, height, width] = first.dims();
    let device = first.device();
    let mut delta = Tensor::<4>::zeros([1, 1, height, width], &device);
    let attacked = AttackedModel {
        model: &models.differentiable,
        path: control.through,
    };
    let total = epochs.max(1) * batches.len();
    let mut step = epsilon / 4.0;
    for epoch in 0..epochs.max(1) {
        for (index, (images, labels)) in batches.iter().enumerate() {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled);
            }
            let count = images.dims()[0];
            let perturbed = images
                .clone()
                .add(delta.clone().repeat_dim(0, count))
                .clamp(0.0, 1.0);
            let gradient = cross_entropy_gradient(&attacked, &perturbed, labels, false)?.gradient;
            let shared = gradient.sum_dim(0); // [1, 1, h, w]: ∂/∂δ of the summed loss
            delta = delta
                .add(shared.sign().mul_scalar(step))
                .clamp(-epsilon, epsilon);
            if let Some(report) = control.on_step {
                report(epoch * batches.len() + index + 1, total);
            }
        }
        step /= 2.0;
    }
    host_values(delta)
}

/// How many scans of `batches` change their prediction when δ is added.
///
/// # Errors
/// [`AttackError`] from a read-back or a size mismatch.
pub fn count_fooled(
    models: &ModelPair,
    batches: &[(Tensor<4>, Vec<usize>)],
    perturbation: &UniversalPerturbation,
) -> Result<usize, AttackError> {
    let mut fooled = 0;
    for (images, _) in batches {
        let clean = probabilities(models, images)?;
        let attacked = probabilities(models, &perturbation.apply(images)?)?;
        fooled += clean
            .iter()
            .zip(&attacked)
            .filter(|(c, a)| predicted_class(c) != predicted_class(a))
            .count();
    }
    Ok(fooled)
}
