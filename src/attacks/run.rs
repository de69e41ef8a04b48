//! Running any attack: target resolution, dispatch to the family, cancellation and progress.

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

use super::control::AttackControl;
use super::fgsm::FgsmGradient;
use super::iterative::iterative_attack;
use super::noise::noise_control;
use super::{AttackConfig, AttackError, AttackKind, TargetSpec};
use crate::models::ModelPair;

/// What an attack produced.
#[derive(Debug, Clone)]
pub struct AttackOutcome {
    /// The adversarial batch, in [0, 1].
    pub adversarial: Tensor<4>,
    /// Gradient evaluations (forward + backward passes) used.
    pub gradient_evaluations: usize,
}

/// The most probable class of one image's probabilities (0 for an empty list).
#[must_use]
pub fn predicted_class(probabilities: &[f32]) -> usize {
    probabilities
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(index, _)| index)
}

/// Whether a prediction counts as the attack's success: an untargeted attack succeeds when
/// the prediction leaves `label`, a targeted one only when it reaches `target`.
#[must_use]
pub fn attack_succeeded(predicted: usize, label: usize, target: Option<usize>) -> bool {
    match target {
        Some(class) => predicted == class,
        None => predicted != label,
    }
}

/// The class an attack aims for, given the clean probabilities of one image: `None` when
/// untargeted.
#[must_use]
pub fn resolve_target(spec: TargetSpec, clean_probabilities: &[f32]) -> Option<usize> {
    match spec {
        TargetSpec::Untargeted => None,
        TargetSpec::Class(class) => Some(class),
        TargetSpec::LeastLikely => clean_probabilities
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(index, _)| index),
    }
}

/// Runs an attack on a batch.
///
/// `labels` are the classes to move away from (untargeted) or towards (`targeted`).
///
/// # Errors
/// [`AttackError`] for bad parameters, cancellation or a missing gradient.
pub fn run_attack(
    models: &ModelPair,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<AttackOutcome, AttackError> {
    config.validate(usize::MAX)?;
    match config.kind {
        AttackKind::Fgsm => {
            let gradient = FgsmGradient::compute_through(
                &models.differentiable,
                clean.clone(),
                labels,
                targeted,
                control.through,
            )?;
            Ok(AttackOutcome {
                adversarial: gradient.apply(config.epsilon),
                gradient_evaluations: 1,
            })
        }
        AttackKind::Noise => Ok(AttackOutcome {
            adversarial: noise_control(clean, config),
            gradient_evaluations: 0,
        }),
        AttackKind::Bim | AttackKind::Pgd | AttackKind::PgdL2 | AttackKind::MiFgsm => {
            let (adversarial, gradient_evaluations) =
                iterative_attack(models, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome {
                adversarial,
                gradient_evaluations,
            })
        }
    }
}

/// Class probabilities of a batch, read back to the host: one row per image.
///
/// # Errors
/// [`AttackError::ReadBack`] if the device cannot return the data.
pub fn probabilities(models: &ModelPair, images: &Tensor<4>) -> Result<Vec<Vec<f32>>, AttackError> {
    let logits = models.inference.forward(images.clone().without_autodiff());
    let [batch, classes] = logits.dims();
    let values: Vec<f32> = softmax(logits, 1)
        .try_into_data()
        .map_err(|err| AttackError::ReadBack(format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| AttackError::ReadBack(format!("{err:?}")))?;
    debug_assert_eq!(values.len(), batch * classes);
    Ok(values.chunks(classes).map(<[f32]>::to_vec).collect())
}
