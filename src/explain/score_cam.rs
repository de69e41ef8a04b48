//! Score-CAM (Wang et al. 2020), following pytorch-grad-cam's `ScoreCAM`: each channel of the
//! chosen block's activations is upsampled to the scan (bilinear), min–max scaled to [0, 1] and
//! used as a mask on the scan (multiplied, on the [0, 1] scale the model takes); the class
//! logits of the masked scans, softmaxed over the channels, weight the channels' activations.
//! No gradient: the weights come from forward passes only.

use burn::tensor::activation::softmax;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Tensor, TensorData};

use super::{ExplainError, Progress, host};
use crate::models::ModelPair;

/// Masked scans per model pass.
const CHUNK: usize = 32;

/// Score-CAM's coarse map before `ReLU` and scaling, `[b, 1, fh, fw]`.
///
/// # Errors
/// [`ExplainError`] for a class out of range or a failed read-back.
pub(super) fn score_cam_coarse(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    block: usize,
    progress: Progress<'_>,
) -> Result<Tensor<4>, ExplainError> {
    let [batch, _, height, width] = input.dims();
    let plain = input.clone().without_autodiff();
    let activations = models.inference.features_at(plain.clone(), block); // [b, c, fh, fw]
    let [_, channels, _, _] = activations.dims();
    let classes = models
        .inference
        .head_from(activations.clone().narrow(0, 0, 1), block)
        .dims()[1];
    if class >= classes {
        return Err(ExplainError::InvalidClass { class, classes });
    }
    let options = InterpolateOptions::new(InterpolateMode::Bilinear)
        .with_align_corners(false)
        .with_output_size([height, width]);
    let upsampled = interpolate(activations.clone(), options); // [b, c, h, w]
    let flat = upsampled.clone().reshape([batch, channels, height * width]);
    let low = flat.clone().min_dim(2).reshape([batch, channels, 1, 1]);
    let high = flat.max_dim(2).reshape([batch, channels, 1, 1]);
    let masks = upsampled
        .sub(low.clone())
        .div(high.sub(low).add_scalar(1e-8));
    let mut weights = Vec::with_capacity(batch * channels);
    for image in 0..batch {
        let one = plain.clone().narrow(0, image, 1);
        let image_masks = masks
            .clone()
            .narrow(0, image, 1)
            .reshape([channels, 1, height, width]);
        let mut scores = Vec::with_capacity(channels);
        let mut start = 0;
        while start < channels {
            let end = (start + CHUNK).min(channels);
            let masked = image_masks
                .clone()
                .narrow(0, start, end - start)
                .mul(one.clone().repeat_dim(0, end - start));
            let logits = models.inference.forward(masked);
            scores.extend(host(logits.slice([0..end - start, class..class + 1]))?);
            start = end;
            if let Some(report) = progress {
                report(image * channels + end, batch * channels);
            }
        }
        let scores = Tensor::<1>::from_data(TensorData::new(scores, [channels]), &input.device());
        weights.extend(host(softmax(scores, 0))?);
    }
    let weights = Tensor::<4>::from_data(
        TensorData::new(weights, [batch, channels, 1, 1]),
        &input.device(),
    );
    Ok(activations.mul(weights).sum_dim(1))
}
