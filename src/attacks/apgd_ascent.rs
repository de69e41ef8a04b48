//! The ascent loop of Auto-PGD (Croce & Hein 2020), whatever it ascends: a classifier's
//! cross-entropy or DLR, or a segmenter's BCE or Dice loss. The step starts at 2ε, a momentum
//! of 0.75 mixes each projected step with the previous move, and at the checkpoints of
//! [`checkpoints`] the step halves for an image whose loss rose in fewer than 75 % of the steps
//! since the last checkpoint, or whose best loss did not move while its step stayed the same;
//! such an image restarts from its best point.

use burn::tensor::Tensor;

use super::per_image::{choose_images, per_image_scalars};
use super::projection::unit_l2;
use super::{Norm, project};

/// The fraction of steps since the last checkpoint in which the loss must have risen for the
/// step size to stay (ρ in the paper).
const RHO: f64 = 0.75;
/// The momentum α of the paper.
const MOMENTUM: f32 = 0.75;

/// The objective measured at a batch.
pub(crate) struct Measured {
    /// Per image, the loss ascended.
    pub values: Vec<f32>,
    /// Its gradient with respect to the batch (zero where the attack may not act).
    pub gradient: Tensor<4>,
    /// Per image, whether the goal is met (always false where there is no goal but a higher
    /// loss).
    pub met: Vec<bool>,
}

/// Why the ascent stopped early: the caller's measurement failed, or the caller asked to stop.
pub(crate) enum AscentStop<E> {
    /// The measurement's error.
    Failed(E),
    /// The stop callback said so.
    Stopped,
}

/// The ball and the budget of a run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AscentBudget {
    /// The ball's norm.
    pub norm: Norm,
    /// Its radius.
    pub epsilon: f64,
    /// Gradient steps.
    pub steps: usize,
}

/// What the ascent found.
pub(crate) struct AscentResult {
    /// Per image, the first point that met the goal, else the point of highest loss.
    pub adversarial: Tensor<4>,
    /// Per image, whether the goal was met.
    pub met: Vec<bool>,
    /// Objective evaluations (one backward pass each).
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

/// The steepest-ascent direction of a gradient in the ball's norm.
fn ascent_direction(gradient: Tensor<4>, norm: Norm) -> Tensor<4> {
    match norm {
        Norm::Linf => gradient.sign(),
        Norm::L2 => unit_l2(gradient),
    }
}

/// Runs the ascent from `start` (a point of the ball around `clean`). `measure` gives the
/// objective at a batch; `stop` is asked before each step; `step_done(n)` reports the steps
/// done so far.
///
/// # Errors
/// [`AscentStop`] when `measure` fails or `stop` says so.
pub(crate) fn apgd_ascent<E>(
    clean: &Tensor<4>,
    start: Tensor<4>,
    budget: AscentBudget,
    measure: &dyn Fn(&Tensor<4>) -> Result<Measured, E>,
    stop: &dyn Fn() -> bool,
    step_done: &dyn Fn(usize),
) -> Result<AscentResult, AscentStop<E>> {
    let device = clean.device();
    let images = clean.dims()[0];
    let steps = budget.steps.max(1);
    let marks = checkpoints(steps);
    let mut x = start;
    let mut measured = measure(&x).map_err(AscentStop::Failed)?;
    let mut passes = 1;
    let mut found = measured.met.clone();
    let mut found_images = x.clone();
    let mut best_x = x.clone();
    let mut best_gradient = measured.gradient.clone();
    let mut best_loss = measured.values.clone();
    let mut current_loss = measured.values.clone();
    let mut x_previous = x.clone();
    let mut step_size = vec![2.0 * budget.epsilon as f32; images];
    let mut rises = vec![0usize; images];
    let mut halved_last = vec![false; images];
    let mut best_at_checkpoint = best_loss.clone();
    let mut last_mark = 0;
    for iteration in 0..steps.saturating_sub(1) {
        if stop() {
            return Err(AscentStop::Stopped);
        }
        let eta = per_image_scalars(&step_size, &device);
        let direction = ascent_direction(measured.gradient.clone(), budget.norm);
        let z = project(
            x.clone().add(direction.mul(eta)),
            clean,
            budget.epsilon,
            budget.norm,
        );
        let next = if iteration == 0 {
            z
        } else {
            let towards_z = z.sub(x.clone()).mul_scalar(MOMENTUM);
            let inertia = x.clone().sub(x_previous.clone()).mul_scalar(1.0 - MOMENTUM);
            project(
                x.clone().add(towards_z).add(inertia),
                clean,
                budget.epsilon,
                budget.norm,
            )
        };
        let next_measured = measure(&next).map_err(AscentStop::Failed)?;
        passes += 1;
        let newly: Vec<bool> = (0..images)
            .map(|i| next_measured.met[i] && !found[i])
            .collect();
        found_images = choose_images(&newly, next.clone(), found_images);
        let mut improved = vec![false; images];
        for i in 0..images {
            found[i] |= next_measured.met[i];
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
        step_done(done + 1);
    }
    Ok(AscentResult {
        adversarial: choose_images(&found, found_images, best_x),
        met: found,
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
}
