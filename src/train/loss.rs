//! Class-weighted cross-entropy for imbalanced training sets.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Tensor, TensorData};

/// Weights inversely proportional to class frequency, scaled so that their frequency-weighted
/// mean is 1.
#[must_use]
pub fn balanced_class_weights(labels: &[usize], classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    for &label in labels {
        if label < classes {
            counts[label] += 1;
        }
    }
    let total = labels.len().max(1) as f32;
    counts
        .iter()
        .map(|&count| total / (classes as f32 * count.max(1) as f32))
        .collect()
}

/// Mean weighted cross-entropy of a batch.
///
/// # Shapes
/// - logits: `[batch, classes]`; output: `[1]`
pub fn weighted_cross_entropy(
    logits: Tensor<2>,
    labels: &[usize],
    class_weights: &[f32],
) -> Tensor<1> {
    let [batch, classes] = logits.dims();
    let mut targets = vec![0.0f32; batch * classes];
    let mut weight_sum = 0.0f32;
    for (row, &label) in labels.iter().enumerate() {
        let weight = class_weights.get(label).copied().unwrap_or(1.0);
        targets[row * classes + label] = weight;
        weight_sum += weight;
    }
    let targets =
        Tensor::<2>::from_data(TensorData::new(targets, [batch, classes]), &logits.device());
    log_softmax(logits, 1)
        .mul(targets)
        .sum()
        .neg()
        .div_scalar(weight_sum.max(1e-6))
}
