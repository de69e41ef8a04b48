//! The Square attack (Andriushchenko et al. 2020): a score-based attack that never computes
//! a gradient. It starts from a perturbation on the ε-sphere, then repeatedly proposes to
//! redraw one random square of the perturbation and keeps the proposal when the score margin
//! drops. The square's area starts at `p_init` of the image and shrinks on the schedule of
//! AutoAttack's implementation (halving at 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000
//! of 10 000 rescaled iterations). Every model evaluation is one query per image; the queries
//! are counted and reported.
//!
//! This file holds the search loop and the L∞ proposals (vertical stripes of ±ε to start, a
//! square set to a random ±ε per step); the L2 proposals are in `square_l2.rs`. The proposals
//! are drawn and assembled on the host (a square of pixels per image); only the model's
//! forward passes run as tensor work.

use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::control::AttackControl;
use super::losses::score_margin;
use super::objective::host_values;
use super::per_image::fooled;
use super::queries::ScoreQueries;
use super::square_l2::L2Squares;
use super::{AttackConfig, AttackError, Norm};

/// What the Square attack found.
pub(crate) struct SquareResult {
    /// The adversarial batch.
    pub adversarial: Tensor<4>,
    /// Per image, whether the model was fooled.
    pub fooled: Vec<bool>,
    /// Per image, the queries spent (the first evaluation included).
    pub queries: Vec<usize>,
}

/// The square's share of the image at iteration `iteration` of `budget`.
#[must_use]
pub(crate) fn square_fraction(p_init: f64, iteration: usize, budget: usize) -> f64 {
    let rescaled = (iteration as f64 / budget.max(1) as f64 * 10_000.0) as usize;
    let halvings = match rescaled {
        0..=10 => 0,
        11..=50 => 1,
        51..=200 => 2,
        201..=500 => 3,
        501..=1000 => 4,
        1001..=2000 => 5,
        2001..=4000 => 6,
        4001..=6000 => 7,
        6001..=8000 => 8,
        _ => 9,
    };
    p_init / f64::from(1u32 << halvings)
}

/// How one norm's Square attack starts and proposes, image by image on the host.
pub(crate) trait SquareProposals {
    /// The starting adversarial image for `clean` (`[channels, height, width]` values).
    fn start(&self, clean: &[f32], shape: [usize; 3], rng: &mut ChaCha8Rng) -> Vec<f32>;

    /// A proposal: `best` with one square redrawn, the square covering about `fraction` of
    /// the image.
    fn propose(
        &self,
        best: &[f32],
        clean: &[f32],
        shape: [usize; 3],
        fraction: f64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32>;
}

/// The L∞ proposals: every changed pixel sits at clean ± ε.
struct LinfSquares {
    epsilon: f32,
}

impl SquareProposals for LinfSquares {
    /// Vertical stripes: each column moves by +ε or −ε.
    fn start(
        &self,
        clean: &[f32],
        [channels, height, width]: [usize; 3],
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let mut start = clean.to_vec();
        for column in 0..width {
            let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
            for channel in 0..channels {
                for row in 0..height {
                    let index = (channel * height + row) * width + column;
                    start[index] = (clean[index] + sign * self.epsilon).clamp(0.0, 1.0);
                }
            }
        }
        start
    }

