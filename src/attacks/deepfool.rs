//! DeepFool (Moosavi-Dezfooli et al. 2016): at each step, linearise the model around the
//! current image and jump to the nearest linearised decision boundary, until the prediction
//! leaves the label (or reaches the target). The accumulated step is scaled by 1 + overshoot.
//! A minimal attack: it has no ε; the norm it needed is the result.
//!
//! Per iteration it differentiates `z_k − z_label` for each candidate class k (C − 1 backward
//! passes, one for a targeted run); the per-image choice of the nearest boundary and the step
//! are computed on the host from those gradients.

use burn::tensor::{Tensor, TensorData};

use super::control::AttackControl;
use super::losses::best_other;
use super::objective::{AttackedLogits, differentiate, host_values};
use super::per_image::fooled;
use super::{AttackConfig, AttackError, Norm};

/// Runs DeepFool; returns the adversarial batch and the backward passes used.
pub(crate) fn deepfool(
    target: &dyn AttackedLogits,
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
    let clean_host = host_values(clean.clone())?;
    let mut total_step = vec![0.0f32; clean_host.len()];
    let mut adversarial = clean.clone();
    let mut done = vec![false; images];
    let mut passes = 0;
    let scale = 1.0 + config.overshoot as f32;
    for iteration in 0..config.steps {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        let boundary = nearest_boundary(target, &adversarial, labels, targeted, config.norm())?;
        passes += boundary.passes;
        for image in 0..images {
            done[image] = done[image] || fooled(&boundary.logits[image], labels[image], targeted);
        }
        if done.iter().all(|d| *d) {
            break;
        }
        for image in (0..images).filter(|i| !done[*i]) {
            let range = image * pixels..(image + 1) * pixels;
            for (total, step) in total_step[range.clone()]
                .iter_mut()
                .zip(&boundary.steps[range])
            {
                *total += step;
            }
        }
        let values: Vec<f32> = clean_host
            .iter()
            .zip(&total_step)
            .map(|(c, r)| (c + scale * r).clamp(0.0, 1.0))
            .collect();
        adversarial = Tensor::from_data(TensorData::new(values, shape), &device);
        if let Some(report) = control.on_step {
            report(iteration + 1, config.steps);
        }
    }
    Ok((adversarial, passes))
}

/// The step to the nearest linearised boundary for every image, from one linearisation.
struct Boundary {
    /// Per image, the logits at the linearisation point (averaged over defence draws).
    logits: Vec<Vec<f32>>,
    /// The step per pixel, all images concatenated.
    steps: Vec<f32>,
    /// Backward passes used.
    passes: usize,
}

/// Linearises at `images` and returns, per image, the smallest step (in `norm`) onto the
/// nearest boundary: untargeted, between the label and each other class; targeted (`labels`
/// are then the targets), between the target and the class now ahead of it.
fn nearest_boundary(
    target: &dyn AttackedLogits,
    images: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    norm: Norm,
) -> Result<Boundary, AttackError> {
    let [batch, channels, height, width] = images.dims();
    let pixels = channels * height * width;
    let mut best: Vec<Option<(f32, Vec<f32>)>> = vec![None; batch]; // (distance, step)
    let mut logits;
    let mut passes = 0;
    let mut candidate = 0;
    loop {
        // Per row: the class to raise and the class to lower; the objective is their gap.
        let measured = differentiate(target, images, &|rows| {
            let (raise, lower): (Vec<usize>, Vec<usize>) = (0..rows.host.len())
                .map(|row| {
                    let label = labels[rows.image_of(row)];
                    if targeted {
                        (label, best_other(&rows.host[row], label))
                    } else {
                        (other_class(label, candidate), label)
                    }
                })
                .unzip();
            rows.pick(&raise).sub(rows.pick(&lower))
        })?;
        passes += 1;
        let classes = measured.logits.first().map_or(0, Vec::len);
        let gradient = host_values(measured.gradient)?;
        let draws = measured.draws.max(1) as f32;
        for image in 0..batch {
            let row = &measured.logits[image];
            let label = labels[image];
            let (raise, lower) = if targeted {
                (label, best_other(row, label))
            } else {
                (other_class(label, candidate), label)
            };
            if raise >= classes || raise == lower {
                continue;
            }
            let gap = (row[raise] - row[lower]).abs();
            let w: Vec<f32> = gradient[image * pixels..(image + 1) * pixels]
                .iter()
                .map(|g| g / draws)
                .collect();
            let (distance, step) = step_to_boundary(&w, gap, norm);
            if best[image].as_ref().is_none_or(|(d, _)| distance < *d) {
                best[image] = Some((distance, step));
            }
        }
        logits = measured.logits;
        candidate += 1;
        if targeted || candidate + 1 >= classes {
            break;
        }
    }
    let steps = best
        .into_iter()
        .flat_map(|choice| choice.map_or_else(|| vec![0.0; pixels], |(_, step)| step))
        .collect();
    Ok(Boundary {
        logits,
        steps,
        passes,
    })
}

