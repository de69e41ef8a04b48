//! Gradient attributions on the input pixels, following Captum's conventions: the class score
//! is the logit; `Saliency` takes |∂score/∂x|; gradient × input is x·∂score/∂x; SmoothGrad
//! averages the saliency of `samples` copies with Gaussian noise of σ (not clipped, as Captum's
//! `NoiseTunnel`); Integrated Gradients multiplies x − x' by the mean gradient at the midpoints
//! α = (k + ½)/m of the straight path from the baseline x' (Captum's `riemann_middle`).
//!
//! For display, a map is |attribution| divided by the value at which the sorted absolute
//! values reach 98 % of their sum (Captum's `visualize_image_attr` with `outlier_perc = 2`),
//! clipped to [0, 1].

use burn::tensor::{Tensor, TensorData};

use super::{Baseline, ExplainConfig, ExplainError, host};
use crate::attacks::random::{normal, uniform};
use crate::defenses::gaussian_blur;
use crate::models::ModelPair;

/// Images per model pass when a method evaluates many copies.
const CHUNK: usize = 32;

/// ∂ logit[class] / ∂ input, and the logit, per image.
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; gradient: same
///
/// # Errors
/// [`ExplainError`] for a class out of range or a missing gradient.
pub fn input_gradient(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
) -> Result<(Tensor<4>, Vec<f32>), ExplainError> {
    let batch = input.dims()[0];
    let leaf = input.clone().without_autodiff().autodiff().require_grad();
    let logits = models.differentiable.forward(leaf.clone());
    let classes = logits.dims()[1];
    if class >= classes {
        return Err(ExplainError::InvalidClass { class, classes });
    }
    let scores = logits.slice([0..batch, class..class + 1]);
    let values = host(scores.clone().detach().reshape([batch, 1, 1, 1]))?;
    let grads = scores.sum().backward();
    crate::attacks::count_backward_pass();
    let gradient = leaf.grad(&grads).ok_or(ExplainError::NoGradient)?;
    Ok((gradient, values))
}

/// The mean over `copies` of `per_copy(copy index)`'s input gradients (or their absolute
/// values), for one image, in chunks.
fn mean_gradient(
    models: &ModelPair,
    class: usize,
    copies: usize,
    absolute: bool,
    make: &dyn Fn(std::ops::Range<usize>) -> Tensor<4>,
) -> Result<Tensor<4>, ExplainError> {
    let mut total: Option<Tensor<4>> = None;
    let mut start = 0;
    while start < copies {
        let end = (start + CHUNK).min(copies);
        let (gradient, _) = input_gradient(models, &make(start..end), class)?;
        let gradient = if absolute { gradient.abs() } else { gradient };
        let summed = gradient.sum_dim(0);
        total = Some(match total {
            Some(sum) => sum.add(summed),
            None => summed,
        });
        start = end;
    }
    total
        .map(|sum| sum.div_scalar(copies as f32))
        .ok_or(ExplainError::NoGradient)
}

/// SmoothGrad: the mean |gradient| over noisy copies of each image.
fn smooth_grad(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
) -> Result<Tensor<4>, ExplainError> {
    let [batch, channels, height, width] = input.dims();
    let device = input.device();
    let mut maps = Vec::with_capacity(batch);
    for image in 0..batch {
        let one = input.clone().narrow(0, image, 1);
        let noise = normal(
            [config.samples, channels, height, width],
            config.seed,
            1000 + image as u64,
            &device,
        )
        .mul_scalar(config.sigma as f32);
        maps.push(mean_gradient(
            models,
            class,
            config.samples,
            true,
            &|range| {
                noise
                    .clone()
                    .narrow(0, range.start, range.len())
                    .add(one.clone().repeat_dim(0, range.len()))
            },
        )?);
    }
    Ok(Tensor::cat(maps, 0))
}

/// The baseline images Integrated Gradients starts from (for `input` and `config`).
#[must_use]
pub fn integrated_gradients_baseline(input: &Tensor<4>, config: &ExplainConfig) -> Tensor<4> {
    match config.baseline {
        Baseline::Black => input.zeros_like(),
        Baseline::Blurred => gaussian_blur(input, 8.0),
        Baseline::Noise => uniform(input.dims(), 0.0, 1.0, config.seed, 900, &input.device()),
    }
}

