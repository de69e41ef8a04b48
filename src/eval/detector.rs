//! Calibrating the feature-squeezing detector on clean images and measuring how often it
//! flags clean and attacked ones.

use burn::tensor::Tensor;

use super::EvalError;
use crate::attacks::{AttackConfig, AttackControl, run_attack};
use crate::datasets::LabelledImages;
use crate::defenses::{SQUEEZERS, calibrate_threshold, false_positive_rate, squeeze_scores};
use crate::device::ComputeDevice;
use crate::models::{DetectorCalibration, LoadedModel};

/// Feature-squeezing scores of every image, attacked first when `attack` is given (with the
/// true labels, untargeted).
///
/// # Errors
/// [`EvalError`] from the attack or a read-back.
pub fn squeeze_scores_of(
    model: &LoadedModel,
    images: &LabelledImages,
    attack: Option<&AttackConfig>,
    batch_size: usize,
    device: &ComputeDevice,
) -> Result<Vec<f32>, EvalError> {
    let batch_size = batch_size.max(1);
    let mut scores = Vec::with_capacity(images.len());
    for start in (0..images.len()).step_by(batch_size) {
        let (batch, labels) = images.batch_range(
            start..(start + batch_size).min(images.len()),
            &device.device,
        );
        let input: Tensor<4> = match attack {
            Some(config) => {
                run_attack(
                    &model.models,
                    &batch,
                    &labels,
                    false,
                    config,
                    &AttackControl::default(),
                )?
                .adversarial
            }
            None => batch,
        };
        scores.extend(squeeze_scores(&model.models.inference, &input)?);
    }
    Ok(scores)
}

/// The threshold at `target_fpr` on clean `calibration` images, and the false-positive rate
/// it gives on clean `held_out` images.
///
/// # Errors
/// [`EvalError`] from a read-back.
pub fn calibrate_detector(
    model: &LoadedModel,
    calibration: &LabelledImages,
    held_out: &LabelledImages,
    target_fpr: f32,
    device: &ComputeDevice,
) -> Result<DetectorCalibration, EvalError> {
    let clean = squeeze_scores_of(model, calibration, None, 128, device)?;
    let threshold = calibrate_threshold(&clean, target_fpr);
    let held_out_scores = squeeze_scores_of(model, held_out, None, 128, device)?;
    Ok(DetectorCalibration {
        squeezers: SQUEEZERS.iter().map(ToString::to_string).collect(),
        threshold,
        target_fpr,
        calibration_images: calibration.len(),
        test_fpr: false_positive_rate(&held_out_scores, threshold),
        test_images: held_out.len(),
    })
}
