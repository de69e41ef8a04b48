//! The Jacobian-based saliency map attack (Papernot et al. 2016), one pixel per iteration as in
//! ART's `SaliencyMapMethod`: from the gradients `α = ∇z_t` of the target's logit and
//! `β = ∇Σ_{j≠t} z_j` of the others', the saliency of pixel i for a positive change θ is
//! `α_i·|β_i|` where `α_i > 0` and `β_i < 0` (for θ < 0: `|α_i|·β_i` where `α_i < 0` and
//! `β_i > 0`), else 0; the most salient pixel not yet changed moves by θ (clipped to [0, 1]).
//! When no pixel meets the sign conditions, the one with the largest `sign(θ)·(α_i − β_i)`
//! moves. It stops when the target is reached (or, untargeted, the label left) or when γ of
//! the pixels have changed. Untargeted runs aim at the most likely other class. L0 is what
//! the user sets, through γ.
//!
//! With `jsma_both_directions` each pixel may move either way, as in the maximal JSMA of
//! Wiyatno & Xu (2018): the candidate is the largest of both saliencies over all pixels, and it
//! moves by +|θ| or −|θ| according to which one won.

use burn::tensor::{Tensor, TensorData};

use super::control::AttackControl;
use super::losses::best_other;
use super::objective::{AttackedLogits, differentiate, host_values};
use super::per_image::fooled;
use super::{AttackConfig, AttackError};

/// Per-image state of a run.
struct ImageState {
    /// The class it aims at.
    target: usize,
    /// Pixels already changed (no longer in the search domain).
    changed: Vec<bool>,
    /// How many.
    count: usize,
    /// Finished: fooled, or out of budget or of pixels to change.
    done: bool,
}

/// Runs JSMA; returns the adversarial batch and the backward passes used. `labels` are the
/// classes to leave, or the targets when `targeted`.
pub(crate) fn jsma(
    target_model: &dyn AttackedLogits,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<(Tensor<4>, usize), AttackError> {
    let device = clean.device();
    let shape = clean.dims();
    let images = shape[0];
    let pixels = shape[1] * shape[2] * shape[3];
    if pixels == 0 {
        return Err(AttackError::InvalidParameter(
            "JSMA needs an image with pixels".to_string(),
        ));
    }
    let budget = ((config.gamma * pixels as f64).floor() as usize).clamp(1, pixels);
    let theta = config.theta as f32;
    let moves = Moves::of(config);
    let mut values = host_values(clean.clone())?;
    let mut states: Vec<ImageState> = (0..images)
        .map(|_| ImageState {
            target: 0,
            changed: vec![false; pixels],
            count: 0,
            done: false,
        })
        .collect();
    let mut passes = 0;
    // The class each image aims at: the target, or (untargeted) the most likely other class,
    // read from the first pass's logits.
    let mut aims: Option<Vec<usize>> = targeted.then(|| labels.to_vec());
    for iteration in 0..budget {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        // Only the images still running go through the model.
        let active: Vec<usize> = (0..images).filter(|i| !states[*i].done).collect();
        if active.is_empty() {
            break;
        }
        let sub_values: Vec<f32> = active
            .iter()
            .flat_map(|&i| values[i * pixels..(i + 1) * pixels].iter().copied())
            .collect();
        let current = Tensor::from_data(
            TensorData::new(sub_values, [active.len(), shape[1], shape[2], shape[3]]),
            &device,
        );
        // α: the gradient of the aimed class's logit (its pass also gives the logits).
        let alpha = differentiate(target_model, &current, &|rows| {
            let per_row: Vec<usize> = (0..rows.host.len())
                .map(|row| {
                    let image = active[rows.image_of(row)];
                    aims.as_ref().map_or_else(
                        || best_other(&rows.host[row], labels[image]),
                        |aims| aims[image],
                    )
                })
                .collect();
            rows.pick(&per_row)
        })?;
        passes += 1;
        // The first pass has every image, in order.
        let aimed = aims.get_or_insert_with(|| {
            (0..images)
                .map(|image| best_other(&alpha.logits[image], labels[image]))
                .collect()
        });
        for (slot, &image) in active.iter().enumerate() {
            let state = &mut states[image];
            state.target = aimed[image];
            state.done |=
                fooled(&alpha.logits[slot], labels[image], targeted) || state.count >= budget;
        }
        if active.iter().all(|&i| states[i].done) {
            break;
        }
        // β: the gradient of the other classes' logits.
        let targets: Vec<usize> = active.iter().map(|&i| states[i].target).collect();
        let beta = differentiate(target_model, &current, &|rows| {
            let chosen: Vec<usize> = (0..rows.host.len())
                .map(|row| targets[rows.image_of(row)])
                .collect();
            rows.logits
                .clone()
                .sum_dim(1)
                .reshape([rows.host.len()])
                .sub(rows.pick(&chosen))
        })?;
        passes += 1;
        let alpha_host = host_values(alpha.gradient)?;
        let beta_host = host_values(beta.gradient)?;
        let gradients = Saliency {
            alpha: &alpha_host,
            beta: &beta_host,
            pixels,
            step: theta.abs(),
            moves,
        };
        gradients.change_most_salient(&active, &mut states, &mut values);
        if let Some(report) = control.on_step {
            report(iteration + 1, budget);
        }
    }
    Ok((
        Tensor::from_data(TensorData::new(values, shape), &device),
        passes,
    ))
}

/// The directions a pixel may move in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moves {
    /// Brighten only (θ > 0).
    Up,
    /// Darken only (θ < 0).
    Down,
    /// Either, pixel by pixel (maximal JSMA).
    Both,
}

