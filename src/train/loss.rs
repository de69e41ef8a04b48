//! Class-weighted cross-entropy for imbalanced training sets.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Tensor, TensorData};

use super::mixing::MixedLabels;

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

/// Mean weighted cross-entropy of a batch, with label smoothing (Szegedy et al. 2016: the
/// target puts `1 − smoothing` on the true class and spreads `smoothing` evenly over all
/// classes; 0 for plain one-hot targets). A row's class weight scales its whole target.
///
/// # Shapes
/// - logits: `[batch, classes]`; output: `[1]`
pub fn weighted_cross_entropy(
    logits: Tensor<2>,
    labels: &[usize],
    class_weights: &[f32],
    smoothing: f32,
) -> Tensor<1> {
    let [batch, classes] = logits.dims();
    let mut targets = vec![0.0f32; batch * classes];
    let mut weight_sum = 0.0f32;
    let spread = smoothing / classes as f32;
    for (row, &label) in labels.iter().enumerate() {
        let weight = class_weights.get(label).copied().unwrap_or(1.0);
        if smoothing > 0.0 {
            for target in &mut targets[row * classes..(row + 1) * classes] {
                *target = weight * spread;
            }
        }
        targets[row * classes + label] += weight * (1.0 - smoothing);
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

/// The loss of a mixup or CutMix batch: λ·CE(own labels) + (1 − λ)·CE(partners' labels),
/// each the class-weighted, smoothed cross-entropy of [`weighted_cross_entropy`].
///
/// # Shapes
/// - logits: `[batch, classes]`; output: `[1]`
pub fn mixed_cross_entropy(
    logits: Tensor<2>,
    labels: &[usize],
    mixed: &MixedLabels,
    class_weights: &[f32],
    smoothing: f32,
) -> Tensor<1> {
    let partner_labels: Vec<usize> = mixed
        .partner
        .iter()
        .map(|&row| {
            debug_assert!(row < labels.len(), "partner row {row} outside the batch");
            labels.get(row).copied().unwrap_or(0)
        })
        .collect();
    let own = weighted_cross_entropy(logits.clone(), labels, class_weights, smoothing);
    let theirs = weighted_cross_entropy(logits, &partner_labels, class_weights, smoothing);
    own.mul_scalar(mixed.lambda)
        .add(theirs.mul_scalar(1.0 - mixed.lambda))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss(logits: [f32; 4], labels: &[usize], weights: &[f32], smoothing: f32) -> f32 {
        let device = burn::tensor::Device::flex();
        let logits = Tensor::<2>::from_data(TensorData::new(logits.to_vec(), [2, 2]), &device);
        weighted_cross_entropy(logits, labels, weights, smoothing)
            .into_data()
            .try_to_vec::<f32>()
            .map_or(f32::NAN, |v| v[0])
    }

    #[test]
    fn known_answers_with_and_without_smoothing() {
        // Equal logits: −log ½ whatever the targets.
        let ln2 = std::f32::consts::LN_2;
        assert!((loss([0.0; 4], &[0, 1], &[1.0, 1.0], 0.0) - ln2).abs() < 1e-6);
        assert!((loss([0.0; 4], &[0, 1], &[1.0, 3.0], 0.2) - ln2).abs() < 1e-6);
        // Logits (2, 0), label 0: log p = (−log(1+e⁻²), −2 − log(1+e⁻²)).
        let lse = (1.0f32 + (-2.0f32).exp()).ln();
        let plain = loss([2.0, 0.0, 2.0, 0.0], &[0, 0], &[1.0, 1.0], 0.0);
        assert!((plain - lse).abs() < 1e-6, "{plain}");
        // Smoothing 0.2 on two classes: targets (0.9, 0.1).
        let smoothed = loss([2.0, 0.0, 2.0, 0.0], &[0, 0], &[1.0, 1.0], 0.2);
        let expected = 0.9 * lse + 0.1 * (2.0 + lse);
        assert!(
            (smoothed - expected).abs() < 1e-6,
            "{smoothed} vs {expected}"
        );
    }

    #[test]
    fn mixed_loss_weights_the_two_labels_by_lambda() {
        let device = burn::tensor::Device::flex();
        // Three rows, three classes; partners a 3-cycle (not its own inverse).
        let values = vec![2.0f32, 0.0, -1.0, 0.5, 1.5, 0.0, -0.5, 0.2, 1.0];
        let logits = || Tensor::<2>::from_data(TensorData::new(values.clone(), [3, 3]), &device);
        let scalar = |t: Tensor<1>| t.into_data().try_to_vec::<f32>().map_or(f32::NAN, |v| v[0]);
        let weights = [1.0, 2.0, 0.5];
        let labels = [0, 1, 2];
        let mixed = MixedLabels {
            partner: vec![1, 2, 0],
            lambda: 0.3,
        };
        let plain =
            |labels: &[usize]| scalar(weighted_cross_entropy(logits(), labels, &weights, 0.1));
        let got = scalar(mixed_cross_entropy(
            logits(),
            &labels,
            &mixed,
            &weights,
            0.1,
        ));
        let (own, theirs) = (plain(&labels), plain(&[1, 2, 0]));
        assert!((got - (0.3 * own + 0.7 * theirs)).abs() < 1e-6, "{got}");
        let inverse = plain(&[2, 0, 1]);
        assert!(
            (theirs - inverse).abs() > 0.1,
            "the test tells the permutation from its inverse"
        );
        let whole = MixedLabels {
            partner: vec![1, 2, 0],
            lambda: 1.0,
        };
        let kept = scalar(mixed_cross_entropy(
            logits(),
            &labels,
            &whole,
            &weights,
            0.1,
        ));
        assert!((kept - own).abs() < 1e-6);
    }
}
