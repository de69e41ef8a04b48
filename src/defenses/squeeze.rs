//! Feature-squeezing detection (Xu et al. 2018): an input is flagged as adversarial when the
//! model's prediction moves too much under squeezing. The score is the largest L1 distance
//! between the probabilities on the input and on each squeezed version; the threshold is
//! calibrated on clean validation images at a target false-positive rate.

use burn::tensor::Tensor;

use super::{DefenseError, bit_depth, median_filter};
use crate::models::Classifier;

/// The squeezers, in words: 5-bit depth reduction and a 3×3 median filter (the grey-scale
/// squeezers of Xu et al., with the median size made odd).
pub const SQUEEZERS: [&str; 2] = ["bit depth 5", "median 3×3"];

/// The model's probabilities on a batch, row after row in one flat list.
fn probabilities(model: &Classifier, images: Tensor<4>) -> Result<Vec<f32>, DefenseError> {
    model
        .probability_rows(images)
        .map(|rows| rows.concat())
        .map_err(|err| DefenseError::Failed(err.to_string()))
}

/// The feature-squeezing score of every image of a batch `[batch, 1, h, w]` in [0, 1]: the
/// largest L1 distance between the probabilities on the image and on a squeezed version.
///
/// # Errors
/// [`DefenseError::Failed`] if a tensor cannot be read back.
pub fn squeeze_scores(model: &Classifier, images: &Tensor<4>) -> Result<Vec<f32>, DefenseError> {
    let plain = probabilities(model, images.clone())?;
    squeeze_scores_given(model, images, &plain)
}

/// [`squeeze_scores`] when the model's probabilities on `images` are already known (`plain`,
/// row after row, as the model gives them): only the squeezed versions are passed through the
/// model, which saves a pass where a caller has just asked the model about the same images.
///
/// # Errors
/// [`DefenseError::Failed`] if a tensor cannot be read back, or if `plain` does not hold one
/// row per image of the model's classes.
pub fn squeeze_scores_given(
    model: &Classifier,
    images: &Tensor<4>,
    plain: &[f32],
) -> Result<Vec<f32>, DefenseError> {
    let [batch, ..] = images.dims();
    let classes = plain.len() / batch.max(1);
    if classes == 0 || classes * batch != plain.len() {
        return Err(DefenseError::Failed(format!(
            "{} probabilities given for a batch of {batch} images",
            plain.len()
        )));
    }
    let mut scores = vec![0.0f32; batch];
    for squeezed in [bit_depth(images, 5), median_filter(images, 3)] {
        let other = probabilities(model, squeezed)?;
        if other.len() != plain.len() {
            return Err(DefenseError::Failed(format!(
                "the model gives {} probabilities where {} were given",
                other.len(),
                plain.len()
            )));
        }
        for (image, score) in scores.iter_mut().enumerate() {
            let range = image * classes..(image + 1) * classes;
            let distance: f32 = plain[range.clone()]
                .iter()
                .zip(&other[range])
                .map(|(a, b)| (a - b).abs())
                .sum();
            *score = score.max(distance);
        }
    }
    Ok(scores)
}

/// The threshold that flags at most a `target_fpr` fraction of `clean_scores`: the smallest
/// score with no more than that fraction strictly above it.
#[must_use]
pub fn calibrate_threshold(clean_scores: &[f32], target_fpr: f32) -> f32 {
    let mut sorted: Vec<f32> = clean_scores
        .iter()
        .copied()
        .filter(|s| s.is_finite())
        .collect();
    if sorted.is_empty() {
        return f32::INFINITY;
    }
    sorted.sort_by(f32::total_cmp);
    let allowed = (target_fpr.clamp(0.0, 1.0) * sorted.len() as f32).floor() as usize;
    sorted[sorted.len() - 1 - allowed.min(sorted.len() - 1)]
}

/// The fraction of `scores` above `threshold`.
#[must_use]
pub fn false_positive_rate(scores: &[f32], threshold: f32) -> f32 {
    scores.iter().filter(|&&s| s > threshold).count() as f32 / scores.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_flags_the_target_fraction() {
        let scores: Vec<f32> = (0..1000).map(|i| i as f32 / 1000.0).collect();
        let threshold = calibrate_threshold(&scores, 0.05);
        let rate = false_positive_rate(&scores, threshold);
        assert!((rate - 0.05).abs() < 0.002, "{rate}");
        assert_eq!(calibrate_threshold(&[0.3], 0.05), 0.3);
        assert_eq!(false_positive_rate(&[0.3], 0.3), 0.0);
        assert!(calibrate_threshold(&[], 0.05).is_infinite());
    }
}