/// The `candidate`-th class other than `label`.
fn other_class(label: usize, candidate: usize) -> usize {
    if candidate < label {
        candidate
    } else {
        candidate + 1
    }
}

/// The smallest step of the linearised model `gap + w·r = 0` in `norm`, and its length:
/// L2 → r = (gap/‖w‖₂²)·w, distance gap/‖w‖₂; L∞ → r = (gap/‖w‖₁)·sign(w), distance
/// gap/‖w‖₁. A tiny margin (1e-4) makes the step reach the boundary rather than stop short.
#[must_use]
pub(crate) fn step_to_boundary(w: &[f32], gap: f32, norm: Norm) -> (f32, Vec<f32>) {
    let gap = gap + 1e-4;
    match norm {
        Norm::L2 => {
            let squared: f32 = w.iter().map(|v| v * v).sum::<f32>().max(1e-20);
            let distance = gap / squared.sqrt();
            (distance, w.iter().map(|v| v * gap / squared).collect())
        }
        Norm::Linf => {
            let l1: f32 = w.iter().map(|v| v.abs()).sum::<f32>().max(1e-20);
            let distance = gap / l1;
            (distance, w.iter().map(|v| v.signum() * distance).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    /// A linear classifier z = W·x + b on a 4×4 image.
    struct Linear {
        weights: Vec<Vec<f32>>, // one row per class
        bias: Vec<f32>,
    }

    impl AttackedLogits for Linear {
        fn logits(&self, leaf: &Tensor<4>) -> Result<(Tensor<2>, usize), AttackError> {
            let [batch, channels, height, width] = leaf.dims();
            let pixels = channels * height * width;
            let classes = self.weights.len();
            let device = leaf.clone().without_autodiff().device();
            let mut transposed = vec![0.0f32; pixels * classes];
            for (class, row) in self.weights.iter().enumerate() {
                for (pixel, w) in row.iter().enumerate() {
                    transposed[pixel * classes + class] = *w;
                }
            }
            let weights =
                Tensor::<2>::from_data(TensorData::new(transposed, [pixels, classes]), &device)
                    .autodiff();
            let bias =
                Tensor::<2>::from_data(TensorData::new(self.bias.clone(), [1, classes]), &device)
                    .autodiff();
            let flat = leaf.clone().reshape([batch, pixels]);
            Ok((flat.matmul(weights).add(bias), 1))
        }
    }

    fn image() -> Tensor<4> {
        Tensor::from_data(
            TensorData::new(vec![0.5f32; 16], [1, 1, 4, 4]),
            &Device::flex(),
        )
    }

    fn norm_of(values: &[f32], norm: Norm) -> f32 {
        match norm {
            Norm::L2 => values.iter().map(|v| v * v).sum::<f32>().sqrt(),
            Norm::Linf => values.iter().fold(0.0f32, |m, v| m.max(v.abs())),
        }
    }

    /// The closed-form distance from x to the boundary between classes a and b of a linear
    /// model: `|z_a − z_b| / ‖w_a − w_b‖_dual` (dual of L2 is L2, of L∞ is L1).
    fn boundary_distance(model: &Linear, x: &[f32], a: usize, b: usize, norm: Norm) -> f32 {
        let w: Vec<f32> = model.weights[a]
            .iter()
            .zip(&model.weights[b])
            .map(|(p, q)| p - q)
            .collect();
        let gap =
            w.iter().zip(x).map(|(wi, xi)| wi * xi).sum::<f32>() + model.bias[a] - model.bias[b];
        let dual = match norm {
            Norm::L2 => w.iter().map(|v| v * v).sum::<f32>().sqrt(),
            Norm::Linf => w.iter().map(|v| v.abs()).sum::<f32>(),
        };
        gap.abs() / dual
    }

    #[test]
    fn on_a_linear_classifier_deepfool_finds_the_closed_form_distance() {
        let ramp = |scale: f32, phase: f32| -> Vec<f32> {
            (0..16)
                .map(|i| scale * (i as f32 * 0.7 + phase).sin())
                .collect()
        };
        let model = Linear {
            weights: vec![vec![0.0; 16], ramp(0.1, 0.0), ramp(0.2, 1.3)],
            bias: vec![0.0, -0.12, -0.15],
        };
        let clean = image();
        let x = vec![0.5f32; 16];
        for norm in [Norm::L2, Norm::Linf] {
            let config = AttackConfig::new(super::super::AttackKind::DeepFool, 0.0).with_norm(norm);
            let (adversarial, _) = deepfool(
                &model,
                &clean,
                &[0],
                false,
                &config,
                &AttackControl::default(),
            )
            .unwrap();
            let adversarial = host_values(adversarial).unwrap();
            let delta: Vec<f32> = adversarial.iter().zip(&x).map(|(a, c)| a - c).collect();
            let expected = (1.0 + config.overshoot as f32)
                * boundary_distance(&model, &x, 1, 0, norm)
                    .min(boundary_distance(&model, &x, 2, 0, norm));
            let found = norm_of(&delta, norm);
            assert!(
                (found - expected).abs() <= 0.01 * expected,
                "{norm:?}: found {found}, closed form {expected}"
            );
        }
    }
}
