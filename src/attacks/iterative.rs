//! BIM, PGD (L∞ and L2) and MI-FGSM: one loop of gradient steps and projections, with random
//! starts and restarts. A restart replaces an image's result only where the earlier ones
//! failed and it succeeds.

use burn::tensor::Tensor;

use super::control::{AttackControl, success_mask};
use super::gradient::cross_entropy_gradient;
use super::objective::AttackedModel;
use super::projection::{l1_per_image, random_point_in_ball, unit_l2};
use super::region::keep_inside;
use super::{AttackConfig, AttackError, AttackKind, project};
use crate::models::ModelPair;

/// Runs an iterative attack; returns the adversarial batch and the gradient evaluations used.
pub(crate) fn iterative_attack(
    models: &ModelPair,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<(Tensor<4>, usize), AttackError> {
    let restarts = restarts_of(config);
    let total_steps = restarts * config.steps;
    let mut best: Option<(Tensor<4>, Tensor<4>)> = None; // (images, success mask [batch,1,1,1])
    for restart in 0..restarts {
        let adversarial = single_run(models, clean, labels, targeted, config, control, restart)?;
        let success = success_mask(models, &adversarial, labels, targeted, control.through)?;
        best = Some(match best {
            None => (adversarial, success),
            Some((kept, kept_success)) => {
                let take_new = success
                    .clone()
                    .mul(kept_success.clone().neg().add_scalar(1.0)); // new success where old failed
                let take_new_full = take_new.clone().expand(kept.dims()).greater_elem(0.5);
                (
                    kept.mask_where(take_new_full, adversarial),
                    kept_success.add(take_new).clamp_max(1.0),
                )
            }
        });
    }
    let (images, _) =
        best.ok_or_else(|| AttackError::InvalidParameter("restarts must be ≥ 1".to_string()))?;
    Ok((images, total_steps))
}

/// Random restarts that apply: PGD's (L∞ and L2); the other families start from the image
/// once.
fn restarts_of(config: &AttackConfig) -> usize {
    if config.kind == AttackKind::Pgd || config.kind == AttackKind::PgdL2 {
        config.restarts
    } else {
        1
    }
}

/// One run from one (random) start; `restart` numbers it for the seed and the progress.
fn single_run(
    models: &ModelPair,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
    restart: usize,
) -> Result<Tensor<4>, AttackError> {
    let total_steps = restarts_of(config) * config.steps;
    let norm = config.norm();
    let step_size = config.effective_step_size();
    let mut adversarial = keep_inside(clean, random_start(clean, config, restart), control.region);
    let mut momentum = clean.zeros_like();
    let attacked = AttackedModel {
        model: &models.differentiable,
        path: control.through,
        region: control.region,
    };
    for step in 0..config.steps {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        let gradient = cross_entropy_gradient(&attacked, &adversarial, labels, targeted)?.gradient;
        let direction = match config.kind {
            AttackKind::PgdL2 => unit_l2(gradient),
            AttackKind::MiFgsm => {
                let normalised = gradient
                    .clone()
                    .div(l1_per_image(&gradient).add_scalar(1e-12));
                momentum = momentum.mul_scalar(config.momentum).add(normalised);
                momentum.clone().sign()
            }
            _ => gradient.sign(),
        };
        adversarial = project(
            adversarial.add(direction.mul_scalar(step_size)),
            clean,
            config.epsilon,
            norm,
        );
        if let Some(report) = control.on_step {
            report(restart * config.steps + step + 1, total_steps);
        }
        if let Some(record) = control.on_iterate {
            record(restart * config.steps + step + 1, &adversarial);
        }
    }
    Ok(adversarial)
}

/// The clean image for BIM and MI-FGSM; a uniform point of the L∞ box or a random point of the
/// L2 ball for PGD with random start.
fn random_start(clean: &Tensor<4>, config: &AttackConfig, restart: usize) -> Tensor<4> {
    let is_pgd = matches!(config.kind, AttackKind::Pgd | AttackKind::PgdL2);
    if !is_pgd || !config.random_start {
        return clean.clone();
    }
    random_point_in_ball(
        clean,
        config.epsilon,
        config.norm(),
        config.seed,
        100 + restart as u64,
    )
}
