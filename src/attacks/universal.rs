//! Universal adversarial perturbations: one δ, within ε in L∞, that fools the model on many
//! scans at once (Moosavi-Dezfooli et al. 2017), fitted by stochastic gradient ascent on the
//! shared δ (SGD-UAP, Shafahi et al. 2020): for each batch, δ moves by ε/4·sign(Σ ∇ₓ CE) and is
//! clipped back to [−ε, ε]; the step halves each epoch. Its fooling rate — the share of scans
//! whose prediction it changes — is measured on the scans it was fitted on and on held-out
//! ones. A fitted δ is stored as JSON (`advlens uap`) and applied to any scan of its size.
//!
//! An adversarial patch (Brown et al. 2017) is the same idea in L0: a square of free pixel
//! values, pasted at one place (or, while fitting, at random places: EOT over positions),
//! fitted the same way and stored in the same file.

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
    /// For an adversarial patch: where it goes. `delta` then holds the patch's own pixel
    /// values (side × side, in [0, 1]), which replace the scan's there, and ε is 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchPlacement>,
}

/// Where an adversarial patch is pasted: its top-left corner and its side, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchPlacement {
    /// Top row.
    pub row: usize,
    /// Left column.
    pub column: usize,
    /// Side of the square.
    pub side: usize,
}

impl PatchPlacement {
    /// Whether the square fits in a `width`×`height` scan.
    #[must_use]
    pub fn fits(&self, width: usize, height: usize) -> bool {
        self.side > 0 && self.row + self.side <= height && self.column + self.side <= width
    }
}

/// The scans with `patch` (side × side values) pasted at `placement`, on the host.
fn paste(
    images: &[f32],
    [batch, height, width]: [usize; 3],
    patch: &[f32],
    placement: PatchPlacement,
) -> Vec<f32> {
    let mut pasted = images.to_vec();
    let side = placement.side;
    for image in 0..batch {
        for row in 0..side {
            let start = image * height * width + (placement.row + row) * width + placement.column;
            pasted[start..start + side].copy_from_slice(&patch[row * side..(row + 1) * side]);
        }
    }
    pasted
}

/// Fits an adversarial patch of `side` pixels on `batches`: at `at` when given, else at a
/// random place per batch (EOT over positions, seeded). Each batch moves the patch by
/// step·sign(Σ ∂CE/∂patch), clipped to [0, 1]; the step starts at 1/8 and halves each epoch.
///
/// # Errors
/// [`AttackError`] for a patch that does not fit, cancellation, or a missing gradient.
pub fn fit_patch(
    models: &ModelPair,
    batches: &[(Tensor<4>, Vec<usize>)],
    side: usize,
    at: Option<(usize, usize)>,
    epochs: usize,
    seed: u64,
    control: &AttackControl<'_>,
) -> Result<Vec<f32>, AttackError> {
    use rand::{Rng, SeedableRng};
    let Some((first, _)) = batches.first() else {
        return Err(AttackError::InvalidParameter(
            "no scans to fit a patch on".to_string(),
        ));
    };
    let [_, _, height, width] = first.dims();
    let fixed = at.map(|(row, column)| PatchPlacement { row, column, side });
    let probe = fixed.unwrap_or(PatchPlacement {
        row: 0,
        column: 0,
        side,
    });
    if !probe.fits(width, height) {
        return Err(AttackError::InvalidParameter(format!(
            "a {side}×{side} patch at ({}, {}) does not fit in a {width}×{height} scan",
            probe.row, probe.column
        )));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(700);
    let mut patch = vec![0.5f32; side * side];
    let attacked = AttackedModel {
        model: &models.differentiable,
        path: control.through,
        region: None,
    };
    let total = epochs.max(1) * batches.len();
    let mut step = 0.125f32;
    for epoch in 0..epochs.max(1) {
        for (index, (images, labels)) in batches.iter().enumerate() {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled);
            }
            let placement = fixed.unwrap_or_else(|| PatchPlacement {
                row: rng.random_range(0..=height - side),
                column: rng.random_range(0..=width - side),
                side,
            });
            let count = images.dims()[0];
            let pasted = paste(
                &host_values(images.clone())?,
                [count, height, width],
                &patch,
                placement,
            );
            let input = Tensor::from_data(
                TensorData::new(pasted, [count, 1, height, width]),
                &images.device(),
            );
            let gradient =
                host_values(cross_entropy_gradient(&attacked, &input, labels, false)?.gradient)?;
            for (k, value) in patch.iter_mut().enumerate() {
                let (row, column) = (placement.row + k / side, placement.column + k % side);
                let sum: f32 = (0..count)
                    .map(|image| gradient[image * height * width + row * width + column])
                    .sum();
                *value = (*value + step * sum.signum()).clamp(0.0, 1.0);
            }
            if let Some(report) = control.on_step {
                report(epoch * batches.len() + index + 1, total);
            }
        }
        step /= 2.0;
    }
    Ok(patch)
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
        if let Some(placement) = self.patch {
            if channels != 1
                || !placement.fits(width, height)
                || self.delta.len() != placement.side * placement.side
            {
                return Err(AttackError::InvalidParameter(format!(
                    "this {}×{} patch at ({}, {}) does not fit the model's {width}×{height} input",
                    placement.side, placement.side, placement.row, placement.column
                )));
            }
            let pasted = paste(
                &host_values(clean.clone())?,
                [batch, height, width],
                &self.delta,
                placement,
            );
            return Ok(Tensor::from_data(
                TensorData::new(pasted, clean.dims()),
                &clean.device(),
            ));
        }
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
        region: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn a_patch_replaces_exactly_its_square() {
        let patch = UniversalPerturbation {
            model: "m".into(),
            epsilon: 1.0,
            width: 6,
            height: 5,
            delta: vec![1.0, 0.25, 0.5, 0.0],
            epochs: 1,
            source: "s".into(),
            fit_images: 1,
            fit_fooled: 0,
            held_out_images: 0,
            held_out_fooled: 0,
            patch: Some(PatchPlacement {
                row: 2,
                column: 3,
                side: 2,
            }),
        };
        let clean = Tensor::<4>::full([2, 1, 5, 6], 0.75, &Device::flex());
        let pasted = host_values(patch.apply(&clean).unwrap()).unwrap();
        for image in 0..2 {
            for row in 0..5 {
                for column in 0..6 {
                    let value = pasted[image * 30 + row * 6 + column];
                    let expected = match (row, column) {
                        (2, 3) => 1.0,
                        (2, 4) => 0.25,
                        (3, 3) => 0.5,
                        (3, 4) => 0.0,
                        _ => 0.75,
                    };
                    assert_eq!(value, expected, "({row}, {column})");
                }
            }
        }
        let outside = UniversalPerturbation {
            patch: Some(PatchPlacement {
                row: 4,
                column: 5,
                side: 2,
            }),
            ..patch
        };
        assert!(outside.apply(&clean).is_err());
    }
}
