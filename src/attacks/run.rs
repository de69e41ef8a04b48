//! Running any attack: target resolution, dispatch to the family, cancellation and progress.

use burn::tensor::Tensor;

use super::apgd::{ApgdGoal, ApgdLoss, ApgdSettings, apgd};
use super::autoattack::{AttackStage, autoattack};
use super::carlini_wagner::carlini_wagner;
use super::control::AttackControl;
use super::deepfool::deepfool;
use super::few_pixel::few_pixel_attack;
use super::fgsm::FgsmGradient;
use super::iterative::iterative_attack;
use super::jsma::jsma;
use super::noise::noise_control;
use super::objective::AttackedModel;
use super::queries::{QueriedModel, ScoreQueries};
use super::region::keep_inside;
use super::square::square_attack;
use super::{AttackConfig, AttackError, AttackKind, TargetSpec};
use crate::models::ModelPair;

/// What an attack produced.
#[derive(Debug, Clone)]
pub struct AttackOutcome {
    /// The adversarial batch, in [0, 1].
    pub adversarial: Tensor<4>,
    /// Gradient evaluations (forward + backward passes) used.
    pub gradient_evaluations: usize,
    /// Score queries per image (the Square attack, AutoAttack's Square stage); 0 otherwise.
    pub queries: usize,
    /// AutoAttack-lite's stages, with the images still robust after each; empty otherwise.
    pub stages: Vec<AttackStage>,
    /// What ran differently from what was asked, in words (DLR replaced by cross-entropy on a
    /// binary model).
    pub notes: Vec<String>,
}

impl AttackOutcome {
    /// An outcome of gradient evaluations only.
    fn from_gradients(adversarial: Tensor<4>, gradient_evaluations: usize) -> Self {
        Self {
            adversarial,
            gradient_evaluations,
            queries: 0,
            stages: Vec::new(),
            notes: Vec::new(),
        }
    }
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
    crate::fault::inject(crate::fault::FaultStage::Attack);
    config.validate(usize::MAX)?;
    let Some(region) = &config.region else {
        return dispatch(models, clean, labels, targeted, config, control);
    };
    let [_, _, height, width] = clean.dims();
    region.check_for(config.kind, width, height)?;
    let mask = region.mask(width, height, &clean.device());
    let confined = AttackControl {
        region: Some(&mask),
        ..*control
    };
    let mut outcome = dispatch(models, clean, labels, targeted, config, &confined)?;
    outcome.adversarial = keep_inside(clean, outcome.adversarial, Some(&mask));
    Ok(outcome)
}

/// Runs the attack family `config` names, confined to `control.region` when there is one.
fn dispatch(
    models: &ModelPair,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<AttackOutcome, AttackError> {
    let gradients = AttackedModel {
        model: &models.differentiable,
        path: control.through,
        region: control.region,
    };
    let scores = QueriedModel {
        model: &models.inference,
        path: control.through,
    };
    match config.kind {
        AttackKind::Fgsm => {
            let gradient = FgsmGradient::compute_through(
                &models.differentiable,
                clean.clone(),
                labels,
                targeted,
                control.through,
            )?;
            Ok(AttackOutcome::from_gradients(
                gradient.apply(config.epsilon),
                1,
            ))
        }
        AttackKind::Noise => Ok(AttackOutcome::from_gradients(
            noise_control(clean, config, control.region),
            0,
        )),
        AttackKind::Bim | AttackKind::Pgd | AttackKind::PgdL2 | AttackKind::MiFgsm => {
            let (adversarial, gradient_evaluations) =
                iterative_attack(models, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome::from_gradients(
                adversarial,
                gradient_evaluations,
            ))
        }
        AttackKind::DeepFool => {
            let (adversarial, passes) =
                deepfool(&gradients, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome::from_gradients(adversarial, passes))
        }
        AttackKind::CarliniWagner => {
            let (adversarial, passes) =
                carlini_wagner(&gradients, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome::from_gradients(adversarial, passes))
        }
        AttackKind::ApgdCe | AttackKind::ApgdDlr => run_apgd(
            &gradients, &scores, clean, labels, targeted, config, control,
        ),
        AttackKind::Square => {
            let result = square_attack(&scores, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome {
                adversarial: result.adversarial,
                gradient_evaluations: 0,
                queries: result.queries.iter().copied().max().unwrap_or(0),
                stages: Vec::new(),
                notes: Vec::new(),
            })
        }
        AttackKind::Universal => {
            let perturbation = config.universal.as_ref().ok_or_else(|| {
                AttackError::InvalidParameter(
                    "no universal perturbation loaded: fit one with `advlens uap` and load its uap.json".to_string(),
                )
            })?;
            Ok(AttackOutcome::from_gradients(perturbation.apply(clean)?, 0))
        }
        AttackKind::Jsma => {
            let (adversarial, passes) = jsma(&gradients, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome::from_gradients(adversarial, passes))
        }
        AttackKind::FewPixel => {
            let result = few_pixel_attack(&scores, clean, labels, targeted, config, control)?;
            Ok(AttackOutcome {
                adversarial: result.adversarial,
                gradient_evaluations: 0,
                queries: result.queries,
                stages: Vec::new(),
                notes: Vec::new(),
            })
        }
        AttackKind::AutoAttack => {
            if targeted {
                return Err(AttackError::InvalidParameter(
                    "AutoAttack-lite is untargeted: choose \"untargeted\", or APGD-DLR for a targeted run".to_string(),
                ));
            }
            let result = autoattack(&gradients, &scores, clean, labels, config, control)?;
            Ok(AttackOutcome {
                adversarial: result.adversarial,
                gradient_evaluations: result.passes,
                queries: result.queries,
                stages: result.stages,
                notes: result.notes,
            })
        }
    }
}

/// APGD-CE or APGD-DLR, with DLR replaced by cross-entropy (and a note) where the model has
/// too few classes for it.
fn run_apgd(
    gradients: &AttackedModel<'_>,
    scores: &QueriedModel<'_>,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<AttackOutcome, AttackError> {
    let asked = if config.kind == AttackKind::ApgdDlr {
        ApgdLoss::Dlr
    } else {
        ApgdLoss::CrossEntropy
    };
    let classes = scores.logits(clean)?.first().map_or(0, Vec::len);
    let (loss, note) = asked.usable(classes, targeted);
    let goal = if targeted {
        ApgdGoal {
            away_from: None,
            towards: Some(labels),
        }
    } else {
        ApgdGoal {
            away_from: Some(labels),
            towards: None,
        }
    };
    let settings = ApgdSettings {
        loss,
        norm: config.norm(),
        epsilon: config.epsilon,
        steps: config.steps,
        seed: config.seed,
        stream: 400,
    };
    let result = apgd(
        gradients,
        clean,
        goal,
        &settings,
        control,
        (0, config.steps),
    )?;
    let mut outcome = AttackOutcome::from_gradients(result.adversarial, result.passes);
    outcome.notes.extend(note);
    Ok(outcome)
}

/// Class probabilities of a batch, read back to the host: one row per image.
///
/// # Errors
/// [`AttackError::ReadBack`] if the device cannot return the data.
pub fn probabilities(models: &ModelPair, images: &Tensor<4>) -> Result<Vec<Vec<f32>>, AttackError> {
    models
        .inference
        .probability_rows(images.clone().without_autodiff())
        .map_err(|err| AttackError::ReadBack(err.reason()))
}
