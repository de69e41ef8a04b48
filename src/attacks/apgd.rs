//! Auto-PGD (Croce & Hein 2020) on a classifier: PGD without a step size to tune (the ascent
//! itself, shared with the segmentation attacks, is in `apgd_ascent.rs`; its checkpoints are
//! `w_j = ⌈p_j·N⌉` with `p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)`).
//! Losses: cross-entropy or the difference-of-logits ratio (DLR), untargeted or targeted; L∞
//! or L2. Success is leaving the true class (or reaching the target).

use burn::tensor::Tensor;

use super::apgd_ascent::{AscentBudget, AscentStop, Measured, apgd_ascent};
use super::control::AttackControl;
use super::losses::{best_other, cross_entropy_rows, dlr_min_classes, dlr_rows};
use super::objective::{AttackedLogits, LogitRows, differentiate};
use super::per_image::fooled;
use super::projection::random_point_in_ball;
use super::region::keep_inside;
use super::{AttackError, Norm};

/// The loss APGD maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApgdLoss {
    /// Cross-entropy.
    CrossEntropy,
    /// Difference of logits ratio.
    Dlr,
}

impl ApgdLoss {
    /// The loss that can run on `classes` classes, and a note when DLR had to give way to
    /// cross-entropy.
    pub(crate) fn usable(self, classes: usize, targeted: bool) -> (Self, Option<String>) {
        let needed = dlr_min_classes(targeted);
        if self == Self::Dlr && classes < needed {
            let kind = if targeted { "targeted DLR" } else { "DLR" };
            return (
                Self::CrossEntropy,
                Some(format!(
                    "{kind} needs at least {needed} classes and this model has {classes}: cross-entropy was used instead"
                )),
            );
        }
        (self, None)
    }
}

/// What APGD aims at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApgdGoal<'a> {
    /// The true classes: success is leaving them (AutoAttack counts a targeted run's success
    /// this way too).
    pub away_from: Option<&'a [usize]>,
    /// The classes to move towards (targeted); success is reaching them when `away_from` is
    /// absent.
    pub towards: Option<&'a [usize]>,
}

/// The run's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApgdSettings {
    /// The loss.
    pub loss: ApgdLoss,
    /// The ball's norm.
    pub norm: Norm,
    /// Its radius.
    pub epsilon: f64,
    /// Gradient steps.
    pub steps: usize,
    /// Seed and stream of the random start.
    pub seed: u64,
    /// Stream of the random start, so that AutoAttack's stages start apart.
    pub stream: u64,
}

impl ApgdSettings {
    /// A seeded random point of the ball around `clean`, where the run starts.
    fn random_start(&self, clean: &Tensor<4>) -> Tensor<4> {
        random_point_in_ball(clean, self.epsilon, self.norm, self.seed, self.stream)
    }
}

/// What one APGD run found.
pub(crate) struct ApgdResult {
    /// Per image, the first point that fooled the model, else the point of highest loss.
    pub adversarial: Tensor<4>,
    /// Per image, whether the model was fooled.
    pub fooled: Vec<bool>,
    /// Backward passes used.
    pub passes: usize,
}

/// The objective of the goal, per row.
fn objective(rows: &LogitRows, loss: ApgdLoss, goal: ApgdGoal<'_>) -> Tensor<1> {
    let count = rows.host.len();
    let towards = goal.towards.map(|t| rows.per_row(t));
    let away = goal.away_from.map(|a| rows.per_row(a));
    match (loss, towards, away) {
        (ApgdLoss::CrossEntropy, Some(towards), _) => cross_entropy_rows(rows, &towards).neg(),
        (ApgdLoss::CrossEntropy, None, Some(away)) => cross_entropy_rows(rows, &away),
        (ApgdLoss::Dlr, Some(towards), away) => {
            let from: Vec<usize> = away.unwrap_or_else(|| {
                (0..count)
                    .map(|row| best_other(&rows.host[row], towards[row]))
                    .collect()
            });
            dlr_rows(rows, &from, Some(&towards))
        }
        (ApgdLoss::Dlr, None, Some(away)) => dlr_rows(rows, &away, None),
        (_, None, None) => rows
            .logits
            .clone()
            .sum_dim(1)
            .reshape([count])
            .mul_scalar(0.0),
    }
}

/// Whether each image's logits meet the goal.
fn goal_met(logits: &[Vec<f32>], goal: ApgdGoal<'_>) -> Vec<bool> {
    logits
        .iter()
        .enumerate()
        .map(|(i, row)| match (goal.away_from, goal.towards) {
            (Some(away), _) => fooled(row, away[i], false),
            (None, Some(towards)) => fooled(row, towards[i], true),
            (None, None) => false,
        })
        .collect()
}

/// Runs APGD. `progress` is (steps done before this run, steps in all) for the progress report.
pub(crate) fn apgd(
    target: &dyn AttackedLogits,
    clean: &Tensor<4>,
    goal: ApgdGoal<'_>,
    settings: &ApgdSettings,
    control: &AttackControl<'_>,
    progress: (usize, usize),
) -> Result<ApgdResult, AttackError> {
    let measure = |x: &Tensor<4>| -> Result<Measured, AttackError> {
        let measured = differentiate(target, x, &|rows| objective(rows, settings.loss, goal))?;
        Ok(Measured {
            met: goal_met(&measured.logits, goal),
            values: measured.values,
            gradient: measured.gradient,
        })
    };
    let start = keep_inside(clean, settings.random_start(clean), control.region);
    let budget = AscentBudget {
        norm: settings.norm,
        epsilon: settings.epsilon,
        steps: settings.steps,
    };
    let stop = || control.should_stop.is_some_and(|stop| stop());
    let step_done = |done: usize| {
        if let Some(report) = control.on_step {
            report(progress.0 + done, progress.1);
        }
    };
    match apgd_ascent(clean, start, budget, &measure, &stop, &step_done) {
        Ok(found) => Ok(ApgdResult {
            adversarial: found.adversarial,
            fooled: found.met,
            passes: found.passes,
        }),
        Err(AscentStop::Failed(err)) => Err(err),
        Err(AscentStop::Stopped) => Err(AttackError::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dlr_gives_way_on_binary_models() {
        let (loss, note) = ApgdLoss::Dlr.usable(2, false);
        assert_eq!(loss, ApgdLoss::CrossEntropy);
        assert!(note.unwrap().contains("at least 3 classes"));
        assert_eq!(ApgdLoss::Dlr.usable(4, true), (ApgdLoss::Dlr, None));
    }
}
