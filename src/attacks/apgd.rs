//! Auto-PGD (Croce & Hein 2020): PGD without a step size to tune. The step starts at 2ε, a
//! momentum of 0.75 mixes each projected step with the previous move, and at checkpoints
//! (`w_j = ⌈p_j·N⌉` with `p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)`) the
//! step halves for an image whose loss rose in fewer than 75 % of the steps since the last
//! checkpoint, or whose best loss did not move while its step stayed the same; such an image
//! restarts from its best point. Losses: cross-entropy or the difference-of-logits ratio
//! (DLR), untargeted or targeted; L∞ or L2.

use burn::tensor::Tensor;

use super::control::AttackControl;
use super::losses::{best_other, cross_entropy_rows, dlr_min_classes, dlr_rows};
use super::objective::{AttackedLogits, Differentiated, LogitRows, differentiate};
use super::per_image::{choose_images, fooled, per_image_scalars};
use super::projection::{random_point_in_ball, unit_l2};
use super::region::keep_inside;
use super::{AttackError, Norm, project};

/// The fraction of steps since the last checkpoint in which the loss must have risen for the
/// step size to stay (ρ in the paper).
const RHO: f64 = 0.75;
/// The momentum α of the paper.
const MOMENTUM: f32 = 0.75;

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

/// The checkpoints `w_j` (iteration counts) for `steps` iterations.
#[must_use]
pub(crate) fn checkpoints(steps: usize) -> Vec<usize> {
    let mut fractions = vec![0.0f64, 0.22];
    while let [.., before, last] = fractions[..]
        && last < 1.0
    {
        fractions.push(last + (last - before - 0.03).max(0.06));
    }
    let mut points: Vec<usize> = fractions
        .iter()
        .map(|p| (p * steps as f64 - 1e-9).ceil() as usize)
        .filter(|w| *w <= steps)
        .collect();
    points.dedup();
    points
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

/// The steepest-ascent direction of a gradient in the ball's norm.
fn ascent_direction(gradient: Tensor<4>, norm: Norm) -> Tensor<4> {
    match norm {
        Norm::Linf => gradient.sign(),
        Norm::L2 => unit_l2(gradient),
    }
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
    let device = clean.device();
    let images = clean.dims()[0];
    let steps = settings.steps.max(1);
    let marks = checkpoints(steps);
    let measure = |x: &Tensor<4>| -> Result<Differentiated, AttackError> {
        differentiate(target, x, &|rows| objective(rows, settings.loss, goal))
    };
    let mut x = keep_inside(clean, settings.random_start(clean), control.region);
    let mut measured = measure(&x)?;
    let mut passes = 1;
    let mut found = goal_met(&measured.logits, goal);
    let mut found_images = x.clone();
    let mut best_x = x.clone();
    let mut best_gradient = measured.gradient.clone();
    let mut best_loss = measured.values.clone();
    let mut current_loss = measured.values.clone();
    let mut x_previous = x.clone();
    let mut step_size = vec![2.0 * settings.epsilon as f32; images];
    let mut rises = vec![0usize; images];
    let mut halved_last = vec![false; images];
    let mut best_at_checkpoint = best_loss.clone();
    let mut last_mark = 0;
    for iteration in 0..steps.saturating_sub(1) {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        let eta = per_image_scalars(&step_size, &device);
        let direction = ascent_direction(measured.gradient.clone(), settings.norm);
        let z = project(
            x.clone().add(direction.mul(eta)),
            clean,
            settings.epsilon,
            settings.norm,
        );
        let next = if iteration == 0 {
            z
        } else {
            let towards_z = z.sub(x.clone()).mul_scalar(MOMENTUM);
            let inertia = x.clone().sub(x_previous.clone()).mul_scalar(1.0 - MOMENTUM);
            project(
                x.clone().add(towards_z).add(inertia),
                clean,
                settings.epsilon,
                settings.norm,
            )
        };
        let next_measured = measure(&next)?;
        passes += 1;
        let met = goal_met(&next_measured.logits, goal);
        let newly: Vec<bool> = (0..images).map(|i| met[i] && !found[i]).collect();
        found_images = choose_images(&newly, next.clone(), found_images);
        let mut improved = vec![false; images];
        for i in 0..images {
            found[i] |= met[i];
            if next_measured.values[i] > current_loss[i] {
                rises[i] += 1;
            }
            if next_measured.values[i] > best_loss[i] {
                best_loss[i] = next_measured.values[i];
                improved[i] = true;
            }
        }
        best_x = choose_images(&improved, next.clone(), best_x);
        best_gradient = choose_images(&improved, next_measured.gradient.clone(), best_gradient);
        x_previous = x;
        x = next;
        current_loss.clone_from(&next_measured.values);
        measured = next_measured;
        let done = iteration + 1;
        if marks.contains(&done) && done > 0 {
            let span = (done - last_mark) as f64;
            let mut halve = vec![false; images];
            for i in 0..images {
                let too_few_rises = (rises[i] as f64) < RHO * span;
                let stalled = !halved_last[i] && best_loss[i] <= best_at_checkpoint[i];
                halve[i] = too_few_rises || stalled;
                halved_last[i] = halve[i];
                best_at_checkpoint[i] = best_loss[i];
                rises[i] = 0;
                if halve[i] {
                    step_size[i] /= 2.0;
                    current_loss[i] = best_loss[i];
                }
            }
            x = choose_images(&halve, best_x.clone(), x);
            x_previous = choose_images(&halve, best_x.clone(), x_previous);
            measured.gradient = choose_images(&halve, best_gradient.clone(), measured.gradient);
            last_mark = done;
        }
        if let Some(report) = control.on_step {
            report(progress.0 + done + 1, progress.1);
        }
    }
    Ok(ApgdResult {
        adversarial: choose_images(&found, found_images, best_x),
        fooled: found,
        passes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_follow_the_paper() {
        assert_eq!(checkpoints(100), vec![0, 22, 41, 57, 70, 80, 87, 93, 99]);
        assert!(checkpoints(1).iter().all(|w| *w <= 1));
    }

    #[test]
    fn dlr_gives_way_on_binary_models() {
        let (loss, note) = ApgdLoss::Dlr.usable(2, false);
        assert_eq!(loss, ApgdLoss::CrossEntropy);
        assert!(note.unwrap().contains("at least 3 classes"));
        assert_eq!(ApgdLoss::Dlr.usable(4, true), (ApgdLoss::Dlr, None));
    }
}
