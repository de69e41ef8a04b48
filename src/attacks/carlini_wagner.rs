//! Carlini–Wagner L2 (2017): in the change of variables x = (tanh(w) + 1)/2, which keeps
//! pixels in [0, 1] without clipping, minimise ‖x − x₀‖₂² + c·max(margin, −κ) with Adam; a
//! binary search per image over c keeps the smallest successful perturbation. A minimal
//! attack: it has no ε.
//!
//! The learning rate decays (cosine, to 1 %) over each search's steps; see
//! [`learning_rate_at`] for why.
//!
//! The gradient in w is the chain rule by hand: ∂/∂w = ∂/∂x · (1 − (2x − 1)²)/2, with
//! ∂‖x − x₀‖²/∂x = 2(x − x₀) and the margin's gradient from the attacked model.

use burn::tensor::Tensor;

use super::control::AttackControl;
use super::losses::cw_margin_rows;
use super::objective::{AttackedLogits, differentiate, host_values};
use super::per_image::{choose_images, fooled};
use super::projection::l2_per_image;
use super::{AttackConfig, AttackError};

/// Adam's moment decays and its ε (Kingma & Ba 2015).
const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const ADAM_EPSILON: f64 = 1e-8;
/// The bound above which c counts as "no upper bound found yet".
const NO_UPPER_BOUND: f64 = 1e10;

/// Runs C&W L2; returns the adversarial batch and the backward passes used.
pub(crate) fn carlini_wagner(
    target: &dyn AttackedLogits,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<(Tensor<4>, usize), AttackError> {
    let images = clean.dims()[0];
    let total = config.search_steps * config.steps;
    // w₀ = atanh(2x₀ − 1), pulled slightly inside (−1, 1) so that 0 and 1 stay finite.
    let w_clean = atanh(
        clean
            .clone()
            .mul_scalar(2.0)
            .sub_scalar(1.0)
            .mul_scalar(1.0 - 1e-6),
    );
    let mut constant = vec![config.initial_const; images];
    let mut lower = vec![0.0f64; images];
    let mut upper = vec![NO_UPPER_BOUND; images];
    let mut best_l2 = vec![f32::INFINITY; images];
    let mut best = clean.clone();
    let mut passes = 0;
    for search in 0..config.search_steps {
        let c_rows: Vec<f32> = constant.iter().map(|c| *c as f32).collect();
        let mut w = w_clean.clone();
        let mut first_moment = w.zeros_like();
        let mut second_moment = w.zeros_like();
        let mut succeeded = vec![false; images];
        for step in 0..config.steps {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled);
            }
            let x = w.clone().tanh().add_scalar(1.0).mul_scalar(0.5);
            let measured = differentiate(target, &x, &|rows| {
                let c: Vec<f32> = (0..rows.host.len())
                    .map(|row| c_rows[rows.image_of(row)])
                    .collect();
                let c = Tensor::<1>::from_data(
                    burn::tensor::TensorData::new(c, [rows.host.len()]),
                    &rows.logits.device(),
                );
                cw_margin_rows(rows, &rows.per_row(labels), targeted, config.confidence).mul(c)
            })?;
            passes += 1;
            let delta = x.clone().sub(clean.clone());
            let l2 = host_values(l2_per_image(&delta))?;
            // Keep the smallest successful image (κ counts: the margin must be won by κ).
            let improved: Vec<bool> = (0..images)
                .map(|i| {
                    let wins = fooled(&measured.logits[i], labels[i], targeted)
                        && margin_reaches(
                            &measured.logits[i],
                            labels[i],
                            targeted,
                            config.confidence,
                        );
                    if wins {
                        succeeded[i] = true;
                    }
                    wins && l2[i] < best_l2[i]
                })
                .collect();
            for (i, better) in improved.iter().enumerate() {
                if *better {
                    best_l2[i] = l2[i];
                }
            }
            best = choose_images(&improved, x.clone(), best);
            let draws = measured.draws.max(1) as f32;
            let gradient_x = delta
                .mul_scalar(2.0)
                .add(measured.gradient.div_scalar(draws));
            let gradient_w = gradient_x.mul(
                x.mul_scalar(2.0)
                    .sub_scalar(1.0)
                    .powi_scalar(2)
                    .neg()
                    .add_scalar(1.0)
                    .mul_scalar(0.5),
            );
            let t = (step + 1) as i32;
            first_moment = first_moment
                .mul_scalar(BETA1)
                .add(gradient_w.clone().mul_scalar(1.0 - BETA1));
            second_moment = second_moment
                .mul_scalar(BETA2)
                .add(gradient_w.powi_scalar(2).mul_scalar(1.0 - BETA2));
            let corrected_first = first_moment.clone().div_scalar(1.0 - BETA1.powi(t));
            let corrected_second = second_moment.clone().div_scalar(1.0 - BETA2.powi(t));
            w = w.sub(
                corrected_first
                    .div(corrected_second.sqrt().add_scalar(ADAM_EPSILON))
                    .mul_scalar(learning_rate_at(config.learning_rate, step, config.steps)),
            );
            if let Some(report) = control.on_step {
                report(search * config.steps + step + 1, total);
            }
        }
        for i in 0..images {
            update_constant(&mut constant[i], &mut lower[i], &mut upper[i], succeeded[i]);
        }
    }
    Ok((best.clamp(0.0, 1.0), passes))
}