impl Moves {
    /// The directions a config allows: both (maximal JSMA), or θ's.
    fn of(config: &AttackConfig) -> Self {
        if config.jsma_both_directions {
            Self::Both
        } else if config.theta > 0.0 {
            Self::Up
        } else {
            Self::Down
        }
    }
}

/// One iteration's gradients for the active images, slot by slot.
struct Saliency<'a> {
    alpha: &'a [f32],
    beta: &'a [f32],
    pixels: usize,
    /// |θ|.
    step: f32,
    moves: Moves,
}

impl Saliency<'_> {
    /// Moves, in each active image not yet done, its most salient unchanged pixel by θ; an
    /// image with no pixel left to move is done.
    fn change_most_salient(&self, active: &[usize], states: &mut [ImageState], values: &mut [f32]) {
        let pixels = self.pixels;
        for (slot, &image) in active.iter().enumerate() {
            let state = &mut states[image];
            if state.done {
                continue;
            }
            let own = slot * pixels..(slot + 1) * pixels;
            let range = image * pixels..(image + 1) * pixels;
            let pick = most_salient(
                &self.alpha[own.clone()],
                &self.beta[own],
                &values[range],
                &state.changed,
                self.moves,
            );
            match pick {
                Some((pixel, direction)) => {
                    let index = image * pixels + pixel;
                    values[index] = (values[index] + direction * self.step).clamp(0.0, 1.0);
                    state.changed[pixel] = true;
                    state.count += 1;
                }
                None => state.done = true,
            }
        }
    }
}

/// The pixel to change and its direction (+1 or −1): the largest saliency among the pixels
/// not yet changed that can still move in an allowed direction; when none meets the sign
/// conditions, the largest `d·(α − β)` over allowed directions d.
fn most_salient(
    alpha: &[f32],
    beta: &[f32],
    values: &[f32],
    changed: &[bool],
    moves: Moves,
) -> Option<(usize, f32)> {
    let directions: &[f32] = match moves {
        Moves::Up => &[1.0],
        Moves::Down => &[-1.0],
        Moves::Both => &[1.0, -1.0],
    };
    let movable = |i: usize, d: f32| {
        !changed[i]
            && if d > 0.0 {
                values[i] < 1.0
            } else {
                values[i] > 0.0
            }
    };
    let saliency = |i: usize, d: f32| {
        let (a, b) = (alpha[i] * d, beta[i] * d);
        if a > 0.0 && b < 0.0 { a * b.abs() } else { 0.0 }
    };
    let candidates = || {
        (0..alpha.len())
            .flat_map(|i| directions.iter().map(move |&d| (i, d)))
            .filter(|&(i, d)| movable(i, d))
    };
    let best = candidates().max_by(|&(i, d), &(j, e)| saliency(i, d).total_cmp(&saliency(j, e)))?;
    if saliency(best.0, best.1) > 0.0 {
        return Some(best);
    }
    candidates().max_by(|&(i, d), &(j, e)| {
        (d * (alpha[i] - beta[i])).total_cmp(&(e * (alpha[j] - beta[j])))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_salient_pixel_raises_the_target_and_lowers_the_others() {
        let alpha = [0.5, 2.0, 1.0, -1.0];
        let beta = [-1.0, 0.5, -3.0, -2.0];
        let values = [0.5; 4];
        // Pixel 1 has the largest α but β > 0; pixel 2 has α·|β| = 3, pixel 0 0.5.
        assert_eq!(
            most_salient(&alpha, &beta, &values, &[false; 4], Moves::Up),
            Some((2, 1.0))
        );
        // Changed or saturated pixels are out of the domain.
        assert_eq!(
            most_salient(&alpha, &beta, &[0.5, 0.5, 1.0, 0.5], &[false; 4], Moves::Up),
            Some((0, 1.0))
        );
        // θ < 0 wants α < 0 and β > 0: no pixel has both, so the largest β − α moves
        // (−1.5, −1.5, −4, −1: pixel 3).
        assert_eq!(
            most_salient(&alpha, &beta, &values, &[false; 4], Moves::Down),
            Some((3, -1.0))
        );
        assert_eq!(
            most_salient(&alpha, &beta, &values, &[true; 4], Moves::Up),
            None
        );
    }

    #[test]
    fn both_directions_take_the_largest_saliency_of_either_sign() {
        // Pixel 1 darkened: α < 0 and β > 0 with |α|·β = 6, more than pixel 0's brightening 1.
        let alpha = [1.0, -2.0, 0.5];
        let beta = [-1.0, 3.0, 0.5];
        let values = [0.5; 3];
        assert_eq!(
            most_salient(&alpha, &beta, &values, &[false; 3], Moves::Both),
            Some((1, -1.0))
        );
        assert_eq!(
            most_salient(&alpha, &beta, &values, &[false; 3], Moves::Up),
            Some((0, 1.0))
        );
        // A black pixel cannot darken: the brightening candidate wins.
        assert_eq!(
            most_salient(&alpha, &beta, &[0.5, 0.0, 0.5], &[false; 3], Moves::Both),
            Some((0, 1.0))
        );
    }
}
