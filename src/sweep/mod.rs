//! The ε-sweep curve: the true class's probability as ε grows, for any attack. FGSM reuses one
//! gradient for every point; iterative attacks run once per point.

use serde::{Deserialize, Serialize};

use crate::attacks::{
    AttackConfig, AttackControl, AttackError, AttackKind, FgsmGradient, predicted_class,
    probabilities, resolve_target, run_attack,
};
use crate::device::ComputeDevice;
use crate::imaging::{Scan, model_input_from_scan};
use crate::models::LoadedModel;
use crate::pipeline::PipelineError;

/// One point of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// ε on the [0, 1] scale.
    pub epsilon: f64,
    /// Probability of the true (or clean-predicted) class.
    pub true_class_probability: f32,
    /// The predicted class at this ε.
    pub predicted: usize,
}

/// The first ε at which the prediction leaves the label, if any.
#[must_use]
pub fn flip_point(points: &[SweepPoint], label: usize) -> Option<f64> {
    points
        .iter()
        .find(|p| p.predicted != label)
        .map(|p| p.epsilon)
}

/// Evaluates `points` evenly spaced ε from 0 to `max_epsilon` (inclusive).
///
/// # Errors
/// [`PipelineError`], including a cancelled attack.
#[allow(clippy::too_many_arguments)]
pub fn epsilon_sweep(
    model: &LoadedModel,
    scan: &Scan,
    attack: &AttackConfig,
    max_epsilon: f64,
    points: usize,
    true_label: Option<usize>,
    device: &ComputeDevice,
    control: &AttackControl<'_>,
) -> Result<Vec<SweepPoint>, PipelineError> {
    let clean = model_input_from_scan(scan, model.card.spec.input_size, &device.device);
    let clean_probs = probabilities(&model.models, &clean)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let label = true_label.unwrap_or_else(|| predicted_class(&clean_probs));
    let target = resolve_target(attack.target, &clean_probs);
    let aim = target.unwrap_or(label);
    let fgsm = if attack.kind == AttackKind::Fgsm {
        Some(FgsmGradient::compute(
            &model.models.differentiable,
            clean.clone(),
            &[aim],
            target.is_some(),
        )?)
    } else {
        None
    };
    let count = points.max(2);
    let mut curve = Vec::with_capacity(count);
    for index in 0..count {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled.into());
        }
        let epsilon = max_epsilon * index as f64 / (count - 1) as f64;
        let adversarial = if let Some(gradient) = &fgsm {
            gradient.apply(epsilon)
        } else {
            let config = AttackConfig {
                epsilon,
                ..attack.clone()
            };
            run_attack(
                &model.models,
                &clean,
                &[aim],
                target.is_some(),
                &config,
                control,
            )?
            .adversarial
        };
        let probs = probabilities(&model.models, &adversarial)?
            .into_iter()
            .next()
            .unwrap_or_default();
        curve.push(SweepPoint {
            epsilon,
            true_class_probability: probs.get(label).copied().unwrap_or(0.0),
            predicted: predicted_class(&probs),
        });
    }
    Ok(curve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flip_point_is_the_first_changed_prediction() {
        let points = [0.0, 0.01, 0.02, 0.03].map(|epsilon| SweepPoint {
            epsilon,
            true_class_probability: 0.5,
            predicted: usize::from(epsilon > 0.015),
        });
        assert_eq!(flip_point(&points, 0), Some(0.02));
        assert_eq!(flip_point(&points[..2], 0), None);
    }
}