/// The learning rate at `step` of `steps`: cosine decay from `initial` to 1 % of it. Adam moves
/// every coordinate by about the learning rate per step, so with a constant rate the iterate
/// keeps oscillating by that much around the boundary and the perturbation cannot shrink below
/// about rate·√pixels/2 (0.08 in L2 on a 128×128 scan at 0.01, four times what the chest CNN
/// needs); the decay lets the last steps settle.
#[must_use]
fn learning_rate_at(initial: f64, step: usize, steps: usize) -> f64 {
    let progress = step as f64 / steps.max(1) as f64;
    initial * (0.01 + 0.99 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()))
}

/// Whether the margin is won by at least κ (always true for κ = 0 once fooled).
fn margin_reaches(logits: &[f32], class: usize, targeted: bool, confidence: f64) -> bool {
    super::losses::score_margin(logits, class, targeted) <= -(confidence as f32)
        || confidence == 0.0
}

/// The binary search over c: a success lowers the upper bound and bisects; a failure raises
/// the lower bound and bisects, or multiplies c by 10 while no success bounds it from above.
fn update_constant(constant: &mut f64, lower: &mut f64, upper: &mut f64, succeeded: bool) {
    if succeeded {
        *upper = upper.min(*constant);
        *constant = f64::midpoint(*lower, *upper);
    } else {
        *lower = lower.max(*constant);
        *constant = if *upper < NO_UPPER_BOUND {
            f64::midpoint(*lower, *upper)
        } else {
            *constant * 10.0
        };
    }
}

/// atanh(x) = ½·ln((1 + x)/(1 − x)).
fn atanh(x: Tensor<4>) -> Tensor<4> {
    x.clone()
        .add_scalar(1.0)
        .div(x.neg().add_scalar(1.0))
        .log()
        .mul_scalar(0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_search_brackets_the_constant() {
        let (mut c, mut lower, mut upper) = (1.0, 0.0, NO_UPPER_BOUND);
        update_constant(&mut c, &mut lower, &mut upper, false);
        assert_eq!(c, 10.0);
        update_constant(&mut c, &mut lower, &mut upper, true);
        assert_eq!((lower, upper, c), (1.0, 10.0, 5.5));
        update_constant(&mut c, &mut lower, &mut upper, false);
        assert_eq!((lower, upper, c), (5.5, 10.0, 7.75));
    }
}