/// Integrated Gradients' signed attributions (they sum to about score(x) − score(x')).
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: same
///
/// # Errors
/// [`ExplainError`] for a class out of range or a missing gradient.
pub fn integrated_gradients(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
) -> Result<Tensor<4>, ExplainError> {
    let batch = input.dims()[0];
    let start = integrated_gradients_baseline(input, config);
    let steps = config.steps;
    let mut maps = Vec::with_capacity(batch);
    for image in 0..batch {
        let x = input.clone().narrow(0, image, 1);
        let x0 = start.clone().narrow(0, image, 1);
        let difference = x.clone().sub(x0.clone());
        let mean = mean_gradient(models, class, steps, false, &|range| {
            let alphas: Vec<f32> = range
                .clone()
                .map(|k| (k as f32 + 0.5) / steps as f32)
                .collect();
            let alpha = Tensor::<4>::from_data(
                TensorData::new(alphas, [range.len(), 1, 1, 1]),
                &x.device(),
            );
            x0.clone()
                .repeat_dim(0, range.len())
                .add(difference.clone().repeat_dim(0, range.len()).mul(alpha))
        })?;
        maps.push(mean.mul(difference));
    }
    Ok(Tensor::cat(maps, 0))
}

/// A gradient attribution's signed (or, for the saliency methods, absolute) values.
///
/// # Errors
/// [`ExplainError`] for a class out of range, a missing gradient or a CAM method.
pub fn attribution(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
) -> Result<Tensor<4>, ExplainError> {
    use super::ExplainMethod as M;
    match config.method {
        M::Saliency => Ok(input_gradient(models, input, class)?.0.abs()),
        M::GradientTimesInput => Ok(input_gradient(models, input, class)?.0.mul(input.clone())),
        M::SmoothGrad => smooth_grad(models, input, class, config),
        M::IntegratedGradients => integrated_gradients(models, input, class, config),
        M::Occlusion => super::occlusion::occlusion(models, input, class, config, None),
        other => Err(ExplainError::InvalidParameter(format!(
            "{} is not a gradient attribution",
            other.label()
        ))),
    }
}

/// |attribution| scaled for display: divided by the 98 % cumulative-sum threshold of the
/// sorted absolute values (per image), clipped to [0, 1].
///
/// # Errors
/// [`ExplainError::ReadBack`] if the values cannot be read.
pub fn display_map(attribution: Tensor<4>) -> Result<Tensor<4>, ExplainError> {
    let dims = attribution.dims();
    let device = attribution.device();
    let pixels = dims[1] * dims[2] * dims[3];
    let values = host(attribution)?;
    let mut shown = Vec::with_capacity(values.len());
    for image in values.chunks(pixels.max(1)) {
        let magnitudes: Vec<f32> = image.iter().map(|v| v.abs()).collect();
        let threshold = cumulative_threshold(&magnitudes, 0.98);
        shown.extend(magnitudes.iter().map(|m| {
            if threshold > 0.0 {
                (m / threshold).clamp(0.0, 1.0)
            } else {
                0.0
            }
        }));
    }
    Ok(Tensor::from_data(TensorData::new(shown, dims), &device))
}

/// The smallest value at which the ascending cumulative sum of `values` (all ≥ 0) reaches
/// `share` of the total; 0 when the total is 0.
#[must_use]
pub fn cumulative_threshold(values: &[f32], share: f64) -> f32 {
    let mut sorted: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f32::total_cmp);
    let total: f64 = sorted.iter().map(|v| f64::from(*v)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mut running = 0.0f64;
    for value in &sorted {
        running += f64::from(*value);
        if running >= share * total {
            return *value;
        }
    }
    sorted.last().copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_where_the_sorted_sum_reaches_the_share() {
        // 1 + 1 + 1 + 1 + 96 = 100: 98 % is reached only at the last value.
        assert_eq!(
            cumulative_threshold(&[1.0, 96.0, 1.0, 1.0, 1.0], 0.98),
            96.0
        );
        assert_eq!(cumulative_threshold(&[1.0, 1.0, 1.0, 1.0], 0.5), 1.0);
        assert_eq!(cumulative_threshold(&[0.0, 0.0], 0.98), 0.0);
    }
}