    fn propose(
        &self,
        best: &[f32],
        clean: &[f32],
        shape: [usize; 3],
        fraction: f64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let [_, height, width] = shape;
        let side_limit = height.min(width).saturating_sub(1).max(1);
        let side =
            ((fraction * (height * width) as f64).sqrt().round() as usize).clamp(1, side_limit);
        propose_linf(best, clean, shape, side, self.epsilon, rng)
    }
}

/// One image's state on the host.
struct ImageState {
    /// Best adversarial image so far.
    best: Vec<f32>,
    /// Its score margin (negative once fooled).
    margin: f32,
    /// Whether it fools the model.
    fooled: bool,
    /// Queries spent.
    queries: usize,
}

/// Runs the Square attack in the config's norm (L∞ or L2) on a batch. `labels` are the
/// classes to leave, or the targets when `targeted`.
pub(crate) fn square_attack(
    model: &dyn ScoreQueries,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<SquareResult, AttackError> {
    let epsilon = config.epsilon as f32;
    let proposals: &dyn SquareProposals = match config.norm() {
        Norm::Linf => &LinfSquares { epsilon },
        Norm::L2 => &L2Squares { epsilon },
    };
    search(model, clean, labels, targeted, config, control, proposals)
}

/// The search loop shared by both norms.
fn search(
    model: &dyn ScoreQueries,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
    proposer: &dyn SquareProposals,
) -> Result<SquareResult, AttackError> {
    let device = clean.device();
    let [images, channels, height, width] = clean.dims();
    let shape = [channels, height, width];
    let pixels = channels * height * width;
    if pixels == 0 {
        return Err(AttackError::InvalidParameter(
            "the Square attack needs an image with pixels".to_string(),
        ));
    }
    let clean_host = host_values(clean.clone())?;
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(300);
    let start: Vec<f32> = clean_host
        .chunks(pixels)
        .flat_map(|image| proposer.start(image, shape, &mut rng))
        .collect();
    let first = model.logits(&Tensor::from_data(
        TensorData::new(start.clone(), clean.dims()),
        &device,
    ))?;
    let mut states: Vec<ImageState> = (0..images)
        .map(|i| ImageState {
            best: start[i * pixels..(i + 1) * pixels].to_vec(),
            margin: score_margin(&first[i], labels[i], targeted),
            fooled: fooled(&first[i], labels[i], targeted),
            queries: 1,
        })
        .collect();
    for iteration in 1..config.queries {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        let active: Vec<usize> = (0..images).filter(|i| !states[*i].fooled).collect();
        if active.is_empty() {
            break;
        }
        let fraction = square_fraction(config.p_init, iteration, config.queries);
        let mut proposals = Vec::with_capacity(active.len() * pixels);
        for &image in &active {
            let clean_image = &clean_host[image * pixels..(image + 1) * pixels];
            proposals.extend(proposer.propose(
                &states[image].best,
                clean_image,
                shape,
                fraction,
                &mut rng,
            ));
        }
        let batch = Tensor::from_data(
            TensorData::new(proposals.clone(), [active.len(), channels, height, width]),
            &device,
        );
        let scores = model.logits(&batch)?;
        for (slot, &image) in active.iter().enumerate() {
            let state = &mut states[image];
            state.queries += 1;
            let margin = score_margin(&scores[slot], labels[image], targeted);
            if margin < state.margin {
                state.margin = margin;
                state.best = proposals[slot * pixels..(slot + 1) * pixels].to_vec();
                state.fooled = fooled(&scores[slot], labels[image], targeted);
            }
        }
        if let Some(report) = control.on_step {
            report(iteration + 1, config.queries);
        }
    }
    let values: Vec<f32> = states.iter().flat_map(|s| s.best.iter().copied()).collect();
    Ok(SquareResult {
        adversarial: Tensor::from_data(TensorData::new(values, clean.dims()), &device),
        fooled: states.iter().map(|s| s.fooled).collect(),
        queries: states.iter().map(|s| s.queries).collect(),
    })
}

/// A copy of `best` with one random `side`×`side` square (every channel) set to clean ± ε,
/// redrawn (up to 10 times) until it changes at least one pixel.
fn propose_linf(
    best: &[f32],
    clean: &[f32],
    [channels, height, width]: [usize; 3],
    side: usize,
    epsilon: f32,
    rng: &mut ChaCha8Rng,
) -> Vec<f32> {
    let mut proposal = best.to_vec();
    for _ in 0..10 {
        let top = rng.random_range(0..=height - side);
        let left = rng.random_range(0..=width - side);
        let mut changed = false;
        for channel in 0..channels {
            let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
            for row in top..top + side {
                for column in left..left + side {
                    let index = (channel * height + row) * width + column;
                    let value = (clean[index] + sign * epsilon).clamp(0.0, 1.0);
                    changed |= (value - best[index]).abs() > 1e-7;
                    proposal[index] = value;
                }
            }
        }
        if changed {
            break;
        }
        proposal.copy_from_slice(best);
    }
    proposal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_square_shrinks_on_schedule() {
        assert_eq!(square_fraction(0.8, 1, 10_000), 0.8);
        assert_eq!(square_fraction(0.8, 11, 10_000), 0.4);
        assert_eq!(square_fraction(0.8, 9_000, 10_000), 0.8 / 512.0);
        // The schedule is rescaled to the budget.
        assert_eq!(square_fraction(0.8, 3, 1_000), 0.4);
    }
}
