//! What the defence and the detector add to a result: the defended clean and adversarial
//! predictions (with smoothing certificates) and the feature-squeezing scores.

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::assemble::prediction;
use super::{PipelineError, Prediction, Prepared};
use crate::defenses::{Certificate, DefenseConfig, defended_predict, squeeze_scores_given};
use crate::imaging::{GreyImage, image_from_tensor};
use crate::models::LoadedModel;

/// What a defence does to the clean and the adversarial image, and what the model then says.
/// A defence that hurts clean accuracy shows it here.
#[derive(Debug, Clone)]
pub struct DefendedOutput {
    /// The defence.
    pub defense: DefenseConfig,
    /// The defended clean image.
    pub clean_image: GreyImage,
    /// The defended adversarial image.
    pub adversarial_image: GreyImage,
    /// The model on the defended clean image.
    pub clean: Prediction,
    /// The model on the defended adversarial image.
    pub adversarial: Prediction,
    /// Randomized smoothing's certificate for the clean image.
    pub clean_certificate: Option<Certificate>,
    /// Randomized smoothing's certificate for the adversarial image.
    pub adversarial_certificate: Option<Certificate>,
    /// Whether the attack went through this defence (adaptive) or ignored it.
    pub adaptive: bool,
}

/// Feature-squeezing detection of the clean and the adversarial image, with the model's
/// calibrated threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// Score of the clean image.
    pub clean_score: f32,
    /// Score of the adversarial image.
    pub adversarial_score: f32,
    /// Scores above this are flagged.
    pub threshold: f32,
    /// The share of clean validation images the threshold was calibrated to flag.
    #[serde(default)]
    pub target_fpr: f32,
}

impl Detection {
    /// Whether the clean image is (wrongly) flagged.
    #[must_use]
    pub fn clean_flagged(&self) -> bool {
        self.clean_score > self.threshold
    }

    /// Whether the adversarial image is flagged.
    #[must_use]
    pub fn adversarial_flagged(&self) -> bool {
        self.adversarial_score > self.threshold
    }
}

/// The feature-squeezing scores of both images, when the model card carries a calibrated
/// detector. Each image is scored on its own (a score does not depend on the batch), so the
/// clean score is computed once per prepared image and reused at every further ε.
///
/// The model's probabilities on both images are already known (`prepared.clean_probs` and
/// `adversarial_probs`), so only the squeezed versions go through the model.
pub(super) fn detect(
    model: &LoadedModel,
    prepared: &Prepared,
    adversarial: &Tensor<4>,
    adversarial_probs: &[f32],
) -> Result<Option<Detection>, PipelineError> {
    let Some(calibration) = &model.card.feature_squeezing else {
        return Ok(None);
    };
    let score = |image: &Tensor<4>, probs: &[f32]| -> Result<f32, PipelineError> {
        Ok(squeeze_scores_given(&model.models.inference, image, probs)?
            .first()
            .copied()
            .unwrap_or(0.0))
    };
    let clean_score = prepared
        .cache
        .squeeze_score(|| score(&prepared.clean, &prepared.clean_probs))?;
    Ok(Some(Detection {
        clean_score,
        adversarial_score: score(adversarial, adversarial_probs)?,
        threshold: calibration.threshold,
        target_fpr: calibration.target_fpr,
    }))
}

/// Applies a defence to both images and asks the defended model (one pass, or a vote).
pub(super) fn defend(
    model: &LoadedModel,
    config: &DefenseConfig,
    adaptive: bool,
    clean: &Tensor<4>,
    adversarial: &Tensor<4>,
) -> Result<DefendedOutput, PipelineError> {
    let both = Tensor::cat(vec![clean.clone(), adversarial.clone()], 0);
    let predicted = defended_predict(&model.models.inference, &both, config)?;
    let [_, channels, height, width] = predicted.images.dims();
    // The images shown are the ones the model saw (one transform, and the same draw).
    let adversarial_seen = predicted
        .images
        .clone()
        .slice([1..2, 0..channels, 0..height, 0..width]);
    let mut rows = predicted.probabilities.into_iter();
    let mut certificates = predicted.certificates.into_iter();
    Ok(DefendedOutput {
        defense: config.clone(),
        clean_image: image_from_tensor(predicted.images)?,
        adversarial_image: image_from_tensor(adversarial_seen)?,
        clean: prediction(model, rows.next().unwrap_or_default()),
        adversarial: prediction(model, rows.next().unwrap_or_default()),
        clean_certificate: certificates.next().flatten(),
        adversarial_certificate: certificates.next().flatten(),
        adaptive,
    })
}
